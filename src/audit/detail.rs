//! What each kind of audit event says beyond who, where and when: one typed variant per kind,
//! and how it is stored in (and read back from) the `detail` column.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::kind::AuditKind;
use crate::rotation::ReuseCause;

/// What an event of each kind says beyond who, where and when: one variant per kind, with
/// typed fields. Stored as a JSON object in `audit_events.detail` (the kind has a column of
/// its own), in the shape every earlier version wrote, so old rows read back unchanged:
/// `{}` for the kinds without details, `{"count": 2}` for a bulk revoke, and so on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AuditDetail {
    AccountCreated,
    SignIn {
        /// First sign-in from this place in the new-location window.
        new_location: bool,
        /// First sign-in with this device label ("Chrome on Windows") in the window; recorded
        /// since issue 14 (earlier rows read `false`).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        new_device: bool,
        /// The device's label as it signed in; recorded since issue 14.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        device: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        country_code: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        city: Option<String>,
    },
    SignInFailed,
    SignOut,
    /// The device that was signed out, as it was last seen.
    SessionRevoked {
        target_user_agent: String,
        target_ip: String,
    },
    OtherSessionsRevoked {
        count: u64,
    },
    AllSessionsRevoked {
        count: u64,
    },
    ReuseDetected {
        /// Recorded since the review of 2026-11-29; earlier rows say `{}`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cause: Option<ReuseCause>,
    },
    SessionExpired,
    PasswordChanged {
        other_sessions_signed_out: u64,
    },
    Reauthenticated,
    /// The presented token was handed its successor (named by prefix) again.
    RefreshGrace {
        successor_prefix: String,
    },
    RefreshSuperseded,
    ReauthFailed {
        check: PasswordCheck,
    },
    /// The device that was renamed, as it was last seen, and its name before and after
    /// (`None`: it had none, or the name was removed).
    SessionRenamed {
        target_user_agent: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        previous_name: Option<String>,
    },
    /// The device its owner reported with "This wasn't me", as it was last seen.
    SessionReported {
        target_user_agent: String,
        target_ip: String,
    },
    /// The least recently used device, signed out because a new sign-in would have passed
    /// the cap on live sessions (`limit`), as it was last seen.
    SessionEvicted {
        target_user_agent: String,
        target_ip: String,
        limit: u32,
    },
}

impl AuditDetail {
    pub fn kind(&self) -> AuditKind {
        match self {
            AuditDetail::AccountCreated => AuditKind::AccountCreated,
            AuditDetail::SignIn { .. } => AuditKind::SignIn,
            AuditDetail::SignInFailed => AuditKind::SignInFailed,
            AuditDetail::SignOut => AuditKind::SignOut,
            AuditDetail::SessionRevoked { .. } => AuditKind::SessionRevoked,
            AuditDetail::OtherSessionsRevoked { .. } => AuditKind::OtherSessionsRevoked,
            AuditDetail::AllSessionsRevoked { .. } => AuditKind::AllSessionsRevoked,
            AuditDetail::ReuseDetected { .. } => AuditKind::ReuseDetected,
            AuditDetail::SessionExpired => AuditKind::SessionExpired,
            AuditDetail::PasswordChanged { .. } => AuditKind::PasswordChanged,
            AuditDetail::Reauthenticated => AuditKind::Reauthenticated,
            AuditDetail::RefreshGrace { .. } => AuditKind::RefreshGrace,
            AuditDetail::RefreshSuperseded => AuditKind::RefreshSuperseded,
            AuditDetail::ReauthFailed { .. } => AuditKind::ReauthFailed,
            AuditDetail::SessionRenamed { .. } => AuditKind::SessionRenamed,
            AuditDetail::SessionReported { .. } => AuditKind::SessionReported,
            AuditDetail::SessionEvicted { .. } => AuditKind::SessionEvicted,
        }
    }

    /// The JSON object stored in the `detail` column: the fields, without the kind.
    pub fn to_stored(&self) -> String {
        match serde_json::to_value(self) {
            Ok(Value::Object(mut fields)) => {
                fields.remove("kind");
                Value::Object(fields).to_string()
            }
            _ => String::from("{}"),
        }
    }

    /// Reads a stored `detail` back, given the row's kind.
    pub fn from_stored(kind: AuditKind, stored: &str) -> Result<Self, serde_json::Error> {
        let mut fields = match serde_json::from_str(stored)? {
            Value::Object(fields) => fields,
            _ => Map::new(),
        };
        fields.insert("kind".to_owned(), Value::from(kind.as_str()));
        serde_json::from_value(Value::Object(fields))
    }

    /// The kind alone, its details unknown: what a row whose `detail` cannot be read shows,
    /// so one damaged row never takes a whole security log (or a sign-in) down with it.
    pub fn bare(kind: AuditKind) -> Self {
        match kind {
            AuditKind::AccountCreated => AuditDetail::AccountCreated,
            AuditKind::SignIn => AuditDetail::SignIn {
                new_location: false,
                new_device: false,
                device: None,
                country_code: None,
                city: None,
            },
            AuditKind::SignInFailed => AuditDetail::SignInFailed,
            AuditKind::SignOut => AuditDetail::SignOut,
            AuditKind::SessionRevoked => AuditDetail::SessionRevoked {
                target_user_agent: String::new(),
                target_ip: String::new(),
            },
            AuditKind::OtherSessionsRevoked => AuditDetail::OtherSessionsRevoked { count: 0 },
            AuditKind::AllSessionsRevoked => AuditDetail::AllSessionsRevoked { count: 0 },
            AuditKind::ReuseDetected => AuditDetail::ReuseDetected { cause: None },
            AuditKind::SessionExpired => AuditDetail::SessionExpired,
            AuditKind::PasswordChanged => AuditDetail::PasswordChanged {
                other_sessions_signed_out: 0,
            },
            AuditKind::Reauthenticated => AuditDetail::Reauthenticated,
            AuditKind::RefreshGrace => AuditDetail::RefreshGrace {
                successor_prefix: String::new(),
            },
            AuditKind::RefreshSuperseded => AuditDetail::RefreshSuperseded,
            AuditKind::ReauthFailed => AuditDetail::ReauthFailed {
                check: PasswordCheck::Reauthentication,
            },
            AuditKind::SessionRenamed => AuditDetail::SessionRenamed {
                target_user_agent: String::new(),
                name: None,
                previous_name: None,
            },
            AuditKind::SessionReported => AuditDetail::SessionReported {
                target_user_agent: String::new(),
                target_ip: String::new(),
            },
            AuditKind::SessionEvicted => AuditDetail::SessionEvicted {
                target_user_agent: String::new(),
                target_ip: String::new(),
                limit: 0,
            },
        }
    }
}

/// Why a signed-in session was asked for its password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordCheck {
    Reauthentication,
    PasswordChange,
}

impl PasswordCheck {
    pub fn as_str(self) -> &'static str {
        match self {
            PasswordCheck::Reauthentication => "reauthentication",
            PasswordCheck::PasswordChange => "password_change",
        }
    }
}

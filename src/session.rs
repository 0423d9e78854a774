//! Sessions: one per sign-in on one device, stable across every refresh-token rotation.

use crate::device::{ClientHints, DeviceLabel};
use crate::error::{DomainError, DomainResult};
use crate::geo::Location;
use crate::normalize::{normalize_ip, truncate_chars};
use crate::time::Timestamp;
use crate::token::JtiPrefix;

/// The instants that decide whether a session is still alive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionTimes {
    pub signed_in_at: Timestamp,
    /// Last refresh (or the sign-in itself).
    pub last_used_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// Where a session stands. Variants are ordered from least to most restrictive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SessionState {
    Active,
    ExpiredIdle,
    ExpiredAbsolute,
    Revoked,
}

/// Why a session ended: kept in `revoked_reason` on the session and its tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// The user signed this device out (or signed out of it from another device).
    SignedOut,
    /// An administrator revoked it.
    Admin,
    /// A rotated refresh token was replayed after the grace window.
    ReuseDetected,
    /// It passed the idle timeout or absolute lifetime and was noticed on use.
    Expired,
    /// The password changed and other sessions were signed out with it.
    PasswordChanged,
    /// Its owner said "This wasn't me" in an alert email (and, maybe, signed out everywhere).
    Reported,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::SignedOut => "signed_out",
            EndReason::Admin => "admin",
            EndReason::ReuseDetected => "reuse_detected",
            EndReason::Expired => "expired",
            EndReason::PasswordChanged => "password_changed",
            EndReason::Reported => "reported",
        }
    }
}

/// The request a session is stamped with: who is on the other end of the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceContext {
    /// The `User-Agent` header, cut to 500 characters (never refused for length).
    pub user_agent: String,
    /// The client address as resolved by the server, normalised (`::ffff:a.b.c.d` → `a.b.c.d`).
    pub ip: String,
    /// User-Agent Client Hints, when the browser sent them.
    pub client_hints: ClientHints,
}

impl DeviceContext {
    pub const MAX_USER_AGENT_CHARS: usize = 500;

    pub fn new(user_agent: &str, ip: std::net::IpAddr, client_hints: ClientHints) -> Self {
        Self {
            user_agent: truncate_chars(user_agent, Self::MAX_USER_AGENT_CHARS).to_owned(),
            ip: normalize_ip(ip).to_string(),
            client_hints,
        }
    }
}

/// How a client names one of its sessions: by its stable id, `ses_` and the session's 32
/// hex characters (it never changes), or by a `jti_prefix`, 4 to 64 hex characters of any
/// of its refresh-token hashes (the one on a list changes at every rotation). The two cannot
/// be taken for each other: an id starts with `ses_`, and `s` is not a hex digit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionRef {
    /// The session's id as stored (without `ses_`).
    Id(String),
    Prefix(JtiPrefix),
}

impl SessionRef {
    /// What marks a session's public id.
    pub const ID_PREFIX: &'static str = "ses_";
    /// Hex characters after the marker: a `token::random_id`.
    const ID_HEX_LEN: usize = 32;

    /// An id (`ses_…`, checked whole) or else a `jti_prefix`; refused as `Invalid` on field
    /// `id` or `jti_prefix` respectively.
    pub fn parse(text: &str) -> DomainResult<Self> {
        let Some(hex) = text.strip_prefix(Self::ID_PREFIX) else {
            return JtiPrefix::parse(text).map(SessionRef::Prefix);
        };
        if hex.len() != Self::ID_HEX_LEN || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(DomainError::invalid(
                "id",
                format!(
                    "must be {} followed by {} hex characters",
                    Self::ID_PREFIX,
                    Self::ID_HEX_LEN
                ),
            ));
        }
        Ok(SessionRef::Id(hex.to_ascii_lowercase()))
    }

    /// The public id of the session stored as `session_id`.
    pub fn public_id(session_id: &str) -> String {
        format!("{}{session_id}", Self::ID_PREFIX)
    }
}

/// One live session as its owner sees it.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub session_id: String,
    /// The name its owner gave it ("Work laptop"), shown instead of the device label.
    pub name: Option<String>,
    /// Prefix of the session's current refresh-token hash; names the device in the API.
    pub jti_prefix: String,
    pub user_agent: String,
    pub ip: String,
    pub created_at: Timestamp,
    pub last_used_at: Timestamp,
    pub signed_in_at: Timestamp,
    pub expires_at: Timestamp,
    pub is_current: bool,
    pub new_location: bool,
    pub device: DeviceLabel,
    pub location: Option<Location>,
}

impl SessionInfo {
    /// The id clients name this session by: stable for its whole life, unlike `jti_prefix`.
    pub fn public_id(&self) -> String {
        SessionRef::public_id(&self.session_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_and_a_prefix_are_told_apart_by_their_form() {
        let raw = "0123456789abcdef0123456789ABCDEF";
        let id = SessionRef::public_id(&raw.to_ascii_lowercase());
        assert_eq!(
            SessionRef::parse(&id).unwrap(),
            SessionRef::Id(raw.to_ascii_lowercase())
        );
        assert_eq!(
            SessionRef::parse(&format!("ses_{raw}")).unwrap(),
            SessionRef::Id(raw.to_ascii_lowercase()),
            "hex in either case"
        );
        // The same 32 hex characters without the marker are a jti_prefix, as they always were.
        assert!(matches!(
            SessionRef::parse(raw).unwrap(),
            SessionRef::Prefix(p) if p.as_str() == raw.to_ascii_lowercase()
        ));
    }

    #[test]
    fn a_malformed_id_is_refused_as_an_id() {
        for bad in [
            "ses_",
            "ses_0123",
            "ses_0123456789abcdef0123456789abcdef0",
            "ses_0123456789abcdef0123456789abcdeg",
            "ses_../../etc/passwd",
        ] {
            assert!(
                matches!(
                    SessionRef::parse(bad),
                    Err(DomainError::Invalid { field: "id", .. })
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            SessionRef::parse("SES_0123456789abcdef0123456789abcdef"),
            Err(DomainError::Invalid {
                field: "jti_prefix",
                ..
            })
        ));
    }
}

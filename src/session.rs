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
    /// A new sign-in would have passed the account's cap on live sessions, and this was the
    /// least recently used (`Policy::max_sessions`).
    SessionLimit,
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
            EndReason::SessionLimit => "session_limit",
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

/// What a request's device was made out to be: its label and its place. Worked out once,
/// when a token is minted for that request, and stored beside the raw user agent and address
/// (`refresh_tokens.device`, `.location`), so listing a session parses nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceDescription {
    pub label: DeviceLabel,
    pub location: Option<Location>,
}

impl DeviceDescription {
    /// The two columns as stored: JSON text, `location` NULL when there is none.
    pub fn to_columns(&self) -> (String, Option<String>) {
        // Plain structs of strings and enums: serialising them cannot fail.
        fn json<T: serde::Serialize>(value: &T) -> String {
            serde_json::to_string(value).unwrap_or_default()
        }
        (json(&self.label), self.location.as_ref().map(json))
    }

    /// Read back from the columns; `None` when the row predates them (or holds something
    /// this version cannot read), and the caller describes the raw facts instead.
    pub fn from_columns(device: Option<&str>, location: Option<&str>) -> Option<Self> {
        let label = serde_json::from_str(device?).ok()?;
        let location = match location {
            Some(text) => Some(serde_json::from_str(text).ok()?),
            None => None,
        };
        Some(Self { label, location })
    }
}

/// Where the next page of a devices list starts: just after the session last used at
/// `last_used_at` with id `session_id`, the previous page's last row. Clients see it as an
/// opaque string (`{microseconds}.{id}`) and hand it back unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListCursor {
    pub last_used_at: Timestamp,
    pub session_id: String,
}

impl ListCursor {
    /// The last instant a cursor may name (the end of year 9999, which both stores hold).
    const LATEST_MICROS: i64 = 253_402_300_799_999_999;

    /// Before every session: where the others start when a first page of one session held
    /// only the caller's own.
    pub fn top() -> Self {
        Self {
            last_used_at: Timestamp::from_unix_micros(Self::LATEST_MICROS),
            session_id: "top".to_owned(),
        }
    }

    pub fn encode(&self) -> String {
        format!("{}.{}", self.last_used_at.unix_micros(), self.session_id)
    }

    /// A cursor this server wrote; anything else is `Invalid` on field `cursor`.
    pub fn parse(text: &str) -> DomainResult<Self> {
        let malformed = || DomainError::invalid("cursor", "is not one this server gave out");
        let (micros, id) = text.split_once('.').ok_or_else(malformed)?;
        let micros: i64 = micros.parse().map_err(|_| malformed())?;
        let id_ok = (1..=64).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !(0..=Self::LATEST_MICROS).contains(&micros) || !id_ok {
            return Err(malformed());
        }
        Ok(Self {
            last_used_at: Timestamp::from_unix_micros(micros),
            session_id: id.to_owned(),
        })
    }
}

/// How many sessions one page of the devices list holds (`?limit=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize(u32);

impl PageSize {
    pub const DEFAULT: PageSize = PageSize(50);
    pub const MAX: u32 = 200;

    /// 1 to [`PageSize::MAX`]; anything else is `Invalid` on field `limit`.
    pub fn new(limit: u32) -> DomainResult<Self> {
        if (1..=Self::MAX).contains(&limit) {
            Ok(Self(limit))
        } else {
            Err(DomainError::invalid(
                "limit",
                format!("must be between 1 and {}", Self::MAX),
            ))
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// One page of the caller's live sessions.
#[derive(Debug, Clone)]
pub struct SessionPage {
    /// On the first page the caller's own session first, then the most recently used; later
    /// pages never repeat the caller's.
    pub sessions: Vec<SessionInfo>,
    /// Where the next page starts; `None` on the last.
    pub next: Option<ListCursor>,
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

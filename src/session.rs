//! Sessions: one per sign-in on one device, stable across every refresh-token rotation.

use crate::device::{ClientHints, DeviceLabel};
use crate::geo::Location;
use crate::normalize::{normalize_ip, truncate_chars};
use crate::time::Timestamp;

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
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::SignedOut => "signed_out",
            EndReason::Admin => "admin",
            EndReason::ReuseDetected => "reuse_detected",
            EndReason::Expired => "expired",
            EndReason::PasswordChanged => "password_changed",
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

/// One live session as its owner sees it.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub session_id: String,
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

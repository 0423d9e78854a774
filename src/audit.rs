//! Audit events: an append-only record of everything that starts, ends or guards a session,
//! written in the same transaction as the change it records.

use serde_json::{Map, Value, json};

use crate::rotation::ReuseCause;
use crate::session::DeviceContext;
use crate::time::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditKind {
    AccountCreated,
    SignIn,
    SignInFailed,
    SignOut,
    SessionRevoked,
    OtherSessionsRevoked,
    AllSessionsRevoked,
    ReuseDetected,
    SessionExpired,
    PasswordChanged,
    Reauthenticated,
    RefreshGrace,
    RefreshSuperseded,
    ReauthFailed,
}

impl AuditKind {
    pub const ALL: [AuditKind; 14] = [
        AuditKind::AccountCreated,
        AuditKind::SignIn,
        AuditKind::SignInFailed,
        AuditKind::SignOut,
        AuditKind::SessionRevoked,
        AuditKind::OtherSessionsRevoked,
        AuditKind::AllSessionsRevoked,
        AuditKind::ReuseDetected,
        AuditKind::SessionExpired,
        AuditKind::PasswordChanged,
        AuditKind::Reauthenticated,
        AuditKind::RefreshGrace,
        AuditKind::RefreshSuperseded,
        AuditKind::ReauthFailed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::AccountCreated => "account_created",
            AuditKind::SignIn => "sign_in",
            AuditKind::SignInFailed => "sign_in_failed",
            AuditKind::SignOut => "sign_out",
            AuditKind::SessionRevoked => "session_revoked",
            AuditKind::OtherSessionsRevoked => "other_sessions_revoked",
            AuditKind::AllSessionsRevoked => "all_sessions_revoked",
            AuditKind::ReuseDetected => "reuse_detected",
            AuditKind::SessionExpired => "session_expired",
            AuditKind::PasswordChanged => "password_changed",
            AuditKind::Reauthenticated => "reauthenticated",
            AuditKind::RefreshGrace => "refresh_grace",
            AuditKind::RefreshSuperseded => "refresh_superseded",
            AuditKind::ReauthFailed => "reauth_failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// Who did it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    User,
    Admin,
    System,
}

impl Actor {
    pub fn as_str(self) -> &'static str {
        match self {
            Actor::User => "user",
            Actor::Admin => "admin",
            Actor::System => "system",
        }
    }

    pub fn parse(text: &str) -> Self {
        match text {
            "admin" => Actor::Admin,
            "system" => Actor::System,
            _ => Actor::User,
        }
    }
}

/// One event to append. Built with the named constructor of its kind.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub kind: AuditKind,
    pub actor: Actor,
    pub user_id: Option<String>,
    /// The session that acted (the caller's own), when there is one.
    pub session_id: Option<String>,
    pub target_session_id: Option<String>,
    pub target_prefix: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// Kind-specific facts: the target device, a count, "new location".
    pub detail: Map<String, Value>,
    pub occurred_at: Timestamp,
}

impl AuditEvent {
    fn new(kind: AuditKind, actor: Actor, user_id: Option<&str>, at: Timestamp) -> Self {
        Self {
            kind,
            actor,
            user_id: user_id.map(str::to_owned),
            session_id: None,
            target_session_id: None,
            target_prefix: None,
            ip: None,
            user_agent: None,
            detail: Map::new(),
            occurred_at: at,
        }
    }

    fn with_device(mut self, device: Option<&DeviceContext>) -> Self {
        if let Some(device) = device {
            self.ip = Some(device.ip.clone());
            self.user_agent = Some(device.user_agent.clone());
        }
        self
    }

    fn acting(mut self, session_id: Option<&str>) -> Self {
        self.session_id = session_id.map(str::to_owned);
        self
    }

    /// The session the event is about, named by one of its token prefixes.
    fn targeting(mut self, session_id: &str, jti_prefix: &str) -> Self {
        self.target_session_id = Some(session_id.to_owned());
        self.target_prefix = Some(jti_prefix.to_owned());
        self
    }

    fn with(mut self, key: &str, value: Value) -> Self {
        self.detail.insert(key.to_owned(), value);
        self
    }

    pub fn account_created(user_id: &str, device: &DeviceContext, at: Timestamp) -> Self {
        Self::new(AuditKind::AccountCreated, Actor::User, Some(user_id), at)
            .with_device(Some(device))
    }

    pub fn sign_in(
        user_id: &str,
        session_id: &str,
        device: &DeviceContext,
        place: Option<&crate::geo::Place>,
        new_location: bool,
        at: Timestamp,
    ) -> Self {
        let mut event = Self::new(AuditKind::SignIn, Actor::User, Some(user_id), at)
            .with_device(Some(device))
            .acting(Some(session_id))
            .with("new_location", json!(new_location));
        event.target_session_id = Some(session_id.to_owned());
        if let Some(place) = place {
            event = event.with("country_code", json!(place.country_code));
            if let Some(city) = &place.city {
                event = event.with("city", json!(city));
            }
        }
        event
    }

    /// `user_id` is `None` when the email matched no account.
    pub fn sign_in_failed(user_id: Option<&str>, device: &DeviceContext, at: Timestamp) -> Self {
        Self::new(AuditKind::SignInFailed, Actor::User, user_id, at).with_device(Some(device))
    }

    pub fn sign_out(
        user_id: &str,
        session_id: &str,
        device: Option<&DeviceContext>,
        at: Timestamp,
    ) -> Self {
        let mut event = Self::new(AuditKind::SignOut, Actor::User, Some(user_id), at)
            .with_device(device)
            .acting(Some(session_id));
        event.target_session_id = Some(session_id.to_owned());
        event
    }

    /// One session signed out by its owner (from any of their devices) or by an admin.
    pub fn session_revoked(
        actor: Actor,
        user_id: &str,
        acting_session: Option<&str>,
        target: &RevokedTarget,
        device: Option<&DeviceContext>,
        at: Timestamp,
    ) -> Self {
        Self::new(AuditKind::SessionRevoked, actor, Some(user_id), at)
            .with_device(device)
            .acting(acting_session)
            .with("target_user_agent", json!(target.user_agent))
            .with("target_ip", json!(target.ip))
            .targeting(&target.session_id, &target.jti_prefix)
    }

    pub fn sessions_revoked(
        kind: AuditKind,
        actor: Actor,
        user_id: &str,
        acting_session: Option<&str>,
        count: u64,
        device: Option<&DeviceContext>,
        at: Timestamp,
    ) -> Self {
        Self::new(kind, actor, Some(user_id), at)
            .with_device(device)
            .acting(acting_session)
            .with("count", json!(count))
    }

    /// `jti_prefix` is the presented token's; `device` the one that presented it.
    pub fn reuse_detected(
        user_id: &str,
        session_id: &str,
        jti_prefix: &str,
        cause: ReuseCause,
        device: &DeviceContext,
        at: Timestamp,
    ) -> Self {
        Self::new(AuditKind::ReuseDetected, Actor::System, Some(user_id), at)
            .with_device(Some(device))
            .with("cause", json!(cause.as_str()))
            .targeting(session_id, jti_prefix)
    }

    /// A rotated token came back inside the grace window from the device it was rotated for,
    /// and was handed the same successor: who asked, from where, is on record.
    pub fn refresh_grace(
        user_id: &str,
        session_id: &str,
        jti_prefix: &str,
        successor_prefix: &str,
        device: &DeviceContext,
        at: Timestamp,
    ) -> Self {
        Self::new(AuditKind::RefreshGrace, Actor::System, Some(user_id), at)
            .with_device(Some(device))
            .with("successor_prefix", json!(successor_prefix))
            .targeting(session_id, jti_prefix)
    }

    /// A rotated token came back inside the grace window after its chain had moved on, and was
    /// refused; the session was left alone.
    pub fn refresh_superseded(
        user_id: &str,
        session_id: &str,
        jti_prefix: &str,
        device: &DeviceContext,
        at: Timestamp,
    ) -> Self {
        Self::new(
            AuditKind::RefreshSuperseded,
            Actor::System,
            Some(user_id),
            at,
        )
        .with_device(Some(device))
        .targeting(session_id, jti_prefix)
    }

    pub fn session_expired(
        user_id: &str,
        session_id: &str,
        device: Option<&DeviceContext>,
        at: Timestamp,
    ) -> Self {
        let mut event = Self::new(AuditKind::SessionExpired, Actor::System, Some(user_id), at)
            .with_device(device);
        event.target_session_id = Some(session_id.to_owned());
        event
    }

    pub fn password_changed(
        user_id: &str,
        session_id: &str,
        device: Option<&DeviceContext>,
        others_signed_out: u64,
        at: Timestamp,
    ) -> Self {
        Self::new(AuditKind::PasswordChanged, Actor::User, Some(user_id), at)
            .with_device(device)
            .acting(Some(session_id))
            .with("other_sessions_signed_out", json!(others_signed_out))
    }

    pub fn reauthenticated(
        user_id: &str,
        session_id: &str,
        device: Option<&DeviceContext>,
        at: Timestamp,
    ) -> Self {
        Self::new(AuditKind::Reauthenticated, Actor::User, Some(user_id), at)
            .with_device(device)
            .acting(Some(session_id))
    }

    /// A signed-in session typed a wrong password: to confirm it is the owner, or as the
    /// current password of a password change. A stolen session guessing shows up here.
    pub fn reauth_failed(
        user_id: &str,
        session_id: &str,
        check: PasswordCheck,
        device: Option<&DeviceContext>,
        at: Timestamp,
    ) -> Self {
        Self::new(AuditKind::ReauthFailed, Actor::User, Some(user_id), at)
            .with_device(device)
            .acting(Some(session_id))
            .with("check", json!(check.as_str()))
    }
}

/// Why a signed-in session was asked for its password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// What a revoked session looked like, for the audit trail ("You signed out Firefox on Windows").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedTarget {
    pub session_id: String,
    pub jti_prefix: String,
    pub user_agent: String,
    pub ip: String,
}

/// An audit event as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub id: i64,
    pub event: AuditEvent,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_name() {
        for kind in AuditKind::ALL {
            assert_eq!(AuditKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(AuditKind::parse("nonsense"), None);
    }
}

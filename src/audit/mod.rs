//! Audit events: an append-only record of everything that starts, ends or guards a session,
//! written in the same transaction as the change it records. `kind.rs` names them,
//! `detail.rs` types what each says; here, the events and their constructors.

mod detail;
mod kind;

pub use detail::{AuditDetail, PasswordCheck};
pub use kind::{Actor, AuditKind, BulkScope};

use crate::rotation::ReuseCause;
use crate::session::DeviceContext;
use crate::time::Timestamp;

/// One event to append. Built with the named constructor of its kind.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub actor: Actor,
    pub user_id: Option<String>,
    /// The session that acted (the caller's own), when there is one.
    pub session_id: Option<String>,
    pub target_session_id: Option<String>,
    pub target_prefix: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The kind, and what this kind of event says: the target device, a count, "new location".
    pub detail: AuditDetail,
    pub occurred_at: Timestamp,
}

/// What a sign-in was compared with: where it came from and what it is, and whether either is
/// new on the account.
#[derive(Debug, Clone, Copy)]
pub struct SignInNovelty<'a> {
    pub place: Option<&'a crate::geo::Place>,
    pub new_location: bool,
    /// "Chrome on Windows".
    pub label: &'a str,
    pub new_device: bool,
}

impl AuditEvent {
    fn new(detail: AuditDetail, actor: Actor, user_id: Option<&str>, at: Timestamp) -> Self {
        Self {
            actor,
            user_id: user_id.map(str::to_owned),
            session_id: None,
            target_session_id: None,
            target_prefix: None,
            ip: None,
            user_agent: None,
            detail,
            occurred_at: at,
        }
    }

    pub fn kind(&self) -> AuditKind {
        self.detail.kind()
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

    pub fn account_created(user_id: &str, device: &DeviceContext, at: Timestamp) -> Self {
        Self::new(AuditDetail::AccountCreated, Actor::User, Some(user_id), at)
            .with_device(Some(device))
    }

    pub fn sign_in(
        user_id: &str,
        session_id: &str,
        device: &DeviceContext,
        seen: SignInNovelty,
        at: Timestamp,
    ) -> Self {
        let SignInNovelty {
            place,
            new_location,
            label,
            new_device,
        } = seen;
        let detail = AuditDetail::SignIn {
            new_location,
            new_device,
            device: Some(label.to_owned()),
            country_code: place.map(|p| p.country_code.clone()),
            city: place.and_then(|p| p.city.clone()),
        };
        let mut event = Self::new(detail, Actor::User, Some(user_id), at)
            .with_device(Some(device))
            .acting(Some(session_id));
        event.target_session_id = Some(session_id.to_owned());
        event
    }

    /// `user_id` is `None` when the email matched no account.
    pub fn sign_in_failed(user_id: Option<&str>, device: &DeviceContext, at: Timestamp) -> Self {
        Self::new(AuditDetail::SignInFailed, Actor::User, user_id, at).with_device(Some(device))
    }

    pub fn sign_out(
        user_id: &str,
        session_id: &str,
        device: Option<&DeviceContext>,
        at: Timestamp,
    ) -> Self {
        let mut event = Self::new(AuditDetail::SignOut, Actor::User, Some(user_id), at)
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
        let detail = AuditDetail::SessionRevoked {
            target_user_agent: target.user_agent.clone(),
            target_ip: target.ip.clone(),
        };
        Self::new(detail, actor, Some(user_id), at)
            .with_device(device)
            .acting(acting_session)
            .targeting(&target.session_id, &target.jti_prefix)
    }

    /// Every session of the user signed out at once (`All`, the acting one if any
    /// included), or every one but the acting session (`Others`).
    pub fn sessions_revoked(
        scope: BulkScope,
        actor: Actor,
        user_id: &str,
        acting_session: Option<&str>,
        count: u64,
        device: Option<&DeviceContext>,
        at: Timestamp,
    ) -> Self {
        let detail = match scope {
            BulkScope::All => AuditDetail::AllSessionsRevoked { count },
            BulkScope::Others => AuditDetail::OtherSessionsRevoked { count },
        };
        Self::new(detail, actor, Some(user_id), at)
            .with_device(device)
            .acting(acting_session)
    }

    /// A session its owner signed out from an alert email ("This wasn't me"), without
    /// being signed in: there is no acting session and no acting device beyond the request.
    pub fn session_reported(
        user_id: &str,
        target: &RevokedTarget,
        device: Option<&DeviceContext>,
        at: Timestamp,
    ) -> Self {
        let detail = AuditDetail::SessionReported {
            target_user_agent: target.user_agent.clone(),
            target_ip: target.ip.clone(),
        };
        Self::new(detail, Actor::User, Some(user_id), at)
            .with_device(device)
            .targeting(&target.session_id, &target.jti_prefix)
    }

    /// The least recently used session, signed out by the system to make room for a new
    /// sign-in under the account's cap of `limit` live sessions.
    pub fn session_evicted(
        user_id: &str,
        target: &RevokedTarget,
        limit: u32,
        at: Timestamp,
    ) -> Self {
        let detail = AuditDetail::SessionEvicted {
            target_user_agent: target.user_agent.clone(),
            target_ip: target.ip.clone(),
            limit,
        };
        Self::new(detail, Actor::System, Some(user_id), at)
            .targeting(&target.session_id, &target.jti_prefix)
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
        Self::new(
            AuditDetail::ReuseDetected { cause: Some(cause) },
            Actor::System,
            Some(user_id),
            at,
        )
        .with_device(Some(device))
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
        let detail = AuditDetail::RefreshGrace {
            successor_prefix: successor_prefix.to_owned(),
        };
        Self::new(detail, Actor::System, Some(user_id), at)
            .with_device(Some(device))
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
            AuditDetail::RefreshSuperseded,
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
        let mut event = Self::new(
            AuditDetail::SessionExpired,
            Actor::System,
            Some(user_id),
            at,
        )
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
        let detail = AuditDetail::PasswordChanged {
            other_sessions_signed_out: others_signed_out,
        };
        Self::new(detail, Actor::User, Some(user_id), at)
            .with_device(device)
            .acting(Some(session_id))
    }

    pub fn reauthenticated(
        user_id: &str,
        session_id: &str,
        device: Option<&DeviceContext>,
        at: Timestamp,
    ) -> Self {
        Self::new(AuditDetail::Reauthenticated, Actor::User, Some(user_id), at)
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
        Self::new(
            AuditDetail::ReauthFailed { check },
            Actor::User,
            Some(user_id),
            at,
        )
        .with_device(device)
        .acting(Some(session_id))
    }

    /// The owner named one of their sessions (`name`), or removed its name (`None`), from
    /// their session `acting_session`. `target` is the renamed device as last seen.
    pub fn session_renamed(
        user_id: &str,
        acting_session: &str,
        target: &RevokedTarget,
        name: Option<&str>,
        previous_name: Option<&str>,
        device: &DeviceContext,
        at: Timestamp,
    ) -> Self {
        let detail = AuditDetail::SessionRenamed {
            target_user_agent: target.user_agent.clone(),
            name: name.map(str::to_owned),
            previous_name: previous_name.map(str::to_owned),
        };
        Self::new(detail, Actor::User, Some(user_id), at)
            .with_device(Some(device))
            .acting(Some(acting_session))
            .targeting(&target.session_id, &target.jti_prefix)
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
    fn every_kind_has_a_bare_detail_of_that_kind() {
        for kind in AuditKind::ALL {
            assert_eq!(AuditDetail::bare(kind).kind(), kind);
        }
    }

    #[test]
    fn every_kind_round_trips_through_its_name() {
        for kind in AuditKind::ALL {
            assert_eq!(AuditKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(AuditKind::parse("nonsense"), None);
    }

    fn one_detail_of_each_kind() -> Vec<AuditDetail> {
        vec![
            AuditDetail::AccountCreated,
            AuditDetail::SignIn {
                new_location: true,
                new_device: true,
                device: Some("Chrome on Windows".into()),
                country_code: Some("FR".into()),
                city: Some("Lyon".into()),
            },
            AuditDetail::SignInFailed,
            AuditDetail::SignOut,
            AuditDetail::SessionRevoked {
                target_user_agent: "Firefox".into(),
                target_ip: "192.0.2.1".into(),
            },
            AuditDetail::OtherSessionsRevoked { count: 2 },
            AuditDetail::AllSessionsRevoked { count: 3 },
            AuditDetail::ReuseDetected {
                cause: Some(ReuseCause::OtherDeviceInGrace),
            },
            AuditDetail::SessionExpired,
            AuditDetail::PasswordChanged {
                other_sessions_signed_out: 1,
            },
            AuditDetail::Reauthenticated,
            AuditDetail::RefreshGrace {
                successor_prefix: "abcdef012345".into(),
            },
            AuditDetail::RefreshSuperseded,
            AuditDetail::ReauthFailed {
                check: PasswordCheck::PasswordChange,
            },
            AuditDetail::SessionRenamed {
                target_user_agent: "Firefox".into(),
                name: Some("Work laptop".into()),
                previous_name: None,
            },
            AuditDetail::SessionReported {
                target_user_agent: "Firefox".into(),
                target_ip: "192.0.2.1".into(),
            },
            AuditDetail::SessionEvicted {
                target_user_agent: "Firefox".into(),
                target_ip: "192.0.2.1".into(),
                limit: 100,
            },
        ]
    }

    #[test]
    fn every_kind_has_a_detail_that_round_trips_through_its_column() {
        let details = one_detail_of_each_kind();
        let kinds: Vec<AuditKind> = details.iter().map(AuditDetail::kind).collect();
        assert_eq!(kinds, AuditKind::ALL);
        for detail in details {
            let stored = detail.to_stored();
            assert!(
                !stored.contains("\"kind\""),
                "the kind has its own column: {stored}"
            );
            assert_eq!(
                AuditDetail::from_stored(detail.kind(), &stored).unwrap(),
                detail
            );
        }
    }

    /// Rows written before the details were typed: the JSON every earlier version stored.
    #[test]
    fn details_stored_by_earlier_versions_read_back() {
        let stored = [
            (AuditKind::AccountCreated, "{}", AuditDetail::AccountCreated),
            (
                AuditKind::SignIn,
                r#"{"city":"Lyon","country_code":"FR","new_location":true}"#,
                AuditDetail::SignIn {
                    new_location: true,
                    new_device: false,
                    device: None,
                    country_code: Some("FR".into()),
                    city: Some("Lyon".into()),
                },
            ),
            (
                AuditKind::SignIn,
                r#"{"new_location":false}"#,
                AuditDetail::SignIn {
                    new_location: false,
                    new_device: false,
                    device: None,
                    country_code: None,
                    city: None,
                },
            ),
            (
                AuditKind::SessionRevoked,
                r#"{"target_ip":"192.0.2.1","target_user_agent":"Firefox"}"#,
                AuditDetail::SessionRevoked {
                    target_user_agent: "Firefox".into(),
                    target_ip: "192.0.2.1".into(),
                },
            ),
            (
                AuditKind::OtherSessionsRevoked,
                r#"{"count":2}"#,
                AuditDetail::OtherSessionsRevoked { count: 2 },
            ),
            (
                AuditKind::AllSessionsRevoked,
                r#"{"count":3}"#,
                AuditDetail::AllSessionsRevoked { count: 3 },
            ),
            (
                AuditKind::ReuseDetected,
                r#"{"cause":"replayed_after_grace"}"#,
                AuditDetail::ReuseDetected {
                    cause: Some(ReuseCause::ReplayedAfterGrace),
                },
            ),
            // Written before the cause was recorded.
            (
                AuditKind::ReuseDetected,
                "{}",
                AuditDetail::ReuseDetected { cause: None },
            ),
            (
                AuditKind::PasswordChanged,
                r#"{"other_sessions_signed_out":0}"#,
                AuditDetail::PasswordChanged {
                    other_sessions_signed_out: 0,
                },
            ),
            (
                AuditKind::RefreshGrace,
                r#"{"successor_prefix":"abcdef012345"}"#,
                AuditDetail::RefreshGrace {
                    successor_prefix: "abcdef012345".into(),
                },
            ),
            (
                AuditKind::ReauthFailed,
                r#"{"check":"reauthentication"}"#,
                AuditDetail::ReauthFailed {
                    check: PasswordCheck::Reauthentication,
                },
            ),
        ];
        for (kind, json, detail) in stored {
            assert_eq!(
                AuditDetail::from_stored(kind, json).unwrap(),
                detail,
                "{json}"
            );
            assert_eq!(detail.to_stored(), json, "written as before");
        }
    }

    #[test]
    fn causes_and_checks_are_stored_by_their_names() {
        for cause in [
            ReuseCause::ReplayedAfterGrace,
            ReuseCause::OtherDeviceInGrace,
        ] {
            assert_eq!(serde_json::to_value(cause).unwrap(), cause.as_str());
        }
        for check in [
            PasswordCheck::Reauthentication,
            PasswordCheck::PasswordChange,
        ] {
            assert_eq!(serde_json::to_value(check).unwrap(), check.as_str());
        }
    }
}

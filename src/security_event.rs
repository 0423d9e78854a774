//! Security events as their owner reads them, shown the same on the page and in the API: the
//! sentence a person reads for each, and how many one page of them holds.

use crate::audit::{Actor, AuditKind};
use crate::device::DeviceLabel;
use crate::error::{DomainError, DomainResult};
use crate::geo::Location;
use crate::i18n::{self, Args, Lang};
use crate::time::Timestamp;

/// An audit event as its owner reads it, with devices and places already resolved.
#[derive(Debug, Clone)]
pub struct SecurityEvent {
    pub id: i64,
    pub kind: AuditKind,
    pub actor: Actor,
    pub occurred_at: Timestamp,
    /// The device the action came from.
    pub device: Option<DeviceLabel>,
    pub ip: Option<String>,
    pub location: Option<Location>,
    /// For a single revoke or a rename: the device that was signed out or renamed.
    pub target_device: Option<DeviceLabel>,
    pub target_prefix: Option<String>,
    /// How many sessions a bulk revoke ended.
    pub count: Option<u64>,
    pub new_location: bool,
    /// Done from the session asking.
    pub by_this_session: bool,
    /// For a rename: the name given (`None` when it was removed) and the one it replaced.
    pub name: Option<String>,
    pub previous_name: Option<String>,
}

/// How many security events one page holds, for any caller that lets its client choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventPage;

impl EventPage {
    /// When the client does not say.
    pub const DEFAULT: u32 = 20;
    /// The most one read returns: a page is one query, and its cost must stay bounded.
    pub const MAX: u32 = 100;

    /// The page size a client asked for: `DEFAULT` when it did not, refused outside
    /// `1..=MAX` rather than quietly cut, so a client learns its page is not what it asked.
    pub fn size(asked: Option<i64>) -> DomainResult<u32> {
        match asked {
            None => Ok(Self::DEFAULT),
            Some(n) if (1..=i64::from(Self::MAX)).contains(&n) => {
                u32::try_from(n).map_err(|_| Self::out_of_range())
            }
            Some(_) => Err(Self::out_of_range()),
        }
    }

    fn out_of_range() -> DomainError {
        DomainError::invalid("limit", format!("must be between 1 and {}", Self::MAX))
    }
}

impl SecurityEvent {
    /// "You signed out Firefox on Windows", "New sign-in: Safari on iPhone · Berlin, DE":
    /// the sentence in English, as the API gives it.
    pub fn summary(&self) -> String {
        self.summary_in(Lang::En, self.location.as_ref().map(Location::describe))
    }

    /// The sentence in `lang`, for the page: devices named in that language, and `place` as
    /// the page words it (`Location::in_lang`).
    pub fn summary_in(&self, lang: Lang, place: Option<String>) -> String {
        let label = |device: &Option<DeviceLabel>, fallback: &str| match device {
            Some(device) => device.in_lang(lang),
            None => i18n::text(lang, fallback),
        };
        let device = label(&self.device, "event-unknown-device");
        let target = |fallback| label(&self.target_device, fallback);
        let count = self.count.unwrap_or(0);
        let by = |you: &'static str, admin: &'static str| match self.actor {
            Actor::Admin => admin,
            _ => you,
        };
        let say = |id: &str, args: &Args<'_>| i18n::text_with(lang, id, args);
        let from = |text: String| match &place {
            Some(place) => say(
                "event-with-place",
                &[("text", text.into()), ("place", place.as_str().into())],
            ),
            None => text,
        };
        let on_device = |id: &str| say(id, &[("device", device.as_str().into())]);
        match self.kind {
            AuditKind::AccountCreated => from(on_device("event-account-created")),
            AuditKind::SignIn if self.new_location => from(on_device("event-sign-in-new-location")),
            AuditKind::SignIn => from(on_device("event-sign-in")),
            AuditKind::SignInFailed => from(on_device("event-sign-in-failed")),
            AuditKind::SignOut => on_device("event-sign-out"),
            AuditKind::SessionRevoked => say(
                by(
                    "event-session-revoked-by-you",
                    "event-session-revoked-by-admin",
                ),
                &[("target", target("event-a-device").into())],
            ),
            AuditKind::OtherSessionsRevoked => say(
                by(
                    "event-others-revoked-by-you",
                    "event-others-revoked-by-admin",
                ),
                &[("count", count.into())],
            ),
            AuditKind::AllSessionsRevoked => say(
                by("event-all-revoked-by-you", "event-all-revoked-by-admin"),
                &[("count", count.into())],
            ),
            AuditKind::ReuseDetected => i18n::text(lang, "event-reuse-detected"),
            AuditKind::SessionExpired => i18n::text(lang, "event-session-expired"),
            AuditKind::PasswordChanged => on_device("event-password-changed"),
            AuditKind::Reauthenticated => on_device("event-reauthenticated"),
            AuditKind::ReauthFailed => from(on_device("event-reauth-failed")),
            AuditKind::RefreshGrace => from(on_device("event-refresh-grace")),
            AuditKind::RefreshSuperseded => from(on_device("event-refresh-superseded")),
            AuditKind::SessionEvicted => say(
                "event-session-evicted",
                &[
                    ("target", target("event-a-device-start").into()),
                    ("count", count.into()),
                ],
            ),
            AuditKind::SessionReported => say(
                "event-session-reported",
                &[("target", target("event-a-device").into())],
            ),
            // The names are the owner's own text: quoted here, escaped wherever shown.
            AuditKind::SessionRenamed => {
                let target = target("event-a-device");
                match (&self.name, &self.previous_name) {
                    (Some(name), _) => say(
                        "event-renamed",
                        &[("target", target.into()), ("name", name.as_str().into())],
                    ),
                    (None, Some(previous)) => say(
                        "event-name-removed",
                        &[
                            ("target", target.into()),
                            ("previous", previous.as_str().into()),
                        ],
                    ),
                    (None, None) => say("event-name-cleared", &[("target", target.into())]),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::DeviceKind;

    fn renamed(name: Option<&str>, previous_name: Option<&str>) -> SecurityEvent {
        let chrome = DeviceLabel {
            label: "Chrome on macOS".into(),
            browser: Some("Chrome".into()),
            os: Some("macOS".into()),
            kind: DeviceKind::Desktop,
            model: None,
        };
        SecurityEvent {
            id: 1,
            kind: AuditKind::SessionRenamed,
            actor: Actor::User,
            occurred_at: Timestamp::from_unix_seconds(0),
            device: None,
            ip: None,
            location: None,
            target_device: Some(chrome),
            target_prefix: None,
            count: None,
            new_location: false,
            by_this_session: true,
            name: name.map(str::to_owned),
            previous_name: previous_name.map(str::to_owned),
        }
    }

    #[test]
    fn a_rename_reads_with_the_device_and_its_new_name() {
        assert_eq!(
            renamed(Some("Work laptop"), None).summary(),
            "You renamed Chrome on macOS to “Work laptop”"
        );
        assert_eq!(
            renamed(Some("Home"), Some("Work laptop")).summary(),
            "You renamed Chrome on macOS to “Home”"
        );
        assert_eq!(
            renamed(None, Some("Work laptop")).summary(),
            "You removed the name “Work laptop” from Chrome on macOS"
        );
        assert_eq!(
            renamed(None, None).summary(),
            "You removed the name of Chrome on macOS"
        );
    }

    #[test]
    fn a_page_is_twenty_events_unless_asked_and_never_more_than_a_hundred() {
        assert_eq!(EventPage::size(None).unwrap(), 20);
        assert_eq!(EventPage::size(Some(1)).unwrap(), 1);
        assert_eq!(EventPage::size(Some(100)).unwrap(), 100);
        for refused in [0, -1, 101, i64::MAX, i64::MIN] {
            let error = EventPage::size(Some(refused)).unwrap_err();
            assert_eq!(error.to_string(), "limit: must be between 1 and 100");
        }
    }
}

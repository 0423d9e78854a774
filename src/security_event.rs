//! Security events as their owner reads them, shown the same on the page and in the API: the
//! sentence a person reads for each, and how many one page of them holds.

use crate::audit::{Actor, AuditKind};
use crate::device::DeviceLabel;
use crate::error::{DomainError, DomainResult};
use crate::geo::Location;
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
    /// "You signed out Firefox on Windows", "New sign-in: Safari on iPhone · Berlin, DE".
    pub fn summary(&self) -> String {
        let device = self
            .device
            .as_ref()
            .map_or("an unknown device", |d| d.label.as_str());
        let place = self.location.as_ref().map(Location::describe);
        let from = |text: String| match &place {
            Some(place) => format!("{text} · {place}"),
            None => text,
        };
        let sessions = |n: u64| {
            if n == 1 {
                "1 session".to_owned()
            } else {
                format!("{n} sessions")
            }
        };
        let who = match self.actor {
            Actor::Admin => "An administrator",
            _ => "You",
        };
        match self.kind {
            AuditKind::AccountCreated => from(format!("Account created on {device}")),
            AuditKind::SignIn if self.new_location => {
                from(format!("New sign-in from a new location: {device}"))
            }
            AuditKind::SignIn => from(format!("New sign-in: {device}")),
            AuditKind::SignInFailed => from(format!("Failed sign-in attempt: {device}")),
            AuditKind::SignOut => format!("You signed out on {device}"),
            AuditKind::SessionRevoked => {
                let target = self
                    .target_device
                    .as_ref()
                    .map_or("a device", |d| d.label.as_str());
                format!("{who} signed out {target}")
            }
            AuditKind::OtherSessionsRevoked => {
                format!(
                    "{who} signed out of {} on other devices",
                    sessions(self.count.unwrap_or(0))
                )
            }
            AuditKind::AllSessionsRevoked => {
                format!(
                    "{who} signed out of all {}",
                    sessions(self.count.unwrap_or(0))
                )
            }
            AuditKind::ReuseDetected => {
                "A stolen sign-in was detected and that device was signed out".to_owned()
            }
            AuditKind::SessionExpired => "A session expired".to_owned(),
            AuditKind::PasswordChanged => format!("Password changed on {device}"),
            AuditKind::Reauthenticated => format!("Password confirmed on {device}"),
            AuditKind::ReauthFailed => from(format!("Wrong password entered on {device}")),
            AuditKind::RefreshGrace => from(format!("Sign-in renewed twice at once on {device}")),
            AuditKind::RefreshSuperseded => {
                from(format!("An outdated sign-in token was refused on {device}"))
            }
            AuditKind::SessionEvicted => {
                let target = self
                    .target_device
                    .as_ref()
                    .map_or("A device", |d| d.label.as_str());
                format!(
                    "{target} was signed out: it was the least recently used, and at most {} can be signed in at once",
                    sessions(self.count.unwrap_or(0))
                )
            }
            AuditKind::SessionReported => {
                let target = self
                    .target_device
                    .as_ref()
                    .map_or("a device", |d| d.label.as_str());
                format!("You said “This wasn't me” and signed out {target}")
            }
            // The names are the owner's own text: quoted here, escaped wherever shown.
            AuditKind::SessionRenamed => {
                let target = self
                    .target_device
                    .as_ref()
                    .map_or("a device", |d| d.label.as_str());
                match (&self.name, &self.previous_name) {
                    (Some(name), _) => format!("You renamed {target} to “{name}”"),
                    (None, Some(previous)) => {
                        format!("You removed the name “{previous}” from {target}")
                    }
                    (None, None) => format!("You removed the name of {target}"),
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

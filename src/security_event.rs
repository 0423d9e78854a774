//! How security events are shown, the same on the page and in the API: the sentence a person
//! reads for each.

use crate::audit::{Actor, AuditKind};
use crate::geo::Location;
use crate::service::SecurityEvent;

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
        }
    }
}

//! Wire types shared by the server functions, the JSON API and the page: what a client may
//! see of sessions, users and security events. Times are RFC 3339 UTC strings.

use serde::{Deserialize, Serialize};

/// How a device is named: "Chrome on macOS" (`kind`: desktop, phone, tablet, bot, cli, unknown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeviceView {
    pub label: String,
    pub browser: Option<String>,
    pub os: Option<String>,
    pub kind: String,
    pub model: Option<String>,
}

/// Where an address points: a place, or the local network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LocationView {
    pub city: Option<String>,
    pub region: Option<String>,
    pub country_code: Option<String>,
    pub country: Option<String>,
    /// "San Francisco, US", "Germany", "Local network".
    pub label: String,
    pub local_network: bool,
}

/// One live session of the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SessionView {
    /// The first 12 hex characters of the session's current refresh-token hash.
    pub jti_prefix: String,
    pub user_agent: String,
    pub ip: String,
    pub created_at: String,
    pub last_used_at: String,
    pub signed_in_at: String,
    pub expires_at: String,
    pub is_current: bool,
    pub device: DeviceView,
    pub location: Option<LocationView>,
    /// First sign-in from this country (or city) in 90 days.
    pub new_location: bool,
}

/// The signed-in user, as the page header shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub user_id: String,
    pub email: String,
}

/// One row of the devices page: only what the page shows (the browser bundle decodes it,
/// so every field costs bytes in the WASM).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRow {
    pub jti_prefix: String,
    /// "Chrome on macOS".
    pub label: String,
    /// desktop, phone, tablet, bot, cli or unknown: picks the icon.
    pub kind: String,
    pub user_agent: String,
    pub ip: String,
    /// "San Francisco, US", "Local network"; `None` when unknown.
    pub place: Option<String>,
    pub local_network: bool,
    pub last_used_at: String,
    pub signed_in_at: String,
    pub is_current: bool,
    pub new_location: bool,
}

/// One line of "Recent security activity".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityItem {
    pub kind: String,
    /// "You signed out Firefox on Windows".
    pub summary: String,
    pub occurred_at: String,
}

/// Everything the devices page shows, in one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevicesView {
    pub rows: Vec<DeviceRow>,
    pub activity: Vec<ActivityItem>,
    /// The server's clock when this was read: relative times start from it.
    pub now: String,
    /// DB-IP's licence asks for a link wherever its locations are shown.
    pub show_dbip_attribution: bool,
}

/// One entry of "Recent security activity".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SecurityEventView {
    pub id: i64,
    /// account_created, sign_in, sign_in_failed, sign_out, session_revoked,
    /// other_sessions_revoked, all_sessions_revoked, reuse_detected, session_expired,
    /// password_changed, reauthenticated, refresh_grace, refresh_superseded, reauth_failed.
    pub kind: String,
    /// user, admin or system.
    pub actor: String,
    pub occurred_at: String,
    /// A sentence for people: "You signed out Firefox on Windows".
    pub summary: String,
    pub device: Option<DeviceView>,
    pub ip: Option<String>,
    pub location: Option<LocationView>,
    pub target_device: Option<DeviceView>,
    pub target_prefix: Option<String>,
    pub count: Option<u64>,
    pub new_location: bool,
    /// Done from the session that is asking.
    pub this_session: bool,
}

#[cfg(feature = "ssr")]
mod ssr {
    use signedin::service::SecurityEvent;
    use signedin::{AuditKind, DeviceLabel, Location, SessionInfo};

    use super::*;

    impl From<&DeviceLabel> for DeviceView {
        fn from(device: &DeviceLabel) -> Self {
            Self {
                label: device.label.clone(),
                browser: device.browser.clone(),
                os: device.os.clone(),
                kind: device.kind.as_str().to_owned(),
                model: device.model.clone(),
            }
        }
    }

    impl From<&Location> for LocationView {
        fn from(location: &Location) -> Self {
            let place = location.place();
            Self {
                city: place.and_then(|p| p.city.clone()),
                region: place.and_then(|p| p.region.clone()),
                country_code: place.map(|p| p.country_code.clone()),
                country: place.and_then(|p| p.country.clone()),
                label: location.describe(),
                local_network: place.is_none(),
            }
        }
    }

    impl From<&SessionInfo> for SessionView {
        fn from(session: &SessionInfo) -> Self {
            Self {
                jti_prefix: session.jti_prefix.clone(),
                user_agent: session.user_agent.clone(),
                ip: session.ip.clone(),
                created_at: session.created_at.to_rfc3339(),
                last_used_at: session.last_used_at.to_rfc3339(),
                signed_in_at: session.signed_in_at.to_rfc3339(),
                expires_at: session.expires_at.to_rfc3339(),
                is_current: session.is_current,
                device: DeviceView::from(&session.device),
                location: session.location.as_ref().map(LocationView::from),
                new_location: session.new_location,
            }
        }
    }

    impl From<&SessionInfo> for DeviceRow {
        fn from(session: &SessionInfo) -> Self {
            Self {
                jti_prefix: session.jti_prefix.clone(),
                label: session.device.label.clone(),
                kind: session.device.kind.as_str().to_owned(),
                user_agent: session.user_agent.clone(),
                ip: session.ip.clone(),
                place: session.location.as_ref().map(Location::describe),
                local_network: matches!(session.location, Some(Location::LocalNetwork)),
                last_used_at: session.last_used_at.to_rfc3339(),
                signed_in_at: session.signed_in_at.to_rfc3339(),
                is_current: session.is_current,
                new_location: session.new_location,
            }
        }
    }

    impl From<&SecurityEvent> for ActivityItem {
        fn from(event: &SecurityEvent) -> Self {
            Self {
                kind: event.kind.as_str().to_owned(),
                summary: summary(event),
                occurred_at: event.occurred_at.to_rfc3339(),
            }
        }
    }

    impl From<&SecurityEvent> for SecurityEventView {
        fn from(event: &SecurityEvent) -> Self {
            Self {
                id: event.id,
                kind: event.kind.as_str().to_owned(),
                actor: event.actor.as_str().to_owned(),
                occurred_at: event.occurred_at.to_rfc3339(),
                summary: summary(event),
                device: event.device.as_ref().map(DeviceView::from),
                ip: event.ip.clone(),
                location: event.location.as_ref().map(LocationView::from),
                target_device: event.target_device.as_ref().map(DeviceView::from),
                target_prefix: event.target_prefix.clone(),
                count: event.count,
                new_location: event.new_location,
                this_session: event.by_this_session,
            }
        }
    }

    /// "You signed out Firefox on Windows", "New sign-in: Safari on iPhone · Berlin, DE".
    fn summary(event: &SecurityEvent) -> String {
        let device = event
            .device
            .as_ref()
            .map_or("an unknown device", |d| d.label.as_str());
        let place = event.location.as_ref().map(Location::describe);
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
        let who = match event.actor {
            signedin::Actor::Admin => "An administrator",
            _ => "You",
        };
        match event.kind {
            AuditKind::AccountCreated => from(format!("Account created on {device}")),
            AuditKind::SignIn if event.new_location => {
                from(format!("New sign-in from a new location: {device}"))
            }
            AuditKind::SignIn => from(format!("New sign-in: {device}")),
            AuditKind::SignInFailed => from(format!("Failed sign-in attempt: {device}")),
            AuditKind::SignOut => format!("You signed out on {device}"),
            AuditKind::SessionRevoked => {
                let target = event
                    .target_device
                    .as_ref()
                    .map_or("a device", |d| d.label.as_str());
                format!("{who} signed out {target}")
            }
            AuditKind::OtherSessionsRevoked => {
                format!(
                    "{who} signed out of {} on other devices",
                    sessions(event.count.unwrap_or(0))
                )
            }
            AuditKind::AllSessionsRevoked => {
                format!(
                    "{who} signed out of all {}",
                    sessions(event.count.unwrap_or(0))
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

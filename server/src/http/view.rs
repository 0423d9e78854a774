//! The JSON API's views of sessions, devices, places and security events: what an API client
//! may see of them, with their OpenAPI schemas. Times are RFC 3339 UTC strings.
//!
//! The page has lean views of its own (`app::dto`): the browser bundle decodes those, so they
//! carry only what the page shows, and the API's can grow without costing it a byte.

use serde::Serialize;
use signedin::{DeviceLabel, Location, SecurityEvent, SessionInfo};
use utoipa::ToSchema;

/// How a device is named: "Chrome on macOS" (`kind`: desktop, phone, tablet, bot, cli, unknown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeviceView {
    pub label: String,
    pub browser: Option<String>,
    pub os: Option<String>,
    pub kind: String,
    pub model: Option<String>,
}

/// Where an address points: a place, or the local network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SessionView {
    /// The session's stable id, `ses_` and 32 hex characters: unlike `jti_prefix`, it never
    /// changes while the session lives. `PATCH` and `DELETE /me/sessions/{id}` take it.
    #[schema(example = "ses_3f2a9c0d8e7b6a5f4e3d2c1b0a998877")]
    pub id: String,
    /// The name its owner gave it ("Work laptop"); null when none. Plain text: escape it.
    pub name: Option<String>,
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

/// One entry of "Recent security activity".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SecurityEventView {
    pub id: i64,
    /// account_created, sign_in, sign_in_failed, sign_out, session_revoked,
    /// other_sessions_revoked, all_sessions_revoked, reuse_detected, session_expired,
    /// password_changed, reauthenticated, refresh_grace, refresh_superseded, reauth_failed,
    /// session_renamed, session_reported.
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
    /// For session_renamed: the name given; null when the name was removed.
    pub name: Option<String>,
}

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
            id: session.public_id(),
            name: session.name.clone(),
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

impl From<&SecurityEvent> for SecurityEventView {
    fn from(event: &SecurityEvent) -> Self {
        Self {
            id: event.id,
            kind: event.kind.as_str().to_owned(),
            actor: event.actor.as_str().to_owned(),
            occurred_at: event.occurred_at.to_rfc3339(),
            summary: event.summary(),
            device: event.device.as_ref().map(DeviceView::from),
            ip: event.ip.clone(),
            location: event.location.as_ref().map(LocationView::from),
            target_device: event.target_device.as_ref().map(DeviceView::from),
            target_prefix: event.target_prefix.clone(),
            count: event.count,
            new_location: event.new_location,
            this_session: event.by_this_session,
            name: event.name.clone(),
        }
    }
}

//! The page's views: what the server functions send the page of users, sessions and security
//! activity. The hydrated bundle decodes them, so each carries only what the page shows (the
//! JSON API has its own, fuller views in `server::http::view`). Times are RFC 3339 UTC
//! strings.

use serde::{Deserialize, Serialize};

/// The signed-in user, as the page header shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub user_id: String,
    pub email: String,
}

/// One row of the devices page: only what the page shows (the browser bundle decodes it,
/// so every field costs bytes in the WASM). On the wire it is a JSON array in field order
/// (`DeviceRowWire`): a tuple's decoder is a third the size of a struct's with named fields,
/// and this type is decoded twice over in the bundle (from a server function's answer, and
/// from the page's own hydration data). Only this app reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "DeviceRowWire", into = "DeviceRowWire")]
pub struct DeviceRow {
    /// The session's stable id (`ses_…`): what a rename names it by.
    pub id: String,
    pub jti_prefix: String,
    /// The name its owner gave it ("Work laptop"), shown instead of the label.
    pub name: Option<String>,
    /// "Chrome on macOS".
    pub label: String,
    /// desktop, phone, tablet, bot, cli or unknown: picks the icon.
    pub kind: String,
    pub user_agent: String,
    pub ip: String,
    /// "San Francisco, United States", "Local network", in the page's language; `None` when
    /// unknown.
    pub place: Option<String>,
    pub local_network: bool,
    /// "Signed in from San Francisco, United States": the line the row shows, worded by the
    /// server in the page's language.
    pub from: String,
    pub last_used_at: String,
    pub signed_in_at: String,
    pub is_current: bool,
    pub new_location: bool,
}

/// `DeviceRow` in field order.
type DeviceRowWire = (
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    Option<String>,
    bool,
    String,
    String,
    bool,
    bool,
    String,
);

impl From<DeviceRowWire> for DeviceRow {
    fn from(wire: DeviceRowWire) -> Self {
        let (id, jti_prefix, name, label, kind, user_agent, ip, place, local_network) = (
            wire.0, wire.1, wire.2, wire.3, wire.4, wire.5, wire.6, wire.7, wire.8,
        );
        let (last_used_at, signed_in_at, is_current, new_location, from) =
            (wire.9, wire.10, wire.11, wire.12, wire.13);
        Self {
            id,
            jti_prefix,
            name,
            label,
            kind,
            user_agent,
            ip,
            place,
            local_network,
            from,
            last_used_at,
            signed_in_at,
            is_current,
            new_location,
        }
    }
}

impl From<DeviceRow> for DeviceRowWire {
    fn from(row: DeviceRow) -> Self {
        (
            row.id,
            row.jti_prefix,
            row.name,
            row.label,
            row.kind,
            row.user_agent,
            row.ip,
            row.place,
            row.local_network,
            row.last_used_at,
            row.signed_in_at,
            row.is_current,
            row.new_location,
            row.from,
        )
    }
}

/// One line of "Recent security activity"; on the wire a JSON array in field order, like
/// `DeviceRow` and for the same reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "(String, String, String)", into = "(String, String, String)")]
pub struct ActivityItem {
    pub kind: String,
    /// "You signed out Firefox on Windows".
    pub summary: String,
    pub occurred_at: String,
}

/// Everything the devices page shows, in one request; on the wire a JSON array in field
/// order, like `DeviceRow` and for the same reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "DevicesViewWire", into = "DevicesViewWire")]
pub struct DevicesView {
    pub rows: Vec<DeviceRow>,
    pub activity: Vec<ActivityItem>,
    /// The server's clock when this was read: relative times start from it.
    pub now: String,
    /// DB-IP's licence asks for a link wherever its locations are shown.
    pub show_dbip_attribution: bool,
    /// How many sessions are live in all: `rows` may hold only the first of them.
    pub total: u64,
    /// Whether more rows would follow `rows` ("Show more devices").
    pub more: bool,
    /// Texts with a count, worded by the server in the page's language: "50 of 120 shown",
    /// "This signs out 2 other sessions. …", "Sign out 2 other sessions".
    pub counted: Counted,
}

/// The devices page's texts that hold a count (plural rules are the server's).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "(String, String, String)", into = "(String, String, String)")]
pub struct Counted {
    pub shown: String,
    pub bulk_explain: String,
    pub bulk_confirm: String,
}

impl From<(String, String, String)> for Counted {
    fn from((shown, bulk_explain, bulk_confirm): (String, String, String)) -> Self {
        Self {
            shown,
            bulk_explain,
            bulk_confirm,
        }
    }
}

impl From<Counted> for (String, String, String) {
    fn from(counted: Counted) -> Self {
        (counted.shown, counted.bulk_explain, counted.bulk_confirm)
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use signedin::i18n::{self, Lang};
    use signedin::{Location, SecurityEvent, SessionInfo};

    use super::*;

    impl DeviceRow {
        /// The row, worded in `lang`.
        pub fn new(session: &SessionInfo, lang: Lang) -> Self {
            let place = session.location.as_ref().map(|l| l.in_lang(lang));
            let local_network = matches!(session.location, Some(Location::LocalNetwork));
            let from = match &place {
                Some(_) if local_network => i18n::text(lang, "device-signed-in-local"),
                Some(place) => i18n::text_with(
                    lang,
                    "device-signed-in-from",
                    &[("place", place.as_str().into())],
                ),
                None => i18n::text_with(
                    lang,
                    "device-signed-in-from",
                    &[("place", session.ip.as_str().into())],
                ),
            };
            Self {
                id: session.public_id(),
                jti_prefix: session.jti_prefix.clone(),
                name: session.name.clone(),
                label: session.device.in_lang(lang),
                kind: session.device.kind.as_str().to_owned(),
                user_agent: session.user_agent.clone(),
                ip: session.ip.clone(),
                place,
                local_network,
                from,
                last_used_at: session.last_used_at.to_rfc3339(),
                signed_in_at: session.signed_in_at.to_rfc3339(),
                is_current: session.is_current,
                new_location: session.new_location,
            }
        }
    }

    impl ActivityItem {
        /// The line, worded in `lang`.
        pub fn new(event: &SecurityEvent, lang: Lang) -> Self {
            let place = event.location.as_ref().map(|l| l.in_lang(lang));
            Self {
                kind: event.kind.as_str().to_owned(),
                summary: event.summary_in(lang, place),
                occurred_at: event.occurred_at.to_rfc3339(),
            }
        }
    }
}

impl From<(String, String, String)> for ActivityItem {
    fn from((kind, summary, occurred_at): (String, String, String)) -> Self {
        Self {
            kind,
            summary,
            occurred_at,
        }
    }
}

impl From<ActivityItem> for (String, String, String) {
    fn from(item: ActivityItem) -> Self {
        (item.kind, item.summary, item.occurred_at)
    }
}

/// `DevicesView` in field order.
type DevicesViewWire = (
    Vec<DeviceRow>,
    Vec<ActivityItem>,
    String,
    bool,
    u64,
    bool,
    Counted,
);

impl From<DevicesViewWire> for DevicesView {
    fn from(
        (rows, activity, now, show_dbip_attribution, total, more, counted): DevicesViewWire,
    ) -> Self {
        Self {
            rows,
            activity,
            now,
            show_dbip_attribution,
            total,
            more,
            counted,
        }
    }
}

impl From<DevicesView> for DevicesViewWire {
    fn from(view: DevicesView) -> Self {
        (
            view.rows,
            view.activity,
            view.now,
            view.show_dbip_attribution,
            view.total,
            view.more,
            view.counted,
        )
    }
}

//! Alerts: what a change tells the account's owner (an email) and the integrator's systems (a
//! Standard Webhooks call). Decided here, from the audit event that records the change or from
//! a session's end, so there is one rule for what goes out; written to the outbox in the
//! change's own transaction by the store (`store/outbox.rs`), so nothing is sent for a change
//! that rolled back and nothing is lost for one that committed; delivered at least once by
//! `service/outbox/`.
//!
//! - `email.rs`: the emails' words, plain text and HTML, every user-controlled value escaped;
//! - `link.rs`: the signed, single-use links in them ("This wasn't me", "Yes, it was me");
//! - `webhook.rs`: the Standard Webhooks signature and the secret it is made with;
//! - `backoff.rs`: when a failed delivery is tried again, and when it is given up.

pub mod backoff;
pub mod email;
pub mod link;
pub mod webhook;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::audit::{Actor, AuditDetail, AuditEvent};
use crate::session::{EndReason, SessionRef};
use crate::time::Timestamp;

/// Where messages go on this deployment, from the settings: alert emails when SMTP is set,
/// webhooks to each configured URL. Nothing is written for a channel that is off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Routes {
    pub emails: bool,
    pub webhook_urls: Vec<String>,
}

impl Routes {
    pub fn is_off(&self) -> bool {
        !self.emails && self.webhook_urls.is_empty()
    }
}

/// The webhook events, by their wire names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookEvent {
    SessionCreated,
    SessionRevoked,
    ReuseDetected,
    PasswordChanged,
}

impl WebhookEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEvent::SessionCreated => "session.created",
            WebhookEvent::SessionRevoked => "session.revoked",
            WebhookEvent::ReuseDetected => "session.reuse_detected",
            WebhookEvent::PasswordChanged => "password.changed",
        }
    }
}

/// The alert emails, by the name their `X-Signedin-Alert` header and outbox rows carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    NewSignIn,
    ReuseDetected,
    PasswordChanged,
    SignedOutEverywhere,
    /// Several held alerts in one email (see `SIGNEDIN_ALERT_EMAILS`).
    Digest,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::NewSignIn => "new_sign_in",
            AlertKind::ReuseDetected => "reuse_detected",
            AlertKind::PasswordChanged => "password_changed",
            AlertKind::SignedOutEverywhere => "signed_out_everywhere",
            AlertKind::Digest => "digest",
        }
    }
}

/// What an alert email says, as stored in its outbox row: raw facts, put into words (device
/// label, place, date) when it is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertFacts {
    pub kind: AlertKind,
    #[serde(with = "rfc3339")]
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// The device's label as it signed in (client hints included): a new sign-in's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// How many sessions a bulk sign-out or password change ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// The `alert_links` row behind the email's two links (new sign-ins only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_id: Option<String>,
}

/// One message for the outbox.
#[derive(Debug, Clone, PartialEq)]
pub enum Outgoing {
    /// To every configured webhook URL; `body` is the JSON sent, byte for byte, every time.
    Webhook { event: WebhookEvent, body: Value },
    /// To the account's owner. `link_session`: the session the email's links act on (a
    /// link row is written with it, and its id goes into `facts.link_id`).
    Email {
        user_id: String,
        facts: AlertFacts,
        link_session: Option<String>,
    },
}

/// What the audit event `event` sends: nothing for most kinds.
pub fn for_audit(event: &AuditEvent) -> Vec<Outgoing> {
    let Some(user_id) = event.user_id.as_deref() else {
        return Vec::new();
    };
    let target = event.target_session_id.as_deref();
    // A sign-in's label was worked out with its client hints, which the event does not keep.
    let label = match &event.detail {
        AuditDetail::SignIn { device, .. } => device.clone(),
        _ => None,
    };
    let email = |kind: AlertKind, count: Option<u64>, link_session: Option<&str>| Outgoing::Email {
        user_id: user_id.to_owned(),
        facts: AlertFacts {
            kind,
            at: event.occurred_at,
            user_agent: event.user_agent.clone(),
            ip: event.ip.clone(),
            device: label.clone(),
            count,
            link_id: None,
        },
        link_session: link_session.map(str::to_owned),
    };
    let mut out = Vec::new();
    match &event.detail {
        AuditDetail::SignIn {
            new_location,
            new_device,
            device,
            country_code,
            city,
        } => {
            let place = match (city, country_code) {
                (Some(city), Some(code)) => Some(format!("{city}, {code}")),
                (None, Some(code)) => Some(code.clone()),
                _ => None,
            };
            let data = json!({
                "user_id": user_id,
                "session_id": target.map(SessionRef::public_id),
                "device": device,
                "user_agent": event.user_agent,
                "ip": event.ip,
                "place": place,
                "new_location": new_location,
                "new_device": new_device,
            });
            out.push(webhook(
                WebhookEvent::SessionCreated,
                event.occurred_at,
                data,
            ));
            if *new_location || *new_device {
                out.push(email(AlertKind::NewSignIn, None, target));
            }
        }
        AuditDetail::ReuseDetected { .. } => {
            let data = json!({
                "user_id": user_id,
                "session_id": target.map(SessionRef::public_id),
                "ip": event.ip,
                "user_agent": event.user_agent,
            });
            out.push(webhook(
                WebhookEvent::ReuseDetected,
                event.occurred_at,
                data,
            ));
            out.push(email(AlertKind::ReuseDetected, None, None));
        }
        AuditDetail::PasswordChanged {
            other_sessions_signed_out,
        } => {
            let data = json!({
                "user_id": user_id,
                "session_id": event.session_id.as_deref().map(SessionRef::public_id),
                "other_sessions_signed_out": other_sessions_signed_out,
            });
            out.push(webhook(
                WebhookEvent::PasswordChanged,
                event.occurred_at,
                data,
            ));
            out.push(email(
                AlertKind::PasswordChanged,
                Some(*other_sessions_signed_out),
                None,
            ));
        }
        // "Signed out everywhere" by the owner (an operator's revoke is not news to them).
        AuditDetail::OtherSessionsRevoked { count } | AuditDetail::AllSessionsRevoked { count }
            if event.actor == Actor::User && *count > 0 =>
        {
            out.push(email(AlertKind::SignedOutEverywhere, Some(*count), None));
        }
        _ => {}
    }
    out
}

/// What a session's end sends: `session.revoked`, for every way a session ends but expiry
/// (which nobody did, and which is noticed late, on use or by pruning).
pub fn for_session_end(
    user_id: &str,
    session_id: &str,
    reason: EndReason,
    at: Timestamp,
) -> Option<Outgoing> {
    if reason == EndReason::Expired {
        return None;
    }
    let data = json!({
        "user_id": user_id,
        "session_id": SessionRef::public_id(session_id),
        "reason": reason.as_str(),
    });
    Some(webhook(WebhookEvent::SessionRevoked, at, data))
}

fn webhook(event: WebhookEvent, at: Timestamp, data: Value) -> Outgoing {
    let body = json!({
        "type": event.as_str(),
        "timestamp": at.to_rfc3339(),
        "data": data,
    });
    Outgoing::Webhook { event, body }
}

/// A `Timestamp` in an outbox payload: RFC 3339, as the API writes times.
mod rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use crate::time::Timestamp;

    pub fn serialize<S: Serializer>(at: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&at.to_rfc3339())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(deserializer)?;
        Timestamp::parse_rfc3339(&text).ok_or_else(|| D::Error::custom("not an RFC 3339 time"))
    }
}

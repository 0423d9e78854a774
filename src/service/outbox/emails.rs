//! The sender's alert emails: each account's window (at most `alert_emails` per
//! `alert_window`, the rest in one digest), the email itself (`alerts::email`'s words, the
//! links signed), and SMTP.

use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncTransport, Message};

use super::OutboxWorker;
use crate::alerts::AlertFacts;
use crate::alerts::email::{self, AlertItem, Links};
use crate::error::{DomainError, DomainResult};
use crate::store::OutboxRow;

impl OutboxWorker {
    /// One account's claimed alert emails: each on its own while its window has room, the
    /// rest in one digest, and all of them held when the window is full.
    pub(super) async fn deliver_emails(
        &self,
        user_id: &str,
        rows: Vec<OutboxRow>,
    ) -> DomainResult<()> {
        let worker = &self.0;
        let store = worker.service.store();
        let now = worker.service.now();
        let window = worker.settings.alert_window;
        let sent = store.emails_sent_since(user_id, now.minus(window)).await?;
        let room = (worker.settings.alert_emails as usize).saturating_sub(sent.len());
        if room == 0 {
            let until = sent.first().map_or(now, |oldest| oldest.plus(window));
            for row in &rows {
                store
                    .outbox_hold(&row.id, &row.claimed_by, until, now)
                    .await?;
            }
            return Ok(());
        }
        // Alerts the window held back go out together, as the digest they were kept for.
        let held = rows.iter().any(|row| row.held_at.is_some());
        let singles = match (held, rows.len() <= room) {
            (true, _) => 0,
            (false, true) => rows.len(),
            (false, false) => room - 1,
        };
        let (singles, folded) = rows.split_at(singles);
        for row in singles {
            self.send_email(user_id, std::slice::from_ref(row), false)
                .await?;
        }
        if !folded.is_empty() {
            self.send_email(user_id, folded, true).await?;
        }
        Ok(())
    }

    /// Sends `rows` as one email: the alert itself, or a digest.
    async fn send_email(
        &self,
        user_id: &str,
        rows: &[OutboxRow],
        digest: bool,
    ) -> DomainResult<()> {
        let worker = &self.0;
        let Some((mailer, from)) = &worker.mailer else {
            for row in rows {
                self.give_up(row, "no SIGNEDIN_SMTP_URL to send with")
                    .await?;
            }
            return Ok(());
        };
        let Some(user) = worker.service.store().find_user(user_id).await? else {
            for row in rows {
                self.give_up(row, "the account no longer exists").await?;
            }
            return Ok(());
        };
        let (mut items, mut sendable) = (Vec::new(), Vec::new());
        for row in rows {
            match serde_json::from_str::<AlertFacts>(&row.payload) {
                Ok(facts) => {
                    items.push(self.item(facts));
                    sendable.push(row);
                }
                Err(_) => self.give_up(row, "unreadable alert").await?,
            }
        }
        let Some(leader) = sendable.first().copied() else {
            return Ok(());
        };
        let devices = format!("{}/account/devices", worker.settings.public_url);
        let mail = email::render(&items, digest, &devices);
        let to: Mailbox = match user.email.parse() {
            Ok(to) => to,
            Err(_) => {
                for row in sendable {
                    self.give_up(row, "the account's email is not an address SMTP takes")
                        .await?;
                }
                return Ok(());
            }
        };
        let message = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(&mail.subject)
            .message_id(Some(format!("<{}@signedin>", leader.message_id)))
            .header(AlertHeader(mail.kind.as_str().to_owned()))
            .multipart(MultiPart::alternative_plain_html(mail.text, mail.html))
            .map_err(|e| DomainError::unexpected(format!("alert email: {e}")))?;
        // Still ours? A lease that ran out while this account waited for its turn may have
        // passed the message to another claim: that one sends it, not this.
        let now = worker.service.now();
        let ids: Vec<&str> = sendable.iter().map(|row| row.id.as_str()).collect();
        let held = worker
            .service
            .store()
            .outbox_renew(
                &ids,
                &leader.claimed_by,
                now,
                now.plus(worker.settings.lease),
            )
            .await?;
        if held.len() != ids.len() {
            tracing::warn!(message = %leader.message_id, "outbox: lease lost before sending; left to its new claim");
            return Ok(());
        }
        // The whole SMTP exchange within the timeout (lettre's applies to each command).
        let timeout = worker.settings.webhook_timeout;
        match tokio::time::timeout(timeout, mailer.send(message)).await {
            Ok(Ok(_)) => {
                let digest = digest.then_some(leader.id.as_str());
                self.delivered(&sendable, digest).await
            }
            outcome => {
                let why = match outcome {
                    Ok(Err(error)) if error.is_permanent() => "the SMTP server refused the message",
                    Ok(Err(error)) if !error.is_timeout() => {
                        "could not hand the message to the SMTP server"
                    }
                    _ => "the SMTP server did not answer in time",
                };
                for row in sendable {
                    self.failed(row, why).await?;
                }
                Ok(())
            }
        }
    }

    /// An alert's facts in words: the device's label, its place, its links.
    fn item(&self, facts: AlertFacts) -> AlertItem {
        let service = &self.0.service;
        let public = &self.0.settings.public_url;
        AlertItem {
            kind: facts.kind,
            at: facts.at,
            device: match (facts.device, facts.user_agent.as_deref()) {
                (Some(label), _) => label,
                (None, Some(ua)) => service.label_of(ua, None),
                (None, None) => "Unknown device".to_owned(),
            },
            place: facts.ip.as_deref().and_then(|ip| service.place_of(ip)),
            ip: facts.ip,
            count: facts.count,
            links: facts.link_id.map(|id| {
                let token = service.alert_link_token(&id, facts.at);
                Links {
                    not_me: format!("{public}/alerts/not-me?token={token}"),
                    was_me: format!("{public}/alerts/was-me?token={token}"),
                }
            }),
        }
    }
}

/// `X-Signedin-Alert: new_sign_in`: which alert an email is, for filters and tests.
#[derive(Clone)]
struct AlertHeader(String);

impl Header for AlertHeader {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Signedin-Alert")
    }

    fn parse(text: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(text.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

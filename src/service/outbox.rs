//! The outbox's sender: on every node, claims due messages (one node at a time each, see
//! `Store::claim_outbox`), delivers them and records the outcome. A webhook is a signed POST
//! (Standard Webhooks) that must answer 2xx within the timeout, redirects not followed; an
//! alert email goes out over SMTP, at most `alert_emails` per account per window, the rest
//! folded into one digest. A failure is tried again with backoff (`alerts::backoff`) until
//! the message is a day old, then dead-lettered for `signedin outbox retry`. Nothing here runs
//! inside a request: a slow or broken receiver delays only its own messages.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::task::JoinSet;

use super::SessionService;
use crate::alerts::backoff::Backoff;
use crate::alerts::email::{self, AlertItem, Links};
use crate::alerts::webhook::WebhookSecret;
use crate::alerts::{AlertFacts, Routes};
use crate::error::{DomainError, DomainResult};
use crate::store::OutboxRow;
use crate::time::Timestamp;
use crate::token::{random_bytes, random_id};

/// How many messages one round claims; they are attempted at once, so the lease covers
/// every one of them.
const BATCH: i64 = 16;
/// How long a sender lets new messages gather after the first one rings.
const GATHER: Duration = Duration::from_millis(20);
/// How many deliveries one node runs at once.
const IN_FLIGHT: usize = 64;
/// How often an idle sender looks for due messages (other nodes' new ones, retries).
const POLL: Duration = Duration::from_secs(1);

/// Where alert emails go out: `SIGNEDIN_SMTP_URL` and `SIGNEDIN_MAIL_FROM`.
#[derive(Clone)]
pub struct SmtpSettings {
    pub url: String,
    pub from: String,
}

impl std::fmt::Debug for SmtpSettings {
    // The URL may carry the SMTP password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

/// Everything the sender needs, from the settings.
#[derive(Debug, Clone)]
pub struct OutboxSettings {
    pub smtp: Option<SmtpSettings>,
    pub webhook_urls: Vec<String>,
    pub webhook_secret: Option<WebhookSecret>,
    /// `SIGNEDIN_PUBLIC_URL`, without a trailing slash: the links in emails.
    pub public_url: String,
    /// At most this many alert emails per account…
    pub alert_emails: u32,
    /// …per this window; the rest wait and go out as one digest.
    pub alert_window: Duration,
    pub backoff: Backoff,
    /// How long a node holds a claimed message before another may take it.
    pub lease: Duration,
    pub webhook_timeout: Duration,
}

impl OutboxSettings {
    pub fn routes(&self) -> Routes {
        Routes {
            emails: self.smtp.is_some(),
            webhook_urls: self.webhook_urls.clone(),
        }
    }
}

/// This node's sender. Cheap to clone.
#[derive(Clone)]
pub struct OutboxWorker(Arc<Worker>);

struct Worker {
    service: SessionService,
    settings: OutboxSettings,
    /// Names this process's claims.
    node: String,
    mailer: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
    http: reqwest::Client,
    /// Taken while an account's emails are counted against its window and sent.
    emails: tokio::sync::Mutex<()>,
}

impl OutboxWorker {
    /// A sender for `settings`; from now on `service`'s changes write their messages.
    pub fn new(service: SessionService, settings: OutboxSettings) -> DomainResult<Self> {
        let mailer = match &settings.smtp {
            None => None,
            Some(smtp) => {
                let invalid = |e: &dyn std::fmt::Display| {
                    DomainError::invalid("SIGNEDIN_SMTP_URL", format!("not usable: {e}"))
                };
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&smtp.url)
                    .map_err(|e| invalid(&e))?
                    .timeout(Some(settings.webhook_timeout))
                    .build();
                let from: Mailbox = smtp.from.parse().map_err(|e| {
                    DomainError::invalid("SIGNEDIN_MAIL_FROM", format!("not an address: {e}"))
                })?;
                Some((transport, from))
            }
        };
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.webhook_timeout)
            .user_agent(concat!("signedin-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| DomainError::unexpected(format!("webhook client: {e}")))?;
        service.store().set_outbox_routes(settings.routes());
        Ok(Self(Arc::new(Worker {
            service,
            settings,
            node: random_id()?,
            mailer,
            http,
            emails: tokio::sync::Mutex::new(()),
        })))
    }

    /// Delivers until the process ends: at once when this node commits a message, else
    /// every second. Up to `IN_FLIGHT` deliveries run at once, so a receiver that hangs until
    /// the timeout holds up only its own messages.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut running = JoinSet::new();
            loop {
                while let Some(done) = running.try_join_next() {
                    report(done);
                }
                let room = IN_FLIGHT.saturating_sub(running.len());
                let limit = i64::try_from(room).unwrap_or(BATCH).min(BATCH);
                let claimed = if limit == 0 {
                    0
                } else {
                    match self.start_due(&mut running, limit).await {
                        Ok(claimed) => claimed,
                        Err(error) => {
                            tracing::warn!(%error, "outbox: claiming due messages failed");
                            0
                        }
                    }
                };
                if limit == 0 || (claimed as i64) < limit {
                    let store = self.0.service.store();
                    tokio::select! {
                        () = store.outbox_rung() => {
                            // Let the commits of a busy moment gather: one claim takes them
                            // all, rather than one claim (a write) per sign-in.
                            tokio::time::sleep(GATHER).await;
                        }
                        () = tokio::time::sleep(POLL) => {}
                        Some(done) = running.join_next(), if !running.is_empty() => report(done),
                    }
                }
            }
        })
    }

    /// One round, to its end: claims what is due and attempts it all; how many messages it
    /// claimed.
    pub async fn deliver_due(&self) -> DomainResult<usize> {
        let mut running = JoinSet::new();
        let claimed = self.start_due(&mut running, BATCH).await?;
        while let Some(done) = running.join_next().await {
            report(done);
        }
        Ok(claimed)
    }

    /// Claims up to `limit` due messages and starts attempting them in `running`: each
    /// webhook on its own, each account's emails together.
    async fn start_due(
        &self,
        running: &mut JoinSet<DomainResult<()>>,
        limit: i64,
    ) -> DomainResult<usize> {
        let worker = &self.0;
        let now = worker.service.now();
        let rows = worker
            .service
            .store()
            .claim_outbox(&worker.node, now, now.plus(worker.settings.lease), limit)
            .await?;
        let claimed = rows.len();
        let mut emails: BTreeMap<String, Vec<OutboxRow>> = BTreeMap::new();
        for row in rows {
            if row.channel == "email" {
                let user = row.user_id.clone().unwrap_or_default();
                emails.entry(user).or_default().push(row);
            } else {
                let me = self.clone();
                running.spawn(async move { me.deliver_webhook(row).await });
            }
        }
        for (user_id, mut rows) in emails {
            rows.sort_by_key(|row| row.created_at);
            let me = self.clone();
            running.spawn(async move {
                // One account's window is counted and filled by one task at a time on this
                // node, so two rounds cannot both see room for the same email.
                let _turn = me.0.emails.lock().await;
                me.deliver_emails(&user_id, rows).await
            });
        }
        Ok(claimed)
    }

    async fn deliver_webhook(&self, row: OutboxRow) -> DomainResult<()> {
        let worker = &self.0;
        let Some(secret) = &worker.settings.webhook_secret else {
            return self
                .give_up(&row, "no SIGNEDIN_WEBHOOK_SECRET to sign with")
                .await;
        };
        if !worker.settings.webhook_urls.contains(&row.destination) {
            return self
                .give_up(&row, "this URL is no longer in SIGNEDIN_WEBHOOK_URL")
                .await;
        }
        let timestamp = worker.service.now().unix_seconds();
        let signature = secret.sign(&row.message_id, timestamp, &row.payload);
        let sent = worker
            .http
            .post(&row.destination)
            .header("webhook-id", &row.message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .header("content-type", "application/json")
            .body(row.payload.clone())
            .send()
            .await;
        let failure = match sent {
            Ok(response) if response.status().is_success() => None,
            Ok(response) if response.status().is_redirection() => Some(format!(
                "answered {} (redirects are not followed)",
                response.status().as_u16()
            )),
            Ok(response) => Some(format!("answered {}", response.status().as_u16())),
            Err(error) if error.is_timeout() => Some(format!(
                "no answer within {} s",
                worker.settings.webhook_timeout.as_secs()
            )),
            Err(error) if error.is_connect() => Some("could not connect".to_owned()),
            Err(_) => Some("the request failed".to_owned()),
        };
        match failure {
            None => self.delivered(&[&row], None).await,
            Some(why) => self.failed(&row, &why).await,
        }
    }

    /// One account's claimed alert emails: each on its own while its window has room, the
    /// rest in one digest, and all of them held when the window is full.
    async fn deliver_emails(&self, user_id: &str, rows: Vec<OutboxRow>) -> DomainResult<()> {
        let worker = &self.0;
        let store = worker.service.store();
        let now = worker.service.now();
        let window = worker.settings.alert_window;
        let sent = store.emails_sent_since(user_id, now.minus(window)).await?;
        let room = (worker.settings.alert_emails as usize).saturating_sub(sent.len());
        if room == 0 {
            let until = sent.first().map_or(now, |oldest| oldest.plus(window));
            for row in &rows {
                store.outbox_hold(&row.id, &worker.node, until, now).await?;
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
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            match serde_json::from_str::<AlertFacts>(&row.payload) {
                Ok(facts) => items.push(self.item(facts)),
                Err(_) => self.give_up(row, "unreadable alert").await?,
            }
        }
        if items.is_empty() {
            return Ok(());
        }
        let devices = format!("{}/account/devices", worker.settings.public_url);
        let mail = email::render(&items, digest, &devices);
        let leader = &rows[0];
        let to: Mailbox = match user.email.parse() {
            Ok(to) => to,
            Err(_) => {
                for row in rows {
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
        match mailer.send(message).await {
            Ok(_) => {
                let digest = digest.then_some(leader.id.as_str());
                let rows: Vec<&OutboxRow> = rows.iter().collect();
                self.delivered(&rows, digest).await
            }
            Err(error) => {
                let why = if error.is_permanent() {
                    "the SMTP server refused the message"
                } else if error.is_timeout() {
                    "the SMTP server did not answer in time"
                } else {
                    "could not hand the message to the SMTP server"
                };
                for row in rows {
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

    async fn delivered(&self, rows: &[&OutboxRow], digest: Option<&str>) -> DomainResult<()> {
        let worker = &self.0;
        let ids: Vec<&str> = rows.iter().map(|row| row.id.as_str()).collect();
        worker
            .service
            .store()
            .outbox_delivered(&ids, &worker.node, digest, worker.service.now())
            .await
    }

    /// A failed attempt: tried again later, or dead once the backoff runs past a day.
    async fn failed(&self, row: &OutboxRow, why: &str) -> DomainResult<()> {
        let worker = &self.0;
        let now = worker.service.now();
        let failures = u32::try_from(row.attempts + 1).unwrap_or(u32::MAX);
        let retry_at =
            worker
                .settings
                .backoff
                .next_attempt(failures, row.created_at, now, jitter());
        tracing::warn!(
            message = %row.message_id,
            event = %row.event_type,
            channel = %row.channel,
            attempt = failures,
            dead = retry_at.is_none(),
            "outbox: delivery failed: {why}"
        );
        worker
            .service
            .store()
            .outbox_failed(&row.id, &worker.node, why, retry_at, now)
            .await
    }

    /// A message that can never be delivered as it stands: dead at once.
    async fn give_up(&self, row: &OutboxRow, why: &str) -> DomainResult<()> {
        let worker = &self.0;
        tracing::warn!(message = %row.message_id, event = %row.event_type, "outbox: dead: {why}");
        let now: Timestamp = worker.service.now();
        worker
            .service
            .store()
            .outbox_failed(&row.id, &worker.node, why, None, now)
            .await
    }
}

fn report(done: Result<DomainResult<()>, tokio::task::JoinError>) {
    match done {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!(%error, "outbox: recording a delivery failed"),
        Err(error) => tracing::error!(%error, "outbox: a delivery task failed"),
    }
}

/// Uniform in `[0, 1)`; a failed draw (never seen) just means no jitter.
fn jitter() -> f64 {
    random_bytes::<8>().map_or(0.0, |bytes| {
        (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
    })
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

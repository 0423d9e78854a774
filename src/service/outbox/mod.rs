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

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use tokio::task::JoinSet;

mod emails;

use super::SessionService;
use crate::alerts::Routes;
use crate::alerts::backoff::Backoff;
use crate::alerts::webhook::WebhookSecret;
use crate::error::{DomainError, DomainResult};
use crate::store::{ClaimOf, OutboxRow};
use crate::time::Timestamp;
use crate::token::{random_bytes, random_id};

/// How many messages one round claims; they are attempted at once, so the lease covers
/// every one of them.
const BATCH: i64 = 16;
/// How often a sender dead-letters messages no node delivers any more.
const SWEEP: Duration = Duration::from_secs(60);
/// How long a sender lets new messages gather after the first one rings.
const GATHER: Duration = Duration::from_millis(20);
/// How many deliveries of each kind (emails, webhooks) one node runs at once.
const IN_FLIGHT_PER_LANE: usize = 32;
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
}

/// The two kinds of delivery, each with its own claims and in-flight budget.
#[derive(Debug, Clone, Copy)]
enum Lane {
    Emails,
    Webhooks,
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
        })))
    }

    /// Delivers until the process ends: at once when this node commits a message, else
    /// every second. Emails and webhooks have an in-flight budget each, so a receiver (or SMTP
    /// server) that hangs until the timeout holds up only its own messages.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut lanes = [
                (Lane::Emails, JoinSet::new()),
                (Lane::Webhooks, JoinSet::new()),
            ];
            let mut swept = std::time::Instant::now();
            loop {
                if swept.elapsed() >= SWEEP {
                    self.sweep_orphans().await;
                    swept = std::time::Instant::now();
                }
                let mut more = false;
                for (lane, running) in &mut lanes {
                    while let Some(done) = running.try_join_next() {
                        report(done);
                    }
                    let room = IN_FLIGHT_PER_LANE.saturating_sub(running.len());
                    let limit = i64::try_from(room).unwrap_or(BATCH).min(BATCH);
                    if limit == 0 {
                        continue;
                    }
                    match self.start_due(running, *lane, limit).await {
                        Ok(claimed) => more |= claimed as i64 == limit,
                        Err(error) => {
                            tracing::warn!(%error, "outbox: claiming due messages failed")
                        }
                    }
                }
                if more {
                    continue;
                }
                let store = self.0.service.store();
                let [(_, emails), (_, webhooks)] = &mut lanes;
                tokio::select! {
                    () = store.outbox_rung() => {
                        // Let the commits of a busy moment gather: one claim takes them all,
                        // rather than one claim (a write) per sign-in.
                        tokio::time::sleep(GATHER).await;
                    }
                    () = tokio::time::sleep(POLL) => {}
                    Some(done) = emails.join_next(), if !emails.is_empty() => report(done),
                    Some(done) = webhooks.join_next(), if !webhooks.is_empty() => report(done),
                }
            }
        })
    }

    /// Dead-letters what no node has claimed for longer than a message may live (a URL every
    /// node has dropped, an email when no node has SMTP any more), so it shows in
    /// `outbox list --state dead` rather than waiting for ever.
    pub async fn sweep_orphans(&self) {
        let worker = &self.0;
        let settings = &worker.settings;
        let longest = settings.backoff.give_up + settings.lease + Duration::from_secs(60);
        let store = worker.service.store();
        match store
            .outbox_orphans_dead(worker.service.now(), longest)
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::warn!(messages = n, "outbox: dead: no node delivers them any more"),
            Err(error) => tracing::warn!(%error, "outbox: sweeping orphaned messages failed"),
        }
    }

    /// Lets go of this node's claims (on a graceful stop), so another node sends what it
    /// held at once; a message being sent right now may then be sent twice (same id).
    pub async fn release(&self) {
        let store = self.0.service.store();
        if let Err(error) = store.outbox_release(&self.0.node).await {
            tracing::warn!(%error, "outbox: releasing this node's claims failed");
        }
    }

    /// One round, to its end: claims what is due and attempts it all; how many messages it
    /// claimed.
    pub async fn deliver_due(&self) -> DomainResult<usize> {
        let mut running = JoinSet::new();
        let mut claimed = 0;
        for lane in [Lane::Emails, Lane::Webhooks] {
            claimed += self.start_due(&mut running, lane, BATCH).await?;
        }
        while let Some(done) = running.join_next().await {
            report(done);
        }
        Ok(claimed)
    }

    /// Claims up to `limit` due messages of `lane` (those this node can deliver) and starts
    /// attempting them in `running`: each webhook on its own, each account's emails together.
    async fn start_due(
        &self,
        running: &mut JoinSet<DomainResult<()>>,
        lane: Lane,
        limit: i64,
    ) -> DomainResult<usize> {
        let worker = &self.0;
        let of = match lane {
            Lane::Emails if worker.mailer.is_some() => ClaimOf::Emails,
            Lane::Webhooks if !worker.settings.webhook_urls.is_empty() => {
                ClaimOf::Webhooks(&worker.settings.webhook_urls)
            }
            _ => return Ok(0),
        };
        let now = worker.service.now();
        let claim = format!("{}:{}", worker.node, random_id()?);
        let lease_until = now.plus(worker.settings.lease);
        let rows = worker
            .service
            .store()
            .claim_outbox(of, &claim, now, lease_until, limit)
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
            running.spawn(async move { me.deliver_emails(&user_id, rows).await });
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

    async fn delivered(&self, rows: &[&OutboxRow], digest: Option<&str>) -> DomainResult<()> {
        let worker = &self.0;
        let Some(first) = rows.first() else {
            return Ok(());
        };
        let ids: Vec<&str> = rows.iter().map(|row| row.id.as_str()).collect();
        // One claim took them all (one account's, or one webhook).
        worker
            .service
            .store()
            .outbox_delivered(&ids, &first.claimed_by, digest, worker.service.now())
            .await
    }

    /// A failed attempt: tried again later, or dead once the backoff runs past a day.
    async fn failed(&self, row: &OutboxRow, why: &str) -> DomainResult<()> {
        let worker = &self.0;
        let now = worker.service.now();
        let failures = u32::try_from(row.attempts + 1).unwrap_or(u32::MAX);
        // A revived message gets its day of retries again, counted from its revival.
        let retry_at = worker.settings.backoff.next_attempt(
            failures,
            row.revived_at.unwrap_or(row.created_at),
            now,
            jitter(),
        );
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
            .outbox_failed(&row.id, &row.claimed_by, why, retry_at, now)
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
            .outbox_failed(&row.id, &row.claimed_by, why, None, now)
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

//! The `outbox` and `alert_links` tables: messages written in the transaction of the change
//! that causes them (see `crate::alerts` for which), claimed by one node at a time, and
//! marked delivered, to be retried, or dead. (The links in alert emails: `alert_links.rs`.)

use std::sync::{Arc, RwLock};

use tokio::sync::Notify;

use super::db::{Param, SKIP_LOCKED};
use super::{Store, Tx};
use crate::alerts::{Outgoing, Routes};
use crate::error::{DomainError, DomainResult};
use crate::time::Timestamp;
use crate::token::random_id;

/// Where this node writes messages, and the bell its sender waits on: rung when a
/// transaction that wrote to the outbox commits, so a message leaves at once rather than at
/// the next poll.
#[derive(Debug, Clone, Default)]
pub(crate) struct OutboxWiring {
    routes: Arc<RwLock<Arc<Routes>>>,
    bell: Arc<Notify>,
}

impl OutboxWiring {
    pub(crate) fn routes(&self) -> Arc<Routes> {
        self.routes
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(crate) fn ring(&self) {
        self.bell.notify_one();
    }
}

/// One message as the sender claims it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: String,
    pub message_id: String,
    pub channel: String,
    pub event_type: String,
    pub destination: String,
    pub user_id: Option<String>,
    pub payload: String,
    pub created_at: Timestamp,
    pub attempts: i64,
    /// An alert email the account's window held back (it goes out in a digest).
    pub held_at: Option<Timestamp>,
    /// When `signedin outbox retry` sent it again: its retries count from here.
    pub revived_at: Option<Timestamp>,
    /// The claim this row is held by (`<node>:<claim>`): only it may record the outcome.
    pub claimed_by: String,
}

/// One message as `signedin outbox list` shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxEntry {
    pub id: String,
    pub message_id: String,
    pub channel: String,
    pub event_type: String,
    pub destination: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: Timestamp,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub delivered_at: Option<Timestamp>,
}

pub(crate) const EMAIL: &str = "email";
pub(crate) const WEBHOOK: &str = "webhook";

/// The head of the one multi-row `INSERT` a transaction's messages go in (`Tx::enqueue`).
const INSERT_HEAD: &str = "INSERT INTO outbox (id, message_id, channel, event_type, destination, \
                               user_id, payload, created_at, state, attempts, next_attempt_at) \
                           VALUES";
/// Rows per statement: 7 parameters each, well inside SQLite's 32,766.
const ROWS_PER_INSERT: usize = 500;

/// Which due messages a sender claims: the channel and destinations this node can deliver
/// (a node without SMTP never takes an email, nor one without a URL that URL's webhooks).
#[derive(Debug, Clone, Copy)]
pub(crate) enum ClaimOf<'a> {
    /// Alert emails, skipping accounts whose emails another claim holds, so one account's
    /// window is counted and filled by one sender at a time.
    Emails,
    Webhooks(&'a [String]),
}

const CLAIM_HEAD: &str = "UPDATE outbox SET claimed_by = $1, claimed_until = $2 \
     WHERE id IN (SELECT o.id FROM outbox o \
                  WHERE o.state = 'pending' AND o.next_attempt_at <= $3 \
                    AND (o.claimed_until IS NULL OR o.claimed_until < $3)";
const CLAIM_EMAILS: &str = " AND o.channel = 'email' \
     AND NOT EXISTS (SELECT 1 FROM outbox c WHERE c.user_id = o.user_id \
                     AND c.channel = 'email' AND c.state = 'pending' AND c.claimed_until >= $3)";
/// Held for the rest of a PostgreSQL email claim's transaction (see `claim_outbox`).
const EMAIL_CLAIMS_LOCK: &str = "SELECT pg_advisory_xact_lock(14140, 1)";
const CLAIM_TAIL: &str = " ORDER BY o.next_attempt_at, o.id LIMIT $4";
const CLAIM_RETURNING: &str = ") RETURNING id, message_id, channel, event_type, destination, \
     user_id, payload, created_at, attempts, held_at, revived_at, claimed_by";

impl Tx {
    /// Whether this deployment sends anything at all: when not, the messages a change would
    /// send are not even built.
    pub(crate) fn sends_anything(&self) -> bool {
        !self.outbox.routes().is_off()
    }

    /// Writes `outgoing` to the outbox as part of this transaction, for each destination the
    /// deployment has (nothing when its channel is off): every message in one statement (a
    /// statement is most of what a row costs), after the links their emails carry.
    pub(crate) async fn enqueue(
        &mut self,
        outgoing: Vec<Outgoing>,
        now: Timestamp,
    ) -> DomainResult<()> {
        let routes = self.outbox.routes();
        let mut rows: Vec<[String; 6]> = Vec::new();
        for message in outgoing {
            match message {
                Outgoing::Webhook { event, body } => {
                    if routes.webhook_urls.is_empty() {
                        continue;
                    }
                    let message_id = format!("msg_{}", random_id()?);
                    let user_id = body["data"]["user_id"].as_str().unwrap_or("").to_owned();
                    let body = body.to_string();
                    for url in &routes.webhook_urls {
                        rows.push([
                            message_id.clone(),
                            WEBHOOK.to_owned(),
                            event.as_str().to_owned(),
                            url.clone(),
                            user_id.clone(),
                            body.clone(),
                        ]);
                    }
                }
                Outgoing::Email {
                    user_id,
                    mut facts,
                    link_session,
                } => {
                    if !routes.emails {
                        continue;
                    }
                    if let Some(session_id) = link_session {
                        facts.link_id =
                            Some(self.add_alert_link(&user_id, &session_id, now).await?);
                    }
                    let payload = serde_json::to_string(&facts)
                        .map_err(|e| DomainError::unexpected(format!("alert payload: {e}")))?;
                    rows.push([
                        format!("msg_{}", random_id()?),
                        EMAIL.to_owned(),
                        facts.kind.as_str().to_owned(),
                        format!("user:{user_id}"),
                        user_id,
                        payload,
                    ]);
                }
            }
        }
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let ids = chunk
                .iter()
                .map(|_| random_id())
                .collect::<DomainResult<Vec<_>>>()?;
            let mut sql = String::from(INSERT_HEAD);
            let mut params: Vec<Param> = vec![now.into()];
            for (n, (id, row)) in ids.iter().zip(chunk).enumerate() {
                let base = 2 + n * 7;
                sql.push_str(if n == 0 { " " } else { ", " });
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, ${}, NULLIF(${}, ''), ${}, $1, 'pending', 0, $1)",
                    base,
                    base + 1,
                    base + 2,
                    base + 3,
                    base + 4,
                    base + 5,
                    base + 6
                ));
                params.push(id.into());
                params.extend(row.iter().map(Param::from));
            }
            self.execute(&sql, &params).await?;
            self.enqueued = true;
        }
        Ok(())
    }
}

impl Store {
    /// From now on, messages are written for `routes` (set once at start-up).
    pub fn set_outbox_routes(&self, routes: Routes) {
        let wiring = self.outbox_wiring();
        *wiring.routes.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(routes);
    }

    /// Waits until a transaction that wrote to the outbox commits on this node (or returns at
    /// once if one did since the last wait).
    pub async fn outbox_rung(&self) {
        self.outbox_wiring().bell.notified().await;
    }

    fn outbox_wiring(&self) -> &OutboxWiring {
        match self {
            Store::Sqlite(s) => s.outbox(),
            Store::Postgres(s) => s.outbox(),
        }
    }

    /// Claims up to `limit` due messages of `of` for `claim` (`<node>:<claim>`) until
    /// `lease_until`: no other claim attempts them meanwhile (rows another node is claiming
    /// right now are skipped).
    pub(crate) async fn claim_outbox(
        &self,
        of: ClaimOf<'_>,
        claim: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> DomainResult<Vec<OutboxRow>> {
        let mut sql = String::from(CLAIM_HEAD);
        let mut params: Vec<Param> =
            vec![claim.into(), lease_until.into(), now.into(), limit.into()];
        match of {
            ClaimOf::Emails => sql.push_str(CLAIM_EMAILS),
            ClaimOf::Webhooks(urls) => {
                sql.push_str(" AND o.channel = 'webhook' AND o.destination IN (");
                push_in_list(&mut sql, &mut params, urls.iter().map(String::as_str));
            }
        }
        sql.push_str(CLAIM_TAIL);
        if let Store::Postgres(_) = self {
            sql.push_str(SKIP_LOCKED);
        }
        sql.push_str(CLAIM_RETURNING);
        match (self, of) {
            // PostgreSQL: email claims queue behind one another across nodes, so a claim sees
            // every account another node's claim just took (`CLAIM_EMAILS`' NOT EXISTS) and
            // one account's window is never filled by two nodes at once. (SQLite's one writer
            // already runs claims one at a time.) Claims are a few a second at most.
            (Store::Postgres(_), ClaimOf::Emails) => {
                let mut tx = self.begin().await?;
                tx.execute(EMAIL_CLAIMS_LOCK, &[]).await?;
                let rows = tx.fetch_all(&sql, &params).await?;
                tx.commit().await?;
                Ok(rows)
            }
            _ => Ok(self.writer().fetch_all(&sql, &params).await?),
        }
    }

    /// Dead-letters messages no claim has taken within `give_up` of their event (or revival):
    /// for a destination no node delivers to any more. How many.
    pub(crate) async fn outbox_orphans_dead(
        &self,
        now: Timestamp,
        give_up: std::time::Duration,
    ) -> DomainResult<u64> {
        Ok(self
            .writer()
            .execute(
                "UPDATE outbox SET state = 'dead', \
                        last_error = 'no node delivers to this destination any more' \
                 WHERE state = 'pending' AND (claimed_until IS NULL OR claimed_until < $1) \
                   AND COALESCE(revived_at, created_at) < $2",
                &[now.into(), now.minus(give_up).into()],
            )
            .await?)
    }

    /// Extends `claim`'s lease on `ids` to `until`, if it still holds them at `now`; the ids
    /// it still holds (a message whose lease ran out may be another claim's by now).
    pub(crate) async fn outbox_renew(
        &self,
        ids: &[&str],
        claim: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> DomainResult<Vec<String>> {
        let mut sql = String::from(
            "UPDATE outbox SET claimed_until = $1 \
             WHERE claimed_by = $2 AND claimed_until > $3 AND id IN (",
        );
        let mut params: Vec<Param> = vec![until.into(), claim.into(), now.into()];
        push_in_list(&mut sql, &mut params, ids.iter().copied());
        sql.push_str(" RETURNING id");
        let held: Vec<(String,)> = self.writer().fetch_all(&sql, &params).await?;
        Ok(held.into_iter().map(|(id,)| id).collect())
    }

    /// Lets go of every claim of `node` (a stopping node), so other nodes take its messages
    /// at once rather than after the lease.
    pub async fn outbox_release(&self, node: &str) -> DomainResult<u64> {
        let pattern = format!("{node}:%");
        Ok(self
            .writer()
            .execute(
                "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL \
                 WHERE state = 'pending' AND claimed_by LIKE $1",
                &[(&pattern).into()],
            )
            .await?)
    }

    /// Marks `ids` delivered (if `node` still holds them); `digest_id` names the digest email
    /// that carried them.
    pub(crate) async fn outbox_delivered(
        &self,
        ids: &[&str],
        claim: &str,
        digest_id: Option<&str>,
        now: Timestamp,
    ) -> DomainResult<()> {
        // One statement, however many (a digest's): no transaction to open and close.
        let mut sql = String::from(
            "UPDATE outbox SET state = 'delivered', delivered_at = $1, attempts = attempts + 1, \
                    last_error = NULL, claimed_by = NULL, claimed_until = NULL, digest_id = $2 \
             WHERE claimed_by = $3 AND id IN (",
        );
        let mut params: Vec<Param> = vec![now.into(), digest_id.into(), claim.into()];
        push_in_list(&mut sql, &mut params, ids.iter().copied());
        self.writer().execute(&sql, &params).await?;
        Ok(())
    }

    /// A failed attempt: tried again at `retry_at`, or dead when `None`.
    pub(crate) async fn outbox_failed(
        &self,
        id: &str,
        claim: &str,
        error: &str,
        retry_at: Option<Timestamp>,
        now: Timestamp,
    ) -> DomainResult<()> {
        let sql = match retry_at {
            Some(_) => {
                "UPDATE outbox SET next_attempt_at = $1, attempts = attempts + 1, last_error = $2, \
                        claimed_by = NULL, claimed_until = NULL \
                 WHERE id = $3 AND claimed_by = $4"
            }
            None => {
                "UPDATE outbox SET state = 'dead', next_attempt_at = $1, attempts = attempts + 1, \
                        last_error = $2, claimed_by = NULL, claimed_until = NULL \
                 WHERE id = $3 AND claimed_by = $4"
            }
        };
        // A dead message keeps when it died where the next try would have been.
        let at = retry_at.unwrap_or(now);
        self.writer()
            .execute(sql, &[at.into(), error.into(), id.into(), claim.into()])
            .await?;
        Ok(())
    }

    /// Puts a claimed message back, untried, until `until` (an email waiting for its
    /// account's alert window).
    pub(crate) async fn outbox_hold(
        &self,
        id: &str,
        claim: &str,
        until: Timestamp,
        now: Timestamp,
    ) -> DomainResult<()> {
        self.writer()
            .execute(
                "UPDATE outbox SET next_attempt_at = $1, held_at = COALESCE(held_at, $2), \
                        claimed_by = NULL, claimed_until = NULL \
                 WHERE id = $3 AND claimed_by = $4",
                &[until.into(), now.into(), id.into(), claim.into()],
            )
            .await?;
        Ok(())
    }

    /// When each alert email counted against `user_id`'s window was sent since `since`
    /// (a digest counts once), oldest first.
    pub(crate) async fn emails_sent_since(
        &self,
        user_id: &str,
        since: Timestamp,
    ) -> DomainResult<Vec<Timestamp>> {
        let rows: Vec<(Timestamp,)> = self
            .reader()
            .fetch_all(
                "SELECT delivered_at FROM outbox \
                 WHERE user_id = $1 AND channel = 'email' AND delivered_at >= $2 \
                   AND (digest_id IS NULL OR digest_id = id) \
                 ORDER BY delivered_at",
                &[user_id.into(), since.into()],
            )
            .await?;
        Ok(rows.into_iter().map(|(at,)| at).collect())
    }

    /// Messages in `state` (every state when `None`), newest first.
    pub async fn outbox_entries(
        &self,
        state: Option<&str>,
        limit: i64,
    ) -> DomainResult<Vec<OutboxEntry>> {
        Ok(self
            .reader()
            .fetch_all(
                "SELECT id, message_id, channel, event_type, destination, state, attempts, \
                        next_attempt_at, last_error, created_at, delivered_at \
                 FROM outbox WHERE ($1 = '' OR state = $1) \
                 ORDER BY created_at DESC, id LIMIT $2",
                &[state.unwrap_or("").into(), limit.into()],
            )
            .await?)
    }

    /// Dead messages (those of `ids`, or all) made pending and due at `now`; how many.
    pub async fn outbox_retry(&self, ids: Option<&[String]>, now: Timestamp) -> DomainResult<u64> {
        // A day of retries again, counted from now, starting with a short wait.
        let revive = "UPDATE outbox SET state = 'pending', next_attempt_at = $1, revived_at = $1, \
                             attempts = 0, claimed_by = NULL, claimed_until = NULL \
                      WHERE state = 'dead'";
        let mut tx = self.begin().await?;
        let mut revived = 0;
        match ids {
            None => revived += tx.execute(revive, &[now.into()]).await?,
            Some(ids) => {
                let one = format!("{revive} AND id = $2");
                for id in ids {
                    revived += tx.execute(&one, &[now.into(), id.into()]).await?;
                }
            }
        }
        tx.enqueued = revived > 0;
        tx.commit().await?;
        Ok(revived)
    }

    /// How many messages wait to be delivered (the metrics' backlog gauge).
    pub async fn count_outbox_pending(&self) -> DomainResult<i64> {
        let (count,): (i64,) = self
            .reader()
            .fetch_one("SELECT COUNT(*) FROM outbox WHERE state = 'pending'", &[])
            .await?;
        Ok(count)
    }

    /// Forgets messages delivered before `delivered_before` and links that expired before
    /// `expired_before`; how many rows.
    pub(crate) async fn prune_outbox(
        &self,
        delivered_before: Timestamp,
        expired_before: Timestamp,
    ) -> DomainResult<u64> {
        let mut tx = self.begin().await?;
        let messages = tx
            .execute(
                "DELETE FROM outbox WHERE state = 'delivered' AND delivered_at < $1",
                &[delivered_before.into()],
            )
            .await?;
        let links = tx
            .execute(
                "DELETE FROM alert_links WHERE expires_at < $1",
                &[expired_before.into()],
            )
            .await?;
        tx.commit().await?;
        Ok(messages + links)
    }
}

/// Ends `sql` (which ends in `IN (`) with one placeholder per value, numbered after `params`,
/// and the closing parenthesis; the values join `params`.
fn push_in_list<'a>(
    sql: &mut String,
    params: &mut Vec<Param<'a>>,
    values: impl Iterator<Item = &'a str>,
) {
    for (n, value) in values.enumerate() {
        let separator = if n == 0 { "" } else { ", " };
        sql.push_str(&format!("{separator}${}", params.len() + 1));
        params.push(value.into());
    }
    sql.push(')');
}

//! What runs beside the requests: the shared signing secret, pruning what can no longer
//! matter, and the consistency check behind `signedin check`.

use std::time::Duration;

use super::Store;
use super::db::Param;
use super::sessions::{LIVE_SESSIONS_WITHOUT_LIVE_TOKEN, live_cutoffs};
use crate::error::DomainResult;
use crate::policy::Policy;
use crate::time::Timestamp;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PruneReport {
    pub tokens: u64,
    pub sessions: u64,
    pub audit_events: u64,
}

/// Invariants `signedin check` verifies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsistencyReport {
    pub sessions: u64,
    pub live_tokens: u64,
    /// Sessions with more than one live refresh token (must be none).
    pub sessions_with_several_live_tokens: Vec<String>,
    /// Revoked sessions that still have a live refresh token (must be none).
    pub revoked_sessions_with_live_tokens: Vec<String>,
    /// Sessions still live by the policy with no live refresh token: a sign-in or a rotation
    /// written in half (must be none).
    pub live_sessions_without_live_token: Vec<String>,
    /// Sessions named by refresh tokens that do not exist (must be none).
    pub tokens_without_session: Vec<String>,
}

impl ConsistencyReport {
    pub fn is_consistent(&self) -> bool {
        self.sessions_with_several_live_tokens.is_empty()
            && self.revoked_sessions_with_live_tokens.is_empty()
            && self.live_sessions_without_live_token.is_empty()
            && self.tokens_without_session.is_empty()
    }
}

impl Store {
    /// The shared signing secret: `candidate` is stored if none is yet; the stored one wins.
    pub(crate) async fn server_secret(
        &self,
        candidate: &str,
        now: Timestamp,
    ) -> DomainResult<String> {
        self.writer()
            .execute(
                "INSERT INTO server_secrets (name, value, created_at) \
                 VALUES ('access_token_key', $1, $2) ON CONFLICT (name) DO NOTHING",
                &[candidate.into(), now.into()],
            )
            .await?;
        let (value,): (String,) = self
            .writer()
            .fetch_one(
                "SELECT value FROM server_secrets WHERE name = 'access_token_key'",
                &[],
            )
            .await?;
        Ok(value)
    }

    pub(crate) async fn prune(&self, policy: &Policy, now: Timestamp) -> DomainResult<PruneReport> {
        // A token is prunable once it was rotated, revoked or expired longer ago than the
        // idle timeout; every such row also has last_used_at before the cutoff, which lets
        // the index narrow the search.
        let cutoff = policy.prune_cutoff(now);
        let tokens = self
            .delete_in_batches(
                "DELETE FROM refresh_tokens WHERE jti_hash IN (\
                   SELECT jti_hash FROM refresh_tokens WHERE last_used_at < $1 \
                     AND ((revoked_at IS NOT NULL AND revoked_at < $1) OR expires_at < $1) \
                   LIMIT 1000)",
                &[cutoff.into()],
            )
            .await?;
        let sessions = self
            .delete_in_batches(
                "DELETE FROM sessions WHERE id IN (\
                   SELECT id FROM sessions s WHERE \
                     ((s.revoked_at IS NOT NULL AND s.revoked_at < $1) OR s.last_used_at < $2 \
                      OR s.signed_in_at < $3) \
                     AND NOT EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.session_id = s.id) \
                   LIMIT 1000)",
                &[
                    cutoff.into(),
                    cutoff.minus(policy.idle_timeout).into(),
                    cutoff.minus(policy.max_age).into(),
                ],
            )
            .await?;
        let audit_events = self
            .delete_in_batches(
                "DELETE FROM audit_events WHERE id IN (\
                   SELECT id FROM audit_events WHERE occurred_at < $1 LIMIT 1000)",
                &[now.minus(policy.audit_retention).into()],
            )
            .await?;
        // A retired signing key verifies nothing any more: every token it signed has expired.
        self.prune_signing_keys(now).await?;
        // Delivered messages are kept a week for `signedin outbox list` (the email window
        // needs only its last hour); dead ones until retried; links a day past expiry.
        self.prune_outbox(
            now.minus(Duration::from_secs(7 * 86_400)),
            now.minus(Duration::from_secs(86_400)),
        )
        .await?;
        Ok(PruneReport {
            tokens,
            sessions,
            audit_events,
        })
    }

    /// Runs `sql`, a `DELETE` of at most a batch of rows, until it deletes nothing: each
    /// batch its own short statement, so the writer is never held for long. How many rows
    /// it deleted in all.
    async fn delete_in_batches(&self, sql: &str, params: &[Param<'_>]) -> DomainResult<u64> {
        let mut total = 0;
        loop {
            let deleted = self.writer().execute(sql, params).await?;
            total += deleted;
            if deleted == 0 {
                return Ok(total);
            }
        }
    }

    pub(crate) async fn check_consistency(
        &self,
        policy: &Policy,
        now: Timestamp,
    ) -> DomainResult<ConsistencyReport> {
        let reader = self.reader();
        let several: Vec<(String,)> = reader
            .fetch_all(
                "SELECT session_id FROM refresh_tokens WHERE revoked_at IS NULL \
                 GROUP BY session_id HAVING COUNT(*) > 1 ORDER BY session_id",
                &[],
            )
            .await?;
        let revoked_live: Vec<(String,)> = reader
            .fetch_all(
                "SELECT DISTINCT t.session_id FROM refresh_tokens t \
                 JOIN sessions s ON s.id = t.session_id \
                 WHERE t.revoked_at IS NULL AND s.revoked_at IS NOT NULL ORDER BY t.session_id",
                &[],
            )
            .await?;
        let tokenless: Vec<(String,)> = reader
            .fetch_all(
                &LIVE_SESSIONS_WITHOUT_LIVE_TOKEN,
                &live_cutoffs(policy, now),
            )
            .await?;
        let orphans: Vec<(String,)> = reader
            .fetch_all(
                "SELECT DISTINCT t.session_id FROM refresh_tokens t \
                 WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = t.session_id) \
                 ORDER BY t.session_id",
                &[],
            )
            .await?;
        let (sessions,): (i64,) = reader
            .fetch_one("SELECT COUNT(*) FROM sessions", &[])
            .await?;
        let (live,): (i64,) = reader
            .fetch_one(
                "SELECT COUNT(*) FROM refresh_tokens WHERE revoked_at IS NULL",
                &[],
            )
            .await?;
        let ids = |rows: Vec<(String,)>| rows.into_iter().map(|(id,)| id).collect();
        Ok(ConsistencyReport {
            sessions: u64::try_from(sessions).unwrap_or(0),
            live_tokens: u64::try_from(live).unwrap_or(0),
            sessions_with_several_live_tokens: ids(several),
            revoked_sessions_with_live_tokens: ids(revoked_live),
            live_sessions_without_live_token: ids(tokenless),
            tokens_without_session: ids(orphans),
        })
    }
}

//! The `sessions` table: one row per sign-in, whose lock orders every change to its tokens,
//! and the one definition of "this session is live" every statement shares.

use std::sync::LazyLock;

use super::db::{LockingSelect, Param};
use super::tokens::NewToken;
use super::{Store, Tx};
use crate::alerts;
use crate::audit::{AuditEvent, RevokedTarget};
use crate::error::{DomainError, DomainResult};
use crate::policy::Policy;
use crate::session::{DeviceContext, DeviceDescription, EndReason, SessionRef, SessionTimes};
use crate::time::Timestamp;
use crate::token::{JtiPrefix, TokenHash};

/// "The session `s` is live": not signed out, used within the idle timeout and signed in
/// within its absolute lifetime (the store's side of `Policy::session_state`). Every statement
/// that uses it binds [`live_cutoffs`] as `$1` and `$2`.
pub(super) const LIVE_SESSION: &str =
    "s.revoked_at IS NULL AND s.last_used_at > $1 AND s.signed_in_at > $2";

/// The idle and absolute cutoffs at `now`, in the order [`LIVE_SESSION`] binds them.
pub(super) fn live_cutoffs(policy: &Policy, now: Timestamp) -> [Param<'static>; 2] {
    [
        policy.idle_cutoff(now).into(),
        policy.absolute_cutoff(now).into(),
    ]
}

/// The id of a user's live session, if `$4` is one.
static LIVE_SESSION_ID: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT s.id FROM sessions s WHERE {LIVE_SESSION} AND s.user_id = $3 AND s.id = $4")
});

/// The live sessions of a user any of whose tokens, ever, has a hash in `[$4, $5]`.
static LIVE_SESSIONS_BY_TOKEN_RANGE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT DISTINCT t.session_id FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id \
         WHERE {LIVE_SESSION} AND t.user_id = $3 AND t.jti_hash >= $4 AND t.jti_hash <= $5 \
         LIMIT 2"
    )
});

/// Ends every live session of a user but one; the ids it ended.
static END_LIVE_SESSIONS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE sessions AS s SET revoked_at = $3, revoked_reason = $4 \
         WHERE {LIVE_SESSION} AND s.user_id = $5 AND s.id <> $6 \
         RETURNING id"
    )
});

/// Sessions still live with no live refresh token (`check`).
pub(super) static LIVE_SESSIONS_WITHOUT_LIVE_TOKEN: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT s.id FROM sessions s \
         WHERE {LIVE_SESSION} \
           AND NOT EXISTS (SELECT 1 FROM refresh_tokens t \
                           WHERE t.session_id = s.id AND t.revoked_at IS NULL) \
         ORDER BY s.id"
    )
});

/// A sign-in to record: the session and its first refresh token. (`Debug` leaves the
/// password hash out: hashes are never logged.)
#[derive(Clone)]
pub struct NewSession {
    pub session_id: String,
    pub user_id: String,
    pub token: TokenHash,
    pub device: DeviceContext,
    /// The device's label and place for the token; `None` leaves them to be worked out when
    /// the session is listed.
    pub description: Option<DeviceDescription>,
    pub signed_in_at: Timestamp,
    pub expires_at: Timestamp,
    pub new_location: bool,
    /// The password hash the sign-in verified against. The session is refused (as
    /// `InvalidCredentials`) unless it is still the account's when the session is written.
    pub verified_password_hash: String,
}

impl std::fmt::Debug for NewSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSession")
            .field("session_id", &self.session_id)
            .field("user_id", &self.user_id)
            .field("token", &self.token)
            .field("signed_in_at", &self.signed_in_at)
            .field("expires_at", &self.expires_at)
            .field("new_location", &self.new_location)
            .finish_non_exhaustive()
    }
}

/// What an authenticated request needs to know about its session.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionAuthRow {
    pub user_id: String,
    pub signed_in_at: Timestamp,
    pub last_used_at: Timestamp,
    pub reauthenticated_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// A session row read under its lock, inside a write transaction.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct SessionLockRow {
    pub user_id: String,
    pub signed_in_at: Timestamp,
    pub last_used_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

impl SessionAuthRow {
    pub(crate) fn times(&self) -> SessionTimes {
        SessionTimes {
            signed_in_at: self.signed_in_at,
            last_used_at: self.last_used_at,
            revoked_at: self.revoked_at,
        }
    }
}

impl SessionLockRow {
    pub(crate) fn times(&self) -> SessionTimes {
        SessionTimes {
            signed_in_at: self.signed_in_at,
            last_used_at: self.last_used_at,
            revoked_at: self.revoked_at,
        }
    }
}

impl Store {
    /// Records a sign-in: the session, its first refresh token and the audit event. Beyond
    /// the account's cap on live sessions the least recently used is signed out first,
    /// audited as such: the sessions that were, if any.
    pub async fn create_session(
        &self,
        session: &NewSession,
        event: &AuditEvent,
        policy: &Policy,
    ) -> DomainResult<Vec<RevokedTarget>> {
        let mut tx = self.begin().await?;
        // The password the sign-in checked must still be the account's: a password change
        // that committed while the hash was being verified would otherwise leave a session
        // made with the old password alive after "sign out other sessions". The row lock
        // orders this against a password change: whichever commits second sees the other's
        // write.
        let current_hash = tx.lock_password_hash(&session.user_id).await?;
        if current_hash.as_deref() != Some(session.verified_password_hash.as_str()) {
            tx.rollback().await?;
            return Err(DomainError::InvalidCredentials);
        }
        let now = session.signed_in_at;
        let evicted = tx
            .make_room_for_session(&session.user_id, policy, now)
            .await?;
        tx.execute(
            "INSERT INTO sessions (id, user_id, signed_in_at, last_used_at, reauthenticated_at, \
                                   new_location) \
             VALUES ($1, $2, $3, $3, $3, $4)",
            &[
                (&session.session_id).into(),
                (&session.user_id).into(),
                session.signed_in_at.into(),
                session.new_location.into(),
            ],
        )
        .await?;
        tx.insert_token(&NewToken {
            token: &session.token,
            session_id: &session.session_id,
            user_id: &session.user_id,
            device: &session.device,
            description: session.description.as_ref(),
            created_at: session.signed_in_at,
            expires_at: session.expires_at,
            signed_in_at: session.signed_in_at,
        })
        .await?;
        tx.append_audit(event).await?;
        for target in &evicted {
            let limit = policy.max_sessions;
            let event = AuditEvent::session_evicted(&session.user_id, target, limit, now);
            tx.append_audit(&event).await?;
        }
        tx.commit().await?;
        Ok(evicted)
    }

    /// Every user with at least one session not yet revoked.
    pub(crate) async fn users_with_live_sessions(&self) -> DomainResult<Vec<String>> {
        let rows: Vec<(String,)> = self
            .reader()
            .fetch_all(
                "SELECT DISTINCT user_id FROM sessions WHERE revoked_at IS NULL ORDER BY user_id",
                &[],
            )
            .await?;
        Ok(rows.into_iter().map(|(user_id,)| user_id).collect())
    }

    /// Stamps the session as re-authenticated at the event's time, with its event.
    pub(crate) async fn mark_reauthenticated(
        &self,
        session_id: &str,
        event: &AuditEvent,
    ) -> DomainResult<()> {
        let mut tx = self.begin().await?;
        tx.execute(
            "UPDATE sessions SET reauthenticated_at = $1 WHERE id = $2",
            &[event.occurred_at.into(), session_id.into()],
        )
        .await?;
        tx.append_audit(event).await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Tx {
    /// Reads the session and locks its row until the transaction ends: the first step of
    /// every change to its tokens.
    pub(crate) async fn lock_session(&mut self, session_id: &str) -> DomainResult<SessionLockRow> {
        static LOCK_SESSION: LazyLock<LockingSelect> = LazyLock::new(|| {
            LockingSelect::new(
                "SELECT user_id, signed_in_at, last_used_at, revoked_at FROM sessions WHERE id = $1",
            )
        });
        let row = self
            .fetch_optional_locked(&LOCK_SESSION, &[session_id.into()])
            .await?;
        Ok(row.ok_or(sqlx::Error::RowNotFound)?)
    }

    /// Whose the session is, if it exists.
    pub(crate) async fn session_owner(&mut self, session_id: &str) -> DomainResult<Option<String>> {
        let row: Option<(String,)> = self
            .fetch_optional(
                "SELECT user_id FROM sessions WHERE id = $1",
                &[session_id.into()],
            )
            .await?;
        Ok(row.map(|(user_id,)| user_id))
    }

    /// The session was used (refreshed) at `now`.
    pub(crate) async fn touch_session(
        &mut self,
        session_id: &str,
        now: Timestamp,
    ) -> DomainResult<()> {
        self.execute(
            "UPDATE sessions SET last_used_at = $1 WHERE id = $2",
            &[now.into(), session_id.into()],
        )
        .await?;
        Ok(())
    }

    /// Revokes one session and all its tokens; `false` if it had already ended. The session
    /// row is updated first: that takes its lock, so a refresh in flight finishes before the
    /// tokens are revoked.
    pub(crate) async fn end_session(
        &mut self,
        session_id: &str,
        reason: EndReason,
        now: Timestamp,
    ) -> DomainResult<bool> {
        let ended: Option<(String,)> = self
            .fetch_optional(
                "UPDATE sessions SET revoked_at = $1, revoked_reason = $2 \
                 WHERE id = $3 AND revoked_at IS NULL RETURNING user_id",
                &[now.into(), reason.as_str().into(), session_id.into()],
            )
            .await?;
        self.revoke_session_tokens(session_id, reason, now).await?;
        if let Some((user_id,)) = &ended {
            self.sessions_ended(user_id, &[session_id], reason, now)
                .await?;
        }
        Ok(ended.is_some())
    }

    /// What sessions' ends send (`alerts::for_session_end`), in this transaction.
    async fn sessions_ended(
        &mut self,
        user_id: &str,
        session_ids: &[&str],
        reason: EndReason,
        now: Timestamp,
    ) -> DomainResult<()> {
        crate::metrics::sessions_ended(reason, session_ids.len() as u64);
        if !self.sends_anything() {
            return Ok(());
        }
        let outgoing = session_ids
            .iter()
            .filter_map(|id| alerts::for_session_end(user_id, id, reason, now))
            .collect();
        self.enqueue(outgoing, now).await
    }

    /// Revokes every live session of `user_id` but `keep`, with their tokens; how many.
    pub(crate) async fn end_live_sessions(
        &mut self,
        user_id: &str,
        keep: Option<&str>,
        reason: EndReason,
        policy: &Policy,
        now: Timestamp,
    ) -> DomainResult<u64> {
        let [idle, absolute] = live_cutoffs(policy, now);
        let ended: Vec<(String,)> = self
            .fetch_all(
                &END_LIVE_SESSIONS,
                &[
                    idle,
                    absolute,
                    now.into(),
                    reason.as_str().into(),
                    user_id.into(),
                    keep.unwrap_or("").into(),
                ],
            )
            .await?;
        for (session_id,) in &ended {
            self.revoke_session_tokens(session_id, reason, now).await?;
        }
        let ids: Vec<&str> = ended.iter().map(|(id,)| id.as_str()).collect();
        self.sessions_ended(user_id, &ids, reason, now).await?;
        Ok(ended.len() as u64)
    }

    /// The live session of `user_id` that `target` names, by its id or by a token prefix (see
    /// [`Tx::live_session_by_prefix`]). `SessionNotFound` when none is, `AmbiguousPrefix`
    /// when a prefix fits several.
    pub(crate) async fn live_session_by_ref(
        &mut self,
        user_id: &str,
        target: &SessionRef,
        policy: &Policy,
        now: Timestamp,
    ) -> DomainResult<String> {
        let prefix = match target {
            SessionRef::Prefix(prefix) => prefix,
            SessionRef::Id(session_id) => {
                let [idle, absolute] = live_cutoffs(policy, now);
                let found: Option<(String,)> = self
                    .fetch_optional(
                        &LIVE_SESSION_ID,
                        &[idle, absolute, user_id.into(), session_id.into()],
                    )
                    .await?;
                return found
                    .map(|(session_id,)| session_id)
                    .ok_or(DomainError::SessionNotFound);
            }
        };
        self.live_session_by_prefix(user_id, prefix, policy, now)
            .await
    }

    /// Names the session, or removes its name (`None`). Only the session row changes: its
    /// tokens, and so every rotation, never carry the name.
    pub(crate) async fn set_session_name(
        &mut self,
        session_id: &str,
        name: Option<&str>,
    ) -> DomainResult<()> {
        self.execute(
            "UPDATE sessions SET name = $1 WHERE id = $2",
            &[name.into(), session_id.into()],
        )
        .await?;
        Ok(())
    }

    /// The live session of `user_id` named by `prefix` of the hash of any token it ever had,
    /// so a list a few rotations stale still names the right device. `SessionNotFound` when
    /// none is, `AmbiguousPrefix` when several are.
    pub(crate) async fn live_session_by_prefix(
        &mut self,
        user_id: &str,
        prefix: &JtiPrefix,
        policy: &Policy,
        now: Timestamp,
    ) -> DomainResult<String> {
        // Hex only (checked by JtiPrefix), compared as a range so the (user_id, jti_hash)
        // index answers it.
        let pad = 64 - prefix.as_str().len();
        let low = format!("{}{}", prefix.as_str(), "0".repeat(pad));
        let high = format!("{}{}", prefix.as_str(), "f".repeat(pad));
        let [idle, absolute] = live_cutoffs(policy, now);
        let matches: Vec<(String,)> = self
            .fetch_all(
                &LIVE_SESSIONS_BY_TOKEN_RANGE,
                &[
                    idle,
                    absolute,
                    user_id.into(),
                    (&low).into(),
                    (&high).into(),
                ],
            )
            .await?;
        match <[_; 1]>::try_from(matches) {
            Ok([(session_id,)]) => Ok(session_id),
            Err(matches) if matches.is_empty() => Err(DomainError::SessionNotFound),
            Err(_) => Err(DomainError::AmbiguousPrefix),
        }
    }
}

//! The `audit_events` table: events are written as the domain built them, in the
//! transaction of the change they record, and read back as they were written.

use std::sync::Arc;

use super::db::Param;
use super::notify::Notice;
use super::{Store, Tx};
use crate::alerts;
use crate::audit::{Actor, AuditDetail, AuditEvent, AuditKind, AuditRecord};
use crate::error::{DomainError, DomainResult};
use crate::time::Timestamp;

#[derive(Debug, sqlx::FromRow)]
struct AuditEventRow {
    id: i64,
    occurred_at: Timestamp,
    kind: String,
    actor: String,
    user_id: Option<String>,
    session_id: Option<String>,
    target_session_id: Option<String>,
    target_prefix: Option<String>,
    ip: Option<String>,
    user_agent: Option<String>,
    detail: String,
}

impl AuditEventRow {
    fn into_record(self) -> DomainResult<AuditRecord> {
        let kind = AuditKind::parse(&self.kind).ok_or_else(|| {
            DomainError::unexpected(format!("unknown audit kind {:?}", self.kind))
        })?;
        let detail = AuditDetail::from_stored(kind, &self.detail).unwrap_or_else(|error| {
            tracing::warn!(event = self.id, %error, "audit detail unreadable; read as its kind alone");
            AuditDetail::bare(kind)
        });
        Ok(AuditRecord {
            id: self.id,
            event: AuditEvent {
                actor: Actor::parse(&self.actor),
                user_id: self.user_id,
                session_id: self.session_id,
                target_session_id: self.target_session_id,
                target_prefix: self.target_prefix,
                ip: self.ip,
                user_agent: self.user_agent,
                detail,
                occurred_at: self.occurred_at,
            },
        })
    }
}

impl Store {
    /// Appends one event on its own (a refused sign-in, a wrong password). Through a
    /// transaction like every other write, so there is one way an event is written (the way
    /// the live page will be told of it); on these argon2-bound, rate-limited paths the two
    /// extra statements cost nothing measurable.
    pub(crate) async fn append_audit(&self, event: &AuditEvent) -> DomainResult<()> {
        let mut tx = self.begin().await?;
        tx.append_audit(event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user's audit events, newest first, with ids below `before`.
    pub async fn security_events(
        &self,
        user_id: &str,
        before: i64,
        limit: i64,
    ) -> DomainResult<Vec<AuditRecord>> {
        self.audit_records(
            "WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
            &[user_id.into(), before.into(), limit.into()],
        )
        .await
    }

    /// Sign-in events since `since`, newest first, for the new-location check.
    pub(crate) async fn sign_ins_since(
        &self,
        user_id: &str,
        since: Timestamp,
    ) -> DomainResult<Vec<AuditRecord>> {
        self.audit_records(
            "WHERE user_id = $1 AND kind = 'sign_in' AND occurred_at >= $2 \
             ORDER BY id DESC LIMIT 1000",
            &[user_id.into(), since.into()],
        )
        .await
    }

    /// One event by its id, if it is still kept.
    pub(crate) async fn audit_record(&self, id: i64) -> DomainResult<Option<AuditRecord>> {
        let mut records = self.audit_records("WHERE id = $1", &[id.into()]).await?;
        Ok(records.pop())
    }

    /// The user's events after `after`, oldest first, at most `limit`; `None` if `after` is
    /// not (or no longer) one of the user's events.
    pub(crate) async fn audit_records_after(
        &self,
        user_id: &str,
        after: i64,
        limit: i64,
    ) -> DomainResult<Option<Vec<AuditRecord>>> {
        let known: Option<(i64,)> = self
            .reader()
            .fetch_optional(
                "SELECT id FROM audit_events WHERE id = $1 AND user_id = $2",
                &[after.into(), user_id.into()],
            )
            .await?;
        if known.is_none() {
            return Ok(None);
        }
        let records = self
            .audit_records(
                "WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                &[user_id.into(), after.into(), limit.into()],
            )
            .await?;
        Ok(Some(records))
    }

    /// The newest event's id (0 with none yet).
    pub(crate) async fn latest_audit_id(&self) -> DomainResult<i64> {
        let (id,): (i64,) = self
            .reader()
            .fetch_one("SELECT COALESCE(MAX(id), 0) FROM audit_events", &[])
            .await?;
        Ok(id)
    }

    /// Every user's events after `after`, oldest first, at most `limit`.
    pub(crate) async fn audit_records_since(
        &self,
        after: i64,
        limit: i64,
    ) -> DomainResult<Vec<AuditRecord>> {
        self.audit_records(
            "WHERE id > $1 ORDER BY id LIMIT $2",
            &[after.into(), limit.into()],
        )
        .await
    }

    /// The events `filter` (the `WHERE …` and what follows) picks, read whole.
    async fn audit_records(
        &self,
        filter: &str,
        params: &[Param<'_>],
    ) -> DomainResult<Vec<AuditRecord>> {
        let sql = format!(
            "SELECT id, occurred_at, kind, actor, user_id, session_id, target_session_id, \
                    target_prefix, ip, user_agent, detail \
             FROM audit_events {filter}"
        );
        let rows: Vec<AuditEventRow> = self.reader().fetch_all(&sql, params).await?;
        rows.into_iter().map(AuditEventRow::into_record).collect()
    }
}

impl Tx {
    /// Appends `event` as part of this transaction: it commits or rolls back with the change,
    /// and once committed it is announced to the user's live listeners (see `notify.rs`).
    pub(crate) async fn append_audit(&mut self, event: &AuditEvent) -> DomainResult<()> {
        let detail = event.detail.to_stored();
        let (id,): (i64,) = self
            .fetch_one(
                "INSERT INTO audit_events (occurred_at, kind, actor, user_id, session_id, \
                                       target_session_id, target_prefix, ip, user_agent, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                &[
                    event.occurred_at.into(),
                    event.kind().as_str().into(),
                    event.actor.as_str().into(),
                    event.user_id.as_deref().into(),
                    event.session_id.as_deref().into(),
                    event.target_session_id.as_deref().into(),
                    event.target_prefix.as_deref().into(),
                    event.ip.as_deref().into(),
                    event.user_agent.as_deref().into(),
                    (&detail).into(),
                ],
            )
            .await?;
        if let Some(user_id) = &event.user_id {
            let record = AuditRecord {
                id,
                event: event.clone(),
            };
            let notice = Notice::Audit {
                user_id: user_id.clone(),
                id,
                record: Some(Arc::new(record)),
            };
            self.announce(notice).await?;
        }
        if self.sends_anything() {
            self.enqueue(alerts::for_audit(event), event.occurred_at)
                .await?;
        }
        Ok(())
    }

    /// Announces that a session of `user_id` was used at `at`: no row, only the notice.
    pub(crate) async fn announce_touch(
        &mut self,
        user_id: &str,
        at: Timestamp,
    ) -> DomainResult<()> {
        let user_id = user_id.to_owned();
        self.announce(Notice::Touch { user_id, at }).await?;
        Ok(())
    }
}

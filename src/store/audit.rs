//! The `audit_events` table: events are written as the domain built them, in the
//! transaction of the change they record, and read back as they were written.

use super::db::Param;
use super::{Store, Tx};
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
            "SELECT id, occurred_at, kind, actor, user_id, session_id, target_session_id, \
                    target_prefix, ip, user_agent, detail \
             FROM audit_events WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
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
            "SELECT id, occurred_at, kind, actor, user_id, session_id, target_session_id, \
                    target_prefix, ip, user_agent, detail \
             FROM audit_events WHERE user_id = $1 AND kind = 'sign_in' AND occurred_at >= $2 \
             ORDER BY id DESC LIMIT 1000",
            &[user_id.into(), since.into()],
        )
        .await
    }

    async fn audit_records(
        &self,
        sql: &str,
        params: &[Param<'_>],
    ) -> DomainResult<Vec<AuditRecord>> {
        let rows: Vec<AuditEventRow> = self.reader().fetch_all(sql, params).await?;
        rows.into_iter().map(AuditEventRow::into_record).collect()
    }
}

impl Tx {
    /// Appends `event` as part of this transaction: it commits or rolls back with the change.
    pub(crate) async fn append_audit(&mut self, event: &AuditEvent) -> DomainResult<()> {
        let detail = event.detail.to_stored();
        self.execute(
            "INSERT INTO audit_events (occurred_at, kind, actor, user_id, session_id, \
                                       target_session_id, target_prefix, ip, user_agent, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
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
        Ok(())
    }
}

//! Signing sessions out: one (by its id or a token prefix) or many at once, each in one
//! transaction with its audit event. Free functions over the store, like `refresh`, so the
//! load benchmark's database ceiling runs exactly these statements.

use super::Principal;
use crate::audit::{Actor, AuditEvent, BulkScope, RevokedTarget};
use crate::error::{DomainError, DomainResult};
use crate::policy::Policy;
use crate::session::{DeviceContext, EndReason, SessionRef};
use crate::store::Store;
use crate::time::Timestamp;

/// Who revokes, from where, and why: the audit trail's side of a revoke.
#[derive(Debug, Clone, Copy)]
pub struct RevokeBy<'a> {
    pub actor: Actor,
    pub acting_session: Option<&'a str>,
    pub device: Option<&'a DeviceContext>,
    pub reason: EndReason,
    pub now: Timestamp,
}

impl<'a> RevokeBy<'a> {
    /// The owner signing sessions out from `device`, on their session `who`.
    pub fn user(who: &'a Principal, device: &'a DeviceContext, now: Timestamp) -> Self {
        Self {
            actor: Actor::User,
            acting_session: Some(&who.session_id),
            device: Some(device),
            reason: EndReason::SignedOut,
            now,
        }
    }

    /// An operator's command: no session or device of the user's own.
    pub fn admin(now: Timestamp) -> Self {
        Self {
            actor: Actor::Admin,
            acting_session: None,
            device: None,
            reason: EndReason::Admin,
            now,
        }
    }
}

/// Signs out the live session of `user_id` that `target` names, audited as `by` did it.
/// `SessionNotFound` when it names none of theirs.
pub async fn revoke_one(
    store: &Store,
    policy: &Policy,
    user_id: &str,
    target: &SessionRef,
    by: RevokeBy<'_>,
) -> DomainResult<RevokedTarget> {
    let mut tx = store.begin().await?;
    let session_id = tx
        .live_session_by_ref(user_id, target, policy, by.now)
        .await?;
    let latest = tx.latest_token(&session_id).await?;
    let target = RevokedTarget {
        session_id,
        jti_prefix: latest.jti_prefix,
        user_agent: latest.user_agent,
        ip: latest.ip,
    };
    if !tx
        .end_session(&target.session_id, by.reason, by.now)
        .await?
    {
        return Err(DomainError::SessionNotFound);
    }
    let event = AuditEvent::session_revoked(
        by.actor,
        user_id,
        by.acting_session,
        &target,
        by.device,
        by.now,
    );
    tx.append_audit(&event).await?;
    tx.commit().await?;
    Ok(target)
}

/// Signs out every live session of `user_id` (`All`), or every one but the acting session
/// (`Others`), audited as one event; how many.
pub async fn revoke_many(
    store: &Store,
    policy: &Policy,
    user_id: &str,
    scope: BulkScope,
    by: RevokeBy<'_>,
) -> DomainResult<u64> {
    let keep = match scope {
        BulkScope::All => None,
        BulkScope::Others => by.acting_session,
    };
    let mut tx = store.begin().await?;
    let count = tx
        .end_live_sessions(user_id, keep, by.reason, policy, by.now)
        .await?;
    let event = AuditEvent::sessions_revoked(
        scope,
        by.actor,
        user_id,
        by.acting_session,
        count,
        by.device,
        by.now,
    );
    tx.append_audit(&event).await?;
    tx.commit().await?;
    Ok(count)
}

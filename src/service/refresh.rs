//! The refresh flow: one transaction driven through the store's small steps, committed
//! once, with every branch's outcome decided by `rotation`'s pure functions and audited in the
//! same transaction.

use crate::audit::AuditEvent;
use crate::error::{DomainError, DomainResult, TokenRejection};
use crate::policy::Policy;
use crate::rotation::{RotationDecision, Successor, decide_for_session, decide_for_spent_token};
use crate::session::{DeviceContext, DeviceDescription, EndReason};
use crate::store::{NewToken, SessionLockRow, Store, Tx};
use crate::time::Timestamp;
use crate::token::TokenHash;

/// A refresh to carry out atomically.
#[derive(Debug, Clone)]
pub struct RefreshRequest<'a> {
    pub presented: &'a TokenHash,
    /// The session the presented token belongs to (see `Store::token_owner`).
    pub session_id: &'a str,
    /// The successor the server derived from the presented raw token.
    pub successor: &'a TokenHash,
    pub device: &'a DeviceContext,
    /// The successor's label and place, worked out from `device`.
    pub description: &'a DeviceDescription,
    pub policy: &'a Policy,
    pub now: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// The presented token was rotated into the successor.
    Rotated {
        user_id: String,
        session_id: String,
    },
    /// A concurrent refresh rotated it moments ago; the same successor stands.
    Shared {
        user_id: String,
        session_id: String,
    },
    Rejected(TokenRejection),
}

/// Rotates a refresh token in one transaction, committed once. The session row is locked
/// first (`BEGIN IMMEDIATE` on SQLite, `SELECT … FOR UPDATE` on PostgreSQL), before any
/// token is written: a concurrent refresh or revoke of the same session waits for this one
/// and then sees its successor, so the session never has two live tokens.
pub async fn refresh(store: &Store, request: RefreshRequest<'_>) -> DomainResult<RefreshOutcome> {
    let RefreshRequest {
        presented,
        session_id,
        successor,
        device,
        policy,
        now,
        ..
    } = request;
    let mut tx = store.begin().await?;
    let session = tx.lock_session(session_id).await?;
    let decision = match decide_for_session(policy.session_state(&session.times(), now)) {
        Some(decision) => decision,
        None => {
            if tx.supersede_token(presented, successor, now).await? {
                return rotate(tx, &request, session).await;
            }
            // The token was not live any more: why decides what happens.
            let token = tx.presented_token(presented).await?;
            let live_user_agent = tx.live_token_user_agent(successor).await?;
            let successor = Successor {
                jti_hash: successor.as_str(),
                live_user_agent: live_user_agent.as_deref(),
            };
            let (agent, grace) = (&device.user_agent, policy.reuse_grace);
            decide_for_spent_token(&token, successor, agent, grace, now)
        }
    };
    carry_out(tx, decision, &request, session.user_id).await
}

/// The presented token was marked rotated: mints its successor for the requesting device and
/// stamps the session used ("Last active" moves on open devices pages, at most once per
/// `touch_every`).
async fn rotate(
    mut tx: Tx,
    request: &RefreshRequest<'_>,
    session: SessionLockRow,
) -> DomainResult<RefreshOutcome> {
    let RefreshRequest {
        session_id,
        successor,
        device,
        description,
        policy,
        now,
        ..
    } = *request;
    tx.insert_token(&NewToken {
        token: successor,
        session_id,
        user_id: &session.user_id,
        device,
        description: Some(description),
        created_at: now,
        expires_at: policy.refresh_expires_at(session.signed_in_at, now),
        signed_in_at: session.signed_in_at,
    })
    .await?;
    tx.touch_session(session_id, now).await?;
    // The previous use was read with the lock above: coalescing costs no query.
    if policy.touch_is_news(session.last_used_at, now) {
        tx.announce_touch(&session.user_id, now).await?;
    }
    tx.commit().await?;
    Ok(RefreshOutcome::Rotated {
        user_id: session.user_id,
        session_id: session_id.to_owned(),
    })
}

/// Carries out a decision other than a plain rotation, audited, in the rotation's
/// transaction.
async fn carry_out(
    mut tx: Tx,
    decision: RotationDecision,
    request: &RefreshRequest<'_>,
    user_id: String,
) -> DomainResult<RefreshOutcome> {
    let RefreshRequest {
        presented,
        session_id,
        successor,
        device,
        now,
        ..
    } = *request;
    let outcome = match decision {
        RotationDecision::ShareSuccessor => {
            let (from, to) = (presented.prefix(), successor.prefix());
            let event = AuditEvent::refresh_grace(&user_id, session_id, from, to, device, now);
            tx.append_audit(&event).await?;
            let session_id = session_id.to_owned();
            RefreshOutcome::Shared {
                user_id,
                session_id,
            }
        }
        RotationDecision::Expire => {
            if tx.end_session(session_id, EndReason::Expired, now).await? {
                let event = AuditEvent::session_expired(&user_id, session_id, Some(device), now);
                tx.append_audit(&event).await?;
            }
            RefreshOutcome::Rejected(TokenRejection::Expired)
        }
        RotationDecision::RevokeForReuse(cause) => {
            tx.end_session(session_id, EndReason::ReuseDetected, now)
                .await?;
            let prefix = presented.prefix();
            let event =
                AuditEvent::reuse_detected(&user_id, session_id, prefix, cause, device, now);
            tx.append_audit(&event).await?;
            RefreshOutcome::Rejected(TokenRejection::Reused)
        }
        RotationDecision::RefuseSuperseded => {
            let prefix = presented.prefix();
            let event = AuditEvent::refresh_superseded(&user_id, session_id, prefix, device, now);
            tx.append_audit(&event).await?;
            RefreshOutcome::Rejected(TokenRejection::Superseded)
        }
        RotationDecision::Refuse(rejection) => {
            tx.rollback().await?;
            return Ok(RefreshOutcome::Rejected(rejection));
        }
        // The token was found not live while the session lock was held; nothing can have
        // made it live again.
        RotationDecision::Rotate => {
            tx.rollback().await?;
            return Err(DomainError::unexpected(
                "refresh token became live again under the session lock",
            ));
        }
    };
    tx.commit().await?;
    Ok(outcome)
}

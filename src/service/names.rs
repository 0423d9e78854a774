//! Names for devices: the owner calls one of their sessions "Work laptop". The name lives on
//! the session, so every rotation keeps it, and each change is audited.

use super::{Principal, SessionService};
use crate::audit::{AuditEvent, RevokedTarget};
use crate::error::{DomainError, DomainResult};
use crate::rate_limit::Door;
use crate::session::{DeviceContext, SessionInfo, SessionRef};
use crate::session_name::SessionName;

impl SessionService {
    /// Names the caller's live session `session` (its id `ses_…`, or a `jti_prefix`), or
    /// removes its name (`None`); the session as it now is. Another user's session, or one
    /// that has ended, is `SessionNotFound`. Giving a session the name it already has changes
    /// nothing and records nothing.
    pub async fn rename_session(
        &self,
        who: &Principal,
        session: &str,
        name: Option<SessionName>,
        device: &DeviceContext,
    ) -> DomainResult<SessionInfo> {
        let target = SessionRef::parse(session)?;
        // The door that guards naming sessions by prefix: renames share its budget, so an
        // account cannot be made to write audit events without bound.
        self.limit(Door::PrefixGuessPerSession, &who.session_id)
            .await?;
        let now = self.now();
        let policy = &self.0.policy;
        let mut tx = self.0.store.begin().await?;
        let session_id = tx
            .live_session_by_ref(&who.user_id, &target, policy, now)
            .await?;
        // Ordered against a sign-out or a refresh of the same session: it is still live when
        // the name is written, and the name it replaces is the one on record.
        tx.lock_session(&session_id).await?;
        let Some(mut row) = tx
            .live_session(&who.user_id, &session_id, policy, now)
            .await?
        else {
            return Err(DomainError::SessionNotFound);
        };
        let name = name.as_ref().map(SessionName::as_str);
        if row.name.as_deref() == name {
            tx.rollback().await?;
            return Ok(self.session_info(row, &who.session_id));
        }
        tx.set_session_name(&session_id, name).await?;
        let renamed = RevokedTarget {
            session_id,
            jti_prefix: row.jti_prefix.clone(),
            user_agent: row.user_agent.clone(),
            ip: row.ip.clone(),
        };
        let event = AuditEvent::session_renamed(
            &who.user_id,
            &who.session_id,
            &renamed,
            name,
            row.name.as_deref(),
            device,
            now,
        );
        tx.append_audit(&event).await?;
        tx.commit().await?;
        row.name = name.map(str::to_owned);
        Ok(self.session_info(row, &who.session_id))
    }
}

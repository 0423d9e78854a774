//! The operator's side: pruning, the consistency check and the admin commands
//! (`signedin sessions …`), audited with actor `admin`.

use super::{RevokeBy, SessionService};
use crate::account::Email;
use crate::audit::{BulkScope, RevokedTarget};
use crate::error::{DomainError, DomainResult};
use crate::session::{SessionInfo, SessionRef};
use crate::store::{ConsistencyReport, PruneReport};
use crate::token::JtiPrefix;

impl SessionService {
    pub async fn prune(&self) -> DomainResult<PruneReport> {
        let now = self.now();
        let report = self.0.store.prune(&self.0.policy, now).await?;
        self.0.store.prune_shared_tokens(now).await?;
        Ok(report)
    }

    pub async fn check(&self) -> DomainResult<ConsistencyReport> {
        self.0
            .store
            .check_consistency(&self.0.policy, self.now())
            .await
    }

    /// `signedin sessions list --email E`.
    pub async fn admin_list_sessions(&self, email: &str) -> DomainResult<Vec<SessionInfo>> {
        let user = self.admin_find_user(email).await?;
        let rows = self
            .0
            .store
            .list_live_sessions(&user, &self.0.policy, self.now())
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| self.session_info(row, ""))
            .collect())
    }

    /// `signedin sessions revoke --email E --prefix P`, audited with actor `admin`.
    pub async fn admin_revoke_session(
        &self,
        email: &str,
        prefix: &str,
    ) -> DomainResult<RevokedTarget> {
        let user = self.admin_find_user(email).await?;
        let prefix = SessionRef::Prefix(JtiPrefix::parse(prefix)?);
        let by = RevokeBy::admin(self.now());
        self.revoke_one(&user, &prefix, by).await
    }

    /// `signedin sessions revoke --email E --all`, audited with actor `admin`.
    pub async fn admin_revoke_all(&self, email: &str) -> DomainResult<u64> {
        let user = self.admin_find_user(email).await?;
        let by = RevokeBy::admin(self.now());
        self.revoke_many(&user, BulkScope::All, by).await
    }

    /// `signedin sessions revoke --everyone`: every session of every user, audited per user
    /// with actor `admin`. The emergency brake after a leaked secret or database copy.
    pub async fn admin_revoke_everyone(&self) -> DomainResult<u64> {
        let mut total = 0;
        for user in self.0.store.users_with_live_sessions().await? {
            let by = RevokeBy::admin(self.now());
            total += self.revoke_many(&user, BulkScope::All, by).await?;
        }
        Ok(total)
    }

    async fn admin_find_user(&self, email: &str) -> DomainResult<String> {
        let email = Email::parse(email)?;
        let user = self.0.store.find_user_by_email(email.normalized()).await?;
        user.map(|u| u.id).ok_or(DomainError::UserNotFound)
    }

    /// The outbox's messages in `state` (all when `None`), newest first.
    pub async fn outbox_entries(
        &self,
        state: Option<&str>,
        limit: i64,
    ) -> DomainResult<Vec<crate::store::OutboxEntry>> {
        self.0.store.outbox_entries(state, limit).await
    }

    /// Dead messages (`ids`, or every one) sent again from now, with their ids unchanged.
    pub async fn outbox_retry(&self, ids: Option<&[String]>) -> DomainResult<u64> {
        self.0.store.outbox_retry(ids, self.now()).await
    }
}

//! Sessions: refreshing, authenticating each request, the device list and signing out.

use super::refresh::{self, RefreshOutcome, RefreshRequest};
use super::{IssuedTokens, Principal};
use super::{RevokeBy, SessionService};
use crate::audit::BulkScope;
use crate::audit::{AuditEvent, RevokedTarget};
use crate::device::ClientHints;
use crate::error::{DomainError, DomainResult, TokenRejection};
use crate::rate_limit::Door;
use crate::session::{
    DeviceContext, DeviceDescription, EndReason, ListCursor, PageSize, SessionInfo, SessionPage,
    SessionRef, SessionState,
};
use crate::store::{LiveSessionPage, LiveSessionRow};
use crate::time::Timestamp;
use crate::token::RefreshToken;

impl SessionService {
    /// Rotates `raw_refresh_token`: the old token is revoked and its successor minted in one
    /// transaction, stamped with this request's device.
    #[tracing::instrument(skip_all, fields(ip = %device.ip))]
    pub async fn refresh(
        &self,
        raw_refresh_token: &str,
        device: &DeviceContext,
    ) -> DomainResult<IssuedTokens> {
        self.limit(Door::RefreshPerIp, &self.ip_key(device)).await?;
        let rejected = |why| Err(DomainError::RefreshRejected(why));
        let Some(presented) = RefreshToken::parse(raw_refresh_token) else {
            crate::metrics::refresh("refused");
            return rejected(TokenRejection::Unknown);
        };
        let presented_hash = presented.hash();
        let Some(owner) = self.0.store.token_owner(&presented_hash).await? else {
            // Well-formed but never issued (or pruned long ago): worth a look if it recurs.
            tracing::warn!(token = presented_hash.prefix(), ip = %device.ip, "unknown refresh token presented");
            crate::metrics::refresh("refused");
            return rejected(TokenRejection::Unknown);
        };
        self.limit(Door::RefreshPerSession, &owner.session_id)
            .await?;
        let successor = presented.successor(&self.0.key);
        let successor_hash = successor.hash();
        let now = self.now();
        let description = self.describe(&device.user_agent, &device.client_hints, &device.ip);
        let request = RefreshRequest {
            presented: &presented_hash,
            session_id: &owner.session_id,
            successor: &successor_hash,
            device,
            description: &description,
            policy: &self.0.policy,
            now,
        };
        let outcome = refresh::refresh(&self.0.store, request).await?;
        crate::metrics::refresh(match &outcome {
            RefreshOutcome::Rotated { .. } => "rotated",
            RefreshOutcome::Shared { .. } => "grace",
            RefreshOutcome::Rejected(TokenRejection::Reused) => "reuse_detected",
            RefreshOutcome::Rejected(_) => "refused",
        });
        match outcome {
            RefreshOutcome::Rotated {
                user_id,
                session_id,
            }
            | RefreshOutcome::Shared {
                user_id,
                session_id,
            } => self.issue(&user_id, &session_id, successor, now).await,
            RefreshOutcome::Rejected(why) => {
                tracing::info!(reason = ?why, token = presented_hash.prefix(), "refresh refused");
                rejected(why)
            }
        }
    }

    /// Checks an access token's signature and expiry, then that its session is still live:
    /// a signed-out session is refused on its very next request, on every node.
    pub async fn authenticate(
        &self,
        access_token: &str,
        device: Option<&DeviceContext>,
    ) -> DomainResult<Principal> {
        let now = self.now();
        let claims = self
            .0
            .keys
            .verify(&self.0.store, access_token, now)
            .await
            .map_err(DomainError::AccessRejected)?;
        let Some(session) = self.0.store.session_auth(&claims.sid).await? else {
            return Err(DomainError::AccessRejected("unknown session"));
        };
        if session.user_id != claims.sub {
            return Err(DomainError::AccessRejected(
                "session does not belong to this user",
            ));
        }
        match self.0.policy.session_state(&session.times(), now) {
            SessionState::Active => Ok(Principal {
                user_id: claims.sub,
                session_id: claims.sid,
                reauthenticated_at: session.reauthenticated_at,
            }),
            SessionState::Revoked => Err(DomainError::AccessRejected("session signed out")),
            SessionState::ExpiredIdle | SessionState::ExpiredAbsolute => {
                self.expire_session(&claims.sid, device, now).await?;
                Err(DomainError::AccessRejected("session expired"))
            }
        }
    }

    /// Every live session of the caller: this one first, then the most recently used.
    pub async fn list_sessions(&self, who: &Principal) -> DomainResult<Vec<SessionInfo>> {
        let rows = self
            .0
            .store
            .list_live_sessions(&who.user_id, &self.0.policy, self.now())
            .await?;
        let mut sessions: Vec<SessionInfo> = rows
            .into_iter()
            .map(|row| self.session_info(row, &who.session_id))
            .collect();
        sessions.sort_by_key(|s| !s.is_current);
        Ok(sessions)
    }

    /// How many live sessions the caller has in all (pages show a part of them).
    pub async fn count_sessions(&self, who: &Principal) -> DomainResult<u64> {
        self.0
            .store
            .count_live_sessions_of_user(&who.user_id, &self.0.policy, self.now())
            .await
    }

    /// One page of the caller's live sessions (see [`SessionPage`]): the first starts with
    /// the caller's own, then the most recently used; `after` is the previous page's `next`.
    pub async fn session_page(
        &self,
        who: &Principal,
        after: Option<&ListCursor>,
        size: PageSize,
    ) -> DomainResult<SessionPage> {
        let now = self.now();
        let page = self
            .fetch_page(&who.user_id, &who.session_id, after, size, now)
            .await?;
        Ok(self.page_of(page, after, size))
    }

    /// `authenticate` then `session_page`, in one query when it can: the page always reads
    /// the token's own session, and finding it live *is* the liveness check. Otherwise the
    /// full check runs (for its precise refusal, and to end and audit a session found
    /// expired). The hottest read of the API, halved.
    pub async fn authenticate_and_list(
        &self,
        access_token: &str,
        device: Option<&DeviceContext>,
        after: Option<&ListCursor>,
        size: PageSize,
    ) -> DomainResult<SessionPage> {
        let now = self.now();
        let claims = self
            .0
            .keys
            .verify(&self.0.store, access_token, now)
            .await
            .map_err(DomainError::AccessRejected)?;
        let page = self
            .fetch_page(&claims.sub, &claims.sid, after, size, now)
            .await?;
        if page.current.is_some() {
            return Ok(self.page_of(page, after, size));
        }
        let who = self.authenticate(access_token, device).await?;
        self.session_page(&who, after, size).await
    }

    /// The store's page for `size`: on the first page the caller's session takes one place,
    /// and one more row than fits tells whether a next page exists.
    async fn fetch_page(
        &self,
        user_id: &str,
        current: &str,
        after: Option<&ListCursor>,
        size: PageSize,
        now: Timestamp,
    ) -> DomainResult<LiveSessionPage> {
        let policy = &self.0.policy;
        self.0
            .store
            .live_session_page(user_id, current, after, size.get() + 1, policy, now)
            .await
    }

    fn page_of(
        &self,
        page: LiveSessionPage,
        after: Option<&ListCursor>,
        size: PageSize,
    ) -> SessionPage {
        let LiveSessionPage {
            current,
            mut others,
        } = page;
        let current = current.filter(|_| after.is_none());
        let room = size.get() as usize - usize::from(current.is_some());
        let next = (others.len() > room).then(|| {
            others.truncate(room);
            others
                .last()
                .map_or_else(ListCursor::top, LiveSessionRow::cursor)
        });
        let current_id = current.as_ref().map(|row| row.session_id.clone());
        let sessions = current
            .into_iter()
            .chain(others)
            .map(|row| self.session_info(row, current_id.as_deref().unwrap_or_default()))
            .collect();
        SessionPage { sessions, next }
    }

    /// A session as its owner sees it: the label and place stored with its token (worked
    /// out when the token was minted), or, on rows older than those columns, from the raw
    /// facts now.
    pub(super) fn session_info(&self, row: LiveSessionRow, current_session: &str) -> SessionInfo {
        let description =
            DeviceDescription::from_columns(row.device.as_deref(), row.location.as_deref())
                .unwrap_or_else(|| {
                    let hints = ClientHints::from_json(row.client_hints.as_deref());
                    self.describe(&row.user_agent, &hints, &row.ip)
                });
        Self::described(row, description, current_session)
    }

    /// `row` as its owner sees it, with `description` for its label and place.
    pub(super) fn described(
        row: LiveSessionRow,
        description: DeviceDescription,
        current_session: &str,
    ) -> SessionInfo {
        SessionInfo {
            is_current: row.session_id == current_session,
            device: description.label,
            location: description.location,
            session_id: row.session_id,
            name: row.name,
            jti_prefix: row.jti_prefix,
            user_agent: row.user_agent,
            ip: row.ip,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            signed_in_at: row.signed_in_at,
            expires_at: row.expires_at,
            new_location: row.new_location,
        }
    }

    /// Signs out the caller's session named by `session`: its id (`ses_…`) or a prefix (4–64
    /// hex characters) of any of its token hashes (see `SessionRef`). Another user's session
    /// is indistinguishable from none at all.
    pub async fn revoke_session(
        &self,
        who: &Principal,
        session: &str,
        device: &DeviceContext,
    ) -> DomainResult<RevokedTarget> {
        let target = SessionRef::parse(session)?;
        self.limit(Door::PrefixGuessPerSession, &who.session_id)
            .await?;
        let by = RevokeBy::user(who, device, self.now());
        self.revoke_one(&who.user_id, &target, by).await
    }

    /// Signs out every session (`All`) or every other one (`Others`). Needs a recent sign-in.
    pub async fn revoke_sessions(
        &self,
        who: &Principal,
        scope: BulkScope,
        device: &DeviceContext,
    ) -> DomainResult<u64> {
        self.require_recent_auth(who)?;
        let by = RevokeBy::user(who, device, self.now());
        self.revoke_many(&who.user_id, scope, by).await
    }

    /// Signs the caller's own session out.
    pub async fn sign_out(&self, who: &Principal, device: &DeviceContext) -> DomainResult<()> {
        let now = self.now();
        let mut tx = self.0.store.begin().await?;
        if tx
            .end_session(&who.session_id, EndReason::SignedOut, now)
            .await?
        {
            let event = AuditEvent::sign_out(&who.user_id, &who.session_id, Some(device), now);
            tx.append_audit(&event).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Ends a session found expired on use; `false` if it had already ended (or never was).
    async fn expire_session(
        &self,
        session_id: &str,
        device: Option<&DeviceContext>,
        now: Timestamp,
    ) -> DomainResult<bool> {
        let mut tx = self.0.store.begin().await?;
        let Some(user_id) = tx.session_owner(session_id).await? else {
            return Ok(false);
        };
        let ended = tx.end_session(session_id, EndReason::Expired, now).await?;
        if ended {
            let event = AuditEvent::session_expired(&user_id, session_id, device, now);
            tx.append_audit(&event).await?;
        }
        tx.commit().await?;
        Ok(ended)
    }
}

//! The two answers to a new-sign-in email, given without signing in: "This wasn't me" signs
//! that device out (and then offers to sign out everywhere), "Yes, it was me" takes the "New
//! location" badge off it. The link is the only credential: signed (`alerts::link`), used
//! once, for 24 hours, and good only for its own session and account. Showing a link changes
//! nothing (mail scanners open links); only the page's buttons (POST) act.

use super::SessionService;
use crate::alerts::AlertKind;
use crate::alerts::email::{AlertItem, device_line};
use crate::alerts::link::LinkProblem;
use crate::audit::{Actor, AuditEvent, BulkScope, RevokedTarget};
use crate::error::DomainResult;
use crate::session::{DeviceContext, EndReason, SessionState};
use crate::store::{AlertLinkRow, Tx};
use crate::time::Timestamp;

/// What a link shows: the device it is about, and what was already done with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertLinkInfo {
    /// "Chrome on Windows · Hanover, DE · 30 Nov 2026, 10:42 UTC · IP 193.99.144.80".
    pub device: String,
    pub state: LinkState,
    /// The device's session is still signed in.
    pub session_live: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    Unused,
    /// "This wasn't me" was used; `everywhere`: and "Sign out everywhere" after it.
    NotMe {
        everywhere: bool,
    },
    WasMe,
}

/// A link's answer: done, or why it cannot be used.
pub type LinkResult<T> = DomainResult<Result<T, LinkProblem>>;

impl SessionService {
    /// The signed link `token` makes, for alert link `id` made at `created_at`.
    pub(crate) fn alert_link_token(&self, row_id: &str, created_at: crate::Timestamp) -> String {
        let expires_at = created_at.plus(crate::alerts::link::LINK_LIFETIME);
        self.0.links.token(row_id, expires_at)
    }

    /// The link's row, if `token` is one of ours and has not expired; reads only.
    async fn link_row(&self, token: &str) -> LinkResult<AlertLinkRow> {
        let now = self.now();
        let id = match self.0.links.verify(token, now) {
            Ok(id) => id,
            Err(problem) => return Ok(Err(problem)),
        };
        Ok(unexpired(self.0.store.alert_link(&id).await?, now))
    }

    /// The first step of every answer: the link `token` names, locked in a transaction of its
    /// own, if the token is one of ours and neither it nor its row has expired. The signature
    /// is checked before the transaction begins, so a made-up link costs no write lock.
    async fn open_link(&self, token: &str, now: Timestamp) -> LinkResult<(Tx, AlertLinkRow)> {
        let id = match self.0.links.verify(token, now) {
            Ok(id) => id,
            Err(problem) => return Ok(Err(problem)),
        };
        let mut tx = self.0.store.begin().await?;
        let row = tx.lock_alert_link(&id).await?;
        Ok(unexpired(row, now).map(|row| (tx, row)))
    }

    /// What the link at `token` is about and what was done with it. Changes nothing.
    pub async fn alert_link(&self, token: &str) -> LinkResult<AlertLinkInfo> {
        let row = match self.link_row(token).await? {
            Ok(row) => row,
            Err(problem) => return Ok(Err(problem)),
        };
        let seen = self.0.store.session_last_seen(&row.session_id).await?;
        let live = self
            .0
            .store
            .session_auth(&row.session_id)
            .await?
            .is_some_and(|s| {
                self.0.policy.session_state(&s.times(), self.now()) == SessionState::Active
            });
        let item = AlertItem {
            kind: AlertKind::NewSignIn,
            at: row.created_at,
            device: seen.as_ref().map_or_else(
                || "Unknown device".to_owned(),
                |seen| self.label_of(&seen.user_agent, seen.client_hints.as_deref()),
            ),
            place: seen.as_ref().and_then(|seen| self.place_of(&seen.ip)),
            ip: seen.map(|seen| seen.ip),
            count: None,
            links: None,
        };
        let state = match row.used_for.as_deref() {
            None => LinkState::Unused,
            Some("was_me") => LinkState::WasMe,
            Some(_) => LinkState::NotMe {
                everywhere: row.everywhere_at.is_some(),
            },
        };
        Ok(Ok(AlertLinkInfo {
            device: device_line(&item),
            state,
            session_live: live,
        }))
    }

    /// "This wasn't me": signs the link's session out, audited as reported. The link is used
    /// up even when the session had already ended (`SessionEnded`), so "Sign out
    /// everywhere" stays on offer.
    pub async fn report_not_me(&self, token: &str, device: &DeviceContext) -> LinkResult<()> {
        let now = self.now();
        let (mut tx, row) = match self.open_link(token, now).await? {
            Err(problem) => return Ok(Err(problem)),
            Ok((_, row)) if row.used_at.is_some() => return Ok(Err(LinkProblem::AlreadyUsed)),
            Ok(opened) => opened,
        };
        tx.use_alert_link(&row.id, "not_me", now).await?;
        let live = tx
            .live_session(&row.user_id, &row.session_id, &self.0.policy, now)
            .await?
            .is_some();
        if !live {
            tx.commit().await?;
            return Ok(Err(LinkProblem::SessionEnded));
        }
        let latest = tx.latest_token(&row.session_id).await?;
        tx.end_session(&row.session_id, EndReason::Reported, now)
            .await?;
        let target = RevokedTarget {
            session_id: row.session_id.clone(),
            jti_prefix: latest.jti_prefix,
            user_agent: latest.user_agent,
            ip: latest.ip,
        };
        let event = AuditEvent::session_reported(&row.user_id, &target, Some(device), now);
        tx.append_audit(&event).await?;
        tx.commit().await?;
        tracing::info!(user_id = %row.user_id, "session reported from an alert email and signed out");
        Ok(Ok(()))
    }

    /// "Sign out everywhere", offered once after "This wasn't me" (or when that device had
    /// already gone): every session of the account ends. How many did.
    pub async fn sign_out_everywhere_by_link(
        &self,
        token: &str,
        device: &DeviceContext,
    ) -> LinkResult<u64> {
        let now = self.now();
        let (mut tx, row) = match self.open_link(token, now).await? {
            Err(problem) => return Ok(Err(problem)),
            Ok((_, row))
                if row.used_for.as_deref() == Some("was_me") || row.everywhere_at.is_some() =>
            {
                return Ok(Err(LinkProblem::AlreadyUsed));
            }
            Ok(opened) => opened,
        };
        if row.used_at.is_none() {
            tx.use_alert_link(&row.id, "not_me", now).await?;
        }
        tx.use_alert_link_everywhere(&row.id, now).await?;
        // One transaction for the link and the sign-out: both happen, or neither.
        let count = tx
            .end_live_sessions(&row.user_id, None, EndReason::Reported, &self.0.policy, now)
            .await?;
        let event = AuditEvent::sessions_revoked(
            BulkScope::All,
            Actor::User,
            &row.user_id,
            None,
            count,
            Some(device),
            now,
        );
        tx.append_audit(&event).await?;
        tx.commit().await?;
        Ok(Ok(count))
    }

    /// "Yes, it was me": the session keeps its sign-in but loses its "New location" badge.
    /// For a session that has ended there is nothing to confirm (`SessionEnded`).
    pub async fn confirm_was_me(&self, token: &str) -> LinkResult<()> {
        let now = self.now();
        let (mut tx, row) = match self.open_link(token, now).await? {
            Err(problem) => return Ok(Err(problem)),
            Ok((_, row)) if row.used_at.is_some() => return Ok(Err(LinkProblem::AlreadyUsed)),
            Ok(opened) => opened,
        };
        let live = tx
            .live_session(&row.user_id, &row.session_id, &self.0.policy, now)
            .await?
            .is_some();
        if !live {
            return Ok(Err(LinkProblem::SessionEnded));
        }
        tx.use_alert_link(&row.id, "was_me", now).await?;
        tx.clear_new_location(&row.session_id).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }
}

/// A link row that exists and has not expired at `now`, or why not.
fn unexpired(row: Option<AlertLinkRow>, now: Timestamp) -> Result<AlertLinkRow, LinkProblem> {
    match row {
        None => Err(LinkProblem::Invalid),
        Some(row) if row.expires_at <= now => Err(LinkProblem::Expired),
        Some(row) => Ok(row),
    }
}

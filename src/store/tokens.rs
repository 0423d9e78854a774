//! The `refresh_tokens` table: one row per token ever minted, by hash. At most one per session
//! is live (a partial unique index says so); rotation revokes the presented one as `rotated`
//! before it inserts the successor.

use super::{Store, Tx};
use crate::error::DomainResult;
use crate::rotation::{PresentedToken, ROTATED};
use crate::session::{DeviceContext, DeviceDescription, EndReason};
use crate::time::Timestamp;
use crate::token::TokenHash;

/// Whose a refresh token is. A token's session never changes, so this can be read before
/// the rotation transaction.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TokenOwner {
    pub session_id: String,
    pub user_id: String,
}

/// A token to mint, stamped with the device it is handed to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NewToken<'a> {
    pub token: &'a TokenHash,
    pub session_id: &'a str,
    pub user_id: &'a str,
    pub device: &'a DeviceContext,
    /// The device's label and place, stored beside the raw facts; `None` leaves them to be
    /// worked out when the session is listed.
    pub description: Option<&'a DeviceDescription>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub signed_in_at: Timestamp,
}

#[derive(Debug, sqlx::FromRow)]
struct PresentedTokenRow {
    expires_at: Timestamp,
    revoked_at: Option<Timestamp>,
    revoked_reason: Option<String>,
    replaced_by: Option<String>,
}

/// The newest token of a session (its live one, if any), as the audit trail names it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct LatestTokenRow {
    pub jti_prefix: String,
    pub user_agent: String,
    pub ip: String,
    /// The User-Agent Client Hints it was issued with (JSON), for the device's label.
    pub client_hints: Option<String>,
}

/// A session's newest token, live ones first: the device as it was last seen.
const LATEST_TOKEN: &str = "SELECT jti_prefix, user_agent, ip, client_hints FROM refresh_tokens \
                            WHERE session_id = $1 \
                            ORDER BY (revoked_at IS NULL) DESC, created_at DESC LIMIT 1";

impl Store {
    /// The session's newest token, read outside any transaction (`None`: no such session).
    pub(crate) async fn session_last_seen(
        &self,
        session_id: &str,
    ) -> DomainResult<Option<LatestTokenRow>> {
        Ok(self
            .reader()
            .fetch_optional(LATEST_TOKEN, &[session_id.into()])
            .await?)
    }

    pub async fn token_owner(&self, token: &TokenHash) -> DomainResult<Option<TokenOwner>> {
        Ok(self
            .reader()
            .fetch_optional(
                "SELECT session_id, user_id FROM refresh_tokens WHERE jti_hash = $1",
                &[token.as_str().into()],
            )
            .await?)
    }
}

impl Tx {
    pub(crate) async fn insert_token(&mut self, new: &NewToken<'_>) -> DomainResult<()> {
        let hints = new.device.client_hints.to_json();
        let (device, location) = new.description.map(DeviceDescription::to_columns).unzip();
        self.execute(
            "INSERT INTO refresh_tokens (jti_hash, jti_prefix, session_id, user_id, user_agent, ip, \
                                         client_hints, created_at, last_used_at, expires_at, \
                                         signed_in_at, device, location) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $11, $12)",
            &[
                new.token.as_str().into(),
                new.token.prefix().into(),
                new.session_id.into(),
                new.user_id.into(),
                (&new.device.user_agent).into(),
                (&new.device.ip).into(),
                hints.as_deref().into(),
                new.created_at.into(),
                new.expires_at.into(),
                new.signed_in_at.into(),
                device.as_deref().into(),
                location.flatten().as_deref().into(),
            ],
        )
        .await?;
        Ok(())
    }

    /// Marks `presented` rotated into `successor`, if it is still live and unexpired; `false`
    /// when it was not (then the rotation flow reads it to decide why).
    pub(crate) async fn supersede_token(
        &mut self,
        presented: &TokenHash,
        successor: &TokenHash,
        now: Timestamp,
    ) -> DomainResult<bool> {
        let rotated: Option<(String,)> = self
            .fetch_optional(
                "UPDATE refresh_tokens \
                 SET revoked_at = $1, revoked_reason = $2, replaced_by = $3, last_used_at = $1 \
                 WHERE jti_hash = $4 AND revoked_at IS NULL AND expires_at > $1 \
                 RETURNING jti_prefix",
                &[
                    now.into(),
                    ROTATED.into(),
                    successor.as_str().into(),
                    presented.as_str().into(),
                ],
            )
            .await?;
        Ok(rotated.is_some())
    }

    /// The presented token as it stands.
    pub(crate) async fn presented_token(
        &mut self,
        token: &TokenHash,
    ) -> DomainResult<PresentedToken> {
        let row: PresentedTokenRow = self
            .fetch_one(
                "SELECT expires_at, revoked_at, revoked_reason, replaced_by \
                 FROM refresh_tokens WHERE jti_hash = $1",
                &[token.as_str().into()],
            )
            .await?;
        Ok(PresentedToken {
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
            revoked_reason: row.revoked_reason,
            replaced_by: row.replaced_by,
        })
    }

    /// The user agent `token` was minted for, if it is live.
    pub(crate) async fn live_token_user_agent(
        &mut self,
        token: &TokenHash,
    ) -> DomainResult<Option<String>> {
        let row: Option<(String,)> = self
            .fetch_optional(
                "SELECT user_agent FROM refresh_tokens WHERE jti_hash = $1 AND revoked_at IS NULL",
                &[token.as_str().into()],
            )
            .await?;
        Ok(row.map(|(agent,)| agent))
    }

    /// The session's newest token, live ones first.
    pub(crate) async fn latest_token(&mut self, session_id: &str) -> DomainResult<LatestTokenRow> {
        Ok(self.fetch_one(LATEST_TOKEN, &[session_id.into()]).await?)
    }

    /// Revokes the session's live tokens (part of ending the session).
    pub(super) async fn revoke_session_tokens(
        &mut self,
        session_id: &str,
        reason: EndReason,
        now: Timestamp,
    ) -> DomainResult<()> {
        self.execute(
            "UPDATE refresh_tokens SET revoked_at = $1, revoked_reason = $2 \
             WHERE session_id = $3 AND revoked_at IS NULL",
            &[now.into(), reason.as_str().into(), session_id.into()],
        )
        .await?;
        Ok(())
    }
}

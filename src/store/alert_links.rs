//! The `alert_links` table: the links in a new-sign-in email ("This wasn't me", "Yes, it was
//! me"), one row per alert, written with the email's outbox row and used once (see
//! `crate::alerts::link` for the signed token that names a row).

use std::sync::LazyLock;

use super::db::LockingSelect;
use super::{Store, Tx};
use crate::alerts::link::LINK_LIFETIME;
use crate::error::DomainResult;
use crate::time::Timestamp;
use crate::token::random_id;

/// An alert email's links, as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AlertLinkRow {
    pub id: String,
    pub user_id: String,
    pub session_id: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// `not_me` or `was_me`, once used.
    pub used_for: Option<String>,
    pub used_at: Option<Timestamp>,
    pub everywhere_at: Option<Timestamp>,
}

const ALERT_LINK: &str = "SELECT id, user_id, session_id, created_at, expires_at, used_for, \
                                 used_at, everywhere_at \
                          FROM alert_links WHERE id = $1";
static LOCK_ALERT_LINK: LazyLock<LockingSelect> = LazyLock::new(|| LockingSelect::new(ALERT_LINK));

impl Tx {
    /// Takes the "New location" badge off the session: its owner said it was them.
    pub(crate) async fn clear_new_location(&mut self, session_id: &str) -> DomainResult<()> {
        self.execute(
            "UPDATE sessions SET new_location = $1 WHERE id = $2",
            &[false.into(), session_id.into()],
        )
        .await?;
        Ok(())
    }

    /// A link for an alert about `session_id` of `user_id`, valid from `now` for a day; its id.
    pub(crate) async fn add_alert_link(
        &mut self,
        user_id: &str,
        session_id: &str,
        now: Timestamp,
    ) -> DomainResult<String> {
        let link_id = random_id()?;
        self.execute(
            "INSERT INTO alert_links (id, user_id, session_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
            &[
                (&link_id).into(),
                user_id.into(),
                session_id.into(),
                now.into(),
                now.plus(LINK_LIFETIME).into(),
            ],
        )
        .await?;
        Ok(link_id)
    }

    /// The alert link `id`, locked for the rest of this transaction.
    pub(crate) async fn lock_alert_link(&mut self, id: &str) -> DomainResult<Option<AlertLinkRow>> {
        Ok(self
            .fetch_optional_locked(&LOCK_ALERT_LINK, &[id.into()])
            .await?)
    }

    /// Marks the link used, for `not_me` or `was_me`; `false` if it already was.
    pub(crate) async fn use_alert_link(
        &mut self,
        id: &str,
        used_for: &str,
        now: Timestamp,
    ) -> DomainResult<bool> {
        let changed = self
            .execute(
                "UPDATE alert_links SET used_for = $1, used_at = $2 WHERE id = $3 AND used_at IS NULL",
                &[used_for.into(), now.into(), id.into()],
            )
            .await?;
        Ok(changed == 1)
    }

    /// Records that the link's "Sign out everywhere" was used; `false` if it already was.
    pub(crate) async fn use_alert_link_everywhere(
        &mut self,
        id: &str,
        now: Timestamp,
    ) -> DomainResult<bool> {
        let changed = self
            .execute(
                "UPDATE alert_links SET everywhere_at = $1 \
                 WHERE id = $2 AND used_for = 'not_me' AND everywhere_at IS NULL",
                &[now.into(), id.into()],
            )
            .await?;
        Ok(changed == 1)
    }
}

impl Store {
    /// The alert link `id`, if there is one.
    pub(crate) async fn alert_link(&self, id: &str) -> DomainResult<Option<AlertLinkRow>> {
        Ok(self
            .reader()
            .fetch_optional(ALERT_LINK, &[id.into()])
            .await?)
    }
}

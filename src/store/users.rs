//! The `users` table: accounts and their password hashes.

use std::sync::LazyLock;

use super::db::LockingSelect;
use super::{Store, Tx};
use crate::audit::AuditEvent;
use crate::error::{DomainError, DomainResult};
use crate::time::Timestamp;

/// A new account. (`Debug` leaves the password hash out: hashes are never logged.)
#[derive(Clone)]
pub struct NewUser {
    pub id: String,
    pub email: String,
    pub email_normalized: String,
    pub password_hash: String,
    pub created_at: Timestamp,
}

#[derive(Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub created_at: Timestamp,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("id", &self.id)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Inserts the account and its `account_created` event; `EmailTaken` if the email is.
    pub async fn create_user(&self, user: &NewUser, event: &AuditEvent) -> DomainResult<()> {
        let mut tx = self.begin().await?;
        let inserted = tx
            .execute(
                "INSERT INTO users (id, email, email_normalized, password_hash, created_at, \
                                    password_changed_at) \
                 VALUES ($1, $2, $3, $4, $5, $5)",
                &[
                    (&user.id).into(),
                    (&user.email).into(),
                    (&user.email_normalized).into(),
                    (&user.password_hash).into(),
                    user.created_at.into(),
                ],
            )
            .await;
        match inserted {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(DomainError::EmailTaken);
            }
            other => {
                other?;
            }
        }
        tx.append_audit(event).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn find_user_by_email(
        &self,
        email_normalized: &str,
    ) -> DomainResult<Option<UserRow>> {
        Ok(self
            .reader()
            .fetch_optional(
                "SELECT id, email, password_hash, created_at FROM users WHERE email_normalized = $1",
                &[email_normalized.into()],
            )
            .await?)
    }

    pub async fn find_user(&self, user_id: &str) -> DomainResult<Option<UserRow>> {
        Ok(self
            .reader()
            .fetch_optional(
                "SELECT id, email, password_hash, created_at FROM users WHERE id = $1",
                &[user_id.into()],
            )
            .await?)
    }
}

impl Tx {
    /// The account's password hash, its row locked until the transaction ends (PostgreSQL;
    /// SQLite's writer is already exclusive), so a sign-in and a password change are ordered.
    pub(crate) async fn lock_password_hash(
        &mut self,
        user_id: &str,
    ) -> DomainResult<Option<String>> {
        static LOCK_PASSWORD_HASH: LazyLock<LockingSelect> =
            LazyLock::new(|| LockingSelect::new("SELECT password_hash FROM users WHERE id = $1"));
        let row: Option<(String,)> = self
            .fetch_optional_locked(&LOCK_PASSWORD_HASH, &[user_id.into()])
            .await?;
        Ok(row.map(|(hash,)| hash))
    }

    pub(crate) async fn set_password(
        &mut self,
        user_id: &str,
        password_hash: &str,
        now: Timestamp,
    ) -> DomainResult<()> {
        self.execute(
            "UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3",
            &[password_hash.into(), now.into(), user_id.into()],
        )
        .await?;
        Ok(())
    }
}

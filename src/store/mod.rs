//! Persistence: the `Store` chosen from the database URL, SQLite or PostgreSQL, with one set
//! of SQL statements for both (see `sql.rs`) and the row types they read and write.

mod hygiene;
mod migrate;
mod postgres;
mod shared_limit;
mod sql;
mod sqlite;
mod timestamp;

use std::time::Duration;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use crate::audit::{Actor, AuditEvent, AuditRecord, BulkScope, RevokedTarget};
use crate::error::{DomainError, DomainResult, TokenRejection};
use crate::policy::Policy;
use crate::rate_limit::Rate;
use crate::session::{DeviceContext, EndReason};
use crate::time::Timestamp;
use crate::token::{JtiPrefix, TokenHash};

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Connections for PostgreSQL, or readers beside SQLite's single writer.
    pub max_connections: u32,
    /// How long a request waits for a connection before it is answered 503.
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(3),
        }
    }
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: String,
    pub email: String,
    pub email_normalized: String,
    pub password_hash: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub created_at: Timestamp,
}

/// A sign-in to record: the session and its first refresh token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub session_id: String,
    pub user_id: String,
    pub token: TokenHash,
    pub device: DeviceContext,
    pub signed_in_at: Timestamp,
    pub expires_at: Timestamp,
    pub new_location: bool,
    /// The password hash the sign-in verified against. The session is refused (as
    /// `InvalidCredentials`) unless it is still the account's when the session is written.
    pub verified_password_hash: String,
}

/// A refresh to carry out atomically.
#[derive(Debug, Clone)]
pub struct RefreshRequest<'a> {
    pub presented: &'a TokenHash,
    /// The session the presented token belongs to (see `Store::token_owner`).
    pub session_id: &'a str,
    /// The successor the server derived from the presented raw token.
    pub successor: &'a TokenHash,
    pub device: &'a DeviceContext,
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

/// Whose a refresh token is. A token's session never changes, so this can be read before
/// the rotation transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenOwner {
    pub session_id: String,
    pub user_id: String,
}

/// What an authenticated request needs to know about its session.
#[derive(Debug, Clone)]
pub struct SessionAuthRow {
    pub user_id: String,
    pub signed_in_at: Timestamp,
    pub last_used_at: Timestamp,
    pub reauthenticated_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// One live session with its current refresh token.
#[derive(Debug, Clone)]
pub struct LiveSessionRow {
    pub session_id: String,
    pub user_id: String,
    pub jti_prefix: String,
    pub user_agent: String,
    pub ip: String,
    pub client_hints: Option<String>,
    pub created_at: Timestamp,
    pub last_used_at: Timestamp,
    pub signed_in_at: Timestamp,
    pub expires_at: Timestamp,
    pub new_location: bool,
}

/// Who revokes, from where, and why: the audit trail's side of a revoke.
#[derive(Debug, Clone, Copy)]
pub struct RevokeBy<'a> {
    pub actor: Actor,
    pub acting_session: Option<&'a str>,
    pub device: Option<&'a DeviceContext>,
    pub reason: EndReason,
    pub now: Timestamp,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PruneReport {
    pub tokens: u64,
    pub sessions: u64,
    pub audit_events: u64,
}

/// Invariants `signedin check` verifies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsistencyReport {
    pub sessions: u64,
    pub live_tokens: u64,
    /// Sessions with more than one live refresh token (must be none).
    pub sessions_with_several_live_tokens: Vec<String>,
    /// Revoked sessions that still have a live refresh token (must be none).
    pub revoked_sessions_with_live_tokens: Vec<String>,
    /// Sessions still live by the policy with no live refresh token: a sign-in or a rotation
    /// written in half (must be none).
    pub live_sessions_without_live_token: Vec<String>,
    /// Sessions named by refresh tokens that do not exist (must be none).
    pub tokens_without_session: Vec<String>,
}

impl ConsistencyReport {
    pub fn is_consistent(&self) -> bool {
        self.sessions_with_several_live_tokens.is_empty()
            && self.revoked_sessions_with_live_tokens.is_empty()
            && self.live_sessions_without_live_token.is_empty()
            && self.tokens_without_session.is_empty()
    }
}

/// The session store: SQLite (embedded default) or PostgreSQL (several server nodes).
#[derive(Debug, Clone)]
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl Store {
    /// Connects to `url` (`sqlite://path` or `postgres://…`) and applies pending migrations.
    pub async fn connect(url: &str, options: &StoreOptions) -> DomainResult<Self> {
        let store = if url.starts_with("sqlite:") {
            Store::Sqlite(SqliteStore::connect(url, options).await?)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Store::Postgres(PgStore::connect(url, options).await?)
        } else {
            return Err(DomainError::invalid(
                "DATABASE_URL",
                "must start with sqlite:// or postgres://",
            ));
        };
        store.migrate().await?;
        Ok(store)
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    pub async fn migrate(&self) -> DomainResult<()> {
        match self {
            Store::Sqlite(s) => migrate::run_sqlite(s.writer()).await,
            Store::Postgres(s) => migrate::run_postgres(s.pool()).await,
        }
    }

    /// Takes a token from a budget shared by every node on this database: `None` on SQLite,
    /// whose single node the in-process limiter already covers exactly.
    pub async fn take_shared_token(
        &self,
        door: &str,
        key: &str,
        rate: Rate,
        now: Timestamp,
    ) -> DomainResult<Option<Result<(), Duration>>> {
        match self {
            Store::Sqlite(_) => Ok(None),
            Store::Postgres(s) => shared_limit::take(s.pool(), door, key, rate, now)
                .await
                .map(Some),
        }
    }

    /// Gives back a token `take_shared_token` took.
    pub async fn refund_shared_token(&self, door: &str, key: &str, rate: Rate) -> DomainResult<()> {
        match self {
            Store::Sqlite(_) => Ok(()),
            Store::Postgres(s) => shared_limit::refund(s.pool(), door, key, rate).await,
        }
    }

    /// Forgets shared buckets long unused; how many.
    pub async fn prune_shared_tokens(&self, now: Timestamp) -> DomainResult<u64> {
        match self {
            Store::Sqlite(_) => Ok(0),
            Store::Postgres(s) => shared_limit::prune(s.pool(), now).await,
        }
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite(s) => s.close().await,
            Store::Postgres(s) => s.pool().close().await,
        }
    }
}

/// `Store::method(args)` → the same method on whichever backend this is.
macro_rules! delegate {
    ($(
        $(#[$doc:meta])*
        pub async fn $name:ident(&self $(, $arg:ident : $ty:ty)* $(,)?) -> $ret:ty;
    )*) => {
        #[allow(clippy::too_many_arguments)]
        impl Store {
            $(
                $(#[$doc])*
                pub async fn $name(&self $(, $arg: $ty)*) -> $ret {
                    match self {
                        Store::Sqlite(s) => s.$name($($arg),*).await,
                        Store::Postgres(s) => s.$name($($arg),*).await,
                    }
                }
            )*
        }
    };
}

delegate! {
    /// The database answers.
    pub async fn ping(&self) -> DomainResult<()>;
    /// The shared signing secret: `candidate` is stored if none is yet; the stored one wins.
    pub async fn server_secret(&self, candidate: &str, now: Timestamp) -> DomainResult<String>;
    /// Inserts the account and its `account_created` event; `EmailTaken` if the email is.
    pub async fn create_user(&self, user: &NewUser, event: &AuditEvent) -> DomainResult<()>;
    pub async fn find_user_by_email(&self, email_normalized: &str) -> DomainResult<Option<UserRow>>;
    pub async fn find_user(&self, user_id: &str) -> DomainResult<Option<UserRow>>;
    /// Sets a new password hash, optionally signing out every other session, audited.
    pub async fn change_password(
        &self,
        user_id: &str,
        password_hash: &str,
        keep_session: &str,
        sign_out_others: bool,
        device: Option<&DeviceContext>,
        policy: &Policy,
        now: Timestamp,
    ) -> DomainResult<u64>;
    /// Records a sign-in: the session, its first refresh token and the audit event.
    pub async fn create_session(&self, session: &NewSession, event: &AuditEvent) -> DomainResult<()>;
    pub async fn token_owner(&self, token: &TokenHash) -> DomainResult<Option<TokenOwner>>;
    /// Rotates a refresh token in one transaction (see `rotation.rs` for every branch).
    pub async fn refresh(&self, request: RefreshRequest<'_>) -> DomainResult<RefreshOutcome>;
    pub async fn session_auth(&self, session_id: &str) -> DomainResult<Option<SessionAuthRow>>;
    /// Ends a session found expired on use; `false` if it had already ended.
    pub async fn expire_session(&self, session_id: &str, device: Option<&DeviceContext>, now: Timestamp) -> DomainResult<bool>;
    pub async fn list_live_sessions(&self, user_id: &str, policy: &Policy, now: Timestamp) -> DomainResult<Vec<LiveSessionRow>>;
    /// Signs one of the user's sessions out, named by a prefix of any of its token hashes.
    pub async fn revoke_by_prefix(&self, user_id: &str, prefix: &JtiPrefix, by: RevokeBy<'_>, policy: &Policy) -> DomainResult<RevokedTarget>;
    /// Signs the caller's own session out (logout); `false` if it had already ended.
    pub async fn sign_out(&self, user_id: &str, session_id: &str, device: Option<&DeviceContext>, now: Timestamp) -> DomainResult<bool>;
    /// Signs out every live session of the user (`All`) or every one but the acting session
    /// (`Others`), audited as one event.
    pub async fn revoke_sessions(&self, user_id: &str, scope: BulkScope, by: RevokeBy<'_>, policy: &Policy) -> DomainResult<u64>;
    /// Every user with at least one session not yet revoked.
    pub async fn users_with_live_sessions(&self) -> DomainResult<Vec<String>>;
    pub async fn mark_reauthenticated(&self, session_id: &str, event: &AuditEvent) -> DomainResult<()>;
    pub async fn append_audit(&self, event: &AuditEvent) -> DomainResult<()>;
    /// The user's audit events, newest first, with ids below `before`.
    pub async fn security_events(&self, user_id: &str, before: i64, limit: i64) -> DomainResult<Vec<AuditRecord>>;
    /// Sign-in events since `since`, newest first, for the new-location check.
    pub async fn sign_ins_since(&self, user_id: &str, since: Timestamp) -> DomainResult<Vec<AuditRecord>>;
    pub async fn prune(&self, policy: &Policy, now: Timestamp) -> DomainResult<PruneReport>;
    pub async fn check_consistency(&self, policy: &Policy, now: Timestamp) -> DomainResult<ConsistencyReport>;
}

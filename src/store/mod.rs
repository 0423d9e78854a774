//! Persistence: the `Store` chosen from the database URL, SQLite or PostgreSQL, with one set
//! of SQL statements for both.
//!
//! - `db.rs`: the dispatch every statement goes through (pools, transactions, parameters,
//!   and the two dialect differences);
//! - `users.rs`, `sessions.rs`, `tokens.rs`, `audit.rs`: the statements per table, as
//!   methods of `Store` (one-statement reads and whole small writes) and of `Tx` (steps of a
//!   larger change that the domain drives and commits once, such as a rotation);
//! - `session_list.rs`: a user's live sessions as the devices list reads them (whole or a
//!   page at a time), and the session cap;
//! - `auth_lookups.rs`: the session lookup of every authenticated request, batched;
//! - `maintenance.rs`: the signing secret, pruning and the consistency check;
//! - `signing_keys.rs`: the ids and lifetimes of asymmetric access-token keys;
//! - `outbox.rs`: alert emails and webhooks written with the change that causes them, claimed
//!   by one node at a time; `alert_links.rs`: the links in alert emails;
//! - `shared_limit.rs`: rate-limit buckets shared by every node on PostgreSQL;
//! - `notify.rs`: committed changes announced to listeners (in process on SQLite, through
//!   `LISTEN`/`NOTIFY` on PostgreSQL);
//! - `sqlite.rs`, `postgres.rs`: connecting; `hygiene.rs`: no pooled connection is handed out
//!   inside a transaction; `migrate.rs`, `timestamp.rs`: schema and time columns.

mod alert_links;
mod audit;
mod auth_lookups;
mod db;
mod hygiene;
#[cfg(test)]
mod live_tests;
mod maintenance;
mod migrate;
mod notify;
mod outbox;
mod postgres;
mod session_list;
mod sessions;
mod shared_limit;
mod signing_keys;
mod sqlite;
mod timestamp;
mod tokens;
mod users;

use std::time::Duration;

pub use alert_links::AlertLinkRow;
pub(crate) use db::Tx;
pub use maintenance::{ConsistencyReport, PruneReport};
pub use notify::Notice;
pub(crate) use outbox::ClaimOf;
pub use outbox::{OutboxEntry, OutboxRow};
pub use postgres::PgStore;
pub use session_list::{LiveSessionPage, LiveSessionRow};
pub(crate) use sessions::SessionLockRow;
pub use sessions::{NewSession, SessionAuthRow};
pub use signing_keys::SigningKeyRow;
pub use sqlite::SqliteStore;
pub(crate) use tokens::NewToken;
pub use tokens::TokenOwner;
pub use users::{NewUser, UserRow};

use crate::error::{DomainError, DomainResult};
use crate::rate_limit::Rate;
use crate::time::Timestamp;

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

    pub(crate) async fn migrate(&self) -> DomainResult<()> {
        match self {
            Store::Sqlite(s) => migrate::run_sqlite(s.writer()).await,
            Store::Postgres(s) => migrate::run_postgres(s.pool()).await,
        }
    }

    /// The database answers.
    pub async fn ping(&self) -> DomainResult<()> {
        self.reader().execute("SELECT 1", &[]).await?;
        Ok(())
    }

    /// Takes a token from a budget shared by every node on this database: `None` on SQLite,
    /// whose single node the in-process limiter already covers exactly.
    pub(crate) async fn take_shared_token(
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
    pub(crate) async fn refund_shared_token(
        &self,
        door: &str,
        key: &str,
        rate: Rate,
    ) -> DomainResult<()> {
        match self {
            Store::Sqlite(_) => Ok(()),
            Store::Postgres(s) => shared_limit::refund(s.pool(), door, key, rate).await,
        }
    }

    /// Forgets shared buckets long unused; how many.
    pub(crate) async fn prune_shared_tokens(&self, now: Timestamp) -> DomainResult<u64> {
        match self {
            Store::Sqlite(_) => Ok(0),
            Store::Postgres(s) => shared_limit::prune(s.pool(), now).await,
        }
    }

    /// This node's notices of committed changes, from now on. On PostgreSQL they flow only
    /// while a listener runs ([`Store::spawn_listener`]).
    pub fn notices(&self) -> tokio::sync::broadcast::Receiver<Notice> {
        self.bus().subscribe()
    }

    /// On PostgreSQL, starts this node's one `LISTEN` connection, which puts every node's
    /// committed changes on this node's notices; on SQLite (one node) there is nothing to
    /// listen to.
    pub fn spawn_listener(&self) -> Option<tokio::task::JoinHandle<()>> {
        match self {
            Store::Sqlite(_) => None,
            Store::Postgres(s) => {
                Some(notify::spawn_pg_listener(s.pool().clone(), s.bus().clone()))
            }
        }
    }

    /// Each pool's connections for the metrics: (`reader`/`writer`/`postgres`, open, idle,
    /// most allowed).
    pub fn pool_stats(&self) -> Vec<(&'static str, u32, u32, u32)> {
        let sqlite = |name, pool: &sqlx::SqlitePool| {
            let idle = u32::try_from(pool.num_idle()).unwrap_or(u32::MAX);
            (
                name,
                pool.size(),
                idle,
                pool.options().get_max_connections(),
            )
        };
        match self {
            Store::Sqlite(s) => vec![sqlite("reader", s.reader()), sqlite("writer", s.writer())],
            Store::Postgres(s) => {
                let pool = s.pool();
                let idle = u32::try_from(pool.num_idle()).unwrap_or(u32::MAX);
                vec![(
                    "postgres",
                    pool.size(),
                    idle,
                    pool.options().get_max_connections(),
                )]
            }
        }
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite(s) => s.close().await,
            Store::Postgres(s) => s.pool().close().await,
        }
    }
}

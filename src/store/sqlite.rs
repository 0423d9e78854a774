//! `SqliteStore`: one file under `data/`, written through a single connection (SQLite has
//! one writer at a time; queuing in our pool beats contending for its lock) and read through
//! a small pool of readers, in WAL mode so reads never wait for the writer.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::StoreOptions;
use super::auth_lookups::AuthLookups;
use super::notify::Bus;
use super::outbox::OutboxWiring;
use crate::error::{DomainError, DomainResult};

#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    bus: Bus,
    outbox: OutboxWiring,
    auth_lookups: AuthLookups,
}

impl SqliteStore {
    pub async fn connect(url: &str, options: &StoreOptions) -> DomainResult<Self> {
        let connect = SqliteConnectOptions::from_str(url)
            .map_err(|e| DomainError::invalid("DATABASE_URL", e.to_string()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        if let Some(dir) = connect.get_filename().parent()
            && !dir.as_os_str().is_empty()
            && !Path::new(dir).exists()
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                DomainError::invalid(
                    "DATABASE_URL",
                    format!("cannot create {}: {e}", dir.display()),
                )
            })?;
        }
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(options.acquire_timeout)
            .test_before_acquire(false)
            .before_acquire(super::hygiene::reject_open_transaction::<sqlx::Sqlite>)
            .connect_with(connect.clone())
            .await?;
        // Reads are short point and index lookups; on a few cores four connections keep the
        // CPUs busy, and every connection beyond that only adds its own page cache to RSS.
        let reader = SqlitePoolOptions::new()
            .max_connections(options.max_connections.clamp(1, 4))
            .acquire_timeout(options.acquire_timeout)
            .test_before_acquire(false)
            .before_acquire(super::hygiene::reject_open_transaction::<sqlx::Sqlite>)
            .connect_with(connect)
            .await?;
        Ok(Self {
            writer,
            reader,
            bus: Bus::new(),
            outbox: OutboxWiring::default(),
            auth_lookups: AuthLookups::default(),
        })
    }

    pub fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    pub fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    pub(crate) fn bus(&self) -> &Bus {
        &self.bus
    }

    pub(crate) fn outbox(&self) -> &OutboxWiring {
        &self.outbox
    }

    pub(crate) fn auth_lookups(&self) -> &AuthLookups {
        &self.auth_lookups
    }

    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}

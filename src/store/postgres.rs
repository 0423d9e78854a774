//! `PgStore`: PostgreSQL for several stateless server nodes sharing one database.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use super::StoreOptions;
use super::auth_lookups::AuthLookups;
use super::notify::Bus;
use super::outbox::OutboxWiring;
use crate::error::DomainResult;

#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    bus: Bus,
    outbox: OutboxWiring,
    auth_lookups: AuthLookups,
}

impl PgStore {
    pub async fn connect(url: &str, options: &StoreOptions) -> DomainResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.acquire_timeout)
            // The pool already pings a connection when it comes back; a second ping on the
            // way out costs a fifth of a point lookup.
            .test_before_acquire(false)
            .before_acquire(super::hygiene::reject_open_transaction::<sqlx::Postgres>)
            .idle_timeout(Duration::from_secs(300))
            .connect(url)
            .await?;
        Ok(Self {
            pool,
            bus: Bus::new(),
            outbox: OutboxWiring::default(),
            auth_lookups: AuthLookups::default(),
        })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
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
}

//! Schema migrations, compiled into the binary: `migrations/sqlite` and `migrations/postgres`
//! hold the same numbered steps in each dialect. Applied migrations are never edited.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{PgPool, SqlitePool};

use crate::error::{DomainError, DomainResult};

const SQLITE: &[(i64, &str, &str)] = &[
    (
        1,
        "sessions",
        include_str!("../../migrations/sqlite/0001_sessions.sql"),
    ),
    (
        2,
        "one live token per session",
        include_str!("../../migrations/sqlite/0002_one_live_token_per_session.sql"),
    ),
    (
        3,
        "shared rate limits",
        include_str!("../../migrations/sqlite/0003_shared_rate_limits.sql"),
    ),
    (
        4,
        "session names",
        include_str!("../../migrations/sqlite/0004_session_names.sql"),
    ),
    (
        5,
        "signing keys",
        include_str!("../../migrations/sqlite/0005_signing_keys.sql"),
    ),
    (
        6,
        "outbox",
        include_str!("../../migrations/sqlite/0006_outbox.sql"),
    ),
    (
        7,
        "described devices",
        include_str!("../../migrations/sqlite/0007_described_devices.sql"),
    ),
];

const POSTGRES: &[(i64, &str, &str)] = &[
    (
        1,
        "sessions",
        include_str!("../../migrations/postgres/0001_sessions.sql"),
    ),
    (
        2,
        "one live token per session",
        include_str!("../../migrations/postgres/0002_one_live_token_per_session.sql"),
    ),
    (
        3,
        "shared rate limits",
        include_str!("../../migrations/postgres/0003_shared_rate_limits.sql"),
    ),
    (
        4,
        "session names",
        include_str!("../../migrations/postgres/0004_session_names.sql"),
    ),
    (
        5,
        "signing keys",
        include_str!("../../migrations/postgres/0005_signing_keys.sql"),
    ),
    (
        6,
        "outbox",
        include_str!("../../migrations/postgres/0006_outbox.sql"),
    ),
    (
        7,
        "described devices",
        include_str!("../../migrations/postgres/0007_described_devices.sql"),
    ),
];

fn migrator(steps: &'static [(i64, &'static str, &'static str)]) -> Migrator {
    let migrations = steps
        .iter()
        .map(|&(version, description, sql)| {
            Migration::new(
                version,
                Cow::Borrowed(description),
                MigrationType::Simple,
                Cow::Borrowed(sql),
                false,
            )
        })
        .collect::<Vec<_>>();
    Migrator {
        migrations: Cow::Owned(migrations),
        ..Migrator::DEFAULT
    }
}

fn failed(error: sqlx::migrate::MigrateError) -> DomainError {
    match error {
        sqlx::migrate::MigrateError::Execute(e) => DomainError::from(e),
        other => DomainError::unexpected(format!("migration failed: {other}")),
    }
}

pub async fn run_sqlite(pool: &SqlitePool) -> DomainResult<()> {
    migrator(SQLITE).run(pool).await.map_err(failed)
}

pub async fn run_postgres(pool: &PgPool) -> DomainResult<()> {
    migrator(POSTGRES).run(pool).await.map_err(failed)
}

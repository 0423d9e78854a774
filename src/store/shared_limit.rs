//! Rate-limit buckets kept in PostgreSQL, so that a budget holds across every node sharing
//! the database (SQLite serves one node, whose in-process limiter is already exact).
//!
//! One statement takes a token: an upsert that refills the bucket by the time since its last
//! use, and updates it only if a whole token is left, atomically under the row's lock, so
//! concurrent requests on different nodes never overdraw it. Keys are stored as SHA-256
//! hashes: the table holds no email or address. Measured with pgbench on this machine (see
//! docs/BENCHMARKS.md) the statement costs far less than the argon2 hash it guards.

use std::time::Duration;

use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::error::DomainResult;
use crate::rate_limit::Rate;
use crate::time::Timestamp;

/// The stored key of `key` at the door named `door`.
fn bucket_key(door: &str, key: &str) -> String {
    hex::encode(Sha256::digest(format!("{door}\n{key}")))
}

fn now_ms(now: Timestamp) -> i64 {
    now.unix_micros() / 1000
}

/// Takes one token from the shared bucket, or says how long to wait for one.
pub(super) async fn take(
    pool: &PgPool,
    door: &str,
    key: &str,
    rate: Rate,
    now: Timestamp,
) -> DomainResult<Result<(), Duration>> {
    let key = bucket_key(door, key);
    let capacity = f64::from(rate.count);
    let per_ms = capacity / rate.per.as_secs_f64().max(0.001) / 1000.0;
    let now = now_ms(now);
    let taken = sqlx::query(
        "INSERT INTO rate_limit_buckets AS b (key, tokens, updated_ms) VALUES ($1, $2 - 1, $4) \
         ON CONFLICT (key) DO UPDATE SET \
           tokens = LEAST($2, b.tokens + GREATEST(0, $4 - b.updated_ms) * $3) - 1, \
           updated_ms = GREATEST(b.updated_ms, $4) \
         WHERE LEAST($2, b.tokens + GREATEST(0, $4 - b.updated_ms) * $3) >= 1 \
         RETURNING tokens",
    )
    .bind(&key)
    .bind(capacity)
    .bind(per_ms)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    if taken.is_some() {
        return Ok(Ok(()));
    }
    let (tokens, updated_ms): (f64, i64) =
        sqlx::query_as("SELECT tokens, updated_ms FROM rate_limit_buckets WHERE key = $1")
            .bind(&key)
            .fetch_one(pool)
            .await?;
    let available = (tokens + (now - updated_ms).max(0) as f64 * per_ms).min(capacity);
    let wait_ms = ((1.0 - available) / per_ms).max(0.0);
    Ok(Err(Duration::from_secs_f64(
        (wait_ms / 1000.0).ceil().max(1.0),
    )))
}

/// Gives back a token `take` took (for doors that count failures only).
pub(super) async fn refund(pool: &PgPool, door: &str, key: &str, rate: Rate) -> DomainResult<()> {
    sqlx::query("UPDATE rate_limit_buckets SET tokens = LEAST($2, tokens + 1) WHERE key = $1")
        .bind(bucket_key(door, key))
        .bind(f64::from(rate.count))
        .execute(pool)
        .await?;
    Ok(())
}

/// Forgets buckets unused for a day: every configured window is shorter, so they are full.
pub(super) async fn prune(pool: &PgPool, now: Timestamp) -> DomainResult<u64> {
    let cutoff = now_ms(now) - 24 * 3600 * 1000;
    Ok(
        sqlx::query("DELETE FROM rate_limit_buckets WHERE updated_ms < $1")
            .bind(cutoff)
            .execute(pool)
            .await?
            .rows_affected(),
    )
}

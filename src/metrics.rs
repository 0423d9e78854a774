//! What the server counts, for Prometheus (`SIGNEDIN_METRICS_ADDR`, served by the `server`
//! crate): one function per fact, every label from a fixed set — never a user id, an email,
//! an address or a token, so neither privacy nor cardinality depends on traffic. Recorded
//! through the `metrics` facade: without a recorder installed (the admin commands, most tests)
//! each call costs next to nothing.

use std::time::Duration;

use metrics::{
    Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram,
};

use crate::error::{DomainError, DomainResult};
use crate::session::EndReason;

/// Names and explains every family counted here (Prometheus' `# HELP`); called once, when
/// the server installs its recorder.
pub fn describe() {
    describe_counter!("signedin_sign_ins_total", "Sign-ins, by outcome.");
    describe_counter!(
        "signedin_refreshes_total",
        "Refresh-token exchanges, by outcome."
    );
    describe_counter!(
        "signedin_sessions_ended_total",
        "Sessions ended, by reason (sign-outs by kind, expiry noticed on use)."
    );
    describe_counter!(
        "signedin_rate_limited_total",
        "Requests refused by a rate limit, by limit."
    );
    describe_gauge!(
        "signedin_password_hashes_waiting",
        "Password hashes (argon2id) waiting for a core."
    );
    describe_histogram!(
        "signedin_password_hash_wait_seconds",
        Unit::Seconds,
        "How long a password hash waited for a core."
    );
    describe_histogram!(
        "signedin_db_acquire_seconds",
        Unit::Seconds,
        "How long a statement or transaction waited for a database connection, by pool."
    );
}

/// A sign-in's outcome: `ok`, `invalid_credentials`, `rate_limited` or `error`.
pub fn sign_in<T>(result: &DomainResult<T>) {
    let outcome = match result {
        Ok(_) => "ok",
        Err(DomainError::InvalidCredentials) => "invalid_credentials",
        Err(DomainError::RateLimited { .. }) => "rate_limited",
        Err(_) => "error",
    };
    counter!("signedin_sign_ins_total", "outcome" => outcome).increment(1);
}

/// A refresh's outcome: `rotated`, `grace` (handed the successor again), `reuse_detected`,
/// `refused` (expired, unknown, superseded, rate-limited).
pub fn refresh(outcome: &'static str) {
    counter!("signedin_refreshes_total", "outcome" => outcome).increment(1);
}

/// `n` sessions ended for `reason` (sign-outs by kind; expiry included).
pub fn sessions_ended(reason: EndReason, n: u64) {
    counter!("signedin_sessions_ended_total", "reason" => reason.as_str()).increment(n);
}

/// A request refused at `door` (`signin_ip`, `refresh_session`, …).
pub fn rate_limited(door: &'static str) {
    counter!("signedin_rate_limited_total", "limit" => door).increment(1);
}

/// A password hash (argon2id) starts waiting for a core (`+1`) or stops (`-1`).
pub fn password_hashes_waiting(delta: f64) {
    gauge!("signedin_password_hashes_waiting").increment(delta);
}

/// How long a password hash waited for a core.
pub fn password_hash_wait(waited: Duration) {
    histogram!("signedin_password_hash_wait_seconds").record(waited.as_secs_f64());
}

/// How long a statement waited for a connection of `pool` (`reader`, `writer`, `postgres`).
pub fn db_acquire(pool: &'static str, waited: Duration) {
    histogram!("signedin_db_acquire_seconds", "pool" => pool).record(waited.as_secs_f64());
}

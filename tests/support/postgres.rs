//! PostgreSQL for tests: the server named by TEST_DATABASE_URL, and a fresh database on it per
//! test. Shared by the root crate's suites and the server's (included with `#[path]`).
//! Never DATABASE_URL: tests create and drop databases, and that variable may name a real one.

#![allow(dead_code)]

use std::io::Write;

use sqlx::Connection;

pub const NO_URL: &str = "PostgreSQL tests need TEST_DATABASE_URL; `make test` starts a throwaway server (SIGNEDIN_TEST_SKIP_POSTGRES=1 skips these tests instead)";

/// The PostgreSQL server tests may create and drop databases on. Without TEST_DATABASE_URL the
/// calling test fails (a suite that passes without running proves nothing), unless the run
/// opted out with SIGNEDIN_TEST_SKIP_POSTGRES=1: then `None`, announced on stderr.
pub fn admin_url() -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => {
            assert!(
                url.starts_with("postgres://") || url.starts_with("postgresql://"),
                "TEST_DATABASE_URL must be a postgres:// URL"
            );
            Some(url)
        }
        _ if std::env::var("SIGNEDIN_TEST_SKIP_POSTGRES").as_deref() == Ok("1") => {
            announce_skip();
            None
        }
        _ => panic!("{NO_URL}"),
    }
}

/// Written to the process's stderr directly, not through `eprintln!`, which the test harness
/// captures and hides for a passing test: a skip must be seen.
fn announce_skip() {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a PostgreSQL test");
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED on PostgreSQL (SIGNEDIN_TEST_SKIP_POSTGRES=1): {test}"
    );
}

/// `url` with its database name replaced by `name` (query parameters kept).
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let mut out = match base[scheme_end..].find('/') {
        Some(i) => format!("{}/{name}", &base[..scheme_end + i]),
        None => format!("{base}/{name}"),
    };
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// Creates `<prefix>_<random>` and returns (its URL, the admin URL, its name); `None` only
/// when PostgreSQL tests are skipped (see `admin_url`).
pub async fn create_database(prefix: &str) -> Option<(String, String, String)> {
    let admin = admin_url()?;
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).expect("randomness");
    let name = format!(
        "{prefix}_{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("TEST_DATABASE_URL is set but PostgreSQL is unreachable: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create a test database");
    Some((with_database(&admin, &name), admin, name))
}

pub async fn drop_database(admin: &str, name: &str) {
    if let Ok(mut conn) = sqlx::PgConnection::connect(admin).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await;
    }
}

//! PostgreSQL for tests: the server named by TEST_DATABASE_URL (or a `postgres://`
//! DATABASE_URL), and a fresh database on it per test. Shared by the root crate's suites and
//! the server's (included with `#[path]`).

#![allow(dead_code)]

use sqlx::Connection;

/// The PostgreSQL server tests may create databases on, if one is configured.
pub fn admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .or_else(|| std::env::var("DATABASE_URL").ok())
        .filter(|url| url.starts_with("postgres://") || url.starts_with("postgresql://"))
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

/// Creates `<prefix>_<random>` and returns (its URL, the admin URL, its name).
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

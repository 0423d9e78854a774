//! One test body on both stores: a database per test (a fresh SQLite file, or a fresh
//! PostgreSQL database) and the one `run_on_both_stores!` macro every suite's
//! `on_both_stores!` forwards to. Shared by the root crate's suites and the server's; include
//! it with `#[path]` beside `postgres.rs`, which it uses as `super::postgres`.

#![allow(dead_code)]

use super::postgres;

/// A database for one test; PostgreSQL ones are dropped by `finish`.
pub struct TestDb {
    pub url: String,
    dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

impl TestDb {
    /// A SQLite file in a directory of its own, removed when the value drops.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        Self {
            url: format!("sqlite://{}", dir.path().join("test.db").display()),
            dir,
            postgres: None,
        }
    }

    /// A fresh database on the PostgreSQL server named by `TEST_DATABASE_URL`; `None` only
    /// when PostgreSQL tests are skipped (see `postgres::admin_url`).
    pub async fn postgres() -> Option<Self> {
        let (url, admin, name) = postgres::create_database("signedin_test").await?;
        Some(Self {
            url,
            dir: tempfile::tempdir().expect("temp dir"),
            postgres: Some((admin, name)),
        })
    }

    /// A directory that lives as long as the database, for files a test writes beside it.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    pub async fn finish(self) {
        if let Some((admin, name)) = &self.postgres {
            postgres::drop_database(admin, name).await;
        }
    }

    // The fixture contract `run_on_both_stores!` calls.
    pub async fn on_sqlite() -> Option<Self> {
        Some(Self::sqlite())
    }

    pub async fn on_postgres() -> Option<Self> {
        Self::postgres().await
    }

    pub fn arg(&self) -> &Self {
        self
    }
}

/// `run_on_both_stores!(Fixture; a, b)` turns each `async fn a(arg)` of the calling module
/// into `sqlite::a` and `postgres::a` tests. `Fixture` provides `on_sqlite()` and
/// `on_postgres()` (async, `None` only when PostgreSQL tests are skipped: without
/// `TEST_DATABASE_URL` they fail instead, see `postgres::admin_url`), `arg(&self)` (what the
/// test body takes) and `finish(self)` (async clean-up).
#[macro_export]
macro_rules! run_on_both_stores {
    ($fixture:ty; $($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let Some(fixture) = <$fixture>::on_sqlite().await else {
                        return;
                    };
                    super::$name(fixture.arg()).await;
                    fixture.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let Some(fixture) = <$fixture>::on_postgres().await else {
                        return;
                    };
                    super::$name(fixture.arg()).await;
                    fixture.finish().await;
                }
            )*
        }
    };
}

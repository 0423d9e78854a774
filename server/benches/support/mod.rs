//! What the benchmarks share: the release server on a free port, and a fresh database on
//! either store. Each bench declares `mod support;`.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::{Client, StatusCode};
use sqlx::Connection;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// `--store`: which store(s) a benchmark measures.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum StoreChoice {
    Sqlite,
    Postgres,
    Both,
}

pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    pub async fn start(database_url: &str) -> Server {
        Self::start_with(database_url, &[]).await
    }

    /// The release server on a free port, with `settings` (name, value) added to its
    /// environment.
    pub async fn start_with(database_url: &str, settings: &[(&str, String)]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let child = Command::new(env!("CARGO_BIN_EXE_signedin"))
            .current_dir(&root)
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("SIGNEDIN_RATE_LIMITS", "off")
            .env("SIGNEDIN_LOG", "warn")
            .env("SIGNEDIN_PRUNE_INTERVAL_SECS", "0")
            .envs(settings.iter().map(|(name, value)| (*name, value.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the release server starts");
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let client = Client::new();
        for _ in 0..600 {
            if let Ok(r) = client.get(format!("{}/readyz", server.base)).send().await
                && r.status() == StatusCode::OK
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not become ready");
    }

    pub fn rss_mib(&self) -> f64 {
        self.status_mib("VmRSS:")
    }

    /// Peak resident memory so far (VmHWM), in MiB.
    pub fn peak_rss_mib(&self) -> f64 {
        self.status_mib("VmHWM:")
    }

    fn status_mib(&self, field: &str) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Database {
    pub url: String,
    drop: Option<(String, String)>,
}

pub async fn fresh_database(backend: Backend, tag: &str) -> Database {
    match backend {
        Backend::Sqlite => {
            let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join(format!("{tag}.db"));
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            Database {
                url: format!("sqlite://{}", path.display()),
                drop: None,
            }
        }
        Backend::Postgres => {
            let admin =
                std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL for --store postgres");
            let name = format!("signedin_bench_{tag}");
            let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn)
                .await;
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .unwrap();
            let (base, _) = admin.rsplit_once('/').unwrap();
            Database {
                url: format!("{base}/{name}"),
                drop: Some((admin, name)),
            }
        }
    }
}

impl Database {
    pub async fn remove(self) {
        if let Some((admin, name)) = self.drop {
            let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn)
                .await;
        }
    }
}

/// One stream of `GET /me/sessions/events` read until it ends: `opened` counts it once it is
/// answered 200, and each event's name is sent on `events` with when it was read.
pub async fn read_stream(
    url: String,
    token: String,
    opened: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    events: Option<tokio::sync::mpsc::UnboundedSender<(String, std::time::Instant)>>,
) {
    // A client of its own: one connection per stream, as browsers have.
    let client = Client::new();
    let Ok(mut response) = client.get(&url).bearer_auth(&token).send().await else {
        return;
    };
    if response.status() != StatusCode::OK {
        eprintln!("stream refused: {}", response.status());
        return;
    }
    opened.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut pending = String::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let at = std::time::Instant::now();
        pending.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = pending.find("\n\n") {
            let block: String = pending.drain(..end + 2).collect();
            let kind = block.lines().find_map(|l| l.strip_prefix("event:"));
            if let (Some(kind), Some(events)) = (kind, &events)
                && events.send((kind.trim().to_owned(), at)).is_err()
            {
                return;
            }
        }
    }
}

/// Each stream is a connection of this process too: the soft limit (often 1,024) would stop
/// it short of a thousand. The server's own rule, reused.
pub fn raise_open_files() {
    server::serve::raise_open_file_limit();
}

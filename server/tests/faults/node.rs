#![allow(dead_code)]

#[path = "../../../tests/support/postgres.rs"]
mod postgres;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

pub const PASSWORD: &str = "correct horse battery staple";

pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_signedin"))
}

/// Runs `signedin <args>` to completion with `DATABASE_URL` set.
pub fn run(database_url: &str, args: &[&str]) -> Output {
    Command::new(binary())
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("SIGNEDIN_GEOIP_DIR", "/nonexistent")
        .env("SIGNEDIN_LOG", "warn")
        .output()
        .expect("the binary runs")
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One server process.
pub struct Node {
    pub child: Child,
    pub port: u16,
    pub base: String,
}

impl Node {
    pub async fn start(database_url: &str, extra_env: &[(&str, &str)]) -> Node {
        let port = free_port();
        let mut command = Command::new(binary());
        command
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("SIGNEDIN_GEOIP_DIR", "/nonexistent")
            .env("SIGNEDIN_RATE_LIMITS", "off")
            .env("SIGNEDIN_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (key, value) in extra_env {
            command.env(key, value);
        }
        let child = command.spawn().expect("server starts");
        let node = Node {
            child,
            port,
            base: format!("http://127.0.0.1:{port}"),
        };
        node.wait_ready().await;
        node
    }

    pub async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let client = Client::new();
        while Instant::now() < deadline {
            if let Ok(response) = client.get(format!("{}/readyz", self.base)).send().await
                && response.status() == StatusCode::OK
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server on port {} did not become ready", self.port);
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGTERM, then the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        wait_exit(&mut self.child, Duration::from_secs(20))
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill_hard(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "the process did not exit in time"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub async fn signup_and_login(client: &Client, node: &Node, email: &str) -> Value {
    let created = client
        .post(node.url("/auth/signup"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(created.status() == StatusCode::CREATED || created.status() == StatusCode::CONFLICT);
    login(client, node, email).await
}

pub async fn login(client: &Client, node: &Node, email: &str) -> Value {
    let response = client
        .post(node.url("/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// A database for the test: a SQLite file in `dir`, or a fresh PostgreSQL database.
pub struct Db {
    pub url: String,
    postgres: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

impl Db {
    pub fn sqlite() -> Db {
        let dir = tempfile::tempdir().unwrap();
        Db {
            url: format!("sqlite://{}", dir.path().join("node.db").display()),
            postgres: None,
            _dir: dir,
        }
    }

    pub async fn postgres() -> Option<Db> {
        let (url, admin, name) = postgres::create_database("signedin_fault").await?;
        Some(Db {
            url,
            postgres: Some((admin, name)),
            _dir: tempfile::tempdir().unwrap(),
        })
    }

    pub async fn finish(self) {
        if let Some((admin, name)) = &self.postgres {
            postgres::drop_database(admin, name).await;
        }
    }
}

/// Runs `body` on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.
#[macro_export]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = $crate::node::Db::sqlite();
                    super::$name(&db).await;
                    db.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = $crate::node::Db::postgres().await else {
                        eprintln!("{}: skipped, TEST_DATABASE_URL is not set", stringify!($name));
                        return;
                    };
                    super::$name(&db).await;
                    db.finish().await;
                }
            )*
        }
    };
}

#![allow(dead_code)]

#[path = "../../../tests/support/postgres.rs"]
mod postgres;
#[path = "../../../tests/support/stores.rs"]
mod stores;

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

/// The binary with nothing inherited but where to find programs and home: an ambient
/// DATABASE_URL, LEPTOS_* or SIGNEDIN_* setting must not change what a test tests.
fn signedin(database_url: &str) -> Command {
    let mut command = Command::new(binary());
    command.env_clear();
    for key in ["PATH", "HOME"] {
        if let Some(value) = std::env::var_os(key) {
            command.env(key, value);
        }
    }
    command
        .env("DATABASE_URL", database_url)
        .env("SIGNEDIN_GEOIP_DIR", "/nonexistent")
        .env("SIGNEDIN_LOG", "warn");
    command
}

/// Runs `signedin <args>` to completion with `DATABASE_URL` set.
pub fn run(database_url: &str, args: &[&str]) -> Output {
    signedin(database_url)
        .args(args)
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
    stderr: tempfile::NamedTempFile,
}

impl Node {
    pub async fn start(database_url: &str, extra_env: &[(&str, &str)]) -> Node {
        // free_port() only names a port that was free a moment ago; another process can take
        // it before the child binds. A child that could not bind is retried on another port.
        for _ in 0..3 {
            let port = free_port();
            let stderr = tempfile::NamedTempFile::new().expect("a temporary file");
            let mut command = signedin(database_url);
            command
                .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
                .env("SIGNEDIN_RATE_LIMITS", "off")
                .stdout(Stdio::null())
                .stderr(stderr.reopen().expect("the stderr file"));
            for (key, value) in extra_env {
                command.env(key, value);
            }
            let mut node = Node {
                child: command.spawn().expect("server starts"),
                port,
                base: format!("http://127.0.0.1:{port}"),
                stderr,
            };
            match node.wait_ready().await {
                Ok(()) => return node,
                Err(status) => {
                    let stderr = node.stderr_text();
                    assert!(
                        stderr.contains("Address already in use"),
                        "the server exited before it was ready ({status}): {stderr}"
                    );
                }
            }
        }
        panic!("the server found its port taken three times in a row");
    }

    /// Ready once our child, still running, holds the listening socket and answers /readyz
    /// with 200: a server someone else started on the port must not pass for ours. The
    /// child's exit status when it ends first.
    async fn wait_ready(&mut self) -> Result<(), std::process::ExitStatus> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let client = Client::new();
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("the child's status") {
                return Err(status);
            }
            if listens_on(self.child.id(), self.port)
                && let Ok(response) = client.get(format!("{}/readyz", self.base)).send().await
                && response.status() == StatusCode::OK
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "the server on port {} did not become ready: {}",
            self.port,
            self.stderr_text()
        );
    }

    /// What the server wrote to stderr so far (warnings and errors: it logs at `warn`).
    pub fn stderr_text(&self) -> String {
        std::fs::read_to_string(self.stderr.path()).unwrap_or_default()
    }

    /// `127.0.0.1:port`: the `Host` a browser sends this node.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
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

    /// SIGKILL: no chance to finish anything. Returns the signal the process died of, so a
    /// test can tell the kill happened (rather than an exit of its own).
    pub fn kill_hard(mut self) -> Option<i32> {
        use std::os::unix::process::ExitStatusExt;
        self.child.kill().expect("the server was still running");
        self.child.wait().ok().and_then(|status| status.signal())
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether process `pid` holds the socket listening on 127.0.0.1:`port` (Linux's /proc).
fn listens_on(pid: u32, port: u16) -> bool {
    // /proc/net/tcp prints the address as the in-memory (network-order) word in hex.
    let local = format!("{:08X}:{port:04X}", u32::from_ne_bytes([127, 0, 0, 1]));
    let Ok(table) = std::fs::read_to_string("/proc/net/tcp") else {
        return false;
    };
    let listening: Vec<String> = table
        .lines()
        .skip(1)
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .filter(|fields| fields.len() > 9 && fields[1] == local && fields[3] == "0A") // 0A: LISTEN
        .map(|fields| format!("socket:[{}]", fields[9]))
        .collect();
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten().any(|fd| {
        std::fs::read_link(fd.path()).is_ok_and(|target| {
            listening
                .iter()
                .any(|socket| target.as_os_str() == socket.as_str())
        })
    })
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

pub use stores::TestDb as Db;

/// Runs each test body on SQLite and on PostgreSQL (see `stores::run_on_both_stores!`).
#[macro_export]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        $crate::run_on_both_stores!($crate::node::Db; $($name),*);
    };
}

//! Live-stream benchmark: many open `GET /me/sessions/events` streams on the release server,
//! the memory they cost, and how long a sign-out takes to reach every one of them.
//!
//! ```sh
//! cargo bench -p server --bench streams                        # SQLite: 1,000 streams, one node
//! TEST_DATABASE_URL=postgres://… cargo bench -p server --bench streams -- --store both
//! cargo bench -p server --bench streams -- --smoke             # 50 streams, 3 rounds
//! ```
//! One user holds every stream (the per-user cap is raised to fit); each round signs out
//! another of that user's sessions, and every stream must receive the `change` for it. The
//! latency of a stream is from the DELETE being sent to that stream reading the event: an
//! upper bound on "from commit" (the event leaves on commit, before the DELETE's response is
//! even written, so timing from the response would read 0), measured by this process, which
//! shares the two cores with the server. On PostgreSQL the streams are on node A and the sign-outs go through node B:
//! the event crosses nodes through the database. See docs/BENCHMARKS.md.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use tokio::sync::mpsc;

mod support;

use support::{Backend, Server, StoreChoice, fresh_database, raise_open_files, read_stream};

const PASSWORD: &str = "correct horse battery staple";
const AGENT: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

#[derive(Debug, clap::Parser)]
#[command(
    name = "streams",
    about = "signedin live-stream benchmark (see docs/BENCHMARKS.md)"
)]
struct Cli {
    /// 50 streams and 3 rounds: proves the benchmark runs.
    #[arg(long)]
    smoke: bool,
    /// Open streams, all of one user.
    #[arg(long)]
    streams: Option<usize>,
    /// Sign-outs to time.
    #[arg(long)]
    rounds: Option<usize>,
    /// Which store(s) to measure.
    #[arg(long, value_enum, default_value = "sqlite")]
    store: StoreChoice,
    /// Added by `cargo bench` itself; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

fn main() {
    let cli = <Cli as clap::Parser>::parse();
    let streams = cli.streams.unwrap_or(if cli.smoke { 50 } else { 1_000 });
    let rounds = cli.rounds.unwrap_or(if cli.smoke { 3 } else { 20 });
    let backends = match cli.store {
        StoreChoice::Sqlite => vec![Backend::Sqlite],
        StoreChoice::Postgres => vec![Backend::Postgres],
        StoreChoice::Both => vec![Backend::Sqlite, Backend::Postgres],
    };
    raise_open_files();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!(
        "signedin live-stream benchmark · {streams} streams of one user · {rounds} sign-outs · {} cores\n",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "| store | nodes | streams | server RSS before → with streams | sign-out sent → each stream: p50 | p99 | max | missed |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for backend in backends {
        runtime.block_on(measure(backend, streams, rounds));
    }
}

async fn measure(backend: Backend, streams: usize, rounds: usize) {
    let database = fresh_database(backend, "streams").await;
    let settings = [
        ("SIGNEDIN_LIVE_STREAMS_PER_USER", (streams + 10).to_string()),
        (
            "SIGNEDIN_LIVE_STREAMS_PER_NODE",
            (streams + 100).to_string(),
        ),
    ];
    let listen = Server::start_with(&database.url, &settings).await;
    // On PostgreSQL the sign-outs go through a second node sharing the database.
    let second = match backend {
        Backend::Postgres => Some(Server::start_with(&database.url, &settings).await),
        Backend::Sqlite => None,
    };
    let act = second.as_ref().unwrap_or(&listen);
    let client = Client::new();

    signup(&client, &listen.base).await;
    let watcher = login(&client, &listen.base).await;
    let mut victims = Vec::new();
    for _ in 0..rounds {
        login(&client, &listen.base).await;
    }
    let listed: Value = client
        .get(format!("{}/me/sessions", listen.base))
        .bearer_auth(&watcher)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for session in listed["sessions"].as_array().unwrap() {
        if session["is_current"].as_bool() != Some(true) {
            victims.push(session["jti_prefix"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(victims.len(), rounds, "one session to sign out per round");

    let rss_before = listen.rss_mib();
    let opened = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx) = mpsc::unbounded_channel::<(String, Instant)>();
    let mut readers = Vec::new();
    for _ in 0..streams {
        let url = format!("{}/me/sessions/events", listen.base);
        let (token, opened, tx) = (watcher.clone(), opened.clone(), tx.clone());
        readers.push(tokio::spawn(read_stream(url, token, opened, Some(tx))));
    }
    drop(tx);
    let started = Instant::now();
    while opened.load(Ordering::Relaxed) < streams {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "only {} of {streams} streams opened",
            opened.load(Ordering::Relaxed)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_with = listen.rss_mib();

    let mut latencies = Vec::with_capacity(streams * rounds);
    let mut missed = 0;
    for prefix in &victims {
        let sent = Instant::now();
        let response = client
            .delete(format!("{}/me/sessions/{prefix}", act.base))
            .bearer_auth(&watcher)
            .header("user-agent", AGENT)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::NO_CONTENT,
            "sign-out refused"
        );
        let mut reached = 0;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while reached < streams {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some((kind, at))) if kind == "change" => {
                    reached += 1;
                    latencies.push(at.saturating_duration_since(sent));
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
        missed += streams - reached;
        // Let the node settle before the next round.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for reader in readers {
        reader.abort();
    }
    latencies.sort();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "| {} | {} | {streams} | {rss_before:.1} → {rss_with:.1} MiB | {:.1} ms | {:.1} ms | {:.1} ms | {missed} |",
        match backend {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        },
        if second.is_some() {
            "2 (A listens, B signs out)"
        } else {
            "1"
        },
        at(0.50),
        at(0.99),
        at(1.0),
    );
    drop(second);
    drop(listen);
    database.remove().await;
}

async fn signup(client: &Client, base: &str) {
    let response = client
        .post(format!("{base}/auth/signup"))
        .header("user-agent", AGENT)
        .json(&json!({"email": "streams@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "sign-up: {}",
        response.status()
    );
}

async fn login(client: &Client, base: &str) -> String {
    let body: Value = client
        .post(format!("{base}/auth/login"))
        .header("user-agent", AGENT)
        .json(&json!({"email": "streams@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

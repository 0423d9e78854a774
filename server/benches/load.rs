//! Load benchmark: the release server over real HTTP keep-alive connections, against the
//! database's own ceiling for the same statements (no HTTP, no JWT).
//!
//! ```sh
//! cargo bench -p server --bench load                       # SQLite, 10,000 users × 5 sessions
//! cargo bench -p server --bench load -- --large            # + a 1,000,000-session table
//! TEST_DATABASE_URL=postgres://… cargo bench -p server --bench load -- --store both
//! cargo bench -p server --bench load -- --smoke            # a few seconds; CI runs this
//! ```
//! Prints a Markdown table (also written to target/bench/load.md). See docs/BENCHMARKS.md.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use signedin::service::refresh::{self, RefreshOutcome, RefreshRequest};
use signedin::service::revoke;
use signedin::store::NewSession;
use signedin::token::{RefreshToken, ServerKey};
use signedin::{
    ClientHints, DeviceContext, EndReason, PageSize, Policy, SessionRef, Store, StoreOptions,
    Timestamp,
};

mod support;

use support::{Backend, Server, StoreChoice, fresh_database};

const PASSWORD: &str = "correct horse battery staple";
const AGENT: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

struct Args {
    smoke: bool,
    /// Workloads to run (check, list, list500, refresh, revoke, page, login); all when empty.
    only: Vec<String>,
    large: bool,
    backends: Vec<Backend>,
    duration: Duration,
    levels: Vec<usize>,
    streams: usize,
}

/// The command line, strictly: a misspelt flag or value is an error, never a silent default.
#[derive(Debug, clap::Parser)]
#[command(
    name = "load",
    about = "signedin load benchmark (see docs/BENCHMARKS.md)"
)]
struct Cli {
    /// A few seconds per store, on both stores when TEST_DATABASE_URL is set (CI runs this).
    #[arg(long)]
    smoke: bool,
    /// 200,000 users × 5 sessions instead of 10,000 × 5.
    #[arg(long)]
    large: bool,
    /// Which store(s) to measure.
    #[arg(long, value_enum)]
    store: Option<StoreChoice>,
    /// Seconds per cell.
    #[arg(long)]
    duration: Option<f64>,
    /// Concurrency levels, e.g. 1,8,32.
    #[arg(long, value_delimiter = ',')]
    concurrency: Vec<usize>,
    /// Workloads to run; all when absent.
    #[arg(long, value_delimiter = ',', value_parser = ["check", "list", "list500", "refresh", "revoke", "page", "login"])]
    only: Vec<String>,
    /// Idle live streams (`GET /me/sessions/events`) held open on the server throughout, by
    /// one account of their own: the tables must not move with them open.
    #[arg(long, default_value_t = 0)]
    streams: usize,
    /// Added by `cargo bench` itself; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

fn args() -> Args {
    let cli = <Cli as clap::Parser>::parse();
    let smoke = cli.smoke;
    let postgres = std::env::var("TEST_DATABASE_URL").is_ok();
    let backends = match cli.store {
        Some(StoreChoice::Postgres) => vec![Backend::Postgres],
        Some(StoreChoice::Both) => vec![Backend::Sqlite, Backend::Postgres],
        Some(StoreChoice::Sqlite) => vec![Backend::Sqlite],
        None if smoke && postgres => vec![Backend::Sqlite, Backend::Postgres],
        None => vec![Backend::Sqlite],
    };
    let duration = cli
        .duration
        .map(Duration::from_secs_f64)
        .unwrap_or(if smoke {
            Duration::from_millis(500)
        } else {
            Duration::from_secs(10)
        });
    let levels = if !cli.concurrency.is_empty() {
        cli.concurrency
    } else if smoke {
        vec![1, 8]
    } else {
        vec![1, 8, 32, 128]
    };
    Args {
        smoke,
        only: cli.only,
        large: cli.large,
        backends,
        duration,
        levels,
        streams: cli.streams,
    }
}

/// One measured run: latencies in microseconds.
#[derive(Default)]
struct Sample {
    latencies: Vec<u32>,
    errors: u64,
    elapsed: Duration,
}

impl Sample {
    fn merge(samples: Vec<Sample>, elapsed: Duration) -> Sample {
        let mut all = Sample {
            elapsed,
            ..Default::default()
        };
        for s in samples {
            all.latencies.extend(s.latencies);
            all.errors += s.errors;
        }
        all.latencies.sort_unstable();
        all
    }

    fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        let i =
            ((self.latencies.len() as f64 * p).ceil() as usize).clamp(1, self.latencies.len()) - 1;
        f64::from(self.latencies[i]) / 1000.0
    }
}

/// The tables as text, and the cells that went wrong (errors, or no request served at all):
/// a benchmark that fails quietly would rot without anyone noticing.
#[derive(Default)]
struct Report {
    text: String,
    broken: Vec<String>,
}

impl Report {
    fn header(&mut self, title: &str) {
        let _ = writeln!(self.text, "\n### {title}\n");
        let _ = writeln!(
            self.text,
            "| workload | conc. | req/s | p50 ms | p99 ms | p99.9 ms | errors | limit req/s | ratio |"
        );
        let _ = writeln!(self.text, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        println!(
            "{}",
            self.text
                .lines()
                .rev()
                .take(3)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    fn row(&mut self, workload: &str, concurrency: usize, sample: &Sample, limit: Option<f64>) {
        let (limit_text, ratio) = match limit {
            Some(l) => (
                format!("{l:.0}"),
                format!("{:.0}%", 100.0 * sample.rate() / l),
            ),
            None => ("".into(), "".into()),
        };
        let line = format!(
            "| {workload} | {concurrency} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {limit_text} | {ratio} |",
            sample.rate(),
            sample.percentile(0.50),
            sample.percentile(0.99),
            sample.percentile(0.999),
            sample.errors,
        );
        println!("{line}");
        let _ = writeln!(self.text, "{line}");
        if sample.errors > 0 || sample.latencies.is_empty() {
            self.broken.push(format!(
                "{workload} at concurrency {concurrency}: {} errors, {} successes",
                sample.errors,
                sample.latencies.len()
            ));
        }
    }

    fn note(&mut self, text: &str) {
        println!("{text}");
        let _ = writeln!(self.text, "\n{text}");
    }
}

/// What one step of a worker came to: a success, a failure, or nothing left to do.
type Outcome = Option<bool>;

/// Runs one worker per state, each repeating `step` for `duration`; returns the sample and
/// the workers' final states (a refresh chain must carry on from where it stopped).
///
/// At the deadline a request still in flight is abandoned, its connection dropped, as a load
/// tool's run ends: the server must finish (or roll back) what it accepted, and the next
/// cell must see no error from it. The worker then does what a well-behaved client does when
/// it never heard back: it retries at once with what it had (uncounted). A refresh retried
/// inside the grace window gets the successor the abandoned one minted, so the chain goes on;
/// one retried later would rightly look like a stolen token.
async fn run<S, F, Fut>(states: Vec<S>, duration: Duration, step: F) -> (Sample, Vec<S>)
where
    S: Clone + Send + 'static,
    F: Fn(S) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = (S, Outcome)> + Send,
{
    let started = Instant::now();
    let deadline = started + duration;
    let tasks: Vec<_> = states
        .into_iter()
        .map(|state| {
            let step = step.clone();
            tokio::spawn(async move {
                let mut sample = Sample::default();
                let mut state = state;
                while Instant::now() < deadline {
                    let begun = Instant::now();
                    let before = state.clone();
                    let deadline = tokio::time::Instant::from_std(deadline);
                    let Ok((next, outcome)) = tokio::time::timeout_at(deadline, step(state)).await
                    else {
                        state = step(before).await.0;
                        break;
                    };
                    state = next;
                    match outcome {
                        Some(true) => sample
                            .latencies
                            .push(begun.elapsed().as_micros().min(u128::from(u32::MAX)) as u32),
                        Some(false) => sample.errors += 1,
                        None => break,
                    }
                }
                (sample, state)
            })
        })
        .collect();
    let mut samples = Vec::new();
    let mut finals = Vec::new();
    for task in tasks {
        let (sample, state) = task.await.expect("worker");
        samples.push(sample);
        finals.push(state);
    }
    (Sample::merge(samples, started.elapsed()), finals)
}

/// A worker's own account: tokens from a real sign-in.
#[derive(Clone)]
struct Worker {
    email: String,
    user_id: String,
    /// The session this worker signed in to (as stored, without `ses_`).
    session_id: String,
    access: String,
    refresh: String,
}

async fn make_workers(base: &str, count: usize, tag: &str) -> Vec<Worker> {
    let client = Client::new();
    let mut workers = Vec::new();
    for i in 0..count {
        let email = format!("worker-{tag}-{i}@example.com");
        let signup = client
            .post(format!("{base}/auth/signup"))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        let user: Value = signup.json().await.unwrap();
        let login: Value = client
            .post(format!("{base}/auth/login"))
            .header("user-agent", AGENT)
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        workers.push(Worker {
            email,
            user_id: user["user_id"].as_str().unwrap().to_owned(),
            session_id: login["session"]["id"]
                .as_str()
                .and_then(|id| id.strip_prefix("ses_"))
                .unwrap()
                .to_owned(),
            access: login["access_token"].as_str().unwrap().to_owned(),
            refresh: login["refresh_token"].as_str().unwrap().to_owned(),
        });
    }
    workers
}

fn device() -> DeviceContext {
    DeviceContext::new(
        AGENT,
        "203.0.113.7".parse().unwrap(),
        ClientHints::default(),
    )
}

/// The `device` column the server writes for [`AGENT`] (its address has no place), so seeded
/// sessions are listed as the server's own are: from the stored label, nothing parsed.
fn stored_device() -> String {
    static DEVICE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DEVICE
        .get_or_init(|| {
            let labeler = signedin::DeviceLabeler::new().unwrap();
            let description = signedin::DeviceDescription {
                label: labeler.label(AGENT, &ClientHints::default()),
                location: None,
            };
            description.to_columns().0
        })
        .clone()
}

/// Background population (and each worker's extra sessions), written straight to the
/// database: signing 50,000 people in through argon2 would take the better part of an hour.
async fn seed_background(store: &Store, users: usize, sessions_per_user: usize) {
    // One real argon2id hash shared by every background user (they never sign in).
    let hasher = signedin::account::PasswordHasherPool::new().unwrap();
    let password = signedin::account::Password::new_password(PASSWORD).unwrap();
    let seeded_hash = hasher.hash(&password).await.unwrap();
    let seeded_hash = seeded_hash.as_str();
    let now = Timestamp::now();
    let expires = now.plus(Duration::from_secs(14 * 86_400));
    match store {
        Store::Sqlite(s) => {
            let pool = s.writer();
            sqlx::query(
                "WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < $1 - 1) \
                 INSERT INTO users (id, email, email_normalized, password_hash, created_at, password_changed_at) \
                 SELECT printf('bg%030d', i), 'bg' || i || '@example.com', 'bg' || i || '@example.com', $2, $3, $3 FROM seq",
            )
            .bind(users as i64).bind(seeded_hash).bind(now).execute(pool).await.unwrap();
            sqlx::query(
                "WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < $1 - 1) \
                 INSERT INTO sessions (id, user_id, signed_in_at, last_used_at, reauthenticated_at, new_location) \
                 SELECT printf('bs%030d', i), printf('bg%030d', i / $2), $3, $3, $3, 0 FROM seq",
            )
            .bind((users * sessions_per_user) as i64).bind(sessions_per_user as i64).bind(now).execute(pool).await.unwrap();
            sqlx::query(
                "WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < $1 - 1) \
                 INSERT INTO refresh_tokens (jti_hash, jti_prefix, session_id, user_id, user_agent, ip, created_at, last_used_at, expires_at, signed_in_at, device) \
                 SELECT h, substr(h, 1, 12), printf('bs%030d', i), printf('bg%030d', i / $2), $3, '203.0.113.7', $4, $4, $5, $4, $6 \
                 FROM (SELECT i, lower(hex(randomblob(32))) AS h FROM seq)",
            )
            .bind((users * sessions_per_user) as i64).bind(sessions_per_user as i64).bind(AGENT).bind(now).bind(expires).bind(stored_device())
            .execute(pool).await.unwrap();
            sqlx::query("ANALYZE").execute(pool).await.unwrap();
        }
        Store::Postgres(p) => {
            let pool = p.pool();
            sqlx::query(
                "INSERT INTO users (id, email, email_normalized, password_hash, created_at, password_changed_at) \
                 SELECT 'bg' || lpad(i::text, 30, '0'), 'bg' || i || '@example.com', 'bg' || i || '@example.com', $2, now(), now() \
                 FROM generate_series(0, $1 - 1) i",
            )
            .bind(users as i64).bind(seeded_hash).execute(pool).await.unwrap();
            sqlx::query(
                "INSERT INTO sessions (id, user_id, signed_in_at, last_used_at, reauthenticated_at, new_location) \
                 SELECT 'bs' || lpad(i::text, 30, '0'), 'bg' || lpad((i / $2)::text, 30, '0'), now(), now(), now(), false \
                 FROM generate_series(0, $1 - 1) i",
            )
            .bind((users * sessions_per_user) as i64).bind(sessions_per_user as i64).execute(pool).await.unwrap();
            sqlx::query(
                "INSERT INTO refresh_tokens (jti_hash, jti_prefix, session_id, user_id, user_agent, ip, created_at, last_used_at, expires_at, signed_in_at, device) \
                 SELECT h, left(h, 12), 'bs' || lpad(i::text, 30, '0'), 'bg' || lpad((i / $2)::text, 30, '0'), $3, '203.0.113.7', now(), now(), now() + interval '14 days', now(), $4 \
                 FROM (SELECT i, md5(random()::text) || md5(random()::text) AS h FROM generate_series(0, $1 - 1) i) t",
            )
            .bind((users * sessions_per_user) as i64).bind(sessions_per_user as i64).bind(AGENT).bind(stored_device()).execute(pool).await.unwrap();
            sqlx::query("ANALYZE").execute(pool).await.unwrap();
        }
    }
}

/// Sessions for a worker to sign out: their token hashes' prefixes, ready for DELETE.
/// Written in multi-row batches (the benchmark needs tens of thousands).
async fn seed_revocable(store: &Store, user_id: &str, count: usize) -> Vec<String> {
    let device = stored_device();
    let now = Timestamp::now();
    let expires = now.plus(Duration::from_secs(86_400));
    let rows: Vec<(String, signedin::token::TokenHash)> = (0..count)
        .map(|_| {
            (
                signedin::token::random_id().unwrap(),
                RefreshToken::generate().unwrap().hash(),
            )
        })
        .collect();
    macro_rules! insert {
        ($db:ty, $pool:expr) => {{
            let mut tx = $pool.begin().await.unwrap();
            for chunk in rows.chunks(200) {
                let mut sessions = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO sessions (id, user_id, signed_in_at, last_used_at, reauthenticated_at, new_location) ",
                );
                sessions.push_values(chunk, |mut b, (id, _)| {
                    b.push_bind(id).push_bind(user_id).push_bind(now).push_bind(now).push_bind(now).push_bind(false);
                });
                sessions.build().execute(&mut *tx).await.unwrap();
                let mut tokens = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO refresh_tokens (jti_hash, jti_prefix, session_id, user_id, user_agent, ip, \
                     created_at, last_used_at, expires_at, signed_in_at, device) ",
                );
                tokens.push_values(chunk, |mut b, (id, hash)| {
                    b.push_bind(hash.as_str())
                        .push_bind(hash.prefix())
                        .push_bind(id)
                        .push_bind(user_id)
                        .push_bind(AGENT)
                        .push_bind("203.0.113.7")
                        .push_bind(now)
                        .push_bind(now)
                        .push_bind(expires)
                        .push_bind(now)
                        .push_bind(device.clone());
                });
                tokens.build().execute(&mut *tx).await.unwrap();
            }
            tx.commit().await.unwrap();
        }};
    }
    match store {
        Store::Sqlite(s) => insert!(sqlx::Sqlite, s.writer()),
        Store::Postgres(p) => insert!(sqlx::Postgres, p.pool()),
    }
    rows.iter()
        .map(|(_, hash)| hash.prefix().to_owned())
        .collect()
}

fn keep_alive_client() -> Client {
    Client::builder()
        .pool_max_idle_per_host(1)
        .tcp_nodelay(true)
        .user_agent(AGENT)
        .build()
        .unwrap()
}

/// Each worker rotates its own chain; returns the sample and every chain's newest token.
async fn http_refresh(base: &str, workers: &[Worker], duration: Duration) -> (Sample, Vec<String>) {
    let url = format!("{base}/auth/refresh");
    let states: Vec<(Client, String)> = workers
        .iter()
        .map(|w| (keep_alive_client(), w.refresh.clone()))
        .collect();
    let (sample, chains) = run(states, duration, move |(client, token)| {
        let url = url.clone();
        async move {
            let Ok(response) = client
                .post(&url)
                .json(&json!({"refresh_token": token}))
                .send()
                .await
            else {
                return ((client, token), Some(false));
            };
            if response.status() != StatusCode::OK {
                return ((client, token), Some(false));
            }
            let body: Value = response.json().await.unwrap_or_default();
            match body["refresh_token"].as_str() {
                Some(next) => ((client, next.to_owned()), Some(true)),
                None => ((client, token), Some(false)),
            }
        }
    })
    .await;
    (sample, chains.into_iter().map(|(_, token)| token).collect())
}

async fn http_get(
    url: String,
    tokens: Vec<String>,
    expect: StatusCode,
    duration: Duration,
) -> Sample {
    let states: Vec<(Client, String)> = tokens
        .into_iter()
        .map(|t| (keep_alive_client(), t))
        .collect();
    run(states, duration, move |(client, token)| {
        let url = url.clone();
        async move {
            let ok = match client.get(&url).bearer_auth(&token).send().await {
                Ok(response) => response.status() == expect && response.bytes().await.is_ok(),
                Err(_) => false,
            };
            ((client, token), Some(ok))
        }
    })
    .await
    .0
}

async fn http_revoke(base: &str, workers: &[(String, Vec<String>)], duration: Duration) -> Sample {
    let base = base.to_owned();
    // The prefixes are shared and walked by position: a worker's state is cloned before
    // every request (see `run`), and a clone must not copy tens of thousands of strings.
    let states: Vec<(Client, String, Arc<[String]>, usize)> = workers
        .iter()
        .map(|(t, p)| (keep_alive_client(), t.clone(), Arc::from(p.as_slice()), 0))
        .collect();
    run(states, duration, move |(client, token, prefixes, next)| {
        let base = base.clone();
        async move {
            let Some(prefix) = prefixes.get(next) else {
                return ((client, token, prefixes, next), None);
            };
            let ok = match client
                .delete(format!("{base}/me/sessions/{prefix}"))
                .bearer_auth(&token)
                .send()
                .await
            {
                Ok(response) => response.status() == StatusCode::NO_CONTENT,
                Err(_) => false,
            };
            ((client, token, prefixes, next + 1), Some(ok))
        }
    })
    .await
    .0
}

async fn http_login(base: &str, workers: &[Worker], duration: Duration) -> Sample {
    let url = format!("{base}/auth/login");
    let states: Vec<(Client, String)> = workers
        .iter()
        .map(|w| (keep_alive_client(), w.email.clone()))
        .collect();
    run(states, duration, move |(client, email)| {
        let url = url.clone();
        async move {
            let ok = match client
                .post(&url)
                .json(&json!({"email": email, "password": PASSWORD}))
                .send()
                .await
            {
                Ok(response) => {
                    response.status() == StatusCode::OK && response.bytes().await.is_ok()
                }
                Err(_) => false,
            };
            ((client, email), Some(ok))
        }
    })
    .await
    .0
}

/// The database's ceiling for refresh: the same transaction, straight through sqlx.
async fn limit_refresh(store: &Store, users: &[String], duration: Duration) -> Sample {
    let key = Arc::new(ServerKey::from_secret("bench secret that is long enough!!").unwrap());
    // Its users are the revoke workers, seeded far past the session cap on purpose: a
    // sign-in under the default cap would end them all (and the worker's own session).
    let policy = Arc::new(Policy {
        max_sessions: u32::MAX,
        ..Policy::default()
    });
    let now = Timestamp::now();
    let mut states = Vec::new();
    for user in users {
        let token = RefreshToken::generate().unwrap();
        let session_id = signedin::token::random_id().unwrap();
        let session = NewSession {
            session_id: session_id.clone(),
            user_id: user.clone(),
            token: token.hash(),
            device: device(),
            description: None,
            signed_in_at: now,
            expires_at: now.plus(Duration::from_secs(86_400)),
            new_location: false,
            verified_password_hash: store.find_user(user).await.unwrap().unwrap().password_hash,
        };
        let event = signedin::audit::AuditEvent::sign_in(
            user,
            &session_id,
            &session.device,
            signedin::audit::SignInNovelty {
                place: None,
                new_location: false,
                label: "Unknown device",
                new_device: false,
            },
            now,
        );
        store
            .create_session(&session, &event, &policy)
            .await
            .unwrap();
        states.push((
            store.clone(),
            key.clone(),
            policy.clone(),
            session_id,
            token,
        ));
    }
    run(
        states,
        duration,
        |(store, key, policy, session_id, token)| async move {
            let successor = token.successor(&key);
            let device = device();
            // The server looks the token's owner up first (for the per-account rate limit and
            // to know which session row to lock): the same statement, so it counts here too.
            let owner = store.token_owner(&token.hash()).await;
            assert!(matches!(owner, Ok(Some(ref o)) if o.session_id == session_id));
            // The server works the label and place out before its transaction; the same
            // columns are written here.
            let description = signedin::DeviceDescription {
                label: signedin::DeviceLabel::unknown(),
                location: None,
            };
            let request = RefreshRequest {
                presented: &token.hash(),
                session_id: &session_id,
                successor: &successor.hash(),
                device: &device,
                description: &description,
                policy: &policy,
                now: Timestamp::now(),
            };
            let outcome = refresh::refresh(&store, request).await;
            let ok = matches!(outcome, Ok(RefreshOutcome::Rotated { .. }));
            (
                (
                    store,
                    key,
                    policy,
                    session_id,
                    if ok { successor } else { token },
                ),
                Some(ok),
            )
        },
    )
    .await
    .0
}

async fn limit_list(store: &Store, users: &[String], duration: Duration) -> Sample {
    let policy = Arc::new(Policy::default());
    let states: Vec<_> = users
        .iter()
        .map(|u| (store.clone(), policy.clone(), u.clone()))
        .collect();
    run(states, duration, |(store, policy, user)| async move {
        let ok = store
            .list_live_sessions(&user, &policy, Timestamp::now())
            .await
            .is_ok_and(|rows| !rows.is_empty());
        ((store, policy, user), Some(ok))
    })
    .await
    .0
}

/// The database's ceiling for a sign-out: the session lookup that authenticates the request,
/// then the revoke transaction, straight through sqlx.
async fn limit_revoke(
    store: &Store,
    workers: &[(String, String, Vec<String>)],
    duration: Duration,
) -> Sample {
    let policy = Arc::new(Policy::default());
    let states: Vec<_> = workers
        .iter()
        .map(|(user, session, prefixes)| {
            let prefixes: Arc<[String]> = Arc::from(prefixes.as_slice());
            (
                store.clone(),
                policy.clone(),
                user.clone(),
                session.clone(),
                prefixes,
                0,
            )
        })
        .collect();
    run(
        states,
        duration,
        |(store, policy, user, session, prefixes, next)| async move {
            let Some(prefix) = prefixes.get(next) else {
                return ((store, policy, user, session, prefixes, next), None);
            };
            let device = device();
            let authenticated = store
                .session_auth(&session)
                .await
                .is_ok_and(|s| s.is_some());
            let by = revoke::RevokeBy {
                actor: signedin::Actor::User,
                acting_session: Some(&session),
                device: Some(&device),
                reason: EndReason::SignedOut,
                now: Timestamp::now(),
            };
            let target = SessionRef::parse(prefix).unwrap();
            let ok = authenticated
                && revoke::revoke_one(&store, &policy, &user, &target, by)
                    .await
                    .is_ok();
            ((store, policy, user, session, prefixes, next + 1), Some(ok))
        },
    )
    .await
    .0
}

/// The database's ceiling for the first page of a long list: the same one statement.
async fn limit_first_page(
    store: &Store,
    user: &str,
    session: &str,
    c: usize,
    duration: Duration,
) -> Sample {
    let policy = Arc::new(Policy::default());
    let states: Vec<_> = (0..c)
        .map(|_| {
            (
                store.clone(),
                policy.clone(),
                user.to_owned(),
                session.to_owned(),
            )
        })
        .collect();
    run(
        states,
        duration,
        |(store, policy, user, session)| async move {
            let others = PageSize::DEFAULT.get() + 1;
            let ok = store
                .live_session_page(&user, &session, None, others, &policy, Timestamp::now())
                .await
                .is_ok_and(|page| page.current.is_some() && page.others.len() == others as usize);
            ((store, policy, user, session), Some(ok))
        },
    )
    .await
    .0
}

async fn limit_check(store: &Store, sessions: &[String], duration: Duration) -> Sample {
    let states: Vec<_> = sessions
        .iter()
        .map(|s| (store.clone(), s.clone()))
        .collect();
    run(states, duration, |(store, session)| async move {
        let ok = store
            .session_auth(&session)
            .await
            .is_ok_and(|row| row.is_some());
        ((store, session), Some(ok))
    })
    .await
    .0
}

/// The long list's row: the first page (50) of an account with 500 live sessions.
const LONG_LIST: &str = "GET /me/sessions (500 sessions, first 50)";

struct Size {
    name: &'static str,
    users: usize,
    sessions_per_user: usize,
}

async fn bench_store(backend: Backend, size: &Size, args: &Args, report: &mut Report) {
    let tag = format!(
        "{}_{}",
        if backend == Backend::Sqlite {
            "sqlite"
        } else {
            "postgres"
        },
        size.name
    );
    let database = fresh_database(backend, &tag).await;
    let max_workers = *args.levels.iter().max().unwrap();
    // The server creates the schema; the seeding connects beside it.
    let live = [
        (
            "SIGNEDIN_LIVE_STREAMS_PER_USER",
            (args.streams + 10).to_string(),
        ),
        (
            "SIGNEDIN_LIVE_STREAMS_PER_NODE",
            (args.streams + 100).to_string(),
        ),
    ];
    let server = Server::start_with(&database.url, &live).await;
    let store = Store::connect(
        &database.url,
        &StoreOptions {
            max_connections: 32,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let seed_started = Instant::now();
    seed_background(&store, size.users, size.sessions_per_user).await;
    let mut workers = make_workers(&server.base, max_workers, "w").await;
    // Revocation runs on accounts of its own, so the sessions it seeds never swell the lists.
    let revokers = make_workers(&server.base, max_workers, "r").await;
    let held = hold_streams(&server.base, args.streams).await;
    // One account with 500 live sessions, listed by every worker at once.
    let long_list = make_workers(&server.base, 1, "many").await.remove(0);
    seed_revocable(&store, &long_list.user_id, 499).await;
    for w in &workers {
        // Each worker has as many sessions as a background user.
        seed_revocable(&store, &w.user_id, size.sessions_per_user - 1).await;
    }
    let sessions_in_table =
        size.users * size.sessions_per_user + workers.len() * size.sessions_per_user;
    report.header(&format!(
        "{} · {} sessions in the table ({} users × {}), seeded in {:.0?}",
        if backend == Backend::Sqlite {
            "SQLite"
        } else {
            "PostgreSQL"
        },
        sessions_in_table,
        size.users + workers.len(),
        size.sessions_per_user,
        seed_started.elapsed()
    ));

    // Each workload's ceiling is measured right after it, on the same data, with the server
    // idle: the same statements straight through sqlx, no HTTP, no JWT.
    let mut limits: Vec<(&str, usize, f64)> = Vec::new();
    let mut results: Vec<(&str, usize, Sample)> = Vec::new();
    let users: Vec<String> = workers.iter().map(|w| w.user_id.clone()).collect();
    let revoker_users: Vec<String> = revokers.iter().map(|w| w.user_id.clone()).collect();
    let sessions = active_sessions(&store, &users).await;
    let wants = |name: &str| args.only.is_empty() || args.only.iter().any(|o| o == name);
    for &c in &args.levels {
        let tokens: Vec<String> = workers[..c].iter().map(|w| w.access.clone()).collect();
        if wants("check") {
            let url = format!("{}/auth/check", server.base);
            let sample = http_get(url, tokens.clone(), StatusCode::NO_CONTENT, args.duration).await;
            results.push(("GET /auth/check", c, sample));
            let limit = limit_check(&store, &sessions[..c], args.duration).await;
            limits.push(("GET /auth/check", c, limit.rate()));
        }
        if wants("list") {
            let url = format!("{}/me/sessions", server.base);
            let sample = http_get(url, tokens, StatusCode::OK, args.duration).await;
            results.push(("GET /me/sessions", c, sample));
            let limit = limit_list(&store, &users[..c], args.duration).await;
            limits.push(("GET /me/sessions", c, limit.rate()));
        }
        if wants("list500") {
            let url = format!("{}/me/sessions", server.base);
            let tokens = vec![long_list.access.clone(); c];
            let sample = http_get(url, tokens, StatusCode::OK, args.duration).await;
            results.push((LONG_LIST, c, sample));
            let (user, session) = (&long_list.user_id, &long_list.session_id);
            let limit = limit_first_page(&store, user, session, c, args.duration).await;
            limits.push((LONG_LIST, c, limit.rate()));
        }
        if wants("refresh") {
            let (sample, chains) = http_refresh(&server.base, &workers[..c], args.duration).await;
            // The chains carry on at the next level from where they stopped.
            for (worker, token) in workers.iter_mut().zip(chains) {
                worker.refresh = token;
            }
            results.push(("POST /auth/refresh", c, sample));
            let limit = limit_refresh(&store, &revoker_users[..c], args.duration).await;
            limits.push(("POST /auth/refresh", c, limit.rate()));
        }
        if wants("revoke") {
            // Enough sessions to sign out for the whole run at a generous rate.
            let per_worker = if args.smoke {
                2_000
            } else {
                (60_000 / c).max(500)
            };
            let mut pools = Vec::new();
            for w in &revokers[..c] {
                pools.push((
                    w.access.clone(),
                    seed_revocable(&store, &w.user_id, per_worker).await,
                ));
            }
            let sample = http_revoke(&server.base, &pools, args.duration).await;
            results.push(("DELETE /me/sessions/{prefix}", c, sample));
            // The ceiling signs out sessions of its own, seeded the same way.
            let mut pools = Vec::new();
            for w in &revokers[..c] {
                let prefixes = seed_revocable(&store, &w.user_id, per_worker).await;
                pools.push((w.user_id.clone(), w.session_id.clone(), prefixes));
            }
            let limit = limit_revoke(&store, &pools, args.duration).await;
            limits.push(("DELETE /me/sessions/{prefix}", c, limit.rate()));
        }
        println!(
            "(server RSS after concurrency {c}: {:.1} MiB, peak {:.1} MiB)",
            server.rss_mib(),
            server.peak_rss_mib()
        );
    }
    if wants("page") {
        results.push((
            "GET /account/devices (10 rows, SSR)",
            1,
            page_render(&server, &store, args.duration).await,
        ));
    }
    // Sign-ins on accounts of their own: each one adds a session.
    let login_levels: Vec<usize> = args
        .levels
        .iter()
        .copied()
        .filter(|&c| c <= 8 && wants("login"))
        .collect();
    if let Some(&most) = login_levels.iter().max() {
        let signers = make_workers(&server.base, most, "l").await;
        for &c in &login_levels {
            results.push((
                "POST /auth/login (argon2id)",
                c,
                http_login(&server.base, &signers[..c], args.duration).await,
            ));
        }
    }
    let peak = server.peak_rss_mib();
    let open_streams = held.len();
    for stream in held {
        stream.abort();
    }
    drop(server);
    for (workload, c, sample) in &results {
        let limit = limits
            .iter()
            .find(|(w, lc, _)| w == workload && lc == c)
            .map(|(_, _, r)| *r);
        report.row(workload, *c, sample, limit);
    }
    report.note(&format!("Server peak RSS (VmHWM): {peak:.1} MiB."));
    if open_streams > 0 {
        report.note(&format!(
            "{open_streams} idle live streams were held open on the server throughout."
        ));
    }
    store.close().await;
    database.remove().await;
}

/// `n` idle live streams of an account of their own, held open until the handles are aborted.
async fn hold_streams(base: &str, n: usize) -> Vec<tokio::task::JoinHandle<()>> {
    if n == 0 {
        return Vec::new();
    }
    support::raise_open_files();
    let watcher = make_workers(base, 1, "s").await.remove(0);
    let opened = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let streams: Vec<_> = (0..n)
        .map(|_| {
            let url = format!("{base}/me/sessions/events");
            tokio::spawn(support::read_stream(
                url,
                watcher.access.clone(),
                opened.clone(),
                None,
            ))
        })
        .collect();
    let started = Instant::now();
    while opened.load(std::sync::atomic::Ordering::Relaxed) < n {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "only {} of {n} streams opened",
            opened.load(std::sync::atomic::Ordering::Relaxed)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    streams
}

/// The devices page, rendered on the server for an account with ten sessions.
async fn page_render(server: &Server, store: &Store, duration: Duration) -> Sample {
    let user = make_workers(&server.base, 1, "page").await.remove(0);
    seed_revocable(store, &user.user_id, 9).await;
    let url = format!("{}/account/devices", server.base);
    let cookie = format!("signedin_access={}", user.access);
    run(vec![keep_alive_client()], duration, move |client| {
        let (url, cookie) = (url.clone(), cookie.clone());
        async move {
            let ok = match client
                .get(&url)
                .header("cookie", &cookie)
                .header("accept", "text/html")
                .send()
                .await
            {
                Ok(response) => {
                    response.status() == StatusCode::OK
                        && response
                            .text()
                            .await
                            .is_ok_and(|html| html.matches("data-prefix=").count() == 10)
                }
                Err(_) => false,
            };
            (client, Some(ok))
        }
    })
    .await
    .0
}

async fn active_sessions(store: &Store, users: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for user in users {
        let rows = store
            .list_live_sessions(user, &Policy::default(), Timestamp::now())
            .await
            .unwrap();
        out.push(rows[0].session_id.clone());
    }
    out
}

fn main() {
    let args = args();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut report = Report::default();
    report.note(&format!(
        "signedin load benchmark · {} · {} s per cell · concurrency {:?} · {} cores",
        if args.smoke { "smoke" } else { "full" },
        args.duration.as_secs_f64(),
        args.levels,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
    ));
    let mut sizes = vec![if args.smoke {
        Size {
            name: "smoke",
            users: 1_000,
            sessions_per_user: 5,
        }
    } else {
        Size {
            name: "10k",
            users: 10_000,
            sessions_per_user: 5,
        }
    }];
    if args.large {
        sizes.push(Size {
            name: "1m",
            users: 200_000,
            sessions_per_user: 5,
        });
    }
    for backend in &args.backends {
        for size in &sizes {
            runtime.block_on(bench_store(*backend, size, &args, &mut report));
        }
    }
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench/load.md");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    std::fs::write(&out, &report.text).unwrap();
    println!("\nwritten to {}", out.display());
    if !report.broken.is_empty() {
        eprintln!("\nthe benchmark is broken (every cell must serve requests with 0 errors):");
        for cell in &report.broken {
            eprintln!("  {cell}");
        }
        std::process::exit(1);
    }
}

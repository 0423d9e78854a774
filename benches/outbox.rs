//! What writing the outbox costs the database: the sign-in transaction (session, token, audit
//! event) committed back to back, alerts off against alerts on, on SQLite (a temporary file)
//! and, when TEST_DATABASE_URL names a server, PostgreSQL. This is the write's own ceiling,
//! with no argon2 and no HTTP in front; `scripts/bench-alerts.sh` measures whole sign-ins.
//!
//! `cargo bench --bench outbox` prints a Markdown table (see docs/BENCHMARKS.md).

#[path = "../tests/support/postgres.rs"]
mod postgres;

use std::time::{Duration, Instant};

use signedin::alerts::Routes;
use signedin::audit::{AuditEvent, SignInNovelty};
use signedin::store::{NewSession, NewUser};
use signedin::token::{RefreshToken, random_id};
use signedin::{ClientHints, DeviceContext, Store, StoreOptions, Timestamp};

const PER_RUN: usize = 2000;
const ROUNDS: usize = 3;

/// One sign-in's transaction; `new_device` makes it the kind that also writes an alert
/// email and its link.
async fn sign_in(store: &Store, user: &NewUser, device: &DeviceContext, new_device: bool) {
    let now = Timestamp::now();
    let session_id = random_id().unwrap();
    let session = NewSession {
        session_id: session_id.clone(),
        user_id: user.id.clone(),
        token: RefreshToken::generate().unwrap().hash(),
        device: device.clone(),
        description: None,
        signed_in_at: now,
        expires_at: now.plus(Duration::from_secs(86_400)),
        new_location: false,
        verified_password_hash: user.password_hash.clone(),
    };
    let seen = SignInNovelty {
        place: None,
        new_location: false,
        label: "Chrome on macOS",
        new_device,
    };
    let event = AuditEvent::sign_in(&user.id, &session_id, device, seen, now);
    store
        .create_session(&session, &event, &signedin::Policy::default())
        .await
        .unwrap();
}

/// Sign-ins per second, one after another.
async fn rate(store: &Store, user: &NewUser, device: &DeviceContext, new_device: bool) -> f64 {
    let started = Instant::now();
    for _ in 0..PER_RUN {
        sign_in(store, user, device, new_device).await;
    }
    PER_RUN as f64 / started.elapsed().as_secs_f64()
}

async fn measure(name: &str, url: &str) {
    let store = Store::connect(url, &StoreOptions::default()).await.unwrap();
    let now = Timestamp::now();
    let user = NewUser {
        id: random_id().unwrap(),
        email: format!("bench-{}@example.com", random_id().unwrap()),
        email_normalized: String::new(),
        password_hash: "not a real hash".into(),
        created_at: now,
    };
    let user = NewUser {
        email_normalized: user.email.clone(),
        ..user
    };
    let device = DeviceContext::new(
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "203.0.113.10".parse().unwrap(),
        ClientHints::default(),
    );
    let created = AuditEvent::account_created(&user.id, &device, now);
    store.create_user(&user, &created).await.unwrap();
    let on = Routes {
        emails: true,
        webhook_urls: vec!["http://127.0.0.1:9/hook".into()],
    };
    // Warm the pools and caches, then alternate so drift hits every row alike.
    rate(&store, &user, &device, false).await;
    let (mut off, mut hook, mut alert) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        store.set_outbox_routes(Routes::default());
        off.push(rate(&store, &user, &device, false).await);
        store.set_outbox_routes(on.clone());
        hook.push(rate(&store, &user, &device, false).await);
        alert.push(rate(&store, &user, &device, true).await);
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (off, hook, alert) = (median(off), median(hook), median(alert));
    let cost = |on: f64| format!("{:+.1} %", (off / on - 1.0) * 100.0);
    println!("| {name} | alerts off | {off:.0} | |");
    println!(
        "| {name} | + `session.created` webhook row | {hook:.0} | {} |",
        cost(hook)
    );
    println!(
        "| {name} | + webhook, alert email and link rows (a new device) | {alert:.0} | {} |",
        cost(alert)
    );
    store.close().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    println!(
        "| store | sign-in transaction | per second (median of {ROUNDS} × {PER_RUN}) | time added |"
    );
    println!("|---|---|---:|---:|");
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("outbox.db").display());
    measure("SQLite", &sqlite).await;
    if std::env::var("TEST_DATABASE_URL").is_ok()
        && let Some((url, admin, name)) = postgres::create_database("signedin_bench").await
    {
        measure("PostgreSQL", &url).await;
        postgres::drop_database(&admin, &name).await;
    }
}

//! `kill -9` during a storm of refreshes and revokes, then a restart: every session has at
//! most one live token, and every revoke the server acknowledged is still in force.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::node::{Db, Node, login, run, signup_and_login};

crate::on_both_stores!(a_hard_kill_mid_storm_loses_no_acknowledged_revoke);

async fn a_hard_kill_mid_storm_loses_no_acknowledged_revoke(db: &Db) {
    const SESSIONS: usize = 24;
    let node = Node::start(&db.url, &[]).await;
    let client = Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let control = signup_and_login(&client, &node, "ada@example.com").await;
    let control_token = control["access_token"].as_str().unwrap().to_owned();
    let mut sessions = Vec::new();
    for _ in 0..SESSIONS {
        sessions.push(login(&client, &node, "ada@example.com").await);
    }

    let revoked: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let killed = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Tally::default());
    let mut tasks = Vec::new();
    for (i, session) in sessions.iter().enumerate() {
        let client = client.clone();
        let base = node.base.clone();
        let refresh_token = session["refresh_token"].as_str().unwrap().to_owned();
        let prefix = session["session"]["jti_prefix"]
            .as_str()
            .unwrap()
            .to_owned();
        let control_token = control_token.clone();
        let revoked = revoked.clone();
        let killed = killed.clone();
        let tally = tally.clone();
        tasks.push(tokio::spawn(async move {
            let mut token = refresh_token;
            for round in 0..10_000 {
                // Every third session only refreshes, so the kill lands mid-storm.
                if i % 3 != 0 && round == 3 + i % 7 {
                    // Sign this one out; remember it only once the server said so.
                    match client
                        .delete(format!("{base}/me/sessions/{prefix}"))
                        .bearer_auth(&control_token)
                        .send()
                        .await
                    {
                        Ok(response) if response.status() == StatusCode::NO_CONTENT => {
                            revoked.lock().await.push((prefix.clone(), token.clone()));
                        }
                        outcome => tally.failed(&killed, &format!("revoke: {outcome:?}")),
                    }
                    return;
                }
                let response = client
                    .post(format!("{base}/auth/refresh"))
                    .json(&json!({"refresh_token": token}))
                    .send()
                    .await;
                let body = match response {
                    Ok(response) if response.status() == StatusCode::OK => {
                        response.json::<Value>().await
                    }
                    outcome => {
                        tally.failed(&killed, &format!("refresh: {outcome:?}"));
                        return;
                    }
                };
                match body.as_ref().ok().and_then(|b| b["refresh_token"].as_str()) {
                    Some(next) => {
                        token = next.to_owned();
                        tally.rotations.fetch_add(1, Ordering::Relaxed);
                    }
                    None => {
                        tally.failed(&killed, &format!("refresh body: {body:?}"));
                        return;
                    }
                }
            }
        }));
    }
    // Kill once a good share of the revokes have been acknowledged, while the rest of the
    // storm is still in flight.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while revoked.lock().await.len() < SESSIONS / 3 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let rotations_before_kill = tally.rotations.load(Ordering::Relaxed);
    killed.store(true, Ordering::SeqCst);
    let port = node.port;
    let status = node.kill_hard();
    assert_eq!(status, Some(9), "the server died of SIGKILL, mid-storm");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "nothing answers on the port after the kill"
    );
    for task in tasks {
        task.await.unwrap();
    }
    let unexpected = tally.unexpected.lock().unwrap().clone();
    assert!(
        unexpected.is_empty(),
        "every failure came from the kill; before it: {unexpected:?}"
    );
    assert!(
        rotations_before_kill >= SESSIONS,
        "rotations happened before the kill: {rotations_before_kill}"
    );
    let cut_off = tally.after_kill.load(Ordering::Relaxed);
    assert!(cut_off > 0, "the kill cut requests off mid-storm");

    let restarted = Node::start(&db.url, &[]).await;
    let check = run(&db.url, &["check"]);
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "after kill -9: {report}");
    let acknowledged = revoked.lock().await.clone();
    assert!(
        acknowledged.len() >= SESSIONS / 3,
        "the storm acknowledged revokes before the kill"
    );
    for (prefix, token) in &acknowledged {
        let refresh = client
            .post(restarted.url("/auth/refresh"))
            .json(&json!({"refresh_token": token}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            refresh.status(),
            StatusCode::UNAUTHORIZED,
            "revoked session {prefix} came back"
        );
    }
    let listed: Value = client
        .get(restarted.url("/me/sessions"))
        .bearer_auth(&control_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let live: Vec<&str> = listed["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["jti_prefix"].as_str().unwrap())
        .collect();
    for (prefix, _) in &acknowledged {
        assert!(
            !live.contains(&prefix.as_str()),
            "revoked session {prefix} is listed"
        );
    }
    eprintln!(
        "kill -9 storm: {rotations_before_kill} rotations and {} revokes acknowledged before the \
         kill, {cut_off} requests cut off by it; all revokes held",
        acknowledged.len()
    );
}

/// What the storm's clients saw.
#[derive(Default)]
struct Tally {
    rotations: AtomicUsize,
    /// Requests that failed once the server was being killed (expected).
    after_kill: AtomicUsize,
    /// Failures while the server was up: each one is a defect.
    unexpected: std::sync::Mutex<Vec<String>>,
}

impl Tally {
    fn failed(&self, killed: &AtomicBool, what: &str) {
        if killed.load(Ordering::SeqCst) {
            self.after_kill.fetch_add(1, Ordering::Relaxed);
        } else {
            self.unexpected.lock().unwrap().push(what.to_owned());
        }
    }
}

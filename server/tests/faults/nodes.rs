//! Two server processes on one database: a revoke on one is refused on the other at once,
//! and revokes racing refreshes never leave a live token behind.

use std::time::Instant;

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::node::{Db, Node, login, run, signup_and_login};

crate::on_both_stores!(
    a_device_signed_out_through_one_node_is_refused_by_the_other_at_once,
    revokes_racing_refreshes_on_two_nodes_never_leave_a_live_token,
);

async fn a_device_signed_out_through_one_node_is_refused_by_the_other_at_once(db: &Db) {
    let a = Node::start(&db.url, &[]).await;
    let b = Node::start(&db.url, &[]).await;
    let client = Client::new();
    let mac = signup_and_login(&client, &a, "ada@example.com").await;
    let phone = login(&client, &b, "ada@example.com").await;
    let phone_token = phone["access_token"].as_str().unwrap();
    // Both nodes sign with the one secret stored in the shared database.
    let on_b = client
        .get(b.url("/me/sessions"))
        .bearer_auth(mac["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(on_b.status(), StatusCode::OK);
    assert_eq!(
        client
            .get(b.url("/me/sessions"))
            .bearer_auth(phone_token)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );

    let prefix = phone["session"]["jti_prefix"].as_str().unwrap();
    let revoked = client
        .delete(a.url(&format!("/me/sessions/{prefix}")))
        .bearer_auth(mac["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    let next = client
        .get(b.url("/me/sessions"))
        .bearer_auth(phone_token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        next.status(),
        StatusCode::UNAUTHORIZED,
        "refused on the very next request, on the other node"
    );
    let refresh = client
        .post(b.url("/auth/refresh"))
        .json(&json!({"refresh_token": phone["refresh_token"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(refresh.status(), StatusCode::UNAUTHORIZED);
}

/// How one session's refresh chain ended.
#[derive(Debug)]
struct Chain {
    /// Refreshes answered 200.
    rotations: usize,
    /// The answer that ended the chain (`None`: it never ended).
    ended_with: Option<StatusCode>,
    /// When the last refresh answered 200 was sent.
    last_rotation_sent: Option<Instant>,
}

/// Each session refreshes through B back to back, every answer's token presented at once,
/// until a refresh is refused; the same session is signed out through A the moment its
/// first rotation is answered, so the revoke lands while the chain is in full flow. Every
/// chain must be cut off by its revoke (a 401 after at least one rotation), and no refresh
/// sent after a revoke was acknowledged may succeed.
async fn revokes_racing_refreshes_on_two_nodes_never_leave_a_live_token(db: &Db) {
    const SESSIONS: usize = 16;
    /// A chain still rotating after this many refreshes was not cut off by its revoke.
    const MAX_REFRESHES: usize = 2_000;
    let a = Node::start(&db.url, &[]).await;
    let b = Node::start(&db.url, &[]).await;
    let client = Client::new();
    let control = signup_and_login(&client, &a, "ada@example.com").await;
    let control_token = control["access_token"].as_str().unwrap().to_owned();
    let mut sessions = Vec::new();
    for i in 0..SESSIONS {
        let node = if i % 2 == 0 { &a } else { &b };
        sessions.push(login(&client, node, "ada@example.com").await);
    }

    let mut refreshers = Vec::new();
    let mut revokers = Vec::new();
    for session in &sessions {
        let (rotated, first_rotation) = tokio::sync::oneshot::channel::<()>();
        // Refreshes through B, as fast as they go…
        refreshers.push({
            let client = client.clone();
            let url = b.url("/auth/refresh");
            let mut token = session["refresh_token"].as_str().unwrap().to_owned();
            tokio::spawn(async move {
                let mut rotated = Some(rotated);
                let mut chain = Chain {
                    rotations: 0,
                    ended_with: None,
                    last_rotation_sent: None,
                };
                for _ in 0..MAX_REFRESHES {
                    let sent = Instant::now();
                    let response = client
                        .post(&url)
                        .json(&json!({"refresh_token": token}))
                        .send()
                        .await
                        .unwrap();
                    if response.status() != StatusCode::OK {
                        chain.ended_with = Some(response.status());
                        break;
                    }
                    let body: Value = response.json().await.unwrap();
                    token = body["refresh_token"].as_str().unwrap().to_owned();
                    chain.rotations += 1;
                    chain.last_rotation_sent = Some(sent);
                    if let Some(rotated) = rotated.take() {
                        let _ = rotated.send(());
                    }
                }
                chain
            })
        });
        // …while the same session is signed out through A, by the prefix of its first token
        // (stale by then), as soon as the chain is under way.
        revokers.push({
            let client = client.clone();
            let prefix = session["session"]["jti_prefix"]
                .as_str()
                .unwrap()
                .to_owned();
            let url = a.url(&format!("/me/sessions/{prefix}"));
            let token = control_token.clone();
            tokio::spawn(async move {
                // A chain that never rotated drops the sender; it still gets revoked, and
                // the assertions below report it.
                let _ = first_rotation.await;
                let response = client.delete(url).bearer_auth(token).send().await.unwrap();
                assert_eq!(
                    response.status(),
                    StatusCode::NO_CONTENT,
                    "a stale prefix still names the session"
                );
                Instant::now()
            })
        });
    }
    let mut chains = Vec::new();
    for (refresher, revoker) in refreshers.into_iter().zip(revokers) {
        let chain = refresher.await.unwrap();
        let acknowledged = revoker.await.unwrap();
        if let Some(sent) = chain.last_rotation_sent {
            assert!(
                sent < acknowledged,
                "a refresh sent after its session's revoke was acknowledged succeeded: {chain:?}"
            );
        }
        chains.push(chain);
    }
    let cut_off = chains
        .iter()
        .filter(|c| c.rotations >= 1 && c.ended_with == Some(StatusCode::UNAUTHORIZED))
        .count();
    assert_eq!(
        cut_off, SESSIONS,
        "every chain is cut off mid-flight by its revoke: {chains:?}"
    );

    let check = run(&db.url, &["check"]);
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{report}");
    assert!(
        report.contains("live refresh tokens: 1\n"),
        "only the control session is left: {report}"
    );
    let left = client
        .get(a.url("/me/sessions"))
        .bearer_auth(&control_token)
        .send()
        .await
        .unwrap();
    let left: Value = left.json().await.unwrap();
    assert_eq!(left["sessions"].as_array().unwrap().len(), 1);
}

//! Two server processes on one database: a revoke on one is refused on the other at once,
//! and revokes racing refreshes never leave a live token behind.

use std::sync::Arc;

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use tokio::sync::Mutex;

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

async fn revokes_racing_refreshes_on_two_nodes_never_leave_a_live_token(db: &Db) {
    const SESSIONS: usize = 16;
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

    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut tasks = Vec::new();
    for (i, session) in sessions.iter().enumerate() {
        // Refreshes through B, as fast as they go…
        let refresher = {
            let client = client.clone();
            let url = b.url("/auth/refresh");
            let mut token = session["refresh_token"].as_str().unwrap().to_owned();
            tokio::spawn(async move {
                for _ in 0..20 {
                    let response = client
                        .post(&url)
                        .json(&json!({"refresh_token": token}))
                        .send()
                        .await
                        .unwrap();
                    if response.status() != StatusCode::OK {
                        break;
                    }
                    let body: Value = response.json().await.unwrap();
                    token = body["refresh_token"].as_str().unwrap().to_owned();
                }
            })
        };
        // …while the same session is signed out through A.
        let revoker = {
            let client = client.clone();
            let prefix = session["session"]["jti_prefix"]
                .as_str()
                .unwrap()
                .to_owned();
            let url = a.url(&format!("/me/sessions/{prefix}"));
            let token = control_token.clone();
            let acknowledged = acknowledged.clone();
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_millis((i as u64 % 4) * 5)).await;
                let response = client.delete(url).bearer_auth(token).send().await.unwrap();
                assert_eq!(
                    response.status(),
                    StatusCode::NO_CONTENT,
                    "a stale prefix still names the session"
                );
                acknowledged.lock().await.push(prefix);
            })
        };
        tasks.push(refresher);
        tasks.push(revoker);
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(acknowledged.lock().await.len(), SESSIONS);
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

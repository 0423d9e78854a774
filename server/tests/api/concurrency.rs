//! Many refreshes with one token at once, over separate connections.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, spawn_app};

crate::on_both_stores!(
    concurrent_refreshes_share_one_successor_and_a_late_replay_kills_the_session
);

async fn concurrent_refreshes_share_one_successor_and_a_late_replay_kills_the_session(
    backend: Backend,
) {
    const CONCURRENCY: usize = 64;
    let app = spawn_app(backend).await.unwrap();
    let login = app.user("ada@example.com").await;
    let token = login["refresh_token"].as_str().unwrap().to_owned();
    let url = app.url("/auth/refresh");
    let attempts = (0..CONCURRENCY).map(|_| {
        // A client per request: separate TCP connections, as separate tabs or devices.
        let client = reqwest::Client::new();
        let url = url.clone();
        let token = token.clone();
        tokio::spawn(async move {
            let response = client
                .post(url)
                .json(&json!({"refresh_token": token}))
                .send()
                .await
                .unwrap();
            (response.status(), response.json::<Value>().await.unwrap())
        })
    });
    let results = futures_join(attempts).await;
    let successors: HashSet<String> = results
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, StatusCode::OK, "{body}");
            body["refresh_token"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(
        successors.len(),
        1,
        "every success carries the same successor"
    );
    let report = app.service.check().await.unwrap();
    assert_eq!(report.live_tokens, 1);
    assert!(report.is_consistent(), "{report:?}");

    app.advance(Duration::from_secs(11));
    let replay = app.refresh(&token).await;
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
    let successor = successors.into_iter().next().unwrap();
    assert_eq!(
        app.refresh(&successor).await.status(),
        StatusCode::UNAUTHORIZED,
        "the session is dead"
    );
    assert_eq!(app.service.check().await.unwrap().live_tokens, 0);
    let kinds: Vec<String> = app
        .service
        .store()
        .security_events(&ada_id(&app).await, i64::MAX, 100)
        .await
        .unwrap()
        .iter()
        .map(|record| record.event.kind().as_str().to_owned())
        .collect();
    assert!(kinds.iter().any(|k| k == "reuse_detected"), "{kinds:?}");
    app.finish().await;
}

async fn ada_id(app: &crate::helpers::TestApp) -> String {
    app.service
        .store()
        .find_user_by_email("ada@example.com")
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn futures_join<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for handle in handles.collect::<Vec<_>>() {
        out.push(handle.await.unwrap());
    }
    out
}

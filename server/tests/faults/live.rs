//! Live streams across nodes: a change committed through one node reaches a stream held by
//! another within two seconds, through PostgreSQL's `LISTEN`/`NOTIFY`.

use std::time::Duration;

use reqwest::{Client, StatusCode};

use crate::node::{Db, Node, login, run, signup_and_login};

crate::on_both_stores!(
    the_admin_command_ends_a_streaming_devices_session_at_once,
    sigterm_ends_open_streams_so_the_node_stops_at_once,
);

/// Without their end, open streams would hold the graceful drain for its whole 30 s.
async fn sigterm_ends_open_streams_so_the_node_stops_at_once(db: &Db) {
    let node = Node::start(&db.url, &[]).await;
    let client = Client::new();
    let mac = signup_and_login(&client, &node, "ada@example.com").await;
    let mut streams = Vec::new();
    for _ in 0..3 {
        let response = client
            .get(node.url("/me/sessions/events"))
            .bearer_auth(mac["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        streams.push(SseStream::new(response));
    }
    // On PostgreSQL the sign-in's own change may still be on its way through NOTIFY: what
    // must come after the signal is the end, not a stale change.
    for stream in &mut streams {
        stream.settle(Duration::from_millis(250)).await;
    }
    let started = std::time::Instant::now();
    let status = node.terminate();
    assert!(status.success(), "{status:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stopping took {:?}",
        started.elapsed()
    );
    for mut stream in streams {
        assert_eq!(stream.next_event(Duration::from_secs(2)).await, Next::Ended);
    }
}

/// The admin command is another process: on SQLite the node finds its change by looking,
/// on PostgreSQL it hears it.
async fn the_admin_command_ends_a_streaming_devices_session_at_once(db: &Db) {
    let node = Node::start(&db.url, &[]).await;
    let client = Client::new();
    let mac = signup_and_login(&client, &node, "ada@example.com").await;
    let response = client
        .get(node.url("/me/sessions/events"))
        .bearer_auth(mac["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut stream = SseStream::new(response);
    // PostgreSQL's listener connects in the background; SQLite's first look starts afresh.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let revoked = run(
        &db.url,
        &["sessions", "revoke", "--email", "ada@example.com", "--all"],
    );
    assert!(revoked.status.success(), "{revoked:?}");
    let ended = stream
        .expect_named("signed_out", Duration::from_secs(2))
        .await;
    assert_eq!(ended.json()["device"], serde_json::Value::Null);
    assert_eq!(stream.next_event(Duration::from_secs(2)).await, Next::Ended);
}
use crate::sse::{Next, SseStream};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stream_on_one_node_sees_a_sign_out_done_on_the_other() {
    let Some(db) = Db::postgres().await else {
        return;
    };
    let a = Node::start(&db.url, &[]).await;
    let b = Node::start(&db.url, &[]).await;
    let client = Client::new();
    let mac = signup_and_login(&client, &a, "ada@example.com").await;
    let phone = login(&client, &b, "ada@example.com").await;
    let phone_token = phone["access_token"].as_str().unwrap();
    let response = client
        .get(a.url("/me/sessions/events"))
        .bearer_auth(phone_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut on_a = SseStream::new(response);
    // The node's listener may still be connecting: a sign-in through B tells when it is.
    let mut listening = false;
    for _ in 0..20 {
        login(&client, &b, "ada@example.com").await;
        if let Next::Event(event) = on_a.next_event(Duration::from_millis(500)).await {
            assert_eq!(event.json()["kind"], "sign_in");
            listening = true;
            break;
        }
    }
    assert!(listening, "node A never heard of a sign-in through node B");
    while let Next::Event(_) = on_a.next_event(Duration::from_millis(300)).await {}

    let prefix = phone["session"]["jti_prefix"].as_str().unwrap();
    let revoked = client
        .delete(b.url(&format!("/me/sessions/{prefix}")))
        .bearer_auth(mac["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    let ended = on_a
        .expect_named("signed_out", Duration::from_secs(2))
        .await;
    assert!(ended.json()["at"].is_string(), "{ended:?}");
    assert_eq!(on_a.next_event(Duration::from_secs(2)).await, Next::Ended);
    db.finish().await;
}

//! `GET /me/sessions/events`: the live stream of the caller's changes, over real HTTP.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{
    Backend, IPHONE_SAFARI, MAC_CHROME, Options, PASSWORD, TestApp, problem, spawn_app,
    spawn_app_with,
};
use crate::sse::{Next, SseStream};

crate::on_both_stores!(
    a_sign_in_elsewhere_reaches_an_open_stream_within_two_seconds,
    the_page_opens_its_stream_with_its_access_cookie,
    signing_this_session_out_elsewhere_ends_its_stream,
    a_session_signing_itself_out_is_told_it_was_its_own_doing,
    a_stream_whose_client_hangs_up_gives_its_place_back,
    another_users_changes_never_reach_a_stream,
    last_event_id_replays_what_was_missed,
    forged_or_huge_last_event_ids_start_with_a_resync,
    a_stream_without_a_live_session_is_401,
    over_the_per_user_limit_the_oldest_stream_closes,
    over_the_node_limit_a_stream_is_503,
    a_refresh_moves_last_active_at_most_once_per_window,
    a_stream_outlives_the_request_and_client_deadlines_with_heartbeats,
    a_stopping_server_ends_its_streams_at_once,
    the_stream_is_documented_as_an_event_stream,
    a_password_change_signs_the_other_devices_streams_out,
    reuse_detection_signs_the_stolen_sessions_stream_out,
    expiry_found_on_use_signs_the_sessions_stream_out,
);

const SOON: Duration = Duration::from_secs(2);
const EVENTS: &str = "/me/sessions/events";

fn token(login: &Value) -> &str {
    login["access_token"].as_str().unwrap()
}

async fn open(app: &TestApp, token: &str) -> SseStream {
    open_after(app, token, None).await
}

async fn open_after(app: &TestApp, token: &str, last_event_id: Option<&str>) -> SseStream {
    let mut request = app.client.get(app.url(EVENTS)).bearer_auth(token);
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    let mut stream = SseStream::new(response);
    // The first thing on every stream: how long to wait before reconnecting.
    match stream.next_block(SOON).await {
        Next::Event(first) => assert_eq!(first.retry, Some(2000), "{first:?}"),
        other => panic!("no retry hint: {other:?}"),
    }
    if last_event_id.is_none() {
        stream.settle(Duration::from_millis(250)).await;
    }
    stream
}

async fn a_sign_in_elsewhere_reaches_an_open_stream_within_two_seconds(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let mac = app.user("ada@example.com").await;
    let mut stream = open(&app, token(&mac)).await;
    assert_eq!(
        stream.next_event(Duration::from_millis(300)).await,
        Next::Quiet
    );
    app.login_as("ada@example.com", IPHONE_SAFARI).await;
    let change = stream.expect_event(SOON).await;
    assert_eq!(change.name(), "change");
    assert_eq!(change.json()["kind"], "sign_in");
    assert!(change.json()["at"].as_str().unwrap().contains('T'));
    let id: i64 = change.id.as_deref().unwrap().parse().unwrap();
    assert!(id > 0);
    app.finish().await;
}

async fn the_page_opens_its_stream_with_its_access_cookie(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let mac = app.user("ada@example.com").await;
    let response = app
        .client
        .get(app.url(EVENTS))
        .header("cookie", format!("signedin_access={}", token(&mac)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut stream = SseStream::new(response);
    stream.settle(Duration::from_millis(250)).await;
    app.login_as("ada@example.com", IPHONE_SAFARI).await;
    assert_eq!(stream.expect_event(SOON).await.json()["kind"], "sign_in");
    app.finish().await;
}

async fn signing_this_session_out_elsewhere_ends_its_stream(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let mac = app.user("ada@example.com").await;
    let phone = app.login_as("ada@example.com", IPHONE_SAFARI).await;
    let mut on_phone = open(&app, token(&phone)).await;
    let mut on_mac = open(&app, token(&mac)).await;
    let prefix = phone["session"]["jti_prefix"].as_str().unwrap();
    let deleted = app
        .client
        .delete(app.url(&format!("/me/sessions/{prefix}")))
        .bearer_auth(token(&mac))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let ended = on_phone.expect_event(SOON).await;
    assert_eq!(ended.name(), "signed_out");
    assert_eq!(ended.json()["device"], "Chrome on macOS");
    assert!(ended.json()["at"].is_string());
    assert_eq!(ended.json()["by_this_session"], false, "ended elsewhere");
    assert_eq!(on_phone.next_event(SOON).await, Next::Ended);
    // The device that did it is told of the change, and stays open.
    let change = on_mac.expect_event(SOON).await;
    assert_eq!(change.json()["kind"], "session_revoked");
    assert_eq!(
        on_mac.next_event(Duration::from_millis(300)).await,
        Next::Quiet
    );
    app.finish().await;
}

async fn another_users_changes_never_reach_a_stream(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let ada = app.user("ada@example.com").await;
    let mut stream = open(&app, token(&ada)).await;
    let bob = app.user("bob@example.com").await;
    app.login_as("bob@example.com", IPHONE_SAFARI).await;
    let signed_out = app
        .client
        .post(app.url("/auth/logout"))
        .bearer_auth(token(&bob))
        .send()
        .await
        .unwrap();
    assert!(signed_out.status().is_success(), "{}", signed_out.status());
    // Ada's own next change is the first thing her stream tells.
    app.login_as("ada@example.com", IPHONE_SAFARI).await;
    let first = stream.expect_event(SOON).await;
    assert_eq!(first.json()["kind"], "sign_in");
    let sessions = app.sessions(token(&ada)).await;
    assert_eq!(sessions.len(), 2, "the sign-in told is Ada's own");
    assert_eq!(
        stream.next_event(Duration::from_millis(300)).await,
        Next::Quiet
    );
    app.finish().await;
}

async fn last_event_id_replays_what_was_missed(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let mac = app.user("ada@example.com").await;
    let mut stream = open(&app, token(&mac)).await;
    let phone = app.login_as("ada@example.com", IPHONE_SAFARI).await;
    let seen = stream.expect_event(SOON).await.id.unwrap();
    drop(stream);
    // Missed while disconnected: the phone signs out, a third device signs in.
    let out = app
        .client
        .post(app.url("/auth/logout"))
        .bearer_auth(token(&phone))
        .send()
        .await
        .unwrap();
    assert!(out.status().is_success());
    app.login_as("ada@example.com", MAC_CHROME).await;
    let mut resumed = open_after(&app, token(&mac), Some(&seen)).await;
    let first = resumed.expect_event(SOON).await;
    let second = resumed.expect_event(SOON).await;
    assert_eq!(first.json()["kind"], "sign_out");
    assert_eq!(second.json()["kind"], "sign_in");
    let id =
        |event: &crate::sse::SseEvent| -> i64 { event.id.as_deref().unwrap().parse().unwrap() };
    assert!(id(&first) > seen.parse().unwrap() && id(&second) > id(&first));
    assert_eq!(
        resumed.next_event(Duration::from_millis(300)).await,
        Next::Quiet
    );
    app.finish().await;
}

async fn forged_or_huge_last_event_ids_start_with_a_resync(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let ada = app.user("ada@example.com").await;
    let bob = app.user("bob@example.com").await;
    // Bob's latest event id: real, but not Ada's.
    let mut bobs = open(&app, token(&bob)).await;
    app.login_as("bob@example.com", IPHONE_SAFARI).await;
    let bobs_id = bobs.expect_event(SOON).await.id.unwrap();
    let huge = "9".repeat(4000);
    for forged in [
        "abc",
        "-1",
        "0",
        "99999999999999999999999",
        "9223372036854775807",
        &huge,
        &bobs_id,
    ] {
        let mut stream = open_after(&app, token(&ada), Some(forged)).await;
        let first = stream.expect_event(SOON).await;
        assert_eq!(first.name(), "resync", "Last-Event-ID {forged:.20}");
        assert_eq!(first.json(), serde_json::json!({}));
    }
    app.finish().await;
}

async fn a_stream_without_a_live_session_is_401(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let ada = app.user("ada@example.com").await;
    let none = app.client.get(app.url(EVENTS)).send().await.unwrap();
    problem(none, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let forged = app.get_bearer(EVENTS, "not-a-token").await;
    problem(forged, StatusCode::UNAUTHORIZED, "invalid_token").await;
    let cookie = app
        .client
        .get(app.url(EVENTS))
        .header("cookie", "signedin_access=forged")
        .send()
        .await
        .unwrap();
    problem(cookie, StatusCode::UNAUTHORIZED, "invalid_token").await;
    let out = app
        .client
        .post(app.url("/auth/logout"))
        .bearer_auth(token(&ada))
        .send()
        .await
        .unwrap();
    assert!(out.status().is_success());
    let signed_out = app.get_bearer(EVENTS, token(&ada)).await;
    problem(signed_out, StatusCode::UNAUTHORIZED, "invalid_token").await;
    app.finish().await;
}

async fn over_the_per_user_limit_the_oldest_stream_closes(backend: Backend) {
    let options = Options::new(backend).with("--live-streams-per-user", "2");
    let app = spawn_app_with(options).await.unwrap();
    let mac = app.user("ada@example.com").await;
    let mut oldest = open(&app, token(&mac)).await;
    let mut second = open(&app, token(&mac)).await;
    let mut third = open(&app, token(&mac)).await;
    assert_eq!(oldest.next_event(SOON).await, Next::Ended);
    app.login_as("ada@example.com", IPHONE_SAFARI).await;
    assert_eq!(second.expect_event(SOON).await.json()["kind"], "sign_in");
    assert_eq!(third.expect_event(SOON).await.json()["kind"], "sign_in");
    app.finish().await;
}

async fn over_the_node_limit_a_stream_is_503(backend: Backend) {
    let options = Options::new(backend).with("--live-streams-per-node", "1");
    let app = spawn_app_with(options).await.unwrap();
    let ada = app.user("ada@example.com").await;
    let bob = app.user("bob@example.com").await;
    let _held = open(&app, token(&ada)).await;
    let refused = app.get_bearer(EVENTS, token(&bob)).await;
    assert!(refused.headers().contains_key("retry-after"));
    problem(refused, StatusCode::SERVICE_UNAVAILABLE, "too_many_streams").await;
    app.finish().await;
}

async fn a_refresh_moves_last_active_at_most_once_per_window(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let mac = app.user("ada@example.com").await;
    let phone = app.login_as("ada@example.com", IPHONE_SAFARI).await;
    let mut stream = open(&app, token(&mac)).await;
    let mut refresh_token = phone["refresh_token"].as_str().unwrap().to_owned();
    let mut refresh = async || {
        let response = app.refresh(&refresh_token).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        refresh_token = body["refresh_token"].as_str().unwrap().to_owned();
    };
    // Used a moment ago (at sign-in): nothing new to show.
    refresh().await;
    app.advance(Duration::from_secs(6));
    for _ in 0..5 {
        refresh().await;
    }
    let touch = stream.expect_event(SOON).await;
    assert_eq!(touch.name(), "touch");
    assert!(touch.id.is_none());
    assert!(touch.json()["at"].is_string());
    assert_eq!(
        stream.next_event(Duration::from_millis(500)).await,
        Next::Quiet
    );
    app.advance(Duration::from_secs(6));
    refresh().await;
    assert_eq!(stream.expect_event(SOON).await.name(), "touch");
    app.finish().await;
}

async fn a_stream_outlives_the_request_and_client_deadlines_with_heartbeats(backend: Backend) {
    let options = Options::new(backend)
        .with("--request-timeout-secs", "1")
        .with("--client-timeout-secs", "1")
        .with("--live-heartbeat-secs", "1");
    let app = spawn_app_with(options).await.unwrap();
    let mac = app.user("ada@example.com").await;
    let mut stream = open(&app, token(&mac)).await;
    let mut heartbeats = 0;
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_millis(3500) {
        match stream.next_block(SOON).await {
            Next::Event(block) if block.comment && block.event.is_none() => heartbeats += 1,
            other => panic!("expected only heartbeats, got {other:?}"),
        }
    }
    assert!(heartbeats >= 2, "{heartbeats} heartbeats in 3.5 s");
    app.login_as("ada@example.com", IPHONE_SAFARI).await;
    assert_eq!(stream.expect_event(SOON).await.json()["kind"], "sign_in");
    app.finish().await;
}

async fn a_stopping_server_ends_its_streams_at_once(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let mac = app.user("ada@example.com").await;
    let mut stream = open(&app, token(&mac)).await;
    app.finish().await;
    assert_eq!(stream.next_event(SOON).await, Next::Ended);
}

async fn the_stream_is_documented_as_an_event_stream(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let doc: Value = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let get = &doc["paths"][EVENTS]["get"];
    assert!(
        get["responses"]["200"]["content"]["text/event-stream"].is_object(),
        "{get}"
    );
    assert!(get["responses"]["401"].is_object() && get["responses"]["503"].is_object());
    let parameters = get["parameters"].as_array().unwrap();
    assert!(
        parameters
            .iter()
            .any(|p| p["name"] == "Last-Event-ID" && p["in"] == "header")
    );
    app.finish().await;
}

async fn a_password_change_signs_the_other_devices_streams_out(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let mac = app.user("ada@example.com").await;
    let phone = app.login_as("ada@example.com", IPHONE_SAFARI).await;
    let mut on_phone = open(&app, token(&phone)).await;
    let mut on_mac = open(&app, token(&mac)).await;
    let changed = app
        .client
        .post(app.url("/accounts/me/password"))
        .bearer_auth(token(&mac))
        .json(&serde_json::json!({"current_password": PASSWORD, "new_password": "a new password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    let ended = on_phone.expect_event(SOON).await;
    assert_eq!(ended.name(), "signed_out");
    assert_eq!(ended.json()["device"], "Chrome on macOS");
    assert_eq!(on_phone.next_event(SOON).await, Next::Ended);
    let change = on_mac.expect_event(SOON).await;
    assert_eq!(change.json()["kind"], "password_changed");
    app.finish().await;
}

async fn reuse_detection_signs_the_stolen_sessions_stream_out(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    app.user("ada@example.com").await;
    let phone = app.login_as("ada@example.com", IPHONE_SAFARI).await;
    let mut on_phone = open(&app, token(&phone)).await;
    let stolen = phone["refresh_token"].as_str().unwrap();
    assert_eq!(app.refresh(stolen).await.status(), StatusCode::OK);
    app.advance(Duration::from_secs(60));
    assert_eq!(app.refresh(stolen).await.status(), StatusCode::UNAUTHORIZED);
    let ended = on_phone.expect_event(SOON).await;
    assert_eq!(ended.name(), "signed_out", "{ended:?}");
    assert_eq!(ended.json()["device"], Value::Null);
    assert_eq!(on_phone.next_event(SOON).await, Next::Ended);
    app.finish().await;
}

async fn expiry_found_on_use_signs_the_sessions_stream_out(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    app.user("ada@example.com").await;
    let phone = app.login_as("ada@example.com", IPHONE_SAFARI).await;
    let mut on_phone = open(&app, token(&phone)).await;
    app.advance(Duration::from_secs(15 * 86_400));
    let refresh = app.refresh(phone["refresh_token"].as_str().unwrap()).await;
    assert_eq!(refresh.status(), StatusCode::UNAUTHORIZED);
    let ended = on_phone.expect_event(SOON).await;
    assert_eq!(ended.name(), "signed_out", "{ended:?}");
    assert_eq!(on_phone.next_event(SOON).await, Next::Ended);
    app.finish().await;
}

/// A session signing itself out (its own "Sign out") ends its streams too, marked as its own
/// doing: its tab is leaving already and says nothing of being signed out.
async fn a_session_signing_itself_out_is_told_it_was_its_own_doing(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let mac = app.user("ada@example.com").await;
    let mut stream = open(&app, token(&mac)).await;
    let signed_out = app
        .client
        .post(app.url("/auth/logout"))
        .bearer_auth(token(&mac))
        .send()
        .await
        .unwrap();
    assert!(signed_out.status().is_success(), "{}", signed_out.status());
    let ended = stream.expect_event(SOON).await;
    assert_eq!(ended.name(), "signed_out");
    assert_eq!(ended.json()["by_this_session"], true);
    assert_eq!(stream.next_event(SOON).await, Next::Ended);
    app.finish().await;
}

/// A client that goes away (a closed tab, lost signal) must not keep its place: once the
/// node notices (at the latest at the next heartbeat), the stream is gone from the hub and
/// its slot under the node's limit is free again.
async fn a_stream_whose_client_hangs_up_gives_its_place_back(backend: Backend) {
    let options = Options::new(backend)
        .with("--live-streams-per-node", "1")
        .with("--live-heartbeat-secs", "1");
    let app = spawn_app_with(options).await.unwrap();
    let ada = app.user("ada@example.com").await;
    let bob = app.user("bob@example.com").await;
    let held = open(&app, token(&ada)).await;
    let refused = app.get_bearer(EVENTS, token(&bob)).await;
    assert_eq!(
        refused.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "the node is full"
    );
    drop(held);
    let started = std::time::Instant::now();
    loop {
        let response = app.get_bearer(EVENTS, token(&bob)).await;
        if response.status() == StatusCode::OK {
            break;
        }
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the hung-up stream still holds its place"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.finish().await;
}

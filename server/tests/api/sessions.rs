use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, IPHONE_SAFARI, MAC_CHROME, PASSWORD, problem, spawn_app};

crate::on_both_stores!(
    the_list_shows_this_session_first_with_labels,
    a_device_is_signed_out_by_its_prefix,
    another_users_session_is_a_404_however_it_is_named,
    malformed_prefixes_are_422,
    bulk_sign_out_needs_a_recent_password,
    bulk_sign_out_of_everything,
    changing_the_password_signs_out_other_devices,
    security_events_are_paged_newest_first,
);

fn token(login: &Value) -> &str {
    login["access_token"].as_str().unwrap()
}

async fn the_list_shows_this_session_first_with_labels(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    app.user("ada@example.com").await;
    let phone = app.login_as("ada@example.com", IPHONE_SAFARI).await;
    let sessions = app.sessions(token(&phone)).await;
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions[0]["is_current"], true);
    assert_eq!(sessions[0]["device"]["label"], "Safari on iPhone");
    assert_eq!(sessions[1]["is_current"], false);
    assert_eq!(sessions[1]["device"]["label"], "Chrome on macOS");
    assert_eq!(sessions[1]["device"]["kind"], "desktop");
    app.finish().await;
}

async fn a_device_is_signed_out_by_its_prefix(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let mac = app.user("ada@example.com").await;
    let phone = app.login_as("ada@example.com", IPHONE_SAFARI).await;
    let prefix = phone["session"]["jti_prefix"].as_str().unwrap();
    let deleted = app
        .client
        .delete(app.url(&format!("/me/sessions/{prefix}")))
        .bearer_auth(token(&mac))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    problem(
        app.get_bearer("/me/sessions", token(&phone)).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    assert_eq!(app.sessions(token(&mac)).await.len(), 1);
    let again = app
        .client
        .delete(app.url(&format!("/me/sessions/{prefix}")))
        .bearer_auth(token(&mac))
        .send()
        .await
        .unwrap();
    problem(again, StatusCode::NOT_FOUND, "not_found").await;
    app.finish().await;
}

async fn another_users_session_is_a_404_however_it_is_named(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let ada = app.user("ada@example.com").await;
    let bob = app.user("bob@example.com").await;
    let prefix = ada["session"]["jti_prefix"].as_str().unwrap();
    for guess in [prefix, &prefix[..4], &prefix[..8]] {
        let response = app
            .client
            .delete(app.url(&format!("/me/sessions/{guess}")))
            .bearer_auth(token(&bob))
            .send()
            .await
            .unwrap();
        problem(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    assert_eq!(
        app.sessions(token(&ada)).await.len(),
        1,
        "Ada's session is untouched"
    );
    app.finish().await;
}

async fn malformed_prefixes_are_422(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let ada = app.user("ada@example.com").await;
    let long = "a".repeat(10_000);
    for bad in [
        "a",
        "abc",
        "zzzz",
        "abcd'%20OR%201=1--",
        "%25%25%25%25",
        "..%2F..%2Fetc",
        &long,
    ] {
        let response = app
            .client
            .delete(app.url(&format!("/me/sessions/{bad}")))
            .bearer_auth(token(&ada))
            .send()
            .await
            .unwrap();
        problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    }
    assert_eq!(app.sessions(token(&ada)).await.len(), 1);
    app.finish().await;
}

async fn bulk_sign_out_needs_a_recent_password(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let mac = app.user("ada@example.com").await;
    app.login_as("ada@example.com", IPHONE_SAFARI).await;
    app.login_as("ada@example.com", IPHONE_SAFARI).await;
    app.advance(Duration::from_secs(901));
    // A refresh keeps the session going, but it is not a password check.
    let mac: Value = app
        .refresh(mac["refresh_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    let body = json!({"scope": "others"});
    let refused = app
        .client
        .post(app.url("/accounts/me/security/revoke-sessions"))
        .bearer_auth(token(&mac))
        .json(&body)
        .send()
        .await
        .unwrap();
    problem(refused, StatusCode::FORBIDDEN, "reauth_required").await;
    let reauth = app
        .client
        .post(app.url("/auth/reauth"))
        .bearer_auth(token(&mac))
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(reauth.status(), StatusCode::NO_CONTENT);
    let done = app
        .client
        .post(app.url("/accounts/me/security/revoke-sessions"))
        .bearer_auth(token(&mac))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(done.json::<Value>().await.unwrap(), json!({"revoked": 2}));
    assert_eq!(app.sessions(token(&mac)).await.len(), 1);
    let bad_scope = app
        .client
        .post(app.url("/accounts/me/security/revoke-sessions"))
        .bearer_auth(token(&mac))
        .json(&json!({"scope": "some"}))
        .send()
        .await
        .unwrap();
    problem(bad_scope, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    app.finish().await;
}

async fn bulk_sign_out_of_everything(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let mac = app.user("ada@example.com").await;
    app.login_as("ada@example.com", IPHONE_SAFARI).await;
    let done = app
        .client
        .post(app.url("/accounts/me/security/revoke-sessions"))
        .bearer_auth(token(&mac))
        .json(&json!({"scope": "all"}))
        .send()
        .await
        .unwrap();
    assert_eq!(done.json::<Value>().await.unwrap(), json!({"revoked": 2}));
    problem(
        app.get_bearer("/me/sessions", token(&mac)).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    app.finish().await;
}

async fn changing_the_password_signs_out_other_devices(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let mac = app.user("ada@example.com").await;
    let phone = app.login_as("ada@example.com", IPHONE_SAFARI).await;
    let change = |current: &str, new: &str| {
        app.client
            .post(app.url("/accounts/me/password"))
            .bearer_auth(token(&mac))
            .json(&json!({"current_password": current, "new_password": new}))
            .send()
    };
    problem(
        change("nope nope", "a new password").await.unwrap(),
        StatusCode::FORBIDDEN,
        "wrong_password",
    )
    .await;
    problem(
        change(PASSWORD, "short").await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(
        change(PASSWORD, "a new password").await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    problem(
        app.get_bearer("/me/sessions", token(&phone)).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    assert_eq!(app.sessions(token(&mac)).await.len(), 1);
    let old = app
        .post_json(
            "/auth/login",
            json!({"email": "ada@example.com", "password": PASSWORD}),
        )
        .await;
    problem(old, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let _ = MAC_CHROME;
    app.finish().await;
}

async fn security_events_are_paged_newest_first(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let mac = app.user("ada@example.com").await;
    for _ in 0..3 {
        app.login_as("ada@example.com", IPHONE_SAFARI).await;
    }
    let first: Value = app
        .get_bearer("/me/security/events?limit=3", token(&mac))
        .await
        .json()
        .await
        .unwrap();
    let events = first["events"].as_array().unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!(events[0]["kind"], "sign_in");
    assert!(
        events[0]["summary"]
            .as_str()
            .unwrap()
            .starts_with("New sign-in: Safari on iPhone"),
        "{}",
        events[0]
    );
    let before = first["next_before"].as_i64().unwrap();
    let second: Value = app
        .get_bearer(
            &format!("/me/security/events?limit=3&before={before}"),
            token(&mac),
        )
        .await
        .json()
        .await
        .unwrap();
    let kinds: Vec<_> = second["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["sign_in", "account_created"]);
    assert!(second["next_before"].is_null());
    for bad in ["limit=0", "limit=101", "limit=x", "before=soon"] {
        problem(
            app.get_bearer(&format!("/me/security/events?{bad}"), token(&mac))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        )
        .await;
    }
    app.finish().await;
}

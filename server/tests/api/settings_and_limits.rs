//! Promises the README makes that nothing else tests over HTTP: the refresh and
//! re-authentication rate limits, 409 for an ambiguous prefix, a password change that keeps
//! the other devices, and the settings of the session rules and of the database pool
//! reaching the code that applies them (the other tests run on the defaults).

use std::time::Duration;

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use signedin::Store;
use signedin::token::TokenHash;

use crate::helpers::{
    Backend, IPHONE_SAFARI, Options, PASSWORD, TestApp, problem, seed_session, spawn_app,
    spawn_app_with,
};

crate::on_both_stores!(
    refreshes_are_limited_per_address_and_per_session,
    reauthentication_is_limited_per_address_and_per_session,
    an_ambiguous_prefix_is_409_and_a_longer_one_signs_the_device_out,
    a_password_change_can_keep_the_other_devices_signed_in,
    the_idle_timeout_setting_ends_sessions,
    the_maximum_age_setting_ends_sessions_that_keep_refreshing,
    the_reuse_grace_setting_bounds_the_twin_window,
    the_audit_retention_setting_bounds_what_prune_keeps,
    the_pool_size_setting_sizes_the_pool,
);

fn token(body: &Value) -> &str {
    body["access_token"].as_str().unwrap()
}

fn refresh_token(body: &Value) -> String {
    body["refresh_token"].as_str().unwrap().to_owned()
}

async fn app_with(backend: Backend, flags: &[(&'static str, &str)]) -> TestApp {
    let mut options = Options::new(backend);
    for (flag, value) in flags {
        options = options.with(flag, *value);
    }
    spawn_app_with(options).await.unwrap()
}

/// A 429 `rate_limited` answer with a `Retry-After` within `per` seconds.
async fn limited(response: Response, per: u64) {
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=per).contains(&retry_after), "{retry_after}");
    problem(response, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

async fn reauth(app: &TestApp, session: &Value) -> Response {
    app.client
        .post(app.url("/auth/reauth"))
        .bearer_auth(token(session))
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .unwrap()
}

async fn refreshes_are_limited_per_address_and_per_session(backend: Backend) {
    // The old name of refresh_session is still accepted.
    let app = app_with(
        backend,
        &[("--rate-limits", "refresh_ip=4/60,refresh_account=2/60")],
    )
    .await;
    let mac = app.user("ada@example.com").await;
    let phone = app.login_as("ada@example.com", IPHONE_SAFARI).await;
    let mut mac_token = refresh_token(&mac);
    for _ in 0..2 {
        let response = app.refresh(&mac_token).await;
        assert_eq!(response.status(), StatusCode::OK);
        mac_token = refresh_token(&response.json().await.unwrap());
    }
    // The session's budget is spent; the refused token is still the live one.
    limited(app.refresh(&mac_token).await, 60).await;
    // Another session from the same address has its own…
    let phone_token = refresh_token(&phone);
    let response = app.refresh(&phone_token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let phone_token = refresh_token(&response.json().await.unwrap());
    // …until the address's budget (4, the refused one included) is spent too.
    limited(app.refresh(&phone_token).await, 60).await;
    // Both budgets refill with time.
    app.advance(Duration::from_secs(60));
    assert_eq!(app.refresh(&mac_token).await.status(), StatusCode::OK);
    assert_eq!(app.refresh(&phone_token).await.status(), StatusCode::OK);
    app.finish().await;
}

async fn reauthentication_is_limited_per_address_and_per_session(backend: Backend) {
    let app = app_with(
        backend,
        &[("--rate-limits", "reauth_ip=4/60,reauth_account=2/300")],
    )
    .await;
    let mac = app.user("ada@example.com").await;
    let phone = app.login_as("ada@example.com", IPHONE_SAFARI).await;
    for _ in 0..2 {
        assert_eq!(reauth(&app, &mac).await.status(), StatusCode::NO_CONTENT);
    }
    limited(reauth(&app, &mac).await, 300).await;
    assert_eq!(reauth(&app, &phone).await.status(), StatusCode::NO_CONTENT);
    limited(reauth(&app, &phone).await, 60).await;
    // A password change draws on the session's budget too.
    let change = app
        .client
        .post(app.url("/accounts/me/password"))
        .bearer_auth(token(&mac))
        .json(&json!({"current_password": PASSWORD, "new_password": "a new password"}))
        .send()
        .await
        .unwrap();
    limited(change, 300).await;
    app.finish().await;
}

async fn an_ambiguous_prefix_is_409_and_a_longer_one_signs_the_device_out(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let mac = app.user("ada@example.com").await;
    let now = app.service.now();
    // Two devices whose token hashes share their first four hex characters.
    for (id, hash) in [
        ("s1", format!("beef0{}", "1".repeat(59))),
        ("s2", format!("beef9{}", "2".repeat(59))),
    ] {
        let session_id = format!("{id}{}", "0".repeat(30));
        seed_session(
            &app,
            "ada@example.com",
            session_id,
            TokenHash::from_stored(hash),
            now,
        )
        .await;
    }
    let delete = |prefix: &str| {
        app.client
            .delete(app.url(&format!("/me/sessions/{prefix}")))
            .bearer_auth(token(&mac))
            .send()
    };
    problem(
        delete("beef").await.unwrap(),
        StatusCode::CONFLICT,
        "ambiguous_prefix",
    )
    .await;
    assert_eq!(app.sessions(token(&mac)).await.len(), 3, "nothing ended");
    assert_eq!(
        delete("beef9").await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let left: Vec<String> = app
        .sessions(token(&mac))
        .await
        .iter()
        .map(|s| s["jti_prefix"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(left.len(), 2);
    assert!(left.iter().any(|p| p.starts_with("beef0")), "{left:?}");
    assert!(!left.iter().any(|p| p.starts_with("beef9")), "{left:?}");
    app.finish().await;
}

async fn a_password_change_can_keep_the_other_devices_signed_in(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let mac = app.user("ada@example.com").await;
    let phone = app.login_as("ada@example.com", IPHONE_SAFARI).await;
    let changed = app
        .client
        .post(app.url("/accounts/me/password"))
        .bearer_auth(token(&mac))
        .json(&json!({
            "current_password": PASSWORD,
            "new_password": "a new password",
            "sign_out_other_sessions": false,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.sessions(token(&phone)).await.len(),
        2,
        "the phone is still signed in"
    );
    assert_eq!(
        app.refresh(&refresh_token(&phone)).await.status(),
        StatusCode::OK
    );
    let old = app
        .post_json(
            "/auth/login",
            json!({"email": "ada@example.com", "password": PASSWORD}),
        )
        .await;
    problem(old, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let events: Value = app
        .get_bearer("/me/security/events", token(&mac))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        events["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "password_changed"),
        "{events}"
    );
    app.finish().await;
}

async fn the_idle_timeout_setting_ends_sessions(backend: Backend) {
    let app = app_with(
        backend,
        &[("--idle-timeout-secs", "600"), ("--access-ttl-secs", "60")],
    )
    .await;
    let kept = app.user("ada@example.com").await;
    let idle = app.login_as("ada@example.com", IPHONE_SAFARI).await;
    app.advance(Duration::from_secs(599));
    let kept = app.refresh(&refresh_token(&kept)).await;
    assert_eq!(kept.status(), StatusCode::OK, "inside the idle timeout");
    app.advance(Duration::from_secs(2));
    let late = problem(
        app.refresh(&refresh_token(&idle)).await,
        StatusCode::UNAUTHORIZED,
        "invalid_refresh_token",
    )
    .await;
    assert_eq!(late["detail"], "the session has expired", "{late}");
    app.finish().await;
}

async fn the_maximum_age_setting_ends_sessions_that_keep_refreshing(backend: Backend) {
    let app = app_with(
        backend,
        &[
            ("--session-max-age-secs", "1800"),
            ("--idle-timeout-secs", "600"),
            ("--access-ttl-secs", "60"),
        ],
    )
    .await;
    let mut tokens = refresh_token(&app.user("ada@example.com").await);
    for _ in 0..3 {
        app.advance(Duration::from_secs(500));
        let response = app.refresh(&tokens).await;
        assert_eq!(response.status(), StatusCode::OK);
        tokens = refresh_token(&response.json().await.unwrap());
    }
    // 1,800 s after the sign-in, though used 300 s ago.
    app.advance(Duration::from_secs(300));
    let over = problem(
        app.refresh(&tokens).await,
        StatusCode::UNAUTHORIZED,
        "invalid_refresh_token",
    )
    .await;
    assert_eq!(over["detail"], "the session has expired", "{over}");
    app.finish().await;
}

async fn the_reuse_grace_setting_bounds_the_twin_window(backend: Backend) {
    let app = app_with(backend, &[("--reuse-grace-secs", "2")]).await;
    let signed_in = app.user("ada@example.com").await;
    let first = refresh_token(&signed_in);
    let rotated = app.refresh(&first).await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let successor = refresh_token(&rotated.json().await.unwrap());
    app.advance(Duration::from_secs(1));
    let twin = app.refresh(&first).await;
    assert_eq!(twin.status(), StatusCode::OK, "inside the grace window");
    assert_eq!(refresh_token(&twin.json().await.unwrap()), successor);
    app.advance(Duration::from_secs(2));
    let replay = problem(
        app.refresh(&first).await,
        StatusCode::UNAUTHORIZED,
        "invalid_refresh_token",
    )
    .await;
    assert_eq!(
        replay["detail"],
        "the token was already used; the session has been signed out"
    );
    assert_eq!(
        app.refresh(&successor).await.status(),
        StatusCode::UNAUTHORIZED,
        "the whole session ended"
    );
    app.finish().await;
}

async fn the_audit_retention_setting_bounds_what_prune_keeps(backend: Backend) {
    let app = app_with(backend, &[("--audit-retention-days", "2")]).await;
    app.user("ada@example.com").await; // the account's creation and a sign-in
    app.advance(Duration::from_secs(2 * 86_400));
    assert_eq!(app.service.prune().await.unwrap().audit_events, 0);
    let later = app.login_as("ada@example.com", IPHONE_SAFARI).await;
    app.advance(Duration::from_secs(1));
    assert_eq!(app.service.prune().await.unwrap().audit_events, 2);
    let events: Value = app
        .get_bearer("/me/security/events", token(&later))
        .await
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["sign_in"], "{events}");
    app.finish().await;
}

async fn the_pool_size_setting_sizes_the_pool(backend: Backend) {
    let app = app_with(backend, &[("--db-max-connections", "3")]).await;
    let size = match app.service.store() {
        // Readers beside SQLite's single writer.
        Store::Sqlite(store) => store.reader().options().get_max_connections(),
        Store::Postgres(store) => store.pool().options().get_max_connections(),
    };
    assert_eq!(size, 3);
    app.finish().await;
}

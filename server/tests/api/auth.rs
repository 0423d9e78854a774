use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, IPHONE_SAFARI, MAC_CHROME, PASSWORD, problem, spawn_app};

crate::on_both_stores!(
    signup_creates_an_account_once_per_email,
    signup_refuses_invalid_input_with_422,
    login_returns_tokens_and_the_new_session,
    login_refuses_a_wrong_password_and_an_unknown_email_alike,
    refresh_rotates_and_refuses_a_spent_token_after_the_grace_window,
    reauth_accepts_only_the_right_password,
    logout_ends_the_session_at_once,
);

async fn signup_creates_an_account_once_per_email(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let created = app.signup("ada@example.com").await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let body: Value = created.json().await.unwrap();
    assert_eq!(body["user_id"].as_str().unwrap().len(), 32);
    let again = app
        .post_json(
            "/auth/signup",
            json!({"email": " ADA@example.com ", "password": PASSWORD}),
        )
        .await;
    problem(again, StatusCode::CONFLICT, "email_taken").await;
    app.finish().await;
}

async fn signup_refuses_invalid_input_with_422(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let short = app
        .post_json(
            "/auth/signup",
            json!({"email": "ada@example.com", "password": "1234567"}),
        )
        .await;
    let body = problem(short, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert!(
        body["detail"].as_str().unwrap().contains("at least 8"),
        "{body}"
    );
    let email = app
        .post_json(
            "/auth/signup",
            json!({"email": "not-an-email", "password": PASSWORD}),
        )
        .await;
    problem(email, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    app.finish().await;
}

async fn login_returns_tokens_and_the_new_session(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    app.signup("ada@example.com").await;
    let body = app.login_as("ada@example.com", IPHONE_SAFARI).await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body["access_token"].as_str().unwrap().split('.').count() == 3);
    assert!(body["refresh_token"].as_str().unwrap().starts_with("sirt_"));
    let session = &body["session"];
    assert_eq!(session["is_current"], true);
    assert_eq!(session["user_agent"], IPHONE_SAFARI);
    assert_eq!(session["ip"], "127.0.0.1");
    assert_eq!(session["device"]["label"], "Safari on iPhone");
    assert_eq!(session["device"]["kind"], "phone");
    assert_eq!(session["location"]["label"], "Local network");
    assert_eq!(session["jti_prefix"].as_str().unwrap().len(), 12);
    for field in ["created_at", "last_used_at", "signed_in_at", "expires_at"] {
        let text = session[field].as_str().unwrap();
        assert!(text.ends_with('Z') && text.contains('T'), "{field}: {text}");
    }
    assert_eq!(body["new_location"], false);
    app.finish().await;
}

async fn login_refuses_a_wrong_password_and_an_unknown_email_alike(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    app.signup("ada@example.com").await;
    let wrong = app
        .post_json(
            "/auth/login",
            json!({"email": "ada@example.com", "password": "nope nope"}),
        )
        .await;
    let wrong = problem(wrong, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let unknown = app
        .post_json(
            "/auth/login",
            json!({"email": "bob@example.com", "password": "nope nope"}),
        )
        .await;
    let unknown = problem(unknown, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    assert_eq!(wrong, unknown);
    app.finish().await;
}

async fn refresh_rotates_and_refuses_a_spent_token_after_the_grace_window(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let login = app.user("ada@example.com").await;
    let first = login["refresh_token"].as_str().unwrap();
    let rotated = app.refresh(first).await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let rotated: Value = rotated.json().await.unwrap();
    assert_ne!(rotated["refresh_token"], login["refresh_token"]);
    assert_eq!(rotated["token_type"], "Bearer");
    let twin: Value = app.refresh(first).await.json().await.unwrap();
    assert_eq!(
        twin["refresh_token"], rotated["refresh_token"],
        "inside the grace window: the same successor"
    );

    app.advance(std::time::Duration::from_secs(11));
    problem(
        app.refresh(first).await,
        StatusCode::UNAUTHORIZED,
        "invalid_refresh_token",
    )
    .await;
    let next = app
        .refresh(rotated["refresh_token"].as_str().unwrap())
        .await;
    problem(next, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    problem(
        app.refresh("sirt_nonsense").await,
        StatusCode::UNAUTHORIZED,
        "invalid_refresh_token",
    )
    .await;
    app.finish().await;
}

async fn reauth_accepts_only_the_right_password(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let login = app.user("ada@example.com").await;
    let token = login["access_token"].as_str().unwrap();
    let wrong = app
        .client
        .post(app.url("/auth/reauth"))
        .bearer_auth(token)
        .json(&json!({"password": "nope nope"}))
        .send()
        .await
        .unwrap();
    problem(wrong, StatusCode::FORBIDDEN, "wrong_password").await;
    let right = app
        .client
        .post(app.url("/auth/reauth"))
        .bearer_auth(token)
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::NO_CONTENT);
    app.finish().await;
}

async fn logout_ends_the_session_at_once(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let login = app.user("ada@example.com").await;
    let token = login["access_token"].as_str().unwrap();
    let check = app.get_bearer("/auth/check", token).await;
    assert_eq!(check.status(), StatusCode::NO_CONTENT);
    let out = app
        .client
        .post(app.url("/auth/logout"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get_bearer("/auth/check", token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let after = app.get_bearer("/me/sessions", token).await;
    assert!(
        after.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    problem(after, StatusCode::UNAUTHORIZED, "invalid_token").await;
    let refresh = app.refresh(login["refresh_token"].as_str().unwrap()).await;
    problem(refresh, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    let _ = MAC_CHROME;
    app.finish().await;
}

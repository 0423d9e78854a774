use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{Backend, spawn_app};

crate::on_both_stores!(
    liveness_and_readiness_answer,
    the_openapi_document_describes_every_endpoint
);

async fn liveness_and_readiness_answer(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert!(health.headers().contains_key("x-request-id"));
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    app.finish().await;
}

async fn the_openapi_document_describes_every_endpoint(backend: Backend) {
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
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/auth/signup",
        "/auth/login",
        "/auth/refresh",
        "/auth/reauth",
        "/auth/logout",
        "/auth/check",
        "/auth/forward",
        "/auth/session",
        "/auth/session/refresh",
        "/.well-known/jwks.json",
        "/me/sessions",
        "/me/sessions/{id}",
        "/accounts/me/security/revoke-sessions",
        "/accounts/me/password",
        "/me/security/events",
    ] {
        assert!(paths.contains_key(path), "{path} is missing");
    }
    let session_path = &doc["paths"]["/me/sessions/{id}"];
    for method in ["patch", "delete"] {
        assert!(
            session_path.get(method).is_some(),
            "{method} /me/sessions/{{id}}"
        );
    }
    let session = &doc["components"]["schemas"]["SessionView"]["properties"];
    for field in [
        "id",
        "name",
        "jti_prefix",
        "user_agent",
        "ip",
        "created_at",
        "last_used_at",
        "signed_in_at",
        "expires_at",
        "is_current",
        "device",
        "location",
    ] {
        assert!(session.get(field).is_some(), "SessionView.{field}");
    }
    app.finish().await;
}

//! No raw token appears anywhere but in the response that issues it: not in the database,
//! not in the logs (at debug level), not in any other response, the OpenAPI document or a
//! page.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::{Column, Connection, Row};

use crate::helpers::{Backend, IPHONE_SAFARI, MAC_CHROME, PASSWORD, captured_logs, spawn_app};

crate::on_both_stores!(no_raw_token_is_stored_logged_or_echoed);

async fn no_raw_token_is_stored_logged_or_echoed(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let mut secrets: Vec<String> = Vec::new();
    let mut bodies: Vec<String> = Vec::new();
    let issued = |body: &Value, secrets: &mut Vec<String>| {
        for key in ["access_token", "refresh_token"] {
            secrets.push(body[key].as_str().unwrap().to_owned());
        }
    };

    app.signup("ada@example.com").await;
    let mac = app.login_as("ada@example.com", MAC_CHROME).await;
    issued(&mac, &mut secrets);
    let phone = app.login_as("ada@example.com", IPHONE_SAFARI).await;
    issued(&phone, &mut secrets);
    let refreshed: Value = app
        .refresh(phone["refresh_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    issued(&refreshed, &mut secrets);
    let token = mac["access_token"].as_str().unwrap();

    for path in [
        "/me/sessions",
        "/me/security/events",
        "/openapi.json",
        "/",
        "/login",
        "/healthz",
    ] {
        let response = app.get_bearer(path, token).await;
        bodies.push(response.text().await.unwrap());
    }
    let reauth = app
        .client
        .post(app.url("/auth/reauth"))
        .bearer_auth(token)
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .unwrap();
    bodies.push(reauth.text().await.unwrap());
    let prefix = app.sessions(token).await[1]["jti_prefix"]
        .as_str()
        .unwrap()
        .to_owned();
    let deleted = app
        .client
        .delete(app.url(&format!("/me/sessions/{prefix}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let replay = app.refresh(phone["refresh_token"].as_str().unwrap()).await;
    bodies.push(replay.text().await.unwrap());
    let out = app
        .client
        .post(app.url("/auth/logout"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    bodies.push(out.text().await.unwrap());
    let after = app.get_bearer("/me/sessions", token).await;
    bodies.push(after.text().await.unwrap());

    let database = dump(&app.database_url).await;
    let logs = captured_logs();
    assert!(logs.contains("request"), "the logs were captured");
    for secret in &secrets {
        // The tail of a refresh token is its random part; the tail of a JWT its signature.
        let tail = &secret[secret.len() - 20..];
        assert!(
            !database.contains(tail),
            "a raw token is stored in the database"
        );
        assert!(!logs.contains(tail), "a raw token was logged");
        for body in &bodies {
            assert!(!body.contains(tail), "a raw token was echoed in a response");
        }
    }
    assert!(
        database.contains(&prefix),
        "the hashes' public prefixes are stored"
    );
    app.finish().await;
}

async fn dump(url: &str) -> String {
    let tables = [
        "users",
        "sessions",
        "refresh_tokens",
        "audit_events",
        "server_secrets",
    ];
    let mut out = String::new();
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        for table in tables {
            for row in sqlx::query(&format!("SELECT * FROM {table}"))
                .fetch_all(&mut conn)
                .await
                .unwrap()
            {
                for column in row.columns() {
                    let text = row
                        .try_get::<String, _>(column.ordinal())
                        .or_else(|_| {
                            row.try_get::<i64, _>(column.ordinal())
                                .map(|n| n.to_string())
                        })
                        .unwrap_or_default();
                    out.push_str(&text);
                    out.push('|');
                }
            }
        }
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        for table in tables {
            let rows: Vec<String> =
                sqlx::query_scalar(&format!("SELECT CAST(t AS TEXT) FROM {table} t"))
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
            out.push_str(&rows.join("\n"));
        }
    }
    out
}

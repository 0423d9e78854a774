//! Prometheus metrics on a listener of their own: what a scrape shows after real traffic,
//! that the public port never serves them, and that no label carries a user's data.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Backend, Options, PASSWORD, spawn_app_with};

crate::on_both_stores!(metrics_count_what_happened_on_their_own_port_and_nothing_personal);

/// The value of the sample `name{labels}` (labels written exactly as exposed), if present.
fn sample(exposition: &str, series: &str) -> Option<f64> {
    exposition
        .lines()
        .find(|line| line.starts_with(series) && line[series.len()..].starts_with(' '))
        .and_then(|line| line.rsplit(' ').next()?.parse().ok())
}

async fn metrics_count_what_happened_on_their_own_port_and_nothing_personal(backend: Backend) {
    let app = spawn_app_with(
        Options::new(backend)
            .with("--metrics-addr", "127.0.0.1:0")
            .with("--rate-limits", "signin_account=3/60"),
    )
    .await
    .unwrap();
    let metrics = app.metrics.expect("a metrics listener");
    let scrape = || async {
        let response = app
            .client
            .get(format!("http://{metrics}/metrics"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.text().await.unwrap()
    };
    let before = scrape().await;
    let ok = r#"signedin_sign_ins_total{outcome="ok"}"#;
    let wrong = r#"signedin_sign_ins_total{outcome="invalid_credentials"}"#;
    let limited = r#"signedin_sign_ins_total{outcome="rate_limited"}"#;
    let count = |text: &str, series: &str| sample(text, series).unwrap_or(0.0);

    let email = "metrics-ada@example.com";
    let signup = app.signup(email).await;
    assert_eq!(signup.status(), StatusCode::CREATED);
    let signup: serde_json::Value = signup.json().await.unwrap();
    let user_id = signup["user_id"].as_str().unwrap().to_owned();
    let login = |password: &'static str| {
        app.post_json("/auth/login", json!({"email": email, "password": password}))
    };
    let signed_in: serde_json::Value = login(PASSWORD).await.json().await.unwrap();
    assert_eq!(
        login("wrong password").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(login("wrong password").await.status());
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    let refreshed = app
        .post_json(
            "/auth/refresh",
            json!({"refresh_token": signed_in["refresh_token"]}),
        )
        .await;
    assert_eq!(refreshed.status(), StatusCode::OK);

    let after = scrape().await;
    assert!(count(&after, ok) >= count(&before, ok) + 1.0, "{after}");
    assert!(count(&after, wrong) >= count(&before, wrong) + 1.0);
    assert!(count(&after, limited) >= count(&before, limited) + 1.0);
    assert!(
        count(
            &after,
            r#"signedin_rate_limited_total{limit="signin_account"}"#
        ) >= 1.0
    );
    assert!(count(&after, r#"signedin_refreshes_total{outcome="rotated"}"#) >= 1.0);
    assert!(
        after.contains(
            r#"signedin_http_requests_total{route="/auth/login",method="POST",status="200"}"#
        ),
        "{after}"
    );
    assert!(after.contains("signedin_http_request_duration_seconds_bucket{"));
    for family in [
        "signedin_sign_ins_total",
        "signedin_http_requests_total",
        "signedin_live_sessions",
    ] {
        assert!(
            after.contains(&format!("# HELP {family} ")),
            "{family} has no help text"
        );
    }
    assert!(after.contains("signedin_password_hash_wait_seconds"));
    assert!(after.contains("signedin_db_acquire_seconds"));
    assert!(after.contains(r#"signedin_db_connections{"#));
    assert_eq!(
        sample(
            &after,
            &format!(
                r#"signedin_build_info{{version="{}"}}"#,
                env!("CARGO_PKG_VERSION")
            )
        ),
        Some(1.0)
    );
    // Nothing personal in any label: not the email, the user's id, a token or an address.
    for secret in [
        email,
        user_id.as_str(),
        signed_in["refresh_token"].as_str().unwrap(),
        "127.0.0.1\"",
    ] {
        assert!(!after.contains(secret), "{secret} in the metrics");
    }

    // Never on the public port.
    let public = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(public.status(), StatusCode::NOT_FOUND);
    app.finish().await;
}

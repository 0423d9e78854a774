//! Arbitrary bodies, content types and paths sent to every JSON endpoint of the real
//! router (on SQLite): a client's mistake is never a server error (5xx) and never a panic.
#![no_main]

use std::sync::{Mutex, OnceLock};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use clap::Parser;
use libfuzzer_sys::fuzz_target;
use server::config::{Cli, Config};
use server::startup::Application;
use tower::ServiceExt;

#[path = "../json_bodies_input.rs"]
mod input;

struct Harness {
    runtime: tokio::runtime::Runtime,
    router: axum::Router,
    /// A live access token, renewed whenever an input manages to end its session.
    token: Mutex<String>,
    _dir: tempfile::TempDir,
}

const PASSWORD: &str = "correct horse battery staple";

async fn call(router: &axum::Router, method: &str, uri: &str, token: Option<&str>, content_type: &str, body: Vec<u8>) -> Option<(StatusCode, Vec<u8>)> {
    let mut builder = Request::builder().method(Method::from_bytes(method.as_bytes()).ok()?).uri(uri).header("content-type", content_type);
    if let Some(token) = token {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    let request = builder.body(Body::from(body)).ok()?;
    let response = router.clone().oneshot(request).await.ok()?;
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.ok()?;
    Some((status, bytes.to_vec()))
}

async fn sign_in(router: &axum::Router) -> String {
    let body = format!(r#"{{"email":"fuzz@example.com","password":"{PASSWORD}"}}"#).into_bytes();
    let _ = call(router, "POST", "/auth/signup", None, "application/json", body.clone()).await;
    let (_, login) = call(router, "POST", "/auth/login", None, "application/json", body).await.expect("login");
    let text = String::from_utf8_lossy(&login).into_owned();
    let start = text.find("\"access_token\":\"").expect("token") + 16;
    text[start..start + text[start..].find('"').expect("end")].to_owned()
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("fuzz.db").display());
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let cli = Cli::try_parse_from([
            "signedin", "--database-url", &url, "--addr", "127.0.0.1:0", "--rate-limits", "off",
            "--log", "off", "--access-ttl-secs", "31536000", "--geoip-dir", "/nonexistent",
        ])
        .expect("flags");
        let config = Config::from_settings(cli.settings).expect("config");
        let router = runtime.block_on(async { Application::build(config).await.expect("app").router() });
        let token = Mutex::new(runtime.block_on(sign_in(&router)));
        Harness { runtime, router, token, _dir: dir }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = input::decode(data) else { return };
    let harness = harness();
    let token = harness.token.lock().expect("lock").clone();
    let Some((status, _)) = harness.runtime.block_on(call(
        &harness.router,
        input.method,
        &input.uri,
        input.authenticated.then_some(token.as_str()),
        input.content_type,
        input.body.to_vec(),
    )) else {
        return;
    };
    assert!(!status.is_server_error(), "{} {} answered {status}", input.method, input.uri);
    if input.authenticated && status == StatusCode::UNAUTHORIZED {
        *harness.token.lock().expect("lock") = harness.runtime.block_on(sign_in(&harness.router));
    }
});

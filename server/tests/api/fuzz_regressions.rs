//! The JSON-body fuzzer's corpus (fuzz/corpus/json_bodies), replayed against the real
//! server: same decoding as the fuzz target, same rule: never a 500.

use std::path::Path;

use reqwest::{Method, StatusCode};

use crate::helpers::{Backend, spawn_app};

const ENDPOINTS: [(&str, &str); 10] = [
    ("POST", "/auth/signup"),
    ("POST", "/auth/login"),
    ("POST", "/auth/refresh"),
    ("POST", "/auth/reauth"),
    ("POST", "/auth/logout"),
    ("GET", "/me/sessions"),
    ("DELETE", "/me/sessions/"),
    ("POST", "/accounts/me/security/revoke-sessions"),
    ("POST", "/accounts/me/password"),
    ("GET", "/me/security/events?"),
];

crate::on_both_stores!(the_json_body_corpus_never_gets_a_500);

async fn the_json_body_corpus_never_gets_a_500(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let mut token = app.user("fuzz@example.com").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/json_bodies");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for file in files {
        let data = std::fs::read(&file).unwrap();
        let Some((&selector, rest)) = data.split_first() else {
            continue;
        };
        let (method, path) = ENDPOINTS[usize::from(selector) % ENDPOINTS.len()];
        let (suffix, body) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (&b""[..], rest),
        };
        let suffix: String = String::from_utf8_lossy(suffix)
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .collect();
        let content_type = if selector & 0x80 == 0 {
            "application/json"
        } else {
            "text/plain"
        };
        let authenticated = selector & 0x40 == 0;
        let Ok(url) = reqwest::Url::parse(&app.url(&format!("{path}{suffix}"))) else {
            continue;
        };
        let mut request = app
            .client
            .request(Method::from_bytes(method.as_bytes()).unwrap(), url)
            .header("content-type", content_type)
            .body(body.to_vec());
        if authenticated {
            request = request.bearer_auth(&token);
        }
        let response = request.send().await.unwrap();
        assert_ne!(
            response.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{}",
            file.display()
        );
        if authenticated && response.status() == StatusCode::UNAUTHORIZED {
            token = app
                .login_as("fuzz@example.com", crate::helpers::MAC_CHROME)
                .await["access_token"]
                .as_str()
                .unwrap()
                .to_owned();
        }
    }
    app.finish().await;
}

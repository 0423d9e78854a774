//! The JSON-body fuzzer's corpus (fuzz/corpus/json_bodies), replayed against the real
//! server: same decoding as the fuzz target, a stricter rule: never any 5xx.

use std::path::Path;

use reqwest::{Method, StatusCode};

use crate::helpers::{Backend, spawn_app};

#[path = "../../../fuzz/json_bodies_input.rs"]
mod input;

crate::on_both_stores!(the_json_body_corpus_never_gets_a_server_error);

async fn the_json_body_corpus_never_gets_a_server_error(backend: Backend) {
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
        let Some(input) = input::decode(&data) else {
            continue;
        };
        let Ok(url) = reqwest::Url::parse(&app.url(&input.uri)) else {
            continue;
        };
        let mut request = app
            .client
            .request(Method::from_bytes(input.method.as_bytes()).unwrap(), url)
            .header("content-type", input.content_type)
            .body(input.body.to_vec());
        if input.authenticated {
            request = request.bearer_auth(&token);
        }
        let response = request.send().await.unwrap();
        // A client's mistake is the client's: a 4xx, never any 5xx (a 503 would say the
        // server failed it too); and never a redirect, which an API client cannot use.
        let status = response.status();
        assert!(
            status.is_success() || status.is_client_error(),
            "{status} for {} {}: {}",
            input.method,
            input.uri,
            file.display()
        );
        if input.authenticated && response.status() == StatusCode::UNAUTHORIZED {
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

//! Every input in the fuzzers' corpora (fuzz/corpus/user_agent and fuzz/corpus/tokens),
//! replayed on stable with the same checks the fuzz targets make, so whatever a fuzzer once
//! found stays fixed.

mod common;

use std::net::IpAddr;
use std::path::Path;

use signedin::token::{JtiPrefix, RefreshToken, ServerKey, verify_access_token};
use signedin::{ClientHints, Timestamp, TrustedProxies};

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut inputs: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "{} is empty", dir.display());
    inputs
}

#[test]
fn the_user_agent_corpus_labels_without_panicking() {
    let labeler = common::labeler();
    for data in corpus("user_agent") {
        let text = String::from_utf8_lossy(&data);
        let mut parts = text.splitn(6, '\n');
        let user_agent = parts.next().unwrap_or_default();
        let hints = ClientHints::from_headers(
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        );
        assert!(!labeler.label(user_agent, &hints).label.is_empty());
    }
}

#[test]
fn the_token_corpus_parses_without_panicking_and_round_trips() {
    let key = ServerKey::from_secret("fuzzing secret that is long enough!!").unwrap();
    let proxies = TrustedProxies::parse("127.0.0.0/8,10.0.0.0/8,::1").unwrap();
    for data in corpus("tokens") {
        let text = String::from_utf8_lossy(&data);
        if let Some(token) = RefreshToken::parse(&text) {
            assert_eq!(token.expose(), text);
        }
        if let Ok(prefix) = JtiPrefix::parse(&text) {
            assert!(
                prefix
                    .as_str()
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            );
        }
        let _ = verify_access_token(&key, &text, Timestamp::from_unix_seconds(1));
        let _ = TrustedProxies::parse(&text);
        let headers: Vec<&str> = text.split('\n').collect();
        let client = proxies.client_ip(IpAddr::from([127, 0, 0, 1]), &headers);
        assert!(client.to_string().len() <= 45);
    }
}

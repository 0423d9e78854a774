//! The parsers of untrusted text: refresh tokens, access tokens, session prefixes,
//! X-Forwarded-For chains, trusted-proxy lists. None may panic; whatever parses must
//! round-trip.
#![no_main]

use std::net::IpAddr;

use libfuzzer_sys::fuzz_target;
use signedin::Timestamp;
use signedin::token::{JtiPrefix, RefreshToken, ServerKey, verify_access_token};
use signedin::TrustedProxies;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Some(token) = RefreshToken::parse(&text) {
        assert_eq!(token.expose(), text);
        assert_eq!(token.hash().as_str().len(), 64);
    }
    if let Ok(prefix) = JtiPrefix::parse(&text) {
        assert!(prefix.as_str().bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    }
    let key = ServerKey::from_secret("fuzzing secret that is long enough!!").expect("key");
    assert!(verify_access_token(&key, &text, Timestamp::from_unix_seconds(1)).is_err() || text.len() <= 2048);
    let _ = TrustedProxies::parse(&text);
    let proxies = TrustedProxies::parse("127.0.0.0/8,10.0.0.0/8,::1").expect("proxies");
    let headers: Vec<&str> = text.split('\n').collect();
    let client = proxies.client_ip(IpAddr::from([127, 0, 0, 1]), &headers);
    assert!(client.to_string().len() <= 45);
});

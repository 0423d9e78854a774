//! How the `json_bodies` fuzzer reads its input: the first byte picks the endpoint (low bits),
//! the content type (top bit) and whether to send the bearer token (next bit); up to the
//! first newline is a path suffix, the rest the body. Shared by the fuzz target and the
//! stable replay of its corpus (server/tests/api/fuzz_regressions.rs).

pub const ENDPOINTS: [(&str, &str); 10] = [
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

pub struct Input<'a> {
    pub method: &'static str,
    /// Path and query.
    pub uri: String,
    pub content_type: &'static str,
    pub authenticated: bool,
    pub body: &'a [u8],
}

pub fn decode(data: &[u8]) -> Option<Input<'_>> {
    let (&selector, rest) = data.split_first()?;
    let (method, path) = ENDPOINTS[usize::from(selector) % ENDPOINTS.len()];
    let (suffix, body) = match rest.iter().position(|&b| b == b'\n') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (&b""[..], rest),
    };
    let suffix: String = String::from_utf8_lossy(suffix)
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .collect();
    Some(Input {
        method,
        uri: format!("{path}{suffix}"),
        content_type: if selector & 0x80 == 0 {
            "application/json"
        } else {
            "text/plain"
        },
        authenticated: selector & 0x40 == 0,
        body,
    })
}

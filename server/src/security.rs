//! Middleware that guards every request: a request id and its log span, the Origin check
//! on state-changing requests, and the security headers (a per-request
//! CSP nonce for pages, so only our own scripts run).

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tracing::Instrument;

use crate::http::error::ApiError;
use crate::state::AppState;

/// A random id per request: in the `x-request-id` response header and every log line of it.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The nonce this page's inline scripts carry, and its CSP allows.
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // Falls back to a fixed value only if the OS cannot give randomness, in which case
    // the nonce is merely predictable; nothing else depends on it.
    let _ = getrandom::fill(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

pub async fn request_id(mut request: Request, next: Next) -> Response {
    let id = RequestId(next_request_id());
    request.extensions_mut().insert(id.clone());
    let span = tracing::info_span!(
        "request",
        request_id = %id.0,
        method = %request.method(),
        path = %request.uri().path(),
    );
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let status = response.status();
    span.in_scope(|| {
        let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        if status.is_server_error() {
            tracing::warn!(status = status.as_u16(), elapsed_ms, "request failed");
        } else {
            tracing::info!(status = status.as_u16(), elapsed_ms, "request");
        }
    });
    if let Ok(value) = HeaderValue::from_str(&id.0) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// A random per-process prefix and a counter: unique across nodes and restarts, without a
/// trip to the OS for randomness on every request.
fn next_request_id() -> String {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static PREFIX: OnceLock<String> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| {
        let mut buf = [0u8; 4];
        let _ = getrandom::fill(&mut buf);
        buf.iter().map(|b| format!("{b:02x}")).collect()
    });
    format!("{prefix}{:08x}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// Refuses a state-changing request that a browser says came from another site: by
/// `Sec-Fetch-Site`, or failing that by `Origin`. A request with cookies must carry one of the
/// two: cookies are the ambient credential a forged request rides on, and every current
/// browser sends `Origin` on a POST, so their absence means an old browser or a forgery.
/// Requests without cookies (API clients with a bearer token, curl) have nothing a forgery
/// could ride on, and pass without either header.
pub async fn origin_check(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let own = own_origin(
        request.headers(),
        state.config.public_origin.as_deref(),
        state.config.secure_cookies,
    );
    if safe || is_same_site(request.headers(), own.as_deref()) {
        return next.run(request).await;
    }
    tracing::warn!(
        origin = ?request.headers().get(header::ORIGIN),
        fetch_site = ?request.headers().get("sec-fetch-site"),
        "cross-site request refused"
    );
    ApiError::cross_site().into_response()
}

/// Whether a browser says the request came from `expected_origin` (or the user typed it): by
/// `Sec-Fetch-Site`, or failing that by `Origin`. Without either, only a request without
/// cookies passes. Forward-auth asks the same of the request a gateway forwards.
pub(crate) fn is_same_site(headers: &HeaderMap, expected_origin: Option<&str>) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        // "none": typed by the user or a bookmark; "same-origin": our own pages.
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return !headers.contains_key(header::COOKIE);
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    expected_origin.is_some_and(|expected| origin.eq_ignore_ascii_case(expected))
}

/// This site's origin: pinned by SIGNEDIN_PUBLIC_URL, else what the request's `Host` names.
pub(crate) fn own_origin(
    headers: &HeaderMap,
    public_origin: Option<&str>,
    https: bool,
) -> Option<String> {
    if let Some(pinned) = public_origin {
        return Some(pinned.to_owned());
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok())?;
    let scheme = if https { "https" } else { "http" };
    Some(format!("{scheme}://{}", host.to_ascii_lowercase()))
}

/// Security headers on every response. Pages get a CSP whose only script source besides our
/// own files is this request's nonce (and WebAssembly compilation for the hydrate bundle).
pub async fn security_headers(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    // Only a page (a GET) can need a nonce; API calls skip the trip to the OS for randomness.
    let nonce =
        matches!(*request.method(), Method::GET | Method::HEAD).then(|| CspNonce(random_token(16)));
    if let Some(nonce) = &nonce {
        request.extensions_mut().insert(nonce.clone());
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let csp = if let (true, Some(nonce)) = (content_type.starts_with("text/html"), &nonce) {
        format!(
            "default-src 'self'; script-src 'self' 'nonce-{0}' 'wasm-unsafe-eval'; style-src 'self' 'nonce-{0}'; \
             img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'",
            nonce.0
        )
    } else {
        "default-src 'none'; frame-ancestors 'none'".to_owned()
    };
    let set = |headers: &mut HeaderMap, name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set(headers, "content-security-policy", &csp);
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "x-frame-options", "DENY");
    // same-origin keeps the Referer our no-JavaScript form posts need to come back to.
    set(headers, "referrer-policy", "same-origin");
    set(headers, "cross-origin-opener-policy", "same-origin");
    set(
        headers,
        "permissions-policy",
        "camera=(), microphone=(), geolocation=()",
    );
    if state.config.secure_cookies {
        // Served over https (SIGNEDIN_PUBLIC_URL): browsers must never fall back to http.
        set(
            headers,
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        );
    }
    // Ask for the Client Hints that name Windows 11 and phone models.
    set(
        headers,
        "accept-ch",
        "Sec-CH-UA-Platform-Version, Sec-CH-UA-Model",
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        let personal = content_type.starts_with("text/html") || content_type.contains("json");
        set(
            headers,
            "cache-control",
            if personal { "no-store" } else { "no-cache" },
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn same_site(pairs: &[(&'static str, &'static str)]) -> bool {
        is_same_site(&headers(pairs), Some("https://signedin.example"))
    }

    #[test]
    fn a_request_with_cookies_must_say_where_it_came_from() {
        assert!(!same_site(&[("cookie", "signedin_access=x")]));
        assert!(!same_site(&[
            ("cookie", "signedin_access=x"),
            ("authorization", "Bearer x"),
        ]));
        assert!(same_site(&[
            ("cookie", "signedin_access=x"),
            ("origin", "https://signedin.example"),
        ]));
        assert!(same_site(&[
            ("cookie", "signedin_access=x"),
            ("sec-fetch-site", "same-origin"),
        ]));
    }

    #[test]
    fn api_clients_without_cookies_need_neither_header() {
        assert!(same_site(&[("authorization", "Bearer x")]));
        assert!(same_site(&[]));
    }

    #[test]
    fn another_site_is_refused_with_or_without_cookies() {
        assert!(!same_site(&[("origin", "https://evil.example")]));
        assert!(!same_site(&[("origin", "null"), ("cookie", "a=b")]));
        assert!(!same_site(&[("sec-fetch-site", "cross-site")]));
        assert!(!same_site(&[("sec-fetch-site", "same-site")]));
    }
}

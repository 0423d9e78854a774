//! Server-only plumbing for the server functions: the shared `WebContext`, reading the
//! client's device and cookies from the request, authenticating by the session cookies,
//! and turning domain errors into `AppError`s with the right HTTP status.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::ConnectInfo;
use http::header::{self, HeaderMap, HeaderValue};
use http::request::Parts;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use signedin::session_cookies::{self, CookieSettings};
use signedin::{
    DeviceContext, DomainError, Principal, SessionService, TrustedProxies, request_context,
};

use crate::error::AppError;

/// What every server function can reach: provided per request by the server.
#[derive(Clone, Debug)]
pub struct WebContext {
    pub service: SessionService,
    pub cookies: CookieSettings,
    pub trusted_proxies: TrustedProxies,
}

/// The value of cookie `name`, if the request carries it.
pub fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    session_cookies::cookie(cookie_lines(headers), name)
}

fn cookie_lines(headers: &HeaderMap) -> Vec<&str> {
    headers
        .get_all(header::COOKIE)
        .into_iter()
        .filter_map(|value| value.to_str().ok())
        .collect()
}

/// The client as the server sees it, read by the domain's one reading of a request
/// (`signedin::request_context`), the same the JSON API uses.
pub fn device_context(parts: &Parts, proxies: &TrustedProxies) -> DeviceContext {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    request_context::device_context(peer, &parts.headers, proxies)
}

/// The caller's principal for this request, worked out once and shared by every server
/// function the request runs.
#[derive(Clone, Default)]
pub struct AuthCache(Arc<Mutex<Option<Option<Principal>>>>);

pub fn web() -> Result<WebContext, AppError> {
    use_context::<WebContext>().ok_or_else(|| {
        tracing::error!("WebContext missing from the server function context");
        AppError::Internal
    })
}

pub fn request_parts() -> Result<Parts, AppError> {
    use_context::<Parts>().ok_or(AppError::Internal)
}

/// Requests from our own forms without JavaScript expect a redirect back, not a status.
fn wants_html(parts: &Parts) -> bool {
    parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// Converts a domain error for the page and sets its HTTP status from the domain's one table
/// (`DomainError::http_status`, the JSON API's too), except for plain form posts, which must
/// stay redirects.
pub fn fail(error: DomainError) -> AppError {
    if let (Some(response), Some(parts)) =
        (use_context::<ResponseOptions>(), use_context::<Parts>())
        && !wants_html(&parts)
        && let Ok(status) = http::StatusCode::from_u16(error.http_status())
    {
        response.set_status(status);
    }
    AppError::from(error)
}

pub fn set_cookies(cookies: &[String]) {
    if let Some(response) = use_context::<ResponseOptions>() {
        for cookie in cookies {
            if let Ok(value) = HeaderValue::from_str(cookie) {
                response.append_header(header::SET_COOKIE, value);
            }
        }
    }
}

/// Who is calling, from the session cookies (`SessionService::authenticate_cookies`: an
/// expired access token is renewed with the refresh cookie, and the new cookies ride on this
/// response). `None` when there is no live session.
pub async fn current_principal() -> Result<Option<Principal>, AppError> {
    let cache = use_context::<AuthCache>().unwrap_or_default();
    if let Some(known) = cache.0.lock().map_err(|_| AppError::Internal)?.clone() {
        return Ok(known);
    }
    let web = web()?;
    let parts = request_parts()?;
    let device = device_context(&parts, &web.trusted_proxies);
    let cookies = web.cookies.read(&cookie_lines(&parts.headers));
    let outcome = web
        .service
        .authenticate_cookies(cookies, &device)
        .await
        .map_err(fail)?;
    if let Some(tokens) = &outcome.renewed {
        set_cookies(&web.cookies.session_cookies(tokens));
    }
    if outcome.stale {
        // Dead cookies are cleared so the browser stops sending them.
        set_cookies(&web.cookies.cleared_cookies());
    }
    let principal = outcome.principal;
    *cache.0.lock().map_err(|_| AppError::Internal)? = Some(principal.clone());
    Ok(principal)
}

/// Why a page that needs a session refused: no cookie led to a live one. Never shown: the
/// page says "Please sign in".
const NO_SESSION: &str = "no live session";

/// The caller's principal, or a trip to the sign-in page that comes back to `next`.
pub async fn require_principal(next: &str) -> Result<Principal, AppError> {
    match current_principal().await? {
        Some(principal) => Ok(principal),
        None => {
            leptos_axum::redirect(&signedin::redirect::sign_in_url(next));
            Err(fail(DomainError::AccessRejected(NO_SESSION)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("xsignedin_access=no; signedin_access=yes"),
        );
        assert_eq!(read_cookie(&headers, "signedin_access"), Some("yes"));
        assert_eq!(read_cookie(&headers, "signedin_refresh"), None);
    }
}

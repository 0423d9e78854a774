//! Server-only plumbing for the server functions: the shared `WebContext`, reading the
//! client's device and cookies from the request, authenticating with transparent refresh,
//! and turning domain errors into `AppError`s with the right HTTP status.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ConnectInfo;
use http::header::{self, HeaderMap, HeaderValue};
use http::request::Parts;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use signedin::{
    DeviceContext, DomainError, IssuedTokens, Principal, SessionService, TrustedProxies,
    request_context,
};

use crate::error::AppError;

/// What every server function can reach: provided per request by the server.
#[derive(Clone, Debug)]
pub struct WebContext {
    pub service: SessionService,
    pub cookies: CookieSettings,
    pub trusted_proxies: TrustedProxies,
}

/// How session cookies are written. Both are HttpOnly and SameSite=Lax: page scripts can
/// never read a token, and other sites cannot ride on them (the Origin check does the rest).
#[derive(Clone, Debug)]
pub struct CookieSettings {
    /// `Secure` and the `__Host-` prefix: on whenever the site is served over https.
    pub secure: bool,
    pub access_max_age: Duration,
    pub refresh_max_age: Duration,
}

impl CookieSettings {
    pub fn access_name(&self) -> &'static str {
        request_context::access_cookie_name(self.secure)
    }

    pub fn refresh_name(&self) -> &'static str {
        request_context::refresh_cookie_name(self.secure)
    }

    fn cookie(&self, name: &str, value: &str, max_age: Duration) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!(
            "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            max_age.as_secs()
        )
    }

    pub fn session_cookies(&self, tokens: &IssuedTokens) -> [String; 2] {
        [
            self.cookie(
                self.access_name(),
                tokens.access_token.expose(),
                self.access_max_age,
            ),
            self.cookie(
                self.refresh_name(),
                tokens.refresh_token.expose(),
                self.refresh_max_age,
            ),
        ]
    }

    pub fn cleared_cookies(&self) -> [String; 2] {
        [
            self.cookie(self.access_name(), "", Duration::ZERO),
            self.cookie(self.refresh_name(), "", Duration::ZERO),
        ]
    }
}

/// The value of cookie `name`, if the request carries it (read the one way the JSON API's
/// live stream reads it too).
pub fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let lines = headers.get_all(header::COOKIE).into_iter();
    request_context::cookie(lines.filter_map(|value| value.to_str().ok()), name)
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

/// Who is calling, from the session cookies. An expired access token is renewed with the
/// refresh cookie on the spot (new cookies ride on this response); the grace window makes
/// that safe when several tabs do it at once. `None` when there is no live session.
pub async fn current_principal() -> Result<Option<Principal>, AppError> {
    let cache = use_context::<AuthCache>().unwrap_or_default();
    if let Some(known) = cache.0.lock().map_err(|_| AppError::Internal)?.clone() {
        return Ok(known);
    }
    let web = web()?;
    let parts = request_parts()?;
    let device = device_context(&parts, &web.trusted_proxies);
    let access = read_cookie(&parts.headers, web.cookies.access_name());
    let refresh = read_cookie(&parts.headers, web.cookies.refresh_name());

    let mut principal = match access.filter(|a| !a.is_empty()) {
        Some(access) => live_principal(&web, access, &device).await?,
        None => None,
    };
    if principal.is_none()
        && let Some(refresh) = refresh.filter(|r| !r.is_empty())
    {
        principal = match web.service.refresh(refresh, &device).await {
            Ok(tokens) => {
                set_cookies(&web.cookies.session_cookies(&tokens));
                live_principal(&web, tokens.access_token.expose(), &device).await?
            }
            Err(DomainError::RefreshRejected(_)) => None,
            Err(other) => return Err(fail(other)),
        };
    }
    if principal.is_none() && (access.is_some() || refresh.is_some()) {
        // Dead cookies are cleared so the browser stops sending them.
        set_cookies(&web.cookies.cleared_cookies());
    }
    *cache.0.lock().map_err(|_| AppError::Internal)? = Some(principal.clone());
    Ok(principal)
}

/// The principal of a valid access token whose session is live; `None` if it is not.
async fn live_principal(
    web: &WebContext,
    access_token: &str,
    device: &DeviceContext,
) -> Result<Option<Principal>, AppError> {
    match web.service.authenticate(access_token, Some(device)).await {
        Ok(principal) => Ok(Some(principal)),
        Err(DomainError::AccessRejected(_)) => Ok(None),
        Err(other) => Err(fail(other)),
    }
}

/// Why a page that needs a session refused: no cookie led to a live one. Never shown: the
/// page says "Please sign in".
const NO_SESSION: &str = "no live session";

/// The caller's principal, or a trip to the sign-in page that comes back to `next`.
pub async fn require_principal(next: &str) -> Result<Principal, AppError> {
    match current_principal().await? {
        Some(principal) => Ok(principal),
        None => {
            leptos_axum::redirect(&format!("/login?next={}", encode_query(next)));
            Err(fail(DomainError::AccessRejected(NO_SESSION)))
        }
    }
}

fn encode_query(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_http_only_and_secure_over_https() {
        let settings = CookieSettings {
            secure: true,
            access_max_age: Duration::from_secs(900),
            refresh_max_age: Duration::from_secs(60),
        };
        let [access, _] = settings.cleared_cookies();
        assert!(access.starts_with("__Host-signedin_access=;"));
        assert!(
            access.contains("HttpOnly")
                && access.contains("SameSite=Lax")
                && access.contains("Secure")
        );
    }

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

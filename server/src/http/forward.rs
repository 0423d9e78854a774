//! `GET /auth/forward`: forward-auth for gateways (nginx `auth_request`, Traefik
//! `forwardAuth`, Caddy `forward_auth`). The gateway asks before each request to the app it
//! protects; the answer names the user in headers the gateway passes on, or sends the browser
//! to sign in and come back. Recipes: docs/INTEGRATION.md.

use axum::extract::{RawQuery, State};
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use signedin::{DomainError, Principal, SessionRef, redirect};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, Problem};
use super::extract::{ClientDevice, bearer, cookie_lines};
use crate::request_guard::changes_state;
use crate::security::{is_same_site, own_origin};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(forward))
}

/// The identity headers a successful check answers with (`SIGNEDIN_FORWARD_AUTH_HEADERS`).
#[derive(Debug, Clone)]
pub struct ForwardHeaders {
    pub user_id: HeaderName,
    pub session_id: HeaderName,
    pub email: HeaderName,
}

impl Default for ForwardHeaders {
    fn default() -> Self {
        Self {
            user_id: HeaderName::from_static("x-auth-user-id"),
            session_id: HeaderName::from_static("x-auth-session-id"),
            email: HeaderName::from_static("x-auth-email"),
        }
    }
}

impl ForwardHeaders {
    /// `user_id=X-User,session_id=X-Session,email=X-Email`, any subset; empty: the defaults.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut headers = Self::default();
        for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let bad = || {
                format!(
                    "SIGNEDIN_FORWARD_AUTH_HEADERS: expected user_id=NAME, session_id=NAME or \
                     email=NAME, got {item:?}"
                )
            };
            let (key, name) = item.split_once('=').ok_or_else(bad)?;
            let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| bad())?;
            match key.trim() {
                "user_id" => headers.user_id = name,
                "session_id" => headers.session_id = name,
                "email" => headers.email = name,
                _ => return Err(bad()),
            }
        }
        Ok(headers)
    }
}

/// Where the login page sends the browser once signed in (its own header, so nginx can read
/// it with `auth_request_set`).
const LOGIN_HEADER: &str = "x-auth-login";
/// The renewed cookies, one per header: nginx 1.22 reads only the first `Set-Cookie` of an
/// `auth_request` answer.
const SET_ACCESS_COOKIE: &str = "x-auth-set-cookie-access";
const SET_REFRESH_COOKIE: &str = "x-auth-set-cookie-refresh";

/// 200 with identity headers when the request's session is live; 401 (or, with
/// `?redirect=1`, a 302 to the sign-in page) when not.
///
/// The credential is a bearer token or the devices page's cookies; with cookies, an expired
/// access token is renewed and the new cookies ride on the answer (`Set-Cookie`, and
/// `X-Auth-Set-Cookie-Access`/`-Refresh` for nginx). A cookie-authenticated check of an
/// unsafe method must come from the protected site itself (`Sec-Fetch-Site` or `Origin`
/// forwarded by the gateway), else 403. The original URL is read from `X-Original-URI`
/// (nginx) or `X-Forwarded-Uri` (Traefik, Caddy), the method from `X-Original-Method` or
/// `X-Forwarded-Method`.
#[utoipa::path(get, path = "/auth/forward", tag = "auth", security(("bearer" = [])),
    params(("redirect" = Option<bool>, Query,
        description = "Answer a 302 to the sign-in page instead of 401 (Traefik, Caddy)")),
    responses(
        (status = 200, description = "live session: X-Auth-User-Id, X-Auth-Session-Id, X-Auth-Email"),
        (status = 302, description = "not signed in (with ?redirect=1): Location is the sign-in page"),
        (status = 401, description = "not signed in: X-Auth-Login is the sign-in page", body = Problem),
        (status = 403, description = "a cross-site unsafe request carrying cookies", body = Problem),
    ))]
pub async fn forward(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    ClientDevice(device): ClientDevice,
    headers: HeaderMap,
) -> Response {
    let wants_redirect = query.as_deref().is_some_and(|q| {
        q.split('&')
            .any(|pair| matches!(pair, "redirect" | "redirect=1" | "redirect=true"))
    });
    let method = original_method(&headers);
    let login = login_url(&headers);
    let refused = |error: ApiError| -> Response {
        if wants_redirect && matches!(method, Method::GET | Method::HEAD) {
            return (
                StatusCode::FOUND,
                [
                    (header::LOCATION, login.clone()),
                    (header::CACHE_CONTROL, "no-store".into()),
                ],
            )
                .into_response();
        }
        let mut response = error.into_response();
        if let Ok(value) = HeaderValue::from_str(&login) {
            response.headers_mut().insert(LOGIN_HEADER, value);
        }
        response
    };

    let (principal, renewed) = if let Some(authorization) = headers.get(header::AUTHORIZATION) {
        let token = match bearer(authorization) {
            Ok(token) => token,
            Err(error) => return refused(error),
        };
        match state.service.authenticate(&token, Some(&device)).await {
            Ok(principal) => (principal, None),
            Err(error) => return refused(error.into()),
        }
    } else {
        // Cookies ride along on any request to the protected site, forged ones too: an
        // unsafe method must say it came from the site itself. Checked before the cookies are
        // used, so a refused request never renews them (which would strand the browser on a
        // spent refresh token).
        if changes_state(&method)
            && !is_same_site(&headers, forwarded_origin(&headers, &state).as_deref())
        {
            tracing::warn!("cross-site request refused at forward-auth");
            return ApiError::cross_site().into_response();
        }
        let cookies = state.config.cookies();
        let outcome = match state
            .service
            .authenticate_cookies(cookies.read(&cookie_lines(&headers)), &device)
            .await
        {
            Ok(outcome) => outcome,
            Err(error) => return refused(error.into()),
        };
        let Some(principal) = outcome.principal else {
            return refused(ApiError::unauthorized("no live session: sign in"));
        };
        // Cookies ride along on any request to the protected site, forged ones too: an
        // unsafe method must say it came from the site itself.
        let unsafe_method = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
        if unsafe_method && !is_same_site(&headers, forwarded_origin(&headers, &state).as_deref()) {
            tracing::warn!("cross-site request refused at forward-auth");
            return ApiError::cross_site().into_response();
        }
        (
            principal,
            outcome
                .renewed
                .map(|tokens| cookies.session_cookies(&tokens)),
        )
    };

    match identity(&state, &principal).await {
        Ok(identity) => granted(&state, identity, renewed),
        Err(error) => refused(error.into()),
    }
}

struct Identity {
    user_id: String,
    session_id: String,
    email: String,
}

async fn identity(state: &AppState, principal: &Principal) -> Result<Identity, DomainError> {
    Ok(Identity {
        user_id: principal.user_id.clone(),
        session_id: SessionRef::public_id(&principal.session_id),
        email: state.service.user_email(principal).await?,
    })
}

fn granted(state: &AppState, identity: Identity, renewed: Option<[String; 2]>) -> Response {
    let names = &state.config.forward_headers;
    let mut response = StatusCode::OK.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    for (name, value) in [
        (&names.user_id, identity.user_id),
        (&names.session_id, identity.session_id),
        // Raw bytes: an address may hold UTF-8, which a header carries as opaque octets.
        (&names.email, identity.email),
    ] {
        if let Ok(value) = HeaderValue::from_bytes(value.as_bytes()) {
            headers.insert(name.clone(), value);
        }
    }
    if let Some([access, refresh]) = renewed {
        for (name, cookie) in [(SET_ACCESS_COOKIE, access), (SET_REFRESH_COOKIE, refresh)] {
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                headers.append(header::SET_COOKIE, value.clone());
                headers.insert(name, value);
            }
        }
    }
    response
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The method of the request the gateway is asking about (GET when it does not say). A
/// gateway that writes one of the two headers may pass the other through from the client, so
/// an unsafe method named by either wins.
fn original_method(headers: &HeaderMap) -> Method {
    let named =
        |name| header_text(headers, name).and_then(|m| Method::from_bytes(m.as_bytes()).ok());
    let (original, forwarded) = (named("x-original-method"), named("x-forwarded-method"));
    [original.clone(), forwarded.clone()]
        .into_iter()
        .flatten()
        .find(changes_state)
        .or(original)
        .or(forwarded)
        .unwrap_or(Method::GET)
}

/// The sign-in page, coming back to the original URL when the sign-in page's own rule for
/// `next` accepts it (a path on this site).
fn login_url(headers: &HeaderMap) -> String {
    let original = header_text(headers, "x-original-uri")
        .or_else(|| header_text(headers, "x-forwarded-uri"))
        .unwrap_or_default();
    redirect::sign_in_url(original)
}

/// The protected site's origin as the gateway saw it: `X-Forwarded-Proto` and
/// `X-Forwarded-Host` when it sends them, else SIGNEDIN_PUBLIC_URL's, else `Host`.
fn forwarded_origin(headers: &HeaderMap, state: &AppState) -> Option<String> {
    if let Some(host) = header_text(headers, "x-forwarded-host") {
        let scheme = header_text(headers, "x-forwarded-proto").unwrap_or("http");
        return Some(format!("{scheme}://{host}").to_ascii_lowercase());
    }
    own_origin(
        headers,
        state.config.public_origin.as_deref(),
        state.config.secure_cookies,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_configurable_one_by_one() {
        let headers = ForwardHeaders::parse("email=X-Email, user_id=X-User").unwrap();
        assert_eq!(headers.email, "x-email");
        assert_eq!(headers.user_id, "x-user");
        assert_eq!(headers.session_id, "x-auth-session-id");
        assert_eq!(ForwardHeaders::parse("").unwrap().user_id, "x-auth-user-id");
        for bad in ["user=X", "user_id", "user_id=bad header", "email=X Y"] {
            assert!(ForwardHeaders::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_login_url_comes_back_only_to_a_path_on_this_site() {
        let with = |name: &'static str, value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(name, HeaderValue::from_static(value));
            login_url(&headers)
        };
        assert_eq!(
            with("x-original-uri", "/app/page?x=1&y=2"),
            "/login?next=/app/page%3Fx%3D1%26y%3D2"
        );
        assert_eq!(with("x-forwarded-uri", "/app/"), "/login?next=/app/");
        for hostile in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil",
            "/%2F/evil",
        ] {
            let mut headers = HeaderMap::new();
            headers.insert("x-original-uri", HeaderValue::from_str(hostile).unwrap());
            assert_eq!(login_url(&headers), "/login", "{hostile}");
        }
        assert_eq!(login_url(&HeaderMap::new()), "/login");
    }

    #[test]
    fn the_original_method_defaults_to_get() {
        let mut headers = HeaderMap::new();
        assert_eq!(original_method(&headers), Method::GET);
        headers.insert("x-forwarded-method", HeaderValue::from_static("POST"));
        assert_eq!(original_method(&headers), Method::POST);
        headers.insert("x-original-method", HeaderValue::from_static("DELETE"));
        assert_eq!(original_method(&headers), Method::DELETE);
        // A client-sent GET beside the gateway's POST does not make the request safe.
        headers.insert("x-original-method", HeaderValue::from_static("GET"));
        assert_eq!(original_method(&headers), Method::POST);
    }
}

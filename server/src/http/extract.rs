//! Extractors for the JSON API: bodies whose every rejection is a clear problem, the caller
//! (by bearer token or session cookie), and the calling device.

use std::net::SocketAddr;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::de::DeserializeOwned;
use signedin::{DeviceContext, Principal, request_context};

use super::error::ApiError;
use crate::state::AppState;

/// `axum::Json`, answering 400 (malformed), 415 (not JSON) or 422 (wrong shape) as problem
/// details. A body too large never gets here: `request_guard` answers it first, for every
/// route.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    let detail = rejection.body_text();
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
            "send the body as application/json",
        ),
        JsonRejection::JsonDataError(_) => ApiError::validation(detail),
        JsonRejection::JsonSyntaxError(_) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "Malformed JSON",
            detail,
        ),
        _ => ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "Bad request",
            detail,
        ),
    }
}

/// The caller, from its access token (see [`AccessCredential`]), with its session checked
/// live. No renewal here: an expired token is a 401, and the client refreshes.
pub struct Authenticated(pub Principal);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let credential = AccessCredential::from_request_parts(parts, state).await?;
        let device = client_device(parts, state);
        let principal = state
            .service
            .authenticate(&credential.token, Some(&device))
            .await?;
        Ok(Self(principal))
    }
}

/// How a request carried its access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// `Authorization: Bearer <token>`: API clients, which hold their own tokens.
    Bearer,
    /// The session's access cookie: the devices page, a browser app on the same site (the npm
    /// client), a gateway's forward-auth. State-changing requests that carry cookies pass the
    /// Origin check first (`security::origin_check`).
    Cookie,
}

/// The access token as sent, not yet checked: `Authorization: Bearer <token>`, or when there
/// is no such header the session's access cookie. For handlers that check it together with
/// their own query (`GET /me/sessions`).
pub struct AccessCredential {
    pub token: String,
    pub via: Via,
}

impl FromRequestParts<AppState> for AccessCredential {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(header) = parts.headers.get(header::AUTHORIZATION) {
            return bearer(header).map(|token| Self {
                token,
                via: Via::Bearer,
            });
        }
        let cookies = state.config.cookies();
        match cookies.read(&cookie_lines(&parts.headers)).access {
            Some(token) if !token.is_empty() => Ok(Self {
                token: token.to_owned(),
                via: Via::Cookie,
            }),
            _ => Err(ApiError::unauthorized(
                "send an access token: Authorization: Bearer <token>, or the session cookie",
            )),
        }
    }
}

/// The token of an `Authorization: Bearer <token>` header (forward-auth reads it too).
pub fn bearer(header: &HeaderValue) -> Result<String, ApiError> {
    header
        .to_str()
        .ok()
        .and_then(|value| {
            let (scheme, token) = value.split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then_some(token.trim())
        })
        .filter(|token| !token.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| ApiError::invalid_token("the Authorization header must be: Bearer <token>"))
}

/// A request's `Cookie` header lines.
pub fn cookie_lines(headers: &HeaderMap) -> Vec<&str> {
    headers
        .get_all(header::COOKIE)
        .into_iter()
        .filter_map(|value| value.to_str().ok())
        .collect()
}

/// The device making the request (user agent, client address, Client Hints).
pub struct ClientDevice(pub DeviceContext);

impl FromRequestParts<AppState> for ClientDevice {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(client_device(parts, state)))
    }
}

pub fn client_device(parts: &Parts, state: &AppState) -> DeviceContext {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    request_context::device_context(peer, &parts.headers, &state.config.trusted_proxies)
}

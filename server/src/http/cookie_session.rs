//! `/auth/session`: the session of a browser app on this site, held in the same HttpOnly
//! cookies as the devices page, so no script ever holds a token (the npm client in
//! `clients/browser` speaks it). Same site only: there is no CORS, and every state-changing
//! request that carries cookies passes the Origin check (`security::origin_check`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use signedin::{DomainError, SessionRef, TokenRejection};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::LoginRequest;
use super::error::{ApiError, Problem};
use super::extract::{ApiJson, Authenticated, ClientDevice, cookie_lines};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start, end))
        .routes(routes!(renew))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CookieSessionResponse {
    pub user_id: String,
    /// The session's stable id, as `GET /me/sessions` lists it.
    #[schema(example = "ses_0123456789abcdef0123456789abcdef")]
    pub session_id: String,
    /// Seconds until the access cookie must be renewed (`POST /auth/session/refresh`).
    #[schema(example = 900)]
    pub expires_in: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CookieRenewedResponse {
    /// Seconds until the access cookie must be renewed again.
    #[schema(example = 900)]
    pub expires_in: u64,
}

/// Sign in and keep the session in HttpOnly cookies (`Set-Cookie`), not in the answer.
#[utoipa::path(post, path = "/auth/session", tag = "browser session", request_body = LoginRequest,
    responses(
        (status = 200, body = CookieSessionResponse),
        (status = 401, description = "wrong email or password", body = Problem),
        (status = 429, description = "too many attempts", body = Problem),
    ))]
#[tracing::instrument(skip_all)]
pub async fn start(
    State(state): State<AppState>,
    ClientDevice(device): ClientDevice,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let signed_in = state
        .service
        .sign_in(&body.email, body.password.expose(), &device)
        .await?;
    let tokens = &signed_in.tokens;
    let body = Json(CookieSessionResponse {
        user_id: tokens.user_id.clone(),
        session_id: SessionRef::public_id(&tokens.session_id),
        expires_in: tokens.expires_in,
    });
    Ok(with_cookies(
        body,
        state.config.cookies().session_cookies(tokens),
    ))
}

/// Renew the access cookie with the refresh cookie (which is spent and replaced). Tabs that
/// renew at once within the grace window all receive the same successor.
#[utoipa::path(post, path = "/auth/session/refresh", tag = "browser session",
    responses(
        (status = 200, body = CookieRenewedResponse),
        (status = 401, description = "no refresh cookie, or it was refused: the cookies are cleared (not when another tab's renewal superseded it)", body = Problem),
    ))]
#[tracing::instrument(skip_all)]
pub async fn renew(
    State(state): State<AppState>,
    ClientDevice(device): ClientDevice,
    headers: HeaderMap,
) -> Response {
    let cookies = state.config.cookies();
    let refresh = cookies
        .read(&cookie_lines(&headers))
        .refresh
        .filter(|r| !r.is_empty());
    let Some(refresh) = refresh else {
        return ApiError::unauthorized("no refresh cookie: sign in").into_response();
    };
    match state.service.refresh(refresh, &device).await {
        Ok(tokens) => with_cookies(
            Json(CookieRenewedResponse {
                expires_in: tokens.expires_in,
            }),
            cookies.session_cookies(&tokens),
        ),
        // Lost a race with another tab: the browser's newer cookie must survive this answer.
        Err(error @ DomainError::RefreshRejected(TokenRejection::Superseded)) => {
            ApiError::from(error).into_response()
        }
        Err(error) => with_cookies(ApiError::from(error), cookies.cleared_cookies()),
    }
}

/// Sign out the calling session and clear its cookies.
#[utoipa::path(delete, path = "/auth/session", tag = "browser session", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem)))]
#[tracing::instrument(skip_all)]
pub async fn end(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    ClientDevice(device): ClientDevice,
) -> Result<Response, ApiError> {
    state.service.sign_out(&principal, &device).await?;
    Ok(with_cookies(
        StatusCode::NO_CONTENT,
        state.config.cookies().cleared_cookies(),
    ))
}

fn with_cookies(body: impl IntoResponse, cookies: [String; 2]) -> Response {
    let mut response = body.into_response();
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

//! `/auth/*`: sign-up, sign-in, refresh, re-authentication and sign-out.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use app::secret::Secret;
use signedin::IssuedTokens;

use super::error::{ApiError, Problem};
use super::extract::{ApiJson, Authenticated, ClientDevice};
use super::view::SessionView;
use crate::state::AppState;

/// The routes and their OpenAPI paths, from one list: a route cannot go undocumented.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(signup))
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(reauth))
        .routes(routes!(logout))
        .routes(routes!(check))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignupRequest {
    #[schema(example = "ada@example.com")]
    pub email: String,
    /// At least 8 characters.
    #[schema(value_type = String, example = "correct horse battery staple")]
    pub password: Secret,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignupResponse {
    pub user_id: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    #[schema(example = "ada@example.com")]
    pub email: String,
    #[schema(value_type = String, example = "correct horse battery staple")]
    pub password: Secret,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// A signed JWT (`sub`, `sid`, `iat`, `exp`); send it as `Authorization: Bearer …`.
    #[schema(value_type = String, example = "<access token>")]
    pub access_token: Secret,
    /// Opaque; exchange it at `/auth/refresh`. Each use returns a new one.
    #[schema(value_type = String, example = "<refresh token>")]
    pub refresh_token: Secret,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: u64,
}

impl From<&IssuedTokens> for TokenResponse {
    fn from(tokens: &IssuedTokens) -> Self {
        Self {
            access_token: Secret::new(tokens.access_token.expose()),
            refresh_token: Secret::new(tokens.refresh_token.expose()),
            token_type: "Bearer",
            expires_in: tokens.expires_in,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    #[serde(flatten)]
    pub tokens: TokenResponse,
    /// The session this sign-in started.
    pub session: SessionView,
    /// First sign-in from this country (or city) in 90 days.
    pub new_location: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    #[schema(value_type = String, example = "<refresh token>")]
    pub refresh_token: Secret,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReauthRequest {
    #[schema(value_type = String)]
    pub password: Secret,
}

/// Create an account.
#[utoipa::path(post, path = "/auth/signup", tag = "auth", request_body = SignupRequest,
    responses(
        (status = 201, body = SignupResponse),
        (status = 409, description = "email taken", body = Problem),
        (status = 422, description = "invalid email or password", body = Problem),
    ))]
#[tracing::instrument(skip_all)]
pub async fn signup(
    State(state): State<AppState>,
    ClientDevice(device): ClientDevice,
    ApiJson(body): ApiJson<SignupRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let user_id = state
        .service
        .sign_up(&body.email, body.password.expose(), &device)
        .await?;
    Ok((StatusCode::CREATED, Json(SignupResponse { user_id })))
}

/// Sign in: starts a session on the calling device.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, description = "wrong email or password", body = Problem),
        (status = 429, description = "too many attempts", body = Problem),
    ))]
#[tracing::instrument(skip_all)]
pub async fn login(
    State(state): State<AppState>,
    ClientDevice(device): ClientDevice,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let signed_in = state
        .service
        .sign_in(&body.email, body.password.expose(), &device)
        .await?;
    Ok(Json(LoginResponse {
        tokens: TokenResponse::from(&signed_in.tokens),
        session: SessionView::from(&signed_in.session),
        new_location: signed_in.new_location,
    }))
}

/// Exchange a refresh token for a new pair. The presented token is spent.
#[utoipa::path(post, path = "/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, description = "unknown, expired, revoked or reused token", body = Problem),
    ))]
#[tracing::instrument(skip_all)]
pub async fn refresh(
    State(state): State<AppState>,
    ClientDevice(device): ClientDevice,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let tokens = state
        .service
        .refresh(body.refresh_token.expose(), &device)
        .await?;
    Ok(Json(TokenResponse::from(&tokens)))
}

/// Confirm the password again; unlocks signing out other sessions and changing the password.
#[utoipa::path(post, path = "/auth/reauth", tag = "auth", request_body = ReauthRequest,
    security(("bearer" = [])),
    responses(
        (status = 204),
        (status = 401, body = Problem),
        (status = 403, description = "wrong password", body = Problem),
    ))]
#[tracing::instrument(skip_all)]
pub async fn reauth(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    ClientDevice(device): ClientDevice,
    ApiJson(body): ApiJson<ReauthRequest>,
) -> Result<StatusCode, ApiError> {
    state
        .service
        .reauthenticate(&principal, body.password.expose(), &device)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sign out the calling session.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem)))]
#[tracing::instrument(skip_all)]
pub async fn logout(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    ClientDevice(device): ClientDevice,
) -> Result<StatusCode, ApiError> {
    state.service.sign_out(&principal, &device).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 204 when the access token is valid and its session live: the cheapest authenticated call,
/// for gateways that only need to know (forward-auth).
#[utoipa::path(get, path = "/auth/check", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem)))]
pub async fn check(Authenticated(_): Authenticated) -> StatusCode {
    StatusCode::NO_CONTENT
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Request and response types reach `Debug` through `tracing` and panics: a password or
    /// token in one must print as `[redacted]`.
    #[test]
    fn passwords_and_tokens_in_request_types_print_redacted() {
        let secret = "correct-horse-battery-staple";
        let login: LoginRequest = serde_json::from_value(
            serde_json::json!({"email": "ada@example.com", "password": secret}),
        )
        .unwrap();
        let signup: SignupRequest = serde_json::from_value(
            serde_json::json!({"email": "ada@example.com", "password": secret}),
        )
        .unwrap();
        let refresh: RefreshRequest =
            serde_json::from_value(serde_json::json!({"refresh_token": secret})).unwrap();
        let reauth: ReauthRequest =
            serde_json::from_value(serde_json::json!({"password": secret})).unwrap();
        let tokens = TokenResponse {
            access_token: Secret::new(secret),
            refresh_token: Secret::new(secret),
            token_type: "Bearer",
            expires_in: 900,
        };
        assert_eq!(login.password.expose(), secret, "still read as given");
        for printed in [
            format!("{login:?}"),
            format!("{signup:#?}"),
            format!("{refresh:?}"),
            format!("{reauth:?}"),
            format!("{tokens:?}"),
        ] {
            assert!(!printed.contains("horse"), "{printed}");
            assert!(printed.contains("[redacted]"), "{printed}");
        }
        // On the wire the token is the plain string a client expects.
        assert_eq!(
            serde_json::to_value(&tokens).unwrap()["refresh_token"],
            secret
        );
    }
}

//! `GET /.well-known/jwks.json`: the public keys that verify access tokens, for backends that
//! check tokens offline (SIGNEDIN_ACCESS_TOKEN_ALG=EdDSA or ES256; empty with HS256).

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, Problem};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(jwks))
}

/// The JWK Set of the keys whose tokens are still valid, the current signer first. Offline
/// verification sees a revocation only when the token expires; `/auth/check` sees it at once.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "auth",
    responses(
        (status = 200, description = "a JWK Set (RFC 7517)", content_type = "application/json"),
        (status = 503, body = Problem),
    ))]
pub async fn jwks(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let keys = state.service.jwks().await?;
    // Short: a verifier meeting an unknown `kid` refetches anyway, and a rotation's new key
    // reaches everyone within a minute.
    Ok(([(header::CACHE_CONTROL, "public, max-age=60")], Json(keys)))
}

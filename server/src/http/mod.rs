//! The JSON API. Each module owns its routes; `openapi` describes them all.

pub mod auth;
pub mod error;
pub mod extract;
pub mod me;
pub mod openapi;

use axum::Router;
use axum::extract::DefaultBodyLimit;

use crate::state::AppState;

/// Request bodies of the API are small JSON documents.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(auth::router())
        .merge(me::router())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

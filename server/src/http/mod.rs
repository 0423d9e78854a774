//! The JSON API: its own front door to the domain. Each module owns its routes together
//! with their OpenAPI paths; `openapi` adds what the whole document shares.

pub mod auth;
pub mod cookie_session;
pub mod error;
pub mod events;
pub mod extract;
pub mod forward;
pub mod keys;
pub mod me;
pub mod openapi;
pub mod view;

use axum::Router;

use crate::state::AppState;

/// The API's routes, and the OpenAPI document generated from those very routes.
pub fn router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    openapi::document()
        .merge(auth::router())
        .merge(cookie_session::router())
        .merge(forward::router())
        .merge(keys::router())
        .merge(me::router())
        .merge(events::router())
        .split_for_parts()
}

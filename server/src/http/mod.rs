//! The JSON API: its own front door to the domain. Each module owns its routes; `openapi`
//! describes them all.

pub mod auth;
pub mod error;
pub mod extract;
pub mod me;
pub mod openapi;
pub mod view;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().merge(auth::router()).merge(me::router())
}

//! `AppState`: what every handler and server function reaches.

use std::sync::Arc;

use app::api::context::WebContext;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::config::Config;

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    /// The session service and the web settings, shared with the Leptos server functions.
    pub web: WebContext,
    pub config: Arc<Config>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

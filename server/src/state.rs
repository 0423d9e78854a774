//! `AppState`: what every handler, middleware and page render reaches.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use signedin::{Hub, SessionService};

use crate::config::Config;

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    /// The domain: the JSON API calls it directly, and the server functions reach the same
    /// one through their own context (`app::server_fns::context::WebContext`).
    pub service: SessionService,
    pub config: Arc<Config>,
    /// This node's live streams (`GET /me/sessions/events`).
    pub live: Hub,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

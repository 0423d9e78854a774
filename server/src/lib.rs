//! The signedin server: configuration, the axum router (JSON API, Leptos pages and server
//! functions, static files), security middleware and the admin commands.

pub mod admin;
pub mod alert_settings;
pub mod config;
pub mod http;
pub mod metrics;
pub mod request_guard;
pub mod security;
pub mod serve;
pub mod startup;
pub mod state;
pub mod telemetry;

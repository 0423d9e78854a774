//! The real server over real HTTP: each test starts it on 127.0.0.1 port 0 with a fresh
//! database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set) and talks to it with an
//! HTTP client.

mod helpers;
mod sse;

mod alerts;
mod auth;
mod concurrency;
mod errors;
mod forward_auth;
mod fuzz_regressions;
mod health;
mod live;
mod many_sessions;
mod metrics;
mod names;
mod page_security;
mod pages;
mod review_addresses_and_limits;
mod secrets;
mod secure_cookies;
mod sessions;
mod settings_and_limits;

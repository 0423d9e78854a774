//! The answers to an alert email, without signing in: what a link is about, and its three
//! buttons ("Sign out that device", "Sign out everywhere", "Yes, it was me"). Each button is
//! a plain form post that sends the browser back to its page with `done=…`; the page shows
//! what the link's state now says, so a reload or a second click can never act twice.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What an alert link is about, for its page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertLinkView {
    /// "Chrome on Windows · Hanover, DE · 30 Nov 2026, 10:42 UTC · IP 193.99.144.80".
    pub device: String,
    /// `unused`, `not_me`, `not_me_everywhere` or `was_me`.
    pub state: String,
    pub session_live: bool,
    /// Why the link cannot be used: `invalid`, `expired`, `already_used`, `session_ended`.
    pub problem: Option<String>,
}

#[server]
pub async fn alert_link_status(token: String) -> Result<AlertLinkView, AppError> {
    use signedin::service::LinkState;
    let web = ssr::web()?;
    let info = web.service.alert_link(&token).await.map_err(ssr::fail)?;
    Ok(match info {
        Err(problem) => AlertLinkView {
            device: String::new(),
            state: String::new(),
            session_live: false,
            problem: Some(ssr::problem_code(problem).to_owned()),
        },
        Ok(info) => AlertLinkView {
            device: info.device,
            state: match info.state {
                LinkState::Unused => "unused",
                LinkState::NotMe { everywhere: false } => "not_me",
                LinkState::NotMe { everywhere: true } => "not_me_everywhere",
                LinkState::WasMe => "was_me",
            }
            .to_owned(),
            session_live: info.session_live,
            problem: None,
        },
    })
}

/// "Sign out that device".
#[server]
pub async fn report_not_me(token: String) -> Result<(), AppError> {
    let web = ssr::web()?;
    let device = ssr::device_context(&ssr::request_parts()?, &web.trusted_proxies);
    let done = web
        .service
        .report_not_me(&token, &device)
        .await
        .map_err(ssr::fail)?;
    ssr::back(
        "not-me",
        &token,
        done.is_ok() || done == Err(ssr::LinkProblem::SessionEnded),
        "not_me",
    );
    Ok(())
}

/// "Sign out everywhere", after "This wasn't me".
#[server]
pub async fn sign_out_everywhere_by_link(token: String) -> Result<(), AppError> {
    let web = ssr::web()?;
    let device = ssr::device_context(&ssr::request_parts()?, &web.trusted_proxies);
    let done = web
        .service
        .sign_out_everywhere_by_link(&token, &device)
        .await
        .map_err(ssr::fail)?;
    ssr::back("not-me", &token, done.is_ok(), "everywhere");
    Ok(())
}

/// "Yes, it was me".
#[server]
pub async fn confirm_was_me(token: String) -> Result<(), AppError> {
    let web = ssr::web()?;
    let done = web
        .service
        .confirm_was_me(&token)
        .await
        .map_err(ssr::fail)?;
    ssr::back("was-me", &token, done.is_ok(), "was_me");
    Ok(())
}

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::server_fns::context::{device_context, fail, request_parts, web};
    pub use signedin::alerts::link::LinkProblem;

    /// The stable code a link problem travels as.
    pub fn problem_code(problem: LinkProblem) -> &'static str {
        match problem {
            LinkProblem::Invalid => "invalid",
            LinkProblem::Expired => "expired",
            LinkProblem::AlreadyUsed => "already_used",
            LinkProblem::SessionEnded => "session_ended",
        }
    }

    /// Back to the link's page; with `done` when this post did it, so the page says so.
    pub fn back(page: &str, token: &str, did_it: bool, done: &str) {
        // The token is ours ([A-Za-z0-9_.-]) when it verified; anything else is dropped
        // rather than written into a Location header.
        let token: String = token
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || "._-".contains(*c))
            .take(200)
            .collect();
        let done = if did_it {
            format!("&done={done}")
        } else {
            String::new()
        };
        leptos_axum::redirect(&format!("/alerts/{page}?token={token}{done}"));
    }
}

//! Signing up, in and out, and who is signed in.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dto::UserView;
use crate::error::AppError;

/// The answer to "is the server there?", shown on the home page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusView {
    pub database: String,
    pub database_ok: bool,
    pub server_time: String,
}

#[server]
pub async fn server_status() -> Result<StatusView, AppError> {
    use self::ssr::*;
    let web = web()?;
    let service = &web.service;
    Ok(StatusView {
        database: service.store().backend().to_owned(),
        database_ok: service.store().ping().await.is_ok(),
        server_time: service.now().to_rfc3339(),
    })
}

#[server]
pub async fn current_user() -> Result<Option<UserView>, AppError> {
    use self::ssr::*;
    let Some(principal) = current_principal().await? else {
        return Ok(None);
    };
    let email = web()?.service.user_email(&principal).await.map_err(fail)?;
    Ok(Some(UserView {
        user_id: principal.user_id,
        email,
    }))
}

/// Creates the account and signs the new user in on this device.
#[server]
pub async fn sign_up(email: String, password: String) -> Result<(), AppError> {
    use self::ssr::*;
    let web = web()?;
    let device = device_context(&request_parts()?, &web.trusted_proxies);
    web.service
        .sign_up(&email, &password, &device)
        .await
        .map_err(fail)?;
    let signed_in = web
        .service
        .sign_in(&email, &password, &device)
        .await
        .map_err(fail)?;
    set_cookies(&web.cookies.session_cookies(&signed_in.tokens));
    leptos_axum::redirect("/account/devices");
    Ok(())
}

/// Signs in on this browser. A session the browser already had is ended, not orphaned:
/// its cookies are about to be replaced.
#[server]
pub async fn sign_in(email: String, password: String, next: String) -> Result<(), AppError> {
    use self::ssr::*;
    let web = web()?;
    let device = device_context(&request_parts()?, &web.trusted_proxies);
    let previous = current_principal().await?;
    let signed_in = web
        .service
        .sign_in(&email, &password, &device)
        .await
        .map_err(fail)?;
    if let Some(previous) = previous {
        web.service
            .sign_out(&previous, &device)
            .await
            .map_err(fail)?;
    }
    set_cookies(&web.cookies.session_cookies(&signed_in.tokens));
    leptos_axum::redirect(&safe_next(&next));
    Ok(())
}

/// Signs this device out and returns to the sign-in page.
#[server]
pub async fn sign_out() -> Result<(), AppError> {
    use self::ssr::*;
    let web = web()?;
    if let Some(principal) = current_principal().await? {
        let device = device_context(&request_parts()?, &web.trusted_proxies);
        web.service
            .sign_out(&principal, &device)
            .await
            .map_err(fail)?;
    }
    set_cookies(&web.cookies.cleared_cookies());
    leptos_axum::redirect("/login");
    Ok(())
}

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::api::context::{
        current_principal, device_context, fail, request_parts, safe_next, set_cookies, web,
    };
}

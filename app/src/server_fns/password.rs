//! Changing the password from the page: the API's rules and rate limits (the same
//! `SessionService::change_password`), behind the page's own form.

use leptos::prelude::*;

use crate::error::AppError;
use crate::secret::Secret;

/// Where a signed-out visitor to the password page comes back to after signing in.
pub const PASSWORD_PAGE: &str = "/account/password";

/// The password page's data: the account's email, for password managers to file the new
/// password under. A signed-out visitor is sent to sign in first.
#[server]
pub async fn password_page() -> Result<String, AppError> {
    use crate::server_fns::context::{fail, require_principal, web};
    let principal = require_principal(PASSWORD_PAGE).await?;
    web()?.service.user_email(&principal).await.map_err(fail)
}

/// Changes the password. The current password is asked every time, and that entry is the
/// re-authentication (`SessionService::change_password_with_entry`: `/auth/reauth`'s limits,
/// one check), so an old sign-in needs no separate step. `sign_out_others` is the checkbox:
/// present when ticked. The answer goes back to the page, which says what
/// happened (`?changed=<how many were signed out>` or `?changed=kept`).
#[server]
pub async fn change_password(
    current_password: Secret,
    new_password: Secret,
    sign_out_others: Option<String>,
) -> Result<(), AppError> {
    use crate::server_fns::context::{device_context, fail, request_parts, require_principal, web};

    let web = web()?;
    let principal = require_principal(PASSWORD_PAGE).await?;
    let device = device_context(&request_parts()?, &web.trusted_proxies);
    let sign_out_others = sign_out_others.is_some();
    let signed_out = web
        .service
        .change_password_with_entry(
            &principal,
            current_password.expose(),
            new_password.expose(),
            sign_out_others,
            &device,
        )
        .await
        .map_err(fail)?;
    let changed = if sign_out_others {
        signed_out.to_string()
    } else {
        "kept".to_owned()
    };
    leptos_axum::redirect(&format!("{PASSWORD_PAGE}?changed={changed}"));
    Ok(())
}

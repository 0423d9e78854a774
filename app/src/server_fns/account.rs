//! Signing up, in and out, who is signed in, the start page's summary and the language switcher.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dto::UserView;
use crate::error::AppError;
use crate::secret::Secret;

/// The start page's summary for a signed-in account, worded by the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryView {
    /// "3 devices signed in".
    pub devices: String,
    /// "Last new sign-in: Firefox on Windows, Paris, France, 2 days ago".
    pub last_sign_in: Option<String>,
}

/// The language switcher's choice: kept in a cookie. A form posted without JavaScript is sent
/// back to the page it came from (leptos_axum follows the Referer), now in that language. A
/// tag the page is not written in is refused, not stored.
#[server]
pub async fn set_language(lang: String) -> Result<(), AppError> {
    use self::ssr::*;
    let web = web()?;
    let lang = signedin::i18n::Lang::from_tag(&lang)
        .filter(|l| l.tag() == lang)
        .ok_or_else(|| {
            fail(signedin::DomainError::invalid(
                "lang",
                "must be one of en, de, fr, es, ja",
            ))
        })?;
    set_cookies(&[web.cookies.language_cookie(lang.tag())]);
    Ok(())
}

/// The start page's summary of a signed-in account: how many devices, and the latest sign-in
/// from another one, worded in the page's language. `None` when signed out.
#[server]
pub async fn account_summary() -> Result<Option<SummaryView>, AppError> {
    use self::ssr::*;
    use signedin::AuditKind;
    let Some(principal) = current_principal().await? else {
        return Ok(None);
    };
    let web = web()?;
    let count = web.service.count_sessions(&principal).await.map_err(fail)?;
    let (events, _) = web
        .service
        .security_events(&principal, SUMMARY_EVENTS, None)
        .await
        .map_err(fail)?;
    let lang = crate::i18n::lang();
    let now = web.service.now();
    let last_sign_in = events
        .iter()
        .find(|e| e.kind == AuditKind::SignIn && !e.by_this_session)
        .map(|event| {
            let device = event
                .device
                .as_ref()
                .map_or_else(|| t("event-unknown-device"), |d| d.in_lang(lang));
            let (value, unit) =
                crate::format::ago(now.unix_seconds(), event.occurred_at.unix_seconds());
            let when = signedin::i18n::relative(lang, value, unit);
            match event.location.as_ref().map(|l| l.in_lang(lang)) {
                Some(place) => t_with(
                    "home-summary-last-place",
                    &[
                        ("device", device.into()),
                        ("place", place.into()),
                        ("when", when.into()),
                    ],
                ),
                None => t_with(
                    "home-summary-last",
                    &[("device", device.into()), ("when", when.into())],
                ),
            }
        });
    Ok(Some(SummaryView {
        devices: t_with("home-summary-devices", &[("count", count.into())]),
        last_sign_in,
    }))
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

/// Creates the account and signs the new user in on this browser, ending the session the
/// browser already had (as signing in does).
#[server]
pub async fn sign_up(email: String, password: Secret) -> Result<(), AppError> {
    use self::ssr::*;
    let web = web()?;
    let device = device_context(&request_parts()?, &web.trusted_proxies);
    web.service
        .sign_up(&email, password.expose(), &device)
        .await
        .map_err(fail)?;
    sign_in_on_this_browser(&web, &email, &password, &device).await?;
    leptos_axum::redirect(redirect::DEFAULT_AFTER_SIGN_IN);
    Ok(())
}

/// Signs in on this browser, then goes to `next` if that is a path on this site.
#[server]
pub async fn sign_in(email: String, password: Secret, next: String) -> Result<(), AppError> {
    use self::ssr::*;
    let web = web()?;
    let device = device_context(&request_parts()?, &web.trusted_proxies);
    sign_in_on_this_browser(&web, &email, &password, &device).await?;
    // The one rule for `next`: the plain form post follows this Location, and so does the
    // browser with JavaScript (the server function client navigates to it).
    leptos_axum::redirect(redirect::after_sign_in(&next));
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
    pub use crate::i18n::{t, t_with};
    pub use crate::server_fns::context::{
        WebContext, current_principal, device_context, fail, request_parts, set_cookies, web,
    };
    pub use signedin::redirect;

    /// How far back the start page looks for the latest sign-in from another device.
    pub const SUMMARY_EVENTS: u32 = 50;

    use signedin::DeviceContext;

    use crate::error::AppError;
    use crate::secret::Secret;

    /// Starts a session on this browser. A session the browser already had is ended, not
    /// orphaned: its cookies are about to be replaced. It is ended only once the new one
    /// exists, so a mistyped password leaves the browser signed in as before.
    pub async fn sign_in_on_this_browser(
        web: &WebContext,
        email: &str,
        password: &Secret,
        device: &DeviceContext,
    ) -> Result<(), AppError> {
        let previous = current_principal().await?;
        let signed_in = web
            .service
            .sign_in(email, password.expose(), device)
            .await
            .map_err(fail)?;
        if let Some(previous) = previous {
            web.service
                .sign_out(&previous, device)
                .await
                .map_err(fail)?;
        }
        set_cookies(&web.cookies.session_cookies(&signed_in.tokens));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server_fns::SignOutOtherSessions;

    /// `#[server]` derives `Debug` for these; a logged or panicking request must not print
    /// the password it carries.
    #[test]
    fn server_function_arguments_never_print_a_password() {
        let password = "correct horse battery staple";
        let printed = [
            format!(
                "{:?}",
                SignIn {
                    email: "ada@example.com".into(),
                    password: password.into(),
                    next: "/".into(),
                }
            ),
            format!(
                "{:#?}",
                SignUp {
                    email: "ada@example.com".into(),
                    password: password.into(),
                }
            ),
            format!(
                "{:?}",
                SignOutOtherSessions {
                    password: password.into(),
                }
            ),
        ];
        for text in printed {
            assert!(!text.contains("horse"), "{text}");
            assert!(text.contains("[redacted]"), "{text}");
        }
    }
}

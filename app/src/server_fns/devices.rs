//! The devices page: the caller's sessions, naming them, signing one or all others out, and
//! recent security activity.

use leptos::prelude::*;

use crate::dto::DevicesView;
use crate::error::AppError;
use crate::secret::Secret;

/// The devices page's data: the first `show` live sessions (the caller's first, then the
/// most recently used), how many there are in all, and recent security activity.
#[server]
pub async fn list_devices(show: u32) -> Result<DevicesView, AppError> {
    use self::ssr::*;
    let web = web()?;
    let principal = require_principal(PAGE).await?;
    let show = shown(show);
    let mut sessions = Vec::new();
    let mut after = None;
    let mut more = false;
    while sessions.len() < show {
        let size = PageSize::new((show - sessions.len()).min(PageSize::MAX as usize) as u32)
            .map_err(fail)?;
        let page = web
            .service
            .session_page(&principal, after.as_ref(), size)
            .await
            .map_err(fail)?;
        sessions.extend(page.sessions);
        more = page.next.is_some();
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    // Past the most one render lists there is nothing more to offer.
    let more = more && sessions.len() < SHOW_AT_MOST as usize;
    let total = web.service.count_sessions(&principal).await.map_err(fail)?;
    let (events, _) = web
        .service
        .security_events(&principal, RECENT_ACTIVITY, None)
        .await
        .map_err(fail)?;
    let any_place = sessions
        .iter()
        .any(|s| s.location.as_ref().is_some_and(|l| l.place().is_some()));
    let lang = lang();
    let others = total.saturating_sub(1);
    let counted = Counted {
        shown: t_with(
            "devices-shown",
            &[("shown", sessions.len().into()), ("total", total.into())],
        ),
        bulk_explain: t_with("bulk-explain", &[("count", others.into())]),
        bulk_confirm: t_with("bulk-confirm", &[("count", others.into())]),
    };
    Ok(DevicesView {
        rows: sessions.iter().map(|s| DeviceRow::new(s, lang)).collect(),
        activity: events.iter().map(|e| ActivityItem::new(e, lang)).collect(),
        now: web.service.now().to_rfc3339(),
        show_dbip_attribution: any_place && web.service.geo().needs_dbip_attribution(),
        total,
        more,
        counted,
    })
}

/// Signs out the session named by `jti_prefix`. Signing out this very device clears its
/// cookies and goes to the sign-in page.
#[server]
pub async fn sign_out_session(jti_prefix: String) -> Result<(), AppError> {
    use self::ssr::*;
    let web = web()?;
    let principal = require_principal(PAGE).await?;
    let device = device_context(&request_parts()?, &web.trusted_proxies);
    let target = web
        .service
        .revoke_session(&principal, &jti_prefix, &device)
        .await
        .map_err(fail)?;
    if target.session_id == principal.session_id {
        set_cookies(&web.cookies.cleared_cookies());
        leptos_axum::redirect("/login");
    }
    Ok(())
}

/// Names the caller's session `id` (`ses_…`); a blank `name` removes the name. The name
/// the session now has, for the row to show in place.
#[server]
pub async fn rename_session(id: String, name: String) -> Result<Option<String>, AppError> {
    use self::ssr::*;
    let web = web()?;
    let principal = require_principal(PAGE).await?;
    let device = device_context(&request_parts()?, &web.trusted_proxies);
    let name = SessionName::parse(&name).map_err(fail)?;
    let session = web
        .service
        .rename_session(&principal, &id, name, &device)
        .await
        .map_err(fail)?;
    Ok(session.name)
}

/// Signs out every other session. When the last password entry is too old, the caller is
/// asked for it (`ReauthRequired`) and sends it along with the retry. What it came to, in the
/// page's language ("Signed out of 2 other sessions.").
#[server]
pub async fn sign_out_other_sessions(password: Secret) -> Result<String, AppError> {
    use self::ssr::*;
    let web = web()?;
    let mut principal = require_principal(PAGE).await?;
    let device = device_context(&request_parts()?, &web.trusted_proxies);
    if !password.is_empty() {
        web.service
            .reauthenticate(&principal, password.expose(), &device)
            .await
            .map_err(fail)?;
        principal.reauthenticated_at = web.service.now();
    }
    let count = web
        .service
        .revoke_sessions(&principal, BulkScope::Others, &device)
        .await
        .map_err(fail)?;
    Ok(t_with("bulk-done", &[("count", count.into())]))
}

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::dto::{ActivityItem, Counted, DeviceRow};
    pub use crate::i18n::{lang, t_with};
    pub use crate::server_fns::context::{
        device_context, fail, request_parts, require_principal, set_cookies, web,
    };
    pub use signedin::{BulkScope, PageSize, SessionName};

    /// Where a signed-out caller comes back to after signing in.
    pub const PAGE: &str = "/account/devices";

    /// How many rows the page lists for `?show=`: a page's worth at least, and at most
    /// [`SHOW_AT_MOST`].
    pub fn shown(show: u32) -> usize {
        show.clamp(PageSize::DEFAULT.get(), SHOW_AT_MOST) as usize
    }

    /// The most rows one render lists, whatever `?show=` asks: well above any sensible
    /// session cap, and bounded so no query string can make a render unbounded.
    pub const SHOW_AT_MOST: u32 = 1_000;

    /// How many lines "Recent security activity" shows: the page's own choice of a glance,
    /// not a page of the history (that is `signedin::EventPage`, for the API).
    pub const RECENT_ACTIVITY: u32 = 12;
}

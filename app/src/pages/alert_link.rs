//! `/alerts/not-me?token=…` and `/alerts/was-me?token=…`: the pages an alert email's links
//! open, for someone who may not be signed in on this device (and whose attacker may be).
//! Rendered whole on the server with plain forms, so they work without JavaScript; opening
//! one changes nothing (mail scanners open links), only its buttons do.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::i18n::{error_text, t};
use crate::server_fns::alerts::{
    AlertLinkView, ConfirmWasMe, ReportNotMe, SignOutEverywhereByLink, alert_link_status,
};

/// What a link's page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Screen {
    ConfirmNotMe,
    DeviceSignedOut,
    SignedOutEverywhere,
    ConfirmWasMe,
    Thanks,
    /// Why it cannot be used (a message id), and whether "Sign out everywhere" is still on
    /// offer.
    CantUse(&'static str, bool),
}

const USED: &str = "alert-link-used";

fn reason(problem: &str) -> &'static str {
    match problem {
        "expired" => "alert-link-expired",
        "already_used" => USED,
        "session_ended" => "alert-already-signed-out",
        _ => "alert-link-invalid",
    }
}

fn not_me_screen(view: &AlertLinkView, done: &str) -> Screen {
    if let Some(problem) = &view.problem {
        return Screen::CantUse(reason(problem), false);
    }
    match (view.state.as_str(), done) {
        ("unused", _) if !view.session_live => Screen::CantUse(reason("session_ended"), true),
        ("unused", _) => Screen::ConfirmNotMe,
        ("not_me", "not_me") => Screen::DeviceSignedOut,
        ("not_me", _) => Screen::CantUse(USED, true),
        ("not_me_everywhere", "everywhere") => Screen::SignedOutEverywhere,
        _ => Screen::CantUse(USED, false),
    }
}

fn was_me_screen(view: &AlertLinkView, done: &str) -> Screen {
    if let Some(problem) = &view.problem {
        return Screen::CantUse(reason(problem), false);
    }
    match (view.state.as_str(), done) {
        ("unused", _) if !view.session_live => Screen::CantUse(reason("session_ended"), false),
        ("unused", _) => Screen::ConfirmWasMe,
        ("was_me", "was_me") => Screen::Thanks,
        _ => Screen::CantUse(USED, false),
    }
}

#[component]
pub fn NotMePage() -> impl IntoView {
    view! { <AlertLinkPage title="alert-not-me-title" screen=not_me_screen /> }
}

#[component]
pub fn WasMePage() -> impl IntoView {
    view! { <AlertLinkPage title="alert-was-me-title" screen=was_me_screen /> }
}

#[component]
fn AlertLinkPage(
    /// The title's message id.
    title: &'static str,
    screen: fn(&AlertLinkView, &str) -> Screen,
) -> impl IntoView {
    let query = use_query_map();
    let token = query.with_untracked(|q| q.get("token").unwrap_or_default());
    let done = query.with_untracked(|q| q.get("done").unwrap_or_default());
    let link = Resource::new_blocking(move || token.clone(), alert_link_status);
    view! {
        <Title text=t(title) />
        <section class="card auth-card alert-link">
            <Suspense fallback=|| view! { <p>{t("alert-loading")}</p> }>
                {move || {
                    let done = done.clone();
                    Suspend::new(async move {
                        let shown = match link.await {
                            Ok(view) => {
                                let token = query.with_untracked(|q| q.get("token").unwrap_or_default());
                                let at = screen(&view, &done);
                                render(at, &view.device, &token).into_any()
                            }
                            Err(error) => view! {
                                <h1>{t("alert-went-wrong")}</h1>
                                <p class="notice error" role="alert">{error_text(&error)}</p>
                            }
                            .into_any(),
                        };
                        shown
                    })
                }}
            </Suspense>
        </section>
    }
}

fn render(screen: Screen, device: &str, token: &str) -> impl IntoView + use<> {
    let device = (!device.is_empty()).then(|| {
        let device = device.to_owned();
        view! { <p class="alert-device"><strong>{device}</strong></p> }
    });
    let everywhere = button(
        SignOutEverywhereByLink::PATH,
        token,
        t("alert-sign-out-everywhere"),
        "danger",
    );
    let change_password = view! {
        <p><a href="/login?next=/account/devices">{t("alert-sign-in-to-change-password")}</a></p>
    };
    match screen {
        Screen::ConfirmNotMe => view! {
            <h1>{t("alert-not-me-heading")}</h1>
            <p>{t("alert-not-me-reported")}</p>
            {device}
            <p>{t("alert-not-me-explain")}</p>
            {button(ReportNotMe::PATH, token, t("alert-not-me-button"), "danger")}
        }
        .into_any(),
        Screen::DeviceSignedOut => view! {
            <h1>{t("alert-signed-out-heading")}</h1>
            {device}
            <p role="status">{t("alert-signed-out-explain")}</p>
            {everywhere}
            {change_password}
        }
        .into_any(),
        Screen::SignedOutEverywhere => view! {
            <h1>{t("alert-everywhere-heading")}</h1>
            <p role="status">{t("alert-everywhere-explain")}</p>
            {change_password}
        }
        .into_any(),
        Screen::ConfirmWasMe => view! {
            <h1>{t("alert-was-me-heading")}</h1>
            {device}
            <p>{t("alert-was-me-explain")}</p>
            {button(ConfirmWasMe::PATH, token, t("alert-was-me-button"), "primary")}
            <p class="muted">{t("alert-was-me-otherwise")}</p>
        }
        .into_any(),
        Screen::Thanks => view! {
            <h1>{t("alert-thanks-heading")}</h1>
            {device}
            <p role="status">{t("alert-thanks-explain")}</p>
            <p><a href="/account/devices">{t("alert-see-devices")}</a></p>
        }
        .into_any(),
        Screen::CantUse(why, offer_everywhere) => view! {
            <h1>{t("alert-unusable-heading")}</h1>
            {device}
            <p class="notice">{t(why)}</p>
            {offer_everywhere.then_some(everywhere)}
            <p><a href="/login?next=/account/devices">{t("alert-sign-in-to-see")}</a></p>
        }
        .into_any(),
    }
}

/// A one-button plain form posting the link's token to `action`.
fn button(
    action: &'static str,
    token: &str,
    label: String,
    class: &'static str,
) -> impl IntoView + use<> {
    let token = token.to_owned();
    view! {
        <form method="post" action=action>
            <input type="hidden" name="token" value=token />
            <button type="submit" class=class>{label}</button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(state: &str, live: bool, problem: Option<&str>) -> AlertLinkView {
        AlertLinkView {
            device: "Chrome on Windows".into(),
            state: state.into(),
            session_live: live,
            problem: problem.map(str::to_owned),
        }
    }

    #[test]
    fn each_state_shows_what_was_done_or_why_not() {
        assert_eq!(
            not_me_screen(&link("unused", true, None), ""),
            Screen::ConfirmNotMe
        );
        assert_eq!(
            not_me_screen(&link("not_me", false, None), "not_me"),
            Screen::DeviceSignedOut
        );
        assert_eq!(
            not_me_screen(&link("not_me", false, None), ""),
            Screen::CantUse(USED, true)
        );
        assert_eq!(
            not_me_screen(&link("not_me_everywhere", false, None), "everywhere"),
            Screen::SignedOutEverywhere
        );
        assert_eq!(
            not_me_screen(&link("unused", false, None), ""),
            Screen::CantUse(reason("session_ended"), true)
        );
        assert_eq!(
            not_me_screen(&link("was_me", true, None), "not_me"),
            Screen::CantUse(USED, false)
        );
        assert!(matches!(
            not_me_screen(&link("", false, Some("expired")), ""),
            Screen::CantUse(why, false) if why == "alert-link-expired"
        ));
        assert!(matches!(
            was_me_screen(&link("", false, Some("invalid")), ""),
            Screen::CantUse(why, false) if why == "alert-link-invalid"
        ));
        assert_eq!(
            was_me_screen(&link("was_me", true, None), "was_me"),
            Screen::Thanks
        );
        assert_eq!(
            was_me_screen(&link("not_me", true, None), ""),
            Screen::CantUse(USED, false)
        );
        assert_eq!(
            was_me_screen(&link("unused", false, None), ""),
            Screen::CantUse(reason("session_ended"), false)
        );
    }
}

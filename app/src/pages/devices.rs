//! `/account/devices`: "Where you're signed in". Every live session with its device, place
//! and times; sign one out (removed at once, put back if the server refuses), or all others.
//! The server pushes every change (`live_updates`); the list also refreshes when the tab
//! regains focus, and every 30 seconds while the push stream is down.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::activity_list::ActivityList;
use crate::components::bulk_sign_out::BulkSignOut;
use crate::components::error_view::ErrorMessage;
use crate::components::island::live_marker;
use crate::components::keep_fresh::keep_fresh;
use crate::components::live_updates::{self, LiveUpdates};
use crate::components::new_sign_in;
use crate::components::session_list::{Leaving, SessionList, last_refusal};
use crate::components::session_row;
use crate::dto::DevicesView;
use crate::error::AppError;
use crate::format::parse_rfc3339_utc;
use crate::i18n::{W, Words, t, words_for_request};
use crate::server_fns::{SignOutOtherSessions, SignOutSession, list_devices};

#[component]
pub fn DevicesPage() -> impl IntoView {
    // `?show=100`: how many devices to list, grown by "Show more" (a plain link, so it works
    // without JavaScript); the server holds it to its bounds.
    let show = use_query_map()
        .with_untracked(|q| q.get("show").and_then(|s| s.parse::<u32>().ok()))
        .unwrap_or(0);
    view! {
        <Title text=t("devices-title") />
        // Static, so outside the island: it costs the browser bundle nothing. The heading takes
        // focus when the device signed out was the last one listed.
        <header class="page-header">
            <h1 id="devices-heading" tabindex="-1">{t("devices-heading")}</h1>
            <p class="lead">{t("devices-lead")}</p>
            <p class="page-links">
                <a href="/account/password">{t("devices-change-password")}</a>
            </p>
        </header>
        <DevicesList show words=words_for_request() />
    }
}

/// Everything interactive on the page, and the only part compiled into the browser bundle:
/// the actions and the list they reload, wired together; the parts are components below.
#[island]
fn DevicesList(show: u32, words: Words) -> impl IntoView {
    let sign_out_one = ServerMultiAction::<SignOutSession>::new();
    let sign_out_others = ServerAction::<SignOutOtherSessions>::new();
    let reload = RwSignal::new(0u32);
    // While the confirmation is open, a refresh would close it under the user's hands.
    let confirming = RwSignal::new(false);
    let changes = move || {
        (
            sign_out_one.version().get(),
            sign_out_others.version().get(),
            reload.get(),
        )
    };
    // Blocking, so a signed-out visitor is redirected before any HTML is sent.
    let devices = Resource::new_blocking(changes, move |_| list_devices(show));
    let leaving = Leaving::new(sign_out_one);

    let live = LiveUpdates::new(reload, confirming);
    let browser_now = RwSignal::new(None::<i64>);
    Effect::new(move |_| {
        keep_fresh(browser_now, reload, confirming, live_updates::streaming);
        live.follow();
    });

    // `signed-out` and `new-sign-ins` are written by `live_updates` and `new_sign_in`
    // directly (their `SIGNED_OUT_ID` and `REGION_ID`).
    view! {
        <section
            class="devices"
            aria-labelledby="devices-heading"
            data-hydrated=live_marker()
        >
            <p
                id="signed-out"
                class="notice error"
                role="alert"
                // The four texts of `live_updates::signed_out_notice`, as it reads them.
                data-texts=[
                    W::YouWereSignedOut,
                    W::YouWereSignedOutOn,
                    W::YouWereSignedOutAt,
                    W::YouWereSignedOutOnAt,
                ].map(|w| words.get(w)).join(live_updates::NOTICE_TEXTS_APART)
            ></p>
            <p id="new-sign-ins" class="visually-hidden" aria-live="polite"></p>
            <p id=session_row::STATUS_ID class="visually-hidden" aria-live="polite"></p>
            <Notices sign_out_one sign_out_others words=words.clone() />
            <Transition fallback={
                let words = words.clone();
                move || view! { <SessionSkeleton words=words.clone() /> }
            }>
                <ErrorBoundary fallback={
                    let words = words.clone();
                    move |errors| view! { <LoadError errors words=words.clone() /> }
                }>
                    {move || {
                        let leaving = leaving.clone();
                        let words = words.clone();
                        Suspend::new(async move {
                            let loaded = devices.await;
                            live.loaded(loaded.is_ok());
                            let data: DevicesView = loaded?;
                            new_sign_in::seen(&data.rows, &words);
                            let server_now = parse_rfc3339_utc(&data.now).unwrap_or_default();
                            let now = Signal::derive(move || browser_now.get().unwrap_or(server_now));
                            Ok::<_, AppError>(view! {
                                <Devices data now sign_out_one sign_out_others leaving confirming words />
                            })
                        })
                    }}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

/// What the last sign-outs came to: a refusal, or how many others were signed out.
#[component]
fn Notices(
    sign_out_one: ServerMultiAction<SignOutSession>,
    sign_out_others: ServerAction<SignOutOtherSessions>,
    words: Words,
) -> impl IntoView {
    view! {
        <div class="notices" aria-live="polite">
            {move || last_refusal(sign_out_one).map(|e| view! {
                <ErrorMessage message=format!("{} {}", words.get(W::DeviceSignOutFailed), words.error(&e)) />
            })}
            {move || match sign_out_others.value().get() {
                Some(Ok(said)) => Some(view! { <p class="notice success" role="status">{said}</p> }),
                _ => None,
            }}
        </div>
    }
}

/// The loaded page: the devices, the way to sign the others out, the recent activity.
#[component]
fn Devices(
    data: DevicesView,
    now: Signal<i64>,
    sign_out_one: ServerMultiAction<SignOutSession>,
    sign_out_others: ServerAction<SignOutOtherSessions>,
    leaving: Leaving,
    confirming: RwSignal<bool>,
    words: Words,
) -> impl IntoView {
    let current = data.rows.iter().filter(|s| s.is_current).count() as u64;
    let others = data.total.saturating_sub(current) as usize;
    let more = show_more(&data, &words);
    let counted = data.counted;
    view! {
        <SessionList sessions=data.rows now sign_out=sign_out_one leaving words=words.clone() />
        {more}
        {(others == 0).then(|| view! {
            <p class="empty">{words.text(W::DevicesOnlyThis)}</p>
        })}
        {(others > 0).then(|| view! {
            <BulkSignOut counted action=sign_out_others confirming words=words.clone() />
        })}
        {data.show_dbip_attribution.then(|| view! {
            <p class="attribution">
                {words.text(W::DevicesLocationsApproximate)}
                " "
                <a href="https://db-ip.com" rel="noopener">"IP Geolocation by DB-IP"</a>
            </p>
        })}
        <section class="activity" aria-labelledby="activity-heading">
            <h2 id="activity-heading">{words.text(W::ActivityHeading)}</h2>
            <ActivityList items=data.activity now empty=words.text(W::ActivityNone) />
        </section>
    }
}

/// How many rows a "Show more" adds.
const MORE: usize = 50;

/// "Show more" when only the first of the devices are listed: a link to the same page
/// listing more, which lands on the last row already seen.
fn show_more(data: &DevicesView, words: &Words) -> Option<impl IntoView + use<>> {
    if !data.more {
        return None;
    }
    let shown = data.rows.len();
    let last = data.rows.last().map(|r| r.id.clone()).unwrap_or_default();
    let href = format!("/account/devices?show={}#device-{last}", shown + MORE);
    let label = words.text(W::DevicesShowMore);
    let count = format!(" {}", data.counted.shown);
    Some(view! {
        <p class="show-more">
            <a href=href>{label}</a>
            <span class="muted">{count}</span>
        </p>
    })
}

/// Placeholder rows the size of real ones, so nothing jumps when they arrive.
#[component]
fn SessionSkeleton(words: Words) -> impl IntoView {
    view! {
        <ul class="session-list" aria-busy="true" aria-label=words.text(W::DevicesLoading)>
            <li class="session skeleton"></li>
            <li class="session skeleton"></li>
        </ul>
    }
}

/// Why the list could not be loaded: the first reason is enough to act on (one line rather
/// than a list also costs the browser bundle less).
#[component]
fn LoadError(errors: ArcRwSignal<Errors>, words: Words) -> impl IntoView {
    let failed = words.text(W::DevicesLoadError);
    let again = words.text(W::DevicesTryAgain);
    let why =
        move || {
            errors.get().into_iter().next().map(|(_, e)| {
                words.error(e.downcast_ref::<AppError>().unwrap_or(&AppError::Internal))
            })
        };
    view! {
        <div class="notice error" role="alert">
            <p>{failed}</p>
            <p>{why}</p>
            <p><a href="/account/devices">{again}</a></p>
        </div>
    }
}

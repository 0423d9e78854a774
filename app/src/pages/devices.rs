//! `/account/devices`: "Where you're signed in". Every live session with its device, place
//! and times; sign one out (removed at once, put back if the server refuses), or all others.
//! The list refreshes when the tab regains focus and every 30 seconds.

use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::error_view::ErrorMessage;
use crate::components::island::live_marker;
use crate::components::relative_time::RelativeTime;
use crate::components::session_row::SessionRow;
use crate::dto::{ActivityItem, DevicesView};
use crate::error::AppError;
use crate::format::parse_rfc3339_utc;
use crate::server_fns::{SignOutOtherSessions, SignOutSession, list_devices};

const REFRESH_EVERY: Duration = Duration::from_secs(30);
const TICK_EVERY: Duration = Duration::from_secs(15);

#[component]
pub fn DevicesPage() -> impl IntoView {
    view! {
        <Title text="Your devices" />
        <DevicesList />
    }
}

/// Everything interactive on the page, and the only part compiled into the browser bundle.
#[island]
fn DevicesList() -> impl IntoView {
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
    let devices = Resource::new_blocking(changes, |_| list_devices());

    let browser_now = RwSignal::new(None::<i64>);
    Effect::new(move |_| keep_fresh(browser_now, reload, confirming));

    // Rows being signed out, or signed out, disappear at once; a refusal brings them back.
    let hidden = move |prefix: &str| {
        sign_out_one.submissions().with(|submissions| {
            submissions.iter().any(|s| {
                let same = s
                    .input()
                    .with(|i| i.as_ref().is_some_and(|i| i.jti_prefix == prefix));
                same && (s.pending().get() || s.value().with(|v| matches!(v, Some(Ok(_)))))
            })
        })
    };
    let row_error = move || {
        sign_out_one.submissions().with(|submissions| {
            submissions.iter().rev().find_map(|s| {
                s.value()
                    .with(|v| v.as_ref().and_then(|r| r.as_ref().err().cloned()))
            })
        })
    };

    view! {
        <section
            class="devices"
            aria-labelledby="devices-heading"
            data-hydrated=live_marker()
        >
            <header class="page-header">
                <h1 id="devices-heading">"Where you're signed in"</h1>
                <p class="lead">
                    "These devices are signed in to your account. If you don't recognise one, sign it out."
                </p>
            </header>
            <div class="notices" aria-live="polite">
                {move || row_error().map(|e| view! { <ErrorMessage message=format!("Could not sign that device out. {e}") /> })}
                {move || match sign_out_others.value().get() {
                    Some(Ok(n)) => Some(view! { <p class="notice success" role="status">{signed_out_message(n)}</p> }.into_any()),
                    _ => None,
                }}
            </div>
            <Transition fallback=SessionSkeleton>
                <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                    {move || Suspend::new(async move {
                        let data: DevicesView = devices.await?;
                        let server_now = parse_rfc3339_utc(&data.now).unwrap_or_default();
                        let now = Signal::derive(move || browser_now.get().unwrap_or(server_now));
                        let others = data.rows.iter().filter(|s| !s.is_current).count();
                        let sessions = data.rows;
                        let activity = data.activity;
                        Ok::<_, AppError>(view! {
                            <ul class="session-list" aria-label="Signed-in devices">
                                {sessions
                                    .into_iter()
                                    .map(|session| {
                                        let prefix = session.jti_prefix.clone();
                                        let gone = Signal::derive(move || hidden(&prefix));
                                        view! { <SessionRow session now gone sign_out=sign_out_one /> }
                                    })
                                    .collect_view()}
                            </ul>
                            {(others == 0).then(|| view! {
                                <p class="empty">"This is the only device signed in to your account."</p>
                            })}
                            {(others > 0).then(|| view! {
                                <BulkSignOut others action=sign_out_others confirming />
                            })}
                            {data.show_dbip_attribution.then(|| view! {
                                <p class="attribution">
                                    "Locations are approximate. "
                                    <a href="https://db-ip.com" rel="noopener">"IP Geolocation by DB-IP"</a>
                                </p>
                            })}
                            <section class="activity" aria-labelledby="activity-heading">
                                <h2 id="activity-heading">"Recent security activity"</h2>
                                <ActivityList items=activity now />
                            </section>
                        })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

fn signed_out_message(n: u64) -> String {
    match n {
        0 => "No other sessions were signed in.".to_owned(),
        1 => "Signed out of 1 other session.".to_owned(),
        n => format!("Signed out of {n} other sessions."),
    }
}

/// "Sign out of all other sessions", behind a confirmation; asks for the password inline
/// when the last one is too old, and the retry carries it.
#[component]
fn BulkSignOut(
    others: usize,
    action: ServerAction<SignOutOtherSessions>,
    confirming: RwSignal<bool>,
) -> impl IntoView {
    let needs_password = move || {
        matches!(
            action.value().get(),
            Some(Err(AppError::ReauthRequired
                | AppError::WrongPassword
                | AppError::RateLimited { .. }))
        )
    };
    let error = move || action.value().get().and_then(Result::err);
    let sessions = if others == 1 {
        "1 other session".to_owned()
    } else {
        format!("{others} other sessions")
    };
    let confirm_label = format!("Sign out {sessions}");
    view! {
        <details
            class="bulk"
            open=needs_password
            on:toggle=move |ev| confirming.set(event_target::<web_sys::HtmlDetailsElement>(&ev).open())
        >
            <summary class="button danger-outline">"Sign out of all other sessions"</summary>
            <ActionForm action=action attr:class="bulk-form">
                <p>{format!("This signs out {sessions}. Those devices will need to sign in again.")}</p>
                {move || error().map(|e| view! { <ErrorMessage message=e.to_string() /> })}
                {move || if needs_password() {
                    view! {
                        <div class="field">
                            <label for="confirm-password">"Confirm your password"</label>
                            <input id="confirm-password" name="password" type="password" autocomplete="current-password" required />
                        </div>
                    }
                    .into_any()
                } else {
                    view! { <input type="hidden" name="password" value="" /> }.into_any()
                }}
                <button type="submit" class="danger" disabled=move || action.pending().get()>
                    {confirm_label.clone()}
                </button>
            </ActionForm>
        </details>
    }
}

#[component]
fn ActivityList(items: Vec<ActivityItem>, now: Signal<i64>) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="muted">"No recent activity."</p> }.into_any();
    }
    view! {
        <ul class="activity-list">
            {items
                .into_iter()
                .map(|event| {
                    view! {
                        <li class="activity-item" data-kind=event.kind.clone()>
                            <span class="summary">{event.summary}</span>
                            " · "
                            <RelativeTime at=event.occurred_at now />
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// Placeholder rows the size of real ones, so nothing jumps when they arrive.
#[component]
fn SessionSkeleton() -> impl IntoView {
    view! {
        <ul class="session-list" aria-busy="true" aria-label="Loading devices">
            <li class="session skeleton"></li>
            <li class="session skeleton"></li>
        </ul>
    }
}

#[component]
fn LoadError(errors: ArcRwSignal<Errors>) -> impl IntoView {
    view! {
        <div class="notice error" role="alert">
            <p>"Your devices could not be loaded."</p>
            <ul>
                {move || errors.get().into_iter().map(|(_, e)| view! { <li>{e.to_string()}</li> }).collect_view()}
            </ul>
            <p><a href="/account/devices">"Try again"</a></p>
        </div>
    }
}

/// Browser only: ticks the clock for relative times, and reloads the list every 30 seconds
/// and whenever the tab comes back into view.
fn keep_fresh(
    browser_now: RwSignal<Option<i64>>,
    reload: RwSignal<u32>,
    confirming: RwSignal<bool>,
) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::ev;

        let tick = move || browser_now.set(Some((js_sys::Date::now() / 1000.0) as i64));
        tick();
        let refresh = move || {
            if !confirming.get_untracked() {
                reload.update(|n| *n = n.wrapping_add(1));
            }
        };
        let clock = set_interval_with_handle(tick, TICK_EVERY).ok();
        let poll = set_interval_with_handle(refresh, REFRESH_EVERY).ok();
        let focus = window_event_listener(ev::focus, move |_| refresh());
        let visible = window_event_listener(ev::visibilitychange, move |_| {
            if document().visibility_state() == web_sys::VisibilityState::Visible {
                refresh();
            }
        });
        on_cleanup(move || {
            clock
                .into_iter()
                .chain(poll)
                .for_each(|handle| handle.clear());
            focus.remove();
            visible.remove();
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (browser_now, reload, confirming, TICK_EVERY, REFRESH_EVERY);
}

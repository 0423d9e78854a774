//! Keeping a live page current in the browser: a ticking clock for relative times, and a
//! reload whenever the tab comes back into view and, while the server's stream is down,
//! every 30 seconds.

use std::time::Duration;

use leptos::prelude::*;

const REFRESH_EVERY: Duration = Duration::from_secs(30);
const TICK_EVERY: Duration = Duration::from_secs(15);

/// Browser only (on the server it does nothing): ticks the clock for relative times, and
/// reloads the list whenever the tab comes back into view, and every 30 seconds unless the
/// server's stream is open (it pushes every change).
///
/// `streaming` says whether the server's stream is open now (`live_updates::streaming`,
/// passed in so the stream's module can use this one's `refresh` without a circle).
pub fn keep_fresh(
    browser_now: RwSignal<Option<i64>>,
    reload: RwSignal<u32>,
    confirming: RwSignal<bool>,
    streaming: fn() -> bool,
) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::ev;

        let tick = move || {
            crate::format::mark_live();
            browser_now.set(Some((js_sys::Date::now() / 1000.0) as i64));
        };
        tick();
        let clock = set_interval_with_handle(tick, TICK_EVERY).ok();
        let poll = set_interval_with_handle(
            move || {
                if !streaming() {
                    refresh(reload, confirming);
                }
            },
            REFRESH_EVERY,
        )
        .ok();
        let focus = window_event_listener(ev::focus, move |_| {
            refresh(reload, confirming);
        });
        let visible = window_event_listener(ev::visibilitychange, move |_| {
            if document().visibility_state() == web_sys::VisibilityState::Visible {
                refresh(reload, confirming);
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
    let _ = (
        browser_now,
        reload,
        confirming,
        streaming,
        TICK_EVERY,
        REFRESH_EVERY,
    );
}

/// Reloads the list, unless the confirmation is open (a reload would close it under the
/// user's hands). Whether it reloaded.
pub fn refresh(reload: RwSignal<u32>, confirming: RwSignal<bool>) -> bool {
    let now = !confirming.get_untracked();
    if now {
        reload.update(|n| *n = n.wrapping_add(1));
    }
    now
}

//! Keeping a live page current in the browser: a ticking clock for relative times, and a
//! reload every 30 seconds and whenever the tab comes back into view.

use std::time::Duration;

use leptos::prelude::*;

const REFRESH_EVERY: Duration = Duration::from_secs(30);
const TICK_EVERY: Duration = Duration::from_secs(15);

/// Browser only (on the server it does nothing): starts the clock and the reloads, and
/// stops them when the island is torn down.
pub fn keep_fresh(
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

//! `<time>` showing "2 hours ago" in the page's language, with the exact time on hover, that
//! keeps itself current.

use leptos::prelude::*;

use crate::format::{exact_title, parse_rfc3339_utc, relative};

/// `now` is seconds since the epoch: the server's clock while rendering, the browser's
/// (ticking) once hydrated. The exact time follows the clock too, so that once the browser
/// ticks it is re-worded in the reader's own time zone (the server writes UTC).
#[component]
pub fn RelativeTime(#[prop(into)] at: String, now: Signal<i64>) -> impl IntoView {
    let then = parse_rfc3339_utc(&at);
    let fallback = at.clone();
    let exact_at = at.clone();
    view! {
        <time datetime=at title=move || { now.track(); exact_title(&exact_at) }>
            {move || match then {
                Some(then) => relative(now.get(), then),
                None => fallback.clone(),
            }}
        </time>
    }
}

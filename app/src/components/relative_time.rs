//! `<time>` showing "2h ago", with the exact time on hover, that keeps itself current.

use leptos::prelude::*;

use crate::format::{exact, parse_rfc3339_utc, relative};

/// `now` is seconds since the epoch: the server's clock while rendering, the browser's
/// (ticking) once hydrated.
#[component]
pub fn RelativeTime(#[prop(into)] at: String, now: Signal<i64>) -> impl IntoView {
    let then = parse_rfc3339_utc(&at);
    let title = exact(&at);
    let fallback = at.clone();
    view! {
        <time datetime=at title=title>
            {move || match then {
                Some(then) => relative(now.get(), then),
                None => fallback.clone(),
            }}
        </time>
    }
}

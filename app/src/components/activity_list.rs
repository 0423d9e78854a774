//! "Recent security activity": the account's latest events, newest first.

use leptos::either::Either;
use leptos::prelude::*;

use crate::components::relative_time::RelativeTime;
use crate::dto::ActivityItem;

#[component]
pub fn ActivityList(
    items: Vec<ActivityItem>,
    now: Signal<i64>,
    /// "No recent activity.", in the page's language.
    empty: String,
) -> impl IntoView {
    if items.is_empty() {
        return Either::Left(view! { <p class="muted">{empty}</p> });
    }
    // `Either`, not `into_any`: a type-erased view costs the bundle its own hydration code.
    Either::Right(view! {
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
    })
}

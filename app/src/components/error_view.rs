//! A readable message in place of something that failed.

use leptos::prelude::*;

#[component]
pub fn ErrorMessage(#[prop(into)] message: String) -> impl IntoView {
    view! {
        <p class="notice error" role="alert">
            {message}
        </p>
    }
}

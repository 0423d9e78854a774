//! The email field every account form starts with, labelled and autofilled alike.

use leptos::prelude::*;

#[component]
pub fn EmailField(
    /// "Email", in the page's language.
    label: String,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for="email">{label}</label>
            <input id="email" name="email" type="email" autocomplete="username" required />
        </div>
    }
}

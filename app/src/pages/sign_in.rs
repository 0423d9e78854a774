//! `/login?next=…`: email and password, then back to where the user was going.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::email_field::EmailField;
use crate::components::error_view::ErrorMessage;
use crate::components::island::{error_from_plain_post, form_error, live_marker};
use crate::server_fns::SignIn;

#[component]
pub fn SignInPage() -> impl IntoView {
    // A sign-in that failed without JavaScript comes back here with its error in the URL;
    // the server reads it and hands it to the form.
    let error = error_from_plain_post::<SignIn>();
    let next = use_query_map()
        .read_untracked()
        .get("next")
        .unwrap_or_default();
    view! {
        <Title text="Sign in" />
        <section class="card auth-card">
            <h1>"Sign in"</h1>
            <SignInForm next error />
            <p class="muted">"New here? " <a href="/signup">"Create an account"</a></p>
        </section>
    }
}

/// The form: posts natively without JavaScript; with it, stays on the page on a mistake
/// (keeping what was typed) and follows the redirect on success.
#[island]
fn SignInForm(next: String, error: Option<String>) -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let message = form_error(action, error);
    view! {
        <ActionForm action=action attr:data-hydrated=live_marker()>
            <input type="hidden" name="next" value=next />
            <EmailField />
            <div class="field">
                <label for="password">"Password"</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required />
            </div>
            {move || message().map(|message| view! { <ErrorMessage message /> })}
            <button type="submit" class="primary wide" disabled=move || action.pending().get()>
                {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
            </button>
        </ActionForm>
    }
}

//! `/signup`: a new account, signed in on this device straight away.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::email_field::EmailField;
use crate::components::error_view::ErrorMessage;
use crate::components::island::{error_from_plain_post, form_error, live_marker};
use crate::server_fns::SignUp;

#[component]
pub fn SignUpPage() -> impl IntoView {
    // An error from a sign-up posted without JavaScript, carried back in the URL.
    let error = error_from_plain_post::<SignUp>();
    view! {
        <Title text="Create an account" />
        <section class="card auth-card">
            <h1>"Create an account"</h1>
            <SignUpForm error />
            <p class="muted">"Already have an account? " <a href="/login">"Sign in"</a></p>
        </section>
    }
}

#[island]
fn SignUpForm(error: Option<String>) -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let message = form_error(action, error);
    view! {
        <ActionForm action=action attr:data-hydrated=live_marker()>
            <EmailField />
            <div class="field">
                <label for="password">"Password"</label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    autocomplete="new-password"
                    minlength="8"
                    required
                    aria-describedby="password-hint"
                />
                <p class="hint" id="password-hint">"At least 8 characters."</p>
            </div>
            {move || message().map(|message| view! { <ErrorMessage message /> })}
            <button type="submit" class="primary wide" disabled=move || action.pending().get()>
                {move || if action.pending().get() { "Creating account…" } else { "Create account" }}
            </button>
        </ActionForm>
    }
}

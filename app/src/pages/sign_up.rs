//! `/signup`: a new account, signed in on this device straight away.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::SignUp;
use crate::components::error_view::ErrorMessage;

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let error = move || action.value().get().and_then(Result::err);

    view! {
        <Title text="Create an account" />
        <section class="card auth-card">
            <h1>"Create an account"</h1>
            <ActionForm action=action>
                <div class="field">
                    <label for="email">"Email"</label>
                    <input id="email" name="email" type="email" autocomplete="username" required />
                </div>
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
                {move || error().map(|e| view! { <ErrorMessage message=e.to_string() /> })}
                <button type="submit" class="primary wide" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Creating account…" } else { "Create account" }}
                </button>
            </ActionForm>
            <p class="muted">"Already have an account? " <a href="/login">"Sign in"</a></p>
        </section>
    }
}

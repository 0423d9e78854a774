//! `/login?next=…`: email and password, then back to where the user was going.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::SignIn;
use crate::components::error_view::ErrorMessage;

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let error = move || action.value().get().and_then(Result::err);

    view! {
        <Title text="Sign in" />
        <section class="card auth-card">
            <h1>"Sign in"</h1>
            <ActionForm action=action>
                <input type="hidden" name="next" value=next />
                <div class="field">
                    <label for="email">"Email"</label>
                    <input id="email" name="email" type="email" autocomplete="username" required />
                </div>
                <div class="field">
                    <label for="password">"Password"</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" required />
                </div>
                {move || error().map(|e| view! { <ErrorMessage message=e.to_string() /> })}
                <button type="submit" class="primary wide" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </ActionForm>
            <p class="muted">"New here? " <a href="/signup">"Create an account"</a></p>
        </section>
    }
}

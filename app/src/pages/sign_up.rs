//! `/signup`: a new account, signed in on this device straight away.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::email_field::EmailField;
use crate::components::error_view::ErrorMessage;
use crate::components::island::{error_from_plain_post, form_error, live_marker};
use crate::i18n::{W, Words, t, words_for_request};
use crate::server_fns::SignUp;

#[component]
pub fn SignUpPage() -> impl IntoView {
    // An error from a sign-up posted without JavaScript, carried back in the URL.
    let error = error_from_plain_post::<SignUp>();
    view! {
        <Title text=t("sign-up-title") />
        <section class="card auth-card">
            <h1>{t("sign-up-heading")}</h1>
            <SignUpForm error words=words_for_request() />
            <p class="muted">{t("sign-up-have-account")} " " <a href="/login">{t("sign-up-sign-in-link")}</a></p>
        </section>
    }
}

#[island]
fn SignUpForm(error: Option<String>, words: Words) -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let message = form_error(action, error, words.clone());
    let (button, pending) = (words.text(W::SignUpButton), words.text(W::SignUpPending));
    view! {
        <ActionForm action=action attr:data-hydrated=live_marker()>
            <EmailField label=words.text(W::EmailLabel) />
            <div class="field">
                <label for="password">{words.text(W::PasswordLabel)}</label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    autocomplete="new-password"
                    minlength="8"
                    required
                    aria-describedby="password-hint"
                />
                <p class="hint" id="password-hint">{words.text(W::PasswordHint)}</p>
            </div>
            {move || message().map(|message| view! { <ErrorMessage message /> })}
            <button type="submit" class="primary wide" disabled=move || action.pending().get()>
                {move || if action.pending().get() { pending.clone() } else { button.clone() }}
            </button>
        </ActionForm>
    }
}

//! "Sign out of all other sessions", behind a confirmation, and what it says when done.

use leptos::either::Either;
use leptos::prelude::*;

use crate::components::error_view::ErrorMessage;
use crate::dto::Counted;
use crate::error::AppError;
use crate::i18n::{W, Words};
use crate::server_fns::SignOutOtherSessions;

/// "Sign out of all other sessions", behind a confirmation; asks for the password inline
/// when the last one is too old, and the retry carries it.
#[component]
pub fn BulkSignOut(
    /// What it will do, worded with the count by the server.
    counted: Counted,
    action: ServerAction<SignOutOtherSessions>,
    confirming: RwSignal<bool>,
    words: Words,
) -> impl IntoView {
    let needs_password = move || {
        matches!(
            action.value().get(),
            Some(Err(AppError::ReauthRequired
                | AppError::WrongPassword
                | AppError::RateLimited { .. }))
        )
    };
    let error = move || action.value().get().and_then(Result::err);
    let confirm_label = counted.bulk_confirm;
    let password_label = words.text(W::BulkPassword);
    view! {
        <details
            class="bulk"
            open=needs_password
            on:toggle=move |ev| confirming.set(event_target::<web_sys::HtmlDetailsElement>(&ev).open())
        >
            <summary class="button danger-outline">{words.text(W::BulkOpen)}</summary>
            <ActionForm action=action attr:class="bulk-form">
                <p>{counted.bulk_explain}</p>
                {move || error().map(|e| view! { <ErrorMessage message=words.error(&e) /> })}
                {move || if needs_password() {
                    Either::Left(view! {
                        <div class="field">
                            <label for="confirm-password">{password_label.clone()}</label>
                            <input id="confirm-password" name="password" type="password" autocomplete="current-password" required />
                        </div>
                    })
                } else {
                    Either::Right(view! { <input type="hidden" name="password" value="" /> })
                }}
                <button type="submit" class="danger" disabled=move || action.pending().get()>
                    {confirm_label.clone()}
                </button>
            </ActionForm>
        </details>
    }
}

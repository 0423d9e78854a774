//! "Sign out of all other sessions", behind a confirmation, and what it says when done.

use leptos::either::Either;
use leptos::prelude::*;

use crate::components::error_view::ErrorMessage;
use crate::error::AppError;
use crate::server_fns::SignOutOtherSessions;

pub fn signed_out_message(n: u64) -> String {
    match n {
        0 => "No other sessions were signed in.".to_owned(),
        1 => "Signed out of 1 other session.".to_owned(),
        n => format!("Signed out of {n} other sessions."),
    }
}

/// "Sign out of all other sessions", behind a confirmation; asks for the password inline
/// when the last one is too old, and the retry carries it.
#[component]
pub fn BulkSignOut(
    others: usize,
    action: ServerAction<SignOutOtherSessions>,
    confirming: RwSignal<bool>,
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
    let sessions = if others == 1 {
        "1 other session".to_owned()
    } else {
        format!("{others} other sessions")
    };
    let confirm_label = format!("Sign out {sessions}");
    view! {
        <details
            class="bulk"
            open=needs_password
            on:toggle=move |ev| confirming.set(event_target::<web_sys::HtmlDetailsElement>(&ev).open())
        >
            <summary class="button danger-outline">"Sign out of all other sessions"</summary>
            <ActionForm action=action attr:class="bulk-form">
                <p>{format!("This signs out {sessions}. Those devices will need to sign in again.")}</p>
                {move || error().map(|e| view! { <ErrorMessage message=e.to_string() /> })}
                {move || if needs_password() {
                    Either::Left(view! {
                        <div class="field">
                            <label for="confirm-password">"Confirm your password"</label>
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

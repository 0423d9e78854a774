//! `/account/password`: change the password, with "sign out my other devices" ticked. Works
//! without JavaScript (a plain post that comes back here saying what happened); with it, the
//! form also rates the new password as it is typed.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::error_view::ErrorMessage;
use crate::components::island::{error_from_plain_post, form_error, live_marker};
use crate::components::password_strength::{Strength, strength_word};
use crate::i18n::{W, Words, t, words_for_request};
use crate::server_fns::{ChangePassword, password_page};

#[component]
pub fn PasswordPage() -> impl IntoView {
    let error = error_from_plain_post::<ChangePassword>();
    let changed = use_query_map().with_untracked(|q| q.get("changed"));
    // Blocking, so a signed-out visitor is sent to sign in before any HTML is sent.
    let email = Resource::new_blocking(|| (), |_| password_page());
    view! {
        <Title text=t("password-title") />
        <section class="card auth-card">
            <h1>{t("password-heading")}</h1>
            {changed.map(|changed| view! { <Changed changed /> })}
            <p class="muted">{t("password-lead")}</p>
            <Suspense>
                {move || {
                    let error = error.clone();
                    Suspend::new(async move {
                        email.await.map(|email| view! {
                            <PasswordForm email error words=words_for_request() />
                        })
                    })
                }}
            </Suspense>
            <p><a href="/account/devices">{t("password-back")}</a></p>
        </section>
    }
}

/// What the last change did, from `?changed=`: how many other devices it signed out, or that
/// they were kept. It takes focus, so that it is read first after the page comes back.
#[component]
fn Changed(changed: String) -> impl IntoView {
    let said = match changed.parse::<u64>() {
        Ok(count) => changed_text(count),
        Err(_) => t("password-changed-kept"),
    };
    view! {
        <p class="notice success" role="status" tabindex="-1" autofocus>{said}</p>
    }
}

fn changed_text(count: u64) -> String {
    #[cfg(feature = "ssr")]
    return crate::i18n::t_with("password-changed", &[("count", count.into())]);
    #[cfg(not(feature = "ssr"))]
    count.to_string()
}

/// The form: the current password, the new one (rated as it is typed, once the browser is
/// live), and "sign out my other devices", ticked.
#[island]
fn PasswordForm(email: String, error: Option<String>, words: Words) -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let message = form_error(action, error, words.clone());
    let strength = RwSignal::new(None::<Strength>);
    let rated = {
        let words = words.clone();
        move || {
            strength
                .get()
                .map(|s| words.fill(W::PasswordStrength, "strength", words.get(strength_word(s))))
        }
    };
    let (button, pending) = (
        words.get(W::PasswordSubmit).to_owned(),
        words.get(W::PasswordPending).to_owned(),
    );
    view! {
        <ActionForm action=action attr:data-hydrated=live_marker() attr:class="password-form">
            // For password managers: whose password this is.
            <input type="email" name="username" value=email autocomplete="username" hidden />
            <div class="field">
                <label for="current-password">{words.get(W::PasswordCurrent).to_owned()}</label>
                <input id="current-password" name="current_password" type="password" autocomplete="current-password" required />
            </div>
            <div class="field">
                <label for="new-password">{words.get(W::PasswordNew).to_owned()}</label>
                <input
                    id="new-password"
                    name="new_password"
                    type="password"
                    autocomplete="new-password"
                    minlength="8"
                    maxlength="1024"
                    required
                    aria-describedby="new-password-hint new-password-strength"
                    on:input=move |ev| strength.set(Some(Strength::of(&event_target_value(&ev))))
                />
                <p class="hint" id="new-password-hint">{words.get(W::PasswordNewHint).to_owned()}</p>
                <p
                    class="hint strength"
                    id="new-password-strength"
                    aria-live="polite"
                    data-strength=move || strength.get().map(|s| s as u8)
                >
                    {rated}
                </p>
            </div>
            <div class="field checkbox">
                <input id="sign-out-others" name="sign_out_others" type="checkbox" value="on" checked aria-describedby="sign-out-others-hint" />
                <label for="sign-out-others">{words.get(W::PasswordSignOutOthers).to_owned()}</label>
                <p class="hint" id="sign-out-others-hint">{words.get(W::PasswordSignOutOthersHint).to_owned()}</p>
            </div>
            {move || message().map(|message| view! { <ErrorMessage message /> })}
            <button type="submit" class="primary wide" disabled=move || action.pending().get()>
                {move || if action.pending().get() { pending.clone() } else { button.clone() }}
            </button>
        </ActionForm>
    }
}

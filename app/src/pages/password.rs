//! `/account/password`: change the password, with "sign out my other devices" ticked. A plain
//! post that comes back here saying what happened, with or without JavaScript; with it, the
//! new password is also rated as it is typed.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::error_view::ErrorMessage;
use crate::components::island::{error_from_plain_post, live_marker};
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
            {changed
                .filter(|c| error.is_none() && (c == "kept" || c.parse::<u64>().is_ok()))
                .map(|changed| view! { <Changed changed /> })}
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

/// The form: a plain HTML form whether or not the browser runs JavaScript (its answer is a
/// redirect back here either way, with what happened or why not), so it costs the browser
/// bundle nothing. An `ActionForm` with its server action measured about 12 KB gzipped of
/// WASM, more than the budget holds.
#[component]
fn PasswordForm(email: String, error: Option<String>, words: Words) -> impl IntoView {
    view! {
        <form method="post" action=ChangePassword::PATH class="password-form">
            // For password managers: whose password this is.
            <input type="text" name="username" value=email autocomplete="username" readonly hidden />
            <div class="field">
                <label for="current-password">{words.text(W::PasswordCurrent)}</label>
                <input id="current-password" name="current_password" type="password" autocomplete="current-password" required />
            </div>
            <div class="field">
                <label for="new-password">{words.text(W::PasswordNew)}</label>
                <input
                    id=NEW_PASSWORD_ID
                    name="new_password"
                    type="password"
                    autocomplete="new-password"
                    minlength="8"
                    maxlength="1024"
                    required
                    aria-describedby="new-password-hint new-password-strength"
                />
                <RateNewPassword />
                <p class="hint" id="new-password-hint">{words.text(W::PasswordNewHint)}</p>
                // The rating's words ride on its element, so the island has no props to decode.
                <p
                    class="hint strength"
                    id=STRENGTH_ID
                    aria-live="polite"
                    data-said=words.text(W::PasswordStrength)
                    data-levels=strength_levels(&words)
                ></p>
            </div>
            <div class="field checkbox">
                <input id="sign-out-others" name="sign_out_others" type="checkbox" value="on" checked aria-describedby="sign-out-others-hint" />
                <label for="sign-out-others">{words.text(W::PasswordSignOutOthers)}</label>
                <p class="hint" id="sign-out-others-hint">{words.text(W::PasswordSignOutOthersHint)}</p>
            </div>
            {error.map(|message| view! { <ErrorMessage message /> })}
            <button type="submit" class="primary wide">{words.text(W::PasswordSubmit)}</button>
        </form>
    }
}

/// Where the rating is written.
const STRENGTH_ID: &str = "new-password-strength";
/// What the strengths' words are joined by (`crate::i18n`'s tests hold every word free of it).
const LEVELS_APART: &str = "|";
/// The field rated.
const NEW_PASSWORD_ID: &str = "new-password";

/// The strengths' words, weakest first, joined by `|` (no language's word holds one).
fn strength_levels(words: &Words) -> String {
    Strength::ALL
        .map(|s| words.get(strength_word(s)))
        .join(LEVELS_APART)
}

/// Rates the new password as it is typed, once the browser is live. Every byte of an island
/// is in the browser bundle, so this one is only a marker and a listener: no props (the words
/// ride on the rating's element), no view of the input (a plain one in the form, found by its
/// id from the page's `input` events), and the rating written straight into its element.
/// (Wrapping the input as the island's children measured 2.2 KB more.)
#[island]
fn RateNewPassword() -> impl IntoView {
    Effect::new(move |_| {
        let listener = window_event_listener(leptos::ev::input, |ev| {
            if event_target::<web_sys::Element>(&ev).id() == NEW_PASSWORD_ID {
                rate(&event_target_value(&ev));
            }
        });
        on_cleanup(move || listener.remove());
    });
    view! { <span hidden data-hydrated=live_marker()></span> }
}

/// Writes the rating of `password` into its element, in the words the element carries.
fn rate(password: &str) {
    let Some(out) = document().get_element_by_id(STRENGTH_ID) else {
        return;
    };
    let attr = |name| out.get_attribute(name).unwrap_or_default();
    let levels = attr("data-levels");
    let level = levels
        .split(LEVELS_APART)
        .nth(Strength::of(password) as usize)
        .unwrap_or_default();
    out.set_text_content(Some(&attr("data-said").replace("{strength}", level)));
}

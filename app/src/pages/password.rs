//! `/account/password`: change the password, with "sign out my other devices" ticked. A plain
//! post that comes back here saying what happened, with or without JavaScript.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::error_view::ErrorMessage;
use crate::components::island::error_from_plain_post;
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
                <label for="current-password">{words.get(W::PasswordCurrent).to_owned()}</label>
                <input id="current-password" name="current_password" type="password" autocomplete="current-password" required />
            </div>
            <div class="field">
                <label for="new-password">{words.get(W::PasswordNew).to_owned()}</label>
                // Rated as it is typed (`components::password_strength`) once the bundle has
                // room: as an island it measured 2.6 KB gzipped of WASM, with 0.1 KB left
                // under the 250 KB budget. Until then the hint states the rule.
                <input
                    id="new-password"
                    name="new_password"
                    type="password"
                    autocomplete="new-password"
                    minlength="8"
                    maxlength="1024"
                    required
                    aria-describedby="new-password-hint"
                />
                <p class="hint" id="new-password-hint">{words.get(W::PasswordNewHint).to_owned()}</p>
            </div>
            <div class="field checkbox">
                <input id="sign-out-others" name="sign_out_others" type="checkbox" value="on" checked aria-describedby="sign-out-others-hint" />
                <label for="sign-out-others">{words.get(W::PasswordSignOutOthers).to_owned()}</label>
                <p class="hint" id="sign-out-others-hint">{words.get(W::PasswordSignOutOthersHint).to_owned()}</p>
            </div>
            {error.map(|message| view! { <ErrorMessage message /> })}
            <button type="submit" class="primary wide">{words.get(W::PasswordSubmit).to_owned()}</button>
        </form>
    }
}

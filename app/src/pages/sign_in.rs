//! `/login?next=…`: email and password, then back to where the user was going.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

use crate::components::email_field::EmailField;
use crate::components::error_view::ErrorMessage;
use crate::components::island::{error_from_plain_post, form_error, live_marker};
use crate::i18n::{W, Words, t, words_for_request};
use crate::server_fns::SignIn;

#[component]
pub fn SignInPage() -> impl IntoView {
    // A sign-in that failed without JavaScript comes back here with its error in the URL;
    // the server reads it and hands it to the form.
    let error = error_from_plain_post::<SignIn>();
    // Read from the raw query and decoded once: leptos_router's query map decodes a value a
    // second time, which turns `%26` inside `next` into a real `&` and loses the rest.
    let next = query_value(&use_location().search.get_untracked(), "next").unwrap_or_default();
    view! {
        <Title text=t("sign-in-title") />
        <section class="card auth-card">
            <h1>{t("sign-in-heading")}</h1>
            <SignInForm next error words=words_for_request() />
            <p class="muted">{t("sign-in-new-here")} " " <a href="/signup">{t("sign-in-create-link")}</a></p>
        </section>
    }
}

/// The value of `name` in a raw query string (`a=1&next=%2Fx`), percent-decoded once (`+` is
/// a space); `None` when absent or not UTF-8.
fn query_value(search: &str, name: &str) -> Option<String> {
    let raw = search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))?;
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match (bytes[i], escaped) {
            (_, Some(byte)) => {
                decoded.push(byte);
                i += 3;
            }
            (b'+', None) => {
                decoded.push(b' ');
                i += 1;
            }
            (byte, None) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(decoded).ok()
}

/// The form: posts natively without JavaScript; with it, stays on the page on a mistake
/// (keeping what was typed) and follows the redirect on success.
#[island]
fn SignInForm(next: String, error: Option<String>, words: Words) -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let message = form_error(action, error, words.clone());
    let (button, pending) = (words.text(W::SignInButton), words.text(W::SignInPending));
    view! {
        <ActionForm action=action attr:data-hydrated=live_marker()>
            <input type="hidden" name="next" value=next />
            <EmailField label=words.text(W::EmailLabel) />
            <div class="field">
                <label for="password">{words.text(W::PasswordLabel)}</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required />
            </div>
            {move || message().map(|message| view! { <ErrorMessage message /> })}
            <button type="submit" class="primary wide" disabled=move || action.pending().get()>
                {move || if action.pending().get() { pending.clone() } else { button.clone() }}
            </button>
        </ActionForm>
    }
}

#[cfg(test)]
mod tests {
    use super::query_value;

    #[test]
    fn next_is_decoded_exactly_once() {
        assert_eq!(
            query_value("?next=/app/r%3Fq%3Da%2526b", "next").as_deref(),
            Some("/app/r?q=a%26b")
        );
        assert_eq!(
            query_value("a=1&next=%2Fx+y", "next").as_deref(),
            Some("/x y")
        );
        assert_eq!(query_value("?nextx=1", "next"), None);
        assert_eq!(query_value("", "next"), None);
        assert_eq!(query_value("?next=%FF", "next"), None);
    }
}

//! The header (who is signed in, "Sign out") and footer (the language switcher) around every
//! page.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_location;

use crate::i18n::t;
use crate::server_fns::{SetLanguage, SignOut, current_user};

#[component]
pub fn SiteHeader() -> impl IntoView {
    let location = use_location();
    // Keyed on the path so signing in or out (which navigates) refreshes the header.
    let user = Resource::new_blocking(move || location.pathname.get(), |_| current_user());
    let sign_out = ServerAction::<SignOut>::new();

    view! {
        <header class="site-header">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true"></span>
                "signedin"
            </a>
            <Transition fallback=|| view! { <nav class="account-nav" aria-hidden="true"></nav> }>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(Some(user)) => view! {
                            <nav class="account-nav" aria-label=t("nav-account")>
                                <span class="who" title=t("nav-signed-in-as")>{user.email}</span>
                                <a href="/account/devices">{t("nav-devices")}</a>
                                <ActionForm action=sign_out>
                                    <button type="submit" class="link-button">{t("nav-sign-out")}</button>
                                </ActionForm>
                            </nav>
                        }
                        .into_any(),
                        _ => view! {
                            <nav class="account-nav" aria-label=t("nav-account")>
                                <a href="/login">{t("nav-sign-in")}</a>
                                <a class="button small" href="/signup">{t("nav-create-account")}</a>
                            </nav>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </header>
    }
}

#[component]
pub fn SiteFooter() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <p>{t("footer-tagline")}</p>
            <LanguageSwitcher />
        </footer>
    }
}

/// The page's language, chosen: a plain form (it works without JavaScript) whose answer sets
/// a cookie and sends the browser back to the page it was on, now in that language.
#[component]
fn LanguageSwitcher() -> impl IntoView {
    let (current, choices) = languages();
    let options = choices
        .into_iter()
        .map(|(tag, name)| {
            view! { <option value=tag lang=tag selected=tag == current>{name}</option> }
        })
        .collect_view();
    view! {
        <form class="language-form" method="post" action=SetLanguage::PATH>
            <label for="language">{t("language-label")}</label>
            <select id="language" name="lang">{options}</select>
            <button type="submit" class="secondary small">{t("language-change")}</button>
        </form>
    }
}

/// The request's language tag, and every language's tag and own name.
fn languages() -> (&'static str, Vec<(&'static str, &'static str)>) {
    #[cfg(feature = "ssr")]
    {
        use signedin::i18n::Lang;
        let all = Lang::ALL.map(|l| (l.tag(), l.native_name())).to_vec();
        (crate::i18n::lang().tag(), all)
    }
    #[cfg(not(feature = "ssr"))]
    ("en", Vec::new())
}

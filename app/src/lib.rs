//! The Leptos app shared by the server render and the hydrated browser bundle: the page
//! shell, the routes, and the server functions behind them.

pub mod components;
pub mod dto;
pub mod error;
pub mod format;
pub mod html;
pub mod i18n;
pub mod pages;
pub mod secret;
pub mod server_fns;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::components::rename_refused::RenameRefused;
use crate::components::site::{SiteFooter, SiteHeader};
use crate::pages::{
    DevicesPage, HomePage, NotFound, NotMePage, PasswordPage, SignInPage, SignUpPage, WasMePage,
};

/// The HTML document around every page, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang=page_lang()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The language the page is rendered in (`<html lang>`): what the browser's `Intl` words
/// times in once it is live, and what screen readers read the page as.
fn page_lang() -> &'static str {
    #[cfg(feature = "ssr")]
    return i18n::lang().tag();
    #[cfg(not(feature = "ssr"))]
    "en"
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Stylesheet id="signedin" href="/pkg/signedin.css" />
        <Title formatter=|title: String| {
            if title.is_empty() { "signedin".to_owned() } else { format!("{title} · signedin") }
        } />
        <Router>
            <div class="app">
                <a class="skip-link" href="#main">{i18n::t("skip-link")}</a>
                <SiteHeader />
                <main id="main" class="main">
                    <Routes fallback=NotFound>
                        // Async: each page is sent whole, once its data is ready, so it works
                        // without JavaScript (streamed chunks would need a script to land).
                        <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                        <Route path=path!("/login") view=SignInPage ssr=SsrMode::Async />
                        <Route path=path!("/signup") view=SignUpPage ssr=SsrMode::Async />
                        // An alert email's answers, signed in or not (see pages/alert_link.rs).
                        <Route path=path!("/alerts/not-me") view=NotMePage ssr=SsrMode::Async />
                        <Route path=path!("/alerts/was-me") view=WasMePage ssr=SsrMode::Async />
                        <Route
                            path=path!("/account/password")
                            view=PasswordPage
                            ssr=SsrMode::Async
                        />
                        // A refused rename's reason sits above the devices: rendered on the
                        // server, outside the page's island.
                        <Route
                            path=path!("/account/devices")
                            view=|| view! { <RenameRefused /> <DevicesPage /> }
                            ssr=SsrMode::Async
                        />
                    </Routes>
                </main>
                <SiteFooter />
            </div>
        </Router>
    }
}

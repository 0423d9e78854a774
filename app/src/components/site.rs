//! The header (who is signed in, "Sign out") and footer around every page.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::server_fns::{SignOut, current_user};

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
                            <nav class="account-nav" aria-label="Account">
                                <span class="who" title="Signed in as">{user.email}</span>
                                <a href="/account/devices">"Devices"</a>
                                <ActionForm action=sign_out>
                                    <button type="submit" class="link-button">"Sign out"</button>
                                </ActionForm>
                            </nav>
                        }
                        .into_any(),
                        _ => view! {
                            <nav class="account-nav" aria-label="Account">
                                <a href="/login">"Sign in"</a>
                                <a class="button small" href="/signup">"Create account"</a>
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
            <p>"signedin · see where you're signed in, and sign out anywhere."</p>
        </footer>
    }
}

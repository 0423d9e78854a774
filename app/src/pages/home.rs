//! The start page. Signed out: what signedin does, with signing in and creating an account.
//! Signed in: a summary of the account ("3 devices signed in · Last new sign-in: Firefox on
//! Windows, Paris, France, 2 days ago") and the way to the devices page.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::i18n::t;
use crate::server_fns::{SummaryView, account_summary};

#[component]
pub fn HomePage() -> impl IntoView {
    let summary = Resource::new_blocking(|| (), |_| account_summary());
    view! {
        <Title text="" />
        <Suspense>
            {move || Suspend::new(async move {
                match summary.await {
                    Ok(Some(summary)) => view! { <SignedIn summary /> }.into_any(),
                    _ => view! { <SignedOut /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SignedOut() -> impl IntoView {
    view! {
        <section class="hero">
            <h1>{t("home-heading")}</h1>
            <p class="lead">{t("home-lead")}</p>
            <p class="actions">
                <a class="button" href="/login">{t("home-sign-in")}</a>
                <a class="button secondary" href="/signup">{t("home-create-account")}</a>
            </p>
        </section>
        <ul class="features">
            <li>{t("home-feature-see")}</li>
            <li>{t("home-feature-end")}</li>
            <li>{t("home-feature-alerts")}</li>
        </ul>
    }
}

#[component]
fn SignedIn(summary: SummaryView) -> impl IntoView {
    view! {
        <section class="hero">
            <h1>{t("home-heading")}</h1>
            <section class="card summary" aria-labelledby="summary-heading">
                <h2 id="summary-heading">{t("home-summary-heading")}</h2>
                <p class="summary-devices">{summary.devices}</p>
                {summary.last_sign_in.map(|last| view! { <p class="summary-last">{last}</p> })}
                <p class="actions">
                    <a class="button" href="/account/devices">{t("home-see-devices")}</a>
                    <a class="button secondary" href="/account/password">{t("home-change-password")}</a>
                </p>
            </section>
        </section>
    }
}

use leptos::prelude::*;
use leptos_meta::Title;

use crate::i18n::t;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text=t("not-found-title") />
        <section class="card narrow">
            <h1>{t("not-found-heading")}</h1>
            <p>{t("not-found-explain")}</p>
            <p><a href="/">{t("not-found-home")}</a></p>
        </section>
    }
}

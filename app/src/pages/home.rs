//! The start page: what signedin is, and a live check that the server answers.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::island::live_marker;
use crate::server_fns::ServerStatus;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="" />
        <section class="hero">
            <h1>"Where you're signed in"</h1>
            <p class="lead">
                "See every device signed in to your account — which browser, where, and when it was last active — and sign any of them out with one click."
            </p>
            <p class="actions">
                <a class="button" href="/account/devices">"See your devices"</a>
                <a class="button secondary" href="/signup">"Create an account"</a>
            </p>
        </section>
        <ServerCheck />
    }
}

/// A button that asks the server whether it and its database are up.
#[island]
fn ServerCheck() -> impl IntoView {
    let check = ServerAction::<ServerStatus>::new();
    view! {
        <section
            class="card status-card"
            aria-labelledby="status-heading"
            data-hydrated=live_marker()
        >
            <h2 id="status-heading">"Server status"</h2>
            <ActionForm action=check>
                <button type="submit" class="secondary" disabled=move || check.pending().get()>
                    "Check the server"
                </button>
            </ActionForm>
            <p class="status" role="status" aria-live="polite">
                {move || match check.value().get() {
                    None if check.pending().get() => "Checking…".to_owned(),
                    None => String::new(),
                    Some(Ok(status)) if status.database_ok => {
                        format!("Server is up · {} database answered", status.database)
                    }
                    Some(Ok(status)) => format!("Server is up · {} database is not answering", status.database),
                    Some(Err(error)) => error.to_string(),
                }}
            </p>
        </section>
    }
}

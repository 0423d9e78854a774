//! Why the last rename was refused, shown on the devices page the form posted back to.

use leptos::prelude::*;

use crate::components::error_view::ErrorMessage;
use crate::components::island::error_from_plain_post;
use crate::i18n::t;
use crate::server_fns::RenameSession;

/// The rename form is a plain post, so a refusal comes back in the page's URL and the server
/// reads it there. Not an island: it costs the browser bundle nothing.
#[component]
pub fn RenameRefused() -> impl IntoView {
    error_from_plain_post::<RenameSession>().map(|error| {
        view! { <ErrorMessage message=format!("{} {error}", t("device-rename-failed")) /> }
    })
}

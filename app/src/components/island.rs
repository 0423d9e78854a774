//! What every interactive island shares: the marker end-to-end tests wait for, and the error
//! a form shows.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::error::AppError;
use crate::i18n::{Words, error_text};

/// The value of an island's `data-hydrated` attribute: "false" as rendered on the server,
/// "true" once the island is live in the browser (a click before that would be lost).
pub fn live_marker() -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));
    move || if live.get() { "true" } else { "false" }
}

/// The error of a form posted without JavaScript, in the page's language: the server carries
/// it back in the URL and `ServerAction::new` picks it up while the page renders.
pub fn error_from_plain_post<S>() -> Option<String>
where
    S: ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    S::Output: Send + Sync + 'static,
{
    ServerAction::<S>::new()
        .value()
        .with_untracked(|outcome| match outcome {
            Some(Err(error)) => Some(error_text(error)),
            _ => None,
        })
}

/// What a form shows: the outcome of its latest submission, else the error it was rendered
/// with.
pub fn form_error<S>(
    action: ServerAction<S>,
    rendered_with: Option<String>,
    words: Words,
) -> impl Fn() -> Option<String> + Send + Sync + 'static
where
    S: ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    S::Output: Send + Sync + 'static,
{
    move || {
        action.value().with(|outcome| match outcome {
            Some(result) => result.as_ref().err().map(|e| words.error(e)),
            None => rendered_with.clone(),
        })
    }
}

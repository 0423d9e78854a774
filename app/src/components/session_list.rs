//! The signed-in devices, one `SessionRow` each; a row being signed out steps aside at once
//! and comes back if the server refuses.

use leptos::prelude::*;

use crate::components::session_row::SessionRow;
use crate::dto::DeviceRow;
use crate::error::AppError;
use crate::server_fns::SignOutSession;

#[component]
pub fn SessionList(
    sessions: Vec<DeviceRow>,
    now: Signal<i64>,
    sign_out: ServerMultiAction<SignOutSession>,
) -> impl IntoView {
    view! {
        <ul class="session-list" aria-label="Signed-in devices">
            {sessions
                .into_iter()
                .map(|session| {
                    let prefix = session.jti_prefix.clone();
                    let gone = Signal::derive(move || signing_out(sign_out, &prefix));
                    view! { <SessionRow session now gone sign_out /> }
                })
                .collect_view()}
        </ul>
    }
}

/// The device named by `prefix` is being signed out, or was.
fn signing_out(sign_out: ServerMultiAction<SignOutSession>, prefix: &str) -> bool {
    sign_out.submissions().with(|submissions| {
        submissions.iter().any(|s| {
            let same = s
                .input()
                .with(|i| i.as_ref().is_some_and(|i| i.jti_prefix == prefix));
            same && (s.pending().get() || s.value().with(|v| matches!(v, Some(Ok(_)))))
        })
    })
}

/// Why the latest refused sign-out was refused.
pub fn last_refusal(sign_out: ServerMultiAction<SignOutSession>) -> Option<AppError> {
    sign_out.submissions().with(|submissions| {
        submissions.iter().rev().find_map(|s| {
            s.value()
                .with(|v| v.as_ref().and_then(|r| r.as_ref().err().cloned()))
        })
    })
}

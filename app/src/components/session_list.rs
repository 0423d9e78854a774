//! The signed-in devices, one `SessionRow` each; a row being signed out steps aside at once,
//! stays away once the server agrees, and comes back only if the server refuses.

use std::sync::{Arc, Mutex};

use leptos::prelude::*;

use crate::components::session_row::SessionRow;
use crate::dto::DeviceRow;
use crate::error::AppError;
use crate::i18n::{W, Words};
use crate::server_fns::SignOutSession;

#[component]
pub fn SessionList(
    sessions: Vec<DeviceRow>,
    now: Signal<i64>,
    sign_out: ServerMultiAction<SignOutSession>,
    leaving: Leaving,
    words: Words,
) -> impl IntoView {
    view! {
        <ul class="session-list" aria-label=words.text(W::DevicesListLabel)>
            {sessions
                .into_iter()
                .map(|session| {
                    let prefix = session.jti_prefix.clone();
                    let leaving = leaving.clone();
                    let gone = Signal::derive(move || leaving.has(&prefix));
                    view! { <SessionRow session now gone sign_out words=words.clone() /> }
                })
                .collect_view()}
        </ul>
    }
}

/// The devices this page is signing out, or has signed out.
///
/// Leptos clears a submission's input the moment its answer arrives, and reloads the list only
/// after that. A row keyed on the input therefore came back between the answer and the
/// reloaded list (for about one frame, on every sign-out). So each submission's device is
/// remembered here, past its answer: a row leaves on the click and only a refusal brings it
/// back. Made once per page, so the memory outlives the list's re-renders. (A plain lock, not
/// a memo: a memo of a new type costs the browser bundle about 2 KB.)
#[derive(Clone)]
pub struct Leaving {
    sign_out: ServerMultiAction<SignOutSession>,
    /// The device each submission names, by its place in `submissions()` (which only grows).
    named: Arc<Mutex<Vec<String>>>,
}

impl Leaving {
    pub fn new(sign_out: ServerMultiAction<SignOutSession>) -> Self {
        Self {
            sign_out,
            named: Arc::default(),
        }
    }

    /// The device named by `prefix` is being signed out, or was, and the server did not refuse.
    pub fn has(&self, prefix: &str) -> bool {
        let Ok(mut named) = self.named.lock() else {
            return false;
        };
        self.sign_out.submissions().with(|submissions| {
            let mut leaving = false;
            // Every submission is looked at (no early return), so each is remembered.
            for (at, s) in submissions.iter().enumerate() {
                let same = s.input().with(|input| {
                    let carried = input.as_ref().map(|i| i.jti_prefix.as_str());
                    remember(&mut named, at, carried) == prefix
                });
                leaving |=
                    same && (s.pending().get() || s.value().with(|v| matches!(v, Some(Ok(_)))));
            }
            leaving
        })
    }
}

/// The device submission `at` names: the one its input carries while it is pending, else the
/// one seen before (its input is gone once answered); "" if it was never seen.
fn remember<'a>(named: &'a mut Vec<String>, at: usize, carried: Option<&str>) -> &'a str {
    while named.len() <= at {
        named.push(String::new());
    }
    if let Some(name) = carried {
        name.clone_into(&mut named[at]);
    }
    &named[at]
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The flicker's cause: an answered submission no longer carries its device. Its name
    /// must survive that, or the row it hid comes back before the reloaded list arrives.
    #[test]
    fn an_answered_sign_out_still_names_its_device() {
        let mut named = Vec::new();
        assert_eq!(remember(&mut named, 0, Some("aaaa1111")), "aaaa1111");
        assert_eq!(remember(&mut named, 0, None), "aaaa1111");
    }

    #[test]
    fn each_sign_out_keeps_its_own_device_as_more_are_made() {
        let mut named = Vec::new();
        assert_eq!(remember(&mut named, 0, Some("aaaa")), "aaaa");
        assert_eq!(remember(&mut named, 2, Some("cccc")), "cccc");
        assert_eq!(
            remember(&mut named, 1, None),
            "",
            "never seen pending: names nothing"
        );
        assert_eq!(remember(&mut named, 1, Some("bbbb")), "bbbb");
        for (at, name) in ["aaaa", "bbbb", "cccc"].into_iter().enumerate() {
            assert_eq!(remember(&mut named, at, None), name);
        }
    }
}

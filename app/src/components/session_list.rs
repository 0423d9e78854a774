//! The signed-in devices, one `SessionRow` each; a row being signed out steps aside at once,
//! stays away once the server agrees, and comes back only if the server refuses.

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
    leaving: Leaving,
) -> impl IntoView {
    view! {
        <ul class="session-list" aria-label="Signed-in devices">
            {sessions
                .into_iter()
                .map(|session| {
                    let prefix = session.jti_prefix.clone();
                    let gone = Signal::derive(move || leaving.has(&prefix));
                    view! { <SessionRow session now gone sign_out /> }
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
/// back. Made once per page, so the memory outlives the list's re-renders.
#[derive(Clone, Copy)]
pub struct Leaving {
    sign_out: ServerMultiAction<SignOutSession>,
    /// The device each submission names, by its place in `submissions()` (which only grows).
    named: Memo<Vec<Option<String>>>,
}

impl Leaving {
    pub fn new(sign_out: ServerMultiAction<SignOutSession>) -> Self {
        let named = Memo::new(move |before: Option<&Vec<Option<String>>>| {
            sign_out.submissions().with(|submissions| {
                let carried = submissions.iter().map(|s| {
                    s.input()
                        .with(|input| input.as_ref().map(|i| i.jti_prefix.clone()))
                });
                remember(before.map(Vec::as_slice), carried)
            })
        });
        Self { sign_out, named }
    }

    /// The device named by `prefix` is being signed out, or was, and the server did not refuse.
    pub fn has(self, prefix: &str) -> bool {
        self.named.with(|named| {
            self.sign_out.submissions().with(|submissions| {
                submissions.iter().zip(named).any(|(s, name)| {
                    name.as_deref() == Some(prefix)
                        && (s.pending().get() || s.value().with(|v| matches!(v, Some(Ok(_)))))
                })
            })
        })
    }
}

/// Each submission's device: the one its input names while it is pending, else the one seen
/// before (its input is gone once answered).
fn remember(
    before: Option<&[Option<String>]>,
    carried: impl Iterator<Item = Option<String>>,
) -> Vec<Option<String>> {
    carried
        .enumerate()
        .map(|(at, name)| name.or_else(|| before.and_then(|b| b.get(at).cloned().flatten())))
        .collect()
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

    fn names(list: &[Option<&str>]) -> Vec<Option<String>> {
        list.iter().map(|n| n.map(str::to_owned)).collect()
    }

    /// The flicker's cause: an answered submission no longer carries its device. Its name
    /// must survive that, or the row it hid comes back before the reloaded list arrives.
    #[test]
    fn an_answered_sign_out_still_names_its_device() {
        let pending = remember(None, names(&[Some("aaaa1111")]).into_iter());
        assert_eq!(pending, names(&[Some("aaaa1111")]));
        let answered = remember(Some(&pending), names(&[None]).into_iter());
        assert_eq!(answered, names(&[Some("aaaa1111")]));
    }

    #[test]
    fn each_sign_out_keeps_its_own_device_as_more_are_made() {
        let first = remember(None, names(&[Some("aaaa"), Some("bbbb")]).into_iter());
        let later = remember(
            Some(&first),
            names(&[None, Some("bbbb"), Some("cccc")]).into_iter(),
        );
        assert_eq!(later, names(&[Some("aaaa"), Some("bbbb"), Some("cccc")]));
        let settled = remember(Some(&later), names(&[None, None, None]).into_iter());
        assert_eq!(settled, later);
        assert_eq!(
            remember(None, names(&[None]).into_iter()),
            names(&[None]),
            "a submission never seen pending names nothing"
        );
    }
}

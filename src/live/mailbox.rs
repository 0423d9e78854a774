//! One stream's queue of events: bounded, and final once the stream's session ended.
//!
//! A client that stops reading must not make the node hold its events without bound: past
//! [`CAPACITY`] the queue is replaced by one resync (the client reloads everything anyway).
//! A `SignedOut` replaces whatever is queued and closes the queue: what happened before the
//! session ended no longer matters to that tab.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

use super::LiveEvent;

/// Events a stream may have waiting before they are replaced by a resync.
const CAPACITY: usize = 64;

pub(super) struct Mailbox {
    state: Mutex<State>,
    wake: Notify,
}

#[derive(Default)]
struct State {
    queue: VecDeque<LiveEvent>,
    /// Nothing more is accepted; the stream ends once the queue is empty.
    closed: bool,
    /// The last replayed event's id: a live copy of it (or of an earlier one) is not told
    /// twice.
    replayed_up_to: i64,
}

impl State {
    fn replayed(&self, event: &LiveEvent) -> bool {
        matches!(event, LiveEvent::Change { id, .. } if *id <= self.replayed_up_to)
    }
}

impl Mailbox {
    pub(super) fn new() -> Self {
        Self {
            state: Mutex::new(State::default()),
            wake: Notify::new(),
        }
    }

    /// A few plain assignments happen under this lock: a poisoned one is used as is.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn push(&self, event: LiveEvent) {
        let mut state = self.state();
        if state.closed || state.replayed(&event) {
            return;
        }
        if matches!(event, LiveEvent::SignedOut { .. }) {
            state.queue.clear();
            state.closed = true;
        } else if state.queue.len() >= CAPACITY {
            state.queue.clear();
            state.queue.push_back(LiveEvent::Resync);
        }
        state.queue.push_back(event);
        drop(state);
        self.wake.notify_one();
    }

    /// Puts `events`, a replay up to event `up_to`, ahead of anything queued; live copies of
    /// them, queued already or still to come, are dropped.
    pub(super) fn put_first(&self, events: Vec<LiveEvent>, up_to: i64) {
        let mut state = self.state();
        if state.closed && state.queue.is_empty() {
            return;
        }
        state.replayed_up_to = up_to;
        let mut queue = std::mem::take(&mut state.queue);
        queue.retain(|event| !state.replayed(event));
        state.queue = queue;
        for event in events.into_iter().rev() {
            state.queue.push_front(event);
        }
        drop(state);
        self.wake.notify_one();
    }

    /// Ends the stream once what is queued has been read. (Over the user's limit and at
    /// shutdown nothing more is worth sending, so the queue is dropped too.)
    pub(super) fn close(&self) {
        let mut state = self.state();
        state.closed = true;
        state.queue.clear();
        drop(state);
        self.wake.notify_one();
    }

    pub(super) async fn next(&self) -> Option<LiveEvent> {
        loop {
            // Registered before the check, so a push between the check and the wait still
            // wakes us (and `notify_one` keeps a permit if nobody waits yet).
            let woken = self.wake.notified();
            {
                let mut state = self.state();
                if let Some(event) = state.queue.pop_front() {
                    return Some(event);
                }
                if state.closed {
                    return None;
                }
            }
            woken.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Timestamp;

    fn touch(n: i64) -> LiveEvent {
        LiveEvent::Touch {
            at: Timestamp::from_unix_micros(n),
        }
    }

    #[tokio::test]
    async fn a_sign_out_is_the_last_word() {
        let mailbox = Mailbox::new();
        mailbox.push(touch(1));
        let at = Timestamp::from_unix_micros(2);
        mailbox.push(LiveEvent::SignedOut {
            device: None,
            at,
            by_this_session: false,
        });
        mailbox.push(touch(3));
        assert_eq!(
            mailbox.next().await,
            Some(LiveEvent::SignedOut {
                device: None,
                at,
                by_this_session: false,
            })
        );
        assert_eq!(mailbox.next().await, None);
    }

    #[tokio::test]
    async fn a_reader_that_falls_behind_is_told_to_resync() {
        let mailbox = Mailbox::new();
        for n in 0..=CAPACITY as i64 {
            mailbox.push(touch(n));
        }
        assert_eq!(mailbox.next().await, Some(LiveEvent::Resync));
        assert_eq!(mailbox.next().await, Some(touch(CAPACITY as i64)));
    }

    #[tokio::test]
    async fn a_replayed_event_is_not_told_again_live() {
        let change = |id| LiveEvent::Change {
            id,
            kind: crate::audit::AuditKind::SignIn,
            at: Timestamp::from_unix_micros(id),
        };
        let mailbox = Mailbox::new();
        mailbox.push(change(2));
        mailbox.push(change(3));
        mailbox.put_first(vec![change(1), change(2)], 2);
        mailbox.push(change(2));
        for expected in [change(1), change(2), change(3)] {
            assert_eq!(mailbox.next().await, Some(expected));
        }
        let more = tokio::time::timeout(std::time::Duration::from_millis(20), mailbox.next());
        assert!(more.await.is_err(), "nothing else is queued");
    }
}

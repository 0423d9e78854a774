//! The live hub: each node's open devices-page streams, per user, fed with that user's
//! committed changes.
//!
//! One task per node (`fan_out.rs`) reads the store's notices (`store::Notice`: in process on
//! SQLite, from the node's one `LISTEN` connection on PostgreSQL). A notice for a user with no stream on
//! this node costs nothing; otherwise the audit event is read once (on SQLite it comes with
//! the notice and is not read at all), turned into a [`change::Change`], and each of that
//! user's streams is told what it means to it: a change, or that its own session ended.
//! A heartbeat is the HTTP layer's business and costs no query here.
//!
//! Limits: streams per user (over it, the user's oldest stream is closed) and per node (over
//! it, a new stream is refused).

mod change;
mod fan_out;
mod mailbox;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use tokio::task::JoinHandle;

use change::Change;
pub use change::{Ended, LiveEvent};
use mailbox::Mailbox;

use crate::device::DeviceLabeler;
use crate::error::DomainError;
use crate::store::{Notice, Store};

/// A stream resuming further behind than this many events starts over with a resync.
pub const MAX_REPLAY: i64 = 100;

/// How many streams a node keeps open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveLimits {
    /// Per user (`SIGNEDIN_LIVE_STREAMS_PER_USER`); a new one closes the user's oldest.
    pub per_user: usize,
    /// Per node (`SIGNEDIN_LIVE_STREAMS_PER_NODE`); a new one beyond is refused.
    pub per_node: usize,
}

impl Default for LiveLimits {
    fn default() -> Self {
        Self {
            per_user: 10,
            per_node: 2_000,
        }
    }
}

/// Why a stream was not opened.
#[derive(Debug)]
pub enum OpenError {
    /// The node already holds its limit of streams: try again later (or another node).
    NodeFull,
    /// The node is shutting down.
    Stopping,
    Domain(DomainError),
}

impl From<DomainError> for OpenError {
    fn from(error: DomainError) -> Self {
        OpenError::Domain(error)
    }
}

/// Cheap to clone: one hub per node behind an `Arc`.
#[derive(Clone)]
pub struct Hub(Arc<Inner>);

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("limits", &self.0.limits)
            .field("streams", &self.0.streams().total)
            .finish_non_exhaustive()
    }
}

struct Inner {
    store: Store,
    labeler: Arc<DeviceLabeler>,
    limits: LiveLimits,
    streams: Mutex<Streams>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

#[derive(Default)]
struct Streams {
    by_user: HashMap<String, Vec<Entry>>,
    total: usize,
    next_id: u64,
    stopping: bool,
}

/// One open stream, as the hub knows it. Oldest first in its user's list.
struct Entry {
    id: u64,
    session_id: String,
    mailbox: Arc<Mailbox>,
}

impl Inner {
    /// The stream table. A panic elsewhere while it was held cannot leave it half-changed
    /// (every change is a few plain assignments), so a poisoned lock is used as is.
    fn streams(&self) -> MutexGuard<'_, Streams> {
        self.streams.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn has_streams(&self, user_id: &str) -> bool {
        self.streams().by_user.contains_key(user_id)
    }

    async fn deliver(&self, notice: Notice) {
        match notice {
            Notice::Gap => {
                for entry in self.streams().by_user.values().flatten() {
                    entry.mailbox.push(LiveEvent::Resync);
                }
            }
            Notice::Touch { user_id, at } => {
                if let Some(entries) = self.streams().by_user.get(&user_id) {
                    for entry in entries {
                        entry.mailbox.push(LiveEvent::Touch { at });
                    }
                }
            }
            Notice::Audit {
                user_id,
                id,
                record,
            } => {
                if !self.has_streams(&user_id) {
                    return;
                }
                let record = match record {
                    Some(record) => record,
                    None => match self.store.audit_record(id).await {
                        Ok(Some(record)) => Arc::new(record),
                        // Pruned already: nothing left to tell.
                        Ok(None) => return,
                        Err(error) => {
                            tracing::warn!(%error, "cannot read a change; its streams resync");
                            self.tell_user(&user_id, |_| LiveEvent::Resync);
                            return;
                        }
                    },
                };
                let change = Change::read(&record, &self.labeler);
                self.tell_user(&user_id, |session_id| change.for_session(session_id));
            }
        }
    }

    /// Tells each stream of `user_id` what `event_for` its session says; a stream told its
    /// session ended leaves the hub at once (it ends after that event).
    fn tell_user(&self, user_id: &str, event_for: impl Fn(&str) -> LiveEvent) {
        let mut streams = self.streams();
        let Some(entries) = streams.by_user.get_mut(user_id) else {
            return;
        };
        let before = entries.len();
        entries.retain(|entry| {
            let event = event_for(&entry.session_id);
            let ended = matches!(event, LiveEvent::SignedOut { .. });
            entry.mailbox.push(event);
            !ended
        });
        let removed = before - entries.len();
        if entries.is_empty() {
            streams.by_user.remove(user_id);
        }
        streams.total -= removed;
    }

    fn remove(&self, user_id: &str, id: u64) {
        let mut streams = self.streams();
        let Some(entries) = streams.by_user.get_mut(user_id) else {
            return;
        };
        let before = entries.len();
        entries.retain(|entry| entry.id != id);
        let removed = before - entries.len();
        if entries.is_empty() {
            streams.by_user.remove(user_id);
        }
        streams.total -= removed;
    }
}

impl Hub {
    /// Starts the node's hub: its fan-out task and, on PostgreSQL, its `LISTEN` connection.
    pub fn start(store: Store, labeler: Arc<DeviceLabeler>, limits: LiveLimits) -> Self {
        let notices = store.notices();
        let listener = store.spawn_listener();
        let inner = Arc::new(Inner {
            store,
            labeler,
            limits,
            streams: Mutex::new(Streams::default()),
            tasks: Mutex::new(Vec::new()),
        });
        // The task holds the hub weakly: the hub's last handle dropped, it stops.
        let hub: Weak<Inner> = Arc::downgrade(&inner);
        let look = matches!(inner.store, Store::Sqlite(_));
        let fan_out = tokio::spawn(fan_out::run(hub, notices, look));
        let mut tasks = inner.tasks.lock().unwrap_or_else(PoisonError::into_inner);
        tasks.push(fan_out);
        tasks.extend(listener);
        drop(tasks);
        Self(inner)
    }

    /// Opens a stream for session `session_id` of `user_id` (already authenticated).
    /// `last_event_id`, as the client sent it, resumes after that event: the user's events
    /// since are replayed first, or, if it is not one of theirs, unreadable, or more than
    /// [`MAX_REPLAY`] events behind, the stream starts with a resync.
    pub async fn open(
        &self,
        user_id: &str,
        session_id: &str,
        last_event_id: Option<&str>,
    ) -> Result<LiveStream, OpenError> {
        // Subscribed before the replay is read, so nothing committed meanwhile falls between
        // the two; what both see is told once (see `Mailbox::put_first`).
        let stream = self.subscribe(user_id, session_id)?;
        let Some(last_event_id) = last_event_id else {
            return Ok(stream);
        };
        let replay = match parse_event_id(last_event_id) {
            Some(after) => {
                self.0
                    .store
                    .audit_records_after(user_id, after, MAX_REPLAY + 1)
                    .await?
            }
            None => None,
        };
        match replay {
            Some(records) if records.len() <= MAX_REPLAY as usize => {
                // Told as changes only: the session was just found live, so nothing before
                // now ended it (an earlier "sign out everywhere" predates it).
                let events: Vec<LiveEvent> = records
                    .iter()
                    .map(|record| LiveEvent::Change {
                        id: record.id,
                        kind: record.event.kind(),
                        at: record.event.occurred_at,
                    })
                    .collect();
                let up_to = records.last().map_or(0, |last| last.id);
                stream.mailbox.put_first(events, up_to);
            }
            _ => stream.mailbox.put_first(vec![LiveEvent::Resync], 0),
        }
        Ok(stream)
    }

    fn subscribe(&self, user_id: &str, session_id: &str) -> Result<LiveStream, OpenError> {
        let limits = self.0.limits;
        let mut streams = self.0.streams();
        if streams.stopping {
            return Err(OpenError::Stopping);
        }
        // Over the user's limit, their oldest streams make room; over the node's, nothing is
        // closed and the new one is refused.
        let per_user = limits.per_user.max(1);
        let held = streams.by_user.get(user_id).map_or(0, Vec::len);
        let to_close = (held + 1).saturating_sub(per_user);
        if streams.total - to_close >= limits.per_node {
            return Err(OpenError::NodeFull);
        }
        if let Some(entries) = streams.by_user.get_mut(user_id) {
            for oldest in entries.drain(..to_close) {
                oldest.mailbox.close();
            }
        }
        streams.total -= to_close;
        streams.next_id += 1;
        let id = streams.next_id;
        let mailbox = Arc::new(Mailbox::new());
        let entry = Entry {
            id,
            session_id: session_id.to_owned(),
            mailbox: Arc::clone(&mailbox),
        };
        streams
            .by_user
            .entry(user_id.to_owned())
            .or_default()
            .push(entry);
        streams.total += 1;
        Ok(LiveStream {
            hub: Arc::downgrade(&self.0),
            user_id: user_id.to_owned(),
            id,
            mailbox,
        })
    }

    /// How many streams are open on this node.
    pub fn open_streams(&self) -> usize {
        self.0.streams().total
    }

    /// The node is stopping: every stream ends now (so the graceful drain is not held up by
    /// them), no new one opens, and the hub's tasks stop.
    pub fn close_all(&self) {
        let mut streams = self.0.streams();
        streams.stopping = true;
        for entry in streams.by_user.values().flatten() {
            entry.mailbox.close();
        }
        streams.by_user.clear();
        streams.total = 0;
        drop(streams);
        let tasks = self.0.tasks.lock().unwrap_or_else(PoisonError::into_inner);
        for task in tasks.iter() {
            task.abort();
        }
    }
}

/// An event id as a client sent it back: plain decimal digits of a positive `i64`. Anything
/// else (forged, huge, signed, padded) is `None`, never an error.
fn parse_event_id(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|id| *id > 0)
}

/// One open stream: its events in order, ending after `SignedOut`, when the user's newest
/// streams push it over the limit, or when the node stops. Dropped, it leaves the hub.
pub struct LiveStream {
    hub: Weak<Inner>,
    user_id: String,
    id: u64,
    mailbox: Arc<Mailbox>,
}

impl std::fmt::Debug for LiveStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveStream")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl LiveStream {
    /// The next event; `None` once the stream is over.
    pub async fn next(&mut self) -> Option<LiveEvent> {
        self.mailbox.next().await
    }
}

impl Drop for LiveStream {
    fn drop(&mut self) {
        if let Some(hub) = self.hub.upgrade() {
            hub.remove(&self.user_id, self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_positive_event_ids_are_read() {
        assert_eq!(parse_event_id("42"), Some(42));
        assert_eq!(parse_event_id(" 7 "), Some(7));
        for junk in [
            "",
            "0",
            "-1",
            "+1",
            "1e3",
            "abc",
            "9223372036854775808",
            "99999999999999999999999999",
            "١٢",
        ] {
            assert_eq!(parse_event_id(junk), None, "{junk:?}");
        }
    }
}

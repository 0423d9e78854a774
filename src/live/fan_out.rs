//! The hub's one task per node: every notice on this node's bus, delivered to the hub in
//! order; and on SQLite, a once-a-second look for changes committed by another process.
//!
//! SQLite's bus is in-process, so a change made by the admin commands (`signedin sessions
//! revoke`, a separate process on the same file) would never reach an open page. While any
//! stream is open, the task reads the audit events committed since its last look (one
//! primary-key range read per node per second, whatever the number of streams) and delivers
//! those the bus did not.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::MissedTickBehavior;

use super::Inner;
use crate::store::Notice;

/// How often SQLite's task looks for changes made by another process.
const LOOK_EVERY: Duration = Duration::from_secs(1);
/// Events read per look; more wait for the next.
const LOOK_BATCH: i64 = 200;
/// Ids remembered as delivered, so an event seen both ways is told once.
const REMEMBERED: usize = 4096;

pub(super) async fn run(hub: Weak<Inner>, mut notices: Receiver<Notice>, look: bool) {
    let mut delivered = Delivered::default();
    let mut seen: Option<i64> = None;
    let mut ticker = tokio::time::interval(LOOK_EVERY);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            received = notices.recv() => {
                let notice = match received {
                    Ok(notice) => notice,
                    Err(RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "live hub fell behind; its streams resync");
                        Notice::Gap
                    }
                    Err(RecvError::Closed) => return,
                };
                let Some(inner) = hub.upgrade() else { return };
                if let Notice::Audit { id, .. } = &notice
                    && !delivered.first_time(*id)
                {
                    continue;
                }
                inner.deliver(notice).await;
            }
            _ = ticker.tick(), if look => {
                let Some(inner) = hub.upgrade() else { return };
                look_for_changes(&inner, &mut seen, &mut delivered).await;
            }
        }
    }
}

/// Delivers what was committed since `seen` and not yet delivered. With no stream open there
/// is nobody to tell: the look is skipped and starts afresh when one opens.
async fn look_for_changes(inner: &Inner, seen: &mut Option<i64>, delivered: &mut Delivered) {
    if inner.streams().total == 0 {
        *seen = None;
        return;
    }
    let Some(after) = *seen else {
        match inner.store.latest_audit_id().await {
            Ok(latest) => *seen = Some(latest),
            Err(error) => tracing::warn!(%error, "cannot look for changes"),
        }
        return;
    };
    let records = match inner.store.audit_records_since(after, LOOK_BATCH).await {
        Ok(records) => records,
        Err(error) => {
            tracing::warn!(%error, "cannot look for changes");
            return;
        }
    };
    for record in records {
        *seen = Some(record.id.max(after));
        let Some(user_id) = record.event.user_id.clone() else {
            continue;
        };
        if delivered.first_time(record.id) {
            let id = record.id;
            let record = Some(Arc::new(record));
            inner
                .deliver(Notice::Audit {
                    user_id,
                    id,
                    record,
                })
                .await;
        }
    }
}

/// The ids of the events delivered lately, oldest forgotten first.
#[derive(Default)]
struct Delivered {
    ids: HashSet<i64>,
    order: VecDeque<i64>,
}

impl Delivered {
    /// Remembers `id`; `false` if it was delivered already.
    fn first_time(&mut self, id: i64) -> bool {
        if !self.ids.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > REMEMBERED
            && let Some(oldest) = self.order.pop_front()
        {
            self.ids.remove(&oldest);
        }
        true
    }
}

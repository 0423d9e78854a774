//! Change notices: how a committed change reaches whoever listens on this node.
//!
//! A transaction announces what it changed ([`Tx::announce`](super::Tx::announce)); the
//! announcement leaves only if the transaction commits:
//! - on SQLite (one node) the notices wait in the transaction and go out on the in-process
//!   [`Bus`] right after a successful commit;
//! - on PostgreSQL they are `pg_notify` calls inside the transaction itself, which the
//!   database delivers on commit to every node's `LISTEN` connection ([`spawn_pg_listener`]),
//!   and that connection puts them on its node's bus. A rolled-back transaction notifies
//!   nobody, on either store.
//!
//! A PostgreSQL payload is small and holds nothing secret: the user id and the audit event's
//! id (or the instant of a "last active" move). Listeners read the event itself once per node.

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::broadcast;

use crate::audit::AuditRecord;
use crate::time::Timestamp;

/// The PostgreSQL channel every node listens on.
pub(crate) const CHANNEL: &str = "signedin_live";

/// Notices a listener may fall behind by before it is told it missed some ([`Notice::Gap`]).
const BUS_CAPACITY: usize = 4096;

/// One committed change, as a listener on this node learns of it.
#[derive(Debug, Clone)]
pub enum Notice {
    /// An audit event of `user_id` was committed. On SQLite the event comes along; on
    /// PostgreSQL only its id does (read it with `Store::audit_record`).
    Audit {
        user_id: String,
        id: i64,
        record: Option<Arc<AuditRecord>>,
    },
    /// A session of `user_id` was used at `at` ("last active" moved), coalesced at the source.
    Touch { user_id: String, at: Timestamp },
    /// Notices may have been missed (the listening connection was lost, or a listener fell
    /// behind): whoever relies on them must start over from the database.
    Gap,
}

impl Notice {
    /// The `pg_notify` payload: `a:<id>:<user id>` or `t:<unix micros>:<user id>`.
    pub(crate) fn payload(&self) -> Option<String> {
        match self {
            Notice::Audit { user_id, id, .. } => Some(format!("a:{id}:{user_id}")),
            Notice::Touch { user_id, at } => Some(format!("t:{}:{user_id}", at.unix_micros())),
            Notice::Gap => None,
        }
    }

    /// Reads a payload back; `None` for anything this version did not write.
    pub(crate) fn from_payload(payload: &str) -> Option<Self> {
        let mut parts = payload.splitn(3, ':');
        let (tag, number, user_id) = (parts.next()?, parts.next()?, parts.next()?);
        let number: i64 = number.parse().ok()?;
        let user_id = user_id.to_owned();
        match tag {
            "a" => Some(Notice::Audit {
                user_id,
                id: number,
                record: None,
            }),
            "t" => Some(Notice::Touch {
                user_id,
                at: Timestamp::from_unix_micros(number),
            }),
            _ => None,
        }
    }
}

/// This node's notices, for any number of listeners. Sending with nobody listening (the
/// admin commands, most tests) costs nothing and keeps nothing.
#[derive(Debug, Clone)]
pub(crate) struct Bus(broadcast::Sender<Notice>);

impl Bus {
    pub(crate) fn new() -> Self {
        Self(broadcast::channel(BUS_CAPACITY).0)
    }

    pub(crate) fn publish(&self, notice: Notice) {
        // An error only says nobody is listening.
        let _ = self.0.send(notice);
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.0.subscribe()
    }
}

/// Listens on [`CHANNEL`] with a connection of its own, putting every notification on `bus`,
/// until aborted or the store is closed. A lost connection is opened again with backoff (up to 10 s between tries),
/// and a [`Notice::Gap`] follows every reconnection: what was notified meanwhile is lost.
pub(crate) fn spawn_pg_listener(pool: PgPool, bus: Bus) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut backoff = Duration::from_millis(100);
        let mut connected_before = false;
        loop {
            let mut listener = match connect(&pool).await {
                Ok(listener) => listener,
                Err(sqlx::Error::PoolClosed) => return,
                Err(error) => {
                    tracing::warn!(%error, retry_in = ?backoff, "cannot listen for changes");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(10));
                    continue;
                }
            };
            backoff = Duration::from_millis(100);
            if connected_before {
                tracing::info!("listening for changes again; live streams resync");
                bus.publish(Notice::Gap);
            }
            connected_before = true;
            loop {
                match listener.try_recv().await {
                    Ok(Some(notification)) => match Notice::from_payload(notification.payload()) {
                        Some(notice) => bus.publish(notice),
                        None => tracing::warn!("ignored a change notice of unknown shape"),
                    },
                    // The connection was lost: open a new one (above), then resync.
                    Ok(None) => break,
                    // The store was closed: the node is stopping.
                    Err(sqlx::Error::PoolClosed) => return,
                    Err(error) => {
                        tracing::warn!(%error, "change listener failed");
                        break;
                    }
                }
            }
        }
    })
}

async fn connect(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    // `try_recv` (not `recv`) reports a lost connection instead of quietly reconnecting, so
    // every reconnection is ours to see, and to follow with a Gap.
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip_and_junk_is_refused() {
        let notice = Notice::Audit {
            user_id: "u-1:2".into(),
            id: 42,
            record: None,
        };
        let payload = notice.payload().unwrap_or_default();
        assert_eq!(payload, "a:42:u-1:2");
        assert!(matches!(
            Notice::from_payload(&payload),
            Some(Notice::Audit { id: 42, ref user_id, .. }) if user_id == "u-1:2"
        ));
        let touch = Notice::Touch {
            user_id: "u".into(),
            at: Timestamp::from_unix_micros(7),
        };
        assert_eq!(touch.payload().as_deref(), Some("t:7:u"));
        for junk in ["", "a", "a:x:u", "z:1:u", "a:1"] {
            assert!(Notice::from_payload(junk).is_none(), "{junk:?}");
        }
    }
}

//! The session lookup behind every authenticated request, read in batches. A lookup starts
//! a batch of its own while fewer than [`RUNNING_AT_MOST`] run; beyond that it waits for the
//! next one to free up, which then reads every session asked for meanwhile with one
//! statement. Under load a statement serves many requests
//! (each statement is a round trip to sqlx's connection thread on SQLite, to the server on
//! PostgreSQL: most of a check's cost, `docs/BENCHMARKS.md`); alone, a lookup runs at once.
//!
//! Never a cache: a batch's statement starts after every lookup in it was asked for, so it
//! sees every sign-out committed before the request arrived, on any node.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use tokio::sync::oneshot;

use super::Store;
use super::db::Param;
use super::sessions::SessionAuthRow;
use crate::error::DomainResult;

/// At most this many batches read at once: SQLite's reader connections.
const RUNNING_AT_MOST: usize = 4;

/// Sessions per statement at most; a batch's ids are padded to the next power of two, so
/// there are only this many statements to prepare (1, 2, 4 … 64 parameters).
const BATCH_AT_MOST: usize = 64;

/// `SELECT … WHERE id IN ($1 … $n)` for n = 1, 2, 4 … [`BATCH_AT_MOST`].
static BY_IDS: LazyLock<Vec<String>> = LazyLock::new(|| {
    std::iter::successors(Some(1usize), |n| Some(n * 2))
        .take_while(|&n| n <= BATCH_AT_MOST)
        .map(|n| {
            let params: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
            format!(
                "SELECT id, user_id, signed_in_at, last_used_at, reauthenticated_at, revoked_at \
                 FROM sessions WHERE id IN ({})",
                params.join(", ")
            )
        })
        .collect()
});

/// What a waiting lookup is sent: the row (or none), or `Err` when its batch failed and it
/// should read alone, for its own precise error.
type Answer = Result<Option<SessionAuthRow>, ()>;

#[derive(Default)]
struct Queue {
    waiting: Vec<(String, oneshot::Sender<Answer>)>,
    running: usize,
}

/// The batching state of one store (shared by its clones).
#[derive(Default, Clone)]
pub(crate) struct AuthLookups(Arc<Mutex<Queue>>);

impl std::fmt::Debug for AuthLookups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthLookups")
    }
}

/// A [`SessionAuthRow`] with the id it answers for.
#[derive(sqlx::FromRow)]
struct AuthRowWithId {
    id: String,
    #[sqlx(flatten)]
    auth: SessionAuthRow,
}

impl Store {
    /// The session `session_id` as an authenticated request needs it, read in a batch with
    /// the lookups asked for meanwhile (see the module's comment).
    pub async fn session_auth(&self, session_id: &str) -> DomainResult<Option<SessionAuthRow>> {
        let (answer, answered) = oneshot::channel();
        let batch = {
            let mut queue = self
                .auth_lookups()
                .0
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            queue.waiting.push((session_id.to_owned(), answer));
            if queue.running < RUNNING_AT_MOST {
                queue.running += 1;
                // Taken with the place, so the place comes back even if the task never runs.
                let place = Running(Some(self.auth_lookups().clone()));
                Some((take_batch(&mut queue), place))
            } else {
                None
            }
        };
        if let Some((batch, place)) = batch {
            // Its own task: a batch finishes, and hands on to the next, whatever becomes of
            // the request that started it.
            tokio::spawn(self.clone().run_batches(batch, place));
        }
        match answered.await {
            Ok(Ok(row)) => Ok(row),
            // The batch failed (or was lost with a shutting-down runtime): read alone.
            Ok(Err(())) | Err(_) => self.session_auth_alone(session_id).await,
        }
    }

    /// One lookup, on its own statement (the batch statement for one id).
    async fn session_auth_alone(&self, session_id: &str) -> DomainResult<Option<SessionAuthRow>> {
        let row: Option<AuthRowWithId> = self
            .reader()
            .fetch_optional(&BY_IDS[0], &[session_id.into()])
            .await?;
        Ok(row.map(|row| row.auth))
    }

    /// Reads `batch`, answers it, and goes on with whatever queued meanwhile.
    async fn run_batches(
        self,
        mut batch: Vec<(String, oneshot::Sender<Answer>)>,
        mut running: Running,
    ) {
        loop {
            let found = self.read_batch(&batch).await;
            for (id, answer) in batch {
                let _ = answer.send(match &found {
                    Ok(rows) => Ok(rows.get(&id).cloned()),
                    Err(()) => Err(()),
                });
            }
            let mut queue = self
                .auth_lookups()
                .0
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if queue.waiting.is_empty() {
                queue.running -= 1;
                running.0 = None;
                return;
            }
            batch = take_batch(&mut queue);
        }
    }

    async fn read_batch(
        &self,
        batch: &[(String, oneshot::Sender<Answer>)],
    ) -> Result<HashMap<String, SessionAuthRow>, ()> {
        let size = batch.len().next_power_of_two();
        let sql = &BY_IDS[size.trailing_zeros() as usize];
        let last = batch.last().map_or("", |(id, _)| id.as_str());
        let params: Vec<Param> = batch
            .iter()
            .map(|(id, _)| id.as_str())
            .chain(std::iter::repeat(last))
            .take(size)
            .map(Param::from)
            .collect();
        let rows: Vec<AuthRowWithId> = self.reader().fetch_all(sql, &params).await.map_err(|e| {
            tracing::warn!(error = %e, lookups = batch.len(), "batched session lookup failed; each reads alone");
        })?;
        Ok(rows.into_iter().map(|row| (row.id, row.auth)).collect())
    }

    fn auth_lookups(&self) -> &AuthLookups {
        match self {
            Store::Sqlite(s) => s.auth_lookups(),
            Store::Postgres(s) => s.auth_lookups(),
        }
    }
}

/// A running batch's place, given back if its task ends any other way than by finding the
/// queue empty (a panic, a runtime shutting down, a task dropped before it ever ran): the
/// lookups still waiting are told to read alone, so none waits for a batch that will never
/// come.
struct Running(Option<AuthLookups>);

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(lookups) = self.0.take() {
            let mut queue = lookups.0.lock().unwrap_or_else(|e| e.into_inner());
            queue.running -= 1;
            for (_, answer) in queue.waiting.drain(..) {
                let _ = answer.send(Err(()));
            }
        }
    }
}

/// The oldest waiting lookups, at most a statement's worth.
fn take_batch(queue: &mut Queue) -> Vec<(String, oneshot::Sender<Answer>)> {
    let n = queue.waiting.len().min(BATCH_AT_MOST);
    queue.waiting.drain(..n).collect()
}

//! No pooled connection is ever handed out while a transaction is open on it.
//!
//! Why this exists: a request future can be dropped at any `.await` (the client hung up, a
//! deadline fired). sqlx rolls back a dropped `Transaction`, but there is a window it cannot
//! cover: with a custom `BEGIN IMMEDIATE`, SQLite's `begin_with` runs the statement on the
//! connection's worker and then awaits a second step before the `Transaction` value exists.
//! A future dropped in between leaves the connection inside a transaction that nothing will
//! ever end. On our one-connection SQLite writer that froze every write of the node
//! ("attempted to call begin_with at non-zero transaction depth") and held the file's write
//! lock against every other process.
//!
//! The pool asks this hook before handing out an idle connection. By then the release ping
//! has flushed any rollback sqlx queued for a dropped `Transaction`, so a depth above zero
//! means a transaction nobody owns: the connection is closed instead (closing rolls the
//! transaction back and frees the lock) and the pool opens a fresh one. This is the second
//! line; the first is that the server never drops a state-changing request midway (see the
//! server's `request_guard`).

use std::future::Future;
use std::pin::Pin;

use sqlx::pool::PoolConnectionMetadata;
use sqlx::{Database, TransactionManager};

type Verdict<'c> = Pin<Box<dyn Future<Output = Result<bool, sqlx::Error>> + Send + 'c>>;

/// `before_acquire` for any pool: `Ok(false)` (close it) when a transaction is still open.
pub(super) fn reject_open_transaction<DB: Database>(
    conn: &mut DB::Connection,
    _meta: PoolConnectionMetadata,
) -> Verdict<'_> {
    let depth = <DB::TransactionManager as TransactionManager>::get_transaction_depth(conn);
    if depth > 0 {
        tracing::warn!(
            depth,
            "discarding a pooled connection left inside a transaction"
        );
    }
    Box::pin(std::future::ready(Ok(depth == 0)))
}

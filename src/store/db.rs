//! The one door every statement goes through, on either dialect: a pool to read or write
//! with, or an open write transaction. The statements themselves (`users.rs`, `sessions.rs`,
//! `tokens.rs`, `audit.rs`, `maintenance.rs`) are written once, as ordinary functions on top.
//!
//! Both dialects accept `$n` parameters, `RETURNING` and `ON CONFLICT`, and `Timestamp`
//! encodes natively on each (see `timestamp.rs`), so only two things differ, and both are
//! here: how a write transaction begins, and how a row is locked for the rest of it. (A third,
//! how a committed change is announced, is `Tx::announce`'s: see `notify.rs`.)
//!
//! Nothing here is generic over `sqlx::Database`: each method matches on the dialect and runs
//! the statement on a concrete type, so every future stays `Send` and the compiler (and a
//! reader) can follow each call to the end.

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{
    Arguments, FromRow, PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool,
    Transaction,
};

use super::Store;
use super::notify::{Bus, CHANNEL, Notice};
use super::outbox::OutboxWiring;
use crate::time::Timestamp;

/// How a write transaction begins. SQLite takes its write lock at `BEGIN IMMEDIATE`, so a
/// transaction that reads before it writes can never fail to upgrade its lock halfway
/// through; PostgreSQL locks row by row (see [`FOR_UPDATE`]).
const SQLITE_BEGIN: &str = "BEGIN IMMEDIATE";
const POSTGRES_BEGIN: &str = "BEGIN";

/// Appended to a `SELECT` that locks the rows it reads until the transaction ends. Every
/// writer of a session's tokens takes the session row's lock first, so a revoke waits for a
/// refresh in flight and then sees its successor. SQLite needs none: its one writer already
/// holds the whole file from `BEGIN IMMEDIATE`.
const FOR_UPDATE: &str = " FOR UPDATE";

/// Appended to the `SELECT` that claims outbox rows when several nodes claim at once: rows
/// another node is claiming are skipped, not waited for, so each row goes to one node.
/// SQLite's one writer claims alone and needs none.
pub(crate) const SKIP_LOCKED: &str = " FOR UPDATE SKIP LOCKED";

/// A `SELECT` that locks what it reads, in each dialect's words: written once, its
/// `FOR UPDATE` form made once per process (held in a `LazyLock` by the statement's module).
pub(crate) struct LockingSelect {
    plain: &'static str,
    for_update: String,
}

impl LockingSelect {
    pub(crate) fn new(plain: &'static str) -> Self {
        Self {
            plain,
            for_update: format!("{plain}{FOR_UPDATE}"),
        }
    }
}

/// A value a statement binds: every type our tables hold.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Param<'a> {
    Text(&'a str),
    OptText(Option<&'a str>),
    Int(i64),
    Bool(bool),
    Time(Timestamp),
}

impl<'a> From<&'a str> for Param<'a> {
    fn from(value: &'a str) -> Self {
        Param::Text(value)
    }
}

impl<'a> From<&'a String> for Param<'a> {
    fn from(value: &'a String) -> Self {
        Param::Text(value)
    }
}

impl<'a> From<Option<&'a str>> for Param<'a> {
    fn from(value: Option<&'a str>) -> Self {
        Param::OptText(value)
    }
}

impl From<i64> for Param<'_> {
    fn from(value: i64) -> Self {
        Param::Int(value)
    }
}

impl From<bool> for Param<'_> {
    fn from(value: bool) -> Self {
        Param::Bool(value)
    }
}

impl From<Timestamp> for Param<'_> {
    fn from(value: Timestamp) -> Self {
        Param::Time(value)
    }
}

/// A row type a statement reads into: a `#[derive(sqlx::FromRow)]` struct (its derive is
/// generic over the row, so one derive serves both dialects) or a tuple.
pub(crate) trait Row:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{}

fn sqlite_args<'q>(params: &[Param<'q>]) -> Result<SqliteArguments<'q>, sqlx::Error> {
    let mut args = SqliteArguments::default();
    for param in params {
        match *param {
            Param::Text(v) => args.add(v),
            Param::OptText(v) => args.add(v),
            Param::Int(v) => args.add(v),
            Param::Bool(v) => args.add(v),
            Param::Time(v) => args.add(v),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(args)
}

fn postgres_args<'q>(params: &[Param<'q>]) -> Result<PgArguments, sqlx::Error> {
    let mut args = PgArguments::default();
    for param in params {
        match *param {
            Param::Text(v) => args.add(v),
            Param::OptText(v) => args.add(v),
            Param::Int(v) => args.add(v),
            Param::Bool(v) => args.add(v),
            Param::Time(v) => args.add(v),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(args)
}

/// The connection one statement runs on: a transaction's, or one taken from a pool for that
/// statement alone (which is what sqlx does when a statement runs on a pool).
enum On<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

impl On<'_> {
    async fn execute(self, sql: &str, params: &[Param<'_>]) -> Result<u64, sqlx::Error> {
        Ok(match self {
            On::Sqlite(c) => {
                let args = sqlite_args(params)?;
                sqlx::query_with(sql, args)
                    .execute(c)
                    .await?
                    .rows_affected()
            }
            On::Postgres(c) => {
                let args = postgres_args(params)?;
                sqlx::query_with(sql, args)
                    .execute(c)
                    .await?
                    .rows_affected()
            }
        })
    }

    async fn fetch_all<R: Row>(
        self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<Vec<R>, sqlx::Error> {
        match self {
            On::Sqlite(c) => {
                sqlx::query_as_with(sql, sqlite_args(params)?)
                    .fetch_all(c)
                    .await
            }
            On::Postgres(c) => {
                sqlx::query_as_with(sql, postgres_args(params)?)
                    .fetch_all(c)
                    .await
            }
        }
    }

    async fn fetch_optional<R: Row>(
        self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<Option<R>, sqlx::Error> {
        match self {
            On::Sqlite(c) => {
                sqlx::query_as_with(sql, sqlite_args(params)?)
                    .fetch_optional(c)
                    .await
            }
            On::Postgres(c) => {
                sqlx::query_as_with(sql, postgres_args(params)?)
                    .fetch_optional(c)
                    .await
            }
        }
    }
}

/// A connection taken from a [`Pool`], back to it when dropped.
enum Pooled {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl Pooled {
    fn on(&mut self) -> On<'_> {
        match self {
            Pooled::Sqlite(c) => On::Sqlite(c),
            Pooled::Postgres(c) => On::Postgres(c),
        }
    }
}

/// A pool to run single statements on: SQLite's writer or its readers (named for the
/// metrics), or PostgreSQL's pool.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Pool<'a> {
    Sqlite(&'a SqlitePool, &'static str),
    Postgres(&'a PgPool),
}

impl Pool<'_> {
    /// `reader`, `writer` or `postgres`.
    fn name(self) -> &'static str {
        match self {
            Pool::Sqlite(_, name) => name,
            Pool::Postgres(_) => "postgres",
        }
    }

    async fn acquire(self) -> Result<Pooled, sqlx::Error> {
        let asked = std::time::Instant::now();
        let pooled = match self {
            Pool::Sqlite(p, _) => Pooled::Sqlite(p.acquire().await?),
            Pool::Postgres(p) => Pooled::Postgres(p.acquire().await?),
        };
        crate::metrics::db_acquire(self.name(), asked.elapsed());
        Ok(pooled)
    }

    pub(crate) async fn execute(self, sql: &str, params: &[Param<'_>]) -> Result<u64, sqlx::Error> {
        self.acquire().await?.on().execute(sql, params).await
    }

    pub(crate) async fn fetch_all<R: Row>(
        self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<Vec<R>, sqlx::Error> {
        self.acquire().await?.on().fetch_all(sql, params).await
    }

    pub(crate) async fn fetch_optional<R: Row>(
        self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<Option<R>, sqlx::Error> {
        self.acquire().await?.on().fetch_optional(sql, params).await
    }

    pub(crate) async fn fetch_one<R: Row>(
        self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<R, sqlx::Error> {
        let row = self.fetch_optional(sql, params).await?;
        row.ok_or(sqlx::Error::RowNotFound)
    }

    /// Begins a write transaction, the dialect's way, announcing on `bus` once committed and
    /// writing what must leave the server to the outbox as `outbox` says.
    async fn begin(self, bus: Bus, outbox: OutboxWiring) -> Result<Tx, sqlx::Error> {
        let asked = std::time::Instant::now();
        let conn = match self {
            Pool::Sqlite(p, _) => TxConn::Sqlite(p.begin_with(SQLITE_BEGIN).await?),
            Pool::Postgres(p) => TxConn::Postgres(p.begin_with(POSTGRES_BEGIN).await?),
        };
        // The wait includes the BEGIN itself: one round trip beside the queue.
        crate::metrics::db_acquire(self.name(), asked.elapsed());
        Ok(Tx {
            conn,
            announced: Vec::new(),
            bus,
            outbox,
            enqueued: false,
        })
    }
}

/// An open write transaction. Dropped without [`Tx::commit`] (an early return, a future
/// dropped mid-request), it rolls back: sqlx queues the rollback, and the pool's
/// `before_acquire` hygiene (see `hygiene.rs`) covers the one window it cannot. What it
/// [announced](Tx::announce) goes out only if it commits.
#[derive(Debug)]
pub(crate) struct Tx {
    conn: TxConn,
    /// SQLite's notices, held until the commit succeeds (PostgreSQL's are in the transaction).
    announced: Vec<Notice>,
    bus: Bus,
    /// Where messages go, and the bell this node's sender hears (`outbox.rs`).
    pub(super) outbox: OutboxWiring,
    /// Something was written to the outbox: ring the bell on commit.
    pub(super) enqueued: bool,
}

#[derive(Debug)]
enum TxConn {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    fn on(&mut self) -> On<'_> {
        match &mut self.conn {
            TxConn::Sqlite(tx) => On::Sqlite(tx),
            TxConn::Postgres(tx) => On::Postgres(tx),
        }
    }

    pub(crate) async fn execute(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<u64, sqlx::Error> {
        self.on().execute(sql, params).await
    }

    pub(crate) async fn fetch_all<R: Row>(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<Vec<R>, sqlx::Error> {
        self.on().fetch_all(sql, params).await
    }

    pub(crate) async fn fetch_optional<R: Row>(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<Option<R>, sqlx::Error> {
        self.on().fetch_optional(sql, params).await
    }

    pub(crate) async fn fetch_one<R: Row>(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<R, sqlx::Error> {
        let row = self.fetch_optional(sql, params).await?;
        row.ok_or(sqlx::Error::RowNotFound)
    }

    /// A `SELECT` that locks the rows it reads until this transaction ends.
    pub(crate) async fn fetch_optional_locked<R: Row>(
        &mut self,
        select: &LockingSelect,
        params: &[Param<'_>],
    ) -> Result<Option<R>, sqlx::Error> {
        match self.conn {
            TxConn::Sqlite(_) => self.fetch_optional(select.plain, params).await,
            TxConn::Postgres(_) => self.fetch_optional(&select.for_update, params).await,
        }
    }

    /// Tells this node's (and, on PostgreSQL, every node's) listeners of `notice` if and when
    /// this transaction commits; never if it rolls back.
    pub(crate) async fn announce(&mut self, notice: Notice) -> Result<(), sqlx::Error> {
        match self.conn {
            TxConn::Sqlite(_) => self.announced.push(notice),
            TxConn::Postgres(_) => {
                if let Some(payload) = notice.payload() {
                    self.execute(PG_NOTIFY, &[CHANNEL.into(), (&payload).into()])
                        .await?;
                }
            }
        }
        Ok(())
    }

    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        match self.conn {
            TxConn::Sqlite(tx) => tx.commit().await?,
            TxConn::Postgres(tx) => tx.commit().await?,
        }
        for notice in self.announced {
            self.bus.publish(notice);
        }
        if self.enqueued {
            self.outbox.ring();
        }
        Ok(())
    }

    /// Ends the transaction having changed nothing (and announcing nothing). Dropping it does
    /// the same, later.
    pub(crate) async fn rollback(self) -> Result<(), sqlx::Error> {
        match self.conn {
            TxConn::Sqlite(tx) => tx.rollback().await,
            TxConn::Postgres(tx) => tx.rollback().await,
        }
    }
}

/// Queued by PostgreSQL in the transaction and delivered to every `LISTEN`er on commit.
const PG_NOTIFY: &str = "SELECT pg_notify($1, $2)";

impl Store {
    /// The pool for reads: SQLite's readers, which never wait for its writer.
    pub(crate) fn reader(&self) -> Pool<'_> {
        match self {
            Store::Sqlite(s) => Pool::Sqlite(s.reader(), "reader"),
            Store::Postgres(s) => Pool::Postgres(s.pool()),
        }
    }

    /// The pool for writes outside a transaction: SQLite's single writer.
    pub(crate) fn writer(&self) -> Pool<'_> {
        match self {
            Store::Sqlite(s) => Pool::Sqlite(s.writer(), "writer"),
            Store::Postgres(s) => Pool::Postgres(s.pool()),
        }
    }

    /// Begins a write transaction: `BEGIN IMMEDIATE` on SQLite, `BEGIN` on PostgreSQL.
    pub(crate) async fn begin(&self) -> Result<Tx, sqlx::Error> {
        let outbox = match self {
            Store::Sqlite(s) => s.outbox().clone(),
            Store::Postgres(s) => s.outbox().clone(),
        };
        self.writer().begin(self.bus().clone(), outbox).await
    }

    /// This node's change notices.
    pub(crate) fn bus(&self) -> &Bus {
        match self {
            Store::Sqlite(s) => s.bus(),
            Store::Postgres(s) => s.bus(),
        }
    }
}

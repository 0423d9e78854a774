//! Reading a user's live sessions with their current tokens: the devices list (whole, or a
//! page at a time), one session, the counts, and making room under the session cap.

use std::sync::LazyLock;

use super::sessions::{LIVE_SESSION, live_cutoffs};
use super::{Store, Tx};
use crate::audit::RevokedTarget;
use crate::error::{DomainError, DomainResult};
use crate::policy::Policy;
use crate::session::{EndReason, ListCursor};
use crate::time::Timestamp;

/// A [`LiveSessionRow`] of each live session of user `$3` whose current refresh token has
/// not expired at `$4`.
static LIVE_SESSION_ROWS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT s.id AS session_id, s.user_id, s.name, s.signed_in_at, s.last_used_at, \
                s.new_location, t.jti_prefix, t.user_agent, t.ip, t.client_hints, t.device, \
                t.location, t.created_at, t.expires_at \
         FROM sessions s \
         JOIN refresh_tokens t ON t.session_id = s.id AND t.revoked_at IS NULL \
         WHERE {LIVE_SESSION} AND s.user_id = $3 AND t.expires_at > $4"
    )
});

/// The list's order, most recently used first: the `sessions_live_by_user_recency` index
/// walked backwards, so a page stops after its rows. A session's `last_used_at` moves with
/// each rotation, in the same transaction as its new token.
const MOST_RECENT_FIRST: &str = "ORDER BY s.last_used_at DESC, s.id DESC";

/// Every live session of a user, most recently used first.
static LIVE_SESSIONS_OF_USER: LazyLock<String> =
    LazyLock::new(|| format!("{} {MOST_RECENT_FIRST}", *LIVE_SESSION_ROWS));

/// One live session of a user, by id.
static LIVE_SESSION_OF_USER: LazyLock<String> =
    LazyLock::new(|| format!("{} AND s.id = $5", *LIVE_SESSION_ROWS));

/// The first page's rows: session `$5` (the caller's, if live) and up to `$6` others.
fn first_page_rows() -> String {
    format!(
        "{rows} AND s.id = $5 \
         UNION ALL \
         SELECT * FROM ({rows} AND s.id <> $5 {MOST_RECENT_FIRST} LIMIT $6) AS page",
        rows = *LIVE_SESSION_ROWS
    )
}

/// A later page's rows: session `$5` (the caller's, so one statement also authenticates)
/// and up to `$6` others listed after the cursor `($7, $8)`.
fn later_page_rows() -> String {
    format!(
        "{rows} AND s.id = $5 \
         UNION ALL \
         SELECT * FROM ({rows} AND s.id <> $5 AND (s.last_used_at, s.id) < ($7, $8) \
                        {MOST_RECENT_FIRST} LIMIT $6) AS page",
        rows = *LIVE_SESSION_ROWS
    )
}

/// A page's rows folded into one JSON array, in one row, for SQLite. Each row a statement
/// returns is a hand-off from sqlx's connection thread to the server; fifty of them cost
/// more than the query (in process: +21 % pages per second folded). PostgreSQL streams rows
/// cheaply and builds JSON slowly (−33 % folded), so it reads the rows as they are.
/// (`docs/BENCHMARKS.md`, issue 15.)
fn as_one_json_row(rows: &str) -> String {
    const COLUMNS: [&str; 14] = [
        "session_id",
        "user_id",
        "name",
        "jti_prefix",
        "user_agent",
        "ip",
        "client_hints",
        "device",
        "location",
        "new_location",
        "signed_in_at",
        "last_used_at",
        "created_at",
        "expires_at",
    ];
    let fields: Vec<String> = COLUMNS.iter().map(|c| format!("'{c}', {c}")).collect();
    format!(
        "SELECT json_group_array(json_object({})) FROM ({rows}) AS page_rows",
        fields.join(", ")
    )
}

static FIRST_PAGE_SQLITE: LazyLock<String> = LazyLock::new(|| as_one_json_row(&first_page_rows()));
static LATER_PAGE_SQLITE: LazyLock<String> = LazyLock::new(|| as_one_json_row(&later_page_rows()));
static FIRST_PAGE_POSTGRES: LazyLock<String> = LazyLock::new(first_page_rows);
static LATER_PAGE_POSTGRES: LazyLock<String> = LazyLock::new(later_page_rows);

/// One row of [`as_one_json_row`]'s array.
#[derive(serde::Deserialize)]
struct JsonRow {
    session_id: String,
    user_id: String,
    name: Option<String>,
    jti_prefix: String,
    user_agent: String,
    ip: String,
    client_hints: Option<String>,
    device: Option<String>,
    location: Option<String>,
    new_location: i64,
    signed_in_at: i64,
    last_used_at: i64,
    created_at: i64,
    expires_at: i64,
}

impl From<JsonRow> for LiveSessionRow {
    fn from(row: JsonRow) -> Self {
        let at = Timestamp::from_unix_micros;
        Self {
            session_id: row.session_id,
            user_id: row.user_id,
            name: row.name,
            jti_prefix: row.jti_prefix,
            user_agent: row.user_agent,
            ip: row.ip,
            client_hints: row.client_hints,
            device: row.device,
            location: row.location,
            created_at: at(row.created_at),
            last_used_at: at(row.last_used_at),
            signed_in_at: at(row.signed_in_at),
            expires_at: at(row.expires_at),
            new_location: row.new_location != 0,
        }
    }
}

/// How many sessions are live (the metrics' gauge).
static COUNT_LIVE_SESSIONS: LazyLock<String> =
    LazyLock::new(|| format!("SELECT COUNT(*) FROM sessions s WHERE {LIVE_SESSION}"));

/// How many sessions of user `$3` are live: an index-only range.
static COUNT_LIVE_SESSIONS_OF_USER: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT COUNT(*) FROM sessions s WHERE {LIVE_SESSION} AND s.user_id = $3")
});

/// The `$4` least recently used live sessions of user `$3`, oldest first, chosen by the same
/// conditions as [`COUNT_LIVE_SESSIONS_OF_USER`] counts them (a live session whose token has
/// lapsed counts, so it can be chosen); its live token, if any, names it.
static LEAST_RECENTLY_USED: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT s.id AS session_id, t.jti_prefix, t.user_agent, t.ip \
         FROM sessions s \
         LEFT JOIN refresh_tokens t ON t.session_id = s.id AND t.revoked_at IS NULL \
         WHERE {LIVE_SESSION} AND s.user_id = $3 \
         ORDER BY s.last_used_at ASC, s.id ASC LIMIT $4"
    )
});

/// A session to end under the cap, named by its live token when it has one.
#[derive(sqlx::FromRow)]
struct OldestRow {
    session_id: String,
    jti_prefix: Option<String>,
    user_agent: Option<String>,
    ip: Option<String>,
}

/// One live session with its current refresh token.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LiveSessionRow {
    pub session_id: String,
    pub user_id: String,
    /// The name its owner gave it, if any.
    pub name: Option<String>,
    pub jti_prefix: String,
    pub user_agent: String,
    pub ip: String,
    pub client_hints: Option<String>,
    /// The label and place worked out when the token was minted (`DeviceDescription`'s
    /// columns); NULL on rows older than them.
    pub device: Option<String>,
    pub location: Option<String>,
    pub created_at: Timestamp,
    pub last_used_at: Timestamp,
    pub signed_in_at: Timestamp,
    pub expires_at: Timestamp,
    pub new_location: bool,
}

impl LiveSessionRow {
    /// Where the page after this row starts.
    pub fn cursor(&self) -> ListCursor {
        ListCursor {
            last_used_at: self.last_used_at,
            session_id: self.session_id.clone(),
        }
    }
}

/// One page of a user's live sessions: the caller's own (when live) and the others.
#[derive(Debug, Clone)]
pub struct LiveSessionPage {
    pub current: Option<LiveSessionRow>,
    /// Most recently used first; at most the `others` asked for.
    pub others: Vec<LiveSessionRow>,
}

impl Store {
    /// Every live session of a user, most recently used first.
    pub async fn list_live_sessions(
        &self,
        user_id: &str,
        policy: &Policy,
        now: Timestamp,
    ) -> DomainResult<Vec<LiveSessionRow>> {
        let [idle, absolute] = live_cutoffs(policy, now);
        Ok(self
            .reader()
            .fetch_all(
                &LIVE_SESSIONS_OF_USER,
                &[idle, absolute, user_id.into(), now.into()],
            )
            .await?)
    }

    /// The caller's session `current` (if live) and up to `others` more, most recently used
    /// first, starting after `after` (from the top when `None`). One statement.
    pub async fn live_session_page(
        &self,
        user_id: &str,
        current: &str,
        after: Option<&ListCursor>,
        others: u32,
        policy: &Policy,
        now: Timestamp,
    ) -> DomainResult<LiveSessionPage> {
        let [idle, absolute] = live_cutoffs(policy, now);
        let mut params = vec![
            idle,
            absolute,
            user_id.into(),
            now.into(),
            current.into(),
            i64::from(others).into(),
        ];
        if let Some(cursor) = after {
            params.push(cursor.last_used_at.into());
            params.push(cursor.session_id.as_str().into());
        }
        let rows: Vec<LiveSessionRow> = match (self, after) {
            (Store::Sqlite(_), _) => {
                let statement = if after.is_none() {
                    &*FIRST_PAGE_SQLITE
                } else {
                    &*LATER_PAGE_SQLITE
                };
                // json_group_array of no rows is "[]".
                let (json,): (String,) = self.reader().fetch_one(statement, &params).await?;
                let rows: Vec<JsonRow> = serde_json::from_str(&json)
                    .map_err(|e| DomainError::unexpected(format!("a page of sessions: {e}")))?;
                rows.into_iter().map(LiveSessionRow::from).collect()
            }
            (Store::Postgres(_), None) => {
                self.reader()
                    .fetch_all(&FIRST_PAGE_POSTGRES, &params)
                    .await?
            }
            (Store::Postgres(_), Some(_)) => {
                self.reader()
                    .fetch_all(&LATER_PAGE_POSTGRES, &params)
                    .await?
            }
        };
        let (mut mine, mut others): (Vec<_>, Vec<_>) =
            rows.into_iter().partition(|row| row.session_id == current);
        // UNION ALL promises no order; the page's order is the list's.
        others
            .sort_by(|a, b| (b.last_used_at, &b.session_id).cmp(&(a.last_used_at, &a.session_id)));
        Ok(LiveSessionPage {
            current: mine.pop(),
            others,
        })
    }

    /// How many sessions of `user_id` are live at `now` (an index-only range).
    pub async fn count_live_sessions_of_user(
        &self,
        user_id: &str,
        policy: &Policy,
        now: Timestamp,
    ) -> DomainResult<u64> {
        let [idle, absolute] = live_cutoffs(policy, now);
        let (count,): (i64,) = self
            .reader()
            .fetch_one(
                &COUNT_LIVE_SESSIONS_OF_USER,
                &[idle, absolute, user_id.into()],
            )
            .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// How many sessions are live at `now` (the metrics' gauge, read every 30 s; one index
    /// range on SQLite and PostgreSQL alike).
    pub async fn count_live_sessions(&self, policy: &Policy, now: Timestamp) -> DomainResult<i64> {
        let [idle, absolute] = live_cutoffs(policy, now);
        let (count,): (i64,) = self
            .reader()
            .fetch_one(&COUNT_LIVE_SESSIONS, &[idle, absolute])
            .await?;
        Ok(count)
    }
}

impl Tx {
    /// The live session `session_id` of `user_id` with its current token, read inside this
    /// transaction; `None` if it is not (or no longer) live.
    pub(crate) async fn live_session(
        &mut self,
        user_id: &str,
        session_id: &str,
        policy: &Policy,
        now: Timestamp,
    ) -> DomainResult<Option<LiveSessionRow>> {
        let [idle, absolute] = live_cutoffs(policy, now);
        Ok(self
            .fetch_optional(
                &LIVE_SESSION_OF_USER,
                &[
                    idle,
                    absolute,
                    user_id.into(),
                    now.into(),
                    session_id.into(),
                ],
            )
            .await?)
    }

    /// Makes room for one more session of `user_id` under `policy.max_sessions`: ends the
    /// least recently used live sessions beyond it (usually none, at most one), as
    /// `EndReason::SessionLimit`. The sessions it ended, for the caller to audit. Runs under
    /// the account's row lock (see `create_session`), so concurrent sign-ins count in turn.
    pub(crate) async fn make_room_for_session(
        &mut self,
        user_id: &str,
        policy: &Policy,
        now: Timestamp,
    ) -> DomainResult<Vec<RevokedTarget>> {
        let [idle, absolute] = live_cutoffs(policy, now);
        let (live,): (i64,) = self
            .fetch_one(
                &COUNT_LIVE_SESSIONS_OF_USER,
                &[idle, absolute, user_id.into()],
            )
            .await?;
        let over = live + 1 - i64::from(policy.max_sessions);
        if over <= 0 {
            return Ok(Vec::new());
        }
        let oldest: Vec<OldestRow> = self
            .fetch_all(
                &LEAST_RECENTLY_USED,
                &[idle, absolute, user_id.into(), over.into()],
            )
            .await?;
        let mut ended = Vec::with_capacity(oldest.len());
        for row in oldest {
            if self
                .end_session(&row.session_id, EndReason::SessionLimit, now)
                .await?
            {
                ended.push(RevokedTarget {
                    session_id: row.session_id,
                    jti_prefix: row.jti_prefix.unwrap_or_default(),
                    user_agent: row.user_agent.unwrap_or_default(),
                    ip: row.ip.unwrap_or_default(),
                });
            }
        }
        Ok(ended)
    }
}

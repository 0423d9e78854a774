//! The store's floors, on a real database: a connection left inside a transaction is never
//! handed out again, the schema itself refuses a second live token, and `check` reports
//! every kind of broken database it claims to (so the fault suites can lean on it).

mod common;

use common::{Harness, MAC_CHROME, TestDb, device};
use signedin::store::NewUser;
use signedin::{Store, StoreOptions, Timestamp};
use sqlx::{Connection, TransactionManager};

on_both_stores!(
    a_connection_left_inside_a_transaction_is_never_handed_out_again,
    the_schema_refuses_a_second_live_token_for_a_session,
    check_reports_every_kind_of_broken_database,
    old_and_damaged_audit_details_still_read,
);

fn user(n: u32) -> (NewUser, signedin::audit::AuditEvent) {
    let now = Timestamp::from_unix_seconds(common::START);
    let user = NewUser {
        id: format!("user-{n}"),
        email: format!("user{n}@example.com"),
        email_normalized: format!("user{n}@example.com"),
        password_hash: "not a real hash".to_owned(),
        created_at: now,
    };
    let event = signedin::audit::AuditEvent::account_created(
        &user.id,
        &device(MAC_CHROME, "203.0.113.10"),
        now,
    );
    (user, event)
}

/// What a request future dropped at the wrong `.await` used to leave behind: the pool's
/// only writer connection inside a transaction that no `Transaction` value owns. sqlx would
/// refuse every later `begin_with` on it, and SQLite's file stayed locked for every process.
async fn a_connection_left_inside_a_transaction_is_never_handed_out_again(db: &TestDb) {
    let options = StoreOptions {
        max_connections: 1,
        ..StoreOptions::default()
    };
    let store = Store::connect(&db.url, &options).await.unwrap();
    match &store {
        Store::Sqlite(sqlite) => {
            let mut conn = sqlite.writer().acquire().await.unwrap();
            sqlx::sqlite::SqliteTransactionManager::begin(
                &mut conn,
                Some("BEGIN IMMEDIATE".into()),
            )
            .await
            .unwrap();
            // Returned to the pool with the transaction open, as a dropped future leaves it.
            drop(conn);
        }
        Store::Postgres(postgres) => {
            let mut conn = postgres.pool().acquire().await.unwrap();
            sqlx::postgres::PgTransactionManager::begin(&mut conn, Some("BEGIN".into()))
                .await
                .unwrap();
            drop(conn);
        }
    }
    let (first, event) = user(1);
    store
        .create_user(&first, &event)
        .await
        .expect("the next write gets a clean connection");
    assert!(store.find_user("user-1").await.unwrap().is_some());
    if let Store::Sqlite(_) = &store {
        // And the file's write lock is free for another process's writer.
        let mut outside = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::query("PRAGMA busy_timeout = 1000")
            .execute(&mut outside)
            .await
            .unwrap();
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut outside)
            .await
            .expect("no transaction holds the write lock");
        sqlx::query("ROLLBACK").execute(&mut outside).await.unwrap();
    }
    store.close().await;
}

async fn the_schema_refuses_a_second_live_token_for_a_session(db: &TestDb) {
    let h = Harness::new(db).await;
    h.account("ada@example.com").await;
    let signed_in = h
        .sign_in("ada@example.com", &device(MAC_CHROME, "203.0.113.10"))
        .await;
    let second_live = sql(
        db,
        &format!(
            "INSERT INTO refresh_tokens (jti_hash, jti_prefix, session_id, user_id, user_agent, ip, \
               client_hints, created_at, last_used_at, expires_at, signed_in_at) \
             SELECT 'a-second-live-token', 'a-second', session_id, user_id, user_agent, ip, \
               client_hints, created_at, last_used_at, expires_at, signed_in_at \
             FROM refresh_tokens WHERE session_id = '{}'",
            signed_in.tokens.session_id
        ),
    )
    .await;
    let error = second_live.expect_err("a second live token is refused by the schema");
    assert!(
        error.to_lowercase().contains("unique"),
        "refused as a unique violation: {error}"
    );
    // A revoked one beside the live one is fine: that is what rotation leaves behind.
    sql(
        db,
        &format!(
            "INSERT INTO refresh_tokens (jti_hash, jti_prefix, session_id, user_id, user_agent, ip, \
               client_hints, created_at, last_used_at, expires_at, signed_in_at, revoked_at) \
             SELECT 'a-revoked-token', 'a-revoked', session_id, user_id, user_agent, ip, \
               client_hints, created_at, last_used_at, expires_at, signed_in_at, created_at \
             FROM refresh_tokens WHERE session_id = '{}'",
            signed_in.tokens.session_id
        ),
    )
    .await
    .expect("revoked tokens are not limited");
}

async fn check_reports_every_kind_of_broken_database(db: &TestDb) {
    let h = Harness::new(db).await;
    h.account("ada@example.com").await;
    let mac = device(MAC_CHROME, "203.0.113.10");
    let mut sessions = Vec::new();
    for _ in 0..5 {
        sessions.push(h.sign_in("ada@example.com", &mac).await.tokens.session_id);
    }
    let report = h.service.check().await.unwrap();
    assert!(
        report.is_consistent(),
        "a sound database passes: {report:?}"
    );

    // 1. Two live tokens in one session (possible only without the schema's index).
    sql(db, "DROP INDEX refresh_tokens_one_live_per_session")
        .await
        .unwrap();
    sql(
        db,
        &format!(
            "INSERT INTO refresh_tokens (jti_hash, jti_prefix, session_id, user_id, user_agent, ip, \
               client_hints, created_at, last_used_at, expires_at, signed_in_at) \
             SELECT 'forked', 'forked', session_id, user_id, user_agent, ip, client_hints, \
               created_at, last_used_at, expires_at, signed_in_at \
             FROM refresh_tokens WHERE session_id = '{}'",
            sessions[0]
        ),
    )
    .await
    .unwrap();
    // 2. A signed-out session whose token still works.
    sql(
        db,
        &format!(
            "UPDATE sessions SET revoked_at = signed_in_at, revoked_reason = 'signed_out' WHERE id = '{}'",
            sessions[1]
        ),
    )
    .await
    .unwrap();
    // 3. A live session whose tokens were all revoked: a sign-out written in half.
    sql(
        db,
        &format!(
            "UPDATE refresh_tokens SET revoked_at = created_at, revoked_reason = 'signed_out' \
             WHERE session_id = '{}'",
            sessions[2]
        ),
    )
    .await
    .unwrap();
    // 4. A token whose session is gone (possible only without the foreign key).
    let orphan = if db.url.starts_with("sqlite:") {
        "PRAGMA foreign_keys = OFF; \
         UPDATE refresh_tokens SET session_id = 'vanished' WHERE session_id = '{id}'"
    } else {
        "ALTER TABLE refresh_tokens DROP CONSTRAINT refresh_tokens_session_id_fkey; \
         UPDATE refresh_tokens SET session_id = 'vanished' WHERE session_id = '{id}'"
    };
    sql(db, &orphan.replace("{id}", &sessions[3]))
        .await
        .unwrap();

    let report = h.service.check().await.unwrap();
    assert!(!report.is_consistent(), "{report:?}");
    assert_eq!(
        report.sessions_with_several_live_tokens,
        vec![sessions[0].clone()]
    );
    assert_eq!(
        report.revoked_sessions_with_live_tokens,
        vec![sessions[1].clone()]
    );
    let mut tokenless = vec![sessions[2].clone(), sessions[3].clone()];
    tokenless.sort();
    assert_eq!(
        report.live_sessions_without_live_token, tokenless,
        "the half-revoked session, and the one whose token moved away"
    );
    assert_eq!(report.tokens_without_session, vec!["vanished".to_owned()]);
}

/// Runs `statements` on the test database over a connection of its own, outside the store.
async fn sql(db: &TestDb, statements: &str) -> Result<(), String> {
    if db.url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(&db.url)
            .await
            .map_err(|e| e.to_string())?;
        sqlx::raw_sql(statements)
            .execute(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
    } else {
        let mut conn = sqlx::PgConnection::connect(&db.url)
            .await
            .map_err(|e| e.to_string())?;
        sqlx::raw_sql(statements)
            .execute(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// A `reuse_detected` row from before its cause was recorded (`{}`) reads as it did, and a
/// row whose detail cannot be read at all shows as its kind alone: one bad row never takes
/// the whole security log down.
async fn old_and_damaged_audit_details_still_read(db: &TestDb) {
    let store = Store::connect(&db.url, &StoreOptions::default())
        .await
        .unwrap();
    let (new_user, event) = user(1);
    store.create_user(&new_user, &event).await.unwrap();
    let insert = "INSERT INTO audit_events (occurred_at, kind, actor, user_id, detail) \
                  VALUES ($1, $2, 'system', $3, $4)";
    let now = Timestamp::from_unix_seconds(common::START + 1);
    for (kind, detail) in [("reuse_detected", "{}"), ("sign_in", "not json")] {
        match &store {
            Store::Sqlite(sqlite) => {
                sqlx::query(insert)
                    .bind(now)
                    .bind(kind)
                    .bind(&new_user.id)
                    .bind(detail)
                    .execute(sqlite.writer())
                    .await
                    .unwrap();
            }
            Store::Postgres(postgres) => {
                sqlx::query(insert)
                    .bind(now)
                    .bind(kind)
                    .bind(&new_user.id)
                    .bind(detail)
                    .execute(postgres.pool())
                    .await
                    .unwrap();
            }
        }
    }
    let records = store
        .security_events(&new_user.id, i64::MAX, 10)
        .await
        .unwrap();
    let details: Vec<_> = records.iter().map(|r| r.event.detail.clone()).collect();
    assert_eq!(
        details,
        vec![
            signedin::audit::AuditDetail::bare(signedin::AuditKind::SignIn),
            signedin::audit::AuditDetail::ReuseDetected { cause: None },
            signedin::audit::AuditDetail::AccountCreated,
        ]
    );
    store.close().await;
}

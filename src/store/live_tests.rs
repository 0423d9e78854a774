//! Announcements leave a transaction only if it commits, on either store.

#[path = "../../tests/support/postgres.rs"]
mod postgres;

use std::time::Duration;

use tokio::sync::broadcast::Receiver;

use super::{Notice, Store, StoreOptions};
use crate::audit::{Actor, AuditEvent, BulkScope};
use crate::time::Timestamp;

fn event(user_id: &str) -> AuditEvent {
    let at = Timestamp::from_unix_seconds(1_700_000_000);
    AuditEvent::sessions_revoked(BulkScope::All, Actor::Admin, user_id, None, 0, None, at)
}

async fn commit(store: &Store, user_id: &str) {
    let mut tx = store.begin().await.unwrap();
    tx.append_audit(&event(user_id)).await.unwrap();
    tx.commit().await.unwrap();
}

async fn next_user(notices: &mut Receiver<Notice>, within: Duration) -> Option<String> {
    match tokio::time::timeout(within, notices.recv()).await {
        Ok(Ok(Notice::Audit { user_id, .. })) => Some(user_id),
        Ok(other) => panic!("unexpected notice: {other:?}"),
        Err(_) => None,
    }
}

async fn rolled_back_changes_announce_nothing(store: Store) {
    let mut notices = store.notices();
    let listener = store.spawn_listener();
    // PostgreSQL's listener connects in the background: wait until it hears a commit.
    let mut heard = false;
    for _ in 0..50 {
        commit(&store, "ready").await;
        if next_user(&mut notices, Duration::from_millis(200))
            .await
            .is_some()
        {
            heard = true;
            break;
        }
    }
    assert!(heard, "a committed change was never announced");
    while next_user(&mut notices, Duration::from_millis(200))
        .await
        .is_some()
    {}

    let mut rolled_back = store.begin().await.unwrap();
    rolled_back
        .append_audit(&event("rolled-back"))
        .await
        .unwrap();
    rolled_back.rollback().await.unwrap();
    let mut dropped = store.begin().await.unwrap();
    dropped.append_audit(&event("dropped")).await.unwrap();
    drop(dropped);
    commit(&store, "committed").await;

    let next = next_user(&mut notices, Duration::from_secs(2)).await;
    assert_eq!(next.as_deref(), Some("committed"));
    assert_eq!(
        next_user(&mut notices, Duration::from_millis(300)).await,
        None
    );
    if let Some(listener) = listener {
        listener.abort();
    }
}

#[tokio::test]
async fn on_sqlite_rolled_back_changes_announce_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("live.db").display());
    let store = Store::connect(&url, &StoreOptions::default())
        .await
        .unwrap();
    rolled_back_changes_announce_nothing(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_rolled_back_changes_announce_nothing() {
    let Some((url, admin, name)) = postgres::create_database("signedin_live").await else {
        return;
    };
    let store = Store::connect(&url, &StoreOptions::default())
        .await
        .unwrap();
    rolled_back_changes_announce_nothing(store.clone()).await;
    store.close().await;
    postgres::drop_database(&admin, &name).await;
}

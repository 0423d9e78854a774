//! Announcements and outbox messages leave a transaction only if it commits, on either store.

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

/// The outbox is written in the change's transaction: a rolled-back or dropped change leaves
/// no message behind, a committed one leaves its messages, and nothing is written while the
/// channels are off.
async fn rolled_back_changes_send_nothing(store: Store) {
    use crate::alerts::Routes;
    use crate::session::EndReason;

    let messages = |store: Store| async move {
        let rows: Vec<(String,)> = store
            .reader()
            .fetch_all("SELECT user_id FROM outbox ORDER BY user_id", &[])
            .await
            .unwrap();
        rows.into_iter().map(|(user,)| user).collect::<Vec<_>>()
    };
    let at = Timestamp::from_unix_seconds(1_700_000_000);
    // A session's end sends `session.revoked`; the sessions need not exist for the step.
    let end = |user: &'static str| {
        let store = store.clone();
        async move {
            let mut tx = store.begin().await.unwrap();
            let outgoing = crate::alerts::for_session_end(user, "0123", EndReason::SignedOut, at);
            tx.enqueue(vec![outgoing.unwrap()], at).await.unwrap();
            tx
        }
    };
    end("off").await.commit().await.unwrap();
    assert!(
        messages(store.clone()).await.is_empty(),
        "channels off: nothing written"
    );

    store.set_outbox_routes(Routes {
        emails: false,
        webhook_urls: vec!["http://127.0.0.1:9/a".into(), "http://127.0.0.1:9/b".into()],
    });
    end("rolled-back").await.rollback().await.unwrap();
    drop(end("dropped").await);
    end("committed").await.commit().await.unwrap();
    assert_eq!(
        messages(store.clone()).await,
        ["committed", "committed"],
        "one per URL"
    );
}

#[tokio::test]
async fn on_sqlite_rolled_back_changes_send_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("outbox.db").display());
    let store = Store::connect(&url, &StoreOptions::default())
        .await
        .unwrap();
    rolled_back_changes_send_nothing(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_rolled_back_changes_send_nothing() {
    let Some((url, admin, name)) = postgres::create_database("signedin_outbox").await else {
        return;
    };
    let store = Store::connect(&url, &StoreOptions::default())
        .await
        .unwrap();
    rolled_back_changes_send_nothing(store.clone()).await;
    store.close().await;
    postgres::drop_database(&admin, &name).await;
}

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

/// A claim holds its rows until its lease runs out; then another claim takes them and the
/// first can neither renew nor record an outcome. One account's emails are claimed by one
/// claim at a time.
async fn claims_hold_until_their_lease_and_no_longer(store: Store) {
    use super::ClaimOf;
    use crate::alerts::{AlertFacts, AlertKind, Outgoing, Routes};
    use std::time::Duration;

    store.set_outbox_routes(Routes {
        emails: true,
        webhook_urls: vec!["http://127.0.0.1:9/a".into()],
    });
    let t0 = Timestamp::from_unix_seconds(1_700_000_000);
    let email = |user: &str| Outgoing::Email {
        user_id: user.to_owned(),
        facts: AlertFacts {
            kind: AlertKind::PasswordChanged,
            at: t0,
            user_agent: None,
            ip: None,
            device: None,
            count: Some(0),
            link_id: None,
        },
        link_session: None,
    };
    let mut tx = store.begin().await.unwrap();
    tx.enqueue(vec![email("ada"), email("ada"), email("bob")], t0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let lease = |at: Timestamp| at.plus(Duration::from_secs(60));
    let users = |rows: &[super::OutboxRow]| {
        let mut users: Vec<String> = rows.iter().filter_map(|r| r.user_id.clone()).collect();
        users.sort();
        users
    };

    // A claim takes one account's emails; another claim meanwhile gets only other accounts'.
    let first = store
        .claim_outbox(ClaimOf::Emails, "a:1", t0, lease(t0), 1)
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    let second = store
        .claim_outbox(ClaimOf::Emails, "b:1", t0, lease(t0), 10)
        .await
        .unwrap();
    assert!(!second.is_empty());
    for user in users(&second) {
        assert!(
            !users(&first).contains(&user),
            "{user}'s emails are claimed twice"
        );
    }
    assert!(
        store
            .claim_outbox(ClaimOf::Emails, "c:1", t0, lease(t0), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let webhooks = ["http://127.0.0.1:9/a".to_owned()];
    assert!(
        store
            .claim_outbox(ClaimOf::Webhooks(&webhooks), "c:1", t0, lease(t0), 10)
            .await
            .unwrap()
            .is_empty(),
        "emails are not webhooks"
    );
    // A stopping node lets go of its claims: they can be taken at once.
    assert_eq!(
        store.outbox_release("b").await.unwrap(),
        second.len() as u64
    );
    let again = store
        .claim_outbox(ClaimOf::Emails, "b:2", t0, lease(t0), 10)
        .await
        .unwrap();
    assert_eq!(users(&again), users(&second));

    // The lease runs out: another claim takes the row, and the first has lost it.
    let row = &first[0];
    let later = t0.plus(Duration::from_secs(61));
    let taken = store
        .claim_outbox(ClaimOf::Emails, "d:1", later, lease(later), 10)
        .await
        .unwrap();
    assert!(
        taken.iter().any(|r| r.id == row.id),
        "retaken after the lease"
    );
    assert!(
        store
            .outbox_renew(&[&row.id], "a:1", later, lease(later))
            .await
            .unwrap()
            .is_empty()
    );
    store
        .outbox_delivered(&[&row.id], "a:1", None, later)
        .await
        .unwrap();
    let entries = store.outbox_entries(Some("delivered"), 10).await.unwrap();
    assert!(entries.is_empty(), "a lost claim records nothing");
    assert_eq!(
        store
            .outbox_renew(&[&row.id], "d:1", later, lease(later))
            .await
            .unwrap(),
        std::slice::from_ref(&row.id)
    );
    store
        .outbox_delivered(&[&row.id], "d:1", None, later)
        .await
        .unwrap();
    assert_eq!(
        store
            .outbox_entries(Some("delivered"), 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn on_sqlite_claims_hold_until_their_lease_and_no_longer() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("claims.db").display());
    let store = Store::connect(&url, &StoreOptions::default())
        .await
        .unwrap();
    claims_hold_until_their_lease_and_no_longer(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_claims_hold_until_their_lease_and_no_longer() {
    let Some((url, admin, name)) = postgres::create_database("signedin_claims").await else {
        return;
    };
    let store = Store::connect(&url, &StoreOptions::default())
        .await
        .unwrap();
    claims_hold_until_their_lease_and_no_longer(store.clone()).await;
    store.close().await;
    postgres::drop_database(&admin, &name).await;
}

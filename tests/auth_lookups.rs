//! The session lookup behind every authenticated request is read in batches: against a real
//! database, on SQLite and on PostgreSQL, every concurrent lookup gets its own session's row
//! (or none), and none started after a sign-out committed ever sees the session live.

mod common;

use std::time::Duration;

use common::{Harness, MAC_CHROME, TestDb, device};
use futures::future::join_all;

on_both_stores!(
    concurrent_lookups_each_get_their_own_session,
    no_lookup_after_a_sign_out_sees_the_session_live,
);

async fn concurrent_lookups_each_get_their_own_session(db: &TestDb) {
    let h = Harness::new(db).await;
    let mut sessions = Vec::new();
    for i in 0..12 {
        let email = format!("user{i}@example.com");
        let user = h.account(&email).await;
        let signed_in = h.sign_in(&email, &device(MAC_CHROME, "203.0.113.9")).await;
        sessions.push((user, signed_in.session.session_id));
    }
    // 600 lookups at once (many batches of many), of known sessions and of made-up ids.
    let lookups = (0..600).map(|i| {
        let store = h.store.clone();
        let (user, session) = sessions[i % sessions.len()].clone();
        tokio::spawn(async move {
            let id = if i % 7 == 0 {
                format!("nosuch{i}")
            } else {
                session
            };
            let row = store.session_auth(&id).await.unwrap();
            (i, user, row)
        })
    });
    for done in join_all(lookups).await {
        let (i, user, row) = done.unwrap();
        if i % 7 == 0 {
            assert!(row.is_none(), "lookup {i}: no such session");
        } else {
            let row = row.unwrap_or_else(|| panic!("lookup {i}: its session"));
            assert_eq!(row.user_id, user, "lookup {i}: its own session's owner");
            assert!(row.revoked_at.is_none());
        }
    }
}

async fn no_lookup_after_a_sign_out_sees_the_session_live(db: &TestDb) {
    let h = Harness::new(db).await;
    h.account("ada@example.com").await;
    for round in 0..5 {
        let mac = h
            .sign_in("ada@example.com", &device(MAC_CHROME, "203.0.113.9"))
            .await;
        let session = mac.session.session_id.clone();
        // Lookups of it keep coming throughout, so batches are in flight when it ends.
        let busy = tokio::spawn({
            let store = h.store.clone();
            let session = session.clone();
            async move {
                loop {
                    let _ = join_all((0..16).map(|_| store.session_auth(&session))).await;
                    tokio::task::yield_now().await;
                }
            }
        });
        tokio::time::sleep(Duration::from_millis(5)).await;
        let who = h
            .service
            .authenticate(mac.tokens.access_token.expose(), None)
            .await
            .unwrap();
        h.service
            .revoke_session(
                &who,
                &session_ref(&session),
                &device(MAC_CHROME, "203.0.113.9"),
            )
            .await
            .unwrap();
        // Everything asked from now on was asked after the sign-out committed.
        let after = join_all((0..64).map(|_| h.store.session_auth(&session))).await;
        busy.abort();
        for (i, row) in after.into_iter().enumerate() {
            let row = row.unwrap().expect("the session row");
            assert!(
                row.revoked_at.is_some(),
                "round {round}, lookup {i}: a lookup after the sign-out saw it live"
            );
        }
    }
}

fn session_ref(session_id: &str) -> String {
    format!("ses_{session_id}")
}

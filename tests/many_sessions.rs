//! Accounts with many sessions, against a real database on SQLite and on PostgreSQL: the list
//! comes a page at a time (the caller's own first, every other exactly once, most recently
//! used first), a device's label and place are stored when its token is minted, and a
//! sign-in beyond the cap on live sessions signs the least recently used one out, audited.

mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use common::{Harness, IPHONE_SAFARI, MAC_CHROME, TestDb, device};
use signedin::audit::{Actor, AuditDetail, AuditKind};
use signedin::{
    DomainError, Geo, IssuedTokens, ListCursor, PageSize, Policy, Principal, RateLimits,
    SessionInfo,
};

on_both_stores!(
    pages_list_every_session_once_the_callers_first_then_most_recent,
    a_page_of_one_holds_the_caller_and_points_at_the_rest,
    sessions_used_at_the_same_instant_are_each_listed_once,
    a_label_and_place_are_stored_when_minted_and_follow_each_rotation,
    a_listing_reads_the_stored_label_and_describes_older_rows_itself,
    a_sign_in_beyond_the_cap_signs_the_least_recently_used_out,
    concurrent_sign_ins_never_leave_more_than_the_cap,
);

const FIREFOX_LINUX: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

/// `n` sessions of one account, `apart` from each other, the last one the caller's.
async fn account_with_sessions(h: &Harness, n: usize, apart: Duration) -> (String, Principal) {
    let user = h.account("ada@example.com").await;
    let mut last = None;
    for i in 0..n {
        h.advance(apart);
        let ip = format!("198.51.100.{}", i % 250 + 1);
        last = Some(h.sign_in("ada@example.com", &device(MAC_CHROME, &ip)).await);
    }
    let who = principal(h, &last.unwrap().tokens).await;
    (user, who)
}

/// Whom `tokens`' access token authenticates.
async fn principal(h: &Harness, tokens: &IssuedTokens) -> Principal {
    h.service
        .authenticate(tokens.access_token.expose(), None)
        .await
        .unwrap()
}

/// Every page from the first, by `size`.
async fn walk(h: &Harness, who: &Principal, size: u32) -> Vec<Vec<SessionInfo>> {
    let size = PageSize::new(size).unwrap();
    let mut pages = Vec::new();
    let mut after: Option<ListCursor> = None;
    loop {
        let page = h
            .service
            .session_page(who, after.as_ref(), size)
            .await
            .unwrap();
        assert!(
            page.sessions.len() <= size.get() as usize,
            "a page holds at most its size"
        );
        pages.push(page.sessions);
        match page.next {
            // Clients get the cursor as text and hand it back: it must survive that.
            Some(next) => after = Some(ListCursor::parse(&next.encode()).unwrap()),
            None => break,
        }
        assert!(pages.len() < 100, "the pages never end");
    }
    pages
}

async fn pages_list_every_session_once_the_callers_first_then_most_recent(db: &TestDb) {
    let h = Harness::new(db).await;
    let (_, who) = account_with_sessions(&h, 23, Duration::from_secs(1)).await;
    // A session of someone else never shows up on Ada's pages.
    h.account("bob@example.com").await;
    h.sign_in("bob@example.com", &device(MAC_CHROME, "192.0.2.1"))
        .await;

    let everything = h.service.list_sessions(&who).await.unwrap();
    assert_eq!(everything.len(), 23);
    let pages = walk(&h, &who, 5).await;
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        [5, 5, 5, 5, 3],
        "full pages, then the rest"
    );
    let listed: Vec<&SessionInfo> = pages.iter().flatten().collect();
    assert!(listed[0].is_current && listed[0].session_id == who.session_id);
    assert_eq!(listed.iter().filter(|s| s.is_current).count(), 1);
    let ids: HashSet<&str> = listed.iter().map(|s| s.session_id.as_str()).collect();
    assert_eq!(ids.len(), 23, "every session exactly once");
    let others: Vec<_> = listed[1..].iter().map(|s| s.last_used_at).collect();
    assert!(
        others.windows(2).all(|w| w[0] > w[1]),
        "most recently used first, across page boundaries"
    );
    // The same as the whole list, in the same order.
    let whole: Vec<&str> = everything.iter().map(|s| s.session_id.as_str()).collect();
    let paged: Vec<&str> = listed.iter().map(|s| s.session_id.as_str()).collect();
    assert_eq!(paged, whole);
    // The default page.
    let first = h
        .service
        .session_page(&who, None, PageSize::DEFAULT)
        .await
        .unwrap();
    assert_eq!(first.sessions.len(), 23);
    assert!(first.next.is_none(), "no next page when all fit");

    // Sizes and cursors are checked, with the field named.
    for bad in [0, PageSize::MAX + 1] {
        assert!(matches!(
            PageSize::new(bad),
            Err(DomainError::Invalid { field: "limit", .. })
        ));
    }
    for bad in [
        "",
        "abc",
        "12",
        "-5.abc",
        "12.",
        "12.a b",
        "99999999999999999999.abc",
    ] {
        assert!(
            matches!(
                ListCursor::parse(bad),
                Err(DomainError::Invalid {
                    field: "cursor",
                    ..
                })
            ),
            "{bad:?} refused"
        );
    }
}

async fn a_page_of_one_holds_the_caller_and_points_at_the_rest(db: &TestDb) {
    let h = Harness::new(db).await;
    let (_, who) = account_with_sessions(&h, 4, Duration::from_secs(1)).await;
    let pages = walk(&h, &who, 1).await;
    assert_eq!(pages.len(), 4);
    assert!(pages[0][0].is_current);
    let ids: HashSet<&str> = pages
        .iter()
        .flatten()
        .map(|s| s.session_id.as_str())
        .collect();
    assert_eq!(ids.len(), 4);
}

async fn sessions_used_at_the_same_instant_are_each_listed_once(db: &TestDb) {
    let h = Harness::new(db).await;
    // The clock stands still: every session has the same `last_used_at`, so only the id
    // orders them, within a page and across the cursor.
    let (_, who) = account_with_sessions(&h, 9, Duration::ZERO).await;
    for size in [1, 2, 4] {
        let pages = walk(&h, &who, size).await;
        let listed: Vec<&str> = pages
            .iter()
            .flatten()
            .map(|s| s.session_id.as_str())
            .collect();
        let unique: HashSet<&str> = listed.iter().copied().collect();
        assert_eq!(listed.len(), 9, "size {size}: nine rows");
        assert_eq!(unique.len(), 9, "size {size}: each once");
        let others: Vec<&str> = listed[1..].to_vec();
        let mut by_id = others.clone();
        by_id.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(
            others, by_id,
            "size {size}: ties broken by id, the same on every page"
        );
    }
}

/// The stored description of the session's live token: (device JSON, location JSON).
async fn stored_description(h: &Harness, session_id: &str) -> (Option<String>, Option<String>) {
    let sql = "SELECT device, location FROM refresh_tokens \
               WHERE session_id = $1 AND revoked_at IS NULL";
    match &h.store {
        signedin::Store::Sqlite(s) => sqlx::query_as(sql)
            .bind(session_id)
            .fetch_one(s.writer())
            .await
            .unwrap(),
        signedin::Store::Postgres(p) => sqlx::query_as(sql)
            .bind(session_id)
            .fetch_one(p.pool())
            .await
            .unwrap(),
    }
}

async fn execute(h: &Harness, sql: &str, session_id: &str) {
    match &h.store {
        signedin::Store::Sqlite(s) => {
            sqlx::query(sql)
                .bind(session_id)
                .execute(s.writer())
                .await
                .unwrap();
        }
        signedin::Store::Postgres(p) => {
            sqlx::query(sql)
                .bind(session_id)
                .execute(p.pool())
                .await
                .unwrap();
        }
    }
}

async fn a_label_and_place_are_stored_when_minted_and_follow_each_rotation(db: &TestDb) {
    let h = Harness::new(db).await;
    h.account("ada@example.com").await;
    let signed_in = h
        .sign_in("ada@example.com", &device(MAC_CHROME, "192.168.1.20"))
        .await;
    let session_id = signed_in.session.session_id.clone();
    let (label, location) = stored_description(&h, &session_id).await;
    let label: serde_json::Value =
        serde_json::from_str(&label.expect("stored at sign-in")).unwrap();
    assert_eq!(label["label"], "Chrome on macOS");
    assert_eq!(location.as_deref(), Some(r#""local_network""#));

    // The next rotation comes from another device and address: both columns follow it.
    let rotated = h
        .service
        .refresh(
            signed_in.tokens.refresh_token.expose(),
            &device(IPHONE_SAFARI, "8.8.8.8"),
        )
        .await
        .unwrap();
    let (label, location) = stored_description(&h, &session_id).await;
    let label: serde_json::Value = serde_json::from_str(&label.unwrap()).unwrap();
    assert_eq!(label["label"], "Safari on iPhone");
    assert_eq!(
        location, None,
        "no place known for that address without a database"
    );
    let who = principal(&h, &rotated).await;
    let listed = &h.service.list_sessions(&who).await.unwrap()[0];
    assert_eq!(listed.device.label, "Safari on iPhone");
    assert_eq!(listed.location, None);
    assert_eq!(
        listed.user_agent, IPHONE_SAFARI,
        "the raw user agent is kept"
    );
}

async fn a_listing_reads_the_stored_label_and_describes_older_rows_itself(db: &TestDb) {
    let h = Harness::new(db).await;
    h.account("ada@example.com").await;
    let mac = h
        .sign_in("ada@example.com", &device(MAC_CHROME, "192.168.1.20"))
        .await;
    h.advance(Duration::from_secs(1));
    let linux = h
        .sign_in("ada@example.com", &device(FIREFOX_LINUX, "10.0.0.3"))
        .await;
    let who = principal(&h, &mac.tokens).await;
    // What is stored is what is shown: nothing is parsed again on listing.
    execute(
        &h,
        r#"UPDATE refresh_tokens SET device = '{"label":"Stored label","browser":null,"os":null,"kind":"desktop","model":null}' WHERE session_id = $1"#,
        &mac.session.session_id,
    )
    .await;
    // A row from before the columns (NULL) is described from its raw facts.
    execute(
        &h,
        "UPDATE refresh_tokens SET device = NULL, location = NULL WHERE session_id = $1",
        &linux.session.session_id,
    )
    .await;
    let listed = h.service.list_sessions(&who).await.unwrap();
    let by_id = |id: &str| listed.iter().find(|s| s.session_id == id).unwrap();
    assert_eq!(by_id(&mac.session.session_id).device.label, "Stored label");
    let older = by_id(&linux.session.session_id);
    assert_eq!(older.device.label, "Firefox on Linux");
    assert_eq!(older.location, Some(signedin::Location::LocalNetwork));
}

fn capped(max_sessions: u32) -> Policy {
    Policy {
        max_sessions,
        ..Policy::default()
    }
}

async fn a_sign_in_beyond_the_cap_signs_the_least_recently_used_out(db: &TestDb) {
    let h = Harness::with(db, capped(3), RateLimits::off(), Arc::new(Geo::empty())).await;
    let user = h.account("ada@example.com").await;
    let mut sessions = Vec::new();
    for (agent, ip) in [
        (MAC_CHROME, "203.0.113.1"),
        (FIREFOX_LINUX, "203.0.113.2"),
        (IPHONE_SAFARI, "203.0.113.3"),
    ] {
        h.advance(Duration::from_secs(60));
        sessions.push(h.sign_in("ada@example.com", &device(agent, ip)).await);
    }
    // The Mac is used again, so the Linux machine is now the least recently used.
    h.advance(Duration::from_secs(60));
    let mac = h
        .service
        .refresh(
            sessions[0].tokens.refresh_token.expose(),
            &device(MAC_CHROME, "203.0.113.1"),
        )
        .await
        .unwrap();
    h.advance(Duration::from_secs(60));
    let fourth = h
        .sign_in("ada@example.com", &device(MAC_CHROME, "203.0.113.4"))
        .await;

    let who = principal(&h, &mac).await;
    let live: HashSet<String> = h
        .service
        .list_sessions(&who)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.session_id)
        .collect();
    let linux = &sessions[1].session.session_id;
    assert_eq!(live.len(), 3, "at the cap");
    assert!(!live.contains(linux), "the least recently used went");
    assert!(live.contains(&fourth.session.session_id));
    assert!(live.contains(&sessions[0].session.session_id));
    assert!(live.contains(&sessions[2].session.session_id));
    // Its tokens went with it.
    let refused = h
        .service
        .refresh(
            sessions[1].tokens.refresh_token.expose(),
            &device(FIREFOX_LINUX, "203.0.113.2"),
        )
        .await;
    assert!(refused.is_err(), "the signed-out session cannot refresh");

    // Audited as such, by the system, naming the device; shown in the activity list.
    let (events, _) = h.service.security_events(&who, 50, None).await.unwrap();
    let evicted: Vec<_> = events
        .iter()
        .filter(|e| e.kind == AuditKind::SessionEvicted)
        .collect();
    assert_eq!(evicted.len(), 1);
    assert_eq!(evicted[0].actor, Actor::System);
    assert_eq!(
        evicted[0].summary(),
        "Firefox on Linux was signed out: it was the least recently used, and at most 3 sessions can be signed in at once"
    );
    let raw = h.store.security_events(&user, i64::MAX, 50).await.unwrap();
    let record = raw
        .iter()
        .find(|r| r.event.kind() == AuditKind::SessionEvicted)
        .unwrap();
    assert_eq!(
        record.event.target_session_id.as_deref(),
        Some(linux.as_str())
    );
    assert_eq!(
        record.event.detail,
        AuditDetail::SessionEvicted {
            target_user_agent: FIREFOX_LINUX.into(),
            target_ip: "203.0.113.2".into(),
            limit: 3,
        }
    );
}

async fn concurrent_sign_ins_never_leave_more_than_the_cap(db: &TestDb) {
    let h = Harness::with(db, capped(3), RateLimits::off(), Arc::new(Geo::empty())).await;
    let user = h.account("ada@example.com").await;
    h.sign_in("ada@example.com", &device(MAC_CHROME, "203.0.113.1"))
        .await;
    let sign_ins = (0..8).map(|i| {
        let service = h.service.clone();
        tokio::spawn(async move {
            let ip = format!("203.0.113.{}", i + 10);
            service
                .sign_in(
                    "ada@example.com",
                    common::PASSWORD,
                    &device(MAC_CHROME, &ip),
                )
                .await
        })
    });
    for done in futures::future::join_all(sign_ins).await {
        done.unwrap().unwrap();
    }
    // Counted straight after, by account: nothing has trimmed the count since.
    let live = h
        .store
        .count_live_sessions_of_user(&user, &capped(3), h.service.now())
        .await
        .unwrap();
    assert_eq!(
        live, 3,
        "never more than the cap, whatever the interleaving"
    );
}

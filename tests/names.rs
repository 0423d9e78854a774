//! Names for devices against a real database, on SQLite and on PostgreSQL: a session is
//! named by its stable id, keeps its name through every rotation, is the caller's own and
//! live or not found at all, and every change is audited in its own transaction.

mod common;

use std::time::Duration;

use common::{Harness, IPHONE_SAFARI, MAC_CHROME, TestDb, device};
use signedin::audit::{Actor, AuditDetail, AuditEvent, AuditKind};
use signedin::{DomainError, Policy, Principal, SessionName, SignedIn};

on_both_stores!(
    a_named_session_keeps_its_name_through_every_rotation,
    a_name_is_removed_by_a_blank_one,
    another_users_session_cannot_be_renamed_or_signed_out_by_its_id,
    an_ended_session_cannot_be_renamed,
    a_rename_is_audited_with_its_typed_detail_in_its_own_transaction,
    a_session_is_signed_out_by_its_stable_id,
    a_malformed_id_is_refused_before_any_lookup,
);

/// Ada on her Mac (the caller) and on her phone.
async fn ada_on_two_devices(h: &Harness) -> (String, Principal, SignedIn) {
    let user = h.account("ada@example.com").await;
    let mac = h
        .sign_in("ada@example.com", &device(MAC_CHROME, "203.0.113.10"))
        .await;
    let phone = h
        .sign_in("ada@example.com", &device(IPHONE_SAFARI, "198.51.100.7"))
        .await;
    let who = principal(h, &mac).await;
    (user, who, phone)
}

async fn principal(h: &Harness, signed_in: &SignedIn) -> Principal {
    h.service
        .authenticate(signed_in.tokens.access_token.expose(), None)
        .await
        .expect("a live session")
}

fn name(text: &str) -> Option<SessionName> {
    SessionName::parse(text).expect("a valid name")
}

fn mac() -> signedin::DeviceContext {
    device(MAC_CHROME, "203.0.113.10")
}

/// The name the caller's list shows for the session `session_id`.
async fn listed_name(h: &Harness, who: &Principal, session_id: &str) -> Option<String> {
    let sessions = h.service.list_sessions(who).await.unwrap();
    let session = sessions
        .iter()
        .find(|s| s.session_id == session_id)
        .expect("listed");
    session.name.clone()
}

async fn a_named_session_keeps_its_name_through_every_rotation(db: &TestDb) {
    let h = Harness::new(db).await;
    let (_, who, phone) = ada_on_two_devices(&h).await;
    let id = phone.session.public_id();
    assert_eq!(id, format!("ses_{}", phone.tokens.session_id));

    let renamed = h
        .service
        .rename_session(&who, &id, name("  Ada’s phone "), &mac())
        .await
        .unwrap();
    assert_eq!(renamed.name.as_deref(), Some("Ada’s phone"), "trimmed");
    assert_eq!(renamed.public_id(), id);
    assert_eq!(renamed.device.label, "Safari on iPhone", "the label stays");
    assert!(!renamed.is_current);
    let session_id = phone.tokens.session_id.clone();
    assert_eq!(
        listed_name(&h, &who, &session_id).await.as_deref(),
        Some("Ada’s phone")
    );
    assert_eq!(
        listed_name(&h, &who, &who.session_id).await,
        None,
        "only that session is named"
    );

    // Rotations: the token (and its prefix) changes every time, the id and the name never.
    let phone_device = device(IPHONE_SAFARI, "198.51.100.7");
    let mut refresh_token = phone.tokens.refresh_token.expose().to_owned();
    for _ in 0..3 {
        h.advance(Duration::from_secs(60));
        let rotated = h
            .service
            .refresh(&refresh_token, &phone_device)
            .await
            .unwrap();
        refresh_token = rotated.refresh_token.expose().to_owned();
    }
    let sessions = h.service.list_sessions(&who).await.unwrap();
    let listed = sessions
        .iter()
        .find(|s| s.session_id == session_id)
        .unwrap();
    assert_ne!(listed.jti_prefix, phone.session.jti_prefix, "rotated");
    assert_eq!(listed.public_id(), id, "the id never rotates");
    assert_eq!(listed.name.as_deref(), Some("Ada’s phone"));

    // A prefix names it too, as it does for a sign-out.
    let by_prefix = h
        .service
        .rename_session(&who, &listed.jti_prefix, name("Phone"), &mac())
        .await
        .unwrap();
    assert_eq!(by_prefix.name.as_deref(), Some("Phone"));
    assert_eq!(
        listed_name(&h, &who, &session_id).await.as_deref(),
        Some("Phone")
    );
}

async fn a_name_is_removed_by_a_blank_one(db: &TestDb) {
    let h = Harness::new(db).await;
    let (_, who, phone) = ada_on_two_devices(&h).await;
    let id = phone.session.public_id();
    h.service
        .rename_session(&who, &id, name("Phone"), &mac())
        .await
        .unwrap();
    assert_eq!(SessionName::parse("   ").unwrap(), None);
    let cleared = h
        .service
        .rename_session(&who, &id, None, &mac())
        .await
        .unwrap();
    assert_eq!(cleared.name, None);
    assert_eq!(listed_name(&h, &who, &phone.tokens.session_id).await, None);
}

async fn another_users_session_cannot_be_renamed_or_signed_out_by_its_id(db: &TestDb) {
    let h = Harness::new(db).await;
    let (ada, ada_who, phone) = ada_on_two_devices(&h).await;
    h.service
        .rename_session(&ada_who, &phone.session.public_id(), name("Mine"), &mac())
        .await
        .unwrap();
    h.account("bob@example.com").await;
    let bob = h.sign_in("bob@example.com", &mac()).await;
    let bob_who = principal(&h, &bob).await;
    let events_before = events(&h, &ada).await.len();

    for target in [
        phone.session.public_id(),
        format!("ses_{}", ada_who.session_id),
    ] {
        let renamed = h
            .service
            .rename_session(&bob_who, &target, name("Bob’s now"), &mac())
            .await;
        assert!(
            matches!(renamed, Err(DomainError::SessionNotFound)),
            "{target}: {renamed:?}"
        );
        let revoked = h.service.revoke_session(&bob_who, &target, &mac()).await;
        assert!(
            matches!(revoked, Err(DomainError::SessionNotFound)),
            "{target}: {revoked:?}"
        );
    }
    assert_eq!(
        listed_name(&h, &ada_who, &phone.tokens.session_id)
            .await
            .as_deref(),
        Some("Mine"),
        "Ada's name is untouched"
    );
    assert_eq!(h.service.list_sessions(&ada_who).await.unwrap().len(), 2);
    assert_eq!(
        events(&h, &ada).await.len(),
        events_before,
        "nothing recorded on Ada's account"
    );
}

async fn an_ended_session_cannot_be_renamed(db: &TestDb) {
    let policy = Policy::default();
    let h = Harness::new(db).await;
    let user = h.account("ada@example.com").await;
    let mac_signed_in = h.sign_in("ada@example.com", &mac()).await;
    let phone = h
        .sign_in("ada@example.com", &device(IPHONE_SAFARI, "198.51.100.7"))
        .await;
    let tablet = h
        .sign_in("ada@example.com", &device(IPHONE_SAFARI, "198.51.100.8"))
        .await;
    let who = principal(&h, &mac_signed_in).await;

    // Signed out.
    h.service
        .revoke_session(&who, &phone.session.public_id(), &mac())
        .await
        .unwrap();
    let renamed = h
        .service
        .rename_session(&who, &phone.session.public_id(), name("Gone"), &mac())
        .await;
    assert!(
        matches!(renamed, Err(DomainError::SessionNotFound)),
        "{renamed:?}"
    );

    // Idle past its timeout, while the Mac kept refreshing.
    let half = policy.idle_timeout / 2 + Duration::from_secs(1);
    h.advance(half);
    let mac_tokens = h
        .service
        .refresh(mac_signed_in.tokens.refresh_token.expose(), &mac())
        .await
        .unwrap();
    h.advance(half);
    let mac_tokens = h
        .service
        .refresh(mac_tokens.refresh_token.expose(), &mac())
        .await
        .expect("the Mac is still signed in");
    let who = h
        .service
        .authenticate(mac_tokens.access_token.expose(), None)
        .await
        .unwrap();
    let renamed = h
        .service
        .rename_session(&who, &tablet.session.public_id(), name("Idle"), &mac())
        .await;
    assert!(
        matches!(renamed, Err(DomainError::SessionNotFound)),
        "{renamed:?}"
    );
    assert!(
        !events(&h, &user)
            .await
            .iter()
            .any(|e| e.kind() == AuditKind::SessionRenamed),
        "no rename recorded"
    );
}

async fn a_rename_is_audited_with_its_typed_detail_in_its_own_transaction(db: &TestDb) {
    let h = Harness::new(db).await;
    let (user, who, phone) = ada_on_two_devices(&h).await;
    let id = phone.session.public_id();

    // Without its audit event, the rename does not happen either.
    execute(&h, "ALTER TABLE audit_events RENAME TO audit_events_away").await;
    let failed = h
        .service
        .rename_session(&who, &id, name("Work phone"), &mac())
        .await;
    execute(&h, "ALTER TABLE audit_events_away RENAME TO audit_events").await;
    assert!(failed.is_err(), "renamed without its event: {failed:?}");
    assert_eq!(listed_name(&h, &who, &phone.tokens.session_id).await, None);

    h.service
        .rename_session(&who, &id, name("Work phone"), &mac())
        .await
        .unwrap();
    let event = newest(&h, &user).await;
    assert_eq!(event.kind(), AuditKind::SessionRenamed);
    assert_eq!(event.actor, Actor::User);
    assert_eq!(event.session_id.as_deref(), Some(who.session_id.as_str()));
    assert_eq!(
        event.target_session_id.as_deref(),
        Some(phone.tokens.session_id.as_str())
    );
    assert_eq!(
        event.target_prefix.as_deref(),
        Some(phone.session.jti_prefix.as_str())
    );
    assert_eq!(
        event.ip.as_deref(),
        Some("203.0.113.10"),
        "where it was done"
    );
    assert_eq!(
        event.detail,
        AuditDetail::SessionRenamed {
            target_user_agent: IPHONE_SAFARI.to_owned(),
            name: Some("Work phone".to_owned()),
            previous_name: None,
        }
    );

    // The same name again changes nothing, so records nothing.
    let count = events(&h, &user).await.len();
    h.service
        .rename_session(&who, &id, name("Work phone"), &mac())
        .await
        .unwrap();
    assert_eq!(events(&h, &user).await.len(), count);

    h.service
        .rename_session(&who, &id, None, &mac())
        .await
        .unwrap();
    assert_eq!(
        newest(&h, &user).await.detail,
        AuditDetail::SessionRenamed {
            target_user_agent: IPHONE_SAFARI.to_owned(),
            name: None,
            previous_name: Some("Work phone".to_owned()),
        }
    );

    let (activity, _) = h.service.security_events(&who, 2, None).await.unwrap();
    let summaries: Vec<String> = activity.iter().map(|e| e.summary()).collect();
    assert_eq!(
        summaries,
        [
            "You removed the name “Work phone” from Safari on iPhone",
            "You renamed Safari on iPhone to “Work phone”",
        ]
    );
    assert!(activity.iter().all(|e| e.by_this_session));
}

async fn a_session_is_signed_out_by_its_stable_id(db: &TestDb) {
    let h = Harness::new(db).await;
    let (user, who, phone) = ada_on_two_devices(&h).await;
    // A rotation later, the id on an old list still names the phone.
    h.service
        .refresh(
            phone.tokens.refresh_token.expose(),
            &device(IPHONE_SAFARI, "198.51.100.7"),
        )
        .await
        .unwrap();
    let target = h
        .service
        .revoke_session(&who, &phone.session.public_id(), &mac())
        .await
        .unwrap();
    assert_eq!(target.session_id, phone.tokens.session_id);
    let left = h.service.list_sessions(&who).await.unwrap();
    assert_eq!(left.len(), 1);
    assert!(left[0].is_current);
    let event = newest(&h, &user).await;
    assert_eq!(event.kind(), AuditKind::SessionRevoked);
    let again = h
        .service
        .revoke_session(&who, &phone.session.public_id(), &mac())
        .await;
    assert!(
        matches!(again, Err(DomainError::SessionNotFound)),
        "{again:?}"
    );
}

async fn a_malformed_id_is_refused_before_any_lookup(db: &TestDb) {
    let h = Harness::new(db).await;
    let (_, who, _) = ada_on_two_devices(&h).await;
    let too_long = format!("ses_{}", "a".repeat(10_000));
    for bad in ["ses_", "ses_nothex", "ses_' OR 1=1 --", too_long.as_str()] {
        let renamed = h.service.rename_session(&who, bad, name("x"), &mac()).await;
        assert!(
            matches!(renamed, Err(DomainError::Invalid { field: "id", .. })),
            "{bad}: {renamed:?}"
        );
        let revoked = h.service.revoke_session(&who, bad, &mac()).await;
        assert!(
            matches!(revoked, Err(DomainError::Invalid { field: "id", .. })),
            "{bad}: {revoked:?}"
        );
    }
}

// ---- helpers ----

async fn events(h: &Harness, user: &str) -> Vec<AuditEvent> {
    h.store
        .security_events(user, i64::MAX, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.event)
        .collect()
}

async fn newest(h: &Harness, user: &str) -> AuditEvent {
    events(h, user).await.first().expect("an event").clone()
}

async fn execute(h: &Harness, sql: &str) {
    match &h.store {
        signedin::Store::Sqlite(s) => {
            sqlx::query(sql).execute(s.writer()).await.unwrap();
        }
        signedin::Store::Postgres(p) => {
            sqlx::query(sql).execute(p.pool()).await.unwrap();
        }
    }
}

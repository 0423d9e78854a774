//! The session model, rule by rule, against a real database: every body runs on SQLite and
//! on PostgreSQL (when TEST_DATABASE_URL is set).

mod common;

use std::time::Duration;

use common::{Harness, IPHONE_SAFARI, MAC_CHROME, PASSWORD, SECRET, TestDb, device};
use signedin::audit::{Actor, AuditDetail, AuditKind};
use signedin::rotation::ReuseCause;
use signedin::store::NewSession;
use signedin::token::{AccessClaims, ServerKey, TokenHash, sign_access_token};
use signedin::{BulkScope, DomainError, Policy, RateLimits, TokenRejection};

on_both_stores!(
    sign_in_mints_a_session_stamped_with_the_device,
    emails_are_unique_whatever_their_case_and_spaces,
    an_unknown_email_and_a_wrong_password_get_the_same_answer_and_are_audited,
    refresh_rotates_the_token_within_the_same_session,
    a_twin_refresh_inside_the_grace_window_gets_the_same_successor,
    a_replay_after_the_grace_window_revokes_the_session_and_is_audited,
    a_grace_hand_out_is_audited_with_the_ip_and_user_agent,
    a_grace_hand_out_to_another_user_agent_revokes_the_session_as_reuse,
    a_twin_refused_because_its_chain_moved_on_is_audited,
    a_sign_in_whose_password_changed_while_it_was_checked_creates_no_session,
    concurrent_refreshes_with_one_token_leave_exactly_one_live_token,
    the_idle_timeout_ends_a_session_at_refresh_and_at_authentication,
    the_absolute_lifetime_holds_for_a_client_that_keeps_refreshing,
    a_revoked_session_is_refused_on_its_very_next_request,
    an_access_token_whose_user_and_session_disagree_is_refused,
    a_session_is_revoked_by_any_prefix_of_its_tokens_even_a_stale_one,
    another_users_session_is_not_found_by_any_prefix,
    an_ambiguous_prefix_is_refused_and_a_longer_one_resolves,
    signing_out_other_sessions_needs_a_recent_password,
    signing_out_all_sessions_ends_this_one_too,
    audit_events_are_written_in_the_same_transaction_as_the_change,
    changing_the_password_signs_out_other_sessions,
    the_pages_password_change_takes_its_entry_as_the_reauthentication,
    the_list_shows_this_session_first_then_the_most_recent,
    expired_sessions_are_never_listed,
    security_events_page_newest_first,
    prune_removes_only_rows_that_can_no_longer_matter,
    the_consistency_check_passes_on_a_busy_database,
    rate_limits_slow_one_address_without_locking_the_account_out,
    nothing_stored_holds_a_raw_token,
);

async fn sign_in_mints_a_session_stamped_with_the_device(db: &TestDb) {
    let h = Harness::new(db).await;
    h.account("ada@example.com").await;
    let long_agent = format!("{MAC_CHROME} {}", "x".repeat(600));
    let signed_in = h
        .sign_in(
            "ada@example.com",
            &device(&long_agent, "::ffff:198.51.100.7"),
        )
        .await;
    let session = &signed_in.session;
    assert_eq!(
        session.user_agent.chars().count(),
        500,
        "cut to 500 characters, never refused"
    );
    assert_eq!(
        session.ip, "198.51.100.7",
        "IPv4-mapped addresses are stored as IPv4"
    );
    assert_eq!(session.jti_prefix.len(), 12);
    assert_eq!(
        session.jti_prefix,
        &signed_in.tokens.refresh_token.hash().as_str()[..12]
    );
    assert_eq!(session.session_id.len(), 32, "128-bit session id");
    assert!(session.is_current);
    assert_eq!(session.device.label, "Chrome on macOS");
    assert_eq!(session.signed_in_at, h.service.now());
    let principal = h
        .service
        .authenticate(signed_in.tokens.access_token.expose(), None)
        .await
        .expect("the new access token works");
    assert_eq!(principal.session_id, signed_in.tokens.session_id);
}

async fn emails_are_unique_whatever_their_case_and_spaces(db: &TestDb) {
    let h = Harness::new(db).await;
    h.account("Ada@Example.com").await;
    let again = h
        .service
        .sign_up(
            "  ada@example.COM ",
            PASSWORD,
            &device(MAC_CHROME, "1.2.3.4"),
        )
        .await;
    assert!(matches!(again, Err(DomainError::EmailTaken)), "{again:?}");
    h.sign_in(" ADA@example.com", &device(MAC_CHROME, "1.2.3.4"))
        .await;
    let short = h
        .service
        .sign_up("bob@example.com", "1234567", &device(MAC_CHROME, "1.2.3.4"))
        .await;
    assert!(
        matches!(
            short,
            Err(DomainError::Invalid {
                field: "password",
                ..
            })
        ),
        "{short:?}"
    );
}

async fn an_unknown_email_and_a_wrong_password_get_the_same_answer_and_are_audited(db: &TestDb) {
    let h = Harness::new(db).await;
    let user = h.account("ada@example.com").await;
    let mac = device(MAC_CHROME, "1.2.3.4");
    let unknown = h
        .service
        .sign_in("nobody@example.com", PASSWORD, &mac)
        .await
        .unwrap_err();
    let wrong = h
        .service
        .sign_in("ada@example.com", "wrong password", &mac)
        .await
        .unwrap_err();
    assert_eq!(unknown.to_string(), wrong.to_string());
    assert!(matches!(wrong, DomainError::InvalidCredentials));
    let (events, _) = events_of(&h, &user).await;
    assert!(
        events
            .iter()
            .any(|e| e.kind() == AuditKind::SignInFailed && e.ip.as_deref() == Some("1.2.3.4"))
    );
}

async fn refresh_rotates_the_token_within_the_same_session(db: &TestDb) {
    let h = Harness::new(db).await;
    h.account("ada@example.com").await;
    let signed_in = h
        .sign_in("ada@example.com", &device(MAC_CHROME, "1.2.3.4"))
        .await;
    h.advance(Duration::from_secs(60));
    let phone = device(IPHONE_SAFARI, "2001:db8::7");
    let rotated = h
        .service
        .refresh(signed_in.tokens.refresh_token.expose(), &phone)
        .await
        .expect("refresh");
    assert_ne!(rotated.refresh_token, signed_in.tokens.refresh_token);
    assert_eq!(
        rotated.session_id, signed_in.tokens.session_id,
        "the session id survives rotation"
    );
    let who = h
        .service
        .authenticate(rotated.access_token.expose(), None)
        .await
        .unwrap();
    let sessions = h.service.list_sessions(&who).await.unwrap();
    assert_eq!(sessions.len(), 1);
    let session = &sessions[0];
    assert_eq!(
        session.jti_prefix,
        &rotated.refresh_token.hash().as_str()[..12]
    );
    assert_eq!(
        session.user_agent, IPHONE_SAFARI,
        "stamped with the refreshing request's device"
    );
    assert_eq!(session.ip, "2001:db8::7");
    assert_eq!(session.last_used_at, h.service.now());
    assert_eq!(session.signed_in_at, signed_in.session.signed_in_at);
    assert_live_tokens(&h, 1).await;
}

async fn a_twin_refresh_inside_the_grace_window_gets_the_same_successor(db: &TestDb) {
    let h = Harness::new(db).await;
    h.account("ada@example.com").await;
    let mac = device(MAC_CHROME, "1.2.3.4");
    let signed_in = h.sign_in("ada@example.com", &mac).await;
    let token = signed_in.tokens.refresh_token.expose();
    let first = h.service.refresh(token, &mac).await.unwrap();
    h.advance(Duration::from_secs(9));
    let second = h.service.refresh(token, &mac).await.unwrap();
    assert_eq!(first.refresh_token, second.refresh_token);
    assert_live_tokens(&h, 1).await;
    // The shared successor is a working token.
    h.service
        .refresh(second.refresh_token.expose(), &mac)
        .await
        .unwrap();
    assert_live_tokens(&h, 1).await;
}

async fn a_replay_after_the_grace_window_revokes_the_session_and_is_audited(db: &TestDb) {
    let h = Harness::new(db).await;
    let user = h.account("ada@example.com").await;
    let mac = device(MAC_CHROME, "1.2.3.4");
    let signed_in = h.sign_in("ada@example.com", &mac).await;
    let stolen = signed_in.tokens.refresh_token.expose().to_owned();
    let legit = h.service.refresh(&stolen, &mac).await.unwrap();
    h.advance(Duration::from_secs(10));
    let replay = h
        .service
        .refresh(&stolen, &device(MAC_CHROME, "6.6.6.6"))
        .await;
    assert!(
        matches!(
            replay,
            Err(DomainError::RefreshRejected(TokenRejection::Reused))
        ),
        "{replay:?}"
    );
    let next = h.service.refresh(legit.refresh_token.expose(), &mac).await;
    assert!(
        matches!(
            next,
            Err(DomainError::RefreshRejected(TokenRejection::Revoked))
        ),
        "{next:?}"
    );
    let access = h
        .service
        .authenticate(legit.access_token.expose(), None)
        .await;
    assert!(matches!(access, Err(DomainError::AccessRejected(_))));
    assert_live_tokens(&h, 0).await;
    let events = raw_events(&h, &user).await;
    let reuse = events
        .iter()
        .find(|e| e.kind() == AuditKind::ReuseDetected)
        .expect("reuse audited");
    assert_eq!(reuse.ip.as_deref(), Some("6.6.6.6"));
    assert_eq!(
        reuse.target_session_id.as_deref(),
        Some(signed_in.tokens.session_id.as_str())
    );
}

async fn a_grace_hand_out_is_audited_with_the_ip_and_user_agent(db: &TestDb) {
    let h = Harness::new(db).await;
    let user = h.account("ada@example.com").await;
    let signed_in = h
        .sign_in("ada@example.com", &device(MAC_CHROME, "1.2.3.4"))
        .await;
    let token = signed_in.tokens.refresh_token.expose();
    let first = h
        .service
        .refresh(token, &device(MAC_CHROME, "1.2.3.4"))
        .await
        .unwrap();
    assert!(
        !raw_events(&h, &user)
            .await
            .iter()
            .any(|e| e.kind() == AuditKind::RefreshGrace),
        "an ordinary rotation is not a grace hand-out"
    );
    h.advance(Duration::from_secs(3));
    // The same browser, now on another network: still the same device.
    let twin = h
        .service
        .refresh(token, &device(MAC_CHROME, "198.51.100.9"))
        .await
        .expect("a twin from the same user agent shares the successor");
    assert_eq!(twin.refresh_token, first.refresh_token);
    let events = raw_events(&h, &user).await;
    let grace: Vec<_> = events
        .iter()
        .filter(|e| e.kind() == AuditKind::RefreshGrace)
        .collect();
    assert_eq!(grace.len(), 1, "{events:?}");
    let grace = grace[0];
    assert_eq!(grace.ip.as_deref(), Some("198.51.100.9"));
    assert_eq!(grace.user_agent.as_deref(), Some(MAC_CHROME));
    assert_eq!(
        grace.target_session_id.as_deref(),
        Some(signed_in.tokens.session_id.as_str())
    );
    assert_eq!(
        grace.target_prefix.as_deref(),
        Some(&signed_in.tokens.refresh_token.hash().as_str()[..12])
    );
    assert_eq!(grace.occurred_at, h.service.now());
    assert_live_tokens(&h, 1).await;
}

async fn a_grace_hand_out_to_another_user_agent_revokes_the_session_as_reuse(db: &TestDb) {
    let h = Harness::new(db).await;
    let user = h.account("ada@example.com").await;
    let mac = device(MAC_CHROME, "1.2.3.4");
    let signed_in = h.sign_in("ada@example.com", &mac).await;
    let copied = signed_in.tokens.refresh_token.expose().to_owned();
    let legit = h.service.refresh(&copied, &mac).await.unwrap();
    h.advance(Duration::from_secs(2));
    let thief = device(IPHONE_SAFARI, "6.6.6.6");
    let stolen = h.service.refresh(&copied, &thief).await;
    assert!(
        matches!(
            stolen,
            Err(DomainError::RefreshRejected(TokenRejection::Reused))
        ),
        "inside the window, but from another device: {stolen:?}"
    );
    let next = h.service.refresh(legit.refresh_token.expose(), &mac).await;
    assert!(
        matches!(
            next,
            Err(DomainError::RefreshRejected(TokenRejection::Revoked))
        ),
        "the whole session is gone: {next:?}"
    );
    let access = h
        .service
        .authenticate(legit.access_token.expose(), None)
        .await;
    assert!(matches!(access, Err(DomainError::AccessRejected(_))));
    assert_live_tokens(&h, 0).await;
    let events = raw_events(&h, &user).await;
    assert!(
        !events.iter().any(|e| e.kind() == AuditKind::RefreshGrace),
        "nothing was handed out"
    );
    let reuse = events
        .iter()
        .find(|e| e.kind() == AuditKind::ReuseDetected)
        .expect("reuse audited");
    assert_eq!(reuse.ip.as_deref(), Some("6.6.6.6"));
    assert_eq!(reuse.user_agent.as_deref(), Some(IPHONE_SAFARI));
    assert_eq!(
        reuse.target_session_id.as_deref(),
        Some(signed_in.tokens.session_id.as_str())
    );
    assert_eq!(
        reuse.detail,
        AuditDetail::ReuseDetected {
            cause: Some(ReuseCause::OtherDeviceInGrace)
        }
    );
}

async fn a_twin_refused_because_its_chain_moved_on_is_audited(db: &TestDb) {
    let h = Harness::new(db).await;
    let user = h.account("ada@example.com").await;
    let mac = device(MAC_CHROME, "1.2.3.4");
    let signed_in = h.sign_in("ada@example.com", &mac).await;
    let oldest = signed_in.tokens.refresh_token.expose().to_owned();
    let second = h.service.refresh(&oldest, &mac).await.unwrap();
    let third = h
        .service
        .refresh(second.refresh_token.expose(), &mac)
        .await
        .unwrap();
    h.advance(Duration::from_secs(2));
    let late = h
        .service
        .refresh(&oldest, &device(MAC_CHROME, "198.51.100.9"))
        .await;
    assert!(
        matches!(
            late,
            Err(DomainError::RefreshRejected(TokenRejection::Superseded))
        ),
        "{late:?}"
    );
    h.service
        .authenticate(third.access_token.expose(), None)
        .await
        .expect("a late twin is not evidence of theft: the session stays");
    assert_live_tokens(&h, 1).await;
    let events = raw_events(&h, &user).await;
    let refused = events
        .iter()
        .find(|e| e.kind() == AuditKind::RefreshSuperseded)
        .expect("the refusal is audited");
    assert_eq!(refused.ip.as_deref(), Some("198.51.100.9"));
    assert_eq!(refused.user_agent.as_deref(), Some(MAC_CHROME));
    assert_eq!(
        refused.target_session_id.as_deref(),
        Some(signed_in.tokens.session_id.as_str())
    );
    assert_eq!(
        refused.target_prefix.as_deref(),
        Some(&signed_in.tokens.refresh_token.hash().as_str()[..12])
    );
    assert!(!events.iter().any(|e| e.kind() == AuditKind::ReuseDetected));
}

async fn a_sign_in_whose_password_changed_while_it_was_checked_creates_no_session(db: &TestDb) {
    let h = Harness::new(db).await;
    let user = h.account("ada@example.com").await;
    let mac = device(MAC_CHROME, "1.2.3.4");
    let me = h.sign_in("ada@example.com", &mac).await;
    // A sign-in elsewhere read the account and checked the old password...
    let old_hash = password_hash(&h, &user).await;
    // ...while the owner changed it, signing out every other session.
    let who = h
        .service
        .authenticate(me.tokens.access_token.expose(), None)
        .await
        .unwrap();
    h.service
        .change_password(&who, PASSWORD, "new password!", true, &mac)
        .await
        .unwrap();
    let sessions_before = count(&h, "SELECT COUNT(*) FROM sessions").await;
    let events_before = raw_events(&h, &user).await.len();
    // The sign-in now writes its session.
    let phone = device(IPHONE_SAFARI, "6.6.6.6");
    let raced = NewSession {
        session_id: "r".repeat(32),
        user_id: user.clone(),
        token: TokenHash::from_stored("c".repeat(64)),
        device: phone.clone(),
        description: None,
        signed_in_at: h.service.now(),
        expires_at: h.service.now().plus(Duration::from_secs(3600)),
        new_location: false,
        verified_password_hash: old_hash,
    };
    let event = signedin::audit::AuditEvent::sign_in(
        &user,
        &raced.session_id,
        &phone,
        signedin::audit::SignInNovelty {
            place: None,
            new_location: false,
            label: "Unknown device",
            new_device: false,
        },
        h.service.now(),
    );
    let refused = h
        .store
        .create_session(&raced, &event, &signedin::Policy::default())
        .await;
    assert!(
        matches!(refused, Err(DomainError::InvalidCredentials)),
        "answered like a wrong password: {refused:?}"
    );
    assert_eq!(
        count(&h, "SELECT COUNT(*) FROM sessions").await,
        sessions_before,
        "no session made with the old password"
    );
    assert_eq!(
        raw_events(&h, &user).await.len(),
        events_before,
        "and no sign-in event for it"
    );
    assert_eq!(h.service.list_sessions(&who).await.unwrap().len(), 1);
    // The same write with the password as it now is goes through.
    let current = NewSession {
        verified_password_hash: password_hash(&h, &user).await,
        ..raced
    };
    h.store
        .create_session(&current, &event, &signedin::Policy::default())
        .await
        .unwrap();
    assert_eq!(h.service.list_sessions(&who).await.unwrap().len(), 2);
}

async fn concurrent_refreshes_with_one_token_leave_exactly_one_live_token(db: &TestDb) {
    let h = Harness::new(db).await;
    h.account("ada@example.com").await;
    let mac = device(MAC_CHROME, "1.2.3.4");
    let signed_in = h.sign_in("ada@example.com", &mac).await;
    let token = signed_in.tokens.refresh_token.expose().to_owned();
    let attempts = (0..32).map(|_| {
        let service = h.service.clone();
        let token = token.clone();
        let mac = mac.clone();
        tokio::spawn(async move { service.refresh(&token, &mac).await })
    });
    let results = futures::future::join_all(attempts).await;
    let successors: Vec<_> = results
        .into_iter()
        .map(|r| {
            r.expect("task")
                .expect("every twin inside the grace window succeeds")
        })
        .map(|tokens| tokens.refresh_token)
        .collect();
    assert_eq!(successors.len(), 32);
    assert!(
        successors.iter().all(|s| *s == successors[0]),
        "one successor for all"
    );
    assert_live_tokens(&h, 1).await;
    let report = h.service.check().await.unwrap();
    assert!(report.is_consistent(), "{report:?}");
}

async fn the_idle_timeout_ends_a_session_at_refresh_and_at_authentication(db: &TestDb) {
    let policy = Policy::default();
    let h = Harness::new(db).await;
    let user = h.account("ada@example.com").await;
    let mac = device(MAC_CHROME, "1.2.3.4");
    let a = h.sign_in("ada@example.com", &mac).await;
    let b = h.sign_in("ada@example.com", &mac).await;
    h.advance(policy.idle_timeout - Duration::from_secs(1));
    let kept = h
        .service
        .refresh(a.tokens.refresh_token.expose(), &mac)
        .await
        .expect("still inside the idle timeout");
    h.advance(Duration::from_secs(1));
    let late = h
        .service
        .refresh(b.tokens.refresh_token.expose(), &mac)
        .await;
    assert!(
        matches!(
            late,
            Err(DomainError::RefreshRejected(TokenRejection::Expired))
        ),
        "{late:?}"
    );
    // The kept session goes idle too, and is refused at its next authenticated request.
    h.advance(policy.idle_timeout);
    let access = signedin::token::sign_access_token(
        &ServerKey::from_secret(SECRET).unwrap(),
        &AccessClaims {
            sub: user.clone(),
            sid: kept.session_id.clone(),
            iat: h.service.now().unix_seconds(),
            exp: h.service.now().unix_seconds() + 60,
            iss: None,
        },
    )
    .unwrap();
    let refused = h.service.authenticate(access.expose(), None).await;
    assert!(
        matches!(refused, Err(DomainError::AccessRejected("session expired"))),
        "{refused:?}"
    );
    let expired = raw_events(&h, &user)
        .await
        .iter()
        .filter(|e| e.kind() == AuditKind::SessionExpired)
        .count();
    assert_eq!(expired, 2, "each expiry noticed on use is audited once");
}

async fn the_absolute_lifetime_holds_for_a_client_that_keeps_refreshing(db: &TestDb) {
    let policy = Policy::default();
    let h = Harness::new(db).await;
    h.account("ada@example.com").await;
    let mac = device(MAC_CHROME, "1.2.3.4");
    let mut tokens = h.sign_in("ada@example.com", &mac).await.tokens;
    let day = Duration::from_secs(86_400);
    let days = policy.max_age.as_secs() / 86_400;
    for _ in 1..days {
        h.advance(day);
        tokens = h
            .service
            .refresh(tokens.refresh_token.expose(), &mac)
            .await
            .expect("daily refresh");
    }
    h.advance(day);
    let over = h.service.refresh(tokens.refresh_token.expose(), &mac).await;
    assert!(
        matches!(
            over,
            Err(DomainError::RefreshRejected(TokenRejection::Expired))
        ),
        "{over:?}"
    );
}

async fn a_revoked_session_is_refused_on_its_very_next_request(db: &TestDb) {
    let h = Harness::new(db).await;
    h.account("ada@example.com").await;
    let mac = h
        .sign_in("ada@example.com", &device(MAC_CHROME, "1.2.3.4"))
        .await;
    let phone = h
        .sign_in("ada@example.com", &device(IPHONE_SAFARI, "1.2.3.5"))
        .await;
    let me = h
        .service
        .authenticate(mac.tokens.access_token.expose(), None)
        .await
        .unwrap();
    h.service
        .revoke_session(
            &me,
            &phone.session.jti_prefix,
            &device(MAC_CHROME, "1.2.3.4"),
        )
        .await
        .unwrap();
    let refused = h
        .service
        .authenticate(phone.tokens.access_token.expose(), None)
        .await;
    assert!(
        matches!(
            refused,
            Err(DomainError::AccessRejected("session signed out"))
        ),
        "{refused:?}"
    );
    let refresh = h
        .service
        .refresh(
            phone.tokens.refresh_token.expose(),
            &device(IPHONE_SAFARI, "1.2.3.5"),
        )
        .await;
    assert!(matches!(
        refresh,
        Err(DomainError::RefreshRejected(TokenRejection::Revoked))
    ));
}

async fn an_access_token_whose_user_and_session_disagree_is_refused(db: &TestDb) {
    let h = Harness::new(db).await;
    let ada = h.account("ada@example.com").await;
    h.account("bob@example.com").await;
    let bobs = h
        .sign_in("bob@example.com", &device(MAC_CHROME, "1.2.3.4"))
        .await;
    let now = h.service.now().unix_seconds();
    let forged = sign_access_token(
        &ServerKey::from_secret(SECRET).unwrap(),
        &AccessClaims {
            sub: ada,
            sid: bobs.tokens.session_id.clone(),
            iat: now,
            exp: now + 60,
            iss: None,
        },
    )
    .unwrap();
    let refused = h.service.authenticate(forged.expose(), None).await;
    assert!(
        matches!(refused, Err(DomainError::AccessRejected(_))),
        "{refused:?}"
    );
}

async fn a_session_is_revoked_by_any_prefix_of_its_tokens_even_a_stale_one(db: &TestDb) {
    let h = Harness::new(db).await;
    h.account("ada@example.com").await;
    let mac = device(MAC_CHROME, "1.2.3.4");
    let me = h.sign_in("ada@example.com", &mac).await;
    let phone = h
        .sign_in("ada@example.com", &device(IPHONE_SAFARI, "1.2.3.5"))
        .await;
    let stale_prefix = phone.session.jti_prefix.clone();
    // The phone refreshes after the list was read: the prefix on screen is now stale.
    h.service
        .refresh(phone.tokens.refresh_token.expose(), &mac)
        .await
        .unwrap();
    let who = h
        .service
        .authenticate(me.tokens.access_token.expose(), None)
        .await
        .unwrap();
    let target = h
        .service
        .revoke_session(&who, &stale_prefix[..6].to_uppercase(), &mac)
        .await
        .unwrap();
    assert_eq!(target.session_id, phone.tokens.session_id);
    assert_eq!(
        target.user_agent, MAC_CHROME,
        "the audit names the device as it was last seen"
    );
    let left = h.service.list_sessions(&who).await.unwrap();
    assert_eq!(left.len(), 1);
    assert!(left[0].is_current);
    let again = h.service.revoke_session(&who, &stale_prefix, &mac).await;
    assert!(matches!(again, Err(DomainError::SessionNotFound)));
    for bad in [
        "abc",
        "xyz!",
        "../..",
        "'; DROP TABLE sessions; --",
        &"a".repeat(65),
        "%",
        "_",
    ] {
        let refused = h.service.revoke_session(&who, bad, &mac).await;
        assert!(
            matches!(refused, Err(DomainError::Invalid { .. })),
            "{bad}: {refused:?}"
        );
    }
}

async fn another_users_session_is_not_found_by_any_prefix(db: &TestDb) {
    let h = Harness::new(db).await;
    h.account("ada@example.com").await;
    h.account("bob@example.com").await;
    let ada = h
        .sign_in("ada@example.com", &device(MAC_CHROME, "1.2.3.4"))
        .await;
    let bob = h
        .sign_in("bob@example.com", &device(MAC_CHROME, "1.2.3.4"))
        .await;
    let bob_who = h
        .service
        .authenticate(bob.tokens.access_token.expose(), None)
        .await
        .unwrap();
    let full = ada.tokens.refresh_token.hash().as_str().to_owned();
    for prefix in [&full[..], &full[..12], &full[..4]] {
        let result = h
            .service
            .revoke_session(&bob_who, prefix, &device(MAC_CHROME, "1.2.3.4"))
            .await;
        assert!(
            matches!(result, Err(DomainError::SessionNotFound)),
            "{prefix}: {result:?}"
        );
    }
    h.service
        .authenticate(ada.tokens.access_token.expose(), None)
        .await
        .expect("Ada is still signed in");
}

async fn an_ambiguous_prefix_is_refused_and_a_longer_one_resolves(db: &TestDb) {
    let h = Harness::new(db).await;
    let user = h.account("ada@example.com").await;
    let me = h
        .sign_in("ada@example.com", &device(MAC_CHROME, "1.2.3.4"))
        .await;
    let password_hash = password_hash(&h, &user).await;
    // Two sessions whose token hashes share their first four hex characters.
    for (id, hash) in [
        ("s1", format!("beef0{}", "1".repeat(59))),
        ("s2", format!("beef9{}", "2".repeat(59))),
    ] {
        let session = NewSession {
            session_id: format!("{id}{}", "0".repeat(30)),
            user_id: user.clone(),
            token: TokenHash::from_stored(hash),
            device: device(IPHONE_SAFARI, "1.2.3.5"),
            description: None,
            signed_in_at: h.service.now(),
            expires_at: h.service.now().plus(Duration::from_secs(3600)),
            new_location: false,
            verified_password_hash: password_hash.clone(),
        };
        let event = signedin::audit::AuditEvent::sign_in(
            &user,
            &session.session_id,
            &session.device,
            signedin::audit::SignInNovelty {
                place: None,
                new_location: false,
                label: "Unknown device",
                new_device: false,
            },
            h.service.now(),
        );
        h.store
            .create_session(&session, &event, &signedin::Policy::default())
            .await
            .unwrap();
    }
    let who = h
        .service
        .authenticate(me.tokens.access_token.expose(), None)
        .await
        .unwrap();
    let mac = device(MAC_CHROME, "1.2.3.4");
    let ambiguous = h.service.revoke_session(&who, "beef", &mac).await;
    assert!(
        matches!(ambiguous, Err(DomainError::AmbiguousPrefix)),
        "{ambiguous:?}"
    );
    let target = h.service.revoke_session(&who, "beef9", &mac).await.unwrap();
    assert!(target.session_id.starts_with("s2"));
    assert_eq!(h.service.list_sessions(&who).await.unwrap().len(), 2);
}

async fn signing_out_other_sessions_needs_a_recent_password(db: &TestDb) {
    let h = Harness::new(db).await;
    let user = h.account("ada@example.com").await;
    let mac = device(MAC_CHROME, "1.2.3.4");
    let me = h.sign_in("ada@example.com", &mac).await;
    h.sign_in("ada@example.com", &device(IPHONE_SAFARI, "1.2.3.5"))
        .await;
    h.sign_in("ada@example.com", &device(IPHONE_SAFARI, "1.2.3.6"))
        .await;
    h.advance(Duration::from_secs(901));
    // Refreshing keeps the session going but is not a password check.
    let tokens = h
        .service
        .refresh(me.tokens.refresh_token.expose(), &mac)
        .await
        .unwrap();
    let who = h
        .service
        .authenticate(tokens.access_token.expose(), None)
        .await
        .unwrap();
    let refused = h
        .service
        .revoke_sessions(&who, BulkScope::Others, &mac)
        .await;
    assert!(
        matches!(refused, Err(DomainError::ReauthRequired)),
        "{refused:?}"
    );
    let wrong = h.service.reauthenticate(&who, "wrong password", &mac).await;
    assert!(matches!(wrong, Err(DomainError::WrongPassword)));
    h.service
        .reauthenticate(&who, PASSWORD, &mac)
        .await
        .unwrap();
    let who = h
        .service
        .authenticate(tokens.access_token.expose(), None)
        .await
        .unwrap();
    assert_eq!(
        h.service
            .revoke_sessions(&who, BulkScope::Others, &mac)
            .await
            .unwrap(),
        2
    );
    let left = h.service.list_sessions(&who).await.unwrap();
    assert_eq!(left.len(), 1);
    assert!(left[0].is_current);
    let events = raw_events(&h, &user).await;
    let bulk = events
        .iter()
        .find(|e| e.kind() == AuditKind::OtherSessionsRevoked)
        .unwrap();
    assert_eq!(bulk.detail, AuditDetail::OtherSessionsRevoked { count: 2 });
    assert!(
        events
            .iter()
            .any(|e| e.kind() == AuditKind::Reauthenticated)
    );
}

async fn signing_out_all_sessions_ends_this_one_too(db: &TestDb) {
    let h = Harness::new(db).await;
    h.account("ada@example.com").await;
    let mac = device(MAC_CHROME, "1.2.3.4");
    let me = h.sign_in("ada@example.com", &mac).await;
    h.sign_in("ada@example.com", &mac).await;
    let who = h
        .service
        .authenticate(me.tokens.access_token.expose(), None)
        .await
        .unwrap();
    assert_eq!(
        h.service
            .revoke_sessions(&who, BulkScope::All, &mac)
            .await
            .unwrap(),
        2
    );
    assert!(
        h.service
            .authenticate(me.tokens.access_token.expose(), None)
            .await
            .is_err()
    );
    assert_live_tokens(&h, 0).await;
}

/// Every change that records an event is tried once with the audit table gone: it must fail
/// and leave every user, session and token row as it was (the change and its event are one
/// transaction). It is then made for real, and its event read back with its details.
async fn audit_events_are_written_in_the_same_transaction_as_the_change(db: &TestDb) {
    let policy = Policy::default();
    let h = Harness::new(db).await;
    let mac = device(MAC_CHROME, "1.2.3.4");
    let phone = device(IPHONE_SAFARI, "1.2.3.5");
    let email = "ada@example.com";

    let before = break_audit(&h).await;
    let created = h.service.sign_up(email, PASSWORD, &mac).await;
    fails_whole(&h, &before, "creating an account", created).await;
    let user = h.account(email).await;
    newest_event(&h, &user, AuditKind::AccountCreated).await;

    let before = break_audit(&h).await;
    let signed_in = h.service.sign_in(email, PASSWORD, &mac).await;
    fails_whole(&h, &before, "a sign-in", signed_in).await;
    let me = h.sign_in(email, &mac).await;
    let event = newest_event(&h, &user, AuditKind::SignIn).await;
    assert_eq!(
        event.target_session_id.as_deref(),
        Some(me.tokens.session_id.as_str())
    );

    // Rotation records no event, so it goes on whatever happens to the audit table.
    break_audit(&h).await;
    let rotated = h
        .service
        .refresh(me.tokens.refresh_token.expose(), &mac)
        .await;
    restore_audit(&h).await;
    let me = rotated.expect("rotation writes no event, so it is unaffected");
    h.advance(Duration::from_secs(60));
    let who = authenticate(&h, &me).await;

    let before = break_audit(&h).await;
    let reauthenticated = h.service.reauthenticate(&who, PASSWORD, &mac).await;
    fails_whole(&h, &before, "a re-authentication", reauthenticated).await;
    h.service
        .reauthenticate(&who, PASSWORD, &mac)
        .await
        .unwrap();
    let event = newest_event(&h, &user, AuditKind::Reauthenticated).await;
    assert_eq!(event.session_id.as_deref(), Some(who.session_id.as_str()));

    // Signing out one device.
    let tablet = h.sign_in(email, &phone).await;
    let prefix = tablet.session.jti_prefix.clone();
    let before = break_audit(&h).await;
    let revoked = h.service.revoke_session(&who, &prefix, &mac).await;
    fails_whole(&h, &before, "signing out one device", revoked).await;
    h.service.revoke_session(&who, &prefix, &mac).await.unwrap();
    let event = newest_event(&h, &user, AuditKind::SessionRevoked).await;
    assert_eq!(event.actor, Actor::User);
    assert_eq!(event.session_id.as_deref(), Some(who.session_id.as_str()));
    assert_eq!(
        event.target_session_id.as_deref(),
        Some(tablet.tokens.session_id.as_str())
    );
    assert_eq!(event.target_prefix.as_deref(), Some(prefix.as_str()));
    assert!(
        matches!(
            &event.detail,
            AuditDetail::SessionRevoked { target_user_agent, .. } if target_user_agent == IPHONE_SAFARI
        ),
        "{event:?}"
    );

    // A rotated token replayed after the grace window: the whole session ends.
    let stolen = h.sign_in(email, &phone).await;
    let spent = stolen.tokens.refresh_token.expose().to_owned();
    h.service.refresh(&spent, &phone).await.unwrap();
    h.advance(policy.reuse_grace + Duration::from_secs(1));
    let before = break_audit(&h).await;
    let replayed = h.service.refresh(&spent, &phone).await;
    fails_whole(&h, &before, "ending a session for reuse", replayed).await;
    let replayed = h.service.refresh(&spent, &phone).await;
    assert!(
        matches!(
            replayed,
            Err(DomainError::RefreshRejected(TokenRejection::Reused))
        ),
        "{replayed:?}"
    );
    let event = newest_event(&h, &user, AuditKind::ReuseDetected).await;
    assert_eq!(
        event.target_session_id.as_deref(),
        Some(stolen.tokens.session_id.as_str())
    );
    assert_eq!(
        event.target_prefix.as_deref(),
        Some(stolen.tokens.refresh_token.hash().prefix())
    );
    assert_eq!(event.ip.as_deref(), Some("1.2.3.5"));

    // Signing out every other device.
    h.sign_in(email, &phone).await;
    h.sign_in(email, &phone).await;
    let before = break_audit(&h).await;
    let others = h
        .service
        .revoke_sessions(&who, BulkScope::Others, &mac)
        .await;
    fails_whole(&h, &before, "signing out the other devices", others).await;
    let ended = h
        .service
        .revoke_sessions(&who, BulkScope::Others, &mac)
        .await
        .unwrap();
    assert_eq!(ended, 2);
    let event = newest_event(&h, &user, AuditKind::OtherSessionsRevoked).await;
    assert_eq!(event.detail, AuditDetail::OtherSessionsRevoked { count: 2 });
    assert_eq!(event.session_id.as_deref(), Some(who.session_id.as_str()));

    // An administrator signing out one device.
    let laptop = h.sign_in(email, &phone).await;
    let prefix = laptop.session.jti_prefix.clone();
    let before = break_audit(&h).await;
    let revoked = h.service.admin_revoke_session(email, &prefix).await;
    fails_whole(&h, &before, "an admin signing out one device", revoked).await;
    h.service
        .admin_revoke_session(email, &prefix)
        .await
        .unwrap();
    let event = newest_event(&h, &user, AuditKind::SessionRevoked).await;
    assert_eq!(event.actor, Actor::Admin);
    assert_eq!(event.session_id, None);
    assert_eq!(
        event.target_session_id.as_deref(),
        Some(laptop.tokens.session_id.as_str())
    );

    // Changing the password signs the other devices out, in the same transaction.
    h.sign_in(email, &phone).await;
    h.sign_in(email, &phone).await;
    let before = break_audit(&h).await;
    let changed = h
        .service
        .change_password(&who, PASSWORD, "new password!", true, &mac)
        .await;
    fails_whole(&h, &before, "a password change", changed).await;
    let signed_out = h
        .service
        .change_password(&who, PASSWORD, "new password!", true, &mac)
        .await
        .unwrap();
    assert_eq!(signed_out, 2);
    let event = newest_event(&h, &user, AuditKind::PasswordChanged).await;
    assert_eq!(event.actor, Actor::User);
    assert_eq!(event.session_id.as_deref(), Some(who.session_id.as_str()));
    assert_eq!(
        (event.ip.as_deref(), event.user_agent.as_deref()),
        (Some("1.2.3.4"), Some(MAC_CHROME))
    );
    assert_eq!(
        event.detail,
        AuditDetail::PasswordChanged {
            other_sessions_signed_out: 2
        }
    );
    assert_eq!(h.service.list_sessions(&who).await.unwrap().len(), 1);

    // …or keeps them, when asked to.
    let kept = h
        .service
        .sign_in(email, "new password!", &phone)
        .await
        .unwrap();
    let signed_out = h
        .service
        .change_password(&who, "new password!", PASSWORD, false, &mac)
        .await
        .unwrap();
    assert_eq!(signed_out, 0);
    let event = newest_event(&h, &user, AuditKind::PasswordChanged).await;
    assert_eq!(
        event.detail,
        AuditDetail::PasswordChanged {
            other_sessions_signed_out: 0
        }
    );
    let left = h.service.list_sessions(&who).await.unwrap();
    assert!(
        left.iter().any(|s| s.session_id == kept.tokens.session_id),
        "the other device stays signed in"
    );

    // Signing out every device, this one included.
    h.sign_in(email, &phone).await;
    let before = break_audit(&h).await;
    let all = h.service.revoke_sessions(&who, BulkScope::All, &mac).await;
    fails_whole(&h, &before, "signing out every device", all).await;
    let ended = h
        .service
        .revoke_sessions(&who, BulkScope::All, &mac)
        .await
        .unwrap();
    assert_eq!(ended, 3, "this one, the one kept and the new one");
    let event = newest_event(&h, &user, AuditKind::AllSessionsRevoked).await;
    assert_eq!(event.actor, Actor::User);
    assert_eq!(event.session_id.as_deref(), Some(who.session_id.as_str()));
    assert_eq!(event.detail, AuditDetail::AllSessionsRevoked { count: 3 });
    assert_live_tokens(&h, 0).await;

    // An administrator signing out every device of the account.
    h.sign_in(email, &mac).await;
    h.sign_in(email, &phone).await;
    let before = break_audit(&h).await;
    let all = h.service.admin_revoke_all(email).await;
    fails_whole(&h, &before, "an admin signing out every device", all).await;
    assert_eq!(h.service.admin_revoke_all(email).await.unwrap(), 2);
    let event = newest_event(&h, &user, AuditKind::AllSessionsRevoked).await;
    assert_eq!(event.actor, Actor::Admin);
    assert_eq!(event.session_id, None);
    assert_eq!(event.detail, AuditDetail::AllSessionsRevoked { count: 2 });

    // Signing out this device.
    let last = h.sign_in(email, &mac).await;
    let who = authenticate(&h, &last.tokens).await;
    let before = break_audit(&h).await;
    let signed_out = h.service.sign_out(&who, &mac).await;
    fails_whole(&h, &before, "signing out this device", signed_out).await;
    h.service.sign_out(&who, &mac).await.unwrap();
    let event = newest_event(&h, &user, AuditKind::SignOut).await;
    assert_eq!(
        event.target_session_id.as_deref(),
        Some(last.tokens.session_id.as_str())
    );

    // Expiry, noticed at a refresh and at an authenticated request.
    let at_refresh = h.sign_in(email, &mac).await;
    let at_request = h.sign_in(email, &mac).await;
    h.advance(policy.idle_timeout + Duration::from_secs(1));
    let before = break_audit(&h).await;
    let refreshed = h
        .service
        .refresh(at_refresh.tokens.refresh_token.expose(), &mac)
        .await;
    fails_whole(&h, &before, "an expiry noticed at a refresh", refreshed).await;
    let refreshed = h
        .service
        .refresh(at_refresh.tokens.refresh_token.expose(), &mac)
        .await;
    assert!(
        matches!(
            refreshed,
            Err(DomainError::RefreshRejected(TokenRejection::Expired))
        ),
        "{refreshed:?}"
    );
    let event = newest_event(&h, &user, AuditKind::SessionExpired).await;
    assert_eq!(
        event.target_session_id.as_deref(),
        Some(at_refresh.tokens.session_id.as_str())
    );
    let access = sign_access_token(
        &ServerKey::from_secret(SECRET).unwrap(),
        &AccessClaims {
            sub: user.clone(),
            sid: at_request.tokens.session_id.clone(),
            iat: h.service.now().unix_seconds(),
            exp: h.service.now().unix_seconds() + 60,
            iss: None,
        },
    )
    .unwrap();
    let before = break_audit(&h).await;
    let authenticated = h.service.authenticate(access.expose(), Some(&mac)).await;
    fails_whole(&h, &before, "an expiry noticed at a request", authenticated).await;
    let refused = h.service.authenticate(access.expose(), Some(&mac)).await;
    assert!(
        matches!(refused, Err(DomainError::AccessRejected("session expired"))),
        "{refused:?}"
    );
    let event = newest_event(&h, &user, AuditKind::SessionExpired).await;
    assert_eq!(
        event.target_session_id.as_deref(),
        Some(at_request.tokens.session_id.as_str())
    );
    assert_live_tokens(&h, 0).await;
}

async fn changing_the_password_signs_out_other_sessions(db: &TestDb) {
    let h = Harness::new(db).await;
    h.account("ada@example.com").await;
    let mac = device(MAC_CHROME, "1.2.3.4");
    let me = h.sign_in("ada@example.com", &mac).await;
    let phone = h
        .sign_in("ada@example.com", &device(IPHONE_SAFARI, "1.2.3.5"))
        .await;
    let who = h
        .service
        .authenticate(me.tokens.access_token.expose(), None)
        .await
        .unwrap();
    let short = h
        .service
        .change_password(&who, PASSWORD, "short", true, &mac)
        .await;
    assert!(matches!(
        short,
        Err(DomainError::Invalid {
            field: "new_password",
            ..
        })
    ));
    let wrong = h
        .service
        .change_password(&who, "nope nope", "new password!", true, &mac)
        .await;
    assert!(matches!(wrong, Err(DomainError::WrongPassword)));
    assert_eq!(
        h.service
            .change_password(&who, PASSWORD, "new password!", true, &mac)
            .await
            .unwrap(),
        1
    );
    assert!(
        h.service
            .authenticate(phone.tokens.access_token.expose(), None)
            .await
            .is_err()
    );
    h.service
        .authenticate(me.tokens.access_token.expose(), None)
        .await
        .expect("this session stays");
    assert!(
        h.service
            .sign_in("ada@example.com", PASSWORD, &mac)
            .await
            .is_err()
    );
    h.service
        .sign_in("ada@example.com", "new password!", &mac)
        .await
        .expect("the new password works");
    // Fifteen minutes on, the password cannot be changed without confirming it first.
    h.advance(Duration::from_secs(901));
    let tokens = h
        .service
        .refresh(me.tokens.refresh_token.expose(), &mac)
        .await
        .unwrap();
    let later = h
        .service
        .authenticate(tokens.access_token.expose(), None)
        .await
        .unwrap();
    let stale = h
        .service
        .change_password(&later, "new password!", "newer password", true, &mac)
        .await;
    assert!(
        matches!(stale, Err(DomainError::ReauthRequired)),
        "{stale:?}"
    );
}

/// The page's form always asks for the current password: that entry re-authenticates, so an
/// old sign-in changes the password in one step, and a wrong entry changes nothing.
async fn the_pages_password_change_takes_its_entry_as_the_reauthentication(db: &TestDb) {
    let h = Harness::new(db).await;
    h.account("ada@example.com").await;
    let mac = device(MAC_CHROME, "1.2.3.4");
    let me = h.sign_in("ada@example.com", &mac).await;
    let phone = h
        .sign_in("ada@example.com", &device(IPHONE_SAFARI, "1.2.3.5"))
        .await;
    h.advance(Duration::from_secs(901));
    let tokens = h
        .service
        .refresh(me.tokens.refresh_token.expose(), &mac)
        .await
        .unwrap();
    let later = h
        .service
        .authenticate(tokens.access_token.expose(), None)
        .await
        .unwrap();
    // The sign-in is old: the API's change asks for a recent entry first.
    let stale = h
        .service
        .change_password(&later, PASSWORD, "newer password", false, &mac)
        .await;
    assert!(
        matches!(stale, Err(DomainError::ReauthRequired)),
        "{stale:?}"
    );
    let wrong = h
        .service
        .change_password_with_entry(&later, "nope nope", "newer password", true, &mac)
        .await;
    assert!(
        matches!(wrong, Err(DomainError::WrongPassword)),
        "{wrong:?}"
    );
    h.service
        .sign_in("ada@example.com", PASSWORD, &mac)
        .await
        .expect("a wrong entry changed nothing");
    assert_eq!(
        h.service
            .change_password_with_entry(&later, PASSWORD, "newer password", false, &mac)
            .await
            .unwrap(),
        0,
        "unticked: nobody else is signed out"
    );
    h.service
        .refresh(
            phone.tokens.refresh_token.expose(),
            &device(IPHONE_SAFARI, "1.2.3.5"),
        )
        .await
        .expect("the phone stays signed in");
    h.service
        .sign_in("ada@example.com", "newer password", &mac)
        .await
        .expect("the new password works");
}

async fn the_list_shows_this_session_first_then_the_most_recent(db: &TestDb) {
    let h = Harness::new(db).await;
    h.account("ada@example.com").await;
    let old = h
        .sign_in("ada@example.com", &device(MAC_CHROME, "1.2.3.4"))
        .await;
    h.advance(Duration::from_secs(60));
    let middle = h
        .sign_in("ada@example.com", &device(IPHONE_SAFARI, "1.2.3.5"))
        .await;
    h.advance(Duration::from_secs(60));
    let newest = h
        .sign_in("ada@example.com", &device(MAC_CHROME, "1.2.3.6"))
        .await;
    let who = h
        .service
        .authenticate(middle.tokens.access_token.expose(), None)
        .await
        .unwrap();
    let list = h.service.list_sessions(&who).await.unwrap();
    let order: Vec<_> = list.iter().map(|s| s.session_id.as_str()).collect();
    assert_eq!(
        order,
        [
            middle.tokens.session_id.as_str(),
            newest.tokens.session_id.as_str(),
            old.tokens.session_id.as_str()
        ]
    );
    assert_eq!(list.iter().filter(|s| s.is_current).count(), 1);
    assert_eq!(list[0].device.label, "Safari on iPhone");
}

async fn expired_sessions_are_never_listed(db: &TestDb) {
    let policy = Policy::default();
    let h = Harness::new(db).await;
    h.account("ada@example.com").await;
    let mac = device(MAC_CHROME, "1.2.3.4");
    h.sign_in("ada@example.com", &mac).await;
    h.advance(policy.idle_timeout - Duration::from_secs(60));
    let me = h.sign_in("ada@example.com", &mac).await;
    let who = h
        .service
        .authenticate(me.tokens.access_token.expose(), None)
        .await
        .unwrap();
    assert_eq!(h.service.list_sessions(&who).await.unwrap().len(), 2);
    h.advance(Duration::from_secs(60));
    assert_eq!(
        h.service.list_sessions(&who).await.unwrap().len(),
        1,
        "the idle one is gone"
    );
}

async fn security_events_page_newest_first(db: &TestDb) {
    let h = Harness::new(db).await;
    h.account("ada@example.com").await;
    let mac = device(MAC_CHROME, "1.2.3.4");
    let mut last = None;
    for _ in 0..5 {
        h.advance(Duration::from_secs(1));
        last = Some(h.sign_in("ada@example.com", &mac).await);
    }
    let who = h
        .service
        .authenticate(last.unwrap().tokens.access_token.expose(), None)
        .await
        .unwrap();
    let (first_page, next) = h.service.security_events(&who, 4, None).await.unwrap();
    assert_eq!(first_page.len(), 4);
    assert!(
        first_page.windows(2).all(|w| w[0].id > w[1].id),
        "newest first"
    );
    assert!(first_page[0].by_this_session);
    let (second_page, end) = h.service.security_events(&who, 4, next).await.unwrap();
    assert_eq!(second_page.len(), 2, "5 sign-ins + account creation");
    assert_eq!(second_page.last().unwrap().kind, AuditKind::AccountCreated);
    assert_eq!(end, None);
}

async fn prune_removes_only_rows_that_can_no_longer_matter(db: &TestDb) {
    let policy = Policy::default();
    let h = Harness::new(db).await;
    let started = h.service.now();
    let user = h.account("ada@example.com").await;
    let mac = device(MAC_CHROME, "1.2.3.4");
    // One device that refreshes every 15 minutes for a day, one that goes idle, and one
    // signed out at once.
    let mut active = h.sign_in("ada@example.com", &mac).await.tokens;
    let idle = h.sign_in("ada@example.com", &mac).await.tokens;
    let gone = h.sign_in("ada@example.com", &mac).await.tokens;
    let who = h
        .service
        .authenticate(gone.access_token.expose(), None)
        .await
        .unwrap();
    h.service.sign_out(&who, &mac).await.unwrap();
    for _ in 0..96 {
        h.advance(Duration::from_secs(900));
        active = h
            .service
            .refresh(active.refresh_token.expose(), &mac)
            .await
            .unwrap();
    }
    assert_eq!(
        h.service.prune().await.unwrap(),
        Default::default(),
        "nothing is old enough yet"
    );

    // Once rotated or ended longer ago than the idle timeout, a replay would be refused as
    // expired anyway: those rows go, and the signed-out session with its token; live tokens
    // stay until they too have been dead that long.
    h.advance(policy.idle_timeout + Duration::from_secs(1));
    let report = h.service.prune().await.unwrap();
    assert_eq!(
        (report.tokens, report.sessions, report.audit_events),
        (96 + 1, 1, 0),
        "{report:?}"
    );
    assert!(h.service.check().await.unwrap().is_consistent());
    assert_eq!(
        count(&h, "SELECT COUNT(*) FROM refresh_tokens").await,
        2,
        "the two live tokens stay"
    );

    h.advance(policy.idle_timeout);
    let report = h.service.prune().await.unwrap();
    assert_eq!(
        (report.tokens, report.sessions, report.audit_events),
        (2, 2, 0),
        "{report:?}"
    );
    let refused = h.service.refresh(idle.refresh_token.expose(), &mac).await;
    assert!(matches!(
        refused,
        Err(DomainError::RefreshRejected(TokenRejection::Unknown))
    ));
    let refused = h.service.refresh(active.refresh_token.expose(), &mac).await;
    assert!(matches!(
        refused,
        Err(DomainError::RefreshRejected(TokenRejection::Unknown))
    ));
    assert_eq!(h.service.check().await.unwrap().sessions, 0);

    // Audit events are kept for the retention period, then go: the account's creation, three
    // sign-ins and a sign-out on the first day, while a later sign-in stays.
    assert_eq!(raw_events(&h, &user).await.len(), 5);
    let later = h.sign_in("ada@example.com", &mac).await.tokens;
    let elapsed = Duration::from_secs(
        u64::try_from(h.service.now().unix_seconds() - started.unix_seconds()).unwrap(),
    );
    h.advance(policy.audit_retention - elapsed);
    let report = h.service.prune().await.unwrap();
    assert_eq!(
        (report.tokens, report.sessions, report.audit_events),
        (1, 1, 0),
        "the idle later session goes; no event a second before the retention ends: {report:?}"
    );
    h.advance(Duration::from_secs(1));
    let report = h.service.prune().await.unwrap();
    assert_eq!(
        (report.tokens, report.sessions, report.audit_events),
        (0, 0, 5),
        "{report:?}"
    );
    let left = raw_events(&h, &user).await;
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0].kind(), AuditKind::SignIn);
    assert_eq!(
        left[0].target_session_id.as_deref(),
        Some(later.session_id.as_str())
    );
}

async fn the_consistency_check_passes_on_a_busy_database(db: &TestDb) {
    let h = Harness::new(db).await;
    h.account("ada@example.com").await;
    let mac = device(MAC_CHROME, "1.2.3.4");
    let mut chains = Vec::new();
    for _ in 0..5 {
        chains.push(h.sign_in("ada@example.com", &mac).await.tokens);
    }
    for tokens in &mut chains {
        for _ in 0..3 {
            *tokens = h
                .service
                .refresh(tokens.refresh_token.expose(), &mac)
                .await
                .unwrap();
        }
    }
    let who = h
        .service
        .authenticate(chains[0].access_token.expose(), None)
        .await
        .unwrap();
    h.service
        .revoke_sessions(&who, BulkScope::Others, &mac)
        .await
        .unwrap();
    let report = h.service.check().await.unwrap();
    assert!(report.is_consistent(), "{report:?}");
    assert_eq!(report.sessions, 5);
    assert_eq!(report.live_tokens, 1);
}

async fn rate_limits_slow_one_address_without_locking_the_account_out(db: &TestDb) {
    let limits = RateLimits::parse("signin_ip=100/60,signin_account=3/300").unwrap();
    let h = Harness::with(
        db,
        Policy::default(),
        limits,
        std::sync::Arc::new(signedin::Geo::empty()),
    )
    .await;
    h.account("ada@example.com").await;
    let attacker = device(MAC_CHROME, "6.6.6.6");
    for _ in 0..3 {
        assert!(matches!(
            h.service
                .sign_in("ada@example.com", "guess", &attacker)
                .await,
            Err(DomainError::InvalidCredentials)
        ));
    }
    let limited = h
        .service
        .sign_in("ada@example.com", PASSWORD, &attacker)
        .await;
    match limited {
        Err(DomainError::RateLimited { retry_after }) => assert!(retry_after.as_secs() >= 1),
        other => panic!("expected a rate limit, got {other:?}"),
    }
    h.service
        .sign_in(
            "ada@example.com",
            PASSWORD,
            &device(IPHONE_SAFARI, "203.0.113.5"),
        )
        .await
        .expect("the owner, elsewhere, still gets in");
}

async fn nothing_stored_holds_a_raw_token(db: &TestDb) {
    let h = Harness::new(db).await;
    h.account("ada@example.com").await;
    let mac = device(MAC_CHROME, "1.2.3.4");
    let signed_in = h.sign_in("ada@example.com", &mac).await;
    let mut secrets = vec![
        signed_in.tokens.refresh_token.expose().to_owned(),
        signed_in.tokens.access_token.expose().to_owned(),
    ];
    let rotated = h
        .service
        .refresh(signed_in.tokens.refresh_token.expose(), &mac)
        .await
        .unwrap();
    secrets.push(rotated.refresh_token.expose().to_owned());
    secrets.push(rotated.access_token.expose().to_owned());
    let who = h
        .service
        .authenticate(rotated.access_token.expose(), None)
        .await
        .unwrap();
    let prefix = h.service.list_sessions(&who).await.unwrap()[0]
        .jti_prefix
        .clone();
    h.service.revoke_session(&who, &prefix, &mac).await.unwrap();
    let dump = dump_all_text(&h).await;
    for secret in &secrets {
        // The random part of a refresh token, or a JWT signature, must appear nowhere.
        let tail = &secret[secret.len() - 24..];
        assert!(
            !dump.contains(tail),
            "a raw token was found in the database"
        );
    }
    assert!(
        dump.contains(&signed_in.tokens.refresh_token.hash().as_str()[..32]),
        "hashes are stored"
    );
}

// ---- helpers ----

async fn events_of(h: &Harness, user: &str) -> (Vec<signedin::audit::AuditEvent>, ()) {
    (raw_events(h, user).await, ())
}

async fn raw_events(h: &Harness, user: &str) -> Vec<signedin::audit::AuditEvent> {
    h.store
        .security_events(user, i64::MAX, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.event)
        .collect()
}

async fn authenticate(h: &Harness, tokens: &signedin::IssuedTokens) -> signedin::Principal {
    h.service
        .authenticate(tokens.access_token.expose(), None)
        .await
        .expect("a live session")
}

/// The newest event of `user`, which must be of `kind`.
async fn newest_event(h: &Harness, user: &str, kind: AuditKind) -> signedin::audit::AuditEvent {
    let events = raw_events(h, user).await;
    let newest = events.first().expect("an event").clone();
    assert_eq!(newest.kind(), kind, "{events:?}");
    newest
}

/// Takes the audit table away, so every write of an event fails; the state of every other
/// table as it was.
async fn break_audit(h: &Harness) -> String {
    execute(h, "ALTER TABLE audit_events RENAME TO audit_events_away").await;
    state_rows(h).await
}

async fn restore_audit(h: &Harness) {
    execute(h, "ALTER TABLE audit_events_away RENAME TO audit_events").await;
}

/// Puts the audit table back, after checking that `what` failed and changed nothing.
async fn fails_whole<T: std::fmt::Debug>(
    h: &Harness,
    before: &str,
    what: &str,
    result: signedin::DomainResult<T>,
) {
    let after = state_rows(h).await;
    restore_audit(h).await;
    assert!(
        result.is_err(),
        "{what} succeeded without its audit event: {result:?}"
    );
    assert!(
        after == before,
        "{what} failed but left a change behind:\nbefore:\n{before}\nafter:\n{after}"
    );
}

/// Every row of the users, sessions and refresh-token tables, in a fixed order.
async fn state_rows(h: &Harness) -> String {
    let mut rows = Vec::new();
    for table in ["users", "sessions", "refresh_tokens"] {
        rows.extend(table_rows(h, table).await);
    }
    rows.join("\n")
}

async fn table_rows(h: &Harness, table: &str) -> Vec<String> {
    let mut rows: Vec<String> = match &h.store {
        signedin::Store::Sqlite(s) => {
            let sql = format!("SELECT * FROM {table}");
            let rows = sqlx::query(&sql).fetch_all(s.writer()).await.unwrap();
            rows.iter().map(row_text_sqlite).collect()
        }
        signedin::Store::Postgres(p) => {
            let sql = format!("SELECT CAST(t AS TEXT) FROM {table} t");
            sqlx::query_scalar(&sql).fetch_all(p.pool()).await.unwrap()
        }
    };
    rows.sort();
    rows.iter_mut()
        .for_each(|row| row.insert_str(0, &format!("{table}: ")));
    rows
}

async fn password_hash(h: &Harness, user: &str) -> String {
    h.store
        .find_user(user)
        .await
        .unwrap()
        .expect("user")
        .password_hash
}

async fn assert_live_tokens(h: &Harness, expected: u64) {
    let report = h.service.check().await.unwrap();
    assert_eq!(report.live_tokens, expected, "{report:?}");
    assert!(report.is_consistent(), "{report:?}");
}

async fn execute(h: &Harness, sql: &str) {
    match &h.store {
        signedin::Store::Sqlite(s) => {
            sqlx::query(sql).execute(s.writer()).await.unwrap();
            // Readers cache the schema per connection; a fresh pool sees the change.
        }
        signedin::Store::Postgres(p) => {
            sqlx::query(sql).execute(p.pool()).await.unwrap();
        }
    }
}

async fn count(h: &Harness, sql: &str) -> i64 {
    match &h.store {
        signedin::Store::Sqlite(s) => sqlx::query_scalar(sql).fetch_one(s.writer()).await.unwrap(),
        signedin::Store::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p.pool()).await.unwrap(),
    }
}

/// Every text and number column of every table, as one string to search.
async fn dump_all_text(h: &Harness) -> String {
    let tables = [
        "users",
        "sessions",
        "refresh_tokens",
        "audit_events",
        "server_secrets",
    ];
    let mut dump = String::new();
    for table in tables {
        let rows: Vec<String> = match &h.store {
            signedin::Store::Sqlite(s) => {
                let sql = format!("SELECT * FROM {table}");
                let rows = sqlx::query(&sql).fetch_all(s.writer()).await.unwrap();
                rows.iter().map(row_text_sqlite).collect()
            }
            signedin::Store::Postgres(p) => {
                let sql = format!("SELECT CAST(t AS TEXT) FROM {table} t");
                sqlx::query_scalar(&sql).fetch_all(p.pool()).await.unwrap()
            }
        };
        dump.push_str(&rows.join("\n"));
    }
    dump
}

fn row_text_sqlite(row: &sqlx::sqlite::SqliteRow) -> String {
    use sqlx::{Column, Row};
    row.columns()
        .iter()
        .map(|c| {
            row.try_get::<String, _>(c.ordinal())
                .or_else(|_| row.try_get::<i64, _>(c.ordinal()).map(|n| n.to_string()))
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("|")
}

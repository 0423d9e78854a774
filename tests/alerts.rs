//! Alerts and webhooks against a real database, on SQLite and on PostgreSQL, delivered to
//! real sockets: a small HTTP receiver and a small SMTP server in this file (the end-to-end
//! suite, scripts/e2e-alerts.sh, uses Debian's aiosmtpd and the reference standardwebhooks
//! verifier). What a change writes to the outbox, in its own transaction; delivery, retries,
//! dead letters and revival; the email window and its digest; one node per message; and the
//! links' answers ("This wasn't me", "Yes, it was me").

mod common;
#[path = "support/receivers.rs"]
mod receivers;

use std::time::Duration;

use common::{Harness, IPHONE_SAFARI, MAC_CHROME, TestDb, device};
use receivers::{MailSink, Receiver};
use signedin::alerts::Routes;
use signedin::alerts::backoff::Backoff;
use signedin::alerts::link::LinkProblem;
use signedin::alerts::webhook::WebhookSecret;
use signedin::audit::AuditKind;
use signedin::service::{LinkState, OutboxSettings, OutboxWorker, SmtpSettings};
use signedin::{BulkScope, Principal};

on_both_stores!(
    a_change_writes_its_messages_with_its_audit_event_and_a_refusal_writes_none,
    a_node_claims_only_what_it_can_deliver,
    webhooks_are_signed_retried_with_the_same_id_and_dead_lettered_after_a_day,
    alert_emails_stay_within_their_window_and_fold_the_rest_into_a_digest,
    two_nodes_never_deliver_one_message_twice,
    this_wasnt_me_signs_that_device_out_once_and_offers_everywhere,
    yes_it_was_me_clears_the_badge_and_bad_links_say_why,
);

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const WINDOWS_FIREFOX: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";

fn settings(smtp: Option<&MailSink>, hooks: &[&Receiver]) -> OutboxSettings {
    OutboxSettings {
        smtp: smtp.map(|sink| SmtpSettings {
            url: sink.url.clone(),
            from: "signedin <alerts@example.test>".into(),
        }),
        webhook_urls: hooks.iter().map(|r| r.url.clone()).collect(),
        webhook_secret: Some(WebhookSecret::parse(SECRET).unwrap()),
        public_url: "https://id.example.test".into(),
        alert_emails: 2,
        alert_window: Duration::from_secs(600),
        backoff: Backoff::default(),
        lease: Duration::from_secs(60),
        webhook_timeout: Duration::from_secs(5),
    }
}

/// Ada with an account, signed in once on her Mac (nothing new to tell on a first sign-in).
async fn ada(h: &Harness) -> Principal {
    ada_with_token(h).await.0
}

async fn ada_with_token(h: &Harness) -> (Principal, String) {
    h.account("ada@example.com").await;
    let mac = h
        .sign_in("ada@example.com", &device(MAC_CHROME, "203.0.113.10"))
        .await;
    let token = mac.tokens.access_token.expose().to_owned();
    let who = h.service.authenticate(&token, None).await.unwrap();
    (who, token)
}

async fn entries(h: &Harness) -> Vec<signedin::store::OutboxEntry> {
    let mut entries = h.service.outbox_entries(None, 1000).await.unwrap();
    entries.reverse();
    entries
}

/// Rounds until nothing more is due now.
async fn drain(worker: &OutboxWorker) {
    while worker.deliver_due().await.unwrap() > 0 {}
}

async fn a_change_writes_its_messages_with_its_audit_event_and_a_refusal_writes_none(db: &TestDb) {
    let h = Harness::new(db).await;
    let hook = Receiver::start().await;
    let sink = MailSink::start().await;
    let _worker = OutboxWorker::new(h.service.clone(), settings(Some(&sink), &[&hook])).unwrap();
    let mac = ada(&h).await;
    // Sorted: messages of one change share its instant, and the clock stands still.
    let kinds = |entries: &[signedin::store::OutboxEntry]| {
        let mut kinds: Vec<String> = entries
            .iter()
            .map(|e| format!("{}:{}", e.channel, e.event_type))
            .collect();
        kinds.sort();
        kinds
    };
    assert_eq!(
        kinds(&entries(&h).await),
        ["webhook:session.created"],
        "a first sign-in tells the integrator only"
    );

    h.advance(Duration::from_secs(1));
    // A wrong password is audited but changes nothing: nothing goes out.
    let refused = h
        .service
        .sign_in(
            "ada@example.com",
            "wrong password",
            &device(WINDOWS_FIREFOX, "198.51.100.9"),
        )
        .await;
    assert!(refused.is_err());
    assert_eq!(entries(&h).await.len(), 1);

    h.advance(Duration::from_secs(1));
    // A device the account has never used: the owner hears of it, with a link.
    let phone = h
        .sign_in("ada@example.com", &device(IPHONE_SAFARI, "198.51.100.7"))
        .await;
    let all = entries(&h).await;
    assert_eq!(
        kinds(&all[1..]),
        ["email:new_sign_in", "webhook:session.created"]
    );
    h.advance(Duration::from_secs(1));
    // The same device again is not news.
    h.sign_in("ada@example.com", &device(IPHONE_SAFARI, "198.51.100.7"))
        .await;
    assert_eq!(kinds(&entries(&h).await[3..]), ["webhook:session.created"]);

    h.advance(Duration::from_secs(1));
    // Signing the others out: one session.revoked each, and one email.
    let signed_out = h
        .service
        .revoke_sessions(&mac, BulkScope::Others, &device(MAC_CHROME, "203.0.113.10"))
        .await
        .unwrap();
    assert_eq!(signed_out, 2);
    let last = kinds(&entries(&h).await[4..]);
    assert_eq!(
        last,
        [
            "email:signed_out_everywhere",
            "webhook:session.revoked",
            "webhook:session.revoked"
        ]
    );
    let revoked: Vec<String> = entries(&h).await[4..]
        .iter()
        .filter(|e| e.event_type == "session.revoked")
        .map(|e| e.message_id.clone())
        .collect();
    assert_ne!(revoked[0], revoked[1], "one event, one id");
    assert!(
        entries(&h).await.iter().all(|e| e.state == "pending"),
        "nothing is sent by the change itself"
    );
    let _ = phone;
}

async fn webhooks_are_signed_retried_with_the_same_id_and_dead_lettered_after_a_day(db: &TestDb) {
    let h = Harness::new(db).await;
    let hook = Receiver::start().await;
    let worker = OutboxWorker::new(h.service.clone(), settings(None, &[&hook])).unwrap();
    ada(&h).await;

    hook.answer(503);
    drain(&worker).await;
    let first = entries(&h).await.remove(0);
    assert_eq!((first.state.as_str(), first.attempts), ("pending", 1));
    assert_eq!(first.last_error.as_deref(), Some("answered 503"));
    assert!(first.next_attempt_at > h.service.now(), "not again at once");

    // A redirect is a failure, never followed.
    hook.answer(302);
    h.advance(Duration::from_secs(3));
    drain(&worker).await;
    let second = entries(&h).await.remove(0);
    assert_eq!(second.attempts, 2);
    assert_eq!(
        second.last_error.as_deref(),
        Some("answered 302 (redirects are not followed)")
    );

    hook.answer(204);
    h.advance(Duration::from_secs(5));
    drain(&worker).await;
    let delivered = entries(&h).await.remove(0);
    assert_eq!(
        (delivered.state.as_str(), delivered.attempts),
        ("delivered", 3)
    );
    let got = hook.got();
    assert_eq!(got.len(), 3, "{got:?}");
    let secret = WebhookSecret::parse(SECRET).unwrap();
    for attempt in &got {
        assert_eq!(
            attempt.header("webhook-id"),
            delivered.message_id,
            "one id on every try"
        );
        let timestamp: i64 = attempt.header("webhook-timestamp").parse().unwrap();
        assert_eq!(
            attempt.header("webhook-signature"),
            secret.sign(&delivered.message_id, timestamp, &attempt.body)
        );
        assert_eq!(attempt.header("content-type"), "application/json");
        assert_eq!(attempt.body, got[0].body, "the same bytes every time");
    }
    let body: serde_json::Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(body["type"], "session.created");
    assert!(
        body["data"]["session_id"]
            .as_str()
            .unwrap()
            .starts_with("ses_")
    );
    assert_eq!(body["data"]["device"], "Chrome on macOS");

    // Failing for a day: dead, then sent again by `outbox retry`, with the same id.
    let mac = h
        .sign_in("ada@example.com", &device(MAC_CHROME, "203.0.113.10"))
        .await;
    hook.answer(500);
    for _ in 0..40 {
        drain(&worker).await;
        h.advance(Duration::from_secs(3600));
    }
    let dead = entries(&h).await.pop().unwrap();
    assert_eq!(dead.state, "dead", "{dead:?}");
    assert!(dead.attempts >= 5);
    hook.answer(200);
    let before = hook.got().len();
    drain(&worker).await;
    assert_eq!(hook.got().len(), before, "a dead message is not tried");
    assert_eq!(h.service.outbox_retry(None).await.unwrap(), 1);
    // Revived, it has a day of retries again: one more failure does not kill it.
    hook.answer(503);
    drain(&worker).await;
    let retried = entries(&h).await.pop().unwrap();
    assert_eq!((retried.state.as_str(), retried.attempts), ("pending", 1));
    hook.answer(200);
    h.advance(Duration::from_secs(3));
    drain(&worker).await;
    let revived = entries(&h).await.pop().unwrap();
    assert_eq!(revived.state, "delivered");
    assert_eq!(
        hook.got().last().unwrap().header("webhook-id"),
        dead.message_id
    );
    let _ = mac;

    // Delivered messages are kept a week, then pruned: the first went out about 40 hours
    // (of failing retries) before the second.
    h.advance(Duration::from_secs(6 * 86_400));
    h.service.prune().await.unwrap();
    let kept = entries(&h).await;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].message_id, dead.message_id);
    h.advance(Duration::from_secs(2 * 86_400));
    h.service.prune().await.unwrap();
    assert!(entries(&h).await.is_empty());
}

async fn alert_emails_stay_within_their_window_and_fold_the_rest_into_a_digest(db: &TestDb) {
    let h = Harness::new(db).await;
    let sink = MailSink::start().await;
    let worker = OutboxWorker::new(h.service.clone(), settings(Some(&sink), &[])).unwrap();
    ada(&h).await;
    // Four devices never seen before, one after another; two emails per window.
    let agents = [
        IPHONE_SAFARI,
        WINDOWS_FIREFOX,
        "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "curl/8.5.0",
    ];
    for agent in agents {
        h.sign_in("ada@example.com", &device(agent, "198.51.100.7"))
            .await;
        h.advance(Duration::from_secs(1));
        drain(&worker).await;
    }
    let mails = sink.mails();
    assert_eq!(mails.len(), 2, "two in the window");
    assert!(mails[0].contains("Subject: New sign-in to your account"));
    assert!(mails[0].contains("X-Signedin-Alert: new_sign_in"));
    assert!(mails[0].contains("To: ada@example.com"));
    assert!(mails[0].contains("https://id.example.test/alerts/not-me?token="));
    assert!(!mails[0].contains("whsec_"));
    let held: Vec<_> = entries(&h)
        .await
        .into_iter()
        .filter(|e| e.state == "pending")
        .collect();
    assert_eq!(held.len(), 2, "the rest wait");

    h.advance(Duration::from_secs(600));
    drain(&worker).await;
    let mails = sink.mails();
    assert_eq!(mails.len(), 3, "then one digest");
    assert!(
        mails[2].contains("Subject: 2 more security alerts for your account"),
        "{}",
        mails[2]
    );
    assert!(mails[2].contains("X-Signedin-Alert: digest"));
    assert!(entries(&h).await.iter().all(|e| e.state == "delivered"));
}

async fn two_nodes_never_deliver_one_message_twice(db: &TestDb) {
    let a = Harness::new(db).await;
    let b = Harness::new(db).await;
    let hook = Receiver::start().await;
    let node_a = OutboxWorker::new(a.service.clone(), settings(None, &[&hook])).unwrap();
    let node_b = OutboxWorker::new(b.service.clone(), settings(None, &[&hook])).unwrap();
    let mac = ada(&a).await;
    for i in 0..40 {
        let ip = format!("198.51.100.{}", i + 1);
        a.sign_in("ada@example.com", &device(IPHONE_SAFARI, &ip))
            .await;
    }
    a.service
        .revoke_sessions(&mac, BulkScope::Others, &device(MAC_CHROME, "203.0.113.10"))
        .await
        .unwrap();
    let total = entries(&a).await.len();
    assert_eq!(total, 81);
    let (one, two) = tokio::join!(
        async {
            let mut n = 0;
            while let Ok(claimed @ 1..) = node_a.deliver_due().await {
                n += claimed;
            }
            n
        },
        async {
            let mut n = 0;
            while let Ok(claimed @ 1..) = node_b.deliver_due().await {
                n += claimed;
            }
            n
        }
    );
    assert_eq!(one + two, total, "every message claimed exactly once");
    let mut ids: Vec<String> = hook
        .got()
        .iter()
        .map(|r| r.header("webhook-id").to_owned())
        .collect();
    assert_eq!(ids.len(), total);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total, "no message delivered twice");
    b.store.close().await;
}

/// A node without SMTP leaves emails to a node with it (never dead-letters them), and sends
/// its webhooks meanwhile.
async fn a_node_claims_only_what_it_can_deliver(db: &TestDb) {
    let with_smtp = Harness::new(db).await;
    let without = Harness::new(db).await;
    let hook = Receiver::start().await;
    let sink = MailSink::start().await;
    let mailing =
        OutboxWorker::new(with_smtp.service.clone(), settings(Some(&sink), &[&hook])).unwrap();
    let hooks_only = OutboxWorker::new(without.service.clone(), settings(None, &[&hook])).unwrap();
    ada(&with_smtp).await;
    with_smtp
        .sign_in("ada@example.com", &device(WINDOWS_FIREFOX, "198.51.100.9"))
        .await;
    drain(&hooks_only).await;
    assert_eq!(hook.got().len(), 2, "both sign-ins' webhooks");
    let email = entries(&with_smtp)
        .await
        .into_iter()
        .find(|e| e.channel == "email")
        .expect("the new device's alert");
    assert_eq!(
        (email.state.as_str(), email.attempts),
        ("pending", 0),
        "left alone"
    );
    drain(&mailing).await;
    assert_eq!(sink.mails().len(), 1);

    // A URL every node has dropped: its messages wait, then die once no one could have sent them.
    with_smtp.store.set_outbox_routes(Routes {
        emails: true,
        webhook_urls: vec![hook.url.clone(), "http://127.0.0.1:9/gone".into()],
    });
    with_smtp
        .sign_in("ada@example.com", &device(MAC_CHROME, "203.0.113.10"))
        .await;
    drain(&mailing).await;
    drain(&hooks_only).await;
    let orphan = |h: &Harness| {
        let h = h.service.clone();
        async move {
            h.outbox_entries(None, 100)
                .await
                .unwrap()
                .into_iter()
                .find(|e| e.destination.ends_with("/gone"))
                .expect("the dropped URL's message")
        }
    };
    assert_eq!(orphan(&with_smtp).await.state, "pending");
    mailing.sweep_orphans().await;
    assert_eq!(
        orphan(&with_smtp).await.state,
        "pending",
        "not before its day is up"
    );
    with_smtp.advance(Duration::from_secs(86_400 + 120 + 60));
    mailing.sweep_orphans().await;
    let dead = orphan(&with_smtp).await;
    assert_eq!(dead.state, "dead");
    assert_eq!(
        dead.last_error.as_deref(),
        Some("no node delivers to this destination any more")
    );
    assert!(
        entries(&with_smtp)
            .await
            .iter()
            .filter(|e| !e.destination.ends_with("/gone"))
            .all(|e| e.state == "delivered"),
        "delivered messages are left alone"
    );
    without.store.close().await;
}

async fn this_wasnt_me_signs_that_device_out_once_and_offers_everywhere(db: &TestDb) {
    let h = Harness::new(db).await;
    let sink = MailSink::start().await;
    let worker = OutboxWorker::new(h.service.clone(), settings(Some(&sink), &[])).unwrap();
    let (mac, mac_token) = ada_with_token(&h).await;
    let stranger = h
        .sign_in("ada@example.com", &device(WINDOWS_FIREFOX, "198.51.100.9"))
        .await;
    drain(&worker).await;
    let token = token_in(&sink.mails()[0], "not-me");

    let info = h.service.alert_link(&token).await.unwrap().unwrap();
    assert_eq!(info.state, LinkState::Unused);
    assert!(info.session_live);
    assert!(
        info.device.starts_with("Firefox on Windows · "),
        "{}",
        info.device
    );
    assert!(
        info.device.ends_with(" · IP 198.51.100.9"),
        "{}",
        info.device
    );
    // Showing the link changed nothing.
    assert!(
        h.service
            .authenticate(stranger.tokens.access_token.expose(), None)
            .await
            .is_ok()
    );

    let here = device(IPHONE_SAFARI, "203.0.113.99");
    assert_eq!(
        h.service.report_not_me(&token, &here).await.unwrap(),
        Ok(())
    );
    assert!(
        h.service
            .authenticate(stranger.tokens.access_token.expose(), None)
            .await
            .is_err(),
        "that device is signed out"
    );
    assert!(
        h.service.authenticate(&mac_token, None).await.is_ok(),
        "the owner's own device is not"
    );
    let (events, _) = h.service.security_events(&mac, 20, None).await.unwrap();
    let reported = events
        .iter()
        .find(|e| e.kind == AuditKind::SessionReported)
        .expect("audited");
    assert_eq!(
        reported.summary(),
        "You said “This wasn't me” and signed out Firefox on Windows"
    );
    assert_eq!(
        h.service.report_not_me(&token, &here).await.unwrap(),
        Err(LinkProblem::AlreadyUsed)
    );
    let info = h.service.alert_link(&token).await.unwrap().unwrap();
    assert_eq!(info.state, LinkState::NotMe { everywhere: false });
    assert_eq!(
        h.service.confirm_was_me(&token).await.unwrap(),
        Err(LinkProblem::AlreadyUsed)
    );

    // Then everywhere, once: the owner's Mac too.
    assert_eq!(
        h.service
            .sign_out_everywhere_by_link(&token, &here)
            .await
            .unwrap(),
        Ok(1)
    );
    assert!(h.service.authenticate(&mac_token, None).await.is_err());
    assert_eq!(
        h.service
            .sign_out_everywhere_by_link(&token, &here)
            .await
            .unwrap(),
        Err(LinkProblem::AlreadyUsed)
    );
}

async fn yes_it_was_me_clears_the_badge_and_bad_links_say_why(db: &TestDb) {
    let h = Harness::new(db).await;
    let sink = MailSink::start().await;
    let worker = OutboxWorker::new(h.service.clone(), settings(Some(&sink), &[])).unwrap();
    let mac = ada(&h).await;
    h.sign_in("ada@example.com", &device(WINDOWS_FIREFOX, "198.51.100.9"))
        .await;
    h.sign_in("ada@example.com", &device(IPHONE_SAFARI, "198.51.100.7"))
        .await;
    drain(&worker).await;
    let mails = sink.mails();
    let about = |device: &str| {
        mails
            .iter()
            .find(|mail| mail.contains(device))
            .unwrap_or_else(|| panic!("no email about {device}"))
    };
    let firefox = token_in(about("Firefox on Windows"), "was-me");
    let iphone = token_in(about("Safari on iPhone"), "not-me");

    assert_eq!(h.service.confirm_was_me(&firefox).await.unwrap(), Ok(()));
    assert_eq!(
        h.service.alert_link(&firefox).await.unwrap().unwrap().state,
        LinkState::WasMe
    );
    assert_eq!(
        h.service.confirm_was_me(&firefox).await.unwrap(),
        Err(LinkProblem::AlreadyUsed)
    );

    // Altered, made up, or from another server: not valid.
    let (id, rest) = iphone.split_once('.').unwrap();
    let mut altered = id.to_owned();
    altered.replace_range(0..1, if id.starts_with('a') { "b" } else { "a" });
    for bad in [
        format!("{altered}.{rest}"),
        "x.y.z".to_owned(),
        String::new(),
    ] {
        assert_eq!(
            h.service.alert_link(&bad).await.unwrap(),
            Err(LinkProblem::Invalid),
            "{bad}"
        );
        assert_eq!(
            h.service
                .report_not_me(&bad, &device(MAC_CHROME, "203.0.113.10"))
                .await
                .unwrap(),
            Err(LinkProblem::Invalid)
        );
    }
    // The device signed out by its owner before the link was used.
    let phone = h.service.list_sessions(&mac).await.unwrap();
    let phone = phone
        .iter()
        .find(|s| s.device.label == "Safari on iPhone")
        .unwrap();
    h.service
        .revoke_session(
            &mac,
            &phone.public_id(),
            &device(MAC_CHROME, "203.0.113.10"),
        )
        .await
        .unwrap();
    assert!(
        !h.service
            .alert_link(&iphone)
            .await
            .unwrap()
            .unwrap()
            .session_live
    );
    assert_eq!(
        h.service.confirm_was_me(&iphone).await.unwrap(),
        Err(LinkProblem::SessionEnded),
        "nothing to confirm"
    );
    assert_eq!(
        h.service
            .report_not_me(&iphone, &device(MAC_CHROME, "203.0.113.10"))
            .await
            .unwrap(),
        Err(LinkProblem::SessionEnded)
    );
    // A day later, every link has expired.
    h.advance(Duration::from_secs(24 * 3600));
    assert_eq!(
        h.service.alert_link(&iphone).await.unwrap(),
        Err(LinkProblem::Expired)
    );
    assert_eq!(
        h.service.confirm_was_me(&firefox).await.unwrap(),
        Err(LinkProblem::Expired)
    );
}

/// The token of the `page` link in a raw email (its text part, quoted-printable or not).
fn token_in(mail: &str, page: &str) -> String {
    let flat = mail.replace("=\r\n", "").replace("=3D", "=");
    let start = flat
        .find(&format!("/alerts/{page}?token="))
        .unwrap_or_else(|| panic!("no {page} link in {flat}"))
        + format!("/alerts/{page}?token=").len();
    flat[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "._-".contains(*c))
        .collect()
}

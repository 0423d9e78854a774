//! Start-up failures, SIGTERM, and the admin commands of the binary.

use reqwest::{Client, StatusCode};

use crate::node::{Db, Node, run, signup_and_login};

#[test]
fn an_unreachable_database_is_one_line_and_a_non_zero_exit() {
    for url in [
        "postgres://nobody:secret@127.0.0.1:1/nothing",
        "mysql://localhost/nope",
        "sqlite:///proc/definitely/not/writable/x.db",
    ] {
        let output = run(url, &["serve"]);
        assert!(!output.status.success(), "{url}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let lines: Vec<_> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{url}: {stderr}");
        assert!(lines[0].starts_with("signedin: "), "{url}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(
            !stderr.contains("secret"),
            "the password is redacted: {stderr}"
        );
    }
}

#[test]
fn bad_settings_are_refused_before_anything_starts() {
    let db = Db::sqlite();
    let output = std::process::Command::new(crate::node::binary())
        .env("DATABASE_URL", &db.url)
        .env("SIGNEDIN_TRUSTED_PROXIES", "not-an-address")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("SIGNEDIN_TRUSTED_PROXIES"), "{stderr}");
}

crate::on_both_stores!(
    check_exits_1_and_names_the_session_of_a_broken_database,
    sigterm_stops_the_server_cleanly,
    the_admin_commands_list_revoke_prune_and_check
);

async fn sigterm_stops_the_server_cleanly(db: &Db) {
    let node = Node::start(&db.url, &[]).await;
    let status = node.terminate();
    assert!(status.success(), "{status:?}");
}

async fn the_admin_commands_list_revoke_prune_and_check(db: &Db) {
    let node = Node::start(&db.url, &[]).await;
    let client = Client::new();
    let first = signup_and_login(&client, &node, "ada@example.com").await;
    let second = signup_and_login(&client, &node, "ada@example.com").await;
    let prefix = second["session"]["jti_prefix"].as_str().unwrap().to_owned();

    let listed = run(&db.url, &["sessions", "list", "--email", "ada@example.com"]);
    assert!(listed.status.success());
    let text = String::from_utf8_lossy(&listed.stdout);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains(&prefix));

    let revoked = run(
        &db.url,
        &[
            "sessions",
            "revoke",
            "--email",
            "ada@example.com",
            "--prefix",
            &prefix,
        ],
    );
    assert!(
        revoked.status.success(),
        "{}",
        String::from_utf8_lossy(&revoked.stderr)
    );
    let token = second["access_token"].as_str().unwrap();
    let refused = client
        .get(node.url("/me/sessions"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused.status(),
        StatusCode::UNAUTHORIZED,
        "an admin revoke is seen by the running server at once"
    );

    let events = client
        .get(node.url("/me/security/events"))
        .bearer_auth(first["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let events: serde_json::Value = events.json().await.unwrap();
    let admin = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "session_revoked")
        .expect("audited");
    assert_eq!(admin["actor"], "admin");
    assert!(
        admin["summary"]
            .as_str()
            .unwrap()
            .starts_with("An administrator signed out")
    );

    let unknown = run(
        &db.url,
        &[
            "sessions",
            "revoke",
            "--email",
            "nobody@example.com",
            "--all",
        ],
    );
    assert!(!unknown.status.success());

    let all = run(
        &db.url,
        &["sessions", "revoke", "--email", "ada@example.com", "--all"],
    );
    assert_eq!(
        String::from_utf8_lossy(&all.stdout).trim(),
        "revoked 1 session"
    );

    // The emergency brake: everyone, everywhere.
    let bob = signup_and_login(&client, &node, "bob@example.com").await;
    let everyone = run(&db.url, &["sessions", "revoke", "--everyone"]);
    assert_eq!(
        String::from_utf8_lossy(&everyone.stdout).trim(),
        "revoked 1 session of all users"
    );
    for token in [&first["access_token"], &bob["access_token"]] {
        let refused = client
            .get(node.url("/auth/check"))
            .bearer_auth(token.as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    }
    let pruned = run(&db.url, &["prune"]);
    assert!(pruned.status.success());
    assert!(String::from_utf8_lossy(&pruned.stdout).starts_with("pruned "));
    let checked = run(&db.url, &["check"]);
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stdout)
    );
    assert!(String::from_utf8_lossy(&checked.stdout).contains("consistent"));
    drop(node);
}

/// `check` is what the crash, two-node and hang-up tests lean on: it must fail on a broken
/// database, not only pass on a sound one.
async fn check_exits_1_and_names_the_session_of_a_broken_database(db: &Db) {
    let node = Node::start(&db.url, &[]).await;
    let client = Client::new();
    signup_and_login(&client, &node, "ada@example.com").await;
    node.terminate();
    let sound = run(&db.url, &["check"]);
    assert!(
        sound.status.success(),
        "{}",
        String::from_utf8_lossy(&sound.stdout)
    );

    // A sign-out written in half: the session is marked ended, its token still works.
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url)
        .await
        .unwrap();
    let session_id: String = sqlx::Row::get(
        &sqlx::query("SELECT id FROM sessions")
            .fetch_one(&mut conn)
            .await
            .unwrap(),
        "id",
    );
    sqlx::query("UPDATE sessions SET revoked_at = signed_in_at, revoked_reason = 'signed_out'")
        .execute(&mut conn)
        .await
        .unwrap();
    drop(conn);

    let broken = run(&db.url, &["check"]);
    let report = String::from_utf8_lossy(&broken.stdout);
    assert_eq!(broken.status.code(), Some(1), "{report}");
    assert!(report.contains("INCONSISTENT"), "{report}");
    let line = report
        .lines()
        .find(|l| l.starts_with("revoked sessions with a live token:"))
        .unwrap_or_else(|| panic!("{report}"));
    assert!(line.contains(&session_id), "names the session: {report}");
}

//! Start-up failures, SIGTERM, and the admin commands of the binary.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::node::{Db, Node, PASSWORD, run, signup_and_login, wait_exit};

#[test]
fn an_unreachable_database_is_one_line_and_exit_1() {
    for url in [
        "postgres://nobody:secret@127.0.0.1:1/nothing",
        "mysql://localhost/nope",
        "sqlite:///proc/definitely/not/writable/x.db",
    ] {
        let output = run(url, &["serve"]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{url}: the README promises exit 1"
        );
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
    sigterm_lets_a_request_in_flight_finish_then_exits_0,
    migrate_applies_every_migration_then_exits,
    the_admin_commands_list_revoke_prune_and_check,
    the_server_prunes_dead_rows_on_its_own
);

async fn sigterm_stops_the_server_cleanly(db: &Db) {
    let node = Node::start(&db.url, &[]).await;
    let status = node.terminate();
    assert!(status.success(), "{status:?}");
}

/// `signedin migrate` on an empty database: every migration of the dialect applied, the
/// schema there, exit 0 without serving; and a second run is harmless.
async fn migrate_applies_every_migration_then_exits(db: &Db) {
    let dialect = if db.url.starts_with("sqlite:") {
        "sqlite"
    } else {
        "postgres"
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrations")
        .join(dialect);
    let steps = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension() == Some("sql".as_ref()))
        .count();
    assert!(steps >= 1, "{}", dir.display());
    for _ in 0..2 {
        let migrated = run(&db.url, &["migrate"]);
        assert!(
            migrated.status.success(),
            "{}",
            String::from_utf8_lossy(&migrated.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&migrated.stdout).trim(),
            "migrations applied"
        );
    }
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url)
        .await
        .unwrap();
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    let expected: Vec<i64> = (1..=i64::try_from(steps).unwrap()).collect();
    assert_eq!(versions, expected, "each applied once, in order");
    for table in ["users", "sessions", "refresh_tokens", "audit_events"] {
        let rows: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(rows, 0, "{table}");
    }
}

/// The README promises that SIGTERM lets the requests in flight finish. A sign-in (an argon2
/// hash, the slowest request there is) is held in flight on purpose: its head goes with
/// `Expect: 100-continue`, and once the server answers "100 Continue" its handler is reading
/// the body. Then SIGTERM; the body follows only once the server has stopped listening, that
/// is once the shutdown is under way. The sign-in must still get its whole answer, and the
/// process exit 0.
async fn sigterm_lets_a_request_in_flight_finish_then_exits_0(db: &Db) {
    let mut node = Node::start(&db.url, &[]).await;
    signup_and_login(&Client::new(), &node, "ada@example.com").await;
    let body = json!({"email": "ada@example.com", "password": PASSWORD}).to_string();
    let mut stream = TcpStream::connect(("127.0.0.1", node.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        node.port,
        body.len()
    )
    .unwrap();
    let interim = read_head(&mut stream);
    assert!(interim.starts_with("HTTP/1.1 100 "), "{interim}");

    let terminated = std::process::Command::new("kill")
        .args(["-TERM", &node.child.id().to_string()])
        .status()
        .unwrap();
    assert!(terminated.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", node.port)).is_ok() {
        assert!(
            Instant::now() < deadline,
            "still accepting connections after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(10));
    }

    stream.write_all(body.as_bytes()).unwrap();
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .expect("the server closes the connection once it has answered");
    let answer = String::from_utf8_lossy(&answer);
    let (head, json) = answer
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no answer to the request in flight: {answer:?}"));
    assert!(head.starts_with("HTTP/1.1 200 "), "{answer}");
    let signed_in: Value = serde_json::from_str(json).expect("the whole JSON body");
    assert!(signed_in["access_token"].is_string(), "{signed_in}");
    assert!(signed_in["refresh_token"].is_string(), "{signed_in}");

    let status = wait_exit(&mut node.child, Duration::from_secs(20));
    assert!(status.success(), "{status:?}: {}", node.stderr_text());
}

/// Reads one response head (through the blank line) and nothing more.
fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let read = stream.read(&mut byte).expect("a response head");
        assert_eq!(read, 1, "the connection closed mid-head: {head:?}");
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
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
    // Nothing is old enough to prune yet; make it so, as three weeks (and for the two
    // accounts' creation, the audit retention) would.
    let pruned = run(&db.url, &["prune"]);
    assert_eq!(
        String::from_utf8_lossy(&pruned.stdout).trim(),
        "pruned 0 token rows, 0 sessions, 0 audit events"
    );
    age_rows(&db.url).await;
    let pruned = run(&db.url, &["prune"]);
    assert!(pruned.status.success());
    assert_eq!(
        String::from_utf8_lossy(&pruned.stdout).trim(),
        "pruned 3 token rows, 3 sessions, 2 audit events"
    );
    let checked = run(&db.url, &["check"]);
    let report = String::from_utf8_lossy(&checked.stdout);
    assert!(checked.status.success(), "{report}");
    assert!(report.contains("sessions: 0\n"), "{report}");
    assert!(report.contains("consistent"), "{report}");
    drop(node);
}

/// Moves every ended session and its tokens three weeks into the past (ended longer ago than
/// the 14-day idle timeout, though last used less than twice that), and the accounts'
/// creation events past the 90-day audit retention.
async fn age_rows(url: &str) {
    let (weeks, retention) = if url.starts_with("sqlite:") {
        let day: i64 = 86_400 * 1_000_000;
        (format!("- {}", 21 * day), format!("- {}", 91 * day))
    } else {
        (
            "- INTERVAL '21 days'".to_owned(),
            "- INTERVAL '91 days'".to_owned(),
        )
    };
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(url)
        .await
        .unwrap();
    for sql in [
        format!(
            "UPDATE refresh_tokens SET revoked_at = revoked_at {weeks}, \
             last_used_at = last_used_at {weeks} WHERE revoked_at IS NOT NULL"
        ),
        format!(
            "UPDATE sessions SET revoked_at = revoked_at {weeks}, \
             last_used_at = last_used_at {weeks} WHERE revoked_at IS NOT NULL"
        ),
        format!(
            "UPDATE audit_events SET occurred_at = occurred_at {retention} \
             WHERE kind = 'account_created'"
        ),
    ] {
        sqlx::query(&sql).execute(&mut conn).await.unwrap();
    }
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

/// The background pruner (`SIGNEDIN_PRUNE_INTERVAL_SECS`) removes, unasked, what
/// `signedin prune` would: ended sessions and their tokens, and audit events past retention.
async fn the_server_prunes_dead_rows_on_its_own(db: &Db) {
    let node = Node::start(&db.url, &[("SIGNEDIN_PRUNE_INTERVAL_SECS", "1")]).await;
    let client = Client::new();
    signup_and_login(&client, &node, "ada@example.com").await;
    let everyone = run(&db.url, &["sessions", "revoke", "--everyone"]);
    assert!(everyone.status.success());
    let count = |sql: &'static str| {
        let url = db.url.clone();
        async move {
            sqlx::any::install_default_drivers();
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
                .await
                .unwrap();
            let n: i64 = sqlx::Row::get(&sqlx::query(sql).fetch_one(&mut conn).await.unwrap(), "n");
            n
        }
    };
    // Fresh rows are not touched, however often the pruner runs.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(count("SELECT COUNT(*) AS n FROM sessions").await, 1);
    age_rows(&db.url).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while count("SELECT COUNT(*) AS n FROM sessions").await > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the server never pruned the aged session"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(count("SELECT COUNT(*) AS n FROM refresh_tokens").await, 0);
    assert_eq!(
        count("SELECT COUNT(*) AS n FROM audit_events WHERE kind = 'account_created'").await,
        0,
        "audit events past retention go too"
    );
    assert!(
        count("SELECT COUNT(*) AS n FROM audit_events").await > 0,
        "recent events stay"
    );
    drop(node);
}

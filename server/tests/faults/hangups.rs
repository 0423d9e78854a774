//! Clients that hang up mid-request: thousands of them, over every state-changing route of
//! the API and every server function behind the page, each closing its socket at a
//! different moment without reading the answer. Afterwards every kind of write works at
//! once, `signedin check` is clean, every sign-out whose request reached the server took
//! effect, and every write either happened whole, with its audit event, or not at all.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use sqlx::{AnyConnection, Connection, Row};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use crate::node::{Db, Node, PASSWORD, login, run, signup_and_login};

crate::on_both_stores!(
    a_storm_of_hang_ups_costs_no_one_a_write,
    sign_ins_past_the_session_cap_end_whole_under_hang_ups,
);

/// Requests the storm sends, each written whole and then abandoned.
struct HangUp {
    request: Vec<u8>,
    linger: Duration,
}

/// `host` is the node's `127.0.0.1:port`, as a browser sends it: the Origin check compares
/// a form's `Origin` with it, and a `Host` without the port would make every form post a
/// cross-site one (refused before it reached its server function).
fn raw(host: &str, method: &str, path: &str, headers: &[(&str, String)], body: &str) -> Vec<u8> {
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: hang-up storm\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    request.into_bytes()
}

fn json_post(host: &str, path: &str, bearer: Option<&str>, body: Value) -> Vec<u8> {
    let mut headers = vec![("Content-Type", "application/json".to_owned())];
    if let Some(token) = bearer {
        headers.push(("Authorization", format!("Bearer {token}")));
    }
    raw(host, "POST", path, &headers, &body.to_string())
}

/// A form post to a server function, as the page's no-JavaScript forms send it.
fn form_post(node: &Node, action: &str, cookie: Option<&str>, body: &str) -> Vec<u8> {
    let mut headers = vec![
        (
            "Content-Type",
            "application/x-www-form-urlencoded".to_owned(),
        ),
        ("Origin", node.base.clone()),
        ("Accept", "text/html".to_owned()),
    ];
    if let Some(token) = cookie {
        headers.push(("Cookie", format!("signedin_access={token}")));
    }
    raw(&node.host(), "POST", action, &headers, body)
}

/// How long a client waits before it closes: lands the close at different points of the
/// server's work (parsing, hashing, inside the transaction, writing the answer).
fn linger(rng: &mut Lcg) -> Duration {
    Duration::from_millis([0, 0, 1, 2, 5, 10, 25][rng.next() as usize % 7])
}

/// A small deterministic generator: the same storm on every run.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

/// The server-function URL a page's form posts to.
async fn form_action(
    client: &Client,
    node: &Node,
    page: &str,
    cookie: Option<&str>,
    function: &str,
) -> String {
    let mut request = client.get(node.url(page)).header("accept", "text/html");
    if let Some(token) = cookie {
        request = request.header("cookie", format!("signedin_access={token}"));
    }
    let html = request.send().await.unwrap().text().await.unwrap();
    let marker = format!("action=\"/api/{function}");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no form for {function} on {page}"))
        + "action=\"".len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end].to_owned()
}

fn access(session: &Value) -> String {
    session["access_token"].as_str().unwrap().to_owned()
}

fn refresh_token(session: &Value) -> String {
    session["refresh_token"].as_str().unwrap().to_owned()
}

fn prefix(session: &Value) -> String {
    session["session"]["jti_prefix"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn a_storm_of_hang_ups_costs_no_one_a_write(db: &Db) {
    // Nothing is shed for load here (no 503 for a full queue), so every request the server
    // received must end up done: the storm's thousands of detached writes arrive within a
    // second or two, far more than a node is meant to queue. Shedding has tests of its own.
    let node = Node::start(
        &db.url,
        &[
            ("SIGNEDIN_DB_ACQUIRE_TIMEOUT_SECS", "600"),
            ("SIGNEDIN_REQUEST_TIMEOUT_SECS", "600"),
            // The owner holds 121 sessions on purpose: above the default cap of 100, which
            // would sign the control session (the least recently used) out.
            ("SIGNEDIN_MAX_SESSIONS", "1000"),
        ],
    )
    .await;
    let client = Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let mut rng = Lcg(0x5eed);
    let host = node.host();

    // The owner's control session signs other sessions out; the rest are targets.
    let control = signup_and_login(&client, &node, "owner@example.com").await;
    let control_token = access(&control);
    let mut targets = Vec::new();
    for _ in 0..120 {
        targets.push(login(&client, &node, "owner@example.com").await);
    }
    // Accounts of their own for the bulk sign-outs and password changes, which end every
    // other session of the account.
    let mut bulk = Vec::new();
    for i in 0..12 {
        let email = format!("bulk{i}@example.com");
        let first = signup_and_login(&client, &node, &email).await;
        let second = login(&client, &node, &email).await;
        bulk.push((first, second));
    }
    // Accounts whose password the page's own form changes (a plain post, as without
    // JavaScript), with "sign out my other devices" ticked.
    let mut page_passwords = Vec::new();
    for i in 0..6 {
        let email = format!("pwpage{i}@example.com");
        let first = signup_and_login(&client, &node, &email).await;
        let second = login(&client, &node, &email).await;
        page_passwords.push((email, first, second));
    }
    let change_password_action = form_action(
        &client,
        &node,
        "/account/password",
        Some(&access(&page_passwords[0].1)),
        "change_password",
    )
    .await;
    let sign_in_action = form_action(&client, &node, "/login", None, "sign_in").await;
    let sign_up_action = form_action(&client, &node, "/signup", None, "sign_up").await;
    let devices_cookie = access(&targets[0]);
    let sign_out_session_action = form_action(
        &client,
        &node,
        "/account/devices",
        Some(&devices_cookie),
        "sign_out_session",
    )
    .await;
    let sign_out_others_action = form_action(
        &client,
        &node,
        "/account/devices",
        Some(&devices_cookie),
        "sign_out_other_sessions",
    )
    .await;
    let sign_out_action = form_action(
        &client,
        &node,
        "/account/devices",
        Some(&devices_cookie),
        "sign_out",
    )
    .await;

    // Sessions 0..40 are signed out by DELETE, 40..70 by logout, 70..90 by the page's
    // sign-out button; 90..120 only refresh. Every one must be gone afterwards: the server had
    // the whole request.
    let mut storm: Vec<HangUp> = Vec::new();
    let mut must_end: Vec<String> = Vec::new();
    // Sessions 90..105 are also renamed, each three times over by its stable id.
    let mut must_rename: Vec<(String, String)> = Vec::new();
    for (i, target) in targets.iter().enumerate() {
        let refresh = json_post(
            &host,
            "/auth/refresh",
            None,
            json!({"refresh_token": refresh_token(target)}),
        );
        for _ in 0..12 {
            storm.push(HangUp {
                request: refresh.clone(),
                linger: linger(&mut rng),
            });
        }
        match i {
            0..40 => {
                let delete = raw(
                    &host,
                    "DELETE",
                    &format!("/me/sessions/{}", prefix(target)),
                    &[("Authorization", format!("Bearer {control_token}"))],
                    "",
                );
                for _ in 0..3 {
                    storm.push(HangUp {
                        request: delete.clone(),
                        linger: linger(&mut rng),
                    });
                }
                must_end.push(prefix(target));
            }
            40..70 => {
                let logout = raw(
                    &host,
                    "POST",
                    "/auth/logout",
                    &[("Authorization", format!("Bearer {}", access(target)))],
                    "",
                );
                for _ in 0..3 {
                    storm.push(HangUp {
                        request: logout.clone(),
                        linger: linger(&mut rng),
                    });
                }
                must_end.push(prefix(target));
            }
            70..90 => {
                let body = format!("jti_prefix={}", prefix(target));
                for _ in 0..3 {
                    storm.push(HangUp {
                        request: form_post(
                            &node,
                            &sign_out_session_action,
                            Some(&control_token),
                            &body,
                        ),
                        linger: linger(&mut rng),
                    });
                }
                must_end.push(prefix(target));
            }
            90..105 => {
                let id = target["session"]["id"].as_str().unwrap().to_owned();
                let name = format!("Device {i}");
                let rename = raw(
                    &host,
                    "PATCH",
                    &format!("/me/sessions/{id}"),
                    &[
                        ("Authorization", format!("Bearer {control_token}")),
                        ("Content-Type", "application/json".to_owned()),
                    ],
                    &json!({ "name": name }).to_string(),
                );
                for _ in 0..3 {
                    storm.push(HangUp {
                        request: rename.clone(),
                        linger: linger(&mut rng),
                    });
                }
                must_rename.push((id, name));
            }
            _ => {}
        }
        let reauth = json_post(
            &host,
            "/auth/reauth",
            Some(&access(target)),
            json!({"password": PASSWORD}),
        );
        storm.push(HangUp {
            request: reauth,
            linger: linger(&mut rng),
        });
    }
    for (i, (first, second)) in bulk.iter().enumerate() {
        let request = match i % 4 {
            0 => json_post(
                &host,
                "/accounts/me/security/revoke-sessions",
                Some(&access(first)),
                json!({"scope": "others"}),
            ),
            1 => json_post(
                &host,
                "/accounts/me/security/revoke-sessions",
                Some(&access(first)),
                json!({"scope": "all"}),
            ),
            2 => json_post(
                &host,
                "/accounts/me/password",
                Some(&access(first)),
                json!({"current_password": PASSWORD, "new_password": format!("{PASSWORD} {i}")}),
            ),
            _ => form_post(
                &node,
                &sign_out_others_action,
                Some(&access(first)),
                "password=",
            ),
        };
        for _ in 0..4 {
            storm.push(HangUp {
                request: request.clone(),
                linger: linger(&mut rng),
            });
        }
        storm.push(HangUp {
            request: form_post(&node, &sign_out_action, Some(&access(second)), ""),
            linger: linger(&mut rng),
        });
    }
    for i in 0..60 {
        let email = format!("new{i}@example.com");
        storm.push(HangUp {
            request: json_post(
                &host,
                "/auth/signup",
                None,
                json!({"email": email, "password": PASSWORD}),
            ),
            linger: linger(&mut rng),
        });
        storm.push(HangUp {
            request: json_post(
                &host,
                "/auth/login",
                None,
                json!({"email": "owner@example.com", "password": PASSWORD}),
            ),
            linger: linger(&mut rng),
        });
        let form = format!("email=form{i}%40example.com&password=correct+horse+battery+staple");
        storm.push(HangUp {
            request: form_post(&node, &sign_up_action, None, &form),
            linger: linger(&mut rng),
        });
        let form = "email=owner%40example.com&password=correct+horse+battery+staple&next=%2Faccount%2Fdevices";
        storm.push(HangUp {
            request: form_post(&node, &sign_in_action, None, form),
            linger: linger(&mut rng),
        });
    }
    for (i, (_, first, _)) in page_passwords.iter().enumerate() {
        let form = format!(
            "current_password=correct+horse+battery+staple&new_password=page+password+{i}&sign_out_others=on"
        );
        storm.push(HangUp {
            request: form_post(&node, &change_password_action, Some(&access(first)), &form),
            linger: linger(&mut rng),
        });
    }
    // Shuffle, so every kind of request overlaps every other.
    for i in (1..storm.len()).rev() {
        let j = rng.next() as usize % (i + 1);
        storm.swap(i, j);
    }
    let total = storm.len();
    assert!(total >= 2000, "a storm of thousands: {total}");

    let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let gate = Arc::new(Semaphore::new(64));
    let mut tasks = Vec::new();
    for hang_up in storm {
        let permit = gate.clone().acquire_owned().await.unwrap();
        let port = node.port;
        let sent = sent.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = permit;
            let Ok(mut socket) = TcpStream::connect(("127.0.0.1", port)).await else {
                return;
            };
            if socket.write_all(&hang_up.request).await.is_ok() {
                sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            if !hang_up.linger.is_zero() {
                tokio::time::sleep(hang_up.linger).await;
            }
            // Dropped unread: the client is gone.
            drop(socket);
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let sent = sent.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(sent, total, "every request of the storm was written whole");

    // Let the storm's own writes, still running in their tasks, finish; then every kind of
    // write works at once.
    wait_until_quiet(&db.url).await;
    let fresh = signup_and_login(&client, &node, "after@example.com").await;
    let rotated = client
        .post(node.url("/auth/refresh"))
        .json(&json!({"refresh_token": refresh_token(&fresh)}))
        .send()
        .await
        .unwrap();
    assert_eq!(rotated.status(), StatusCode::OK, "refresh after the storm");
    let second = login(&client, &node, "after@example.com").await;
    let deleted = client
        .delete(node.url(&format!("/me/sessions/{}", prefix(&second))))
        .bearer_auth(access(&fresh))
        .send()
        .await
        .unwrap();
    assert_eq!(
        deleted.status(),
        StatusCode::NO_CONTENT,
        "sign-out after the storm"
    );
    let changed = client
        .post(node.url("/accounts/me/password"))
        .bearer_auth(access(&fresh))
        .json(&json!({"current_password": PASSWORD, "new_password": format!("{PASSWORD}!")}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        changed.status(),
        StatusCode::NO_CONTENT,
        "password change after the storm"
    );

    // Every password change the page's form sent completed whole: the new password works,
    // the old one does not, and the other session ended with it.
    for (i, (email, _, second)) in page_passwords.iter().enumerate() {
        let with = |password: String| {
            client
                .post(node.url("/auth/login"))
                .json(&json!({"email": email, "password": password}))
                .send()
        };
        let new = with(format!("page password {i}")).await.unwrap();
        assert_eq!(
            new.status(),
            StatusCode::OK,
            "a password change was lost: {email}"
        );
        let old = with(PASSWORD.to_owned()).await.unwrap();
        assert_eq!(
            old.status(),
            StatusCode::UNAUTHORIZED,
            "the old password: {email}"
        );
        must_end.push(prefix(second));
    }

    let check = run(&db.url, &["check"]);
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "check after the storm: {report}");

    let mut conn = connect(&db.url).await;
    for prefix in &must_end {
        let live: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id \
             WHERE s.revoked_at IS NULL AND t.jti_prefix = $1",
        )
        .bind(prefix)
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get("n");
        assert_eq!(live, 0, "a sign-out the server received was lost: {prefix}");
    }
    for (id, name) in &must_rename {
        let session = id.strip_prefix("ses_").unwrap();
        let stored: Option<String> = sqlx::query("SELECT name FROM sessions WHERE id = $1")
            .bind(session)
            .fetch_one(&mut conn)
            .await
            .unwrap()
            .get("name");
        assert_eq!(
            stored.as_deref(),
            Some(name.as_str()),
            "a rename was lost: {id}"
        );
        // Three identical renames: the first is the change, the repeats change nothing.
        let events: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM audit_events \
             WHERE kind = 'session_renamed' AND target_session_id = $1",
        )
        .bind(session)
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get("n");
        assert_eq!(events, 1, "one session_renamed event for {id}");
    }
    // The page's own forms reached their server functions too.
    let signed_up_by_form = count(
        &mut conn,
        "SELECT COUNT(*) AS n FROM users WHERE email_normalized LIKE 'form%'",
    )
    .await;
    assert_eq!(
        signed_up_by_form, 60,
        "every sign-up form the server received"
    );
    for (what, sql) in WHOLE_OR_NOTHING {
        assert_eq!(count(&mut conn, sql).await, 0, "{what}");
    }
    if db.url.starts_with("sqlite:") {
        // The write lock is free: another process's writer gets it at once.
        sqlx::query("PRAGMA busy_timeout = 1000")
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut conn)
            .await
            .expect("the file's write lock is free");
        sqlx::query("ROLLBACK").execute(&mut conn).await.unwrap();
    } else {
        let stuck: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM pg_stat_activity \
             WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get("n");
        assert_eq!(stuck, 0, "a connection was left idle in a transaction");
    }
    let audited: i64 = sqlx::query("SELECT COUNT(*) AS n FROM audit_events")
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get("n");
    eprintln!(
        "hang-up storm ({}): {total} requests abandoned, {} sign-outs all in force, {audited} audit events",
        db.url.split(':').next().unwrap_or(""),
        must_end.len()
    );
    node.terminate();
}

/// Sign-ins past the cap on live sessions, abandoned at every moment: each one the server
/// received signs in whole, and the least recently used session it ended went with its event.
async fn sign_ins_past_the_session_cap_end_whole_under_hang_ups(db: &Db) {
    let node = Node::start(&db.url, &[("SIGNEDIN_MAX_SESSIONS", "3")]).await;
    let client = Client::new();
    signup_and_login(&client, &node, "cap@example.com").await;
    let sign_in_action = form_action(&client, &node, "/login", None, "sign_in").await;
    let mut rng = Lcg(0xca9);
    let host = node.host();
    let mut storm = Vec::new();
    for _ in 0..40 {
        storm.push(HangUp {
            request: json_post(
                &host,
                "/auth/login",
                None,
                json!({"email": "cap@example.com", "password": PASSWORD}),
            ),
            linger: linger(&mut rng),
        });
    }
    let form =
        "email=cap%40example.com&password=correct+horse+battery+staple&next=%2Faccount%2Fdevices";
    for _ in 0..20 {
        storm.push(HangUp {
            request: form_post(&node, &sign_in_action, None, form),
            linger: linger(&mut rng),
        });
    }
    let gate = Arc::new(Semaphore::new(16));
    let mut tasks = Vec::new();
    for hang_up in storm {
        let permit = gate.clone().acquire_owned().await.unwrap();
        let port = node.port;
        tasks.push(tokio::spawn(async move {
            let _permit = permit;
            let mut socket = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
            socket.write_all(&hang_up.request).await.unwrap();
            if !hang_up.linger.is_zero() {
                tokio::time::sleep(hang_up.linger).await;
            }
            drop(socket);
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    wait_until_quiet(&db.url).await;

    let mut conn = connect(&db.url).await;
    let sessions = count(&mut conn, "SELECT COUNT(*) AS n FROM sessions").await;
    assert_eq!(sessions, 61, "every sign-in the server received signed in");
    let live = count(
        &mut conn,
        "SELECT COUNT(*) AS n FROM sessions WHERE revoked_at IS NULL",
    )
    .await;
    assert_eq!(live, 3, "the cap holds");
    let evicted = count(
        &mut conn,
        "SELECT COUNT(*) AS n FROM sessions WHERE revoked_reason = 'session_limit'",
    )
    .await;
    let events = count(
        &mut conn,
        "SELECT COUNT(*) AS n FROM audit_events WHERE kind = 'session_evicted'",
    )
    .await;
    assert_eq!(
        (evicted, events),
        (58, 58),
        "each one past the cap ended, with its event"
    );
    for (what, sql) in WHOLE_OR_NOTHING {
        assert_eq!(count(&mut conn, sql).await, 0, "{what}");
    }
    let check = run(&db.url, &["check"]);
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "check after the storm: {report}");
    node.terminate();
}

/// The `n` a counting query answers.
async fn count(conn: &mut AnyConnection, sql: &str) -> i64 {
    sqlx::query(sql).fetch_one(conn).await.unwrap().get("n")
}

/// Each query counts the rows that a write cut in half would leave.
const WHOLE_OR_NOTHING: &[(&str, &str)] = &[
    (
        "a named session without the event that named it",
        "SELECT COUNT(*) AS n FROM sessions s WHERE s.name IS NOT NULL AND NOT EXISTS \
         (SELECT 1 FROM audit_events e WHERE e.kind = 'session_renamed' \
          AND e.target_session_id = s.id)",
    ),
    (
        "a session without its first refresh token",
        "SELECT COUNT(*) AS n FROM sessions s \
         WHERE NOT EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.session_id = s.id)",
    ),
    (
        "a session without its sign-in event",
        "SELECT COUNT(*) AS n FROM sessions s WHERE NOT EXISTS \
         (SELECT 1 FROM audit_events e WHERE e.kind = 'sign_in' AND e.session_id = s.id)",
    ),
    (
        "an account without its account_created event",
        "SELECT COUNT(*) AS n FROM users u WHERE NOT EXISTS \
         (SELECT 1 FROM audit_events e WHERE e.kind = 'account_created' AND e.user_id = u.id)",
    ),
    (
        "a signed-out session without the event that signed it out",
        "SELECT COUNT(*) AS n FROM sessions s WHERE s.revoked_at IS NOT NULL AND NOT EXISTS \
         (SELECT 1 FROM audit_events e WHERE e.user_id = s.user_id AND e.occurred_at = s.revoked_at)",
    ),
    (
        "a password change without its event",
        "SELECT COUNT(*) AS n FROM users u WHERE u.password_changed_at > u.created_at AND NOT EXISTS \
         (SELECT 1 FROM audit_events e WHERE e.kind = 'password_changed' AND e.user_id = u.id \
            AND e.occurred_at = u.password_changed_at)",
    ),
    (
        "a session signed out under the cap without its session_evicted event",
        "SELECT COUNT(*) AS n FROM sessions s WHERE s.revoked_reason = 'session_limit' AND NOT EXISTS \
         (SELECT 1 FROM audit_events e WHERE e.kind = 'session_evicted' AND e.target_session_id = s.id)",
    ),
    (
        "a session_evicted event for a session still live",
        "SELECT COUNT(*) AS n FROM audit_events e JOIN sessions s ON s.id = e.target_session_id \
         WHERE e.kind = 'session_evicted' AND s.revoked_at IS NULL",
    ),
    (
        "a rotated token whose successor was never written",
        "SELECT COUNT(*) AS n FROM refresh_tokens t WHERE t.revoked_reason = 'rotated' AND NOT EXISTS \
         (SELECT 1 FROM refresh_tokens s WHERE s.jti_hash = t.replaced_by)",
    ),
];

async fn connect(url: &str) -> AnyConnection {
    sqlx::any::install_default_drivers();
    AnyConnection::connect(url)
        .await
        .expect("the test reaches the database")
}

/// Until the database stops changing: the storm's detached requests have all finished.
/// Every write adds a row to one of these two tables (a rotation its successor token; a
/// sign-in, sign-out, re-auth or password change its audit event).
async fn wait_until_quiet(url: &str) {
    let mut conn = connect(url).await;
    let mut last = -1_i64;
    let mut still = 0;
    for _ in 0..600 {
        let now: i64 = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM audit_events) + (SELECT COUNT(*) FROM refresh_tokens) AS n",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get("n");
        still = if now == last { still + 1 } else { 0 };
        if still == 2 {
            return;
        }
        last = now;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    panic!("the server kept writing for ten minutes after the storm");
}

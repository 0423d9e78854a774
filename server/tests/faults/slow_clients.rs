//! Clients that are slow or silent, and a database that stalls: nobody waits forever and
//! nobody else pays for them. Idle and trickling connections are closed after the client
//! timeout and never keep a sign-in from being answered; a body that never arrives is
//! answered 408; a request stuck on the database is answered 503 with `Retry-After`, and
//! the write it carried still completes once the database moves again.

use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde_json::json;
use sqlx::Connection;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::node::{Db, Node, PASSWORD, login, signup_and_login};

crate::on_both_stores!(
    idle_and_trickling_connections_neither_starve_a_sign_in_nor_stay_open,
    a_body_that_never_arrives_is_answered_408,
    a_request_stuck_on_the_database_is_answered_503_and_its_write_still_completes,
);

const CLIENT_TIMEOUT: &str = "2";

async fn idle_and_trickling_connections_neither_starve_a_sign_in_nor_stay_open(db: &Db) {
    let node = Node::start(&db.url, &[("SIGNEDIN_CLIENT_TIMEOUT_SECS", CLIENT_TIMEOUT)]).await;
    let client = Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    signup_and_login(&client, &node, "ada@example.com").await;

    let mut idle = Vec::new();
    for _ in 0..400 {
        idle.push(TcpStream::connect(("127.0.0.1", node.port)).await.unwrap());
    }
    // Slowloris: a request line and then a header byte now and then, never the blank line.
    let mut trickling = Vec::new();
    for _ in 0..40 {
        let mut socket = TcpStream::connect(("127.0.0.1", node.port)).await.unwrap();
        socket
            .write_all(b"POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            .await
            .unwrap();
        trickling.push(socket);
    }
    let trickle = tokio::spawn(async move {
        for _ in 0..20 {
            for socket in &mut trickling {
                let _ = socket.write_all(b"a").await;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        trickling
    });

    // With all 440 of them open, a real client is served (the time is reported, not judged:
    // speed belongs to the benchmarks).
    let started = Instant::now();
    let signed_in = login(&client, &node, "ada@example.com").await;
    let elapsed = started.elapsed();
    assert!(signed_in["access_token"].is_string());
    eprintln!(
        "sign-in beside 400 idle and 40 trickling connections ({}): {:.1} ms",
        db.url.split(':').next().unwrap_or(""),
        elapsed.as_secs_f64() * 1000.0
    );

    // After the client timeout the server has closed every one of them: a read sees the end.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for (i, socket) in idle.iter_mut().enumerate() {
        assert!(
            closed_by_server(socket).await,
            "idle connection {i} is still open"
        );
    }
    let mut trickling = trickle.await.unwrap();
    for (i, socket) in trickling.iter_mut().enumerate() {
        assert!(
            closed_by_server(socket).await,
            "trickling connection {i} is still open"
        );
    }
    // And the server is as good as new.
    login(&client, &node, "ada@example.com").await;
    node.terminate();
}

/// The server ended the connection: a read returns end-of-file (after any answer it sent)
/// or a reset, within a short wait.
async fn closed_by_server(socket: &mut TcpStream) -> bool {
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(Duration::from_secs(2), socket.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

async fn a_body_that_never_arrives_is_answered_408(db: &Db) {
    let node = Node::start(&db.url, &[("SIGNEDIN_CLIENT_TIMEOUT_SECS", CLIENT_TIMEOUT)]).await;
    let mut socket = TcpStream::connect(("127.0.0.1", node.port)).await.unwrap();
    socket
        .write_all(
            b"POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n{\"email\":",
        )
        .await
        .unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), socket.read_to_end(&mut answer))
        .await
        .expect("the server answers and closes within the client timeout")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(answer.contains("\"type\":\"request_timeout\""), "{answer}");
    node.terminate();
}

async fn a_request_stuck_on_the_database_is_answered_503_and_its_write_still_completes(db: &Db) {
    let node = Node::start(
        &db.url,
        &[
            ("SIGNEDIN_REQUEST_TIMEOUT_SECS", "1"),
            ("SIGNEDIN_DB_ACQUIRE_TIMEOUT_SECS", "30"),
        ],
    )
    .await;
    let client = Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    signup_and_login(&client, &node, "ada@example.com").await;

    // Another process holds the lock every sign-up needs.
    let holder = hold_users_lock(&db.url).await;
    let stuck = client
        .post(node.url("/auth/signup"))
        .json(&json!({"email": "grace@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(stuck.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(stuck.headers()["retry-after"], "5");
    assert_eq!(stuck.headers()["content-type"], "application/problem+json");
    let problem: serde_json::Value = stuck.json().await.unwrap();
    assert_eq!(problem["type"], "timeout");

    // A read does not wait for the lock on either store, and is answered as usual.
    let health = client.get(node.url("/readyz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);

    // The database moves again: the sign-up the server accepted completes on its own.
    holder.release().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let response = client
            .post(node.url("/auth/login"))
            .json(&json!({"email": "grace@example.com", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        if response.status() == StatusCode::OK {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the accepted sign-up never completed: {}",
            response.status()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    node.terminate();
}

/// An open transaction in another process that holds what a sign-up must write.
enum LockHolder {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

async fn hold_users_lock(url: &str) -> LockHolder {
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::raw_sql("BEGIN IMMEDIATE")
            .execute(&mut conn)
            .await
            .unwrap();
        LockHolder::Sqlite(conn)
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::raw_sql("BEGIN; LOCK TABLE users IN EXCLUSIVE MODE")
            .execute(&mut conn)
            .await
            .unwrap();
        LockHolder::Postgres(conn)
    }
}

impl LockHolder {
    async fn release(self) {
        match self {
            LockHolder::Sqlite(mut conn) => {
                sqlx::raw_sql("ROLLBACK").execute(&mut conn).await.unwrap();
            }
            LockHolder::Postgres(mut conn) => {
                sqlx::raw_sql("ROLLBACK").execute(&mut conn).await.unwrap();
            }
        }
    }
}

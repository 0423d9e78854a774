//! Two nodes on one PostgreSQL share the password budgets: a guesser who spreads sign-ins or
//! re-authentications over the nodes gets one budget, not one per node. (SQLite serves a
//! single node, whose own limiter is the whole story.)

use reqwest::{Client, StatusCode};
use serde_json::json;
use sqlx::{Connection, Row};

use crate::node::{Db, Node, PASSWORD, login};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_and_re_auth_budgets_hold_across_nodes() {
    let Some(db) = Db::postgres().await else {
        return;
    };
    let limits = [(
        "SIGNEDIN_RATE_LIMITS",
        "signin_ip=4/600,reauth_session=3/600",
    )];
    let a = Node::start(&db.url, &limits).await;
    let b = Node::start(&db.url, &limits).await;
    let client = Client::new();

    // Four sign-in requests from one address, spread over both nodes: the budget is spent.
    let created = client
        .post(a.url("/auth/signup"))
        .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let session = login(&client, &b, "ada@example.com").await;
    login(&client, &a, "ada@example.com").await;
    login(&client, &b, "ada@example.com").await;
    for node in [&a, &b] {
        let refused = client
            .post(node.url("/auth/login"))
            .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            refused.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "the fifth sign-in, on {}",
            node.base
        );
        let wait: u64 = refused.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=600).contains(&wait), "Retry-After {wait}");
    }

    // Re-authentication of one session, alternating nodes: three, then refused on both.
    let token = session["access_token"].as_str().unwrap();
    let allowed = StatusCode::NO_CONTENT;
    let refused = StatusCode::TOO_MANY_REQUESTS;
    for (node, expected) in [
        (&a, allowed),
        (&b, allowed),
        (&a, allowed),
        (&b, refused),
        (&a, refused),
    ] {
        let answer = client
            .post(node.url("/auth/reauth"))
            .bearer_auth(token)
            .json(&json!({"password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), expected, "re-auth on {}", node.base);
    }

    // The shared buckets hold hashes only: no email, address or session id.
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let keys: Vec<String> = sqlx::query("SELECT key FROM rate_limit_buckets")
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|row| row.get("key"))
        .collect();
    assert!(!keys.is_empty());
    for key in &keys {
        assert!(
            key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit()),
            "a hashed key: {key}"
        );
    }
    drop(conn);
    a.terminate();
    b.terminate();
    db.finish().await;
}

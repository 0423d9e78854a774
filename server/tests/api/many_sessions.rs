//! Accounts with many sessions over HTTP: `GET /me/sessions?limit=&cursor=` a page at a time,
//! what a bad limit or cursor is answered with, the page's "Show more" without JavaScript,
//! and the session cap set by `SIGNEDIN_MAX_SESSIONS`.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use signedin::token::RefreshToken;

use crate::helpers::{
    Backend, IPHONE_SAFARI, Options, TestApp, problem, seed_session, spawn_app, spawn_app_with,
};
use crate::pages::{browser, form_sign_in, page};

crate::on_both_stores!(
    the_list_comes_a_page_at_a_time_and_every_session_once,
    a_bad_limit_or_cursor_is_a_422_problem,
    the_page_shows_more_devices_without_javascript,
    the_cap_is_a_setting_and_its_sign_outs_show_on_the_page,
);

fn token(login: &Value) -> &str {
    login["access_token"].as_str().unwrap()
}

/// `n` more sessions of `email`, written straight to the database a second apart (signing in
/// this often would meet the rate limits), all older than the caller's.
async fn seed_sessions(app: &TestApp, email: &str, n: usize) {
    let now = app.service.now();
    for i in 0..n {
        let at = now.minus(Duration::from_secs(60 + i as u64));
        let session_id = signedin::token::random_id().unwrap();
        let token = RefreshToken::generate().unwrap().hash();
        seed_session(app, email, session_id, token, at).await;
    }
}

async fn list(app: &TestApp, bearer: &str, query: &str) -> reqwest::Response {
    app.client
        .get(app.url(&format!("/me/sessions{query}")))
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap()
}

async fn the_list_comes_a_page_at_a_time_and_every_session_once(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let mac = app.user("ada@example.com").await;
    seed_sessions(&app, "ada@example.com", 6).await;
    let mut seen = Vec::new();
    let mut query = "?limit=3".to_owned();
    let mut pages = 0;
    loop {
        let response = list(&app, token(&mac), &query).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        let sessions = body["sessions"].as_array().unwrap();
        assert!(sessions.len() <= 3);
        seen.extend(
            sessions
                .iter()
                .map(|s| s["id"].as_str().unwrap().to_owned()),
        );
        pages += 1;
        match body["next_cursor"].as_str() {
            Some(cursor) => query = format!("?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 3, "3 + 3 + 1");
    assert_eq!(seen[0], mac["session"]["id"], "the caller's own first");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 7, "each once");
    // The default page holds them all, and says there is no more.
    let body: Value = list(&app, token(&mac), "").await.json().await.unwrap();
    assert_eq!(body["sessions"].as_array().unwrap().len(), 7);
    assert!(body.get("next_cursor").is_none());
    app.finish().await;
}

async fn a_bad_limit_or_cursor_is_a_422_problem(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let mac = app.user("ada@example.com").await;
    for (query, detail) in [
        ("?limit=0", "limit: must be between 1 and 200"),
        ("?limit=201", "limit: must be between 1 and 200"),
        ("?limit=many", "limit: must be between 1 and 200"),
        ("?limit=-1", "limit: must be between 1 and 200"),
        (
            "?cursor=nonsense",
            "cursor: is not one this server gave out",
        ),
        (
            "?cursor=1.%3Cscript%3E",
            "cursor: is not one this server gave out",
        ),
    ] {
        let response = list(&app, token(&mac), query).await;
        let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert_eq!(body["detail"], detail, "{query}");
    }
    // Without a valid token a request is refused as such, whatever it asks for.
    for query in ["?limit=2", "?limit=0", "?cursor=nonsense"] {
        let response = list(&app, "not-a-token", query).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{query}");
    }
    app.finish().await;
}

/// How many device rows the page lists.
fn rows(html: &str) -> usize {
    html.matches("data-prefix=").count()
}

async fn the_page_shows_more_devices_without_javascript(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    app.signup("ada@example.com").await;
    seed_sessions(&app, "ada@example.com", 60).await;
    let client = browser();
    form_sign_in(&client, &app, "ada@example.com").await;
    // 60 seeded and this one (signing up signs nobody in): 61.
    let (status, _, html) = page(&client, &app, "/account/devices").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rows(&html), 50, "a page's worth");
    // The link itself (the words are also in the island's props, whatever is shown).
    assert!(html.contains(">Show more devices</a>"));
    assert!(html.contains("50 of 61 shown"));
    assert!(
        html.contains("Sign out 60 other sessions"),
        "the bulk sign-out counts every other session, not just those shown"
    );
    let start = html
        .find("href=\"/account/devices?show=")
        .expect("a plain link")
        + 6;
    let href = &html[start..start + html[start..].find('"').unwrap()];
    assert!(
        href.starts_with("/account/devices?show=100#device-ses_"),
        "{href}"
    );
    let (status, _, html) = page(&client, &app, href.split('#').next().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rows(&html), 61, "all of them now");
    assert!(
        !html.contains(">Show more devices</a>"),
        "nothing more to show"
    );
    // Out-of-range or made-up values are held to the page's bounds, never an error.
    for query in ["?show=0", "?show=99999999", "?show=abc", "?show=-3"] {
        let (status, _, html) = page(&client, &app, &format!("/account/devices{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        assert!(rows(&html) >= 50, "{query}");
    }
    app.finish().await;
}

async fn the_cap_is_a_setting_and_its_sign_outs_show_on_the_page(backend: Backend) {
    let Some(app) = spawn_app_with(Options::new(backend).with("--max-sessions", "2")).await else {
        return;
    };
    let first = app.user("ada@example.com").await;
    app.advance(Duration::from_secs(5));
    let second = app.login_as("ada@example.com", IPHONE_SAFARI).await;
    app.advance(Duration::from_secs(5));
    let client = browser();
    form_sign_in(&client, &app, "ada@example.com").await;
    // The first session was the least recently used: it is signed out, on its next request.
    let refused = list(&app, token(&first), "").await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let body: Value = list(&app, token(&second), "").await.json().await.unwrap();
    assert_eq!(body["sessions"].as_array().unwrap().len(), 2);
    let (_, _, html) = page(&client, &app, "/account/devices").await;
    assert_eq!(rows(&html), 2);
    assert!(
        html.contains("was signed out: it was the least recently used, and at most 2 sessions can be signed in at once"),
        "the activity list says why"
    );
    app.finish().await;
}

//! Names for devices over HTTP: `PATCH /me/sessions/{id}`, `DELETE` by the stable id, what
//! each bad name is answered with, and the page's rename form with and without JavaScript.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, IPHONE_SAFARI, TestApp, problem, spawn_app};
use crate::pages::{browser, form_action, form_sign_in, page};

crate::on_both_stores!(
    a_session_is_renamed_by_its_id_and_keeps_the_name_across_refreshes,
    each_kind_of_bad_name_is_a_422_problem_and_changes_nothing,
    another_users_session_is_a_404_by_its_id,
    a_device_is_signed_out_by_its_id,
    a_rename_needs_a_bearer_token_and_a_same_site_origin,
    the_page_renames_a_device_without_javascript_and_shows_the_name_as_text,
    a_refused_name_reaches_the_page_as_its_code,
);

fn token(login: &Value) -> &str {
    login["access_token"].as_str().unwrap()
}

async fn rename(app: &TestApp, bearer: &str, id: &str, body: Value) -> Response {
    app.client
        .patch(app.url(&format!("/me/sessions/{id}")))
        .bearer_auth(bearer)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn delete(app: &TestApp, bearer: &str, id: &str) -> Response {
    app.client
        .delete(app.url(&format!("/me/sessions/{id}")))
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap()
}

/// The listed session whose id is `id`.
async fn listed(app: &TestApp, bearer: &str, id: &str) -> Value {
    app.sessions(bearer)
        .await
        .into_iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("{id} is not listed"))
}

async fn a_session_is_renamed_by_its_id_and_keeps_the_name_across_refreshes(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let mac = app.user("ada@example.com").await;
    let phone = app.login_as("ada@example.com", IPHONE_SAFARI).await;
    let id = phone["session"]["id"].as_str().unwrap().to_owned();
    assert!(
        id.starts_with("ses_") && id.len() == 36,
        "ses_ and 32 hex characters: {id}"
    );
    assert_eq!(phone["session"]["name"], Value::Null);

    let response = rename(&app, token(&mac), &id, json!({"name": " Ada’s phone "})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let view: Value = response.json().await.unwrap();
    assert_eq!(view["id"], id.as_str());
    assert_eq!(view["name"], "Ada’s phone");
    assert_eq!(view["device"]["label"], "Safari on iPhone");
    assert_eq!(view["is_current"], false, "as the caller sees it");

    let refreshed: Value = app
        .refresh(phone["refresh_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    let after = listed(&app, token(&refreshed), &id).await;
    assert_eq!(after["name"], "Ada’s phone");
    assert_eq!(after["is_current"], true);
    assert_ne!(
        after["jti_prefix"], phone["session"]["jti_prefix"],
        "rotated"
    );

    let events = app
        .get_bearer("/me/security/events?limit=1", token(&mac))
        .await;
    let events: Value = events.json().await.unwrap();
    assert_eq!(events["events"][0]["kind"], "session_renamed");
    assert_eq!(
        events["events"][0]["summary"],
        "You renamed Safari on iPhone to “Ada’s phone”"
    );
    assert_eq!(events["events"][0]["name"], "Ada’s phone");

    let cleared = rename(&app, token(&mac), &id, json!({"name": null})).await;
    assert_eq!(cleared.status(), StatusCode::OK);
    assert_eq!(cleared.json::<Value>().await.unwrap()["name"], Value::Null);
    assert_eq!(listed(&app, token(&mac), &id).await["name"], Value::Null);
    app.finish().await;
}

async fn each_kind_of_bad_name_is_a_422_problem_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let mac = app.user("ada@example.com").await;
    let id = mac["session"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        rename(&app, token(&mac), &id, json!({"name": "Mac"}))
            .await
            .status(),
        StatusCode::OK
    );
    let too_long = "a".repeat(65);
    for (body, detail) in [
        (
            json!({"name": too_long}),
            "name: must be at most 64 characters",
        ),
        (
            json!({"name": "Work\u{7}laptop"}),
            "name: must not contain control characters or line breaks",
        ),
        (
            json!({"name": "Work\nlaptop"}),
            "name: must not contain control characters or line breaks",
        ),
        (
            json!({"name": "\u{202E}potpal kroW"}),
            "name: must not contain text-direction characters",
        ),
        (
            json!({"name": "Work\u{2067}laptop"}),
            "name: must not contain text-direction characters",
        ),
        (json!({}), "name: is required (null removes the name)"),
    ] {
        let response = rename(&app, token(&mac), &id, body.clone()).await;
        let problem = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert_eq!(problem["detail"], detail, "{body}");
    }
    let wrong_type = rename(&app, token(&mac), &id, json!({"name": 5})).await;
    problem(wrong_type, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    for bad_id in ["ses_nothex", "ses_0123", "zz"] {
        let response = rename(&app, token(&mac), bad_id, json!({"name": "x"})).await;
        problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    }
    assert_eq!(listed(&app, token(&mac), &id).await["name"], "Mac");
    app.finish().await;
}

async fn another_users_session_is_a_404_by_its_id(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let ada = app.user("ada@example.com").await;
    let bob = app.user("bob@example.com").await;
    let ada_id = ada["session"]["id"].as_str().unwrap();
    let renamed = rename(&app, token(&bob), ada_id, json!({"name": "Bob’s"})).await;
    problem(renamed, StatusCode::NOT_FOUND, "not_found").await;
    let deleted = delete(&app, token(&bob), ada_id).await;
    problem(deleted, StatusCode::NOT_FOUND, "not_found").await;
    let ada_session = listed(&app, token(&ada), ada_id).await;
    assert_eq!(ada_session["name"], Value::Null, "untouched");
    app.finish().await;
}

async fn a_device_is_signed_out_by_its_id(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let mac = app.user("ada@example.com").await;
    let phone = app.login_as("ada@example.com", IPHONE_SAFARI).await;
    let id = phone["session"]["id"].as_str().unwrap();
    assert_eq!(
        delete(&app, token(&mac), id).await.status(),
        StatusCode::NO_CONTENT
    );
    problem(
        app.get_bearer("/me/sessions", token(&phone)).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    assert_eq!(app.sessions(token(&mac)).await.len(), 1);
    problem(
        delete(&app, token(&mac), id).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let renamed = rename(&app, token(&mac), id, json!({"name": "Gone"})).await;
    problem(renamed, StatusCode::NOT_FOUND, "not_found").await;
    app.finish().await;
}

async fn a_rename_needs_a_bearer_token_and_a_same_site_origin(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let mac = app.user("ada@example.com").await;
    let id = mac["session"]["id"].as_str().unwrap();
    let anonymous = app
        .client
        .patch(app.url(&format!("/me/sessions/{id}")))
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let cross_site = app
        .client
        .patch(app.url(&format!("/me/sessions/{id}")))
        .bearer_auth(token(&mac))
        .header("origin", "https://evil.example")
        .header("cookie", "signedin_access=x")
        .json(&json!({"name": "Pwned"}))
        .send()
        .await
        .unwrap();
    problem(cross_site, StatusCode::FORBIDDEN, "cross_site_request").await;
    assert_eq!(listed(&app, token(&mac), id).await["name"], Value::Null);
    app.finish().await;
}

async fn the_page_renames_a_device_without_javascript_and_shows_the_name_as_text(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    app.signup("ada@example.com").await;
    let phone = app.login_as("ada@example.com", IPHONE_SAFARI).await;
    let id = phone["session"]["id"].as_str().unwrap();
    let client = browser();
    form_sign_in(&client, &app, "ada@example.com").await;
    let (_, _, html) = page(&client, &app, "/account/devices").await;
    assert!(
        html.contains(&format!("name=\"id\" value=\"{id}\"")),
        "each row's rename form names its session by id"
    );
    assert!(html.contains(">Device name<input"));
    let action = form_action(&html, "rename_session");
    let name = "<b>Ada’s</b> phone";
    let posted = client
        .post(app.url(&action))
        .header("accept", "text/html")
        .header("origin", app.base.clone())
        .header("referer", app.url("/account/devices"))
        .form(&[("id", id), ("name", name)])
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), StatusCode::FOUND, "back to the page");
    // Leptos strips its own error parameters from the page's URL, leaving a bare `?`.
    let location = posted.headers()["location"].to_str().unwrap();
    assert!(
        location.trim_end_matches('?').ends_with("/account/devices"),
        "{location}"
    );
    let (_, _, html) = page(&client, &app, "/account/devices").await;
    assert!(!html.contains("<b>Ada"), "never HTML");
    assert!(
        html.contains("&lt;b&gt;Ada’s&lt;/b&gt; phone"),
        "the name, as text"
    );
    assert!(html.contains("Safari on iPhone"), "the label, second line");
    assert!(html.contains("You renamed Safari on iPhone to “&lt;b&gt;Ada’s&lt;/b&gt; phone”"));
    app.finish().await;
}

async fn a_refused_name_reaches_the_page_as_its_code(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    app.signup("ada@example.com").await;
    let client = browser();
    form_sign_in(&client, &app, "ada@example.com").await;
    let (_, _, html) = page(&client, &app, "/account/devices").await;
    let action = form_action(&html, "rename_session");
    let id = html
        .split("name=\"id\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let post = |name: String| {
        client
            .post(app.url(&action))
            .header("origin", app.base.clone())
            .header("accept", "application/json")
            .form(&[("id", id.clone()), ("name", name)])
            .send()
    };
    for (name, code, shown) in [
        (
            "a".repeat(65),
            "Invalid:name_too_long",
            "Device name: must be at most 64 characters",
        ),
        (
            "Work\u{1B}laptop".to_owned(),
            "Invalid:name_control",
            "Device name: must not contain control characters or line breaks",
        ),
        (
            "\u{202E}potpal".to_owned(),
            "Invalid:name_direction",
            "Device name: must not contain text-direction characters",
        ),
    ] {
        let response = post(name).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = response.text().await.unwrap();
        assert_eq!(body, format!("\"{code}\""));
        let error: app::error::AppError = serde_json::from_str(&body).unwrap();
        assert_eq!(error.to_string(), shown, "what the row shows");
    }
    // A plain form post (the page's own form) is sent back to the page, which says why.
    let refused = client
        .post(app.url(&action))
        .header("accept", "text/html")
        .header("origin", app.base.clone())
        .header("referer", app.url("/account/devices"))
        .form(&[("id", id.as_str()), ("name", "\u{202E}potpal")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FOUND);
    let back = refused.headers()["location"].to_str().unwrap().to_owned();
    assert!(back.contains("__err="), "{back}");
    let back = back.strip_prefix(&app.base).unwrap_or(&back).to_owned();
    let (_, _, html) = page(&client, &app, &back).await;
    assert!(
        html.contains(
            "Could not rename that device. Device name: must not contain text-direction characters"
        ),
        "the refusal, in words, on the page"
    );
    // Said once (the page's other alert, the empty "You were signed out" slot of the live
    // page, says nothing until the stream fills it).
    assert_eq!(
        html.matches("Could not rename that device.").count(),
        1,
        "said once"
    );
    let gone = client
        .post(app.url(&action))
        .header("origin", app.base.clone())
        .header("accept", "application/json")
        .form(&[
            ("id", "ses_00000000000000000000000000000000"),
            ("name", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    assert_eq!(gone.text().await.unwrap(), "\"SessionNotFound\"");
    app.finish().await;
}

//! The security review's findings on the pages and their server functions (issue 11, §2.1
//! and §2.7): where a sign-in may send the browser, sign-up ending the browser's previous
//! session, the Origin rule for cookie-carrying requests, error text written into a URL, and
//! emails that look alike.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE;
use reqwest::{Client, Response, StatusCode};
use serde_json::json;

use crate::helpers::{Backend, PASSWORD, TestApp, problem, spawn_app};
use crate::pages::{browser, first_jti_prefix, form_action, form_sign_in, page};

crate::on_both_stores!(
    a_hostile_next_sends_a_plain_form_sign_in_to_a_local_path,
    a_hostile_next_sends_a_javascript_sign_in_to_a_local_path,
    a_next_with_a_control_character_neither_fails_nor_breaks_the_sign_in,
    signing_up_on_a_signed_in_browser_ends_its_previous_session,
    a_post_with_cookies_but_neither_origin_nor_fetch_site_is_refused,
    words_written_into_the_url_never_reach_a_forms_error_box,
    look_alike_emails_are_one_account_and_invisible_characters_are_refused,
);

/// Each one, once followed by a browser, leaves this site (or runs script), or is not even a
/// valid header value. They are the values the form posts: the query string already decoded.
const HOSTILE_NEXT: &[&str] = &[
    "/\t/evil.example/x",
    "/%09/evil.example/x",
    "/\n/evil.example/x",
    "/%5C/evil.example/x",
    "/\\evil.example/x",
    "//evil.example/x",
    "/%2F/evil.example/x",
    "https://evil.example/x",
    "http:evil.example",
    "javascript:alert(document.domain)",
    "/\u{7f}",
    "/%7F",
    "",
];

/// Signs in through the page's form with `next`, as a browser does: `javascript` decides
/// whether the server function client (an answer with a redirect header) or a plain form
/// post (a 302) is asked for.
async fn sign_in_with_next(
    client: &Client,
    app: &TestApp,
    action: &str,
    next: &str,
    javascript: bool,
) -> Response {
    let accept = if javascript {
        "application/json"
    } else {
        "text/html"
    };
    client
        .post(app.url(action))
        .header("accept", accept)
        .header("origin", app.base.clone())
        .header("referer", app.url("/login"))
        .form(&[
            ("email", "ada@example.com"),
            ("password", PASSWORD),
            ("next", next),
        ])
        .send()
        .await
        .unwrap()
}

async fn a_hostile_next_sends_a_plain_form_sign_in_to_a_local_path(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    app.signup("ada@example.com").await;
    let client = browser();
    // The sign-in page hands `next` from its URL, decoded, to the form: here with a tab.
    let (_, _, html) = page(&client, &app, "/login?next=/%09/evil.example/x").await;
    let from_page = html
        .split("name=\"next\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(from_page, "/\t/evil.example/x");
    let action = form_action(&html, "sign_in");
    for next in std::iter::once(from_page.as_str()).chain(HOSTILE_NEXT.iter().copied()) {
        let response = sign_in_with_next(&client, &app, &action, next, false).await;
        assert_eq!(response.status(), StatusCode::FOUND, "{next:?}");
        assert_eq!(
            response.headers()["location"],
            "/account/devices",
            "{next:?}"
        );
    }
    // A local path is still followed.
    let response = sign_in_with_next(&client, &app, &action, "/?from=login#top", false).await;
    assert_eq!(response.headers()["location"], "/?from=login#top");
    app.finish().await;
}

async fn a_hostile_next_sends_a_javascript_sign_in_to_a_local_path(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    app.signup("ada@example.com").await;
    let client = browser();
    let (_, _, html) = page(&client, &app, "/login").await;
    let action = form_action(&html, "sign_in");
    for next in HOSTILE_NEXT {
        let response = sign_in_with_next(&client, &app, &action, next, true).await;
        // The browser's server function client navigates to this Location itself.
        assert_eq!(response.status(), StatusCode::OK, "{next:?}");
        assert!(response.headers().contains_key("serverfnredirect"));
        assert_eq!(
            response.headers()["location"],
            "/account/devices",
            "{next:?}"
        );
    }
    app.finish().await;
}

async fn a_next_with_a_control_character_neither_fails_nor_breaks_the_sign_in(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    app.signup("ada@example.com").await;
    for javascript in [false, true] {
        let client = browser();
        let (_, _, html) = page(&client, &app, "/login?next=/%7F").await;
        let action = form_action(&html, "sign_in");
        // `/login?next=/%7F` posts a DEL: once a panic in `leptos_axum::redirect`, after
        // the session had been made, which left the browser with neither answer nor cookies.
        let response = sign_in_with_next(&client, &app, &action, "/\u{7f}", javascript).await;
        assert!(
            response.status() == StatusCode::FOUND || response.status() == StatusCode::OK,
            "{}",
            response.status()
        );
        assert_eq!(response.headers()["location"], "/account/devices");
        let (status, _, html) = page(&client, &app, "/account/devices").await;
        assert_eq!(
            status,
            StatusCode::OK,
            "signed in (javascript: {javascript})"
        );
        assert!(html.contains(">This device</span>"));
    }
    app.finish().await;
}

async fn signing_up_on_a_signed_in_browser_ends_its_previous_session(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    app.signup("ada@example.com").await;
    let client = browser();
    form_sign_in(&client, &app, "ada@example.com").await;
    assert_eq!(app.service.check().await.unwrap().live_tokens, 1);
    let (_, _, html) = page(&client, &app, "/signup").await;
    let action = form_action(&html, "sign_up");
    let response = client
        .post(app.url(&action))
        .header("accept", "text/html")
        .header("origin", app.base.clone())
        .header("referer", app.url("/signup"))
        .form(&[("email", "bob@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()["location"], "/account/devices");
    assert_eq!(
        app.service.check().await.unwrap().live_tokens,
        1,
        "Ada's session on this browser ended when Bob signed up on it"
    );
    let ada = app.login_as("ada@example.com", "curl/8.5").await;
    let sessions = app.sessions(ada["access_token"].as_str().unwrap()).await;
    assert_eq!(sessions.len(), 1, "only the one just made: {sessions:?}");
    app.finish().await;
}

async fn a_post_with_cookies_but_neither_origin_nor_fetch_site_is_refused(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    app.signup("ada@example.com").await;
    let client = browser();
    form_sign_in(&client, &app, "ada@example.com").await;
    let (_, _, html) = page(&client, &app, "/account/devices").await;
    let action = form_action(&html, "sign_out_session");
    let jti_prefix = first_jti_prefix(&html);
    // The cookies ride along (as on a forged form post from a browser that sends neither
    // header); the request says nothing about where it came from.
    let response = client
        .post(app.url(&action))
        .header("accept", "application/json")
        .form(&[("jti_prefix", jti_prefix.as_str())])
        .send()
        .await
        .unwrap();
    problem(response, StatusCode::FORBIDDEN, "cross_site_request").await;
    let (status, _, html) = page(&client, &app, "/account/devices").await;
    assert_eq!(status, StatusCode::OK, "still signed in");
    assert!(html.contains(&jti_prefix));
    // An API client: a bearer token, no cookies, neither header. Not a browser, so not
    // something a forged form could be; it passes.
    let tokens = app.login_as("ada@example.com", "curl/8.5").await;
    let logout = app
        .client
        .post(app.url("/auth/logout"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    app.finish().await;
}

async fn words_written_into_the_url_never_reach_a_forms_error_box(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let client = browser();
    let lure = "Your account is locked. Call +1 555 0100 or visit evil.example to unlock it";
    for (path, function) in [("/login", "sign_in"), ("/signup", "sign_up")] {
        let (_, _, html) = page(&client, &app, path).await;
        let action = form_action(&html, function);
        let server_fn_path = action.split('?').next().unwrap().to_owned();
        // A form posted without JavaScript comes back to its page with the error in the URL;
        // so can anyone's link.
        let carried = |wire: &str| {
            let encoded = URL_SAFE.encode(serde_json::to_vec(wire).unwrap());
            format!("{path}?__path={server_fn_path}&__err={encoded}")
        };
        for wire in [
            format!("Invalid:email:{lure}"),
            format!("Invalid:{lure}"),
            format!("Transport:{lure}"),
            lure.to_owned(),
        ] {
            let (status, _, html) = page(&client, &app, &carried(&wire)).await;
            assert_eq!(status, StatusCode::OK);
            assert!(html.contains("role=\"alert\""), "an error box is shown");
            assert!(
                !html.contains("555 0100") && !html.contains("evil.example"),
                "{wire:?} reached the page {path}"
            );
        }
        // A real code shows its fixed message.
        let (_, _, html) = page(&client, &app, &carried("Invalid:email_shape")).await;
        assert!(
            // The rendered message (the island's words also carry every message's text).
            html.contains(">Email: must look like name@example.com</p>"),
            "{path}"
        );
    }
    app.finish().await;
}

async fn look_alike_emails_are_one_account_and_invisible_characters_are_refused(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let signup = |email: &'static str| {
        app.post_json(
            "/auth/signup",
            json!({"email": email, "password": PASSWORD}),
        )
    };
    assert_eq!(
        signup("ＡＤＡ@ｅｘａｍｐｌｅ.ｃｏｍ").await.status(),
        StatusCode::CREATED
    );
    problem(
        signup("ada@example.com").await,
        StatusCode::CONFLICT,
        "email_taken",
    )
    .await;
    app.login_as("ada@example.com", "curl/8.5").await;
    for hidden in ["ada\u{200B}@example.com", "ada@exam\u{202E}elp.com"] {
        let body = problem(
            signup(hidden).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        )
        .await;
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("invisible or text-direction characters"),
            "{body}"
        );
    }
    app.finish().await;
}

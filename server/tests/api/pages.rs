//! The pages and server functions over HTTP: server rendering, the sign-in redirect, cookie
//! sessions (HttpOnly, renewed transparently), CSRF refusal, and escaping.

use std::time::Duration;

use reqwest::{Client, StatusCode, header};
use serde_json::json;

use crate::helpers::{Backend, MAC_CHROME, PASSWORD, TestApp, spawn_app};

crate::on_both_stores!(
    pages_are_server_rendered_with_a_nonce_on_every_script,
    a_signed_out_visit_to_the_devices_page_goes_to_sign_in,
    an_unknown_page_is_a_404_page,
    a_plain_form_post_signs_in_with_http_only_cookies,
    cross_site_posts_are_refused_and_change_nothing,
    signing_out_a_device_that_already_ended_is_404_session_not_found,
    an_expired_access_cookie_is_renewed_with_the_refresh_cookie,
    a_hostile_user_agent_is_rendered_as_text,
);

pub(crate) fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(MAC_CHROME)
        .build()
        .unwrap()
}

pub(crate) async fn page(
    client: &Client,
    app: &TestApp,
    path: &str,
) -> (StatusCode, header::HeaderMap, String) {
    let response = client
        .get(app.url(path))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

/// The prefix carried by the first sign-out form of a devices page.
pub(crate) fn first_jti_prefix(html: &str) -> String {
    html.split("name=\"jti_prefix\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no sign-out form on the page"))
        .to_owned()
}

/// The URL of the server function a page's form posts to.
pub(crate) fn form_action(html: &str, function: &str) -> String {
    let marker = format!("action=\"/api/{function}");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no form for {function}"))
        + "action=\"".len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end].to_owned()
}

/// Signs in through the page's own form, as a browser without JavaScript does.
pub(crate) async fn form_sign_in(client: &Client, app: &TestApp, email: &str) {
    let (_, _, html) = page(client, app, "/login").await;
    let action = form_action(&html, "sign_in");
    let response = client
        .post(app.url(&action))
        .header("accept", "text/html")
        .header("origin", app.base.clone())
        .header("referer", app.url("/login"))
        .form(&[
            ("email", email),
            ("password", PASSWORD),
            ("next", "/account/devices"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()["location"], "/account/devices");
}

async fn pages_are_server_rendered_with_a_nonce_on_every_script(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let (status, headers, html) = page(&app.client, &app, "/").await;
    assert_eq!(status, StatusCode::OK);
    let csp = headers["content-security-policy"].to_str().unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap();
    assert!(csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert_eq!(
        headers["cache-control"], "no-store",
        "pages with personal data are never cached"
    );
    assert!(
        !headers.contains_key("strict-transport-security"),
        "plain http has no HSTS"
    );
    let scripts = html.matches("<script").count();
    assert!(scripts >= 1);
    assert_eq!(
        html.matches(&format!("nonce=\"{nonce}\"")).count(),
        scripts,
        "every inline script carries this response's nonce"
    );
    assert!(
        html.contains("Where you&#x27;re signed in") || html.contains("Where you're signed in")
    );
    let (_, second, _) = page(&app.client, &app, "/").await;
    assert_ne!(
        second["content-security-policy"], headers["content-security-policy"],
        "a fresh nonce per response"
    );
    app.finish().await;
}

async fn a_signed_out_visit_to_the_devices_page_goes_to_sign_in(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let (status, headers, _) = page(&app.client, &app, "/account/devices").await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(headers["location"], "/login?next=/account/devices");
    app.finish().await;
}

async fn an_unknown_page_is_a_404_page(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let (status, headers, html) = page(&app.client, &app, "/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(headers.contains_key("content-security-policy"));
    assert!(html.contains("Page not found"));
    app.finish().await;
}

async fn a_plain_form_post_signs_in_with_http_only_cookies(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    app.signup("ada@example.com").await;
    let client = browser();
    let (_, _, html) = page(&client, &app, "/login").await;
    let action = form_action(&html, "sign_in");
    let response = client
        .post(app.url(&action))
        .header("accept", "text/html")
        .header("origin", app.base.clone())
        .form(&[
            ("email", "ada@example.com"),
            ("password", PASSWORD),
            ("next", "/account/devices"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    let cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    for cookie in &cookies {
        assert!(
            cookie.contains("HttpOnly")
                && cookie.contains("SameSite=Lax")
                && cookie.contains("Path=/"),
            "{cookie}"
        );
    }
    let (status, _, html) = page(&client, &app, "/account/devices").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Chrome on macOS"));
    assert!(html.contains(">This device</span>"));
    let first_session = app.service.check().await.unwrap();
    assert_eq!(first_session.live_tokens, 1);
    assert!(html.contains("Sign out Chrome on macOS (this device)"));
    // Signing in again on this browser ends its previous session instead of orphaning it;
    // and an open redirect is not followed.
    let response = client
        .post(app.url(&action))
        .header("accept", "text/html")
        .header("origin", app.base.clone())
        .form(&[
            ("email", "ada@example.com"),
            ("password", PASSWORD),
            ("next", "//evil.example/x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["location"], "/account/devices");
    assert_eq!(
        app.service.check().await.unwrap().live_tokens,
        1,
        "one browser, one live session"
    );
    app.finish().await;
}

async fn cross_site_posts_are_refused_and_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    app.signup("ada@example.com").await;
    let client = browser();
    form_sign_in(&client, &app, "ada@example.com").await;
    let (_, _, html) = page(&client, &app, "/account/devices").await;
    let action = form_action(&html, "sign_out_session");
    let jti_prefix = first_jti_prefix(&html);
    for (name, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
    ] {
        let response = client
            .post(app.url(&action))
            .header(name, value)
            .form(&[("jti_prefix", jti_prefix.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{name}: {value}");
        assert_eq!(
            response.json::<serde_json::Value>().await.unwrap()["type"],
            "cross_site_request"
        );
    }
    let api = client
        .post(app.url("/auth/signup"))
        .header("origin", "https://evil.example")
        .json(&json!({"email": "mallory@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::FORBIDDEN);
    let (status, _, html) = page(&client, &app, "/account/devices").await;
    assert_eq!(status, StatusCode::OK, "still signed in");
    assert!(html.contains(&jti_prefix));
    // The same request from our own origin works.
    let response = client
        .post(app.url(&action))
        .header("origin", app.base.clone())
        .header("accept", "application/json")
        .form(&[("jti_prefix", jti_prefix.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        app.service.check().await.unwrap().live_tokens,
        0,
        "the session is ended"
    );
    let (status, headers, _) = page(&client, &app, "/account/devices").await;
    assert_eq!(status, StatusCode::FOUND, "signed out");
    assert_eq!(headers["location"], "/login?next=/account/devices");
    app.finish().await;
}

/// What the devices page's sign-out answers when the device was signed out elsewhere a
/// moment before; the end-to-end suite's mock of this answer copies it
/// (end2end/tests/devices.spec.ts, "a refused sign-out puts the row back and says why").
async fn signing_out_a_device_that_already_ended_is_404_session_not_found(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    app.signup("ada@example.com").await;
    let phone = app
        .login_as("ada@example.com", crate::helpers::IPHONE_SAFARI)
        .await;
    let prefix = phone["session"]["jti_prefix"].as_str().unwrap();
    let client = browser();
    form_sign_in(&client, &app, "ada@example.com").await;
    let (_, _, html) = page(&client, &app, "/account/devices").await;
    let action = form_action(&html, "sign_out_session");
    let sign_out = || {
        client
            .post(app.url(&action))
            .header("origin", app.base.clone())
            .header("accept", "application/json")
            .form(&[("jti_prefix", prefix)])
            .send()
    };
    assert_eq!(sign_out().await.unwrap().status(), StatusCode::OK);
    let again = sign_out().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    assert!(
        again.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"),
        "{:?}",
        again.headers()
    );
    assert_eq!(again.text().await.unwrap(), "\"SessionNotFound\"");
    app.finish().await;
}

async fn an_expired_access_cookie_is_renewed_with_the_refresh_cookie(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    app.signup("ada@example.com").await;
    let client = browser();
    form_sign_in(&client, &app, "ada@example.com").await;
    app.advance(Duration::from_secs(16 * 60));
    let response = client
        .get(app.url("/account/devices"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let renewed: Vec<_> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(
        renewed
            .iter()
            .any(|c| c.starts_with("signedin_access=") && !c.starts_with("signedin_access=;")),
        "{renewed:?}"
    );
    assert!(
        renewed.iter().any(|c| c.starts_with("signedin_refresh=")),
        "{renewed:?}"
    );
    let html = response.text().await.unwrap();
    assert!(html.contains(">This device</span>"));
    let report = app.service.check().await.unwrap();
    assert_eq!(report.live_tokens, 1, "renewal rotated the refresh token");
    app.finish().await;
}

async fn a_hostile_user_agent_is_rendered_as_text(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    app.signup("ada@example.com").await;
    let hostile = "\"><script>alert(1)</script><img src=x onerror=alert(2)>";
    let login = app
        .post_json_as(
            "/auth/login",
            json!({"email": "ada@example.com", "password": PASSWORD}),
            hostile,
        )
        .await;
    let body: serde_json::Value = login.json().await.unwrap();
    assert_eq!(body["session"]["user_agent"], hostile, "stored as given");
    let client = browser();
    form_sign_in(&client, &app, "ada@example.com").await;
    let (_, _, html) = page(&client, &app, "/account/devices").await;
    assert!(!html.contains("<script>alert(1)"));
    assert!(!html.contains("<img src=x"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    app.finish().await;
}

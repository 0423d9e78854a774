//! The server as deployed behind a TLS proxy (`SIGNEDIN_PUBLIC_URL=https://…`): the session
//! cookies a sign-in sets are `__Host-`, `Secure`, `HttpOnly`, `SameSite=Lax`, `Path=/` and
//! carry no `Domain`; every response has HSTS; and a state-changing request must come from
//! the public origin, whatever `Host` it names.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, Options, PASSWORD, TestApp, spawn_app_with};
use crate::pages::{first_jti_prefix, form_action};

const PUBLIC_URL: &str = "https://signedin.example";
const HSTS: &str = "max-age=31536000; includeSubDomains";

crate::on_both_stores!(
    over_https_a_form_sign_in_sets_host_only_secure_cookies_and_hsts,
    over_https_only_the_public_origin_may_change_anything,
);

async fn behind_https(backend: Backend) -> TestApp {
    let app = spawn_app_with(Options::new(backend).public_url(PUBLIC_URL))
        .await
        .unwrap();
    assert_eq!(
        app.signup("ada@example.com").await.status(),
        StatusCode::CREATED
    );
    app
}

/// A page as a browser fetches it, with `cookie` (a `Cookie` header value) if any.
async fn get_page(app: &TestApp, path: &str, cookie: Option<&str>) -> Response {
    let mut request = app.client.get(app.url(path)).header("accept", "text/html");
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request.send().await.unwrap()
}

/// Signs in through the page's own form from the public origin; the `Set-Cookie` values.
async fn form_sign_in(app: &TestApp) -> Vec<String> {
    let login = get_page(app, "/login", None).await;
    assert_eq!(login.status(), StatusCode::OK);
    assert_eq!(login.headers()["strict-transport-security"], HSTS);
    let action = form_action(&login.text().await.unwrap(), "sign_in");
    let response = app
        .client
        .post(app.url(&action))
        .header("accept", "text/html")
        .header("origin", PUBLIC_URL)
        .header("referer", format!("{PUBLIC_URL}/login"))
        .form(&[
            ("email", "ada@example.com"),
            ("password", PASSWORD),
            ("next", "/account/devices"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::FOUND,
        "the public origin may post"
    );
    assert_eq!(response.headers()["location"], "/account/devices");
    assert_eq!(response.headers()["strict-transport-security"], HSTS);
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// `name=value` of each cookie, as a browser sends them back.
fn cookie_header(set_cookies: &[String]) -> String {
    set_cookies
        .iter()
        .map(|c| c.split(';').next().unwrap().trim().to_owned())
        .collect::<Vec<_>>()
        .join("; ")
}

async fn over_https_a_form_sign_in_sets_host_only_secure_cookies_and_hsts(backend: Backend) {
    let app = behind_https(backend).await;
    let set_cookies = form_sign_in(&app).await;
    let mut names = Vec::new();
    for cookie in &set_cookies {
        let mut parts = cookie.split(';').map(str::trim);
        let (name, value) = parts.next().unwrap().split_once('=').unwrap();
        assert!(!value.is_empty(), "{cookie}");
        names.push(name.to_owned());
        let attributes: Vec<&str> = parts.collect();
        for expected in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(
                attributes.contains(&expected),
                "{expected} missing: {cookie}"
            );
        }
        assert!(
            !attributes
                .iter()
                .any(|a| a.to_ascii_lowercase().starts_with("domain")),
            "a __Host- cookie names no domain: {cookie}"
        );
    }
    names.sort();
    assert_eq!(names, ["__Host-signedin_access", "__Host-signedin_refresh"]);

    // The cookies as issued are the ones read back…
    let cookies = cookie_header(&set_cookies);
    let devices = get_page(&app, "/account/devices", Some(&cookies)).await;
    assert_eq!(devices.status(), StatusCode::OK);
    assert_eq!(devices.headers()["strict-transport-security"], HSTS);
    assert!(devices.text().await.unwrap().contains("This device"));
    // …and only under their __Host- names: the same values without the prefix are no
    // session at all.
    let unprefixed = cookies.replace("__Host-", "");
    let devices = get_page(&app, "/account/devices", Some(&unprefixed)).await;
    assert_eq!(devices.status(), StatusCode::FOUND);
    assert_eq!(
        devices.headers()["location"],
        "/login?next=/account/devices"
    );
    // HSTS on API answers too, errors included.
    let api = app.get_bearer("/me/sessions", "not a token").await;
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(api.headers()["strict-transport-security"], HSTS);
    app.finish().await;
}

async fn over_https_only_the_public_origin_may_change_anything(backend: Backend) {
    let app = behind_https(backend).await;
    let cookies = cookie_header(&form_sign_in(&app).await);
    let devices = get_page(&app, "/account/devices", Some(&cookies)).await;
    let html = devices.text().await.unwrap();
    let action = form_action(&html, "sign_out_session");
    let jti_prefix = first_jti_prefix(&html);
    let sign_out = |origin: String| {
        app.client
            .post(app.url(&action))
            .header("origin", origin)
            .header("cookie", cookies.clone())
            .header("accept", "application/json")
            .form(&[("jti_prefix", jti_prefix.as_str())])
            .send()
    };
    // The first is what the Host header names: it passes when no public URL is pinned.
    for origin in [
        app.base.clone(),
        "http://signedin.example".to_owned(),
        "https://evil.example".to_owned(),
        "https://signedin.example.evil.example".to_owned(),
        "https://signedin.example:8443".to_owned(),
    ] {
        let response = sign_out(origin.clone()).await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{origin}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["type"], "cross_site_request", "{origin}");
        let api = app
            .client
            .post(app.url("/auth/login"))
            .header("origin", origin.clone())
            .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(api.status(), StatusCode::FORBIDDEN, "{origin}");
    }
    let devices = get_page(&app, "/account/devices", Some(&cookies)).await;
    assert_eq!(devices.status(), StatusCode::OK, "still signed in");
    assert_eq!(app.service.check().await.unwrap().live_tokens, 1);

    let response = sign_out(PUBLIC_URL.to_owned()).await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the public origin may post"
    );
    assert_eq!(app.service.check().await.unwrap().live_tokens, 0);
    let login = app
        .client
        .post(app.url("/auth/login"))
        .header("origin", PUBLIC_URL)
        .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    app.finish().await;
}

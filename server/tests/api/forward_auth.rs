//! Putting signedin in front of another app: forward-auth for gateways (`/auth/forward`),
//! access tokens others verify with the JWKS alone, key rotation, and the browser session
//! over cookies (`/auth/session`) that the npm client speaks.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use signedin::signing_keys::{AccessTokenAlg, AccessTokenSettings, KeyRing};
use signedin::store::{Store, StoreOptions};
use signedin::token::AccessClaims;
use signedin::{SessionService, Timestamp};

use crate::helpers::{Backend, Options, PASSWORD, TestApp, problem, spawn_app_with};

crate::on_both_stores!(
    forward_auth_names_a_bearer_caller_and_refuses_a_revoked_one,
    forward_auth_with_cookies_renews_an_expired_access_cookie,
    forward_auth_sends_browsers_to_sign_in_and_back,
    forward_auth_refuses_cross_site_unsafe_requests_with_cookies,
    forward_auth_header_names_are_configurable,
    jwks_verify_eddsa_and_es256_tokens_offline,
    hs256_publishes_no_keys_and_still_verifies,
    a_rotation_keeps_old_tokens_valid_until_they_expire,
    a_key_created_on_another_node_verifies_at_once,
    browser_sessions_live_in_cookies_only,
);

const EMAIL: &str = "ada@example.com";

async fn app_with(backend: Backend, extra: &[(&'static str, &str)]) -> TestApp {
    let mut options = Options::new(backend);
    for (flag, value) in extra {
        options = options.with(flag, *value);
    }
    let app = spawn_app_with(options).await.unwrap();
    assert_eq!(app.signup(EMAIL).await.status(), StatusCode::CREATED);
    app
}

async fn forward(app: &TestApp, headers: &[(&str, &str)]) -> Response {
    let mut request = app.client.get(app.url("/auth/forward"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).map(|v| v.to_str().unwrap())
}

/// `name=value` of each `Set-Cookie`, in order.
fn set_cookies(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect()
}

fn cookie_header(cookies: &[String]) -> String {
    cookies.join("; ")
}

/// Signs in over `/auth/session`: the `Cookie` header value a browser would then send.
async fn cookie_sign_in(app: &TestApp) -> (Value, String) {
    let response = app
        .post_json(
            "/auth/session",
            json!({"email": EMAIL, "password": PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    (response.json().await.unwrap(), cookie_header(&cookies))
}

async fn forward_auth_names_a_bearer_caller_and_refuses_a_revoked_one(backend: Backend) {
    let app = app_with(backend, &[]).await;
    let login = app.login_as(EMAIL, crate::helpers::MAC_CHROME).await;
    let token = login["access_token"].as_str().unwrap();
    let bearer = format!("Bearer {token}");
    let sessions = app.sessions(token).await;

    let ok = forward(&app, &[("authorization", &bearer)]).await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(header(&ok, "x-auth-email"), Some(EMAIL));
    assert_eq!(header(&ok, "x-auth-session-id"), sessions[0]["id"].as_str());
    assert_eq!(header(&ok, "cache-control"), Some("no-store"));
    let user_id = header(&ok, "x-auth-user-id").unwrap();
    assert_eq!(user_id.len(), 32);

    let prefix = sessions[0]["jti_prefix"].as_str().unwrap();
    let other = app.login_as(EMAIL, crate::helpers::IPHONE_SAFARI).await;
    let revoke = app
        .client
        .delete(app.url(&format!("/me/sessions/{prefix}")))
        .bearer_auth(other["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    let refused = forward(
        &app,
        &[
            ("authorization", &bearer),
            ("x-original-uri", "/app/report?id=7"),
        ],
    )
    .await;
    assert_eq!(
        header(&refused, "x-auth-login"),
        Some("/login?next=/app/report%3Fid%3D7")
    );
    assert!(header(&refused, "x-auth-user-id").is_none());
    problem(refused, StatusCode::UNAUTHORIZED, "invalid_token").await;
    app.finish().await;
}

async fn forward_auth_with_cookies_renews_an_expired_access_cookie(backend: Backend) {
    let app = app_with(backend, &[]).await;
    let (body, cookies) = cookie_sign_in(&app).await;
    let ok = forward(&app, &[("cookie", &cookies)]).await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(
        header(&ok, "x-auth-session-id"),
        body["session_id"].as_str()
    );
    assert!(
        set_cookies(&ok).is_empty(),
        "a live access cookie needs no renewal"
    );

    // Past the access token's lifetime: the refresh cookie renews it on the spot.
    app.advance(Duration::from_secs(901));
    let renewed = forward(&app, &[("cookie", &cookies)]).await;
    assert_eq!(renewed.status(), StatusCode::OK);
    assert_eq!(
        header(&renewed, "x-auth-session-id"),
        body["session_id"].as_str()
    );
    let fresh = set_cookies(&renewed);
    assert_eq!(fresh.len(), 2, "{fresh:?}");
    for (name, full) in [
        ("x-auth-set-cookie-access", "signedin_access="),
        ("x-auth-set-cookie-refresh", "signedin_refresh="),
    ] {
        let value = header(&renewed, name).unwrap();
        assert!(
            value.starts_with(full) && value.contains("HttpOnly"),
            "{value}"
        );
    }
    // The renewed cookies are what works from now on.
    let again = forward(&app, &[("cookie", &cookie_header(&fresh))]).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert!(set_cookies(&again).is_empty());
    app.finish().await;
}

async fn forward_auth_sends_browsers_to_sign_in_and_back(backend: Backend) {
    let app = app_with(backend, &[]).await;
    let get = app
        .client
        .get(app.url("/auth/forward?redirect=1"))
        .header("x-forwarded-uri", "/app/page?x=1")
        .header("x-forwarded-method", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), StatusCode::FOUND);
    assert_eq!(
        header(&get, "location"),
        Some("/login?next=/app/page%3Fx%3D1")
    );
    // A non-navigation gets the 401 a script can act on, even with ?redirect=1.
    let post = app
        .client
        .get(app.url("/auth/forward?redirect=1"))
        .header("x-forwarded-method", "POST")
        .send()
        .await
        .unwrap();
    problem(post, StatusCode::UNAUTHORIZED, "unauthorized").await;
    // Another site's URL is never where a sign-in returns.
    let hostile = forward(&app, &[("x-original-uri", "//evil.example/")]).await;
    assert_eq!(header(&hostile, "x-auth-login"), Some("/login"));
    problem(hostile, StatusCode::UNAUTHORIZED, "unauthorized").await;
    app.finish().await;
}

async fn forward_auth_refuses_cross_site_unsafe_requests_with_cookies(backend: Backend) {
    let app = app_with(backend, &[]).await;
    let (_, cookies) = cookie_sign_in(&app).await;
    let site = [
        ("cookie", cookies.as_str()),
        ("x-original-method", "POST"),
        ("x-forwarded-proto", "https"),
        ("x-forwarded-host", "app.example"),
    ];
    let with = |extra: &'static [(&'static str, &'static str)]| {
        let mut all = site.to_vec();
        all.extend_from_slice(extra);
        all
    };
    let forged = forward(&app, &with(&[("origin", "https://evil.example")])).await;
    problem(forged, StatusCode::FORBIDDEN, "cross_site_request").await;
    let cross = forward(&app, &with(&[("sec-fetch-site", "cross-site")])).await;
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    let silent = forward(&app, &with(&[])).await;
    assert_eq!(
        silent.status(),
        StatusCode::FORBIDDEN,
        "cookies but no Origin"
    );
    let own = forward(&app, &with(&[("origin", "https://app.example")])).await;
    assert_eq!(own.status(), StatusCode::OK);
    let fetched = forward(&app, &with(&[("sec-fetch-site", "same-origin")])).await;
    assert_eq!(fetched.status(), StatusCode::OK);
    // A GET rides on no one's cookies to change anything.
    let get = forward(
        &app,
        &[("cookie", &cookies), ("origin", "https://evil.example")],
    )
    .await;
    assert_eq!(get.status(), StatusCode::OK);
    app.finish().await;
}

async fn forward_auth_header_names_are_configurable(backend: Backend) {
    let app = app_with(
        backend,
        &[(
            "--forward-auth-headers",
            "user_id=X-User, email=Remote-Email",
        )],
    )
    .await;
    let login = app.login_as(EMAIL, crate::helpers::MAC_CHROME).await;
    let bearer = format!("Bearer {}", login["access_token"].as_str().unwrap());
    let ok = forward(&app, &[("authorization", &bearer)]).await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(header(&ok, "remote-email"), Some(EMAIL));
    assert_eq!(header(&ok, "x-user").map(str::len), Some(32));
    assert!(header(&ok, "x-auth-session-id").is_some());
    assert!(header(&ok, "x-auth-email").is_none());
    app.finish().await;
}

fn decode_part(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

async fn jwks(app: &TestApp) -> Vec<Value> {
    let response = app
        .client
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        header(&response, "cache-control"),
        Some("public, max-age=60")
    );
    let body: Value = response.json().await.unwrap();
    body["keys"].as_array().unwrap().clone()
}

/// Verifies `token` as an outside backend would: with the JWK its header names, nothing else.
fn verifies_offline(token: &str, keys: &[Value]) -> bool {
    let header = decode_part(token, 0);
    let Some(jwk) = keys.iter().find(|k| k["kid"] == header["kid"]) else {
        return false;
    };
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
    let coordinate = |name: &str| URL_SAFE_NO_PAD.decode(jwk[name].as_str().unwrap()).unwrap();
    match jwk["alg"].as_str().unwrap() {
        "EdDSA" => {
            let key: [u8; 32] = coordinate("x").try_into().unwrap();
            let key = ed25519_dalek::VerifyingKey::from_bytes(&key).unwrap();
            let signature = ed25519_dalek::Signature::from_slice(&signature).unwrap();
            key.verify_strict(signed.as_bytes(), &signature).is_ok()
        }
        "ES256" => {
            use p256::ecdsa::signature::Verifier;
            let mut point = vec![4u8];
            point.extend(coordinate("x"));
            point.extend(coordinate("y"));
            let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&point).unwrap();
            let signature = p256::ecdsa::Signature::from_slice(&signature).unwrap();
            key.verify(signed.as_bytes(), &signature).is_ok()
        }
        other => panic!("unexpected alg {other}"),
    }
}

async fn jwks_verify_eddsa_and_es256_tokens_offline(backend: Backend) {
    for alg in ["EdDSA", "ES256"] {
        let app = app_with(
            backend,
            &[
                ("--access-token-alg", alg),
                ("--public-url", "https://id.example"),
            ],
        )
        .await;
        let keys = jwks(&app).await;
        assert_eq!(keys.len(), 1, "{alg}: one key at first start: {keys:?}");
        assert!(keys[0].get("d").is_none(), "never a private part");
        let login = app.login_as(EMAIL, crate::helpers::MAC_CHROME).await;
        let token = login["access_token"].as_str().unwrap();
        let header = decode_part(token, 0);
        assert_eq!(header["alg"], alg);
        assert_eq!(header["kid"], keys[0]["kid"]);
        let claims = decode_part(token, 1);
        assert_eq!(claims["iss"], "https://id.example");
        assert!(verifies_offline(token, &keys), "{alg}");
        // A changed claim breaks the signature for an offline verifier too.
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        parts[1] = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&json!({"sub": "someone-else", "sid": claims["sid"],
                "iat": claims["iat"], "exp": claims["exp"], "iss": claims["iss"]}))
            .unwrap(),
        );
        let forged = parts.join(".");
        assert!(!verifies_offline(&forged, &keys), "{alg}");
        problem(
            app.get_bearer("/auth/check", &forged).await,
            StatusCode::UNAUTHORIZED,
            "invalid_token",
        )
        .await;
        assert_eq!(
            app.get_bearer("/auth/check", token).await.status(),
            StatusCode::NO_CONTENT
        );
        app.finish().await;
    }
}

async fn hs256_publishes_no_keys_and_still_verifies(backend: Backend) {
    let app = app_with(backend, &[]).await;
    assert!(jwks(&app).await.is_empty());
    let login = app.login_as(EMAIL, crate::helpers::MAC_CHROME).await;
    let token = login["access_token"].as_str().unwrap();
    assert_eq!(decode_part(token, 0), json!({"alg": "HS256", "typ": "JWT"}));
    assert_eq!(
        app.get_bearer("/auth/check", token).await.status(),
        StatusCode::NO_CONTENT
    );
    // A token claiming an asymmetric key this server never made is refused.
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"EdDSA","typ":"JWT","kid":"0000"}"#);
    let rest = token.split_once('.').unwrap().1;
    let forged = format!("{header}.{rest}");
    problem(
        app.get_bearer("/auth/check", &forged).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    app.finish().await;
}

async fn a_rotation_keeps_old_tokens_valid_until_they_expire(backend: Backend) {
    let app = app_with(backend, &[("--access-token-alg", "EdDSA")]).await;
    let before = app.login_as(EMAIL, crate::helpers::MAC_CHROME).await;
    let old_token = before["access_token"].as_str().unwrap().to_owned();
    let old_kid = decode_part(&old_token, 0)["kid"].clone();

    let new_kid = app.service.rotate_signing_key(None).await.unwrap();
    let keys = jwks(&app).await;
    assert_eq!(keys.len(), 2, "both published while old tokens live");
    assert_eq!(keys[0]["kid"], new_kid.as_str(), "the next signer first");
    // Published first, signing a minute later: no verifier meets it before it could know it.
    let meanwhile = app.login_as(EMAIL, crate::helpers::MAC_CHROME).await;
    assert_eq!(
        decode_part(meanwhile["access_token"].as_str().unwrap(), 0)["kid"],
        old_kid
    );
    app.advance(Duration::from_secs(61));
    let after = app.login_as(EMAIL, crate::helpers::IPHONE_SAFARI).await;
    let new_token = after["access_token"].as_str().unwrap();
    assert_eq!(decode_part(new_token, 0)["kid"], new_kid.as_str());
    for token in [old_token.as_str(), new_token] {
        assert!(verifies_offline(token, &keys));
        assert_eq!(
            app.get_bearer("/auth/check", token).await.status(),
            StatusCode::NO_CONTENT
        );
    }

    // Once every token the old key signed has expired, it is no longer published.
    app.advance(Duration::from_secs(900 + 61));
    let keys = jwks(&app).await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_eq!(keys[0]["kid"], new_kid.as_str());
    assert_ne!(keys[0]["kid"], old_kid);
    app.finish().await;
}

async fn a_key_created_on_another_node_verifies_at_once(backend: Backend) {
    let app = app_with(backend, &[("--access-token-alg", "ES256")]).await;
    let login = app.login_as(EMAIL, crate::helpers::MAC_CHROME).await;
    let mine = decode_part(login["access_token"].as_str().unwrap(), 1);
    assert_eq!(jwks(&app).await.len(), 1);

    // "Node B": its own store and key ring on the same database and secret rotates and signs
    // at once; this node has never read the new key.
    let store = Store::connect(&app.database_url, &StoreOptions::default())
        .await
        .unwrap();
    let now = Timestamp::from_unix_seconds(mine["iat"].as_i64().unwrap());
    let secret = SessionService::resolve_key(&store, None, now)
        .await
        .unwrap();
    let settings = AccessTokenSettings {
        alg: AccessTokenAlg::Es256,
        issuer: None,
    };
    let node_b = KeyRing::new(secret, settings);
    let kid = node_b
        .rotate(&store, AccessTokenAlg::Es256, Duration::from_secs(900), now)
        .await
        .unwrap();
    let claims = AccessClaims {
        sub: mine["sub"].as_str().unwrap().to_owned(),
        sid: mine["sid"].as_str().unwrap().to_owned(),
        iat: now.unix_seconds(),
        exp: now.unix_seconds() + 900,
        iss: None,
    };
    // Node B's clock a minute on, once its new key signs.
    let later = now.plus(Duration::from_secs(61));
    let token = node_b.sign(&store, &claims, later).await.unwrap();
    assert_eq!(decode_part(token.expose(), 0)["kid"], kid.as_str());
    assert_eq!(
        app.get_bearer("/auth/check", token.expose()).await.status(),
        StatusCode::NO_CONTENT,
        "a token from the other node's new key verifies here without waiting"
    );
    store.close().await;
    app.finish().await;
}

async fn browser_sessions_live_in_cookies_only(backend: Backend) {
    let app = app_with(backend, &[]).await;
    let response = app
        .post_json(
            "/auth/session",
            json!({"email": EMAIL, "password": PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let raw: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    for cookie in &raw {
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
    }
    let cookies = cookie_header(&set_cookies(&response));
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body.as_object().unwrap().len(),
        3,
        "no token in the body: {body}"
    );
    assert!(body["session_id"].as_str().unwrap().starts_with("ses_"));

    // The API takes the cookie where it takes a bearer token.
    let list = app
        .client
        .get(app.url("/me/sessions"))
        .header("cookie", &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), StatusCode::OK);
    let list: Value = list.json().await.unwrap();
    assert_eq!(list["sessions"][0]["id"], body["session_id"]);

    // Renewal spends the refresh cookie; the old one, once the grace window has passed, is
    // reuse: refused, cookies cleared, and the session is over.
    let renew = |cookie: String| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/auth/session/refresh"))
                .header("cookie", cookie)
                .header("origin", &app.base)
                .send()
                .await
                .unwrap()
        }
    };
    // A tab that lost a race (its cookie's successor was itself renewed meanwhile) is
    // refused without clearing the newer cookies the browser holds.
    let (_, racing) = cookie_sign_in(&app).await;
    let second = cookie_header(&set_cookies(&renew(racing.clone()).await));
    let third = cookie_header(&set_cookies(&renew(second).await));
    let lost = renew(racing).await;
    assert!(set_cookies(&lost).is_empty(), "{:?}", set_cookies(&lost));
    problem(lost, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    assert_eq!(
        renew(third).await.status(),
        StatusCode::OK,
        "the session lives on"
    );

    let renewed = renew(cookies.clone()).await;
    assert_eq!(renewed.status(), StatusCode::OK);
    let fresh = cookie_header(&set_cookies(&renewed));
    assert_ne!(fresh, cookies);
    let renewed: Value = renewed.json().await.unwrap();
    assert_eq!(renewed["expires_in"], 900);
    app.advance(Duration::from_secs(120));
    let reused = renew(cookies.clone()).await;
    assert_eq!(reused.status(), StatusCode::UNAUTHORIZED);
    assert!(
        set_cookies(&reused).iter().all(|c| c.ends_with('=')),
        "cleared"
    );
    let after_reuse = app
        .client
        .get(app.url("/me/sessions"))
        .header("cookie", &fresh)
        .send()
        .await
        .unwrap();
    assert_eq!(
        after_reuse.status(),
        StatusCode::UNAUTHORIZED,
        "reuse ended the session"
    );
    let none = app
        .client
        .post(app.url("/auth/session/refresh"))
        .send()
        .await
        .unwrap();
    problem(none, StatusCode::UNAUTHORIZED, "unauthorized").await;

    // Sign out: from this site only, and the cookies go.
    let (_, cookies) = cookie_sign_in(&app).await;
    let forged = app
        .client
        .delete(app.url("/auth/session"))
        .header("cookie", &cookies)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    problem(forged, StatusCode::FORBIDDEN, "cross_site_request").await;
    let out = app
        .client
        .delete(app.url("/auth/session"))
        .header("cookie", &cookies)
        .header("origin", &app.base)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert!(set_cookies(&out).iter().all(|c| c.ends_with('=')));
    let gone = app
        .client
        .get(app.url("/auth/check"))
        .header("cookie", &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::UNAUTHORIZED);
    let wrong = app
        .post_json(
            "/auth/session",
            json!({"email": EMAIL, "password": "not the password"}),
        )
        .await;
    assert!(set_cookies(&wrong).is_empty());
    problem(wrong, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    app.finish().await;
}

//! Findings 2–4 of the security review (issue 11), over real HTTP: who the client is behind a
//! proxy, what an IPv6 network or a spread of addresses gets from the rate limits, and why a
//! stolen session cannot spend its owner's budgets.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    Backend, IPHONE_SAFARI, MAC_CHROME, Options, PASSWORD, TestApp, problem, spawn_app_with,
};

crate::on_both_stores!(
    a_junk_forwarded_for_entry_does_not_hide_the_client,
    the_forwarded_header_is_read_only_when_configured,
    the_hosts_of_one_ipv6_64_share_a_sign_in_budget,
    failed_sign_ins_from_many_addresses_slow_the_account_down,
    a_stolen_session_cannot_spend_the_owners_budgets,
);

fn behind_a_proxy(backend: Backend) -> Options {
    Options::new(backend).with("--trusted-proxies", "127.0.0.1")
}

async fn login_with(app: &TestApp, header: (&str, &str), password: &str) -> Response {
    app.client
        .post(app.url("/auth/login"))
        .header(header.0, header.1)
        .json(&json!({"email": "ada@example.com", "password": password}))
        .send()
        .await
        .unwrap()
}

async fn signed_in(response: Response) -> Value {
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn a_junk_forwarded_for_entry_does_not_hide_the_client(backend: Backend) {
    let app = spawn_app_with(behind_a_proxy(backend)).await.unwrap();
    app.signup("ada@example.com").await;
    let login =
        signed_in(login_with(&app, ("x-forwarded-for", "junk, 81.2.69.142"), PASSWORD).await).await;
    assert_eq!(login["session"]["ip"], "81.2.69.142");
    let token = login["access_token"].as_str().unwrap();
    let sessions = app.sessions(token).await;
    assert_eq!(sessions[0]["ip"], "81.2.69.142", "as stored");
    if !app.service.geo().is_empty() {
        assert_eq!(login["session"]["location"]["label"], "London, GB");
    }
    let events: Value = app
        .get_bearer("/me/security/events", token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(events["events"][0]["kind"], "sign_in");
    assert_eq!(events["events"][0]["ip"], "81.2.69.142", "and audited");
    app.finish().await;
}

async fn the_forwarded_header_is_read_only_when_configured(backend: Backend) {
    let app = spawn_app_with(behind_a_proxy(backend).with("--forwarded-header", "forwarded"))
        .await
        .unwrap();
    app.signup("ada@example.com").await;
    let login = signed_in(
        app.client
            .post(app.url("/auth/login"))
            .header("x-forwarded-for", "6.6.6.6")
            .header(
                "forwarded",
                "for=junk, for=\"[2001:db8:cafe::17]:4711\";proto=https",
            )
            .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        login["session"]["ip"], "2001:db8:cafe::17",
        "Forwarded is read, X-Forwarded-For is not"
    );
    app.finish().await;

    let app = spawn_app_with(behind_a_proxy(backend)).await.unwrap();
    app.signup("ada@example.com").await;
    let login = signed_in(login_with(&app, ("forwarded", "for=6.6.6.6"), PASSWORD).await).await;
    assert_eq!(
        login["session"]["ip"], "127.0.0.1",
        "a proxy that writes X-Forwarded-For leaves a client's Forwarded as the client sent it"
    );
    app.finish().await;
}

async fn the_hosts_of_one_ipv6_64_share_a_sign_in_budget(backend: Backend) {
    let app = spawn_app_with(behind_a_proxy(backend).with("--rate-limits", "signin_ip=3/60"))
        .await
        .unwrap();
    app.signup("ada@example.com").await;
    for host in ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:abcd::3"] {
        let response = login_with(&app, ("x-forwarded-for", host), "a wrong guess").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{host}");
    }
    let fourth = login_with(
        &app,
        ("x-forwarded-for", "2001:db8:1:2:ffff:ffff:ffff:ffff"),
        PASSWORD,
    )
    .await;
    problem(fourth, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    let next_network = login_with(&app, ("x-forwarded-for", "2001:db8:1:3::1"), PASSWORD).await;
    assert_eq!(next_network.status(), StatusCode::OK, "another /64 is not");
    app.finish().await;
}

async fn failed_sign_ins_from_many_addresses_slow_the_account_down(backend: Backend) {
    let app =
        spawn_app_with(behind_a_proxy(backend).with("--rate-limits", "signin_failures=5/3600"))
            .await
            .unwrap();
    app.signup("ada@example.com").await;
    app.signup("grace@example.com").await;
    for n in 0..8 {
        let owner = login_with(&app, ("x-forwarded-for", "81.2.69.142"), PASSWORD).await;
        assert_eq!(
            owner.status(),
            StatusCode::OK,
            "sign-in {n}: successes cost nothing"
        );
    }
    for n in 1..=5 {
        let address = format!("203.0.113.{n}");
        let guess = login_with(&app, ("x-forwarded-for", &address), "a wrong guess").await;
        assert_eq!(guess.status(), StatusCode::UNAUTHORIZED, "{address}");
    }
    let sixth = login_with(&app, ("x-forwarded-for", "198.51.100.6"), "a wrong guess").await;
    problem(sixth, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    let other_account = app
        .client
        .post(app.url("/auth/login"))
        .header("x-forwarded-for", "198.51.100.6")
        .json(&json!({"email": "grace@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        other_account.status(),
        StatusCode::OK,
        "only the guessed account slows down"
    );
    app.finish().await;
}

/// The owner on a Mac, a thief on a stolen iPhone session: the thief spends every budget its
/// session has, and the owner can still confirm the password, sign the thief out and change
/// the password; each of the thief's wrong passwords is in the owner's security activity.
async fn a_stolen_session_cannot_spend_the_owners_budgets(backend: Backend) {
    let limits = "reauth_session=3/300,revoke_session=3/60";
    let app = spawn_app_with(Options::new(backend).with("--rate-limits", limits))
        .await
        .unwrap();
    let owner = app.user("ada@example.com").await;
    let owner_token = owner["access_token"].as_str().unwrap();
    let thief = app.login_as("ada@example.com", IPHONE_SAFARI).await;
    let thief_token = thief["access_token"].as_str().unwrap();

    // Each request comes from the device its session was signed in on.
    let agent = |token: &str| {
        if token == thief_token {
            IPHONE_SAFARI
        } else {
            MAC_CHROME
        }
    };
    let reauth = |token: &str, password: &str| {
        app.client
            .post(app.url("/auth/reauth"))
            .header("user-agent", agent(token))
            .bearer_auth(token)
            .json(&json!({"password": password}))
            .send()
    };
    let revoke = |token: &str, prefix: &str| {
        app.client
            .delete(app.url(&format!("/me/sessions/{prefix}")))
            .header("user-agent", agent(token))
            .bearer_auth(token)
            .send()
    };
    for _ in 0..3 {
        let guess = reauth(thief_token, "a wrong guess").await.unwrap();
        problem(guess, StatusCode::FORBIDDEN, "wrong_password").await;
    }
    problem(
        reauth(thief_token, "a wrong guess").await.unwrap(),
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    )
    .await;
    for guess in ["0000", "1111", "2222"] {
        let response = revoke(thief_token, guess).await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(
        revoke(thief_token, "3333").await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );

    let confirmed = reauth(owner_token, PASSWORD).await.unwrap();
    assert_eq!(
        confirmed.status(),
        StatusCode::NO_CONTENT,
        "the owner confirms"
    );
    let wrong_current = app
        .client
        .post(app.url("/accounts/me/password"))
        .bearer_auth(owner_token)
        .json(&json!({"current_password": "a typo", "new_password": "a brand new password"}))
        .send()
        .await
        .unwrap();
    problem(wrong_current, StatusCode::FORBIDDEN, "wrong_password").await;
    let thief_prefix = thief["session"]["jti_prefix"].as_str().unwrap();
    let signed_out = revoke(owner_token, thief_prefix).await.unwrap();
    assert_eq!(
        signed_out.status(),
        StatusCode::NO_CONTENT,
        "the owner signs the thief out"
    );
    let changed = app
        .client
        .post(app.url("/accounts/me/password"))
        .bearer_auth(owner_token)
        .json(&json!({"current_password": PASSWORD, "new_password": "a brand new password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        changed.status(),
        StatusCode::NO_CONTENT,
        "and changes the password"
    );

    let events: Value = app
        .get_bearer("/me/security/events", owner_token)
        .await
        .json()
        .await
        .unwrap();
    let failed: Vec<&Value> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "reauth_failed")
        .collect();
    assert_eq!(
        failed.len(),
        4,
        "three guesses by the thief, one typo: {events}"
    );
    let by_thief = failed.iter().filter(|e| e["this_session"] == false).count();
    assert_eq!(by_thief, 3);
    let guess = failed.iter().find(|e| e["this_session"] == false).unwrap();
    assert_eq!(
        guess["summary"],
        "Wrong password entered on Safari on iPhone · Local network"
    );
    assert_eq!(guess["ip"], "127.0.0.1");
    app.finish().await;
}

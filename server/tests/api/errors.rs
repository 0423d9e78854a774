//! Client mistakes get a clear 4xx problem and change nothing; client addresses are taken
//! from X-Forwarded-For only behind a configured proxy.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, MAC_CHROME, Options, PASSWORD, problem, spawn_app, spawn_app_with};

crate::on_both_stores!(
    malformed_bodies_get_a_clear_4xx,
    a_missing_or_bad_bearer_token_is_401_with_a_challenge,
    oversized_user_agents_are_cut_not_refused,
    forwarded_for_is_ignored_from_untrusted_peers,
    forwarded_for_is_believed_from_a_trusted_proxy,
    sign_in_is_rate_limited_with_retry_after,
    guessing_session_prefixes_is_rate_limited,
    a_sign_in_from_a_new_country_is_flagged,
);

async fn malformed_bodies_get_a_clear_4xx(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let raw = |body: Vec<u8>, content_type: &'static str| {
        app.client
            .post(app.url("/auth/signup"))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    problem(
        raw(b"{\"email\": \"a@b.c\",".to_vec(), "application/json")
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "malformed_json",
    )
    .await;
    problem(
        raw(b"{not json}".to_vec(), "application/json")
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "malformed_json",
    )
    .await;
    problem(
        raw(vec![b'"', 0xff, 0xfe, b'"'], "application/json")
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "malformed_json",
    )
    .await;
    problem(
        raw(
            b"{\"email\": 5, \"password\": []}".to_vec(),
            "application/json",
        )
        .await
        .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    problem(
        raw(b"{\"email\": \"a@b.co\"}".to_vec(), "application/json")
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    problem(
        raw(b"email=a".to_vec(), "application/x-www-form-urlencoded")
            .await
            .unwrap(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    // A 10 MB body is refused from its Content-Length, before it is read; one without a
    // length is cut off at 64 KiB. Raw TCP, since the server answers mid-upload.
    let (status, head) = raw_upload(&app, Some(10 * 1024 * 1024)).await;
    assert_eq!(status, 413, "{head}");
    assert!(head.contains("application/problem+json"), "{head}");
    let (status, head) = raw_upload(&app, None).await;
    assert_eq!(status, 413, "{head}");
    assert!(
        head.contains("application/problem+json"),
        "the same problem: {head}"
    );
    // Nothing above created an account.
    let login = app
        .post_json(
            "/auth/login",
            json!({"email": "a@b.co", "password": PASSWORD}),
        )
        .await;
    problem(login, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    app.finish().await;
}

/// Sends a POST /auth/signup whose body claims `length` bytes (or is chunked when `None`),
/// writes 128 KiB of it, and reads the status line and headers of the answer.
async fn raw_upload(app: &crate::helpers::TestApp, length: Option<usize>) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let framing = match length {
        Some(n) => format!("Content-Length: {n}"),
        None => "Transfer-Encoding: chunked".to_owned(),
    };
    let head = format!(
        "POST /auth/signup HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n{framing}\r\n\r\n",
        app.addr
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 8192];
    for _ in 0..16 {
        let sent = match length {
            Some(_) => stream.write_all(&chunk).await,
            None => stream
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await
                .and(stream.write_all(&chunk).await)
                .and(stream.write_all(b"\r\n").await),
        };
        if sent.is_err() {
            break; // the server has answered and closed: read what it said
        }
    }
    let mut response = Vec::new();
    let mut buf = [0u8; 4096];
    while !response.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => response.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&response).to_lowercase();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

async fn a_missing_or_bad_bearer_token_is_401_with_a_challenge(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    let missing = app
        .client
        .get(app.url("/me/sessions"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        missing.headers()["www-authenticate"],
        r#"Bearer realm="signedin""#
    );
    problem(missing, StatusCode::UNAUTHORIZED, "unauthorized").await;
    for header in [
        "Bearer",
        "Bearer garbage",
        "Basic YTpi",
        "Bearer a.b.c",
        &format!("Bearer {}", "x".repeat(5000)),
    ] {
        let response = app
            .client
            .get(app.url("/me/sessions"))
            .header("authorization", header)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{header:.40}");
        assert!(response.headers().contains_key("www-authenticate"));
    }
    app.finish().await;
}

async fn oversized_user_agents_are_cut_not_refused(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    app.signup("ada@example.com").await;
    let agent = format!("{MAC_CHROME} {}", "y".repeat(16 * 1024));
    let login = app
        .post_json_as(
            "/auth/login",
            json!({"email": "ada@example.com", "password": PASSWORD}),
            &agent,
        )
        .await;
    assert_eq!(login.status(), StatusCode::OK);
    let body: Value = login.json().await.unwrap();
    let stored = body["session"]["user_agent"].as_str().unwrap();
    assert_eq!(stored.chars().count(), 500);
    assert!(agent.starts_with(stored));
    assert_eq!(body["session"]["device"]["label"], "Chrome on macOS");
    // Bytes that are not UTF-8 are kept, as replacement characters, never refused.
    let odd = reqwest::header::HeaderValue::from_bytes(b"Mozilla/5.0 \xff\xfe curl").unwrap();
    let login = app
        .client
        .post(app.url("/auth/login"))
        .header("user-agent", odd)
        .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let body: Value = login.json().await.unwrap();
    assert_eq!(
        body["session"]["user_agent"],
        "Mozilla/5.0 \u{fffd}\u{fffd} curl"
    );
    app.finish().await;
}

async fn login_from(app: &crate::helpers::TestApp, forwarded_for: &str) -> Value {
    let response = app
        .client
        .post(app.url("/auth/login"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{forwarded_for:.60}");
    response.json().await.unwrap()
}

async fn forwarded_for_is_ignored_from_untrusted_peers(backend: Backend) {
    let app = spawn_app(backend).await.unwrap();
    app.signup("ada@example.com").await;
    let body = login_from(&app, "8.8.8.8").await;
    assert_eq!(
        body["session"]["ip"], "127.0.0.1",
        "an untrusted peer cannot claim an address"
    );
    app.finish().await;
}

async fn forwarded_for_is_believed_from_a_trusted_proxy(backend: Backend) {
    let app = spawn_app_with(Options::new(backend).with("--trusted-proxies", "127.0.0.1/32"))
        .await
        .unwrap();
    app.signup("ada@example.com").await;
    let cases = [
        ("8.8.8.8", "8.8.8.8"),
        ("6.6.6.6, 9.9.9.9", "9.9.9.9"),
        ("::ffff:8.8.4.4", "8.8.4.4"),
        ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        ("[2606:4700:4700::1111]:443", "2606:4700:4700::1111"),
        ("not-an-ip", "127.0.0.1"),
        ("1.2.3.4, <script>", "127.0.0.1"),
    ];
    for (header, stored) in cases {
        let body = login_from(&app, header).await;
        assert_eq!(body["session"]["ip"], stored, "X-Forwarded-For: {header}");
    }
    let long = "1.1.1.1, ".repeat(500);
    assert_eq!(
        login_from(&app, &long).await["session"]["ip"],
        "127.0.0.1",
        "over-long headers are ignored"
    );
    // The believed address is the one located (when the location databases are installed:
    // `make test` installs them and sets SIGNEDIN_REQUIRE_GEO, so they cannot be missing there).
    let located = login_from(&app, "8.8.8.8").await;
    if app.service.geo().is_empty() {
        assert!(
            std::env::var("SIGNEDIN_REQUIRE_GEO").is_err(),
            "no geolocation database installed"
        );
        eprintln!("location not checked: no geolocation database");
    } else {
        assert_eq!(located["session"]["location"]["label"], "Mountain View, US");
    }
    app.finish().await;
}

async fn sign_in_is_rate_limited_with_retry_after(backend: Backend) {
    let app = spawn_app_with(Options::new(backend).with("--rate-limits", "signin_ip=5/60"))
        .await
        .unwrap();
    app.signup("ada@example.com").await;
    let mut limited = None;
    for _ in 0..6 {
        let response = app
            .post_json(
                "/auth/login",
                json!({"email": "ada@example.com", "password": "wrong wrong"}),
            )
            .await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(response);
            break;
        }
    }
    let response = limited.expect("a burst is limited");
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
    problem(response, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    app.finish().await;
}

async fn guessing_session_prefixes_is_rate_limited(backend: Backend) {
    let app = spawn_app_with(Options::new(backend).with("--rate-limits", "revoke_account=5/60"))
        .await
        .unwrap();
    let ada = app.user("ada@example.com").await;
    let token = ada["access_token"].as_str().unwrap();
    let mut statuses = Vec::new();
    for guess in ["0000", "1111", "2222", "3333", "4444", "5555", "6666"] {
        let response = app
            .client
            .delete(app.url(&format!("/me/sessions/{guess}")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [404, 404, 404, 404, 404, 429, 429]);
    app.finish().await;
}

/// Behind a trusted proxy, sign-ins from two countries: the second is a new location, in the
/// response, on the session row and in the audit trail.
async fn a_sign_in_from_a_new_country_is_flagged(backend: Backend) {
    let app = spawn_app_with(Options::new(backend).with("--trusted-proxies", "127.0.0.1"))
        .await
        .unwrap();
    if app.service.geo().is_empty() {
        assert!(
            std::env::var("SIGNEDIN_REQUIRE_GEO").is_err(),
            "no geolocation database installed"
        );
        eprintln!("skipped: no geolocation database");
        return app.finish().await;
    }
    app.signup("ada@example.com").await;
    let first = login_from(&app, "81.2.69.142").await;
    assert_eq!(
        first["new_location"], false,
        "the first sign-in has nothing to compare with"
    );
    assert_eq!(first["session"]["location"]["label"], "London, GB");
    let again = login_from(&app, "81.2.69.142").await;
    assert_eq!(again["new_location"], false);
    let berlin = login_from(&app, "193.99.144.80").await;
    assert_eq!(berlin["new_location"], true);
    assert_eq!(berlin["session"]["new_location"], true);
    assert_eq!(berlin["session"]["location"]["label"], "Hanover, DE");
    assert_eq!(berlin["session"]["location"]["country"], "Germany");
    let events: Value = app
        .get_bearer(
            "/me/security/events",
            berlin["access_token"].as_str().unwrap(),
        )
        .await
        .json()
        .await
        .unwrap();
    let newest = &events["events"][0];
    assert_eq!(newest["kind"], "sign_in");
    assert_eq!(newest["new_location"], true);
    assert_eq!(
        newest["summary"],
        "New sign-in from a new location: Chrome on macOS · Hanover, DE"
    );
    app.finish().await;
}

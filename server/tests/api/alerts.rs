//! Alerts over real HTTP: the email's "This wasn't me" link answered through the page's own
//! forms as a browser without JavaScript does, every unusable link answered with a page
//! (never an error), and a webhook receiver that never answers holding up no sign-in.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Backend, MAC_CHROME, Options, PASSWORD, TestApp, spawn_app_with};

#[path = "../../../tests/support/receivers.rs"]
mod receivers;

use receivers::{MailSink, Receiver};

crate::on_both_stores!(
    this_wasnt_me_works_through_plain_forms_and_bad_links_get_a_page,
    a_receiver_that_never_answers_holds_up_no_sign_in,
);

const PUBLIC: &str = "http://alerts.example.test";
const WINDOWS_FIREFOX: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

async fn login(app: &TestApp, user_agent: &str) -> String {
    let body = app.login_as("ada@example.com", user_agent).await;
    body["access_token"].as_str().unwrap().to_owned()
}

/// GET `path` as a browser: status and body.
async fn page(app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = app
        .client
        .get(app.url(path))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

/// Posts `token` to the page's form for `function`, from the site itself; the redirect.
async fn press(app: &TestApp, html: &str, function: &str, token: &str) -> String {
    let marker = format!("action=\"/api/{function}");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {function} form in {html}"))
        + "action=\"".len();
    let action = &html[start..start + html[start..].find('"').unwrap()];
    let response = app
        .client
        .post(app.url(action))
        .header("accept", "text/html")
        .header("origin", PUBLIC)
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND, "{function}");
    response.headers()["location"].to_str().unwrap().to_owned()
}

async fn this_wasnt_me_works_through_plain_forms_and_bad_links_get_a_page(backend: Backend) {
    let sink = MailSink::start().await;
    let options = Options::new(backend)
        .public_url(PUBLIC)
        .with("--smtp-url", sink.url.clone())
        .with("--mail-from", "signedin <alerts@example.test>");
    let app = spawn_app_with(options).await.unwrap();
    assert_eq!(
        app.signup("ada@example.com").await.status(),
        StatusCode::CREATED
    );
    let mac = login(&app, MAC_CHROME).await;
    let firefox = login(&app, WINDOWS_FIREFOX).await;
    let mut mails = sink.mails();
    for _ in 0..100 {
        if !mails.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        mails = sink.mails();
    }
    assert_eq!(mails.len(), 1, "one alert, for the new device");
    let flat = mails[0].replace("=\r\n", "").replace("=3D", "=");
    let link = format!("{PUBLIC}/alerts/not-me?token=");
    let start = flat.find(&link).expect("the link, on the public URL") + link.len();
    let token: String = flat[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "._-".contains(*c))
        .collect();

    let path = format!("/alerts/not-me?token={token}");
    let (status, html) = page(&app, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Wasn&#x27;t you?") || html.contains("Wasn't you?"),
        "{html}"
    );
    assert!(html.contains("Firefox on Windows"), "{html}");
    let again = page(&app, &path).await.1;
    assert!(
        again.contains("Sign out that device"),
        "showing a link changes nothing"
    );

    let back = press(&app, &html, "report_not_me", &token).await;
    assert_eq!(back, format!("{path}&done=not_me"));
    let (status, done) = page(&app, &back).await;
    assert_eq!(status, StatusCode::OK);
    assert!(done.contains("That device is signed out"), "{done}");
    assert_eq!(
        app.get_bearer("/me/sessions", &firefox).await.status(),
        StatusCode::UNAUTHORIZED,
        "that device is signed out"
    );
    assert_eq!(
        app.get_bearer("/me/sessions", &mac).await.status(),
        StatusCode::OK
    );

    // Used again: a page that says so.
    let back = press(&app, &html, "report_not_me", &token).await;
    assert_eq!(back, path);
    let used = page(&app, &back).await.1;
    assert!(
        used.contains("This link can") && used.contains("already been used"),
        "{used}"
    );

    // Made up or altered, on either page, shown or pressed: a page, never an error.
    let altered = format!("{}x", &token[..token.len() - 1]);
    for bad in ["junk", "a.b.c", altered.as_str()] {
        for page_name in ["not-me", "was-me"] {
            let (status, html) = page(&app, &format!("/alerts/{page_name}?token={bad}")).await;
            assert_eq!(status, StatusCode::OK, "{page_name} {bad}");
            assert!(html.contains("isn") && html.contains("valid"), "{html}");
        }
        let (_, html) = page(&app, &path).await;
        let _ = html;
        let response = app
            .client
            .post(app.url("/api/report_not_me"))
            .header("origin", PUBLIC)
            .form(&[("token", bad)])
            .send()
            .await
            .unwrap();
        assert!(
            response.status().as_u16() < 500,
            "{bad}: {}",
            response.status()
        );
    }
    let (status, html) = page(&app, "/alerts/not-me").await;
    assert_eq!(status, StatusCode::OK, "no token at all");
    assert!(html.contains("valid"));
    app.finish().await;
}

async fn a_receiver_that_never_answers_holds_up_no_sign_in(backend: Backend) {
    let hook = Receiver::start().await;
    hook.answer(0);
    let options = Options::new(backend)
        .with("--webhook-url", hook.url.clone())
        .with("--webhook-secret", SECRET)
        .with("--webhook-timeout-secs", "30")
        .with("--outbox-lease-secs", "60");
    let app = spawn_app_with(options).await.unwrap();
    assert_eq!(
        app.signup("ada@example.com").await.status(),
        StatusCode::CREATED
    );
    for _ in 0..5 {
        let response = app
            .post_json(
                "/auth/login",
                json!({"email": "ada@example.com", "password": PASSWORD}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    // The receiver has been sent every sign-in's event and answered none of them, yet every
    // sign-in above was answered.
    for _ in 0..100 {
        if hook.got().len() >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(hook.got().len(), 5, "each event was attempted");
    let pending = app
        .service
        .outbox_entries(Some("pending"), 100)
        .await
        .unwrap();
    assert_eq!(
        pending.len(),
        5,
        "none delivered: the receiver is still holding them"
    );
    app.finish().await;
}

#![allow(dead_code)]

#[path = "../../../tests/support/postgres.rs"]
mod postgres;
#[path = "../../../tests/support/stores.rs"]
mod stores;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use server::config::{Cli, Config};
use server::startup::Application;
use signedin::{FixedClock, SessionService, Timestamp};

pub const PASSWORD: &str = "correct horse battery staple";
pub const MAC_CHROME: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
pub const IPHONE_SAFARI: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub base: String,
    pub client: Client,
    pub service: SessionService,
    pub clock: Arc<FixedClock>,
    pub database_url: String,
    /// Where `GET /metrics` is served, when the test asked for it (`--metrics-addr`).
    pub metrics: Option<SocketAddr>,
    _dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

/// Everything the server logged while the tests ran (at debug level), for the secrets scan.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&LOGS.get_or_init(Default::default).lock().unwrap()).into_owned()
}

static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn init_logs() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let buffer = LOGS.get_or_init(Default::default).clone();
        let _ = tracing_subscriber::fmt()
            .json()
            .with_env_filter("debug,sqlx=debug,hyper=info,h2=info")
            .with_writer(move || Capture(buffer.clone()))
            .try_init();
    });
}

pub struct Options {
    pub backend: Backend,
    pub extra: Vec<(&'static str, String)>,
}

impl Options {
    pub fn new(backend: Backend) -> Self {
        Self {
            backend,
            extra: vec![("--rate-limits", "off".into())],
        }
    }

    pub fn with(mut self, flag: &'static str, value: impl Into<String>) -> Self {
        self.extra.retain(|(f, _)| *f != flag);
        self.extra.push((flag, value.into()));
        self
    }

    /// The server as deployed behind a proxy at `url` (SIGNEDIN_PUBLIC_URL): an `https` one
    /// turns on `Secure`/`__Host-` cookies and HSTS, and pins the Origin check to it. The
    /// tests still talk plain HTTP to 127.0.0.1, as the proxy would.
    pub fn public_url(self, url: &str) -> Self {
        self.with("--public-url", url)
    }
}

/// Starts the server; `None` only when PostgreSQL tests are skipped
/// (SIGNEDIN_TEST_SKIP_POSTGRES=1); without TEST_DATABASE_URL otherwise, the test fails.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(Options::new(backend)).await
}

pub async fn spawn_app_with(options: Options) -> Option<TestApp> {
    init_logs();
    let dir = tempfile::tempdir().unwrap();
    let (database_url, postgres) = match options.backend {
        Backend::Sqlite => (
            format!("sqlite://{}", dir.path().join("app.db").display()),
            None,
        ),
        Backend::Postgres => {
            let (url, admin, name) = postgres::create_database("signedin_api").await?;
            (url, Some((admin, name)))
        }
    };
    let mut args = vec![
        "signedin".to_owned(),
        "--database-url".into(),
        database_url.clone(),
        "--addr".into(),
        "127.0.0.1:0".into(),
        "--geoip-dir".into(),
        geo_dir(),
        "--prune-interval-secs".into(),
        "0".into(),
    ];
    for (flag, value) in &options.extra {
        args.push((*flag).to_owned());
        args.push(value.clone());
    }
    // Flags only: clap would fill every unset flag from an ambient DATABASE_URL, LEPTOS_* or
    // SIGNEDIN_* variable, and change what the test tests.
    let matches = Cli::command()
        .mut_args(|arg| arg.env(None::<&'static str>))
        .try_get_matches_from(args)
        .expect("flags");
    let cli = Cli::from_arg_matches(&matches).expect("flags");
    let config = Config::from_settings(cli.settings).expect("config");
    let clock = Arc::new(FixedClock::new(Timestamp::now()));
    let app = Application::build_with_clock(config, clock.clone())
        .await
        .expect("server starts");
    let addr = app.local_addr();
    let service = app.service();
    let metrics = app.metrics_addr();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async move {
        let _ = rx.await;
    }));
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(MAC_CHROME)
        .build()
        .unwrap();
    Some(TestApp {
        base: format!("http://{addr}"),
        addr,
        client,
        service,
        clock,
        database_url,
        metrics,
        _dir: dir,
        postgres,
        shutdown: Some(tx),
    })
}

/// The databases `make test` installs, whatever SIGNEDIN_GEOIP_DIR says in the environment.
fn geo_dir() -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../data/geo")
        .display()
        .to_string()
}

/// `None` when PostgreSQL tests are skipped; panics when they are expected but not configured.
pub fn postgres_admin_url() -> Option<String> {
    postgres::admin_url()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    pub async fn post_json(&self, path: &str, body: Value) -> Response {
        self.client
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_json_as(&self, path: &str, body: Value, user_agent: &str) -> Response {
        self.client
            .post(self.url(path))
            .header("user-agent", user_agent)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn signup(&self, email: &str) -> Response {
        self.post_json(
            "/auth/signup",
            json!({"email": email, "password": PASSWORD}),
        )
        .await
    }

    /// Signs up (if needed) and in from `user_agent`; the login response body.
    pub async fn login_as(&self, email: &str, user_agent: &str) -> Value {
        let response = self
            .post_json_as(
                "/auth/login",
                json!({"email": email, "password": PASSWORD}),
                user_agent,
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "login");
        response.json().await.unwrap()
    }

    pub async fn user(&self, email: &str) -> Value {
        assert_eq!(self.signup(email).await.status(), StatusCode::CREATED);
        self.login_as(email, MAC_CHROME).await
    }

    pub async fn get_bearer(&self, path: &str, token: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn sessions(&self, token: &str) -> Vec<Value> {
        let response = self.get_bearer("/me/sessions", token).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        body["sessions"].as_array().unwrap().clone()
    }

    pub async fn refresh(&self, refresh_token: &str) -> Response {
        self.post_json("/auth/refresh", json!({"refresh_token": refresh_token}))
            .await
    }

    pub async fn finish(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some((admin, name)) = self.postgres.take() {
            // Give the server a moment to close its pool, then drop the database.
            tokio::time::sleep(Duration::from_millis(50)).await;
            postgres::drop_database(&admin, &name).await;
        }
    }
}

/// Asserts a problem+json answer and returns its body.
pub async fn problem(response: Response, status: StatusCode, kind: &str) -> Value {
    assert_eq!(response.status(), status, "status");
    let content_type = response
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["type"], kind, "{body}");
    assert_eq!(body["status"], status.as_u16());
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "{body}"
    );
    body
}

/// Runs each test body against a server on SQLite and one on PostgreSQL (see
/// `stores::run_on_both_stores!`); the body takes the `Backend` and starts its own app.
#[macro_export]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        $crate::run_on_both_stores!($crate::helpers::Backend; $($name),*);
    };
}

// The fixture contract of `run_on_both_stores!`: each test starts its own server.
impl Backend {
    pub async fn on_sqlite() -> Option<Self> {
        Some(Backend::Sqlite)
    }

    pub async fn on_postgres() -> Option<Self> {
        postgres::admin_url().map(|_| Backend::Postgres)
    }

    pub fn arg(&self) -> Self {
        *self
    }

    pub async fn finish(self) {}
}

/// A session of the account `email` on an iPhone, signed in at `at` for an hour, written
/// straight to the database with `token` as its refresh token's hash: for shapes the API
/// cannot make on demand (chosen hashes, many sessions past the sign-in rate limits).
pub async fn seed_session(
    app: &TestApp,
    email: &str,
    session_id: String,
    token: signedin::token::TokenHash,
    at: Timestamp,
) {
    let store: &signedin::Store = app.service.store();
    let user = store.find_user_by_email(email).await.unwrap().unwrap();
    let session = signedin::store::NewSession {
        session_id,
        user_id: user.id.clone(),
        token,
        device: signedin::DeviceContext::new(
            IPHONE_SAFARI,
            "192.0.2.5".parse().unwrap(),
            signedin::ClientHints::default(),
        ),
        description: None,
        signed_in_at: at,
        expires_at: at.plus(Duration::from_secs(3600)),
        new_location: false,
        verified_password_hash: user.password_hash,
    };
    let seen = signedin::audit::SignInNovelty {
        place: None,
        new_location: false,
        label: "Safari on iPhone",
        new_device: false,
    };
    let event = signedin::audit::AuditEvent::sign_in(
        &user.id,
        &session.session_id,
        &session.device,
        seen,
        at,
    );
    store
        .create_session(&session, &event, &signedin::Policy::default())
        .await
        .unwrap();
}

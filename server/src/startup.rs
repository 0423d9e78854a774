//! `Application`: the configured server, bound to its port (port 0 in tests), ready to run.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use app::server_fns::context::{AuthCache, WebContext};
use app::{App, shell};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use leptos::config::LeptosOptions;
use leptos::prelude::*;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use signedin::service::OutboxWorker;
use signedin::{
    Clock, DeviceLabeler, Geo, RateLimiter, ServiceParts, SessionService, Store, StoreOptions,
    SystemClock,
};
use tokio::net::TcpListener;

use crate::config::{Config, redact_url};
use crate::http;
use crate::security::{self, CspNonce};
use crate::state::AppState;

/// Why the server could not start, in one line.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot use the database {url}: {reason}")]
    Database { url: String, reason: String },
    #[error("cannot read the geolocation databases: {0}")]
    Geo(String),
    #[error("cannot load the user-agent rules: {0}")]
    Labeler(String),
    #[error("cannot set up alerts: {0}")]
    Alerts(String),
    #[error("cannot listen on {addr}: {reason}")]
    Bind { addr: SocketAddr, reason: String },
}

/// Opens the store (applying migrations), loads the device rules and location databases,
/// and assembles the session service. Shared by the server and the admin commands.
pub async fn open_service(
    config: &Config,
    clock: Arc<dyn Clock>,
) -> Result<SessionService, StartupError> {
    let settings = &config.settings;
    let database_error = |e: signedin::DomainError| StartupError::Database {
        url: redact_url(&settings.database_url),
        reason: match e {
            signedin::DomainError::Invalid { .. } => e.to_string(),
            _ => source_of(&e),
        },
    };
    let options = StoreOptions {
        max_connections: settings.db_max_connections,
        acquire_timeout: Duration::from_secs(settings.db_acquire_timeout_secs),
    };
    let store = Store::connect(&settings.database_url, &options)
        .await
        .map_err(database_error)?;
    let key = SessionService::resolve_key(&store, settings.secret.as_deref(), clock.now())
        .await
        .map_err(database_error)?;
    let labeler = DeviceLabeler::new().map_err(|e| StartupError::Labeler(e.to_string()))?;
    let geo = Geo::open_dir(&settings.geoip_dir).map_err(StartupError::Geo)?;
    if geo.is_empty() {
        tracing::warn!(
            dir = %settings.geoip_dir.display(),
            "no geolocation database found: sessions will be shown without a location"
        );
    } else {
        tracing::info!(files = ?geo, "geolocation databases loaded");
    }
    if config.rate_limits.is_off() {
        tracing::warn!("rate limits are off (SIGNEDIN_RATE_LIMITS=off)");
    }
    let service = SessionService::new(ServiceParts {
        store,
        clock,
        policy: config.policy.clone(),
        key,
        access_tokens: config.access_tokens.clone(),
        labeler: Arc::new(labeler),
        geo: Arc::new(geo),
        limiter: RateLimiter::new(config.rate_limits.clone()),
    })
    .map_err(|e| StartupError::Labeler(e.to_string()))?;
    // The configured algorithm's first key, at first start: before any token is signed.
    service.ensure_signing_key().await.map_err(database_error)?;
    // Changes write their alerts and webhooks from now on, the admin commands' too; the
    // server's sender (`Application`) delivers them.
    if let Some(outbox) = &config.outbox {
        service.store().set_outbox_routes(outbox.routes());
    }
    Ok(service)
}

/// The deepest message of an error chain: "connection refused", not "pool timed out".
fn source_of(error: &dyn std::error::Error) -> String {
    let mut deepest = error.to_string();
    let mut current = error.source();
    while let Some(source) = current {
        deepest = source.to_string();
        current = source.source();
    }
    deepest
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    outbox: Option<OutboxWorker>,
    /// `SIGNEDIN_METRICS_ADDR`'s listener, when set.
    metrics: Option<TcpListener>,
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    pub async fn build_with_clock(
        config: Config,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StartupError> {
        let service = open_service(&config, clock).await?;
        let addr = config.settings.site_addr;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| StartupError::Bind {
                addr,
                reason: e.to_string(),
            })?;
        let bound = listener.local_addr().unwrap_or(addr);
        let metrics = match config.settings.metrics.metrics_addr {
            Some(addr) => {
                crate::metrics::handle();
                Some(
                    TcpListener::bind(addr)
                        .await
                        .map_err(|e| StartupError::Bind {
                            addr,
                            reason: e.to_string(),
                        })?,
                )
            }
            None => None,
        };
        let leptos_options = LeptosOptions::builder()
            .output_name("signedin")
            .site_root(config.settings.site_root.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .site_addr(bound)
            .env(leptos::config::Env::PROD)
            .build();
        let live = service.start_live(config.live_limits);
        let outbox = match &config.outbox {
            Some(settings) => Some(
                OutboxWorker::new(service.clone(), settings.clone())
                    .map_err(|e| StartupError::Alerts(e.to_string()))?,
            ),
            None => None,
        };
        let state = AppState {
            leptos_options,
            service,
            config: Arc::new(config),
            live,
        };
        let router = router(state.clone());
        Ok(Self {
            listener,
            router,
            state,
            outbox,
            metrics,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or(self.state.config.settings.site_addr)
    }

    /// The router alone, to drive in-process (the fuzz targets do).
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// Where `GET /metrics` is served, if it is.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|l| l.local_addr().ok())
    }

    pub fn service(&self) -> SessionService {
        self.state.service.clone()
    }

    /// Serves until `shutdown` resolves, then finishes the requests in flight.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let prune = spawn_pruner(&self.state);
        let sender = self.outbox.clone().map(OutboxWorker::spawn);
        tracing::info!(addr = %self.local_addr(), store = self.state.service.store().backend(), "listening");
        let metrics_addr = self.metrics_addr();
        let metrics = self
            .metrics
            .map(|listener| crate::metrics::spawn(listener, self.state.clone()));
        if let Some(addr) = metrics_addr {
            tracing::info!(%addr, "metrics at /metrics");
        }
        let client_timeout = Duration::from_secs(self.state.config.settings.client_timeout_secs);
        // Live streams never finish on their own: they end the moment the node starts
        // stopping, so the drain waits only for ordinary requests.
        let live = self.state.live.clone();
        let shutdown = async move {
            shutdown.await;
            live.close_all();
        };
        let result =
            crate::serve::serve(self.listener, self.router, client_timeout, shutdown).await;
        if let Some(prune) = prune {
            prune.abort();
        }
        // A message being sent right now is sent again by the next node to start (at least
        // once, with the same webhook-id).
        if let Some(sender) = sender {
            sender.abort();
        }
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        if let Some(outbox) = &self.outbox {
            outbox.release().await;
        }
        self.state.service.store().close().await;
        tracing::info!("stopped");
        result
    }
}

/// The app's routes, generated once per process. Generating them runs the whole app with a
/// process-global "suppress resource loads" flag set (leptos_server), and a page whose
/// resource is first polled meanwhile waits forever (leptos-rs/leptos#4773). A server builds
/// its router before it serves, so once per process means never during a render, even where
/// several servers share a process (the API tests).
fn routes() -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

fn router(state: AppState) -> Router {
    let routes = routes();
    let counted = state.config.settings.metrics.metrics_addr.is_some();
    let (api, api_doc) = http::router();
    let context = {
        let web = web_context(&state);
        move || {
            provide_context(web.clone());
            provide_context(AuthCache::default());
            let nonce = use_context::<axum::http::request::Parts>()
                .and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
            if let Some(nonce) = nonce {
                provide_context(leptos::nonce::Nonce::from_value(nonce.0));
            }
        }
    };
    let site = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };
    let router = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/openapi.json", http::openapi::route(api_doc))
        .merge(api)
        .leptos_routes_with_context(&state, routes, context.clone(), site);
    // Metrics on: every route notes its template for the request counter (outermost layer).
    let router = if counted {
        router.route_layer(axum::middleware::from_fn(crate::metrics::note_route))
    } else {
        router
    };
    let router = router
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::request_guard::request_guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::origin_check,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::security_headers,
        ))
        .layer(axum::middleware::from_fn(security::request_id));
    if counted {
        router
            .layer(axum::middleware::from_fn(crate::metrics::track))
            .with_state(state)
    } else {
        router.with_state(state)
    }
}

/// What the server functions reach: the same service the API calls, with the page's cookies.
fn web_context(state: &AppState) -> WebContext {
    let config = &state.config;
    WebContext {
        service: state.service.clone(),
        cookies: config.cookies(),
        trusted_proxies: config.trusted_proxies.clone(),
    }
}

/// Liveness: the process answers.
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.service.store().ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(error) => {
            tracing::warn!(%error, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(axum::http::header::RETRY_AFTER, "5")],
                "database unavailable",
            )
                .into_response()
        }
    }
}

/// Deletes dead rows periodically (`SIGNEDIN_PRUNE_INTERVAL_SECS`), so rotation does not
/// grow the tables without bound.
fn spawn_pruner(state: &AppState) -> Option<tokio::task::JoinHandle<()>> {
    let every = state.config.settings.prune_interval_secs;
    if every == 0 {
        return None;
    }
    let service = state.service.clone();
    Some(tokio::spawn(async move {
        let mut ticker = tokio::time::interval(Duration::from_secs(every));
        ticker.tick().await;
        loop {
            ticker.tick().await;
            match service.prune().await {
                Ok(report) => tracing::info!(?report, "pruned"),
                Err(error) => tracing::warn!(%error, "prune failed"),
            }
        }
    }))
}

//! Prometheus metrics (`SIGNEDIN_METRICS_ADDR`): the exporter, the HTTP middleware that counts
//! every request by route template, method and status, the gauges read at scrape time or
//! refreshed every 30 s, and the listener of its own that serves `GET /metrics` (never the
//! public port). What the domain counts is `signedin::metrics`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{LazyLock, OnceLock, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Router, http};
use clap::Args;
use metrics::{
    Counter, Histogram, Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge,
    histogram,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::state::AppState;

#[derive(Debug, Clone, Args)]
pub struct MetricsSettings {
    /// Where `GET /metrics` (Prometheus) is served, e.g. `127.0.0.1:9464`: a listener of its
    /// own, never the public port. Unset: no metrics.
    #[arg(long, env = "SIGNEDIN_METRICS_ADDR", global = true)]
    pub metrics_addr: Option<SocketAddr>,
}

/// How often the gauges that need a query (live sessions, the outbox's backlog) are read.
const REFRESH_EVERY: Duration = Duration::from_secs(30);

/// Latency buckets, in seconds: sub-millisecond checks up to argon2-bound sign-ins.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process's recorder, installed once (several servers in one test process share it).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &BUCKETS)
            .expect("the buckets are not empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        // Another recorder already installed (a test harness's) keeps its own: ours still
        // renders what it is given.
        let _ = metrics::set_global_recorder(recorder);
        describe();
        gauge!("signedin_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
        handle
    })
}

/// Names and explains every family (Prometheus' `# HELP`; promtool insists).
fn describe() {
    signedin::metrics::describe();
    describe_counter!(
        "signedin_http_requests_total",
        "HTTP requests answered, by route template, method and status."
    );
    describe_histogram!(
        "signedin_http_request_duration_seconds",
        Unit::Seconds,
        "HTTP request latency, by route template, method and status."
    );
    describe_gauge!(
        "signedin_db_connections",
        "Database connections open, by pool and state."
    );
    describe_gauge!(
        "signedin_db_connections_max",
        "Database connections allowed, by pool."
    );
    describe_gauge!(
        "signedin_event_streams",
        "Live devices-page streams open on this node."
    );
    describe_gauge!(
        "signedin_live_sessions",
        "Live sessions (counted every 30 s)."
    );
    describe_gauge!(
        "signedin_outbox_pending",
        "Alert emails and webhooks waiting to be delivered (counted every 30 s)."
    );
    describe_gauge!(
        "signedin_build_info",
        "The running build: its version as a label, value 1."
    );
}

/// The route a request matched, carried from the routing layer out to [`track`].
#[derive(Clone)]
struct RouteLabel(MatchedPath);

/// Inside the router (a route layer): notes the matched route template on the response.
pub async fn note_route(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(RouteLabel(route));
    }
    response
}

/// Outside everything: counts the request and its latency by route template (or `other`:
/// static files, unknown paths), method and status.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let response = next.run(request).await;
    let route = response
        .extensions()
        .get::<RouteLabel>()
        .map_or("other", |label| label.0.as_str());
    let status = response.status().as_u16();
    count_request(route, method, status, started.elapsed());
    response
}

/// A request's counter and histogram, by (route, method, status): looked up in the recorder
/// once per label set, then kept, so a request allocates no label strings and hashes no label
/// set (≈ 13 % of `/auth/check` when looked up per request). Bounded: routes are templates,
/// methods and statuses fixed sets.
type RequestHandles = (Counter, Histogram);
type ByRoute = HashMap<String, Vec<(&'static str, u16, RequestHandles)>>;
static REQUESTS: LazyLock<RwLock<ByRoute>> = LazyLock::new(Default::default);

fn count_request(route: &str, method: &'static str, status: u16, took: Duration) {
    let record = |(count, latency): &RequestHandles| {
        count.increment(1);
        latency.record(took.as_secs_f64());
    };
    {
        let known = REQUESTS.read().unwrap_or_else(|e| e.into_inner());
        let found = known
            .get(route)
            .and_then(|sets| sets.iter().find(|(m, s, _)| *m == method && *s == status));
        if let Some((_, _, handles)) = found {
            return record(handles);
        }
    }
    let labels = [
        ("route", route.to_owned()),
        ("method", method.to_owned()),
        ("status", status.to_string()),
    ];
    let handles = (
        counter!("signedin_http_requests_total", &labels),
        histogram!("signedin_http_request_duration_seconds", &labels),
    );
    record(&handles);
    let mut known = REQUESTS.write().unwrap_or_else(|e| e.into_inner());
    let sets = known.entry(route.to_owned()).or_default();
    if !sets.iter().any(|(m, s, _)| *m == method && *s == status) {
        sets.push((method, status, handles));
    }
}

/// Methods outside the usual set are one label, so a client cannot mint label values.
fn method_label(method: &http::Method) -> &'static str {
    match *method {
        http::Method::GET => "GET",
        http::Method::HEAD => "HEAD",
        http::Method::POST => "POST",
        http::Method::PUT => "PUT",
        http::Method::PATCH => "PATCH",
        http::Method::DELETE => "DELETE",
        http::Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Serves `GET /metrics` on `listener` and refreshes the queried gauges, until aborted.
pub fn spawn(listener: tokio::net::TcpListener, state: AppState) -> tokio::task::JoinHandle<()> {
    let refresher = tokio::spawn(refresh_gauges(state.clone()));
    let app = Router::new()
        .route("/metrics", get(render))
        .with_state(state);
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::warn!(%error, "the metrics listener stopped");
        }
        refresher.abort();
    })
}

async fn render(State(state): State<AppState>) -> impl IntoResponse {
    let store = state.service.store();
    for (pool, open, idle, max) in store.pool_stats() {
        gauge!("signedin_db_connections", "pool" => pool, "state" => "idle").set(f64::from(idle));
        gauge!("signedin_db_connections", "pool" => pool, "state" => "in_use")
            .set(f64::from(open.saturating_sub(idle)));
        gauge!("signedin_db_connections_max", "pool" => pool).set(f64::from(max));
    }
    gauge!("signedin_event_streams").set(state.live.open_streams() as f64);
    (
        [(
            http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle().render(),
    )
}

/// The gauges that cost a query: read every 30 s, never per scrape.
async fn refresh_gauges(state: AppState) {
    let mut ticker = tokio::time::interval(REFRESH_EVERY);
    loop {
        ticker.tick().await;
        let service = &state.service;
        let store = service.store();
        match store
            .count_live_sessions(&state.config.policy, service.now())
            .await
        {
            Ok(n) => gauge!("signedin_live_sessions").set(n as f64),
            Err(error) => tracing::warn!(%error, "metrics: counting live sessions failed"),
        }
        match store.count_outbox_pending().await {
            Ok(n) => gauge!("signedin_outbox_pending").set(n as f64),
            Err(error) => tracing::warn!(%error, "metrics: counting the outbox failed"),
        }
    }
}

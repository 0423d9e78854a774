//! Structured logs on stderr: JSON lines by default, each request in a span with its
//! request id.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

pub fn init(filter: &str, format: &str) {
    // sqlx logs every statement at info; that is noise at our volume.
    let filter = EnvFilter::try_new(format!("{filter},sqlx=warn,tower_http=warn"))
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(FmtSpan::NONE)
        .with_target(false)
        // stdout is for what a command prints (`signedin check`, `sessions list`).
        .with_writer(std::io::stderr);
    // A second init (tests start many servers in one process) is harmless: keep the first.
    let _ = if format == "pretty" {
        builder.try_init()
    } else {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    };
}

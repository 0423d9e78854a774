//! What happens to a request whatever its client does.
//!
//! A client may vanish at any moment: a phone loses signal, a tab is closed, a load tool's
//! run ends. hyper then drops the future that serves the request, at whatever `.await` it
//! has reached. For a read that is harmless. For a write it is not: "sign out that device"
//! must not be lost because the tab closed, and a transaction cut in half must not be left
//! on a pooled connection (the store refuses to reuse such a connection as a second line;
//! see `signedin::store`'s hygiene).
//!
//! So, for every request:
//! - the body is read whole first, within the client timeout and the size limit (the one
//!   place the 64 KiB limit is enforced: 413 however the body is sent; a client that
//!   trickles its body is answered 408 and holds nothing);
//! - a state-changing request (any method but GET, HEAD, OPTIONS, TRACE) already runs in a
//!   task of its own, started by `serve` the moment its head arrived, so a hang-up cannot
//!   stop it; its handler runs in one more task here, so that the deadline below cannot
//!   either;
//! - an answer not ready within the request timeout becomes 503 with `Retry-After`. A
//!   state-changing request still finishes in its task; a retry then meets its result (a
//!   refresh retried inside the grace window gets the same successor).
//!
//! The deadline covers a response's head, not its body: a live stream
//! (`GET /me/sessions/events`) answers its head as soon as the caller is authenticated, and its
//! body then lasts as long as the stream, exempt by construction.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use crate::http::error::ApiError;
use crate::state::AppState;

/// Request bodies are small JSON documents and forms. Enforced here alone, for every route
/// (the API, the server functions, the pages), before any handler or extractor runs.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub async fn request_guard(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let settings = &state.config.settings;
    let client_timeout = Duration::from_secs(settings.client_timeout_secs);
    let request_timeout = Duration::from_secs(settings.request_timeout_secs);
    let request = match read_body(request, client_timeout).await {
        Ok(request) => request,
        Err(refusal) => return refusal.into_response(),
    };
    if changes_state(request.method()) {
        let task = tokio::spawn(next.run(request).in_current_span());
        match tokio::time::timeout(request_timeout, task).await {
            Ok(Ok(response)) => response,
            Ok(Err(failure)) => {
                tracing::error!(error = %failure, "a request handler failed");
                ApiError::internal().into_response()
            }
            Err(_) => {
                tracing::warn!("request timed out; it finishes in the background");
                timed_out()
            }
        }
    } else {
        match tokio::time::timeout(request_timeout, next.run(request)).await {
            Ok(response) => response,
            Err(_) => {
                tracing::warn!("request timed out");
                timed_out()
            }
        }
    }
}

/// Any method but GET, HEAD, OPTIONS and TRACE may change something.
pub(crate) fn changes_state(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// The whole body, or the answer for a client that sent too much or too slowly.
async fn read_body(request: Request, within: Duration) -> Result<Request, ApiError> {
    // A body announced as too large is refused before a byte of it is read.
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return Err(payload_too_large());
    }
    let (parts, body) = request.into_parts();
    match tokio::time::timeout(within, axum::body::to_bytes(body, MAX_BODY_BYTES)).await {
        Ok(Ok(bytes)) => Ok(Request::from_parts(parts, Body::from(bytes))),
        Ok(Err(error)) if is_length_limit(&error) => Err(payload_too_large()),
        Ok(Err(_)) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_body",
            "Unreadable request body",
            "the request body could not be read",
        )),
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "Request body too slow",
            format!("the request body must arrive within {} s", within.as_secs()),
        )),
    }
}

/// The one answer to a body over `MAX_BODY_BYTES`, however it was sent.
fn payload_too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "Request body too large",
        format!(
            "request bodies are limited to {} KiB",
            MAX_BODY_BYTES / 1024
        ),
    )
}

fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if current.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = current.source();
    }
    false
}

fn timed_out() -> Response {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "timeout",
        "Request timed out",
        "the server could not answer in time; retry shortly",
    )
    .with_retry_after(5)
    .into_response()
}

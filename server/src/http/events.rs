//! `GET /me/sessions/events`: the caller's changes as Server-Sent Events, for the live
//! devices page (authenticated by its access cookie) and API clients (by bearer token).
//!
//! The stream's events, as the page and clients rely on them:
//! - `retry: 2000` first: how long a browser waits before it reconnects;
//! - `event: change`, `id: <audit event id>`, `data: {"kind":"<audit kind>","at":"<RFC 3339>"}`
//!   for each audited change of the user;
//! - `event: touch`, `data: {"at":"<RFC 3339>"}` when a session's "Last active" moved;
//! - `event: resync`, `data: {}` when the client must reload everything;
//! - `event: signed_out`, `data: {"device":"<label>"|null,"at":"<RFC 3339>","by_this_session":bool}`
//!   when the stream's own session ended anywhere (`by_this_session`: it signed itself out);
//!   the stream ends right after it;
//! - a `:` comment line every `SIGNEDIN_LIVE_HEARTBEAT_SECS`, which costs no query.
//!
//! The request deadline (`request_guard`) covers the answer's head only, which is sent as soon
//! as the caller is authenticated and the replay read; the body then lives as long as the
//! stream, the connection's header deadline no longer applies (`serve`), and a stopping node
//! ends every stream first (`Hub::close_all`), so the graceful drain is not held up.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, StreamExt};
use serde_json::json;
use signedin::live::OpenError;
use signedin::{LiveEvent, LiveStream};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, Problem};
use super::extract::{AccessCredential, ClientDevice};
use crate::state::AppState;

/// How long a browser waits before reconnecting a dropped stream (its own backoff follows).
const RETRY: Duration = Duration::from_secs(2);

/// The header a reconnecting `EventSource` sends: the id of the last event it saw.
const LAST_EVENT_ID: &str = "last-event-id";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(session_events))
}

/// A live stream of the caller's changes (Server-Sent Events): `change` (with the audit
/// event's id and kind), `touch` ("Last active" moved), `resync` (reload everything) and
/// `signed_out` (this session ended; the stream ends). Send `Last-Event-ID` to resume: the
/// events since are replayed, or a `resync` comes first if that id is unknown or more than
/// 100 events behind. A user's oldest stream is closed when they open more than the limit.
#[utoipa::path(get, path = "/me/sessions/events", tag = "sessions", security(("bearer" = [])),
    params(("Last-Event-ID" = Option<String>, Header, description = "the id of the last `change` seen")),
    responses(
        (status = 200, content_type = "text/event-stream", body = String,
            description = "`event: change|touch|resync|signed_out` with JSON `data`; heartbeats as comment lines"),
        (status = 401, description = "no live session (bearer token or the page's cookie)", body = Problem),
        (status = 503, description = "the node holds its limit of streams, or is stopping", body = Problem),
    ))]
#[tracing::instrument(skip_all)]
pub async fn session_events(
    State(state): State<AppState>,
    ClientDevice(device): ClientDevice,
    caller: StreamCaller,
) -> Result<Response, ApiError> {
    let principal = state.service.authenticate(&caller.0, Some(&device)).await?;
    // A value that is not text is as good as forged: the stream starts with a resync.
    let last_event_id = caller.1.as_deref();
    let live = state
        .live
        .open(&principal.user_id, &principal.session_id, last_event_id)
        .await
        .map_err(refused)?;
    let heartbeat = Duration::from_secs(state.config.settings.live_heartbeat_secs);
    let first = stream::once(async { Ok::<_, Infallible>(Event::default().retry(RETRY)) });
    let events = stream::unfold(live, |mut live: LiveStream| async move {
        let event = live.next().await?;
        Some((Ok::<_, Infallible>(sse_event(&event)), live))
    });
    let sse = Sse::new(first.chain(events)).keep_alive(KeepAlive::new().interval(heartbeat));
    // Proxies that buffer (nginx) must pass each event on as it comes.
    Ok(([("x-accel-buffering", "no")], sse).into_response())
}

/// The caller's access token (from `Authorization: Bearer`, else the page's access cookie)
/// and the `Last-Event-ID` it resumes from, if any.
pub struct StreamCaller(String, Option<String>);

impl FromRequestParts<AppState> for StreamCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let last_event_id = parts
            .headers
            .get(LAST_EVENT_ID)
            .map(|value| value.to_str().unwrap_or_default().to_owned());
        let credential = AccessCredential::from_request_parts(parts, state).await?;
        Ok(Self(credential.token, last_event_id))
    }
}

fn sse_event(event: &LiveEvent) -> Event {
    match event {
        LiveEvent::Change { id, kind, at } => Event::default()
            .event("change")
            .id(id.to_string())
            .data(json!({ "kind": kind.as_str(), "at": at.to_rfc3339() }).to_string()),
        LiveEvent::Touch { at } => Event::default()
            .event("touch")
            .data(json!({ "at": at.to_rfc3339() }).to_string()),
        LiveEvent::Resync => Event::default().event("resync").data("{}"),
        LiveEvent::SignedOut {
            device,
            at,
            by_this_session,
        } => Event::default().event("signed_out").data(
            json!({ "device": device, "at": at.to_rfc3339(), "by_this_session": by_this_session })
                .to_string(),
        ),
    }
}

fn refused(error: OpenError) -> ApiError {
    match error {
        OpenError::NodeFull => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "too_many_streams",
            "Too many live streams",
            "this server holds as many live streams as it may; retry shortly",
        )
        .with_retry_after(30),
        OpenError::Stopping => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "stopping",
            "Server stopping",
            "this server is stopping; reconnect shortly",
        )
        .with_retry_after(2),
        OpenError::Domain(error) => error.into(),
    }
}

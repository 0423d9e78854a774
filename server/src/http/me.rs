//! `/me/*` and `/accounts/me/*`: the caller's sessions, bulk sign-out, password, events.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use app::secret::Secret;
use signedin::{BulkScope, EventPage, ListCursor, PageSize, SessionName};

use super::error::{ApiError, Problem};
use super::extract::{AccessCredential, ApiJson, Authenticated, ClientDevice};
use super::view::{SecurityEventView, SessionView};
use crate::state::AppState;

/// The routes and their OpenAPI paths, from one list: a route cannot go undocumented.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_sessions))
        .routes(routes!(revoke_session, rename_session))
        .routes(routes!(security_events))
        .routes(routes!(revoke_sessions))
        .routes(routes!(change_password))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionsResponse {
    /// On the first page the current session first, then the most recently used.
    pub sessions: Vec<SessionView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SessionsQuery {
    /// Sessions per page, 1 to 200 (default 50).
    // The numbers are `signedin::PageSize`'s.
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page, unchanged.
    pub cursor: Option<String>,
}

/// A session's new name.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RenameSessionRequest {
    /// Plain text, at most 64 characters once trimmed, without control characters, line
    /// breaks or text-direction (bidi) characters. `null` or a blank string removes the name.
    /// Required: an empty object is refused rather than read as "remove".
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, required = true, max_length = 64, example = "Work laptop")]
    pub name: Option<Option<String>>,
}

/// `Some(value)` whenever the field is there, `null` included (`Some(None)`); `None` (the
/// `default`) only when it is missing.
fn present<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RevokeScope {
    All,
    Others,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RevokeSessionsRequest {
    pub scope: RevokeScope,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevokeSessionsResponse {
    pub revoked: u64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangePasswordRequest {
    #[schema(value_type = String)]
    pub current_password: Secret,
    /// At least 8 characters.
    #[schema(value_type = String)]
    pub new_password: Secret,
    /// Sign out every other session too (default: true).
    #[serde(default = "default_true")]
    pub sign_out_other_sessions: bool,
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// 1 to 100 (default 20).
    // The numbers are `signedin::EventPage`'s; a test holds this text to them.
    pub limit: Option<u32>,
    /// The `next_before` of the previous page.
    pub before: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventsResponse {
    /// Newest first.
    pub events: Vec<SecurityEventView>,
    /// Pass as `before` for the next page; absent on the last page.
    pub next_before: Option<i64>,
}

/// The caller's live sessions, a page at a time: the first page starts with the current
/// session, then the most recently used; `next_cursor` fetches the next.
#[utoipa::path(get, path = "/me/sessions", tag = "sessions", security(("bearer" = [])),
    params(SessionsQuery),
    responses((status = 200, body = SessionsResponse), (status = 401, body = Problem),
        (status = 422, description = "a limit outside 1–200 or a cursor this server did not give out", body = Problem)))]
#[tracing::instrument(skip_all)]
pub async fn list_sessions(
    State(state): State<AppState>,
    AccessCredential { token, .. }: AccessCredential,
    ClientDevice(device): ClientDevice,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<SessionsResponse>, ApiError> {
    let asked = page_asked(&query);
    if asked.is_err() {
        // Who is asking comes first: a caller without a valid token learns only that.
        state.service.authenticate(&token, Some(&device)).await?;
    }
    let (after, size) = asked?;
    let page = state
        .service
        .authenticate_and_list(&token, Some(&device), after.as_ref(), size)
        .await?;
    Ok(Json(SessionsResponse {
        sessions: page.sessions.iter().map(SessionView::from).collect(),
        next_cursor: page.next.as_ref().map(ListCursor::encode),
    }))
}

/// The page a listing asks for: `cursor` and `limit` checked.
fn page_asked(query: &HashMap<String, String>) -> Result<(Option<ListCursor>, PageSize), ApiError> {
    let size = match query.get("limit") {
        None => PageSize::DEFAULT,
        Some(text) => PageSize::new(text.parse().map_err(|_| {
            ApiError::validation(format!("limit: must be between 1 and {}", PageSize::MAX))
        })?)?,
    };
    let after = query
        .get("cursor")
        .map(|c| ListCursor::parse(c))
        .transpose()?;
    Ok((after, size))
}

/// Sign out one of the caller's sessions, named by its `id` (`ses_` and 32 hex characters)
/// or by a `jti_prefix`: a prefix (4–64 hex characters) of any of its refresh-token hashes.
/// Anything starting with `ses_` is read as an id, anything else as a prefix.
#[utoipa::path(delete, path = "/me/sessions/{id}", tag = "sessions", security(("bearer" = [])),
    params(("id" = String, Path,
        description = "the session's id (ses_ and 32 hex characters) or a jti_prefix (4 to 64 hex characters)")),
    responses(
        (status = 204),
        (status = 404, description = "no such session among the caller's", body = Problem),
        (status = 409, description = "the prefix matches several sessions", body = Problem),
        (status = 422, description = "neither an id nor a hex prefix of 4–64 characters", body = Problem),
    ))]
#[tracing::instrument(skip_all)]
pub async fn revoke_session(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    ClientDevice(device): ClientDevice,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .service
        .revoke_session(&principal, &id, &device)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Name one of the caller's sessions ("Work laptop"), or remove its name; the session as it
/// now is. The name is kept across refreshes and shown instead of the device label.
#[utoipa::path(patch, path = "/me/sessions/{id}", tag = "sessions", security(("bearer" = [])),
    params(("id" = String, Path,
        description = "the session's id (ses_ and 32 hex characters); a jti_prefix is accepted too")),
    request_body = RenameSessionRequest,
    responses(
        (status = 200, body = SessionView),
        (status = 404, description = "no such live session among the caller's", body = Problem),
        (status = 409, description = "the prefix matches several sessions", body = Problem),
        (status = 422, description = "a name too long or with control or bidi characters, or a malformed id", body = Problem),
    ))]
#[tracing::instrument(skip_all)]
pub async fn rename_session(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    ClientDevice(device): ClientDevice,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RenameSessionRequest>,
) -> Result<Json<SessionView>, ApiError> {
    let Some(name) = body.name else {
        return Err(ApiError::validation(
            "name: is required (null removes the name)",
        ));
    };
    let name = SessionName::parse(name.as_deref().unwrap_or_default())?;
    let session = state
        .service
        .rename_session(&principal, &id, name, &device)
        .await?;
    Ok(Json(SessionView::from(&session)))
}

/// Sign out all sessions, or all but the caller's. Needs a recent sign-in or `/auth/reauth`.
#[utoipa::path(post, path = "/accounts/me/security/revoke-sessions", tag = "sessions", security(("bearer" = [])),
    request_body = RevokeSessionsRequest,
    responses(
        (status = 200, body = RevokeSessionsResponse),
        (status = 403, description = "reauth_required", body = Problem),
    ))]
#[tracing::instrument(skip_all)]
pub async fn revoke_sessions(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    ClientDevice(device): ClientDevice,
    ApiJson(body): ApiJson<RevokeSessionsRequest>,
) -> Result<Json<RevokeSessionsResponse>, ApiError> {
    let scope = match body.scope {
        RevokeScope::All => BulkScope::All,
        RevokeScope::Others => BulkScope::Others,
    };
    let revoked = state
        .service
        .revoke_sessions(&principal, scope, &device)
        .await?;
    Ok(Json(RevokeSessionsResponse { revoked }))
}

/// Change the password. Needs a recent sign-in or `/auth/reauth`.
#[utoipa::path(post, path = "/accounts/me/password", tag = "account", security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 204),
        (status = 403, description = "reauth_required or wrong_password", body = Problem),
        (status = 422, body = Problem),
    ))]
#[tracing::instrument(skip_all)]
pub async fn change_password(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    ClientDevice(device): ClientDevice,
    ApiJson(body): ApiJson<ChangePasswordRequest>,
) -> Result<StatusCode, ApiError> {
    state
        .service
        .change_password(
            &principal,
            body.current_password.expose(),
            body.new_password.expose(),
            body.sign_out_other_sessions,
            &device,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's security events, newest first.
#[utoipa::path(get, path = "/me/security/events", tag = "account", security(("bearer" = [])),
    params(EventsQuery),
    responses((status = 200, body = EventsResponse), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all)]
pub async fn security_events(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<EventsResponse>, ApiError> {
    let number = |name: &str| -> Result<Option<i64>, ApiError> {
        query
            .get(name)
            .map(|value| {
                value
                    .parse::<i64>()
                    .map_err(|_| ApiError::validation(format!("{name}: expected a whole number")))
            })
            .transpose()
    };
    let limit = EventPage::size(number("limit")?)?;
    let before = number("before")?;
    let (events, next_before) = state
        .service
        .security_events(&principal, limit, before)
        .await?;
    Ok(Json(EventsResponse {
        events: events.iter().map(SecurityEventView::from).collect(),
        next_before,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The published bounds of `limit` are the domain's, not a copy that can drift.
    #[test]
    fn the_documented_page_size_is_the_domains() {
        let params = <EventsQuery as IntoParams>::into_params(|| None);
        let limit = params.iter().find(|p| p.name == "limit").unwrap();
        let text = format!("1 to {} (default {}).", EventPage::MAX, EventPage::DEFAULT);
        assert_eq!(limit.description.as_deref(), Some(text.as_str()));
    }

    #[test]
    fn a_password_change_request_prints_both_passwords_redacted() {
        let request: ChangePasswordRequest = serde_json::from_value(serde_json::json!({
            "current_password": "old horse battery",
            "new_password": "new horse battery",
        }))
        .unwrap();
        let printed = format!("{request:?}");
        assert!(!printed.contains("horse"), "{printed}");
        assert_eq!(request.new_password.expose(), "new horse battery");
    }
}

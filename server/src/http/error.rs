//! `ApiError`: every failure of the JSON API as `application/problem+json` (RFC 9457)
//! `{type, title, status, detail}`. Unexpected errors are logged here and reach the client
//! only as "internal".

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use signedin::DomainError;

/// The problem type of a rejected access token, whether the domain rejected it or it was not
/// a bearer token at all: with it goes the RFC 6750 challenge.
const INVALID_TOKEN: &str = "invalid_token";
const INVALID_TOKEN_CHALLENGE: &str = r#"Bearer realm="signedin", error="invalid_token""#;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A stable identifier to branch on, e.g. `reauth_required`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    kind: &'static str,
    title: &'static str,
    detail: String,
    retry_after: Option<u64>,
    www_authenticate: Option<&'static str>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        kind: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status,
            kind,
            title,
            detail: detail.into(),
            retry_after: None,
            www_authenticate: None,
        }
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        let mut error = Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentication required",
            detail,
        );
        error.www_authenticate = Some(r#"Bearer realm="signedin""#);
        error
    }

    /// The same answer as the domain's `invalid_token`, for a header that is not even a
    /// bearer token.
    pub fn invalid_token(detail: impl Into<String>) -> Self {
        let mut error = Self::new(
            StatusCode::UNAUTHORIZED,
            INVALID_TOKEN,
            "Invalid access token",
            detail,
        );
        error.www_authenticate = Some(INVALID_TOKEN_CHALLENGE);
        error
    }

    pub fn validation(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "Invalid request",
            detail,
        )
    }

    pub fn cross_site() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "cross_site_request",
            "Cross-site request refused",
            "state-changing requests must come from this site",
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "an unexpected error occurred",
        )
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn problem(&self) -> Problem {
        Problem {
            kind: self.kind,
            title: self.title,
            status: self.status.as_u16(),
            detail: self.detail.clone(),
        }
    }
}

/// Code, status and title come from the domain's one table (`DomainError::code`), shared with
/// the server functions; what is added here is HTTP's own: the headers that tell a client
/// when to retry or how to authenticate, and the log line for what the client must not see.
impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        let status =
            StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let detail = match &error {
            DomainError::UserNotFound => "the account no longer exists".to_owned(),
            DomainError::Unavailable(source) => {
                tracing::warn!(error = %source, "database unavailable");
                "the database is unavailable; retry shortly".to_owned()
            }
            DomainError::Unexpected(source) => {
                tracing::error!(error = %source, "unexpected error");
                "an unexpected error occurred".to_owned()
            }
            other => other.to_string(),
        };
        let mut api = Self::new(status, error.code(), error.title(), detail);
        api.retry_after = match &error {
            DomainError::RateLimited { retry_after } => Some(retry_after.as_secs().max(1)),
            DomainError::Unavailable(_) => Some(5),
            _ => None,
        };
        if api.kind == INVALID_TOKEN {
            api.www_authenticate = Some(INVALID_TOKEN_CHALLENGE);
        }
        api
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = self.problem();
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Some(challenge) = self.www_authenticate {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use app::server_fns::context::fail;
    use axum::http::Request;
    use leptos::prelude::{Owner, provide_context};
    use leptos_axum::ResponseOptions;

    use super::*;

    /// The status a server function answers `error` with, as `fail` sets it for a call from
    /// the page's JavaScript (a plain form post stays a redirect).
    fn page_status(error: DomainError) -> Option<u16> {
        Owner::new().with(|| {
            let response = ResponseOptions::default();
            provide_context(response.clone());
            let (parts, ()) = Request::builder()
                .header(header::ACCEPT, "application/json")
                .body(())
                .ok()?
                .into_parts();
            provide_context(parts);
            fail(error);
            let status = response.0.read().ok()?.status;
            status.map(|s| s.as_u16())
        })
    }

    #[test]
    fn every_domain_error_is_answered_with_its_code_and_status_from_the_table() {
        for error in DomainError::one_of_each() {
            let (code, status, title) = (error.code(), error.http_status(), error.title());
            let api = ApiError::from(error);
            let problem = api.problem();
            assert_eq!(
                (problem.kind, problem.status, problem.title),
                (code, status, title)
            );
            assert_eq!(api.status().as_u16(), status, "{code}");
        }
    }

    #[test]
    fn the_api_and_the_page_answer_every_domain_error_with_the_same_status() {
        let api = DomainError::one_of_each().into_iter().map(ApiError::from);
        let page = DomainError::one_of_each().into_iter().map(page_status);
        for (api, page) in api.zip(page) {
            assert_eq!(Some(api.status().as_u16()), page, "{}", api.problem().kind);
        }
    }

    #[test]
    fn an_ambiguous_prefix_is_a_conflict_on_the_api_and_the_page() {
        let api = ApiError::from(DomainError::AmbiguousPrefix);
        assert_eq!(api.status(), StatusCode::CONFLICT);
        assert_eq!(api.problem().kind, "ambiguous_prefix");
        assert_eq!(page_status(DomainError::AmbiguousPrefix), Some(409));
    }

    #[test]
    fn a_rejected_token_carries_the_bearer_challenge_and_a_limit_its_retry_time() {
        for error in [
            DomainError::AccessRejected("expired"),
            DomainError::UserNotFound,
        ] {
            let response = ApiError::from(error).into_response();
            assert!(response.headers().contains_key(header::WWW_AUTHENTICATE));
        }
        let limited = ApiError::from(DomainError::RateLimited {
            retry_after: std::time::Duration::from_millis(10),
        })
        .into_response();
        assert_eq!(limited.headers()[header::RETRY_AFTER], "1");
        let refused = ApiError::from(DomainError::InvalidCredentials).into_response();
        assert!(!refused.headers().contains_key(header::WWW_AUTHENTICATE));
    }
}

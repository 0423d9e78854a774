//! `ApiError`: every failure of the JSON API as `application/problem+json` (RFC 9457)
//! `{type, title, status, detail}`. Unexpected errors are logged here and reach the client
//! only as "internal".

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use signedin::DomainError;

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

    pub fn invalid_token(detail: impl Into<String>) -> Self {
        let mut error = Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "Invalid access token",
            detail,
        );
        error.www_authenticate = Some(r#"Bearer realm="signedin", error="invalid_token""#);
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

    /// The one answer to a body over `MAX_BODY_BYTES`, however it was sent.
    pub fn payload_too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "Request body too large",
            "request bodies are limited to 64 KiB",
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

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        use StatusCode as S;
        match error {
            DomainError::Invalid { field, message } => {
                Self::validation(format!("{field}: {message}"))
            }
            DomainError::EmailTaken => Self::new(
                S::CONFLICT,
                "email_taken",
                "Email already registered",
                error.to_string(),
            ),
            DomainError::InvalidCredentials => Self::new(
                S::UNAUTHORIZED,
                "invalid_credentials",
                "Invalid credentials",
                error.to_string(),
            ),
            DomainError::WrongPassword => Self::new(
                S::FORBIDDEN,
                "wrong_password",
                "Wrong password",
                error.to_string(),
            ),
            DomainError::RefreshRejected(why) => Self::new(
                S::UNAUTHORIZED,
                "invalid_refresh_token",
                "Invalid refresh token",
                why.to_string(),
            ),
            DomainError::AccessRejected(why) => Self::invalid_token(why),
            DomainError::UserNotFound => Self::invalid_token("the account no longer exists"),
            DomainError::SessionNotFound => Self::new(
                S::NOT_FOUND,
                "not_found",
                "No such session",
                error.to_string(),
            ),
            DomainError::AmbiguousPrefix => Self::new(
                S::CONFLICT,
                "ambiguous_prefix",
                "Ambiguous session prefix",
                error.to_string(),
            ),
            DomainError::ReauthRequired => Self::new(
                S::FORBIDDEN,
                "reauth_required",
                "Re-authentication required",
                error.to_string(),
            ),
            DomainError::RateLimited { retry_after } => {
                let mut api = Self::new(
                    S::TOO_MANY_REQUESTS,
                    "rate_limited",
                    "Too many requests",
                    error.to_string(),
                );
                api.retry_after = Some(retry_after.as_secs().max(1));
                api
            }
            DomainError::Unavailable(source) => {
                tracing::warn!(error = %source, "database unavailable");
                let mut api = Self::new(
                    S::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "Service unavailable",
                    "the database is unavailable; retry shortly",
                );
                api.retry_after = Some(5);
                api
            }
            DomainError::Unexpected(source) => {
                tracing::error!(error = %source, "unexpected error");
                Self::internal()
            }
        }
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

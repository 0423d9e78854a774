//! `AppError`: what the UI needs to know when a server function fails, and nothing more.
//! Internal detail (database messages, stack traces) is logged on the server and never sent.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in to continue.")]
    Unauthorized,
    #[error("The email or password is incorrect.")]
    InvalidCredentials,
    #[error("That password is incorrect.")]
    WrongPassword,
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("An account with this email already exists. Try signing in instead.")]
    EmailTaken,
    #[error("That session has already ended. The list has been refreshed.")]
    SessionNotFound,
    #[error("Please confirm your password to sign out other sessions.")]
    ReauthRequired,
    #[error("Too many attempts. Please wait {retry_after_secs} seconds and try again.")]
    RateLimited { retry_after_secs: u64 },
    #[error("This request was refused because it came from another site.")]
    CrossSite,
    #[error("The service is briefly unavailable. Please try again in a moment.")]
    Unavailable,
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        match error {
            // Failures before or after the body ran: the network, (de)serialisation.
            ServerFnErrorErr::Request(message) | ServerFnErrorErr::Response(message) => {
                AppError::Transport(message)
            }
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::MissingArg(message) => {
                AppError::Invalid {
                    field: String::new(),
                    message: format!("The form was incomplete: {message}"),
                }
            }
            _ => AppError::Internal,
        }
    }
}

impl AppError {
    /// The message a field-level error belongs to, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Invalid { field, .. } if !field.is_empty() => Some(field),
            _ => None,
        }
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use http::StatusCode;
    use signedin::DomainError;

    use super::AppError;

    impl AppError {
        pub fn status(&self) -> StatusCode {
            match self {
                AppError::Unauthorized | AppError::InvalidCredentials => StatusCode::UNAUTHORIZED,
                AppError::WrongPassword | AppError::ReauthRequired | AppError::CrossSite => {
                    StatusCode::FORBIDDEN
                }
                AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                AppError::EmailTaken => StatusCode::CONFLICT,
                AppError::SessionNotFound => StatusCode::NOT_FOUND,
                AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
                AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                AppError::Internal | AppError::Transport(_) => StatusCode::INTERNAL_SERVER_ERROR,
            }
        }
    }

    impl From<DomainError> for AppError {
        fn from(error: DomainError) -> Self {
            match error {
                DomainError::Invalid { field, message } => AppError::Invalid {
                    field: field.to_owned(),
                    message: format!("{}: {message}", field_label(field)),
                },
                DomainError::EmailTaken => AppError::EmailTaken,
                DomainError::InvalidCredentials => AppError::InvalidCredentials,
                DomainError::WrongPassword => AppError::WrongPassword,
                DomainError::RefreshRejected(_)
                | DomainError::AccessRejected(_)
                | DomainError::UserNotFound => AppError::Unauthorized,
                DomainError::SessionNotFound | DomainError::AmbiguousPrefix => {
                    AppError::SessionNotFound
                }
                DomainError::ReauthRequired => AppError::ReauthRequired,
                DomainError::RateLimited { retry_after } => AppError::RateLimited {
                    retry_after_secs: retry_after.as_secs().max(1),
                },
                DomainError::Unavailable(source) => {
                    tracing::warn!(error = %source, "database unavailable");
                    AppError::Unavailable
                }
                DomainError::Unexpected(source) => {
                    tracing::error!(error = %source, "unexpected error");
                    AppError::Internal
                }
            }
        }
    }

    fn field_label(field: &str) -> &str {
        match field {
            "email" => "Email",
            "password" => "Password",
            "new_password" => "New password",
            "jti_prefix" => "Session",
            other => other,
        }
    }
}

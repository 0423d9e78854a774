//! `AppError`: what the UI needs to know when a server function fails, and nothing more.
//! Internal detail (database messages, stack traces) is logged on the server and never sent.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// On the wire an `AppError` is one short string ("SessionNotFound", "RateLimited:30",
/// "Invalid:email:Email: must look like name@example.com"): decoding a string costs the
/// browser bundle far less than a derived enum decoder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
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

impl AppError {
    fn to_wire(&self) -> String {
        match self {
            AppError::Unauthorized => "Unauthorized".into(),
            AppError::InvalidCredentials => "InvalidCredentials".into(),
            AppError::WrongPassword => "WrongPassword".into(),
            AppError::Invalid { field, message } => format!("Invalid:{field}:{message}"),
            AppError::EmailTaken => "EmailTaken".into(),
            AppError::SessionNotFound => "SessionNotFound".into(),
            AppError::ReauthRequired => "ReauthRequired".into(),
            AppError::RateLimited { retry_after_secs } => format!("RateLimited:{retry_after_secs}"),
            AppError::CrossSite => "CrossSite".into(),
            AppError::Unavailable => "Unavailable".into(),
            AppError::Internal => "Internal".into(),
            AppError::Transport(message) => format!("Transport:{message}"),
        }
    }

    fn from_wire(text: &str) -> Self {
        let (code, rest) = text.split_once(':').unwrap_or((text, ""));
        match code {
            "Unauthorized" => AppError::Unauthorized,
            "InvalidCredentials" => AppError::InvalidCredentials,
            "WrongPassword" => AppError::WrongPassword,
            "Invalid" => {
                let (field, message) = rest.split_once(':').unwrap_or(("", rest));
                AppError::Invalid {
                    field: field.into(),
                    message: message.into(),
                }
            }
            "EmailTaken" => AppError::EmailTaken,
            "SessionNotFound" => AppError::SessionNotFound,
            "ReauthRequired" => AppError::ReauthRequired,
            "RateLimited" => AppError::RateLimited {
                retry_after_secs: rest.parse().unwrap_or(60),
            },
            "CrossSite" => AppError::CrossSite,
            "Unavailable" => AppError::Unavailable,
            "Transport" => AppError::Transport(rest.into()),
            _ => AppError::Internal,
        }
    }
}

impl Serialize for AppError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_wire())
    }
}

impl<'de> Deserialize<'de> for AppError {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|text| AppError::from_wire(&text))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_survives_the_wire() {
        let all = [
            AppError::Unauthorized,
            AppError::InvalidCredentials,
            AppError::WrongPassword,
            AppError::Invalid {
                field: "email".into(),
                message: "Email: no: really: colons".into(),
            },
            AppError::EmailTaken,
            AppError::SessionNotFound,
            AppError::ReauthRequired,
            AppError::RateLimited {
                retry_after_secs: 30,
            },
            AppError::CrossSite,
            AppError::Unavailable,
            AppError::Internal,
            AppError::Transport("offline: no route".into()),
        ];
        for error in all {
            let json = serde_json::to_string(&error).unwrap();
            assert_eq!(
                serde_json::from_str::<AppError>(&json).unwrap(),
                error,
                "{json}"
            );
        }
        assert_eq!(
            serde_json::from_str::<AppError>("\"Nonsense\"").unwrap(),
            AppError::Internal
        );
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

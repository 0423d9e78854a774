//! `DomainError`: what can go wrong in the session model, in words a caller can act on.
//!
//! Business failures are variants of their own; everything from the store or the runtime is
//! folded into `Unavailable` or `Unexpected`, whose source is for logs only.

use std::fmt;

/// Why a presented refresh token was refused. The HTTP answer is the same 401 for all of
/// them; the distinction is kept for audit events, logs and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRejection {
    /// Not a token this server issued (or one pruned long ago).
    Unknown,
    /// The session passed its idle timeout or absolute lifetime.
    Expired,
    /// The session was signed out.
    Revoked,
    /// A rotated token presented after the grace window: the session has been revoked.
    Reused,
}

impl fmt::Display for TokenRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenRejection::Unknown => "the token is not recognised",
            TokenRejection::Expired => "the session has expired",
            TokenRejection::Revoked => "the session has been signed out",
            TokenRejection::Reused => "the token was already used; the session has been signed out",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("the email or password is incorrect")]
    InvalidCredentials,
    #[error("the password is incorrect")]
    WrongPassword,
    #[error("{0}")]
    RefreshRejected(TokenRejection),
    #[error("{0}")]
    AccessRejected(&'static str),
    #[error("no such session")]
    SessionNotFound,
    #[error("the prefix matches more than one session; give more characters")]
    AmbiguousPrefix,
    #[error("this action needs a recent sign-in: confirm your password")]
    ReauthRequired,
    #[error("no such account")]
    UserNotFound,
    #[error("too many attempts; try again in {} seconds", retry_after.as_secs())]
    RateLimited { retry_after: std::time::Duration },
    #[error("the database is unavailable")]
    Unavailable(#[source] sqlx::Error),
    #[error("unexpected error")]
    Unexpected(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl DomainError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        DomainError::Invalid {
            field,
            message: message.into(),
        }
    }

    pub fn unexpected(message: impl Into<String>) -> Self {
        DomainError::Unexpected(message.into().into())
    }
}

impl From<sqlx::Error> for DomainError {
    fn from(error: sqlx::Error) -> Self {
        // Connection-level trouble is transient: callers answer 503 + Retry-After and the
        // pool reconnects by itself. Anything else is a bug or a broken schema.
        match error {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => DomainError::Unavailable(error),
            sqlx::Error::Database(ref db) if is_transient_database_error(db.code().as_deref()) => {
                DomainError::Unavailable(error)
            }
            other => DomainError::Unexpected(Box::new(other)),
        }
    }
}

/// SQLSTATE classes 08 (connection), 53 (resources), 57P (shutdown), 40001/40P01
/// (serialization, deadlock); SQLite's BUSY (5) and LOCKED (6) codes.
fn is_transient_database_error(code: Option<&str>) -> bool {
    match code {
        Some(code) => {
            code.starts_with("08")
                || code.starts_with("53")
                || code.starts_with("57P")
                || code == "40001"
                || code == "40P01"
                || code == "5"
                || code == "6"
                || code == "517"
                || code == "261"
        }
        None => false,
    }
}

pub type DomainResult<T> = Result<T, DomainError>;

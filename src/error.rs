//! `DomainError`: what can go wrong in the session model, in words a caller can act on.
//!
//! Business failures are variants of their own; everything from the store or the runtime is
//! folded into `Unavailable` or `Unexpected`, whose source is for logs only.
//!
//! Each variant also has one row in the table every interface answers from
//! (`DomainError::code`, `http_status`, `title`): the JSON API's problem+json and the server
//! functions' statuses read it, so the page and an API client are never told different things.

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
    /// A twin inside the grace window whose successor has itself been replaced: refused, but
    /// the session lives on under the newer token the client (or another tab) already holds.
    Superseded,
}

impl fmt::Display for TokenRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenRejection::Unknown => "the token is not recognised",
            TokenRejection::Expired => "the session has expired",
            TokenRejection::Revoked => "the session has been signed out",
            TokenRejection::Reused => "the token was already used; the session has been signed out",
            TokenRejection::Superseded => {
                "a newer token has already replaced this one; use that one"
            }
        })
    }
}

/// One row of [`DomainError`]'s table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ErrorRow {
    code: &'static str,
    status: u16,
    title: &'static str,
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
    /// A stable identifier a client can branch on (`"ambiguous_prefix"`): the JSON API's
    /// problem `type`. Never changes once published.
    pub fn code(&self) -> &'static str {
        self.row().code
    }

    /// The HTTP status every interface answers this error with.
    pub fn http_status(&self) -> u16 {
        self.row().status
    }

    /// A short summary for people, the same for every error of a code (the problem `title`).
    pub fn title(&self) -> &'static str {
        self.row().title
    }

    /// The one table from domain errors to what clients see: the JSON API and the server
    /// functions both read it, so a page and an API client are never told different things.
    fn row(&self) -> ErrorRow {
        let row = |code, status, title| ErrorRow {
            code,
            status,
            title,
        };
        match self {
            DomainError::Invalid { .. } => row("validation", 422, "Invalid request"),
            DomainError::EmailTaken => row("email_taken", 409, "Email already registered"),
            DomainError::InvalidCredentials => {
                row("invalid_credentials", 401, "Invalid credentials")
            }
            DomainError::WrongPassword => row("wrong_password", 403, "Wrong password"),
            DomainError::RefreshRejected(_) => {
                row("invalid_refresh_token", 401, "Invalid refresh token")
            }
            // A deleted account's token is as dead as an expired one: same answer.
            DomainError::AccessRejected(_) | DomainError::UserNotFound => {
                row("invalid_token", 401, "Invalid access token")
            }
            DomainError::SessionNotFound => row("not_found", 404, "No such session"),
            // The session exists but the name given fits more than one: a conflict the
            // client resolves by sending more characters, not a missing resource.
            DomainError::AmbiguousPrefix => {
                row("ambiguous_prefix", 409, "Ambiguous session prefix")
            }
            DomainError::ReauthRequired => {
                row("reauth_required", 403, "Re-authentication required")
            }
            DomainError::RateLimited { .. } => row("rate_limited", 429, "Too many requests"),
            DomainError::Unavailable(_) => row("unavailable", 503, "Service unavailable"),
            DomainError::Unexpected(_) => row("internal", 500, "Internal error"),
        }
    }

    /// One error of every kind, for the adapters' tests that each is answered by the table
    /// (a test fixture, not part of the domain's vocabulary). A new variant fails to compile
    /// in the `match` below until it has an arm there; give it its example in the list too.
    #[doc(hidden)]
    pub fn one_of_each() -> Vec<DomainError> {
        let all = vec![
            DomainError::invalid("email", "is required"),
            DomainError::EmailTaken,
            DomainError::InvalidCredentials,
            DomainError::WrongPassword,
            DomainError::RefreshRejected(TokenRejection::Reused),
            DomainError::AccessRejected("the access token has expired"),
            DomainError::SessionNotFound,
            DomainError::AmbiguousPrefix,
            DomainError::ReauthRequired,
            DomainError::UserNotFound,
            DomainError::RateLimited {
                retry_after: std::time::Duration::from_secs(30),
            },
            DomainError::Unavailable(sqlx::Error::PoolTimedOut),
            DomainError::unexpected("a bug"),
        ];
        for error in &all {
            match error {
                DomainError::Invalid { .. }
                | DomainError::EmailTaken
                | DomainError::InvalidCredentials
                | DomainError::WrongPassword
                | DomainError::RefreshRejected(_)
                | DomainError::AccessRejected(_)
                | DomainError::SessionNotFound
                | DomainError::AmbiguousPrefix
                | DomainError::ReauthRequired
                | DomainError::UserNotFound
                | DomainError::RateLimited { .. }
                | DomainError::Unavailable(_)
                | DomainError::Unexpected(_) => {}
            }
        }
        all
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    /// The published table. A change here changes what API clients and pages are told:
    /// it must be deliberate, and listed in the commit.
    #[test]
    fn every_domain_error_has_its_published_code_and_status() {
        let table: Vec<(&str, u16)> = DomainError::one_of_each()
            .iter()
            .map(|error| (error.code(), error.http_status()))
            .collect();
        assert_eq!(
            table,
            [
                ("validation", 422),
                ("email_taken", 409),
                ("invalid_credentials", 401),
                ("wrong_password", 403),
                ("invalid_refresh_token", 401),
                ("invalid_token", 401),
                ("not_found", 404),
                ("ambiguous_prefix", 409),
                ("reauth_required", 403),
                ("invalid_token", 401),
                ("rate_limited", 429),
                ("unavailable", 503),
                ("internal", 500),
            ]
        );
    }

    #[test]
    fn one_code_means_one_status_and_one_title() {
        let all = DomainError::one_of_each();
        for a in &all {
            assert!(
                a.code()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{}",
                a.code()
            );
            assert!((400..600).contains(&a.http_status()), "{a:?}");
            for b in all.iter().filter(|b| b.code() == a.code()) {
                assert_eq!(
                    (a.http_status(), a.title()),
                    (b.http_status(), b.title()),
                    "{a:?} and {b:?}"
                );
            }
        }
    }
}

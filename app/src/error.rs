//! `AppError`: what the UI needs to know when a server function fails, and nothing more.
//! Internal detail (database messages, stack traces) is logged on the server and never sent.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// On the wire an `AppError` is one short code ("SessionNotFound", "RateLimited:30",
/// "Invalid:email_shape"): decoding a string costs the browser bundle far less than a derived
/// enum decoder. A form posted without JavaScript gets its error back in the URL, where anyone
/// can write one, so the wire carries codes and never words: every message shown is one of
/// the fixed texts below, and a code this build does not know is shown as a generic message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppError {
    Unauthorized,
    InvalidCredentials,
    WrongPassword,
    Invalid(Invalid),
    EmailTaken,
    SessionNotFound,
    ReauthRequired,
    RateLimited { retry_after_secs: u64 },
    CrossSite,
    Unavailable,
    Internal,
    Transport,
}

/// The error as the server's English (logs, tests: `en.ftl`'s words, the one place they are
/// written); in the browser its wire code. The browser never shows this: islands say errors
/// with `Words::error`, in the reader's language, so the bundle carries no English sentences.
impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        #[cfg(feature = "ssr")]
        return f.write_str(&crate::i18n::error_in(signedin::i18n::Lang::En, self));
        #[cfg(not(feature = "ssr"))]
        f.write_str(&self.to_wire())
    }
}

impl std::error::Error for AppError {}

/// What was wrong with a form's input: a code on the wire, a fixed message on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    EmailRequired,
    EmailTooLong,
    EmailHasSpaces,
    EmailMalformed,
    EmailHasInvisibleCharacters,
    PasswordTooShort,
    PasswordTooLong,
    SessionPrefix,
    NameTooLong,
    NameHasControlCharacters,
    NameHasDirectionCharacters,
    FormIncomplete,
    /// Anything else, including a code this build does not know.
    Other,
}

impl Invalid {
    pub const ALL: [Invalid; 13] = [
        Invalid::EmailRequired,
        Invalid::EmailTooLong,
        Invalid::EmailHasSpaces,
        Invalid::EmailMalformed,
        Invalid::EmailHasInvisibleCharacters,
        Invalid::PasswordTooShort,
        Invalid::PasswordTooLong,
        Invalid::SessionPrefix,
        Invalid::NameTooLong,
        Invalid::NameHasControlCharacters,
        Invalid::NameHasDirectionCharacters,
        Invalid::FormIncomplete,
        Invalid::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Invalid::EmailRequired => "email_required",
            Invalid::EmailTooLong => "email_too_long",
            Invalid::EmailHasSpaces => "email_spaces",
            Invalid::EmailMalformed => "email_shape",
            Invalid::EmailHasInvisibleCharacters => "email_invisible",
            Invalid::PasswordTooShort => "password_too_short",
            Invalid::PasswordTooLong => "password_too_long",
            Invalid::SessionPrefix => "jti_prefix",
            Invalid::NameTooLong => "name_too_long",
            Invalid::NameHasControlCharacters => "name_control",
            Invalid::NameHasDirectionCharacters => "name_direction",
            Invalid::FormIncomplete => "form_incomplete",
            Invalid::Other => "other",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Invalid::EmailRequired => "Email: is required",
            Invalid::EmailTooLong => "Email: is too long (at most 254 characters)",
            Invalid::EmailHasSpaces => "Email: must not contain spaces",
            Invalid::EmailMalformed => "Email: must look like name@example.com",
            Invalid::EmailHasInvisibleCharacters => {
                "Email: must not contain invisible or text-direction characters"
            }
            Invalid::PasswordTooShort => "Password: must be at least 8 characters",
            Invalid::PasswordTooLong => "Password: must be at most 1024 characters",
            Invalid::SessionPrefix => {
                "That session was not recognised. Reload the page and try again."
            }
            Invalid::NameTooLong => "Device name: must be at most 64 characters",
            Invalid::NameHasControlCharacters => {
                "Device name: must not contain control characters or line breaks"
            }
            Invalid::NameHasDirectionCharacters => {
                "Device name: must not contain text-direction characters"
            }
            Invalid::FormIncomplete => {
                "The form was incomplete. Please fill in every field and try again."
            }
            Invalid::Other => "Please check what you entered and try again.",
        }
    }

    /// The form field the message is about, if one.
    pub fn field(self) -> Option<&'static str> {
        match self {
            Invalid::EmailRequired
            | Invalid::EmailTooLong
            | Invalid::EmailHasSpaces
            | Invalid::EmailMalformed
            | Invalid::EmailHasInvisibleCharacters => Some("email"),
            Invalid::PasswordTooShort | Invalid::PasswordTooLong => Some("password"),
            Invalid::SessionPrefix => Some("jti_prefix"),
            Invalid::NameTooLong
            | Invalid::NameHasControlCharacters
            | Invalid::NameHasDirectionCharacters => Some("name"),
            Invalid::FormIncomplete | Invalid::Other => None,
        }
    }

    fn from_code(code: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|invalid| invalid.code() == code)
            .unwrap_or(Invalid::Other)
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl AppError {
    fn to_wire(&self) -> String {
        match self {
            AppError::Unauthorized => "Unauthorized".into(),
            AppError::InvalidCredentials => "InvalidCredentials".into(),
            AppError::WrongPassword => "WrongPassword".into(),
            AppError::Invalid(invalid) => format!("Invalid:{}", invalid.code()),
            AppError::EmailTaken => "EmailTaken".into(),
            AppError::SessionNotFound => "SessionNotFound".into(),
            AppError::ReauthRequired => "ReauthRequired".into(),
            AppError::RateLimited { retry_after_secs } => format!("RateLimited:{retry_after_secs}"),
            AppError::CrossSite => "CrossSite".into(),
            AppError::Unavailable => "Unavailable".into(),
            AppError::Internal => "Internal".into(),
            AppError::Transport => "Transport".into(),
        }
    }

    fn from_wire(text: &str) -> Self {
        let (code, rest) = text.split_once(':').unwrap_or((text, ""));
        match code {
            "Unauthorized" => AppError::Unauthorized,
            "InvalidCredentials" => AppError::InvalidCredentials,
            "WrongPassword" => AppError::WrongPassword,
            "Invalid" => AppError::Invalid(Invalid::from_code(rest)),
            "EmailTaken" => AppError::EmailTaken,
            "SessionNotFound" => AppError::SessionNotFound,
            "ReauthRequired" => AppError::ReauthRequired,
            "RateLimited" => AppError::RateLimited {
                retry_after_secs: rest.parse().unwrap_or(60),
            },
            "CrossSite" => AppError::CrossSite,
            "Unavailable" => AppError::Unavailable,
            "Transport" => AppError::Transport,
            _ => AppError::Internal,
        }
    }

    /// The form field an error is about, if one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            AppError::Invalid(invalid) => invalid.field(),
            _ => None,
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
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => AppError::Transport,
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                AppError::Invalid(Invalid::FormIncomplete)
            }
            _ => AppError::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_survives_the_wire() {
        let mut all = vec![
            AppError::Unauthorized,
            AppError::InvalidCredentials,
            AppError::WrongPassword,
            AppError::EmailTaken,
            AppError::SessionNotFound,
            AppError::ReauthRequired,
            AppError::RateLimited {
                retry_after_secs: 30,
            },
            AppError::CrossSite,
            AppError::Unavailable,
            AppError::Internal,
            AppError::Transport,
        ];
        all.extend(Invalid::ALL.map(AppError::Invalid));
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

    /// A link can carry any error it likes back to a form (`?__err=…`): what it says must
    /// never reach the page.
    #[test]
    fn words_in_an_error_from_the_url_are_never_shown() {
        let shown = |wire: &str| {
            serde_json::from_str::<AppError>(&serde_json::to_string(wire).unwrap())
                .unwrap()
                .to_string()
        };
        let lure = "Your account is locked: call +1 555 0100 or visit evil.example";
        for wire in [
            format!("Invalid:email:{lure}"),
            format!("Invalid:{lure}"),
            format!("Invalid::{lure}"),
            format!("Transport:{lure}"),
            format!("RateLimited:{lure}"),
            format!("Internal:{lure}"),
            lure.to_owned(),
        ] {
            let message = shown(&wire);
            assert!(
                !message.contains("evil.example") && !message.contains("555"),
                "{wire:?} showed {message:?}"
            );
        }
        assert_eq!(
            shown(&format!("Invalid:{lure}")),
            Invalid::Other.message(),
            "an unknown code gets the generic message"
        );
        assert_eq!(
            shown("Invalid:email_shape"),
            Invalid::EmailMalformed.message()
        );
    }

    #[test]
    fn every_validation_code_is_distinct() {
        for invalid in Invalid::ALL {
            assert_eq!(Invalid::from_code(invalid.code()), invalid);
        }
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use signedin::DomainError;
    use signedin::account::reason;
    use signedin::session_name::reason as name_reason;

    use super::{AppError, Invalid};

    /// The page's words for a domain error. Its status is not chosen here: it is the domain's
    /// (`DomainError::http_status`), set by `server_fns::context::fail`.
    impl From<DomainError> for AppError {
        fn from(error: DomainError) -> Self {
            match error {
                DomainError::Invalid { field, message } => {
                    AppError::Invalid(Invalid::from_domain(field, &message))
                }
                DomainError::EmailTaken => AppError::EmailTaken,
                DomainError::InvalidCredentials => AppError::InvalidCredentials,
                DomainError::WrongPassword => AppError::WrongPassword,
                DomainError::RefreshRejected(_)
                | DomainError::AccessRejected(_)
                | DomainError::UserNotFound => AppError::Unauthorized,
                // The page names sessions by the full prefix it was given, so an ambiguous one
                // means the list is out of date: the same advice as a session already gone.
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

    impl Invalid {
        /// The page's code for a domain validation failure, keyed on the domain's own reasons.
        fn from_domain(field: &str, message: &str) -> Self {
            match (field, message) {
                ("email", reason::REQUIRED) => Invalid::EmailRequired,
                ("email", reason::EMAIL_TOO_LONG) => Invalid::EmailTooLong,
                ("email", reason::EMAIL_SPACES) => Invalid::EmailHasSpaces,
                ("email", reason::EMAIL_SHAPE) => Invalid::EmailMalformed,
                ("email", reason::EMAIL_INVISIBLE) => Invalid::EmailHasInvisibleCharacters,
                ("password", reason::PASSWORD_TOO_SHORT) => Invalid::PasswordTooShort,
                ("password", reason::PASSWORD_TOO_LONG) => Invalid::PasswordTooLong,
                // The page names sessions by what it was given: a malformed one means a
                // tampered form, and reloading is the advice.
                ("jti_prefix" | "id", _) => Invalid::SessionPrefix,
                ("name", name_reason::TOO_LONG) => Invalid::NameTooLong,
                ("name", name_reason::CONTROL) => Invalid::NameHasControlCharacters,
                ("name", name_reason::DIRECTION) => Invalid::NameHasDirectionCharacters,
                _ => {
                    tracing::debug!(field, "validation failure without a page message");
                    Invalid::Other
                }
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use signedin::SessionName;
        use signedin::account::{Email, Password};

        use super::*;

        fn page_message(error: DomainError) -> String {
            AppError::from(error).to_string()
        }

        /// Every domain error reaches the page as one of its fixed texts; only a bug is the
        /// generic "something went wrong".
        #[test]
        fn every_domain_error_has_a_page_message_of_its_own() {
            for error in DomainError::one_of_each() {
                let is_bug = error.code() == "internal";
                let page = AppError::from(error);
                assert_eq!(page == AppError::Internal, is_bug, "{page:?}");
            }
            assert_eq!(
                page_message(DomainError::AmbiguousPrefix),
                AppError::SessionNotFound.to_string(),
                "the page's advice for a name that fits two sessions: reload the list"
            );
        }

        /// The pages' fixed texts say what the domain says: each refusal of an email or a
        /// password has its own message, never the generic one.
        #[test]
        fn every_email_and_password_refusal_has_its_own_page_message() {
            for (email, expected) in [
                ("", Invalid::EmailRequired),
                (&"a".repeat(300), Invalid::EmailTooLong),
                ("a da@example.com", Invalid::EmailHasSpaces),
                ("ada", Invalid::EmailMalformed),
                (
                    "ada\u{200B}@example.com",
                    Invalid::EmailHasInvisibleCharacters,
                ),
            ] {
                let error = Email::parse(email).unwrap_err();
                let DomainError::Invalid { field, message } = &error else {
                    panic!("{error:?}");
                };
                assert_eq!(
                    Invalid::message(expected),
                    format!("Email: {message}"),
                    "{field}"
                );
                assert_eq!(page_message(error), expected.message());
            }
            for (password, expected) in [
                ("short", Invalid::PasswordTooShort),
                (&"p".repeat(2000), Invalid::PasswordTooLong),
            ] {
                let error = Password::new_password(password).unwrap_err();
                let DomainError::Invalid { message, .. } = &error else {
                    panic!("{error:?}");
                };
                assert_eq!(expected.message(), format!("Password: {message}"));
                assert_eq!(page_message(error), expected.message());
            }
        }

        /// Each refusal of a device name reads on the page as the API words it, never as the
        /// generic "check what you entered".
        #[test]
        fn every_device_name_refusal_has_its_own_page_message() {
            for (name, expected) in [
                ("x".repeat(65), Invalid::NameTooLong),
                ("Work\nlaptop".to_owned(), Invalid::NameHasControlCharacters),
                (
                    "\u{202E}potpal".to_owned(),
                    Invalid::NameHasDirectionCharacters,
                ),
            ] {
                let error = SessionName::parse(&name).unwrap_err();
                let DomainError::Invalid { field, message } = &error else {
                    panic!("{error:?}");
                };
                assert_eq!(*field, "name");
                assert_eq!(expected.message(), format!("Device name: {message}"));
                assert_eq!(page_message(error), expected.message());
                assert_eq!(expected.field(), Some("name"));
            }
            let malformed_id = signedin::SessionRef::parse("ses_nope").unwrap_err();
            assert_eq!(page_message(malformed_id), Invalid::SessionPrefix.message());
        }
    }
}

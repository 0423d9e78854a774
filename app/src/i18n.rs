//! The page's words in the reader's language.
//!
//! The server renders every page in the language `signedin::i18n::Lang::negotiate` picks from
//! the request (the switcher's cookie, else `Accept-Language`): plain components call [`t`].
//! Islands run in the browser too, whose bundle carries no catalogue: each island is handed
//! [`Words`], the few texts it may show, already in the reader's language, and counts or
//! places the server words into the data it sends (`DevicesView`). The browser's own `Intl`
//! re-words times as they tick (`crate::format`).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{AppError, Invalid};

macro_rules! words {
    ($($word:ident = $id:literal,)*) => {
        /// A text an island may show; its message id in `signedin`'s Fluent files is beside it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum W { $($word,)* }

        /// Message ids, in the order of [`W`].
        #[cfg(feature = "ssr")]
        const IDS: &[&str] = &[$($id,)*];
    };
}

words! {
    DevicesListLabel = "devices-list-label",
    DevicesLoading = "devices-loading",
    DevicesLoadError = "devices-load-error",
    DevicesTryAgain = "devices-try-again",
    DevicesOnlyThis = "devices-only-this",
    DevicesShowMore = "devices-show-more",
    DevicesLocationsApproximate = "devices-locations-approximate",
    ActivityHeading = "activity-heading",
    ActivityNone = "activity-none",
    DeviceThis = "device-this",
    DeviceNewLocation = "device-new-location",
    DeviceLastActive = "device-last-active",
    DeviceSignedIn = "device-signed-in",
    DeviceIp = "device-ip",
    DeviceUserAgent = "device-user-agent",
    DeviceSignOut = "device-sign-out",
    DeviceSignOutNamed = "device-sign-out-named",
    DeviceSignOutThis = "device-sign-out-this",
    DeviceRename = "device-rename",
    DeviceRenameNamed = "device-rename-named",
    DeviceName = "device-name",
    DeviceSave = "device-save",
    DeviceSignedOut = "device-signed-out",
    DeviceSignOutFailed = "device-sign-out-failed",
    YouWereSignedOut = "you-were-signed-out",
    YouWereSignedOutOn = "you-were-signed-out-on",
    YouWereSignedOutAt = "you-were-signed-out-at",
    YouWereSignedOutOnAt = "you-were-signed-out-on-at",
    NewSignIn = "new-sign-in",
    NewSignInNewLocation = "new-sign-in-new-location",
    BulkOpen = "bulk-open",
    BulkPassword = "bulk-password",
    EmailLabel = "email-label",
    PasswordLabel = "password-label",
    PasswordHint = "password-hint",
    SignInButton = "sign-in-button",
    SignInPending = "sign-in-pending",
    SignUpButton = "sign-up-button",
    SignUpPending = "sign-up-pending",
    PasswordCurrent = "password-current",
    PasswordNew = "password-new",
    PasswordNewHint = "password-new-hint",
    PasswordStrength = "password-strength",
    StrengthTooShort = "strength-too-short",
    StrengthWeak = "strength-weak",
    StrengthFair = "strength-fair",
    StrengthStrong = "strength-strong",
    StrengthVeryStrong = "strength-very-strong",
    PasswordSignOutOthers = "password-sign-out-others",
    PasswordSignOutOthersHint = "password-sign-out-others-hint",
    PasswordSubmit = "password-submit",
    ErrorUnauthorized = "error-unauthorized",
    ErrorInvalidCredentials = "error-invalid-credentials",
    ErrorWrongPassword = "error-wrong-password",
    ErrorEmailTaken = "error-email-taken",
    ErrorSessionNotFound = "error-session-not-found",
    ErrorReauthRequired = "error-reauth-required",
    ErrorRateLimited = "error-rate-limited",
    // The same message worded for one second (`Words::in_lang`).
    ErrorRateLimitedOne = "error-rate-limited",
    ErrorCrossSite = "error-cross-site",
    ErrorUnavailable = "error-unavailable",
    ErrorInternal = "error-internal",
    ErrorTransport = "error-transport",
    InvalidEmailRequired = "invalid-email-required",
    InvalidEmailTooLong = "invalid-email-too-long",
    InvalidEmailHasSpaces = "invalid-email-has-spaces",
    InvalidEmailMalformed = "invalid-email-malformed",
    InvalidEmailInvisible = "invalid-email-invisible",
    InvalidPasswordTooShort = "invalid-password-too-short",
    InvalidPasswordTooLong = "invalid-password-too-long",
    InvalidSessionPrefix = "invalid-session-prefix",
    InvalidNameTooLong = "invalid-name-too-long",
    InvalidNameControl = "invalid-name-control",
    InvalidNameDirection = "invalid-name-direction",
    InvalidFormIncomplete = "invalid-form-incomplete",
    InvalidOther = "invalid-other",
}

/// The message an error shows on the page: the one mapping, for the server's render and the
/// browser's alike.
pub fn error_word(error: &AppError) -> W {
    match error {
        AppError::Unauthorized => W::ErrorUnauthorized,
        AppError::InvalidCredentials => W::ErrorInvalidCredentials,
        AppError::WrongPassword => W::ErrorWrongPassword,
        AppError::EmailTaken => W::ErrorEmailTaken,
        AppError::SessionNotFound => W::ErrorSessionNotFound,
        AppError::ReauthRequired => W::ErrorReauthRequired,
        AppError::RateLimited { .. } => W::ErrorRateLimited,
        AppError::CrossSite => W::ErrorCrossSite,
        AppError::Unavailable => W::ErrorUnavailable,
        AppError::Internal => W::ErrorInternal,
        AppError::Transport => W::ErrorTransport,
        AppError::Invalid(invalid) => match invalid {
            Invalid::EmailRequired => W::InvalidEmailRequired,
            Invalid::EmailTooLong => W::InvalidEmailTooLong,
            Invalid::EmailHasSpaces => W::InvalidEmailHasSpaces,
            Invalid::EmailMalformed => W::InvalidEmailMalformed,
            Invalid::EmailHasInvisibleCharacters => W::InvalidEmailInvisible,
            Invalid::PasswordTooShort => W::InvalidPasswordTooShort,
            Invalid::PasswordTooLong => W::InvalidPasswordTooLong,
            Invalid::SessionPrefix => W::InvalidSessionPrefix,
            Invalid::NameTooLong => W::InvalidNameTooLong,
            Invalid::NameHasControlCharacters => W::InvalidNameControl,
            Invalid::NameHasDirectionCharacters => W::InvalidNameDirection,
            Invalid::FormIncomplete => W::InvalidFormIncomplete,
            Invalid::Other => W::InvalidOther,
        },
    }
}

/// The texts an island shows, in the reader's language, by [`W`]. Texts that name something
/// keep a `{device}`-style slot the island fills ([`Words::fill`]); texts with a count are
/// worded by the server with the count itself, in the data it sends.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Vec<String>", into = "Vec<String>")]
pub struct Words(Arc<[String]>);

impl From<Vec<String>> for Words {
    fn from(texts: Vec<String>) -> Self {
        Words(texts.into())
    }
}

impl From<Words> for Vec<String> {
    fn from(words: Words) -> Self {
        words.0.to_vec()
    }
}

impl Words {
    pub fn get(&self, word: W) -> &str {
        self.0.get(word as usize).map_or("", String::as_str)
    }

    /// The text as its own `String`, for a view. One call in the bundle rather than an inlined
    /// copy at each of the dozens of places a view shows a word.
    #[inline(never)]
    pub fn text(&self, word: W) -> String {
        self.get(word).to_owned()
    }

    /// The text with its slot filled: `fill(W::DeviceSignOutNamed, "{device}", label)`.
    pub fn fill(&self, word: W, slot: &str, value: &str) -> String {
        self.get(word).replace(slot, value)
    }

    /// What an error says, in the reader's language.
    pub fn error(&self, error: &AppError) -> String {
        match error {
            // The server worded both forms: one second, and any other count.
            AppError::RateLimited {
                retry_after_secs: 1,
            } => self.text(W::ErrorRateLimitedOne),
            AppError::RateLimited { retry_after_secs } => self.fill(
                W::ErrorRateLimited,
                "{seconds}",
                &retry_after_secs.to_string(),
            ),
            error => self.text(error_word(error)),
        }
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use http::header;
    use leptos::prelude::use_context;
    use signedin::i18n::{self, LANG_COOKIE, Lang};

    use super::*;
    use crate::server_fns::context::read_cookie;

    /// The language of the request being answered (English outside one).
    pub fn lang() -> Lang {
        let Some(parts) = use_context::<http::request::Parts>() else {
            return Lang::default();
        };
        let accept = parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok());
        Lang::negotiate(read_cookie(&parts.headers, LANG_COOKIE), accept)
    }

    /// The message `id` in the request's language.
    pub fn t(id: &str) -> String {
        i18n::text(lang(), id)
    }

    /// The message `id` with its arguments, in the request's language.
    pub fn t_with(id: &str, args: &i18n::Args<'_>) -> String {
        i18n::text_with(lang(), id, args)
    }

    /// An error's message in the request's language, its count worded properly.
    pub fn error_text(error: &AppError) -> String {
        error_in(lang(), error)
    }

    /// An error's message in `lang`.
    pub fn error_in(lang: Lang, error: &AppError) -> String {
        let id = IDS[error_word(error) as usize];
        match error {
            AppError::RateLimited { retry_after_secs } => {
                i18n::text_with(lang, id, &[("seconds", (*retry_after_secs).into())])
            }
            _ => i18n::text(lang, id),
        }
    }

    impl Words {
        /// Every island text in the request's language, slots left as `{device}`.
        pub fn for_request() -> Self {
            Self::in_lang(lang())
        }

        pub fn in_lang(lang: Lang) -> Self {
            let slots: &i18n::Args<'_> = &[
                ("device", "{device}".into()),
                ("when", "{when}".into()),
                ("strength", "{strength}".into()),
                ("seconds", "{seconds}".into()),
            ];
            let one: &i18n::Args<'_> = &[("seconds", 1.into())];
            IDS.iter()
                .enumerate()
                .map(|(at, id)| {
                    let args = if at == W::ErrorRateLimitedOne as usize {
                        one
                    } else {
                        slots
                    };
                    i18n::text_with(lang, id, args)
                })
                .collect::<Vec<_>>()
                .into()
        }
    }
}

#[cfg(feature = "ssr")]
pub use ssr::{error_in, error_text, lang, t, t_with};

/// Every island text in the request's language, for a page to hand its island.
pub fn words_for_request() -> Words {
    #[cfg(feature = "ssr")]
    return Words::for_request();
    #[cfg(not(feature = "ssr"))]
    Words::default()
}

/// Outside the server (the browser bundle) there is no catalogue: only islands run there,
/// and they show [`Words`]. The plain components that call this are never run in the browser.
#[cfg(not(feature = "ssr"))]
pub fn t(id: &str) -> String {
    id.to_owned()
}

/// See [`t`]: islands say errors with [`Words::error`].
#[cfg(not(feature = "ssr"))]
pub fn error_text(error: &AppError) -> String {
    error.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_filled_and_missing_words_are_empty() {
        let words = Words::from(vec!["Sign out {device}".to_owned()]);
        assert_eq!(
            words.fill(W::DevicesListLabel, "{device}", "Chrome"),
            "Sign out Chrome"
        );
        assert_eq!(words.get(W::InvalidOther), "");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn every_word_has_its_message_and_every_error_its_word() {
        use signedin::i18n::Lang;
        assert_eq!(IDS.len(), W::InvalidOther as usize + 1);
        for lang in Lang::ALL {
            let words = Words::in_lang(lang);
            for (at, id) in IDS.iter().enumerate() {
                let text = &words.0[at];
                assert!(
                    !text.is_empty() && text != id,
                    "{id} is not in {}.ftl",
                    lang.tag()
                );
            }
        }
        let english = Words::in_lang(Lang::En);
        assert_eq!(
            english.fill(W::DeviceSignOutNamed, "{device}", "Chrome on macOS"),
            "Sign out Chrome on macOS"
        );
        assert_eq!(
            english.error(&AppError::RateLimited {
                retry_after_secs: 30
            }),
            "Too many attempts. Please wait 30 seconds and try again."
        );
        assert_eq!(
            english.error(&AppError::RateLimited {
                retry_after_secs: 1
            }),
            "Too many attempts. Please wait 1 second and try again."
        );
        // The browser's words for every error are the server's own, in every language; and no
        // text that rides joined by `|` holds one.
        let joined = [
            W::YouWereSignedOut,
            W::YouWereSignedOutOn,
            W::YouWereSignedOutAt,
            W::YouWereSignedOutOnAt,
            W::StrengthTooShort,
            W::StrengthWeak,
            W::StrengthFair,
            W::StrengthStrong,
            W::StrengthVeryStrong,
        ];
        for lang in Lang::ALL {
            let words = Words::in_lang(lang);
            for secs in [1, 2, 30] {
                let error = AppError::RateLimited {
                    retry_after_secs: secs,
                };
                assert_eq!(
                    words.error(&error),
                    error_in(lang, &error),
                    "{}",
                    lang.tag()
                );
            }
            for word in joined {
                assert!(!words.get(word).contains('|'), "{word:?} in {}", lang.tag());
            }
        }
    }
}

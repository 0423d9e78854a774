//! Accounts: parsed emails and passwords, and argon2id hashing kept off the async runtime.

use std::fmt;
use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;
use unicode_normalization::UnicodeNormalization;

use crate::error::{DomainError, DomainResult};

/// An email address as typed, trimmed and NFKC-normalised; compared by its lowercase form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    display: String,
    normalized: String,
}

/// Why an email or password was refused, in the words the API shows. Public so the pages can
/// key their fixed table of messages on them.
pub mod reason {
    pub const REQUIRED: &str = "is required";
    pub const EMAIL_TOO_LONG: &str = "is too long (at most 254 characters)";
    pub const EMAIL_SPACES: &str = "must not contain spaces";
    pub const EMAIL_SHAPE: &str = "must look like name@example.com";
    pub const EMAIL_INVISIBLE: &str = "must not contain invisible or text-direction characters";
    pub const PASSWORD_TOO_SHORT: &str = "must be at least 8 characters";
    pub const PASSWORD_TOO_LONG: &str = "must be at most 1024 characters";
}

impl Email {
    pub const MAX_LEN: usize = 254;

    /// Full-width letters, ligatures and other compatibility forms are folded by NFKC, so
    /// `ａｄａ@example.com` is `ada@example.com`. Characters NFKC keeps but nobody sees
    /// (zero-width ones, bidi controls that reorder what is displayed) are refused: two
    /// addresses that look identical must be the same account or not be accepted at all.
    pub fn parse(text: &str) -> DomainResult<Self> {
        let invalid = |message: &str| Err(DomainError::invalid("email", message));
        let display: String = text.trim().nfkc().collect();
        let display = display.trim();
        if display.is_empty() {
            return invalid(reason::REQUIRED);
        }
        if display.chars().count() > Self::MAX_LEN {
            return invalid(reason::EMAIL_TOO_LONG);
        }
        if display.chars().any(is_invisible) {
            return invalid(reason::EMAIL_INVISIBLE);
        }
        if display.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return invalid(reason::EMAIL_SPACES);
        }
        let Some((local, domain)) = display.rsplit_once('@') else {
            return invalid(reason::EMAIL_SHAPE);
        };
        if local.is_empty()
            || domain.is_empty()
            || !domain.contains('.')
            || domain.ends_with('.')
            || domain.starts_with('.')
        {
            return invalid(reason::EMAIL_SHAPE);
        }
        Ok(Self {
            display: display.to_owned(),
            normalized: display.to_lowercase().nfkc().collect(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.display
    }

    /// The form uniqueness and look-ups use.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }
}

/// Unicode's default-ignorable code points: zero-width characters, bidi controls that
/// reorder what is displayed, fillers, variation selectors and tags. NFKC keeps them and no
/// one sees them.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' // soft hyphen
            | '\u{034F}' // combining grapheme joiner
            | '\u{061C}' // Arabic letter mark
            | '\u{115F}'..='\u{1160}' // Hangul fillers
            | '\u{17B4}'..='\u{17B5}' // Khmer inherent vowels
            | '\u{180B}'..='\u{180F}' // Mongolian selectors and vowel separator
            | '\u{200B}'..='\u{200F}' // zero-width space, (non-)joiner, LRM, RLM
            | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
            | '\u{2060}'..='\u{206F}' // word joiner, invisible operators, bidi isolates
            | '\u{3164}' // Hangul filler
            | '\u{FE00}'..='\u{FE0F}' // variation selectors
            | '\u{FEFF}' // zero-width no-break space (BOM)
            | '\u{FFA0}' // half-width Hangul filler
            | '\u{FFF0}'..='\u{FFF8}' // reserved, default-ignorable
            | '\u{1BCA0}'..='\u{1BCA3}' // shorthand format controls
            | '\u{1D173}'..='\u{1D17A}' // musical format controls
            | '\u{E0000}'..='\u{E0FFF}' // tags, variation selectors supplement
    )
}

/// A password on its way to be hashed or checked. Never printed.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 8;
    /// Long enough for any passphrase, short enough that nobody can make us hash a novel.
    pub const MAX_CHARS: usize = 1024;

    /// A new password, held to the rules.
    pub fn new_password(text: &str) -> DomainResult<Self> {
        Self::new_password_for(text, "password")
    }

    pub fn new_password_for(text: &str, field: &'static str) -> DomainResult<Self> {
        let chars = text.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(DomainError::invalid(field, reason::PASSWORD_TOO_SHORT));
        }
        if chars > Self::MAX_CHARS {
            return Err(DomainError::invalid(field, reason::PASSWORD_TOO_LONG));
        }
        Ok(Self(text.to_owned()))
    }

    /// A password offered at sign-in: only checked against a hash, so any length up to the
    /// cap is accepted (a too-short guess simply fails to match).
    pub fn candidate(text: &str) -> Self {
        Self(crate::normalize::truncate_chars(text, Self::MAX_CHARS + 1).to_owned())
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// argon2id with one of OWASP's recommended parameter sets: 7 MiB, 5 passes, 1 lane.
/// OWASP lists five sets (from 46 MiB × 1 pass to 7 MiB × 5 passes) as equally strong, trading
/// memory for CPU; the low-memory one keeps the server within its 64 MB budget while a burst of
/// sign-ins is hashed. Each hash runs on a blocking thread, at most one per core at a time,
/// so a burst queues instead of taking memory per request.
const MEMORY_KIB: u32 = 7 * 1024;
const PASSES: u32 = 5;

#[derive(Clone)]
pub struct PasswordHasherPool {
    params: Params,
    permits: Arc<Semaphore>,
    /// Verified against when the email is unknown, so that costs the same as a wrong password.
    dummy_hash: Arc<str>,
}

impl PasswordHasherPool {
    pub fn new() -> DomainResult<Self> {
        let params = Params::new(MEMORY_KIB, PASSES, 1, None)
            .map_err(|e| DomainError::unexpected(format!("argon2 params: {e}")))?;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let dummy_hash = hash_with(&params, "a password nobody has")?;
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(cores)),
            dummy_hash: dummy_hash.into(),
        })
    }

    pub async fn hash(&self, password: &Password) -> DomainResult<String> {
        let params = self.params.clone();
        let password = password.0.clone();
        self.run(move || hash_with(&params, &password)).await
    }

    /// Checks `password` against `stored`, or against a dummy hash when there is no account,
    /// in the same time either way.
    pub async fn verify(&self, password: &Password, stored: Option<&str>) -> DomainResult<bool> {
        let exists = stored.is_some();
        let stored = stored.unwrap_or(&self.dummy_hash).to_owned();
        let password = password.0.clone();
        let matches = self
            .run(move || {
                let parsed = PasswordHash::new(&stored)
                    .map_err(|e| DomainError::unexpected(format!("stored hash: {e}")))?;
                Ok(Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok())
            })
            .await?;
        Ok(exists && matches)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> DomainResult<T> + Send + 'static,
    ) -> DomainResult<T> {
        let asked = std::time::Instant::now();
        crate::metrics::password_hashes_waiting(1.0);
        let permit = self.permits.acquire().await;
        crate::metrics::password_hashes_waiting(-1.0);
        crate::metrics::password_hash_wait(asked.elapsed());
        let _permit = permit.map_err(|_| DomainError::unexpected("hasher closed"))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| DomainError::unexpected(format!("hashing task: {e}")))?
    }
}

fn hash_with(params: &Params, password: &str) -> DomainResult<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| DomainError::unexpected(format!("getrandom: {e}")))?;
    let salt =
        SaltString::encode_b64(&salt).map_err(|e| DomainError::unexpected(format!("salt: {e}")))?;
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| DomainError::unexpected(format!("argon2: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_compared_without_case() {
        let email = Email::parse("  Ada@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "Ada@Example.COM");
        assert_eq!(email.normalized(), "ada@example.com");
    }

    #[test]
    fn malformed_emails_are_refused_with_a_reason() {
        for bad in [
            "",
            "   ",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@example.com",
            "ada@.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn emails_are_nfkc_normalised_so_look_alike_forms_are_one_account() {
        let full_width = Email::parse("ＡＤＡ@ｅｘａｍｐｌｅ.ｃｏｍ").unwrap();
        assert_eq!(full_width.as_str(), "ADA@example.com");
        assert_eq!(full_width.normalized(), "ada@example.com");
        // A ligature and a composed accent typed as base letter + combining mark.
        assert_eq!(
            Email::parse("ﬁ@example.com").unwrap().normalized(),
            "fi@example.com"
        );
        assert_eq!(
            Email::parse("jose\u{301}@example.com")
                .unwrap()
                .normalized(),
            Email::parse("jos\u{e9}@example.com").unwrap().normalized()
        );
    }

    #[test]
    fn invisible_and_bidi_characters_in_emails_are_refused_with_a_clear_reason() {
        for bad in [
            "ada\u{200B}@example.com",
            "ada@exa\u{200C}mple.com",
            "\u{200D}ada@example.com",
            "ada\u{2060}@example.com",
            "\u{FEFF}ada@example.com",
            "ada@example.com\u{00AD}",
            "ada\u{202E}moc.elpmaxe@",
            "ada\u{202A}@example.com",
            "ada\u{2066}@example.com\u{2069}",
            "ada\u{200E}@example.com",
            "ada\u{200F}@example.com",
            "ada\u{061C}@example.com",
            "ada\u{E0041}@example.com",
        ] {
            match Email::parse(bad) {
                Err(DomainError::Invalid { field, message }) => {
                    assert_eq!(
                        (field, message.as_str()),
                        ("email", reason::EMAIL_INVISIBLE)
                    );
                }
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn password_reasons_name_the_limits_in_force() {
        assert_eq!(
            reason::PASSWORD_TOO_SHORT,
            format!("must be at least {} characters", Password::MIN_CHARS)
        );
        assert_eq!(
            reason::PASSWORD_TOO_LONG,
            format!("must be at most {} characters", Password::MAX_CHARS)
        );
        assert_eq!(
            reason::EMAIL_TOO_LONG,
            format!("is too long (at most {} characters)", Email::MAX_LEN)
        );
    }

    #[test]
    fn passwords_need_eight_characters() {
        assert!(Password::new_password("1234567").is_err());
        assert!(Password::new_password("12345678").is_ok());
        assert!(Password::new_password("éééééééé").is_ok());
    }

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let pool = PasswordHasherPool::new().unwrap();
        let password = Password::new_password("correct horse").unwrap();
        let hash = pool.hash(&password).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"));
        assert!(pool.verify(&password, Some(&hash)).await.unwrap());
        assert!(
            !pool
                .verify(&Password::candidate("wrong horse"), Some(&hash))
                .await
                .unwrap()
        );
        assert!(!pool.verify(&password, None).await.unwrap());
    }
}

//! Accounts: parsed emails and passwords, and argon2id hashing kept off the async runtime.

use std::fmt;
use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::{DomainError, DomainResult};

/// An email address as typed, trimmed; compared by its lowercase form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    display: String,
    normalized: String,
}

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(text: &str) -> DomainResult<Self> {
        let display = text.trim();
        let invalid = |message: &str| Err(DomainError::invalid("email", message));
        if display.is_empty() {
            return invalid("is required");
        }
        if display.chars().count() > Self::MAX_LEN {
            return invalid("is too long (at most 254 characters)");
        }
        if display.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return invalid("must not contain spaces");
        }
        let Some((local, domain)) = display.rsplit_once('@') else {
            return invalid("must look like name@example.com");
        };
        if local.is_empty()
            || domain.is_empty()
            || !domain.contains('.')
            || domain.ends_with('.')
            || domain.starts_with('.')
        {
            return invalid("must look like name@example.com");
        }
        Ok(Self {
            display: display.to_owned(),
            normalized: display.to_lowercase(),
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
            return Err(DomainError::invalid(
                field,
                format!("must be at least {} characters", Self::MIN_CHARS),
            ));
        }
        if chars > Self::MAX_CHARS {
            return Err(DomainError::invalid(
                field,
                format!("must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        Ok(Self(text.to_owned()))
    }

    /// A password offered at sign-in: only checked against a hash, so any length up to the
    /// cap is accepted (a too-short guess simply fails to match).
    pub fn candidate(text: &str) -> Self {
        Self(crate::session::truncate_chars(text, Self::MAX_CHARS + 1).to_owned())
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
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| DomainError::unexpected("hasher closed"))?;
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

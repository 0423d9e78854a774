//! Tokens: the opaque refresh token, its SHA-256 `jti_hash` and public `jti_prefix`, the
//! signed access token (a compact HS256 JWT), and the server key both are derived from.
//!
//! Raw tokens exist only in memory on their way to or from the client: the store sees hashes,
//! and every type that holds a secret prints `[redacted]` under `Debug`.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{DomainError, DomainResult};
use crate::time::Timestamp;

type HmacSha256 = Hmac<Sha256>;

/// Marks our refresh tokens so secret scanners (and people) can tell what leaked.
const REFRESH_TOKEN_PREFIX: &str = "sirt_";
/// 256 random bits, as the issue and RFC 9700 ask for.
const REFRESH_TOKEN_BYTES: usize = 32;
/// The public `jti_prefix` is this many hex characters of the hash (48 bits).
pub const JTI_PREFIX_LEN: usize = 12;

/// Fills `buf` from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> DomainResult<[u8; N]> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| DomainError::unexpected(format!("getrandom: {e}")))?;
    Ok(buf)
}

/// A fresh random identifier of 128 bits, as 32 lowercase hex characters.
pub fn random_id() -> DomainResult<String> {
    Ok(hex::encode(random_bytes::<16>()?))
}

/// An opaque refresh token as the client holds it.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshToken(String);

impl RefreshToken {
    pub fn generate() -> DomainResult<Self> {
        Ok(Self::from_bytes(&random_bytes::<REFRESH_TOKEN_BYTES>()?))
    }

    fn from_bytes(bytes: &[u8; REFRESH_TOKEN_BYTES]) -> Self {
        Self(format!(
            "{REFRESH_TOKEN_PREFIX}{}",
            URL_SAFE_NO_PAD.encode(bytes)
        ))
    }

    /// Accepts exactly the shape this server issues; anything else is not a token of ours.
    pub fn parse(raw: &str) -> Option<Self> {
        let body = raw.strip_prefix(REFRESH_TOKEN_PREFIX)?;
        if body.len() != 43 {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(body).ok()?;
        let bytes: [u8; REFRESH_TOKEN_BYTES] = bytes.try_into().ok()?;
        // Re-encode so a non-canonical base64 spelling cannot name the same token twice.
        let canonical = Self::from_bytes(&bytes);
        (canonical.0 == raw).then_some(canonical)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash(hex::encode(Sha256::digest(self.0.as_bytes())))
    }

    /// The token that replaces this one at rotation. It is derived, not drawn at random, so
    /// that every concurrent refresh with the same token inside the grace window is handed
    /// the *same* successor without the server ever storing a raw token. Only a holder of
    /// this token and the server key can compute it.
    pub fn successor(&self, key: &ServerKey) -> Self {
        let mut mac = key.successor.clone();
        mac.update(self.0.as_bytes());
        let digest: [u8; 32] = mac.finalize().into_bytes().into();
        Self::from_bytes(&digest)
    }
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshToken([redacted])")
    }
}

/// Lowercase hex SHA-256 of a raw refresh token: the only form the store ever sees.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn prefix(&self) -> &str {
        &self.0[..JTI_PREFIX_LEN]
    }

    pub fn from_stored(hex: String) -> Self {
        Self(hex)
    }
}

/// A user-supplied prefix of a `jti_hash`: 4 to 64 hex characters, lowercased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JtiPrefix(String);

impl JtiPrefix {
    pub const MIN_LEN: usize = 4;
    pub const MAX_LEN: usize = 64;

    pub fn parse(text: &str) -> DomainResult<Self> {
        let len = text.len();
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&len) {
            return Err(DomainError::invalid(
                "jti_prefix",
                format!(
                    "must be {} to {} hex characters, got {len}",
                    Self::MIN_LEN,
                    Self::MAX_LEN
                ),
            ));
        }
        if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(DomainError::invalid(
                "jti_prefix",
                "must contain only hex characters (0-9, a-f)",
            ));
        }
        Ok(Self(text.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The server's master secret. Access tokens are signed and refresh successors derived with
/// keys taken from it under different labels, so one can never stand in for the other.
#[derive(Clone)]
pub struct ServerKey {
    access: HmacSha256,
    successor: HmacSha256,
    /// The master digest itself, for keys derived on demand (`derive_seed`).
    master: [u8; 32],
}

impl ServerKey {
    pub const MIN_SECRET_LEN: usize = 32;

    /// From an operator-supplied secret (`SIGNEDIN_SECRET`), at least 32 characters.
    pub fn from_secret(secret: &str) -> DomainResult<Self> {
        if secret.len() < Self::MIN_SECRET_LEN {
            return Err(DomainError::invalid(
                "SIGNEDIN_SECRET",
                format!("must be at least {} characters", Self::MIN_SECRET_LEN),
            ));
        }
        let master: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        Ok(Self {
            access: derive_key(&master, b"access-token-hs256")?,
            successor: derive_key(&master, b"refresh-token-successor")?,
            master,
        })
    }

    /// 32 bytes derived from the master secret under `label` (HMAC, as [`derive_key`]): the
    /// seed of an asymmetric signing key, so every node that shares the secret derives the
    /// same private key from a key id alone and no private key is ever stored.
    pub(crate) fn derive_seed(&self, label: &[u8]) -> [u8; 32] {
        // HMAC accepts a key of any length, so this cannot fail.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.master)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(label);
        mac.finalize().into_bytes().into()
    }

    pub fn generate_secret() -> DomainResult<String> {
        Ok(hex::encode(random_bytes::<32>()?))
    }
}

/// HMAC(master, label) as the key of a fresh HMAC: a one-step HKDF-Expand.
fn derive_key(master: &[u8], label: &[u8]) -> DomainResult<HmacSha256> {
    let bad_key = |_| DomainError::unexpected("HMAC key setup failed");
    let mut derive = HmacSha256::new_from_slice(master).map_err(bad_key)?;
    derive.update(label);
    HmacSha256::new_from_slice(&derive.finalize().into_bytes()).map_err(bad_key)
}

impl fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ServerKey([redacted])")
    }
}

/// What an access token asserts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user id.
    pub sub: String,
    /// The session id: the device this token was issued to.
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
    /// The issuer: the origin of `SIGNEDIN_PUBLIC_URL` when one is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
}

/// A signed access token as the client holds it.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

impl AccessToken {
    pub(crate) fn new(compact: String) -> Self {
        Self(compact)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken([redacted])")
    }
}

/// `{"alg":"HS256","typ":"JWT"}`, the only HS256 header this server writes or accepts.
pub(crate) const JWT_HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

pub fn sign_access_token(key: &ServerKey, claims: &AccessClaims) -> DomainResult<AccessToken> {
    let payload =
        serde_json::to_vec(claims).map_err(|e| DomainError::unexpected(format!("claims: {e}")))?;
    let signing_input = format!("{JWT_HEADER}.{}", URL_SAFE_NO_PAD.encode(payload));
    let mut mac = key.access.clone();
    mac.update(signing_input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    Ok(AccessToken(format!("{signing_input}.{signature}")))
}

/// Checks the signature (in constant time) and expiry. Liveness of the session is the
/// caller's next step: a valid signature only says *we* issued it.
pub fn verify_access_token(
    key: &ServerKey,
    token: &str,
    now: Timestamp,
) -> Result<AccessClaims, &'static str> {
    const MALFORMED: &str = "malformed access token";
    // A JWT of ours is well under 1 KiB; refuse to do work for anything much larger.
    if token.len() > 2048 {
        return Err(MALFORMED);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(MALFORMED);
    };
    if header != JWT_HEADER {
        return Err("unsupported access token algorithm");
    }
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| MALFORMED)?;
    let mut mac = key.access.clone();
    mac.update(header.as_bytes());
    mac.update(b".");
    mac.update(payload.as_bytes());
    mac.verify_slice(&signature)
        .map_err(|_| "invalid access token signature")?;
    let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| MALFORMED)?;
    let claims: AccessClaims = serde_json::from_slice(&payload).map_err(|_| MALFORMED)?;
    if claims.exp <= now.unix_seconds() {
        return Err("access token expired");
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ServerKey {
        ServerKey::from_secret("0123456789abcdef0123456789abcdef").unwrap()
    }

    #[test]
    fn refresh_tokens_carry_256_bits_and_parse_back() {
        let token = RefreshToken::generate().unwrap();
        assert_eq!(token.expose().len(), REFRESH_TOKEN_PREFIX.len() + 43);
        assert_eq!(RefreshToken::parse(token.expose()), Some(token.clone()));
        assert_ne!(RefreshToken::generate().unwrap(), token);
    }

    #[test]
    fn malformed_refresh_tokens_are_not_ours() {
        for raw in [
            "",
            "sirt_",
            "sirt_abc",
            "xxxx_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ] {
            assert_eq!(RefreshToken::parse(raw), None, "{raw:?}");
        }
        // Same bits, non-canonical trailing base64 digit.
        let token = RefreshToken::from_bytes(&[0u8; 32]);
        let mut tampered = token.expose().to_string();
        tampered.pop();
        tampered.push('B');
        assert_eq!(RefreshToken::parse(&tampered), None);
    }

    #[test]
    fn the_successor_is_deterministic_and_keyed() {
        let token = RefreshToken::generate().unwrap();
        assert_eq!(token.successor(&key()), token.successor(&key()));
        let other = ServerKey::from_secret("another secret that is long enough!").unwrap();
        assert_ne!(token.successor(&key()), token.successor(&other));
        assert_ne!(token.successor(&key()), token);
        assert!(RefreshToken::parse(token.successor(&key()).expose()).is_some());
    }

    #[test]
    fn hashes_are_sha256_hex_with_a_12_char_prefix() {
        let token = RefreshToken::generate().unwrap();
        let hash = token.hash();
        assert_eq!(hash.as_str().len(), 64);
        assert_eq!(hash.prefix(), &hash.as_str()[..12]);
    }

    #[test]
    fn debug_never_shows_a_secret() {
        let token = RefreshToken::generate().unwrap();
        assert!(!format!("{token:?}").contains(&token.expose()[5..]));
        assert_eq!(format!("{:?}", key()), "ServerKey([redacted])");
    }

    #[test]
    fn access_tokens_verify_and_expire() {
        let claims = AccessClaims {
            sub: "u".into(),
            sid: "s".into(),
            iat: 100,
            exp: 200,
            iss: None,
        };
        let token = sign_access_token(&key(), &claims).unwrap();
        assert_eq!(
            verify_access_token(&key(), token.expose(), Timestamp::from_unix_seconds(150)),
            Ok(claims)
        );
        assert!(
            verify_access_token(&key(), token.expose(), Timestamp::from_unix_seconds(200)).is_err()
        );
        let other = ServerKey::from_secret("another secret that is long enough!").unwrap();
        assert!(
            verify_access_token(&other, token.expose(), Timestamp::from_unix_seconds(150)).is_err()
        );
    }

    #[test]
    fn a_tampered_payload_is_refused() {
        let claims = AccessClaims {
            sub: "u".into(),
            sid: "s".into(),
            iat: 100,
            exp: 200,
            iss: None,
        };
        let token = sign_access_token(&key(), &claims).unwrap();
        let mut parts: Vec<&str> = token.expose().split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(br#"{"sub":"admin","sid":"s","iat":100,"exp":200}"#);
        parts[1] = &forged;
        let forged = parts.join(".");
        assert!(verify_access_token(&key(), &forged, Timestamp::from_unix_seconds(150)).is_err());
        let none_alg = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
            parts[1]
        );
        assert!(verify_access_token(&key(), &none_alg, Timestamp::from_unix_seconds(150)).is_err());
    }

    #[test]
    fn prefixes_are_validated_and_lowercased() {
        assert_eq!(JtiPrefix::parse("ABCD").unwrap().as_str(), "abcd");
        for bad in [
            "abc",
            "",
            "zzzz",
            "ab%_",
            "abcd'--",
            "../..",
            &"a".repeat(65),
        ] {
            assert!(JtiPrefix::parse(bad).is_err(), "{bad:?}");
        }
        assert!(JtiPrefix::parse(&"a".repeat(64)).is_ok());
    }
}

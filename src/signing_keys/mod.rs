//! How access tokens are signed and checked: HS256 with the server's secret (the default:
//! nothing to publish, and the cheapest check), or an asymmetric algorithm — EdDSA (Ed25519)
//! or ES256 (P-256) — whose public keys anyone can fetch from `/.well-known/jwks.json` and
//! verify tokens with offline.
//!
//! Asymmetric keys are named by a key id (`kid`) stored in the database; the key pair itself
//! is derived from `SIGNEDIN_SECRET` and the id, so every node that shares the secret signs
//! and verifies alike and no private key is ever stored. The newest unretired key of the
//! configured algorithm signs. `signedin keys rotate` adds a key, published at once and
//! signing a minute later (so every node's JWKS shows it before any token names it), and
//! gives the old ones a retirement time after their last token has expired: until then they
//! verify and stay published, so a rotation needs no downtime. Nodes reread the keys every
//! [`RELOAD_EVERY`], and at once (at most once a second) when a token names a key they do not
//! know, so a token signed by a node that already rotated verifies everywhere.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use crate::error::{DomainError, DomainResult};
use crate::store::{SigningKeyRow, Store};
mod pair;

use pair::Pair;

use crate::time::Timestamp;
use crate::token::{
    AccessClaims, AccessToken, JWT_HEADER, ServerKey, random_bytes, sign_access_token,
    verify_access_token,
};

/// How often a node rereads the keys while signing, to pick up a rotation.
pub const RELOAD_EVERY: Duration = Duration::from_secs(30);
/// Rereads for tokens naming an unknown key start at least this far apart (forged ids cost
/// little).
const UNKNOWN_KID_RELOAD_EVERY: Duration = Duration::from_secs(1);
/// A new key is published this long before it signs, so every node's JWKS (reread at least
/// every [`RELOAD_EVERY`]) shows it before any token names it.
pub const PUBLISH_AHEAD: Duration = Duration::from_secs(60);
/// How long a rotated key outlives the access-token lifetime: covers nodes that signed with it
/// until their next reread, and clock skew.
pub const RETIREMENT_MARGIN: Duration = Duration::from_secs(60);
/// A token of ours is well under 1 KiB; anything much larger is refused unread.
const MAX_TOKEN_LEN: usize = 2048;
const MALFORMED: &str = "malformed access token";

/// `SIGNEDIN_ACCESS_TOKEN_ALG`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AccessTokenAlg {
    #[default]
    Hs256,
    EdDsa,
    Es256,
}

impl AccessTokenAlg {
    /// The JOSE name (`alg` of a JWT header and a JWK).
    pub fn as_str(self) -> &'static str {
        match self {
            AccessTokenAlg::Hs256 => "HS256",
            AccessTokenAlg::EdDsa => "EdDSA",
            AccessTokenAlg::Es256 => "ES256",
        }
    }

    pub fn parse(text: &str) -> DomainResult<Self> {
        match text {
            "HS256" => Ok(AccessTokenAlg::Hs256),
            "EdDSA" => Ok(AccessTokenAlg::EdDsa),
            "ES256" => Ok(AccessTokenAlg::Es256),
            _ => Err(DomainError::invalid(
                "SIGNEDIN_ACCESS_TOKEN_ALG",
                format!("must be HS256, EdDSA or ES256, got {text:?}"),
            )),
        }
    }

    fn is_asymmetric(self) -> bool {
        self != AccessTokenAlg::Hs256
    }
}

/// How this server signs access tokens.
#[derive(Debug, Clone, Default)]
pub struct AccessTokenSettings {
    pub alg: AccessTokenAlg,
    /// The `iss` claim: the origin of `SIGNEDIN_PUBLIC_URL`, when one is configured.
    pub issuer: Option<String>,
}

/// A stored key with its derived pair.
struct Key {
    kid: String,
    alg: AccessTokenAlg,
    created_at: Timestamp,
    retires_at: Option<Timestamp>,
    pair: Pair,
    /// The token header this key signs under, already encoded.
    header: String,
}

struct Loaded {
    /// Newest first, as the store lists them.
    keys: Vec<Key>,
    at: Option<Instant>,
}

impl Loaded {
    /// The newest key of `alg` published for [`PUBLISH_AHEAD`]; when none is that old yet (a
    /// first start, or a rotation right after it), the oldest. A key that is not retiring
    /// counts as newer than one that is, whatever the clock says.
    fn signer(&self, alg: AccessTokenAlg, now: Timestamp) -> Option<&Key> {
        let mut valid: Vec<&Key> = self
            .keys
            .iter()
            .filter(|k| k.alg == alg && k.retires_at.is_none_or(|at| at > now))
            .collect();
        let age = |k: &Key| (k.retires_at.is_none(), k.created_at, k.kid.clone());
        valid.sort_by_key(|k| std::cmp::Reverse(age(k)));
        valid
            .iter()
            .find(|k| k.created_at.plus(PUBLISH_AHEAD) <= now)
            .or(valid.last())
            .copied()
    }

    fn by_kid(&self, kid: &str, now: Timestamp) -> Option<&Key> {
        self.keys
            .iter()
            .find(|k| k.kid == kid && k.retires_at.is_none_or(|at| at > now))
    }

    fn fresher_than(&self, age: Duration) -> bool {
        self.at.is_some_and(|at| at.elapsed() < age)
    }
}

/// The keys this node signs and verifies access tokens with.
pub struct KeyRing {
    server: ServerKey,
    settings: AccessTokenSettings,
    loaded: RwLock<Arc<Loaded>>,
    /// One reread at a time; the others wait for it and use its result.
    reloading: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// The JWT header of an asymmetric token: what it says it was signed with.
#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

impl KeyRing {
    pub fn new(server: ServerKey, settings: AccessTokenSettings) -> Self {
        Self {
            server,
            settings,
            loaded: RwLock::new(Arc::new(Loaded {
                keys: Vec::new(),
                at: None,
            })),
            reloading: tokio::sync::Mutex::new(()),
        }
    }

    pub fn settings(&self) -> &AccessTokenSettings {
        &self.settings
    }

    fn snapshot(&self) -> Arc<Loaded> {
        match self.loaded.read() {
            Ok(loaded) => loaded.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The keys, reread from the store unless the last read is younger than `max_age`.
    async fn keys(
        &self,
        store: &Store,
        now: Timestamp,
        max_age: Duration,
    ) -> DomainResult<Arc<Loaded>> {
        let current = self.snapshot();
        if current.fresher_than(max_age) {
            return Ok(current);
        }
        let _one_at_a_time = self.reloading.lock().await;
        let current = self.snapshot();
        if current.fresher_than(max_age) {
            return Ok(current);
        }
        self.reload(store, now, current).await
    }

    /// The keys as read by a reread that began after `since` (when a token naming an unknown
    /// key arrived, so its key was already stored). Rereads for unknown keys start at least
    /// [`UNKNOWN_KID_RELOAD_EVERY`] apart, so forged key ids cost the database one read a
    /// second however many arrive; a real new key waits at most that long, once per node.
    async fn keys_read_after(
        &self,
        store: &Store,
        now: Timestamp,
        since: Instant,
    ) -> DomainResult<Arc<Loaded>> {
        let _one_at_a_time = self.reloading.lock().await;
        let current = self.snapshot();
        if current.at.is_some_and(|at| at >= since) {
            return Ok(current);
        }
        if let Some(at) = current.at {
            tokio::time::sleep_until((at + UNKNOWN_KID_RELOAD_EVERY).into()).await;
        }
        self.reload(store, now, current).await
    }

    /// Rereads the keys (the caller holds `reloading`). A failed reread keeps the keys
    /// already known: a database blip must not stop signing.
    async fn reload(
        &self,
        store: &Store,
        now: Timestamp,
        current: Arc<Loaded>,
    ) -> DomainResult<Arc<Loaded>> {
        let started = Instant::now();
        let rows = match store.signing_keys(now).await {
            Ok(rows) => rows,
            Err(error) if !current.keys.is_empty() => {
                tracing::warn!(%error, "rereading the signing keys failed; keeping the known ones");
                return Ok(current);
            }
            Err(error) => return Err(error),
        };
        let fresh = Arc::new(Loaded {
            keys: rows.iter().filter_map(|row| self.key(row)).collect(),
            at: Some(started),
        });
        match self.loaded.write() {
            Ok(mut loaded) => *loaded = fresh.clone(),
            Err(poisoned) => *poisoned.into_inner() = fresh.clone(),
        }
        Ok(fresh)
    }

    fn key(&self, row: &SigningKeyRow) -> Option<Key> {
        // A key of an algorithm this build does not know is skipped, not fatal.
        let alg = AccessTokenAlg::parse(&row.alg).ok()?;
        let pair = Pair::derive(&self.server, alg, &row.kid)?;
        let header = serde_json::json!({"alg": alg.as_str(), "typ": "JWT", "kid": row.kid});
        Some(Key {
            kid: row.kid.clone(),
            alg,
            created_at: row.created_at,
            retires_at: row.retires_at,
            pair,
            header: URL_SAFE_NO_PAD.encode(header.to_string()),
        })
    }

    /// Makes sure the configured algorithm has a signing key, creating one if none is live
    /// (at first start). Two nodes starting at once may each create one; both are valid, and
    /// the newer signs once each node rereads.
    pub async fn ensure_signing_key(&self, store: &Store, now: Timestamp) -> DomainResult<()> {
        let alg = self.settings.alg;
        if !alg.is_asymmetric() {
            return Ok(());
        }
        if self
            .keys(store, now, Duration::ZERO)
            .await?
            .signer(alg, now)
            .is_none()
        {
            store
                .add_signing_key(&new_kid()?, alg.as_str(), now, None)
                .await?;
            self.keys(store, now, Duration::ZERO).await?;
        }
        Ok(())
    }

    /// Adds a new key for `alg`: published at once, signing after [`PUBLISH_AHEAD`]. The
    /// current keys sign until then and retire once their last token has expired. Returns the
    /// new key id.
    pub async fn rotate(
        &self,
        store: &Store,
        alg: AccessTokenAlg,
        access_ttl: Duration,
        now: Timestamp,
    ) -> DomainResult<String> {
        if !alg.is_asymmetric() {
            return Err(DomainError::invalid(
                "alg",
                "HS256 tokens are signed with SIGNEDIN_SECRET itself: there is no key to rotate",
            ));
        }
        let kid = new_kid()?;
        let retire_at = now
            .plus(PUBLISH_AHEAD)
            .plus(access_ttl)
            .plus(RETIREMENT_MARGIN);
        store
            .add_signing_key(&kid, alg.as_str(), now, Some(retire_at))
            .await?;
        self.keys(store, now, Duration::ZERO).await?;
        Ok(kid)
    }

    /// Every stored key that still verifies, newest first (for `signedin keys list`).
    pub async fn list(&self, store: &Store, now: Timestamp) -> DomainResult<Vec<SigningKeyRow>> {
        store.signing_keys(now).await
    }

    pub async fn sign(
        &self,
        store: &Store,
        claims: &AccessClaims,
        now: Timestamp,
    ) -> DomainResult<AccessToken> {
        let alg = self.settings.alg;
        if !alg.is_asymmetric() {
            return sign_access_token(&self.server, claims);
        }
        let mut loaded = self.keys(store, now, RELOAD_EVERY).await?;
        if loaded.signer(alg, now).is_none() {
            self.ensure_signing_key(store, now).await?;
            loaded = self.snapshot();
        }
        let key = loaded.signer(alg, now).ok_or_else(|| {
            DomainError::unexpected("no signing key for the configured algorithm")
        })?;
        let payload = serde_json::to_vec(claims)
            .map_err(|e| DomainError::unexpected(format!("claims: {e}")))?;
        let signing_input = format!("{}.{}", key.header, URL_SAFE_NO_PAD.encode(payload));
        let signature = URL_SAFE_NO_PAD.encode(key.pair.sign(signing_input.as_bytes()));
        Ok(AccessToken::new(format!("{signing_input}.{signature}")))
    }

    /// Checks a token's signature, expiry and issuer. HS256 tokens (signed with the secret)
    /// verify whatever the configured algorithm, so switching to EdDSA signs nobody out.
    pub async fn verify(
        &self,
        store: &Store,
        token: &str,
        now: Timestamp,
    ) -> Result<AccessClaims, &'static str> {
        let claims = if token.starts_with(JWT_HEADER)
            && token.as_bytes().get(JWT_HEADER.len()) == Some(&b'.')
        {
            verify_access_token(&self.server, token, now)?
        } else {
            self.verify_asymmetric(store, token, now).await?
        };
        if claims.iss.is_some() && claims.iss != self.settings.issuer {
            return Err("access token from another issuer");
        }
        Ok(claims)
    }

    async fn verify_asymmetric(
        &self,
        store: &Store,
        token: &str,
        now: Timestamp,
    ) -> Result<AccessClaims, &'static str> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(MALFORMED);
        }
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(MALFORMED);
        };
        let decoded = URL_SAFE_NO_PAD.decode(header).map_err(|_| MALFORMED)?;
        let parsed: Header = serde_json::from_slice(&decoded).map_err(|_| MALFORMED)?;
        let alg = AccessTokenAlg::parse(&parsed.alg)
            .ok()
            .filter(|alg| alg.is_asymmetric())
            .ok_or("unsupported access token algorithm")?;
        let kid = parsed.kid.ok_or(MALFORMED)?;
        let arrived = Instant::now();
        let mut loaded = self.snapshot();
        if loaded.by_kid(&kid, now).is_none() {
            // A key another node has just created or rotated to; or a forged id, which the
            // pace of rereads bounds.
            loaded = self
                .keys_read_after(store, now, arrived)
                .await
                .map_err(|_| "signing keys unavailable")?;
        }
        let key = loaded.by_kid(&kid, now).ok_or("unknown signing key")?;
        // The key decides the algorithm, never the token: no alg confusion.
        if key.alg != alg || key.header != header {
            return Err("unsupported access token algorithm");
        }
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| MALFORMED)?;
        let signed = &token[..header.len() + 1 + payload.len()];
        if !key.pair.verify(signed.as_bytes(), &signature) {
            return Err("invalid access token signature");
        }
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| MALFORMED)?;
        let claims: AccessClaims = serde_json::from_slice(&payload).map_err(|_| MALFORMED)?;
        if claims.exp <= now.unix_seconds() {
            return Err("access token expired");
        }
        Ok(claims)
    }

    /// The public keys that verify at `now`, as a JWK Set.
    pub async fn jwks(&self, store: &Store, now: Timestamp) -> DomainResult<serde_json::Value> {
        let loaded = self.keys(store, now, RELOAD_EVERY).await?;
        let keys: Vec<_> = loaded
            .keys
            .iter()
            .filter(|k| k.retires_at.is_none_or(|at| at > now))
            .map(|k| k.pair.jwk(&k.kid))
            .collect();
        Ok(serde_json::json!({ "keys": keys }))
    }
}

/// A new key id: 64 random bits, in hex.
fn new_kid() -> DomainResult<String> {
    Ok(hex::encode(random_bytes::<8>()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algorithms_parse_by_their_jose_names_only() {
        assert_eq!(
            AccessTokenAlg::parse("EdDSA").unwrap(),
            AccessTokenAlg::EdDsa
        );
        assert_eq!(
            AccessTokenAlg::parse("ES256").unwrap(),
            AccessTokenAlg::Es256
        );
        assert_eq!(
            AccessTokenAlg::parse("HS256").unwrap(),
            AccessTokenAlg::Hs256
        );
        for bad in ["none", "eddsa", "RS256", ""] {
            assert!(AccessTokenAlg::parse(bad).is_err(), "{bad}");
        }
    }
}

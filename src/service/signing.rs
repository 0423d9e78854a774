//! The access-token signing keys as the operator and the JWKS endpoint see them (the signing
//! itself is `SessionService::issue`'s, the checking `authenticate`'s; both through the ring).

use super::SessionService;
use crate::error::DomainResult;
use crate::signing_keys::{AccessTokenAlg, AccessTokenSettings};
use crate::store::SigningKeyRow;

impl SessionService {
    pub fn access_token_settings(&self) -> &AccessTokenSettings {
        self.0.keys.settings()
    }

    /// Creates the configured algorithm's first key if it has none (at start-up).
    pub async fn ensure_signing_key(&self) -> DomainResult<()> {
        self.0
            .keys
            .ensure_signing_key(&self.0.store, self.now())
            .await
    }

    /// The public keys as a JWK Set (`/.well-known/jwks.json`).
    pub async fn jwks(&self) -> DomainResult<serde_json::Value> {
        self.0.keys.jwks(&self.0.store, self.now()).await
    }

    /// `signedin keys rotate`: a new signer; the old keys verify until their tokens expire.
    pub async fn rotate_signing_key(&self, alg: Option<AccessTokenAlg>) -> DomainResult<String> {
        let alg = alg.unwrap_or(self.0.keys.settings().alg);
        self.0
            .keys
            .rotate(&self.0.store, alg, self.0.policy.access_ttl, self.now())
            .await
    }

    /// `signedin keys list`: every key that still verifies, newest first.
    pub async fn signing_keys(&self) -> DomainResult<Vec<SigningKeyRow>> {
        self.0.keys.list(&self.0.store, self.now()).await
    }
}

//! One asymmetric key pair, derived from the server's secret and a key id: signing, checking
//! and its public half as a JWK.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::AccessTokenAlg;
use crate::token::ServerKey;

/// One asymmetric key pair.
pub(super) enum Pair {
    Ed(ed25519_dalek::SigningKey),
    Es(p256::ecdsa::SigningKey),
}

impl Pair {
    pub(super) fn derive(server: &ServerKey, alg: AccessTokenAlg, kid: &str) -> Option<Self> {
        match alg {
            AccessTokenAlg::Hs256 => None,
            AccessTokenAlg::EdDsa => {
                let seed = server.derive_seed(format!("access-token-ed25519:{kid}").as_bytes());
                Some(Pair::Ed(ed25519_dalek::SigningKey::from_bytes(&seed)))
            }
            // A P-256 scalar must be below the group order: a seed that is not (odds about
            // 2^-32) moves on to the next counter.
            AccessTokenAlg::Es256 => (0u32..64).find_map(|counter| {
                let label = format!("access-token-p256:{kid}:{counter}");
                let seed = p256::FieldBytes::from(server.derive_seed(label.as_bytes()));
                p256::ecdsa::SigningKey::from_bytes(&seed)
                    .ok()
                    .map(Pair::Es)
            }),
        }
    }

    pub(super) fn sign(&self, message: &[u8]) -> Vec<u8> {
        match self {
            Pair::Ed(key) => {
                use ed25519_dalek::Signer;
                key.sign(message).to_bytes().to_vec()
            }
            Pair::Es(key) => {
                use p256::ecdsa::signature::Signer;
                let signature: p256::ecdsa::Signature = key.sign(message);
                signature.to_bytes().to_vec()
            }
        }
    }

    pub(super) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            Pair::Ed(key) => ed25519_dalek::Signature::from_slice(signature)
                .is_ok_and(|s| key.verifying_key().verify_strict(message, &s).is_ok()),
            Pair::Es(key) => {
                use p256::ecdsa::signature::Verifier;
                p256::ecdsa::Signature::from_slice(signature)
                    .is_ok_and(|s| key.verifying_key().verify(message, &s).is_ok())
            }
        }
    }

    /// The public half as a JWK (RFC 8037 for Ed25519, RFC 7518 for P-256).
    pub(super) fn jwk(&self, kid: &str) -> serde_json::Value {
        match self {
            Pair::Ed(key) => serde_json::json!({
                "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": kid,
                "x": URL_SAFE_NO_PAD.encode(key.verifying_key().to_bytes()),
            }),
            Pair::Es(key) => {
                let point = key.verifying_key().to_encoded_point(false);
                let coordinate =
                    |c: Option<&p256::FieldBytes>| c.map(|c| URL_SAFE_NO_PAD.encode(c));
                serde_json::json!({
                    "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": kid,
                    "x": coordinate(point.x()), "y": coordinate(point.y()),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server() -> ServerKey {
        ServerKey::from_secret("0123456789abcdef0123456789abcdef").unwrap()
    }

    #[test]
    fn pairs_are_derived_from_the_secret_and_the_kid_alone() {
        for alg in [AccessTokenAlg::EdDsa, AccessTokenAlg::Es256] {
            let a = Pair::derive(&server(), alg, "k1").unwrap();
            let again = Pair::derive(&server(), alg, "k1").unwrap();
            let other_kid = Pair::derive(&server(), alg, "k2").unwrap();
            let other_secret =
                ServerKey::from_secret("another secret that is long enough!").unwrap();
            let other_secret = Pair::derive(&other_secret, alg, "k1").unwrap();
            assert_eq!(a.jwk("k1"), again.jwk("k1"));
            assert_ne!(a.jwk("k1")["x"], other_kid.jwk("k1")["x"]);
            assert_ne!(a.jwk("k1")["x"], other_secret.jwk("k1")["x"]);
            let signature = a.sign(b"message");
            assert!(again.verify(b"message", &signature), "{alg:?}");
            assert!(!a.verify(b"messagf", &signature), "{alg:?}");
            assert!(!other_kid.verify(b"message", &signature), "{alg:?}");
            assert_eq!(signature.len(), 64, "JWS signatures are 64 bytes for both");
        }
    }

    #[test]
    fn jwks_carry_only_public_parts() {
        let ed = Pair::derive(&server(), AccessTokenAlg::EdDsa, "k")
            .unwrap()
            .jwk("k");
        assert_eq!(ed["kty"], "OKP");
        assert_eq!(ed["crv"], "Ed25519");
        assert!(ed.get("d").is_none());
        let es = Pair::derive(&server(), AccessTokenAlg::Es256, "k")
            .unwrap()
            .jwk("k");
        assert_eq!(es["kty"], "EC");
        assert_eq!(es["crv"], "P-256");
        assert_eq!(
            URL_SAFE_NO_PAD
                .decode(es["x"].as_str().unwrap())
                .unwrap()
                .len(),
            32
        );
        assert_eq!(
            URL_SAFE_NO_PAD
                .decode(es["y"].as_str().unwrap())
                .unwrap()
                .len(),
            32
        );
        assert!(es.get("d").is_none());
    }
}

//! Standard Webhooks (standardwebhooks.com): the secret (`whsec_` and base64) and the
//! signature, `v1,` and base64 of HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`,
//! so any standard verifier accepts what we send.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{DomainError, DomainResult};

/// The shared secret of `SIGNEDIN_WEBHOOK_SECRET`.
#[derive(Clone)]
pub struct WebhookSecret(Vec<u8>);

impl WebhookSecret {
    const PREFIX: &'static str = "whsec_";
    /// The specification asks for 24 to 64 bytes.
    const BYTES: std::ops::RangeInclusive<usize> = 24..=64;

    pub fn parse(text: &str) -> DomainResult<Self> {
        let invalid = |why: &str| DomainError::invalid("SIGNEDIN_WEBHOOK_SECRET", why.to_owned());
        let encoded = text
            .strip_prefix(Self::PREFIX)
            .ok_or_else(|| invalid("must start with whsec_"))?;
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| invalid("must be whsec_ followed by base64"))?;
        if !Self::BYTES.contains(&bytes.len()) {
            return Err(invalid(
                "must hold 24 to 64 bytes (32 to 88 base64 characters)",
            ));
        }
        Ok(Self(bytes))
    }

    /// A fresh secret, for `signedin webhooks secret` and the docs.
    pub fn generate() -> DomainResult<String> {
        let bytes = crate::token::random_bytes::<32>()?;
        Ok(format!("{}{}", Self::PREFIX, STANDARD.encode(bytes)))
    }

    /// The `webhook-signature` header's value for one attempt.
    pub fn sign(&self, message_id: &str, timestamp: i64, body: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(message_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body.as_bytes());
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::WebhookSecret;

    /// The example the specification itself signs.
    #[test]
    fn signs_the_specifications_example() {
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            secret.sign(
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                r#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn refuses_secrets_that_are_not_standard() {
        for bad in [
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_!!!",
            "whsec_c2hvcnQ=",
        ] {
            assert!(WebhookSecret::parse(bad).is_err(), "{bad}");
        }
        let fresh = WebhookSecret::generate().unwrap();
        assert!(WebhookSecret::parse(&fresh).is_ok());
        assert!(!format!("{:?}", WebhookSecret::parse(&fresh).unwrap()).contains("whsec"));
    }
}

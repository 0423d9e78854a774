//! The links in an alert email: `…/alerts/not-me?token=T` and `…/alerts/was-me?token=T`.
//! `T` is `{link id}.{expiry, unix seconds}.{signature}`, signed with a key derived from
//! `SIGNEDIN_SECRET`, so a link cannot be made up or altered; that it is used once, and for
//! which session, is in its `alert_links` row.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::time::Timestamp;
use crate::token::ServerKey;

/// How long an alert's links work.
pub const LINK_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Why a link cannot be used; each is told to its user in words (never an error page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkProblem {
    /// Altered, cut short, or never ours.
    Invalid,
    Expired,
    AlreadyUsed,
    /// "This wasn't me" for a session that has already ended.
    SessionEnded,
}

#[derive(Clone)]
pub struct LinkKey(Hmac<Sha256>);

impl LinkKey {
    pub fn new(key: &ServerKey) -> Self {
        let seed = key.derive_seed(b"alert-link-v1");
        Self(
            <Hmac<Sha256> as Mac>::new_from_slice(&seed)
                .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length")),
        )
    }

    pub fn token(&self, link_id: &str, expires_at: Timestamp) -> String {
        let signed = format!("{link_id}.{}", expires_at.unix_seconds());
        let signature = URL_SAFE_NO_PAD.encode(self.mac(&signed).finalize().into_bytes());
        format!("{signed}.{signature}")
    }

    /// The link id a token names, if its signature holds and it has not expired at `now`.
    pub fn verify(&self, token: &str, now: Timestamp) -> Result<String, LinkProblem> {
        let (signed, signature) = token.rsplit_once('.').ok_or(LinkProblem::Invalid)?;
        let (link_id, expiry) = signed.split_once('.').ok_or(LinkProblem::Invalid)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| LinkProblem::Invalid)?;
        self.mac(signed)
            .verify_slice(&signature)
            .map_err(|_| LinkProblem::Invalid)?;
        let expiry: i64 = expiry.parse().map_err(|_| LinkProblem::Invalid)?;
        if now.unix_seconds() >= expiry {
            return Err(LinkProblem::Expired);
        }
        Ok(link_id.to_owned())
    }

    fn mac(&self, signed: &str) -> Hmac<Sha256> {
        let mut mac = self.0.clone();
        mac.update(signed.as_bytes());
        mac
    }
}

impl std::fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkKey([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(secret: &str) -> LinkKey {
        LinkKey::new(&ServerKey::from_secret(secret).unwrap())
    }

    #[test]
    fn a_link_verifies_until_it_expires_and_not_once_altered() {
        let key = key("0123456789abcdef0123456789abcdef");
        let now = Timestamp::from_unix_seconds(1_800_000_000);
        let token = key.token("0f1e2d3c", now.plus(LINK_LIFETIME));
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        );
        assert_eq!(key.verify(&token, now).as_deref(), Ok("0f1e2d3c"));
        let later = now.plus(LINK_LIFETIME);
        assert_eq!(key.verify(&token, later), Err(LinkProblem::Expired));

        let longer = token.replacen(
            &format!(".{}.", now.plus(LINK_LIFETIME).unix_seconds()),
            &format!(".{}.", later.plus(LINK_LIFETIME).unix_seconds()),
            1,
        );
        assert_eq!(key.verify(&longer, now), Err(LinkProblem::Invalid));
        let other_id = token.replacen("0f1e2d3c", "0f1e2d3d", 1);
        assert_eq!(key.verify(&other_id, now), Err(LinkProblem::Invalid));
        for junk in ["", "x", "a.b", "a.b.c", &token[..token.len() - 2]] {
            assert_eq!(key.verify(junk, now), Err(LinkProblem::Invalid), "{junk}");
        }
        let other_server = super::tests::key("fedcba9876543210fedcba9876543210");
        assert_eq!(other_server.verify(&token, now), Err(LinkProblem::Invalid));
    }
}

//! The `signing_keys` table: key ids and their lifetimes (never key material; see
//! `crate::signing_keys`).

use super::Store;
use crate::error::DomainResult;
use crate::time::Timestamp;

/// One signing key as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SigningKeyRow {
    pub kid: String,
    pub alg: String,
    pub created_at: Timestamp,
    pub retires_at: Option<Timestamp>,
}

impl Store {
    /// Every key not yet retired at `now`: the unretired ones first, then newest first.
    pub(crate) async fn signing_keys(&self, now: Timestamp) -> DomainResult<Vec<SigningKeyRow>> {
        Ok(self
            .reader()
            .fetch_all(
                "SELECT kid, alg, created_at, retires_at FROM signing_keys \
                 WHERE retires_at IS NULL OR retires_at > $1 \
                 ORDER BY (retires_at IS NULL) DESC, created_at DESC, kid DESC",
                &[now.into()],
            )
            .await?)
    }

    /// Adds a key of `alg`. With `retire_others_at`, every current key of that algorithm is
    /// given that retirement time in the same transaction, so the new key is the one signer.
    pub(crate) async fn add_signing_key(
        &self,
        kid: &str,
        alg: &str,
        now: Timestamp,
        retire_others_at: Option<Timestamp>,
    ) -> DomainResult<()> {
        let mut tx = self.begin().await?;
        if let Some(at) = retire_others_at {
            tx.execute(
                "UPDATE signing_keys SET retires_at = $1 WHERE alg = $2 AND retires_at IS NULL",
                &[at.into(), alg.into()],
            )
            .await?;
        }
        tx.execute(
            "INSERT INTO signing_keys (kid, alg, created_at, retires_at) VALUES ($1, $2, $3, NULL)",
            &[kid.into(), alg.into(), now.into()],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Forgets keys retired before `cutoff`: nothing they signed is still valid.
    pub(crate) async fn prune_signing_keys(&self, cutoff: Timestamp) -> DomainResult<u64> {
        Ok(self
            .writer()
            .execute(
                "DELETE FROM signing_keys WHERE retires_at IS NOT NULL AND retires_at < $1",
                &[cutoff.into()],
            )
            .await?)
    }
}

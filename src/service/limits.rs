//! Rate limits at the service's doors: this node's buckets, and for the doors that must hold
//! across nodes, the database's.

use super::SessionService;
use crate::error::{DomainError, DomainResult};
use crate::rate_limit::{Door, Rate};
use crate::session::DeviceContext;

impl SessionService {
    /// Takes a request from `key`'s budget at `door`: this node's bucket first (it costs
    /// nothing), then, for the doors that must hold across nodes, the database's.
    pub(super) async fn limit(&self, door: Door, key: &str) -> DomainResult<()> {
        let now = self.now();
        let limited = |retry_after| {
            crate::metrics::rate_limited(door.name());
            DomainError::RateLimited { retry_after }
        };
        self.0.limiter.check(door, key, now).map_err(limited)?;
        if let Some(rate) = self.shared_rate(door)
            && let Some(Err(retry_after)) = self
                .0
                .store
                .take_shared_token(door.name(), key, rate, now)
                .await?
        {
            return Err(limited(retry_after));
        }
        Ok(())
    }

    /// Gives back what `limit` took, here and in the database.
    pub(super) async fn refund(&self, door: Door, key: &str) -> DomainResult<()> {
        self.0.limiter.refund(door, key, self.now());
        match self.shared_rate(door) {
            Some(rate) => {
                self.0
                    .store
                    .refund_shared_token(door.name(), key, rate)
                    .await
            }
            None => Ok(()),
        }
    }

    /// The rate of `door` when it is limited and its budget must hold across nodes.
    fn shared_rate(&self, door: Door) -> Option<Rate> {
        self.0
            .limiter
            .rate(door)
            .filter(|_| door.holds_across_nodes())
    }

    /// The rate-limit key of the device's address (an IPv6 address's whole network).
    pub(super) fn ip_key(&self, device: &DeviceContext) -> String {
        self.0.limiter.ip_key(&device.ip)
    }
}

//! Rate limits on the doors an attacker knocks on: sign-in, refresh, re-authentication and
//! guessing session prefixes. Token buckets per key, kept in memory on each server node.
//!
//! Sign-in is limited per IP and per (account, IP): a burst of guesses from one address
//! slows that address down without locking the account's owner out from another.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use crate::error::DomainError;
use crate::time::Timestamp;

/// `count` requests per `per`, refilled smoothly; a full bucket allows a burst of `count`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub count: u32,
    pub per: Duration,
}

impl Rate {
    pub const fn new(count: u32, per_secs: u64) -> Self {
        Self {
            count,
            per: Duration::from_secs(per_secs),
        }
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.count, self.per.as_secs())
    }
}

/// Which limit a request is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Door {
    SignInPerIp,
    SignInPerAccount,
    RefreshPerIp,
    RefreshPerAccount,
    ReauthPerIp,
    ReauthPerAccount,
    PrefixGuessPerAccount,
}

impl Door {
    const ALL: [(Door, &'static str); 7] = [
        (Door::SignInPerIp, "signin_ip"),
        (Door::SignInPerAccount, "signin_account"),
        (Door::RefreshPerIp, "refresh_ip"),
        (Door::RefreshPerAccount, "refresh_account"),
        (Door::ReauthPerIp, "reauth_ip"),
        (Door::ReauthPerAccount, "reauth_account"),
        (Door::PrefixGuessPerAccount, "revoke_account"),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(door, _)| *door == self)
            .map_or("", |(_, name)| name)
    }
}

/// The configured limits; `None` turns limiting off (`SIGNEDIN_RATE_LIMITS=off`, for load tests).
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimits {
    limits: Option<HashMap<Door, Rate>>,
}

impl Default for RateLimits {
    fn default() -> Self {
        let limits = [
            (Door::SignInPerIp, Rate::new(30, 60)),
            (Door::SignInPerAccount, Rate::new(10, 300)),
            (Door::RefreshPerIp, Rate::new(600, 60)),
            (Door::RefreshPerAccount, Rate::new(120, 60)),
            (Door::ReauthPerIp, Rate::new(30, 60)),
            (Door::ReauthPerAccount, Rate::new(10, 300)),
            (Door::PrefixGuessPerAccount, Rate::new(30, 60)),
        ];
        Self {
            limits: Some(limits.into_iter().collect()),
        }
    }
}

impl RateLimits {
    pub fn off() -> Self {
        Self { limits: None }
    }

    /// `off`, or overrides of the defaults such as `signin_ip=20/60,refresh_account=60/60`.
    pub fn parse(spec: &str) -> Result<Self, DomainError> {
        let spec = spec.trim();
        if spec.eq_ignore_ascii_case("off") {
            return Ok(Self::off());
        }
        let mut limits = Self::default();
        let table = limits.limits.get_or_insert_with(HashMap::new);
        for item in spec.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let bad = || {
                DomainError::invalid(
                    "SIGNEDIN_RATE_LIMITS",
                    format!("{item:?}: expected name=count/seconds, e.g. signin_ip=20/60"),
                )
            };
            let (name, rate) = item.split_once('=').ok_or_else(bad)?;
            let (count, per) = rate.split_once('/').ok_or_else(bad)?;
            let door = Door::ALL
                .iter()
                .find(|(_, n)| *n == name.trim())
                .map(|(door, _)| *door)
                .ok_or_else(bad)?;
            let count: u32 = count.trim().parse().map_err(|_| bad())?;
            let per: u64 = per.trim().parse().map_err(|_| bad())?;
            if count == 0 || per == 0 {
                return Err(bad());
            }
            table.insert(door, Rate::new(count, per));
        }
        Ok(limits)
    }

    pub fn is_off(&self) -> bool {
        self.limits.is_none()
    }

    pub fn rate(&self, door: Door) -> Option<Rate> {
        self.limits.as_ref()?.get(&door).copied()
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Timestamp,
}

/// Keyed token buckets. Memory is bounded: past `MAX_KEYS`, buckets that have refilled are
/// forgotten (they would allow a full burst anyway).
#[derive(Debug)]
pub struct RateLimiter {
    limits: RateLimits,
    buckets: Mutex<HashMap<(Door, String), Bucket>>,
}

const MAX_KEYS: usize = 100_000;

impl RateLimiter {
    pub fn new(limits: RateLimits) -> Self {
        Self {
            limits,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `key`'s bucket at `door`, or says how long to wait.
    pub fn check(&self, door: Door, key: &str, now: Timestamp) -> Result<(), Duration> {
        let Some(rate) = self.limits.rate(door) else {
            return Ok(());
        };
        let capacity = f64::from(rate.count);
        let per_second = capacity / rate.per.as_secs_f64();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_KEYS {
            buckets.retain(|(door, _), bucket| {
                let rate = self.limits.rate(*door).unwrap_or(rate);
                let refill = f64::from(rate.count) / rate.per.as_secs_f64();
                bucket.tokens + now.since(bucket.updated).as_secs_f64() * refill
                    < f64::from(rate.count)
            });
        }
        let bucket = buckets.entry((door, key.to_owned())).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let elapsed = now.since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / per_second;
            Err(Duration::from_secs_f64(wait.ceil().max(1.0)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_unix_seconds(s)
    }

    #[test]
    fn a_burst_beyond_the_bucket_waits_for_a_refill() {
        let limiter = RateLimiter::new(RateLimits::parse("signin_ip=3/60").unwrap());
        for _ in 0..3 {
            assert!(limiter.check(Door::SignInPerIp, "1.2.3.4", at(0)).is_ok());
        }
        assert_eq!(
            limiter.check(Door::SignInPerIp, "1.2.3.4", at(0)),
            Err(Duration::from_secs(20))
        );
        assert!(limiter.check(Door::SignInPerIp, "5.6.7.8", at(0)).is_ok());
        assert!(limiter.check(Door::SignInPerIp, "1.2.3.4", at(20)).is_ok());
    }

    #[test]
    fn off_allows_everything() {
        let limiter = RateLimiter::new(RateLimits::parse("off").unwrap());
        for _ in 0..10_000 {
            assert!(limiter.check(Door::RefreshPerIp, "k", at(0)).is_ok());
        }
    }

    #[test]
    fn bad_specs_are_refused_with_the_expected_form() {
        for bad in [
            "signin_ip",
            "signin_ip=3",
            "nope=3/60",
            "signin_ip=0/60",
            "signin_ip=x/60",
        ] {
            let error = RateLimits::parse(bad).unwrap_err().to_string();
            assert!(error.contains("name=count/seconds"), "{bad}: {error}");
        }
    }
}

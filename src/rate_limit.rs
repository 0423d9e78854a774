//! Rate limits on the doors an attacker knocks on: sign-in, refresh, re-authentication and
//! guessing session prefixes. Token buckets per key, kept in memory on each server node.
//!
//! Sign-in is limited per address and per (account, address): a burst of guesses from one
//! address slows that address down without locking the account's owner out from another.
//! Failed sign-ins are also counted per account from every address together, with a generous
//! budget, so guesses spread over many addresses slow down too. An IPv6 address is limited by
//! its network (`/64` unless `ipv6_prefix` says otherwise): one host is routinely given a whole
//! `/64`, and keying by the full address would hand it 2^64 fresh budgets.
//!
//! What a session does is limited per session, not per account: a stolen session spending its
//! own budget must not leave the owner's sessions answering 429 when they sign the thief out
//! or change the password.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use ipnet::Ipv6Net;

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

    fn capacity(self) -> f64 {
        f64::from(self.count)
    }

    fn per_second(self) -> f64 {
        self.capacity() / self.per.as_secs_f64()
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
    /// Per account *and* address.
    SignInPerAccount,
    /// Failed sign-ins per account, from every address together.
    SignInFailures,
    RefreshPerIp,
    RefreshPerSession,
    ReauthPerIp,
    /// Re-authentication and password changes, per session.
    ReauthPerSession,
    PrefixGuessPerSession,
}

impl Door {
    const ALL: [(Door, &'static str); 8] = [
        (Door::SignInPerIp, "signin_ip"),
        (Door::SignInPerAccount, "signin_account"),
        (Door::SignInFailures, "signin_failures"),
        (Door::RefreshPerIp, "refresh_ip"),
        (Door::RefreshPerSession, "refresh_session"),
        (Door::ReauthPerIp, "reauth_ip"),
        (Door::ReauthPerSession, "reauth_session"),
        (Door::PrefixGuessPerSession, "revoke_session"),
    ];

    /// Names from before these limits were per session; still accepted.
    const ALIASES: [(Door, &'static str); 3] = [
        (Door::RefreshPerSession, "refresh_account"),
        (Door::ReauthPerSession, "reauth_account"),
        (Door::PrefixGuessPerSession, "revoke_account"),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(door, _)| *door == self)
            .map_or("", |(_, name)| name)
    }

    /// Budgets that must hold for the whole deployment, not per node: with several nodes on
    /// one PostgreSQL, a guesser spreading requests over them would otherwise get one budget
    /// per node. They are the password doors, where a request costs an argon2 hash anyway,
    /// so the database round trip they add is noise (see `store::shared_limit`).
    pub fn holds_across_nodes(self) -> bool {
        matches!(
            self,
            Door::SignInPerIp
                | Door::SignInPerAccount
                | Door::SignInFailures
                | Door::ReauthPerIp
                | Door::ReauthPerSession
        )
    }

    fn named(name: &str) -> Option<Door> {
        Self::ALL
            .iter()
            .chain(Self::ALIASES.iter())
            .find(|(_, n)| *n == name)
            .map(|(door, _)| *door)
    }
}

/// The configured limits; `None` turns limiting off (`SIGNEDIN_RATE_LIMITS=off`, for load tests).
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimits {
    limits: Option<HashMap<Door, Rate>>,
    /// IPv6 addresses are limited by their network of this prefix length.
    ipv6_prefix: u8,
}

const DEFAULT_IPV6_PREFIX: u8 = 64;

impl Default for RateLimits {
    fn default() -> Self {
        let limits = [
            (Door::SignInPerIp, Rate::new(30, 60)),
            (Door::SignInPerAccount, Rate::new(10, 300)),
            (Door::SignInFailures, Rate::new(100, 3600)),
            (Door::RefreshPerIp, Rate::new(600, 60)),
            (Door::RefreshPerSession, Rate::new(120, 60)),
            (Door::ReauthPerIp, Rate::new(30, 60)),
            (Door::ReauthPerSession, Rate::new(10, 300)),
            (Door::PrefixGuessPerSession, Rate::new(30, 60)),
        ];
        Self {
            limits: Some(limits.into_iter().collect()),
            ipv6_prefix: DEFAULT_IPV6_PREFIX,
        }
    }
}

impl RateLimits {
    pub fn off() -> Self {
        Self {
            limits: None,
            ipv6_prefix: DEFAULT_IPV6_PREFIX,
        }
    }

    /// `off`, or overrides of the defaults such as `signin_ip=20/60,refresh_session=60/60`;
    /// `ipv6_prefix=56` sets the network IPv6 addresses are limited by.
    pub fn parse(spec: &str) -> Result<Self, DomainError> {
        let spec = spec.trim();
        if spec.eq_ignore_ascii_case("off") {
            return Ok(Self::off());
        }
        let mut limits = Self::default();
        for item in spec.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let bad = || {
                DomainError::invalid(
                    "SIGNEDIN_RATE_LIMITS",
                    format!(
                        "{item:?}: expected name=count/seconds, e.g. signin_ip=20/60, or \
                         ipv6_prefix=1..128"
                    ),
                )
            };
            let (name, value) = item.split_once('=').ok_or_else(bad)?;
            if name.trim() == "ipv6_prefix" {
                limits.ipv6_prefix = value
                    .trim()
                    .parse::<u8>()
                    .ok()
                    .filter(|p| (1..=128).contains(p))
                    .ok_or_else(bad)?;
                continue;
            }
            let (count, per) = value.split_once('/').ok_or_else(bad)?;
            let door = Door::named(name.trim()).ok_or_else(bad)?;
            let count: u32 = count.trim().parse().map_err(|_| bad())?;
            let per: u64 = per.trim().parse().map_err(|_| bad())?;
            if count == 0 || per == 0 {
                return Err(bad());
            }
            limits
                .limits
                .get_or_insert_with(HashMap::new)
                .insert(door, Rate::new(count, per));
        }
        Ok(limits)
    }

    pub fn is_off(&self) -> bool {
        self.limits.is_none()
    }

    pub fn rate(&self, door: Door) -> Option<Rate> {
        self.limits.as_ref()?.get(&door).copied()
    }

    /// The key an address is limited under: an IPv4 address as it is, an IPv6 address as its
    /// network (`2001:db8:1:2::/64`). Text that is no address is its own key.
    pub fn ip_key(&self, ip: &str) -> String {
        match ip.parse::<IpAddr>() {
            Ok(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() && self.ipv6_prefix < 128 => {
                Ipv6Net::new(v6, self.ipv6_prefix)
                    .map_or_else(|_| ip.to_owned(), |net| net.trunc().to_string())
            }
            _ => ip.to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Timestamp,
}

impl Bucket {
    fn full(rate: Rate, now: Timestamp) -> Self {
        Self {
            tokens: rate.capacity(),
            updated: now,
        }
    }

    fn refill(&mut self, rate: Rate, now: Timestamp) {
        let elapsed = now.since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate.per_second()).min(rate.capacity());
        self.updated = now;
    }

    fn take(&mut self, rate: Rate, now: Timestamp) -> Result<(), Duration> {
        self.refill(rate, now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - self.tokens) / rate.per_second();
            Err(Duration::from_secs_f64(wait.ceil().max(1.0)))
        }
    }
}

type Buckets = HashMap<(Door, String), Bucket>;

/// Keyed token buckets, bounded in memory. Keys are spread over shards, each behind its own
/// lock, so requests for different keys rarely wait for each other. A shard that is full makes
/// room before taking a new key: first it forgets buckets that have refilled (they would allow
/// a full burst anyway), then, if that was not enough, those nearest to full (forgetting them
/// gives their callers the least), down to three quarters full: a drained bucket is the last
/// to go, so a flood of new keys cannot wash out the budget it is meant to hold back. That pass reads one shard, and the quarter it frees means the next one
/// is at least a quarter of a shard's worth of new keys away: each request pays O(1) on
/// average, and no request ever walks the whole limiter.
#[derive(Debug)]
pub struct RateLimiter {
    limits: RateLimits,
    shards: Box<[Mutex<Buckets>]>,
    shard_capacity: usize,
    hasher: RandomState,
}

/// The most keys a node remembers, all doors together (about 10 MB).
const MAX_KEYS: usize = 100_000;
const MAX_SHARDS: usize = 64;

impl RateLimiter {
    pub fn new(limits: RateLimits) -> Self {
        Self::with_max_keys(limits, MAX_KEYS)
    }

    /// A limiter that never remembers more than `max_keys` keys.
    pub fn with_max_keys(limits: RateLimits, max_keys: usize) -> Self {
        let max_keys = max_keys.max(1);
        let shards = (max_keys / 1024).clamp(1, MAX_SHARDS);
        Self {
            limits,
            shards: (0..shards).map(|_| Mutex::default()).collect(),
            shard_capacity: max_keys / shards,
            hasher: RandomState::new(),
        }
    }

    /// The configured rate of `door`; `None` when it is not limited.
    pub fn rate(&self, door: Door) -> Option<Rate> {
        self.limits.rate(door)
    }

    /// The key `ip` is limited under (see [`RateLimits::ip_key`]).
    pub fn ip_key(&self, ip: &str) -> String {
        self.limits.ip_key(ip)
    }

    fn shard(&self, key: &(Door, String)) -> MutexGuard<'_, Buckets> {
        let index = self.hasher.hash_one(key) as usize % self.shards.len();
        self.shards[index]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes one request from `key`'s bucket at `door`, or says how long to wait.
    pub fn check(&self, door: Door, key: &str, now: Timestamp) -> Result<(), Duration> {
        let Some(rate) = self.limits.rate(door) else {
            return Ok(());
        };
        let key = (door, key.to_owned());
        let mut buckets = self.shard(&key);
        if buckets.len() >= self.shard_capacity && !buckets.contains_key(&key) {
            self.make_room(&mut buckets, now);
        }
        buckets
            .entry(key)
            .or_insert_with(|| Bucket::full(rate, now))
            .take(rate, now)
    }

    /// Gives back the request [`RateLimiter::check`] took: for doors that count failures only.
    pub fn refund(&self, door: Door, key: &str, now: Timestamp) {
        let Some(rate) = self.limits.rate(door) else {
            return;
        };
        let key = (door, key.to_owned());
        if let Some(bucket) = self.shard(&key).get_mut(&key) {
            bucket.refill(rate, now);
            bucket.tokens = (bucket.tokens + 1.0).min(rate.capacity());
        }
    }

    fn make_room(&self, buckets: &mut Buckets, now: Timestamp) {
        let fullness = |door: Door, bucket: &Bucket| {
            self.limits.rate(door).map_or(1.0, |rate| {
                let tokens =
                    bucket.tokens + now.since(bucket.updated).as_secs_f64() * rate.per_second();
                tokens / rate.capacity()
            })
        };
        buckets.retain(|(door, _), bucket| fullness(*door, bucket) < 1.0);
        let keep = self.shard_capacity * 3 / 4;
        let Some(excess) = buckets.len().checked_sub(keep).filter(|n| *n > 0) else {
            return;
        };
        let mut scores: Vec<f64> = buckets
            .iter()
            .map(|((door, _), bucket)| fullness(*door, bucket))
            .collect();
        let (_, cutoff, _) = scores.select_nth_unstable_by(excess - 1, |a, b| b.total_cmp(a));
        let cutoff = *cutoff;
        let mut evicted = 0;
        buckets.retain(|(door, _), bucket| {
            let evict = evicted < excess && fullness(*door, bucket) >= cutoff;
            evicted += usize::from(evict);
            !evict
        });
        tracing::warn!(
            evicted,
            "rate limiter full: forgot the buckets nearest to full among those still refilling"
        );
    }

    #[cfg(test)]
    fn key_count(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().map_or(0, |b| b.len()))
            .sum()
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
            "ipv6_prefix=0",
            "ipv6_prefix=129",
            "ipv6_prefix=x",
            "ipv6_prefix=64/60",
        ] {
            let error = RateLimits::parse(bad).unwrap_err().to_string();
            assert!(error.contains("name=count/seconds"), "{bad}: {error}");
        }
    }

    #[test]
    fn the_old_names_still_parse_beside_the_new_settings() {
        let limits = RateLimits::parse(
            "reauth_account=5/300, revoke_account=5/60, refresh_account=60/60, \
             signin_failures=50/3600, ipv6_prefix=48",
        )
        .unwrap();
        assert_eq!(limits.rate(Door::ReauthPerSession), Some(Rate::new(5, 300)));
        assert_eq!(
            limits.rate(Door::PrefixGuessPerSession),
            Some(Rate::new(5, 60))
        );
        assert_eq!(
            limits.rate(Door::RefreshPerSession),
            Some(Rate::new(60, 60))
        );
        assert_eq!(limits.rate(Door::SignInFailures), Some(Rate::new(50, 3600)));
        assert_eq!(limits.rate(Door::SignInPerIp), Some(Rate::new(30, 60)));
        assert_eq!(limits.ip_key("2001:db8:1:2::1"), "2001:db8:1::/48");
        assert_eq!(Door::PrefixGuessPerSession.name(), "revoke_session");
    }

    #[test]
    fn ipv6_addresses_are_limited_by_their_64() {
        let limits = RateLimits::parse("signin_ip=2/60").unwrap();
        assert_eq!(limits.ip_key("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_eq!(
            limits.ip_key("2001:db8:1:2:ffff:ffff:ffff:ffff"),
            "2001:db8:1:2::/64"
        );
        assert_eq!(limits.ip_key("2001:db8:1:3::1"), "2001:db8:1:3::/64");
        assert_eq!(limits.ip_key("81.2.69.142"), "81.2.69.142");
        assert_eq!(limits.ip_key("not an address"), "not an address");
        assert_eq!(
            RateLimits::parse("ipv6_prefix=128")
                .unwrap()
                .ip_key("2001:db8::1"),
            "2001:db8::1"
        );

        let limiter = RateLimiter::new(limits);
        for host in ["2001:db8:1:2::1", "2001:db8:1:2::2"] {
            let key = limiter.ip_key(host);
            assert!(limiter.check(Door::SignInPerIp, &key, at(0)).is_ok());
        }
        let third = limiter.ip_key("2001:db8:1:2:dead:beef::3");
        assert!(
            limiter.check(Door::SignInPerIp, &third, at(0)).is_err(),
            "a third address of the same /64 shares its budget"
        );
        let elsewhere = limiter.ip_key("2001:db8:1:3::1");
        assert!(limiter.check(Door::SignInPerIp, &elsewhere, at(0)).is_ok());
    }

    #[test]
    fn a_refund_gives_back_what_a_check_took() {
        let limiter = RateLimiter::new(RateLimits::parse("signin_failures=2/3600").unwrap());
        for _ in 0..10 {
            assert!(limiter.check(Door::SignInFailures, "ada", at(0)).is_ok());
            limiter.refund(Door::SignInFailures, "ada", at(0));
        }
        assert!(limiter.check(Door::SignInFailures, "ada", at(0)).is_ok());
        assert!(limiter.check(Door::SignInFailures, "ada", at(0)).is_ok());
        assert!(limiter.check(Door::SignInFailures, "ada", at(0)).is_err());
        limiter.refund(Door::SignInFailures, "nobody", at(0));
    }

    #[test]
    fn memory_stays_bounded_when_every_bucket_is_draining() {
        let limiter = RateLimiter::with_max_keys(RateLimits::default(), 5_000);
        for n in 0..50_000 {
            let key = format!("10.{}.{}.{}", n >> 16, (n >> 8) & 255, n & 255);
            let _ = limiter.check(Door::SignInPerIp, &key, at(0));
            if n % 1000 == 0 {
                assert!(limiter.key_count() <= 5_000, "{n}: {}", limiter.key_count());
            }
        }
        assert!(limiter.key_count() <= 5_000, "{}", limiter.key_count());
    }

    #[test]
    fn a_full_limiter_forgets_refilled_buckets_before_spent_ones() {
        let limiter = RateLimiter::with_max_keys(RateLimits::parse("signin_ip=3/60").unwrap(), 8);
        for _ in 0..3 {
            assert!(limiter.check(Door::SignInPerIp, "attacker", at(0)).is_ok());
        }
        for n in 0..7 {
            let _ = limiter.check(Door::SignInPerIp, &format!("visitor {n}"), at(0));
        }
        // At 30 s the visitors' buckets are full again and the attacker's holds 1.5 tokens of
        // 3; each newcomer keeps 2 of 3, so it is forgotten before the attacker.
        for n in 0..20 {
            let _ = limiter.check(Door::SignInPerIp, &format!("newcomer {n}"), at(30));
            assert!(limiter.key_count() <= 8);
        }
        assert!(limiter.check(Door::SignInPerIp, "attacker", at(30)).is_ok());
        assert!(
            limiter
                .check(Door::SignInPerIp, "attacker", at(30))
                .is_err(),
            "the spent bucket was kept"
        );
    }
}

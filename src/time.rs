//! `Timestamp`: one UTC instant with microsecond precision, stored the same way on both stores.
//!
//! PostgreSQL keeps it as `TIMESTAMPTZ`; SQLite as an `INTEGER` count of microseconds since
//! the Unix epoch, which sorts and compares as fast as the number it is.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const EPOCH: Timestamp = Timestamp(0);

    pub fn now() -> Self {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO);
        Self(i64::try_from(since_epoch.as_micros()).unwrap_or(i64::MAX))
    }

    pub const fn from_unix_micros(micros: i64) -> Self {
        Self(micros)
    }

    pub const fn from_unix_seconds(seconds: i64) -> Self {
        Self(seconds.saturating_mul(1_000_000))
    }

    pub const fn unix_micros(self) -> i64 {
        self.0
    }

    pub const fn unix_seconds(self) -> i64 {
        self.0.div_euclid(1_000_000)
    }

    pub fn plus(self, by: Duration) -> Self {
        Self(self.0.saturating_add(duration_micros(by)))
    }

    pub fn minus(self, by: Duration) -> Self {
        Self(self.0.saturating_sub(duration_micros(by)))
    }

    /// How long ago `earlier` was, seen from `self`; zero if it is in the future.
    pub fn since(self, earlier: Timestamp) -> Duration {
        Duration::from_micros(u64::try_from(self.0.saturating_sub(earlier.0)).unwrap_or(0))
    }

    pub fn to_offset_date_time(self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    pub fn from_offset_date_time(at: OffsetDateTime) -> Self {
        Self(i64::try_from(at.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX))
    }

    /// RFC 3339 in UTC, e.g. `2026-11-27T21:10:24.123456Z`, as every API response shows time.
    pub fn to_rfc3339(self) -> String {
        let at = self.to_offset_date_time();
        // Whole seconds read better and every consumer parses them; keep fractions only when present.
        let at = if at.microsecond() == 0 {
            at
        } else {
            at.replace_nanosecond(at.microsecond() * 1_000)
                .unwrap_or(at)
        };
        at.format(&Rfc3339)
            .unwrap_or_else(|_| String::from("1970-01-01T00:00:00Z"))
    }

    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        OffsetDateTime::parse(text, &Rfc3339)
            .ok()
            .map(Self::from_offset_date_time)
    }
}

fn duration_micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips_to_the_microsecond() {
        let at = Timestamp::from_unix_micros(1_764_277_824_123_456);
        let text = at.to_rfc3339();
        assert_eq!(text, "2025-11-27T21:10:24.123456Z");
        assert_eq!(Timestamp::parse_rfc3339(&text), Some(at));
    }

    #[test]
    fn whole_seconds_print_without_a_fraction() {
        assert_eq!(
            Timestamp::from_unix_seconds(0).to_rfc3339(),
            "1970-01-01T00:00:00Z"
        );
    }

    #[test]
    fn since_a_later_instant_is_zero() {
        let a = Timestamp::from_unix_seconds(10);
        assert_eq!(a.since(Timestamp::from_unix_seconds(20)), Duration::ZERO);
        assert_eq!(
            Timestamp::from_unix_seconds(20).since(a),
            Duration::from_secs(10)
        );
    }
}

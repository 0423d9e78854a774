//! When a failed delivery is tried again: after about 2 s, then twice as long each time up to
//! a ceiling (`SIGNEDIN_OUTBOX_RETRY_MAX_SECS`, an hour by default), each wait drawn at random
//! from its upper half so a receiver coming back is not hit by every node at once; and when it
//! is given up (dead-lettered): once the next try would fall more than
//! `SIGNEDIN_OUTBOX_GIVE_UP_SECS` (a day) after the event.

use std::time::Duration;

use crate::time::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
    pub give_up: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            first: Duration::from_secs(2),
            max: Duration::from_secs(3600),
            give_up: Duration::from_secs(86_400),
        }
    }
}

impl Backoff {
    /// When to try again after `failures` failed attempts (1 after the first), for a message
    /// created at `created_at`; `None`: give up. `jitter` is uniform in `[0, 1)`.
    pub fn next_attempt(
        &self,
        failures: u32,
        created_at: Timestamp,
        now: Timestamp,
        jitter: f64,
    ) -> Option<Timestamp> {
        let doublings = failures.saturating_sub(1).min(30);
        let ceiling = self
            .first
            .saturating_mul(1u32 << doublings)
            .min(self.max)
            .max(self.first.min(self.max));
        let wait = ceiling.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0));
        let at = now.plus(wait);
        (at <= created_at.plus(self.give_up)).then_some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_ceiling_within_their_upper_half() {
        let backoff = Backoff {
            max: Duration::from_secs(60),
            ..Backoff::default()
        };
        let t0 = Timestamp::from_unix_seconds(1_000_000);
        let wait = |failures, jitter| {
            backoff
                .next_attempt(failures, t0, t0, jitter)
                .unwrap()
                .since(t0)
        };
        assert_eq!(wait(1, 0.999_999).as_secs(), 1); // just under 2 s
        assert_eq!(wait(1, 0.0), Duration::from_secs(1));
        assert_eq!(wait(2, 0.0), Duration::from_secs(2));
        assert_eq!(wait(3, 0.0), Duration::from_secs(4));
        assert_eq!(wait(10, 0.0), Duration::from_secs(30));
        assert_eq!(wait(40, 0.0), Duration::from_secs(30));
        assert!(wait(40, 0.999) <= Duration::from_secs(60));
    }

    #[test]
    fn gives_up_once_the_next_try_is_past_a_day() {
        let backoff = Backoff::default();
        let t0 = Timestamp::from_unix_seconds(1_000_000);
        let late = t0.plus(Duration::from_secs(86_400 - 10));
        assert!(backoff.next_attempt(20, t0, late, 0.0).is_none());
        assert!(backoff.next_attempt(1, t0, late, 0.0).is_some());
    }
}

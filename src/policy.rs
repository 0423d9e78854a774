//! The expiration policy: how long an access token lives, how long a session may sit idle,
//! how long it may live at all, and the windows around rotation and step-up.

use std::time::Duration;

use crate::session::{SessionState, SessionTimes};
use crate::time::Timestamp;

const DAY: u64 = 24 * 60 * 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Lifetime of an access token (`SIGNEDIN_ACCESS_TTL_SECS`).
    pub access_ttl: Duration,
    /// A session unused (not refreshed) for this long is over (`SIGNEDIN_IDLE_TIMEOUT_SECS`).
    pub idle_timeout: Duration,
    /// No session outlives this, however active (`SIGNEDIN_SESSION_MAX_AGE_SECS`).
    pub max_age: Duration,
    /// Concurrent refreshes with one token inside this window share one successor
    /// (`SIGNEDIN_REUSE_GRACE_SECS`); a replay after it is treated as theft.
    pub reuse_grace: Duration,
    /// Signing other devices out or changing the password needs a password entered this
    /// recently (`SIGNEDIN_REAUTH_MAX_AGE_SECS`).
    pub reauth_max_age: Duration,
    /// Audit events (and the IPs they hold) are kept this long (`SIGNEDIN_AUDIT_RETENTION_DAYS`).
    pub audit_retention: Duration,
    /// A sign-in from a place not seen within this window is a "new location".
    pub new_location_window: Duration,
    /// A refresh moves "Last active" on the live devices page only if the session was last
    /// used longer ago than this (`SIGNEDIN_LIVE_TOUCH_SECS`): at most one such update per
    /// session per window, however often it refreshes.
    pub touch_every: Duration,
    /// Live sessions one account may have (`SIGNEDIN_MAX_SESSIONS`, at least 1): a sign-in
    /// beyond it ends the least recently used.
    pub max_sessions: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            access_ttl: Duration::from_secs(900),
            idle_timeout: Duration::from_secs(14 * DAY),
            max_age: Duration::from_secs(30 * DAY),
            reuse_grace: Duration::from_secs(10),
            reauth_max_age: Duration::from_secs(900),
            audit_retention: Duration::from_secs(90 * DAY),
            new_location_window: Duration::from_secs(90 * DAY),
            touch_every: Duration::from_secs(5),
            max_sessions: 100,
        }
    }
}

impl Policy {
    /// Where a session stands at `now`. Revocation wins over expiry, expiry over activity.
    pub fn session_state(&self, times: &SessionTimes, now: Timestamp) -> SessionState {
        if times.revoked_at.is_some() {
            SessionState::Revoked
        } else if now >= times.signed_in_at.plus(self.max_age) {
            SessionState::ExpiredAbsolute
        } else if now >= times.last_used_at.plus(self.idle_timeout) {
            SessionState::ExpiredIdle
        } else {
            SessionState::Active
        }
    }

    /// A refresh token minted at `now` lives until the idle timeout, but never past the
    /// session's absolute lifetime.
    pub fn refresh_expires_at(&self, signed_in_at: Timestamp, now: Timestamp) -> Timestamp {
        now.plus(self.idle_timeout)
            .min(signed_in_at.plus(self.max_age))
    }

    /// Sessions last used before this instant are idle-expired.
    pub fn idle_cutoff(&self, now: Timestamp) -> Timestamp {
        now.minus(self.idle_timeout)
    }

    /// Sessions signed in before this instant have reached their absolute lifetime.
    pub fn absolute_cutoff(&self, now: Timestamp) -> Timestamp {
        now.minus(self.max_age)
    }

    /// Whether a session last used at `last_used_at`, used again `now`, is news to its owner's
    /// open devices pages (coalesced to one update per `touch_every`).
    pub fn touch_is_news(&self, last_used_at: Timestamp, now: Timestamp) -> bool {
        now.since(last_used_at) >= self.touch_every
    }

    pub fn reauth_is_fresh(&self, reauthenticated_at: Timestamp, now: Timestamp) -> bool {
        now < reauthenticated_at.plus(self.reauth_max_age)
    }

    /// Token rows rotated, revoked or expired before this instant can no longer matter:
    /// a replay of any of them would be refused as expired anyway.
    pub fn prune_cutoff(&self, now: Timestamp) -> Timestamp {
        now.minus(self.idle_timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn times(signed_in: i64, last_used: i64) -> SessionTimes {
        SessionTimes {
            signed_in_at: Timestamp::from_unix_seconds(signed_in),
            last_used_at: Timestamp::from_unix_seconds(last_used),
            revoked_at: None,
        }
    }

    #[test]
    fn a_session_is_active_until_its_idle_timeout() {
        let policy = Policy::default();
        let idle = policy.idle_timeout.as_secs() as i64;
        let at = |s| Timestamp::from_unix_seconds(s);
        assert_eq!(
            policy.session_state(&times(0, 0), at(idle - 1)),
            SessionState::Active
        );
        assert_eq!(
            policy.session_state(&times(0, 0), at(idle)),
            SessionState::ExpiredIdle
        );
    }

    #[test]
    fn the_absolute_lifetime_wins_over_recent_use() {
        let policy = Policy::default();
        let max = policy.max_age.as_secs() as i64;
        let state = policy.session_state(&times(0, max - 5), Timestamp::from_unix_seconds(max));
        assert_eq!(state, SessionState::ExpiredAbsolute);
    }

    #[test]
    fn revocation_is_the_most_restrictive_state() {
        let policy = Policy::default();
        let mut t = times(0, 0);
        t.revoked_at = Some(Timestamp::from_unix_seconds(1));
        let far_future = Timestamp::from_unix_seconds(i64::from(u32::MAX));
        assert_eq!(policy.session_state(&t, far_future), SessionState::Revoked);
    }

    #[test]
    fn refresh_tokens_never_outlive_the_session() {
        let policy = Policy::default();
        let signed_in = Timestamp::from_unix_seconds(0);
        let near_the_end = signed_in
            .plus(policy.max_age)
            .minus(Duration::from_secs(60));
        assert_eq!(
            policy.refresh_expires_at(signed_in, near_the_end),
            signed_in.plus(policy.max_age)
        );
        assert_eq!(
            policy.refresh_expires_at(signed_in, signed_in),
            signed_in.plus(policy.idle_timeout)
        );
    }
}

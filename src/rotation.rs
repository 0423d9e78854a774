//! The rotation decision, kept pure so every branch is tested without a database:
//! active → rotated (shared successor inside the grace window) → replay ⇒ revoke the session.

use std::time::Duration;

use crate::error::TokenRejection;
use crate::session::SessionState;
use crate::time::Timestamp;

/// The presented refresh token as the store found it, inside the rotation transaction.
#[derive(Debug, Clone)]
pub struct PresentedToken {
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub revoked_reason: Option<String>,
    /// `jti_hash` of the token that replaced it, if it was rotated.
    pub replaced_by: Option<String>,
}

pub const ROTATED: &str = "rotated";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RotationDecision {
    /// Revoke the presented token and mint its successor.
    Rotate,
    /// A concurrent refresh already rotated this token moments ago: hand out the same
    /// successor again instead of a second live token.
    ShareSuccessor,
    /// The session has passed its idle timeout or absolute lifetime: end it, audited.
    Expire,
    /// A rotated token came back after the grace window: someone holds a copy. Revoke the
    /// whole session and audit it.
    RevokeForReuse,
    /// Refuse without changing anything.
    Refuse(TokenRejection),
}

/// The first check of a refresh, made once the session row is locked: only an active
/// session may rotate. `None` means go on to rotate the token.
pub fn decide_for_session(session: SessionState) -> Option<RotationDecision> {
    match session {
        SessionState::Active => None,
        SessionState::Revoked => Some(RotationDecision::Refuse(TokenRejection::Revoked)),
        SessionState::ExpiredIdle | SessionState::ExpiredAbsolute => Some(RotationDecision::Expire),
    }
}

/// The presented token of an active session could not be rotated: it was no longer live.
/// `successor_live` says whether the token that replaced it is still the session's live
/// token; `expected_successor` is the hash the server derives from the presented raw token.
pub fn decide_for_spent_token(
    token: &PresentedToken,
    successor_live: bool,
    expected_successor: &str,
    grace: Duration,
    now: Timestamp,
) -> RotationDecision {
    let Some(revoked_at) = token.revoked_at else {
        // Live but not rotatable: it is past its own expiry.
        return if token.expires_at <= now {
            RotationDecision::Expire
        } else {
            RotationDecision::Rotate
        };
    };
    if token.revoked_reason.as_deref() != Some(ROTATED) {
        return RotationDecision::Refuse(TokenRejection::Revoked);
    }
    if now >= revoked_at.plus(grace) {
        return RotationDecision::RevokeForReuse;
    }
    if successor_live && token.replaced_by.as_deref() == Some(expected_successor) {
        RotationDecision::ShareSuccessor
    } else {
        // The chain has already moved past the successor (two quick refreshes in a row);
        // this late twin is refused, but it is not evidence of theft.
        RotationDecision::Refuse(TokenRejection::Revoked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRACE: Duration = Duration::from_secs(10);

    fn at(s: i64) -> Timestamp {
        Timestamp::from_unix_seconds(s)
    }

    fn live() -> PresentedToken {
        PresentedToken {
            expires_at: at(1_000),
            revoked_at: None,
            revoked_reason: None,
            replaced_by: None,
        }
    }

    fn rotated_at(s: i64) -> PresentedToken {
        PresentedToken {
            revoked_at: Some(at(s)),
            revoked_reason: Some(ROTATED.into()),
            replaced_by: Some("succ".into()),
            ..live()
        }
    }

    #[test]
    fn only_an_active_session_goes_on_to_rotate() {
        assert_eq!(decide_for_session(SessionState::Active), None);
        assert_eq!(
            decide_for_session(SessionState::Revoked),
            Some(RotationDecision::Refuse(TokenRejection::Revoked))
        );
        assert_eq!(
            decide_for_session(SessionState::ExpiredIdle),
            Some(RotationDecision::Expire)
        );
        assert_eq!(
            decide_for_session(SessionState::ExpiredAbsolute),
            Some(RotationDecision::Expire)
        );
    }

    #[test]
    fn a_twin_inside_the_grace_window_shares_the_successor() {
        let decision = decide_for_spent_token(&rotated_at(100), true, "succ", GRACE, at(109));
        assert_eq!(decision, RotationDecision::ShareSuccessor);
    }

    #[test]
    fn a_replay_after_the_grace_window_revokes_the_session() {
        let decision = decide_for_spent_token(&rotated_at(100), true, "succ", GRACE, at(110));
        assert_eq!(decision, RotationDecision::RevokeForReuse);
    }

    #[test]
    fn a_twin_whose_successor_moved_on_is_refused_without_revoking() {
        let decision = decide_for_spent_token(&rotated_at(100), false, "succ", GRACE, at(105));
        assert_eq!(decision, RotationDecision::Refuse(TokenRejection::Revoked));
    }

    #[test]
    fn a_successor_that_does_not_match_the_derivation_is_not_shared() {
        let decision = decide_for_spent_token(&rotated_at(100), true, "other", GRACE, at(105));
        assert_eq!(decision, RotationDecision::Refuse(TokenRejection::Revoked));
    }

    #[test]
    fn a_live_token_past_its_expiry_ends_the_session() {
        let decision = decide_for_spent_token(&live(), false, "succ", GRACE, at(1_000));
        assert_eq!(decision, RotationDecision::Expire);
    }

    #[test]
    fn a_token_signed_out_is_refused_as_revoked() {
        let token = PresentedToken {
            revoked_at: Some(at(5)),
            revoked_reason: Some("signed_out".into()),
            ..live()
        };
        let decision = decide_for_spent_token(&token, false, "succ", GRACE, at(6));
        assert_eq!(decision, RotationDecision::Refuse(TokenRejection::Revoked));
    }
}

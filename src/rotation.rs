//! Refresh-token rotation's decisions, kept pure so every branch is tested without a
//! database: active → rotated (shared successor inside the grace window, to the same device
//! only) → replay ⇒ revoke the session. The flow that carries them out in one transaction is
//! `service::refresh`.

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

/// The successor the server derives from the presented raw token, as the store found it.
#[derive(Debug, Clone, Copy)]
pub struct Successor<'a> {
    /// Its `jti_hash`.
    pub jti_hash: &'a str,
    /// The user agent stamped on it when it was minted, if it is still the session's live
    /// token; `None` once it was itself rotated or revoked (the chain has moved on).
    pub live_user_agent: Option<&'a str>,
}

pub const ROTATED: &str = "rotated";

/// Why a session is revoked for reuse; recorded in the audit event's detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReuseCause {
    /// A rotated token came back after the grace window.
    ReplayedAfterGrace,
    /// A rotated token came back inside the grace window from another user agent than the
    /// one its successor was handed to: two devices hold the same token.
    OtherDeviceInGrace,
}

impl ReuseCause {
    pub fn as_str(self) -> &'static str {
        match self {
            ReuseCause::ReplayedAfterGrace => "replayed_after_grace",
            ReuseCause::OtherDeviceInGrace => "other_device_in_grace",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RotationDecision {
    /// Revoke the presented token and mint its successor.
    Rotate,
    /// A concurrent refresh from the same user agent already rotated this token moments ago:
    /// hand out the same successor again instead of a second live token. Audited, with the
    /// presenting device's IP and user agent.
    ShareSuccessor,
    /// The session has passed its idle timeout or absolute lifetime: end it, audited.
    Expire,
    /// Someone else holds a copy of a rotated token. Revoke the whole session and audit it.
    RevokeForReuse(ReuseCause),
    /// A twin inside the grace window whose successor can no longer be handed out (the chain
    /// has moved on): refused as superseded, audited, the session left alone.
    RefuseSuperseded,
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
/// `presented_by` is the user agent of the request presenting it.
///
/// Inside the grace window the successor is shared only with the user agent it was minted
/// for: concurrent twins come from one client (several tabs, a retry), so the same browser
/// sends them all, while a copy used from another device — whether it came second (the
/// thief's twin) or first (the owner's late twin after the thief rotated) — means two
/// devices hold one token. Comparing with the successor rather than with the presented
/// token catches both orders, and a browser that updated itself between two rotations is
/// not punished. The IP is deliberately not compared: it changes on every network switch.
pub fn decide_for_spent_token(
    token: &PresentedToken,
    successor: Successor<'_>,
    presented_by: &str,
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
        return RotationDecision::RevokeForReuse(ReuseCause::ReplayedAfterGrace);
    }
    let derived = token.replaced_by.as_deref() == Some(successor.jti_hash);
    match successor.live_user_agent {
        Some(agent) if derived && agent == presented_by => RotationDecision::ShareSuccessor,
        Some(_) if derived => RotationDecision::RevokeForReuse(ReuseCause::OtherDeviceInGrace),
        // The chain has already moved past the successor (two quick refreshes in a row), or
        // the successor is not the one derived from this token: this late twin is refused,
        // but it is not by itself evidence of theft.
        _ => RotationDecision::RefuseSuperseded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRACE: Duration = Duration::from_secs(10);
    const MAC: &str = "Mac Chrome";
    const PHONE: &str = "iPhone Safari";

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

    /// The derived successor, still live, minted for `agent`.
    fn live_successor(agent: &str) -> Successor<'_> {
        Successor {
            jti_hash: "succ",
            live_user_agent: Some(agent),
        }
    }

    const MOVED_ON: Successor<'static> = Successor {
        jti_hash: "succ",
        live_user_agent: None,
    };

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
        let decision =
            decide_for_spent_token(&rotated_at(100), live_successor(MAC), MAC, GRACE, at(109));
        assert_eq!(decision, RotationDecision::ShareSuccessor);
    }

    #[test]
    fn a_twin_from_another_user_agent_inside_the_grace_window_is_reuse() {
        let decision =
            decide_for_spent_token(&rotated_at(100), live_successor(MAC), PHONE, GRACE, at(101));
        assert_eq!(
            decision,
            RotationDecision::RevokeForReuse(ReuseCause::OtherDeviceInGrace)
        );
    }

    #[test]
    fn a_replay_after_the_grace_window_revokes_the_session() {
        let decision =
            decide_for_spent_token(&rotated_at(100), live_successor(MAC), MAC, GRACE, at(110));
        assert_eq!(
            decision,
            RotationDecision::RevokeForReuse(ReuseCause::ReplayedAfterGrace)
        );
    }

    #[test]
    fn a_twin_whose_successor_moved_on_is_refused_without_revoking() {
        let decision = decide_for_spent_token(&rotated_at(100), MOVED_ON, MAC, GRACE, at(105));
        assert_eq!(decision, RotationDecision::RefuseSuperseded);
        let decision = decide_for_spent_token(&rotated_at(100), MOVED_ON, PHONE, GRACE, at(105));
        assert_eq!(decision, RotationDecision::RefuseSuperseded);
    }

    #[test]
    fn a_successor_that_does_not_match_the_derivation_is_not_shared() {
        let other = Successor {
            jti_hash: "other",
            live_user_agent: Some(MAC),
        };
        let decision = decide_for_spent_token(&rotated_at(100), other, MAC, GRACE, at(105));
        assert_eq!(decision, RotationDecision::RefuseSuperseded);
    }

    #[test]
    fn a_live_token_past_its_expiry_ends_the_session() {
        let decision = decide_for_spent_token(&live(), MOVED_ON, MAC, GRACE, at(1_000));
        assert_eq!(decision, RotationDecision::Expire);
    }

    #[test]
    fn a_token_signed_out_is_refused_as_revoked() {
        let token = PresentedToken {
            revoked_at: Some(at(5)),
            revoked_reason: Some("signed_out".into()),
            ..live()
        };
        let decision = decide_for_spent_token(&token, MOVED_ON, MAC, GRACE, at(6));
        assert_eq!(decision, RotationDecision::Refuse(TokenRejection::Revoked));
    }
}

//! What a committed change means to an open devices page: the event a stream is told, and
//! which sessions an audited change ended (so a stream knows at once that its own did).

use crate::audit::{Actor, AuditDetail, AuditKind, AuditRecord};
use crate::device::{ClientHints, DeviceLabeler};
use crate::time::Timestamp;

/// What one live stream is told, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveEvent {
    /// An audited change of the user's (its audit event's id orders it).
    Change {
        id: i64,
        kind: AuditKind,
        at: Timestamp,
    },
    /// A session of the user was used ("Last active" moved), coalesced at the source.
    Touch { at: Timestamp },
    /// Events were missed, or cannot be replayed: reload everything.
    Resync,
    /// The stream's own session ended; nothing follows. `device` labels the device that
    /// ended it, when a person did so from one; `by_this_session` when that was this very
    /// session signing itself out (its tab is leaving already: no "you were signed out").
    SignedOut {
        device: Option<String>,
        at: Timestamp,
        by_this_session: bool,
    },
}

/// Which of the user's sessions a change ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    None,
    One(String),
    AllBut(String),
    All,
}

impl Ended {
    /// What `record` ended: read from its kind and the sessions it names.
    pub fn by(record: &AuditRecord) -> Self {
        let event = &record.event;
        let target = || {
            event
                .target_session_id
                .clone()
                .map_or(Ended::None, Ended::One)
        };
        let all_but_acting = || event.session_id.clone().map_or(Ended::All, Ended::AllBut);
        match &event.detail {
            AuditDetail::SignOut
            | AuditDetail::SessionRevoked { .. }
            | AuditDetail::SessionReported { .. }
            | AuditDetail::SessionEvicted { .. }
            | AuditDetail::ReuseDetected { .. }
            | AuditDetail::SessionExpired => target(),
            AuditDetail::OtherSessionsRevoked { .. } => all_but_acting(),
            AuditDetail::AllSessionsRevoked { .. } => Ended::All,
            AuditDetail::PasswordChanged {
                other_sessions_signed_out,
            } if *other_sessions_signed_out > 0 => all_but_acting(),
            _ => Ended::None,
        }
    }

    pub fn includes(&self, session_id: &str) -> bool {
        match self {
            Ended::None => false,
            Ended::One(ended) => ended == session_id,
            Ended::AllBut(kept) => kept != session_id,
            Ended::All => true,
        }
    }
}

/// One committed change, read once per node and fanned out to that user's streams.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    pub id: i64,
    pub kind: AuditKind,
    pub at: Timestamp,
    pub ended: Ended,
    /// The label of the device a person made the change from, if one did.
    pub by_device: Option<String>,
    /// The session that made the change, if one did.
    pub by_session: Option<String>,
}

impl Change {
    pub(crate) fn read(record: &AuditRecord, labeler: &DeviceLabeler) -> Self {
        let event = &record.event;
        let by_device = match (event.actor, &event.user_agent) {
            (Actor::User, Some(agent)) => Some(labeler.label(agent, &ClientHints::default()).label),
            _ => None,
        };
        Self {
            id: record.id,
            kind: event.kind(),
            at: event.occurred_at,
            ended: Ended::by(record),
            by_device,
            by_session: event.session_id.clone(),
        }
    }

    /// What a stream on session `session_id` is told of this change.
    pub(crate) fn for_session(&self, session_id: &str) -> LiveEvent {
        if self.ended.includes(session_id) {
            LiveEvent::SignedOut {
                device: self.by_device.clone(),
                at: self.at,
                by_this_session: self.by_session.as_deref() == Some(session_id),
            }
        } else {
            LiveEvent::Change {
                id: self.id,
                kind: self.kind,
                at: self.at,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_change_ended_is_read_from_the_sessions_it_names() {
        assert!(Ended::One("a".into()).includes("a"));
        assert!(!Ended::One("a".into()).includes("b"));
        assert!(Ended::AllBut("a".into()).includes("b"));
        assert!(!Ended::AllBut("a".into()).includes("a"));
        assert!(Ended::All.includes("a"));
        assert!(!Ended::None.includes("a"));
    }
}

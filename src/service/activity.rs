//! The security log as its owner reads it: audit events with devices and places resolved.

use super::Principal;
use super::SessionService;
use crate::audit::{AuditDetail, AuditRecord};
use crate::device::ClientHints;
use crate::error::DomainResult;
use crate::security_event::{EventPage, SecurityEvent};

impl SessionService {
    /// The caller's security activity, newest first; `before` is the `next_before` of the
    /// previous page.
    pub async fn security_events(
        &self,
        who: &Principal,
        limit: u32,
        before: Option<i64>,
    ) -> DomainResult<(Vec<SecurityEvent>, Option<i64>)> {
        // The bound every caller's page size is held to (the API refuses beyond it, see
        // `EventPage::size`); here it only guards callers that skip that check.
        let limit = limit.clamp(1, EventPage::MAX);
        let records = self
            .0
            .store
            .security_events(&who.user_id, before.unwrap_or(i64::MAX), i64::from(limit))
            .await?;
        let next_before = (records.len() == limit as usize)
            .then(|| records.last().map(|r| r.id))
            .flatten();
        let events = records
            .into_iter()
            .map(|record| self.security_event(record, &who.session_id))
            .collect();
        Ok((events, next_before))
    }

    fn security_event(&self, record: AuditRecord, current_session: &str) -> SecurityEvent {
        let event = record.event;
        let no_hints = ClientHints::default();
        let label = |ua: &str| self.0.labeler.label(ua, &no_hints);
        let (mut target_device, mut count, mut new_location) = (None, None, false);
        let (mut name, mut previous_name) = (None, None);
        match &event.detail {
            AuditDetail::SessionRevoked {
                target_user_agent, ..
            }
            | AuditDetail::SessionReported {
                target_user_agent, ..
            } => target_device = Some(label(target_user_agent)),
            AuditDetail::SessionEvicted {
                target_user_agent,
                limit,
                ..
            } => {
                target_device = Some(label(target_user_agent));
                count = Some(u64::from(*limit));
            }
            AuditDetail::OtherSessionsRevoked { count: n }
            | AuditDetail::AllSessionsRevoked { count: n } => count = Some(*n),
            AuditDetail::SignIn {
                new_location: new, ..
            } => new_location = *new,
            AuditDetail::SessionRenamed {
                target_user_agent,
                name: given,
                previous_name: replaced,
            } => {
                target_device = Some(label(target_user_agent));
                name.clone_from(given);
                previous_name.clone_from(replaced);
            }
            _ => {}
        }
        SecurityEvent {
            id: record.id,
            kind: event.kind(),
            actor: event.actor,
            occurred_at: event.occurred_at,
            device: event.user_agent.as_deref().map(label),
            location: event.ip.as_deref().and_then(|ip| self.0.geo.lookup_str(ip)),
            ip: event.ip,
            target_device,
            target_prefix: event.target_prefix,
            count,
            new_location,
            by_this_session: event.session_id.as_deref() == Some(current_session),
            name,
            previous_name,
        }
    }
}

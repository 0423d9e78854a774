//! The live devices page's hub, started from the service's own store and device labels.

use super::SessionService;
use crate::live::{Hub, LiveLimits};

impl SessionService {
    /// Starts this node's live hub (once per server): streams of each user's changes.
    pub fn start_live(&self, limits: LiveLimits) -> Hub {
        Hub::start(self.0.store.clone(), self.0.labeler.clone(), limits)
    }
}

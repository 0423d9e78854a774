//! signedin — sessions you can see and end.
//!
//! The server-only domain library: accounts, sessions on devices, rotating refresh tokens,
//! the expiration policy, revocation and the audit trail, over SQLite or PostgreSQL. No HTTP
//! and no UI here: the `server` crate (JSON API) and the `app` crate (Leptos server
//! functions) both translate to and from [`SessionService`], so every rule has one home.

pub mod account;
pub mod audit;
pub mod client_ip;
pub mod clock;
pub mod device;
pub mod error;
pub mod geo;
pub mod normalize;
pub mod policy;
pub mod rate_limit;
pub mod redirect;
pub mod request_context;
pub mod rotation;
pub mod security_event;
pub mod service;
pub mod session;
pub mod store;
pub mod time;
pub mod token;

pub use audit::{Actor, AuditKind, RevokedTarget};
pub use client_ip::TrustedProxies;
pub use clock::{Clock, FixedClock, SystemClock};
pub use device::{ClientHints, DeviceKind, DeviceLabel, DeviceLabeler};
pub use error::{DomainError, DomainResult, TokenRejection};
pub use geo::{Geo, Location, Place};
pub use policy::Policy;
pub use rate_limit::{RateLimiter, RateLimits};
pub use security_event::EventPage;
pub use service::{
    BulkScope, IssuedTokens, Principal, SecurityEvent, ServiceParts, SessionService, SignedIn,
};
pub use session::{DeviceContext, SessionInfo};
pub use store::{Store, StoreOptions};
pub use time::Timestamp;

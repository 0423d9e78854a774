//! signedin — sessions you can see and end.
//!
//! The server-only domain library: accounts, sessions on devices, rotating refresh tokens,
//! the expiration policy, revocation and the audit trail, over SQLite or PostgreSQL. No HTTP
//! and no UI here: the `server` crate (JSON API) and the `app` crate (Leptos server
//! functions) both translate to and from [`SessionService`], so every rule has one home.
//!
//! The public surface is what the other crates (and the tests and benches) use: the
//! re-exports below, and the modules they reach into by path. Everything else is private, so
//! the compiler reports what nothing uses.

pub mod account;
pub mod alerts;
pub mod audit;
pub mod client_ip;
mod clock;
mod device;
mod error;
mod geo;
pub mod i18n;
pub mod live;
pub mod metrics;
mod normalize;
mod policy;
mod rate_limit;
pub mod redirect;
pub mod request_context;
pub mod rotation;
mod security_event;
pub mod service;
mod session;
pub mod session_cookies;
pub mod session_name;
pub mod signing_keys;
pub mod store;
mod time;
pub mod token;

pub use audit::{Actor, AuditKind, RevokedTarget};
pub use client_ip::TrustedProxies;
pub use clock::{Clock, FixedClock, SystemClock};
pub use device::{ClientHints, DeviceKind, DeviceLabel, DeviceLabeler};
pub use error::{DomainError, DomainResult, TokenRejection};
pub use geo::{Geo, Location, Place};
pub use live::{Hub, LiveEvent, LiveLimits, LiveStream};
pub use policy::Policy;
pub use rate_limit::{RateLimiter, RateLimits};
pub use security_event::EventPage;
pub use service::{
    BulkScope, CookieAuth, IssuedTokens, Principal, SecurityEvent, ServiceParts, SessionService,
    SignedIn,
};
pub use session::{
    DeviceContext, DeviceDescription, EndReason, ListCursor, PageSize, SessionInfo, SessionPage,
    SessionRef,
};
pub use session_name::SessionName;
pub use store::{Store, StoreOptions};
pub use time::Timestamp;

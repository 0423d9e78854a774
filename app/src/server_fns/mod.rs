//! Server functions: the page's front door to the session service (the JSON API has its
//! own, in `server::http`). Each body is: get the context, authenticate, one domain call, map
//! to a View.

pub mod account;
pub mod alerts;
#[cfg(feature = "ssr")]
pub mod context;
pub mod devices;
pub mod password;

pub use account::*;
pub use devices::*;
pub use password::*;

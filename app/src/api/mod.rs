//! Server functions: the page's calls into the session service. Each body is: get the
//! context, authenticate, one domain call, map to a View.

pub mod account;
#[cfg(feature = "ssr")]
pub mod context;
pub mod devices;

pub use account::*;
pub use devices::*;

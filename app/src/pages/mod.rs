//! One route component per file.

mod alert_link;
mod devices;
mod home;
mod not_found;
mod password;
mod sign_in;
mod sign_up;

pub use alert_link::{NotMePage, WasMePage};
pub use devices::DevicesPage;
pub use home::HomePage;
pub use not_found::NotFound;
pub use password::PasswordPage;
pub use sign_in::SignInPage;
pub use sign_up::SignUpPage;

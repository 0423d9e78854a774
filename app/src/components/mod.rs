//! Building blocks of the pages.

pub mod activity_list;
pub mod bulk_sign_out;
pub mod device_icon;
pub mod email_field;
pub mod error_view;
pub mod island;
pub mod keep_fresh;
pub mod live_updates;
pub mod new_sign_in;
pub mod password_strength;
pub mod relative_time;
pub mod rename_refused;
pub mod session_list;
pub mod session_row;
pub mod site;

//! Building blocks of the pages.

pub mod device_icon;
pub mod error_view;
pub mod island;
pub mod relative_time;
pub mod session_row;
pub mod site;

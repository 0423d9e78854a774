//! A small line icon for each kind of device.

use leptos::prelude::*;

#[component]
pub fn DeviceIcon(#[prop(into)] kind: String) -> impl IntoView {
    let path = match kind.as_str() {
        "phone" => "M8 2h8a2 2 0 0 1 2 2v16a2 2 0 0 1-2 2H8a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2zm3 17h2",
        "tablet" => {
            "M6 2h12a2 2 0 0 1 2 2v16a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2zm5 17h2"
        }
        "desktop" => {
            "M3 4h18a1 1 0 0 1 1 1v11a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1zm6 17h6m-3-4v4"
        }
        "cli" => {
            "M3 4h18a1 1 0 0 1 1 1v14a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1zm3 5 3 3-3 3m5 0h5"
        }
        "bot" => {
            "M7 8h10a3 3 0 0 1 3 3v6a3 3 0 0 1-3 3H7a3 3 0 0 1-3-3v-6a3 3 0 0 1 3-3zm5-4v4M9 14h.01M15 14h.01"
        }
        _ => {
            "M12 22a10 10 0 1 1 0-20 10 10 0 0 1 0 20zm-2.5-13a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .8-1 1.4V14m0 3h.01"
        }
    };
    view! {
        <svg class="device-icon" data-kind=kind viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" focusable="false">
            <path d=path fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round" />
        </svg>
    }
}

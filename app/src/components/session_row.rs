//! One device in "Where you're signed in": what it is, where, when, and a way to end it.

use leptos::prelude::*;

use crate::components::device_icon::DeviceIcon;
use crate::components::relative_time::RelativeTime;
use crate::dto::DeviceRow;
use crate::server_fns::SignOutSession;

#[component]
pub fn SessionRow(
    session: DeviceRow,
    now: Signal<i64>,
    /// Being signed out (or signed out): the row steps aside at once.
    gone: Signal<bool>,
    sign_out: ServerMultiAction<SignOutSession>,
) -> impl IntoView {
    let label = session.label.clone();
    let signed_in_from = match &session.place {
        Some(_) if session.local_network => "Signed in on a local network".to_owned(),
        Some(place) => format!("Signed in from {place}"),
        None => format!("Signed in from {}", session.ip),
    };
    // The IP is its own item only when the line above names a place instead.
    let ip = session.place.is_some().then(|| session.ip.clone());
    let button_label = if session.is_current {
        format!("Sign out {label} (this device)")
    } else {
        format!("Sign out {label}")
    };

    let prefix = session.jti_prefix.clone();
    view! {
        <li class="session" class:current=session.is_current data-prefix=prefix hidden=move || gone.get()>
            <DeviceIcon kind=session.kind.clone() />
            <div class="session-body">
                <p class="session-title">
                    <span class="device-label">{label.clone()}</span>
                    {session.is_current.then(|| view! { <span class="badge current">"This device"</span> })}
                    {session.new_location.then(|| view! { <span class="badge warn">"New location"</span> })}
                </p>
                <p class="session-meta">
                    <span>{signed_in_from}</span>
                    <span>"Last active " <RelativeTime at=session.last_used_at.clone() now /></span>
                    <span>"Signed in " <RelativeTime at=session.signed_in_at.clone() now /></span>
                    {ip.map(|ip| view! { <span class="ip">"IP " {ip}</span> })}
                </p>
                <p class="session-agent" title="User agent">{session.user_agent.clone()}</p>
            </div>
            <MultiActionForm action=sign_out attr:class="session-action">
                <input type="hidden" name="jti_prefix" value=session.jti_prefix.clone() />
                <button type="submit" class="secondary" aria-label=button_label>
                    "Sign out"
                </button>
            </MultiActionForm>
        </li>
    }
}

//! One device in "Where you're signed in": what it is (or what its owner named it), where,
//! when, a way to rename it and a way to end it.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::components::device_icon::DeviceIcon;
use crate::components::relative_time::RelativeTime;
use crate::dto::DeviceRow;
use crate::server_fns::{RenameSession, SignOutSession};

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
    // A name its owner gave it comes first; the label it would have had stays beneath.
    let title = session.name.clone().unwrap_or_else(|| label.clone());
    let second_line = session
        .name
        .is_some()
        .then(|| view! { <p class="session-device">{label.clone()}</p> });

    let prefix = session.jti_prefix.clone();
    view! {
        <li id=format!("device-{}", session.id) class="session" class:current=session.is_current data-prefix=prefix hidden=move || gone.get()>
            <DeviceIcon kind=session.kind.clone() />
            <div class="session-body">
                <p class="session-title">
                    <span class="device-label">{title}</span>
                    {session.is_current.then(|| view! { <span class="badge current">"This device"</span> })}
                    {session.new_location.then(|| view! { <span class="badge warn">"New location"</span> })}
                </p>
                {second_line}
                <p class="session-meta">
                    <span>{signed_in_from}</span>
                    <span>"Last active " <RelativeTime at=session.last_used_at.clone() now /></span>
                    <span>"Signed in " <RelativeTime at=session.signed_in_at.clone() now /></span>
                    {ip.map(|ip| view! { <span class="ip">"IP " {ip}</span> })}
                </p>
                <p class="session-agent" title="User agent">{session.user_agent.clone()}</p>
                <RenameForm id=session.id.clone() label current=session.name.clone() />
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

/// "Rename": a disclosure with the name field, posted as a plain HTML form with or without
/// JavaScript. The server function sends the browser back to the page, which shows the new
/// name (or, from `RenameRefused`, why it was refused). Deliberately no `ActionForm`: that
/// form with its action and an in-place update measured 13.7 KB gzipped of WASM (a reactive
/// name alone 3.6 KB), more than the bundle's budget had left. The form's inside is static,
/// so it is one escaped string (`crate::html`) rather than seven elements to hydrate.
#[component]
fn RenameForm(
    /// The session's stable id.
    id: String,
    /// "Chrome on macOS": names the row to assistive technology.
    label: String,
    current: Option<String>,
) -> impl IntoView {
    use crate::html::escape;
    let form = format!(
        r#"<summary aria-label="Rename {label}">Rename</summary><form method="post" action="{action}" class="rename-form"><input type="hidden" name="id" value="{id}"><label class="field">Device name<input name="name" type="text" maxlength="64" value="{current}"></label><button type="submit" class="secondary">Save</button></form>"#,
        label = escape(&label),
        action = escape(RenameSession::PATH),
        id = escape(&id),
        current = escape(current.as_deref().unwrap_or_default()),
    );
    view! { <details class="rename" inner_html=form></details> }
}

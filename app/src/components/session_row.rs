//! One device in "Where you're signed in": what it is (or what its owner named it), where,
//! when, a way to rename it and a way to end it.

use leptos::prelude::*;

use crate::components::device_icon::DeviceIcon;
use crate::components::error_view::ErrorMessage;
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

    // A rename shows in this row as soon as the server has it, without reloading the list.
    let rename = ServerAction::<RenameSession>::new();
    let saved = session.name.clone();
    let name = Signal::derive(move || match rename.value().get() {
        Some(Ok(name)) => name,
        _ => saved.clone(),
    });
    let shown = {
        let label = label.clone();
        move || name.get().unwrap_or_else(|| label.clone())
    };
    let second_line = {
        let label = label.clone();
        move || {
            name.get()
                .is_some()
                .then(|| view! { <p class="session-device">{label.clone()}</p> })
        }
    };

    let prefix = session.jti_prefix.clone();
    view! {
        <li class="session" class:current=session.is_current data-prefix=prefix hidden=move || gone.get()>
            <DeviceIcon kind=session.kind.clone() />
            <div class="session-body">
                <p class="session-title">
                    <span class="device-label">{shown}</span>
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
                <RenameForm id=session.id.clone() label=label.clone() current=session.name.clone() rename />
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

/// "Rename": a disclosure with the name field. A plain form post without JavaScript (the
/// server sends the browser back to the page); with it, saved in place, and the disclosure
/// closes once the name is saved.
#[component]
fn RenameForm(
    /// The session's stable id.
    id: String,
    /// "Chrome on macOS": names the row to assistive technology.
    label: String,
    current: Option<String>,
    rename: ServerAction<RenameSession>,
) -> impl IntoView {
    // Only a submission from this row counts: an error carried back in the URL after a post
    // without JavaScript is read on the server alone, and showing it here would make the
    // server's HTML differ from the browser's.
    let error = move || {
        let submitted = rename.version().get() > 0;
        rename.value().with(|outcome| match outcome {
            Some(Err(error)) if submitted => Some(error.to_string()),
            _ => None,
        })
    };
    let disclosure = NodeRef::<leptos::html::Details>::new();
    Effect::new(move |_| {
        if matches!(rename.value().get(), Some(Ok(_)))
            && let Some(details) = disclosure.get()
        {
            details.set_open(false);
        }
    });
    let field = format!("name-{id}");
    view! {
        <details class="rename" node_ref=disclosure open=move || error().is_some()>
            <summary aria-label=format!("Rename {label}")>"Rename"</summary>
            <ActionForm action=rename attr:class="rename-form">
                <input type="hidden" name="id" value=id />
                <div class="field">
                    <label for=field.clone()>"Device name"</label>
                    <input
                        id=field
                        name="name"
                        type="text"
                        maxlength="64"
                        autocomplete="off"
                        placeholder="Work laptop"
                        value=current.unwrap_or_default()
                    />
                </div>
                <button type="submit" class="secondary" disabled=move || rename.pending().get()>
                    "Save"
                </button>
                {move || error().map(|message| view! { <ErrorMessage message /> })}
            </ActionForm>
        </details>
    }
}

//! One device in "Where you're signed in": what it is (or what its owner named it), where,
//! when, a way to rename it and a way to end it.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::components::device_icon::DeviceIcon;
use crate::components::relative_time::RelativeTime;
use crate::dto::DeviceRow;
use crate::i18n::{W, Words};
use crate::server_fns::{RenameSession, SignOutSession};

/// The polite live region `DevicesList` renders empty, where a sign-out is announced.
pub const STATUS_ID: &str = "device-status";

#[component]
pub fn SessionRow(
    session: DeviceRow,
    now: Signal<i64>,
    /// Being signed out (or signed out): the row steps aside at once.
    gone: Signal<bool>,
    sign_out: ServerMultiAction<SignOutSession>,
    words: Words,
) -> impl IntoView {
    let label = session.label.clone();
    // The IP is its own item only when the line above names a place instead.
    let ip = session.place.is_some().then(|| session.ip.clone());
    // A name its owner gave it comes first; the label it would have had stays beneath.
    let title = session.name.clone().unwrap_or_else(|| label.clone());
    let button_label = if session.is_current {
        words.fill(W::DeviceSignOutThis, "{device}", &title)
    } else {
        words.fill(W::DeviceSignOutNamed, "{device}", &title)
    };
    let second_line = session
        .name
        .is_some()
        .then(|| view! { <p class="session-device">{label.clone()}</p> });
    let row_id = format!("device-{}", session.id);
    let said = words.fill(W::DeviceSignedOut, "{device}", &title);
    let stepped_aside = {
        let row_id = row_id.clone();
        move |_| step_aside(&row_id, &said)
    };

    let prefix = session.jti_prefix.clone();
    view! {
        <li id=row_id class="session" class:current=session.is_current data-prefix=prefix hidden=move || gone.get()>
            <DeviceIcon kind=session.kind.clone() />
            <div class="session-body">
                <p class="session-title">
                    <span class="device-label">{title.clone()}</span>
                    {session.is_current.then(|| view! { <span class="badge current">{words.text(W::DeviceThis)}</span> })}
                    {session.new_location.then(|| view! { <span class="badge warn">{words.text(W::DeviceNewLocation)}</span> })}
                </p>
                {second_line}
                <p class="session-meta">
                    <span>{session.from.clone()}</span>
                    <span>{words.text(W::DeviceLastActive)} " " <RelativeTime at=session.last_used_at.clone() now /></span>
                    <span>{words.text(W::DeviceSignedIn)} " " <RelativeTime at=session.signed_in_at.clone() now /></span>
                    {ip.map(|ip| view! { <span class="ip">{words.text(W::DeviceIp)} " " {ip}</span> })}
                </p>
                <p class="session-agent" title=words.text(W::DeviceUserAgent)>{session.user_agent.clone()}</p>
                <RenameForm id=session.id.clone() label=title current=session.name.clone() words=words.clone() />
            </div>
            <MultiActionForm action=sign_out attr:class="session-action">
                <input type="hidden" name="jti_prefix" value=session.jti_prefix.clone() />
                <button type="submit" class="secondary" aria-label=button_label on:click=stepped_aside>
                    {words.text(W::DeviceSignOut)}
                </button>
            </MultiActionForm>
        </li>
    }
}

/// Browser only: the row `row_id` is being signed out and is about to step aside. Says so in
/// the live region, and moves focus to the row before it, whose "Sign out" stays where it is
/// when the list reloads (rows are matched by position; the ones above keep theirs). There
/// always is one: this device is listed first, and signing it out leaves the page. Else the
/// heading, so focus never falls to the top of the document with the hidden button.
fn step_aside(row_id: &str, said: &str) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::prelude::document;
        use web_sys::wasm_bindgen::JsCast;

        let document = document();
        if let Some(status) = document.get_element_by_id(STATUS_ID) {
            status.set_text_content(Some(said));
        }
        let target = document
            .get_element_by_id(row_id)
            .and_then(|row| row.previous_element_sibling())
            .and_then(|row| row.query_selector(".session-action button").ok()?)
            .or_else(|| document.get_element_by_id("devices-heading"));
        if let Some(target) = target.and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) {
            _ = target.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (row_id, said);
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
    /// "Chrome on macOS" (or its name): names the row to assistive technology.
    label: String,
    current: Option<String>,
    words: Words,
) -> impl IntoView {
    use crate::html::escape;
    let form = format!(
        r#"<summary aria-label="{rename_named}">{rename}</summary><form method="post" action="{action}" class="rename-form"><input type="hidden" name="id" value="{id}"><label class="field">{name}<input name="name" type="text" maxlength="64" value="{current}"></label><button type="submit" class="secondary">{save}</button></form>"#,
        rename_named = escape(&words.fill(W::DeviceRenameNamed, "{device}", &label)),
        rename = escape(words.get(W::DeviceRename)),
        name = escape(words.get(W::DeviceName)),
        save = escape(words.get(W::DeviceSave)),
        action = escape(RenameSession::PATH),
        id = escape(&id),
        current = escape(current.as_deref().unwrap_or_default()),
    );
    view! { <details class="rename" inner_html=form></details> }
}

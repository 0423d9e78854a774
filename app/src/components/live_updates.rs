//! The devices page kept live by the server: one `EventSource` on `/me/sessions/events` per
//! page. A change reloads the list ("last active" moves at most every 2 s); this tab's own
//! session ending says so and goes to the sign-in page. While the stream is down the page
//! falls back to `keep_fresh`'s polling, and reconnects with backoff.

use std::time::Duration;

use leptos::prelude::*;

use crate::format::exact;

/// The stream, same origin: `EventSource` sends the page's cookies.
const EVENTS_URL: &str = "/me/sessions/events";
/// Where a tab goes once its session has ended; it comes back here after signing in.
const SIGN_IN_AGAIN: &str = "/login?next=/account/devices";
/// How long "You were signed out …" shows before the sign-in page: long enough to see what
/// happened, short enough that the account is gone from the screen within a second.
const NOTICE_FOR: Duration = Duration::from_millis(800);
/// "Last active" moves reload the list at most this often, however many devices refresh.
const TOUCH_EVERY: Duration = Duration::from_secs(2);
/// Reconnect delays double from the first to the last.
const BACKOFF_FIRST: Duration = Duration::from_secs(1);
const BACKOFF_LAST: Duration = Duration::from_secs(30);
/// A stream that stayed open this long was healthy: its failure starts the backoff afresh.
/// (One closed at once, say to make room under the per-user cap, keeps backing off.)
const HEALTHY_AFTER: Duration = Duration::from_secs(60);
/// The notice written when this tab's session ends (`role="alert"`, empty until then), as
/// `DevicesList` renders it.
pub const SIGNED_OUT_ID: &str = "signed-out";

/// The page's side of the stream: the list it reloads.
#[derive(Clone, Copy)]
pub struct LiveUpdates {
    reload: RwSignal<u32>,
    confirming: RwSignal<bool>,
}

impl LiveUpdates {
    /// `reload` is the list's reload counter; while `confirming` the list is not reloaded
    /// (that would close the confirmation under the user's hands) but tried again shortly.
    /// Call it in the island's body: in the browser that runs before any form on the page,
    /// each of which would otherwise set the default redirect hook first.
    pub fn new(reload: RwSignal<u32>, confirming: RwSignal<bool>) -> Self {
        #[cfg(feature = "hydrate")]
        browser::guard_redirects();
        Self { reload, confirming }
    }

    /// Browser only, once hydrated: opens the stream and keeps it open.
    pub fn follow(self) {
        #[cfg(feature = "hydrate")]
        browser::follow(self);
        #[cfg(not(feature = "hydrate"))]
        let _ = (self.reload, self.confirming);
    }

    /// A list load has finished (`ok` when it succeeded). After a failure the stream reopens
    /// only once a reload has succeeded: that reload is what renews expired cookies.
    pub fn loaded(self, ok: bool) {
        #[cfg(feature = "hydrate")]
        browser::loaded(self, ok);
        #[cfg(not(feature = "hydrate"))]
        let _ = (
            ok,
            backoff,
            touch_wait,
            signed_out_notice,
            NOTICE_TEXTS,
            NOTICE_TEXTS_APART,
        );
        #[cfg(not(feature = "hydrate"))]
        let _ = (EVENTS_URL, SIGN_IN_AGAIN, NOTICE_FOR, HEALTHY_AFTER);
    }
}

/// The stream is open: the 30-second poll can rest.
pub fn streaming() -> bool {
    #[cfg(feature = "hydrate")]
    return browser::streaming();
    #[cfg(not(feature = "hydrate"))]
    false
}

/// The wait before reconnect attempt `failures + 1`: 1 s, 2 s, 4 s … at most 30 s.
fn backoff(failures: u32) -> Duration {
    BACKOFF_FIRST
        .saturating_mul(1 << failures.min(16))
        .min(BACKOFF_LAST)
}

/// How long a "last active" reload must wait, given the milliseconds since the last reload.
fn touch_wait(since_last_ms: f64) -> Duration {
    let left = TOUCH_EVERY.as_secs_f64() * 1000.0 - since_last_ms;
    if left > 0.0 {
        Duration::from_millis(left.ceil() as u64)
    } else {
        Duration::ZERO
    }
}

/// What a tab says when its session ended elsewhere, from the `signed_out` event's `device`
/// (the label of the device that did it, if known) and `at` (RFC 3339): "You were signed out
/// (on Safari on iPhone, at 30 Nov 2026, 08:00)". `texts` are the page's words for the four
/// cases (neither, device, time, both), which the notice element carries (`NOTICE_TEXTS`).
fn signed_out_notice(texts: [&str; 4], device: Option<&str>, at: Option<&str>) -> String {
    let when = at.map(exact);
    let text = match (device, &when) {
        (None, None) => texts[0],
        (Some(_), None) => texts[1],
        (None, Some(_)) => texts[2],
        (Some(_), Some(_)) => texts[3],
    };
    text.replace("{device}", device.unwrap_or_default())
        .replace("{when}", when.as_deref().unwrap_or_default())
}

/// The notice element's attribute holding [`signed_out_notice`]'s four texts, in its order,
/// apart by [`NOTICE_TEXTS_APART`] (no language's text holds one).
pub const NOTICE_TEXTS: &str = "data-texts";
pub const NOTICE_TEXTS_APART: &str = "|";

/// Browser only. The page's own elements are written directly, not through signals: each new
/// signal or view type costs the bundle (250 KB at most) far more than these few lines.
#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::RefCell;

    use leptos::prelude::*;
    use leptos::server_fn::redirect::set_redirect_hook;
    use web_sys::wasm_bindgen::JsCast;
    use web_sys::wasm_bindgen::closure::Closure;

    use super::*;
    use crate::components::keep_fresh::refresh;

    /// The events the page listens to: the stream's own, and the server's four kinds.
    const EVENTS: [&str; 6] = ["open", "error", "change", "touch", "resync", "signed_out"];

    /// An `EventSource` and the listener it calls, closed and freed together.
    struct Stream {
        source: web_sys::EventSource,
        _listener: Closure<dyn Fn(web_sys::Event)>,
    }

    impl Drop for Stream {
        fn drop(&mut self) {
            self.source.close();
        }
    }

    #[derive(Default)]
    struct Link {
        stream: Option<Stream>,
        /// Failed attempts since the stream was last healthy.
        failures: u32,
        /// When the open stream opened (ms since the epoch); 0 when none is open.
        opened_at: f64,
        /// The last reload this module asked for (ms since the epoch).
        last_reload: f64,
        /// A reconnect is waiting for the list to load (and so renew the cookies).
        reconnect_after_load: bool,
        /// A reload is already scheduled.
        scheduled: bool,
        /// This tab's session ended, or the page is going: never reconnect.
        ended: bool,
    }

    thread_local! {
        /// One devices list per page, so one link.
        static LINK: RefCell<Link> = RefCell::default();
    }

    fn link<T>(f: impl FnOnce(&mut Link) -> T) -> T {
        LINK.with_borrow_mut(f)
    }

    fn now() -> f64 {
        js_sys::Date::now()
    }

    pub fn streaming() -> bool {
        link(|l| l.opened_at > 0.0)
    }

    /// Server functions redirect to the sign-in page once the session is gone. After "You
    /// were signed out" a list load refused meanwhile must not cut the notice short: the page
    /// leaves on its own timer. Otherwise this is the default hook (a full navigation).
    pub fn guard_redirects() {
        _ = set_redirect_hook(|location: &str| {
            if !link(|l| l.ended) {
                _ = window().location().set_href(location);
            }
        });
    }

    pub fn follow(live: LiveUpdates) {
        on_cleanup(|| {
            let stream = link(|l| {
                l.ended = true;
                l.stream.take()
            });
            drop(stream);
        });
        connect(live);
    }

    pub fn loaded(live: LiveUpdates, ok: bool) {
        if link(|l| std::mem::take(&mut l.reconnect_after_load)) {
            if ok {
                connect(live);
            } else {
                retry_later(live);
            }
        }
    }

    fn connect(live: LiveUpdates) {
        // One stream per page: a reconnect already made (by an earlier reload) stands.
        if link(|l| l.ended || l.stream.is_some()) {
            return;
        }
        let Ok(source) = web_sys::EventSource::new(EVENTS_URL) else {
            return retry_later(live);
        };
        let listener = Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
            on_event(live, &event)
        });
        for kind in EVENTS {
            _ = source.add_event_listener_with_callback(kind, listener.as_ref().unchecked_ref());
        }
        let stream = Stream {
            source,
            _listener: listener,
        };
        link(|l| l.stream = Some(stream));
    }

    fn on_event(live: LiveUpdates, event: &web_sys::Event) {
        if link(|l| l.ended) {
            return;
        }
        match event.type_().as_str() {
            "open" => {
                link(|l| l.opened_at = now());
                // What changed before the stream opened (since the page was rendered, or
                // while it was down) was never sent: the list is read afresh once.
                reload(live);
            }
            "change" | "resync" => reload(live),
            "touch" => {
                let wait = touch_wait(now() - link(|l| l.last_reload));
                if wait.is_zero() {
                    reload(live);
                } else {
                    later(live, wait, false);
                }
            }
            "signed_out" => {
                // `{"device":"Safari on iPhone","at":"2026-11-30T08:00:00Z"}`, read by the
                // browser's own JSON parser: a Rust one would cost the bundle more.
                let data = event.unchecked_ref::<web_sys::MessageEvent>().data();
                let data = data
                    .as_string()
                    .and_then(|text| js_sys::JSON::parse(&text).ok());
                let get = |name: &str| {
                    let data = data.as_ref()?;
                    js_sys::Reflect::get(data, &name.into()).ok()
                };
                let field = |name: &str| get(name)?.as_string();
                // This very session signed itself out (this tab's own "Sign out", or another
                // tab of it): nothing to tell, just leave as the sign-out itself would.
                if get("by_this_session").and_then(|v| v.as_bool()) == Some(true) {
                    link(|l| l.ended = true);
                    _ = window().location().set_href("/login");
                    return;
                }
                let texts = document()
                    .get_element_by_id(SIGNED_OUT_ID)
                    .and_then(|notice| notice.get_attribute(NOTICE_TEXTS))
                    .unwrap_or_default();
                let mut texts = texts.split(NOTICE_TEXTS_APART);
                let texts = [(); 4].map(|()| texts.next().unwrap_or_default());
                signed_out(&signed_out_notice(
                    texts,
                    field("device").as_deref(),
                    field("at").as_deref(),
                ));
            }
            _ => failed(live),
        }
    }

    /// Reloads the list; while the confirmation is open, tries again shortly instead.
    fn reload(live: LiveUpdates) {
        if refresh(live.reload, live.confirming) {
            link(|l| l.last_reload = now());
        } else {
            later(live, TOUCH_EVERY, false);
        }
    }

    /// Reloads after `wait` (one such reload at a time), or reconnects: reloads after `wait`
    /// and reopens the stream once that load has succeeded.
    fn later(live: LiveUpdates, wait: Duration, reconnect: bool) {
        if !reconnect && link(|l| std::mem::replace(&mut l.scheduled, true)) {
            return;
        }
        set_timeout(
            move || {
                if link(|l| {
                    if reconnect {
                        l.reconnect_after_load = true;
                    } else {
                        l.scheduled = false;
                    }
                    l.ended
                }) {
                    return;
                }
                reload(live);
            },
            wait,
        );
    }

    /// The stream failed (refused, say with a 401, or cut): poll meanwhile, retry later.
    fn failed(live: LiveUpdates) {
        let stream = link(|l| {
            let lasted = now() - l.opened_at;
            if l.opened_at > 0.0 && lasted >= HEALTHY_AFTER.as_secs_f64() * 1000.0 {
                l.failures = 0;
            }
            l.opened_at = 0.0;
            l.stream.take()
        });
        // Closed by hand, so the browser does not retry on its own schedule as well. (Its
        // listener is running: wasm-bindgen frees it only once that call returns.)
        drop(stream);
        retry_later(live);
    }

    fn retry_later(live: LiveUpdates) {
        let failures = link(|l| {
            let failures = l.failures;
            l.failures = failures.saturating_add(1);
            failures
        });
        later(live, backoff(failures), true);
    }

    /// This tab's session ended elsewhere: say so at once (the account leaves the screen with
    /// it), then go to the sign-in page.
    fn signed_out(text: &str) {
        link(|l| {
            l.ended = true;
            l.opened_at = 0.0;
            if let Some(stream) = &l.stream {
                stream.source.close();
            }
        });
        // Once it has words the notice hides everything after it (style/main.css).
        if let Some(notice) = document().get_element_by_id(SIGNED_OUT_ID) {
            notice.set_text_content(Some(text));
        }
        set_timeout(
            || {
                _ = window().location().set_href(SIGN_IN_AGAIN);
            },
            NOTICE_FOR,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconnects_back_off_from_one_second_to_thirty() {
        let waits: Vec<u64> = (0..8).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(backoff(u32::MAX), BACKOFF_LAST);
    }

    #[test]
    fn last_active_moves_reload_at_most_every_two_seconds() {
        assert_eq!(touch_wait(5_000.0), Duration::ZERO);
        assert_eq!(touch_wait(2_000.0), Duration::ZERO);
        assert_eq!(touch_wait(500.0), Duration::from_millis(1_500));
        assert_eq!(touch_wait(0.0), TOUCH_EVERY);
    }

    #[test]
    fn the_signed_out_notice_names_the_device_and_the_time() {
        let texts = [
            "You were signed out",
            "You were signed out (on {device})",
            "You were signed out (at {when})",
            "You were signed out (on {device}, at {when})",
        ];
        let at = "2026-11-30T08:00:00.123Z";
        let when = exact(at);
        assert_eq!(
            signed_out_notice(texts, Some("Safari on iPhone"), Some(at)),
            format!("You were signed out (on Safari on iPhone, at {when})")
        );
        assert_eq!(
            signed_out_notice(texts, None, Some(at)),
            format!("You were signed out (at {when})")
        );
        assert_eq!(
            signed_out_notice(texts, Some("Chrome on macOS"), None),
            "You were signed out (on Chrome on macOS)"
        );
        assert_eq!(signed_out_notice(texts, None, None), "You were signed out");
    }
}

//! Telling screen readers of a device that signed in while the page was open: "New sign-in:
//! Safari on iPhone", said politely when a reloaded list holds a row the last one did not.

use crate::dto::DeviceRow;
use crate::i18n::{W, Words};

/// The id of the polite live region (`aria-live="polite"`, visible to screen readers only)
/// that `DevicesList` renders empty, present from the first render so that what it later
/// says is read out.
pub const REGION_ID: &str = "new-sign-ins";

/// Browser only: a list has loaded; announce the rows that are new since the last one. The
/// first list (the page as loaded) is not news. The region is written directly, not through a
/// signal: that costs the browser bundle far less, and the same words said twice are still
/// read out twice.
pub fn seen(rows: &[DeviceRow], words: &Words) {
    #[cfg(feature = "hydrate")]
    {
        use std::cell::RefCell;

        use leptos::prelude::document;

        thread_local! {
            static KNOWN: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
        }
        let keys = rows.iter().map(|row| row.id.clone()).collect();
        let said = KNOWN.with_borrow_mut(|known| {
            let said = known.as_deref().and_then(|known| news(known, rows, words));
            *known = Some(keys);
            said
        });
        if let Some(said) = said
            && let Some(region) = document().get_element_by_id(REGION_ID)
        {
            region.set_text_content(Some(&said));
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (rows, words, news);
}

/// "New sign-in: Safari on iPhone" for each row not among `known` (worded as the activity
/// list words it); `None` when none is new. A row is known by its stable session id, not by
/// its `jti_prefix`, which changes whenever the device refreshes (not news).
fn news(known: &[String], rows: &[DeviceRow], words: &Words) -> Option<String> {
    let mut said = String::new();
    for row in rows {
        if row.is_current || known.contains(&row.id) {
            continue;
        }
        if !said.is_empty() {
            said.push_str(". ");
        }
        let word = if row.new_location {
            W::NewSignInNewLocation
        } else {
            W::NewSignIn
        };
        said.push_str(&words.fill(word, "{device}", &row.label));
    }
    (!said.is_empty()).then_some(said)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(label: &str, signed_in_at: &str, jti_prefix: &str) -> DeviceRow {
        DeviceRow {
            // The stable id outlives the prefix, which a refresh rotates.
            id: format!("ses_{signed_in_at}"),
            name: None,
            jti_prefix: jti_prefix.to_owned(),
            label: label.to_owned(),
            kind: "phone".to_owned(),
            user_agent: String::new(),
            ip: "203.0.113.9".to_owned(),
            place: None,
            local_network: false,
            from: String::new(),
            last_used_at: signed_in_at.to_owned(),
            signed_in_at: signed_in_at.to_owned(),
            is_current: false,
            new_location: false,
        }
    }

    /// The two texts this module says, as `en.ftl` words them.
    fn english() -> Words {
        let mut texts = vec![String::new(); W::InvalidOther as usize + 1];
        texts[W::NewSignIn as usize] = "New sign-in: {device}".into();
        texts[W::NewSignInNewLocation as usize] =
            "New sign-in from a new location: {device}".into();
        texts.into()
    }

    fn keys(rows: &[DeviceRow]) -> Vec<String> {
        rows.iter().map(|row| row.id.clone()).collect()
    }

    #[test]
    fn a_row_that_was_not_there_before_is_announced() {
        let mac = row("Chrome on macOS", "2026-11-30T08:00:00.123456Z", "aaaa");
        let iphone = row("Safari on iPhone", "2026-11-30T08:05:00.654321Z", "bbbb");
        let before = keys(std::slice::from_ref(&mac));
        assert_eq!(
            news(&before, &[mac.clone(), iphone.clone()], &english()).as_deref(),
            Some("New sign-in: Safari on iPhone")
        );
        let mut windows = row("Firefox on Windows", "2026-11-30T08:06:00Z", "cccc");
        windows.new_location = true;
        assert_eq!(
            news(&before, &[mac, iphone, windows], &english()).as_deref(),
            Some(
                "New sign-in: Safari on iPhone. \
                 New sign-in from a new location: Firefox on Windows"
            )
        );
    }

    /// A refresh gives a device a new `jti_prefix`; that is not a new sign-in.
    #[test]
    fn a_device_that_refreshed_is_not_news() {
        let iphone = row("Safari on iPhone", "2026-11-30T08:05:00.654321Z", "bbbb");
        let refreshed = row("Safari on iPhone", "2026-11-30T08:05:00.654321Z", "dddd");
        assert_eq!(news(&keys(&[iphone]), &[refreshed], &english()), None);
    }

    #[test]
    fn rows_leaving_and_this_device_are_not_news() {
        let mut this = row("Chrome on macOS", "2026-11-30T08:00:00Z", "aaaa");
        this.is_current = true;
        let iphone = row("Safari on iPhone", "2026-11-30T08:05:00Z", "bbbb");
        assert_eq!(
            news(&keys(std::slice::from_ref(&iphone)), &[], &english()),
            None
        );
        assert_eq!(news(&keys(&[iphone]), &[this], &english()), None);
    }
}

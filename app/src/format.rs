//! Showing time, shared by the server render and the browser so both say the same thing in
//! the page's language: "2 hours ago", "vor 3 Tagen", "昨日".

/// Seconds since the Unix epoch of an RFC 3339 UTC timestamp as the server writes them
/// (`2026-11-27T21:10:24Z`, optionally with a fraction). `None` for anything else.
pub fn parse_rfc3339_utc(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() < 20
        || !text.ends_with('Z')
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || bytes[10] != b'T'
        || bytes[13] != b':'
        || bytes[16] != b':'
    {
        return None;
    }
    let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// How long ago `then` was, as a count of the largest unit that fits (negative: in the past),
/// the one rule for the server's words and the browser's: `(-2, "hour")`, `(-1, "day")`.
/// Under 45 seconds is `(0, "second")`, "now". Units are `Intl.RelativeTimeFormat`'s.
pub fn ago(now: i64, then: i64) -> (i64, &'static str) {
    let seconds = (now - then).max(0);
    let minutes = seconds / 60;
    let hours = minutes / 60;
    let days = hours / 24;
    match () {
        _ if seconds < 45 => (0, "second"),
        _ if minutes < 60 => (-minutes.max(1), "minute"),
        _ if hours < 24 => (-hours, "hour"),
        _ if days < 30 => (-days, "day"),
        _ if days < 365 => (-(days / 30).max(1), "month"),
        _ => (-(days / 365), "year"),
    }
}

/// "2 hours ago", "gestern", "3 日前": CLDR's words in the page's language. The server's from
/// ICU4X; the browser's own `Intl.RelativeTimeFormat` once it is live (same data, no
/// catalogue in the bundle).
pub fn relative(now: i64, then: i64) -> String {
    let (value, unit) = ago(now, then);
    words::relative(value, unit)
}

/// The exact time behind a relative one, shown on hover: in UTC as the page's language
/// writes it on the server ("27.11.2026, 21:10 UTC"), in the reader's own time zone once
/// the browser is live. `text` is the RFC 3339 timestamp; returned as is if unreadable.
pub fn exact(text: &str) -> String {
    match parse_rfc3339_utc(text) {
        Some(at) => words::exact(at),
        None => text.to_owned(),
    }
}

/// The `title` of a `<time>`: [`exact`]. In the browser, until the page's clock has first
/// ticked (while it takes over the server's HTML, whose UTC title stays), an empty one: that
/// value is never written, and the first tick's, in the reader's own time zone, then differs
/// from it and is. (A value equal to the last one computed is not written again.)
pub fn exact_title(text: &str) -> String {
    #[cfg(feature = "hydrate")]
    if !LIVE.load(std::sync::atomic::Ordering::Relaxed) {
        return String::new();
    }
    exact(text)
}

#[cfg(feature = "hydrate")]
static LIVE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Browser only: the page's clock is ticking (`keep_fresh`); titles may now be re-worded.
pub fn mark_live() {
    #[cfg(feature = "hydrate")]
    LIVE.store(true, std::sync::atomic::Ordering::Relaxed);
}

#[cfg(feature = "ssr")]
mod words {
    pub fn relative(value: i64, unit: &str) -> String {
        signedin::i18n::relative(crate::i18n::lang(), value, unit)
    }

    pub fn exact(at: i64) -> String {
        signedin::i18n::exact_utc(crate::i18n::lang(), at)
    }
}

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
mod words {
    use js_sys::{Array, Date, Intl, Object, Reflect};
    use leptos::prelude::document;

    /// The page's language as the server rendered it (`<html lang>`).
    fn lang() -> String {
        document()
            .document_element()
            .and_then(|html| html.get_attribute("lang"))
            .unwrap_or_else(|| "en".into())
    }

    fn options(pairs: &[(&str, &str)]) -> Object {
        let options = Object::new();
        for (name, value) in pairs {
            _ = Reflect::set(&options, &(*name).into(), &(*value).into());
        }
        options
    }

    pub fn relative(value: i64, unit: &str) -> String {
        let locales = Array::of1(&lang().into());
        Intl::RelativeTimeFormat::new(&locales, &options(&[("numeric", "auto")]))
            .format(value as f64, unit)
            .into()
    }

    pub fn exact(at: i64) -> String {
        let options = options(&[("dateStyle", "medium"), ("timeStyle", "short")]);
        Date::new(&((at * 1000) as f64).into())
            .to_locale_string(&lang(), &options)
            .into()
    }
}

/// Neither the server nor the browser (a plain `cargo check -p app`): numbers only.
#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
mod words {
    pub fn relative(value: i64, unit: &str) -> String {
        format!("{value} {unit}")
    }

    pub fn exact(at: i64) -> String {
        at.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_servers_timestamps() {
        assert_eq!(parse_rfc3339_utc("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339_utc("2026-11-27T21:10:24Z"),
            Some(1_795_813_824)
        );
        assert_eq!(
            parse_rfc3339_utc("2026-11-27T21:10:24.123456Z"),
            Some(1_795_813_824)
        );
        assert_eq!(parse_rfc3339_utc("2000-02-29T12:00:00Z"), Some(951_825_600));
        for bad in [
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-11-27 21:10:24Z",
            "2026-11-27T21:10:24+01:00",
        ] {
            assert_eq!(parse_rfc3339_utc(bad), None, "{bad}");
        }
    }

    #[test]
    fn each_span_is_counted_in_the_largest_unit_that_fits() {
        let cases = [
            (0, (0, "second")),
            (44, (0, "second")),
            (45, (-1, "minute")),
            (150, (-2, "minute")),
            (2 * 3600 + 5, (-2, "hour")),
            (26 * 3600, (-1, "day")),
            (3 * 86_400 + 7, (-3, "day")),
            (45 * 86_400, (-1, "month")),
            (100 * 86_400, (-3, "month")),
            (800 * 86_400, (-2, "year")),
            (-30, (0, "second")),
        ];
        for (seconds_ago, expected) in cases {
            assert_eq!(
                ago(1_000_000_000, 1_000_000_000 - seconds_ago),
                expected,
                "{seconds_ago}s"
            );
        }
    }
}

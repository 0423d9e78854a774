//! Pure helpers for showing time, shared by the server render and the browser so both say
//! the same thing: "2 min ago", "2h ago", "3 days ago".

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

/// "just now", "1 min ago", "5 min ago", "2h ago", "yesterday", "3 days ago", "2 months ago".
pub fn relative(now: i64, then: i64) -> String {
    let seconds = (now - then).max(0);
    let minutes = seconds / 60;
    let hours = minutes / 60;
    let days = hours / 24;
    match () {
        _ if seconds < 45 => "just now".to_owned(),
        _ if minutes < 60 => format!("{} min ago", minutes.max(1)),
        _ if hours < 24 => format!("{hours}h ago"),
        _ if days == 1 => "yesterday".to_owned(),
        _ if days < 30 => format!("{days} days ago"),
        _ if days < 60 => "1 month ago".to_owned(),
        _ if days < 365 => format!("{} months ago", days / 30),
        _ if days < 730 => "1 year ago".to_owned(),
        _ => format!("{} years ago", days / 365),
    }
}

/// "2026-11-27 21:10 UTC": the exact time behind a relative one, shown on hover.
pub fn exact(text: &str) -> String {
    match (text.get(0..10), text.get(11..16)) {
        (Some(date), Some(time)) => format!("{date} {time} UTC"),
        _ => text.to_owned(),
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
    fn relative_times_read_as_people_say_them() {
        let cases = [
            (0, "just now"),
            (44, "just now"),
            (45, "1 min ago"),
            (150, "2 min ago"),
            (2 * 3600 + 5, "2h ago"),
            (26 * 3600, "yesterday"),
            (3 * 86_400 + 7, "3 days ago"),
            (45 * 86_400, "1 month ago"),
            (100 * 86_400, "3 months ago"),
            (800 * 86_400, "2 years ago"),
            (-30, "just now"),
        ];
        for (ago, expected) in cases {
            assert_eq!(
                relative(1_000_000_000, 1_000_000_000 - ago),
                expected,
                "{ago}s"
            );
        }
    }

    #[test]
    fn exact_times_drop_seconds_and_say_utc() {
        assert_eq!(exact("2026-11-27T21:10:24Z"), "2026-11-27 21:10 UTC");
    }
}

//! CLDR's words for times and places, from ICU4X's compiled data: "vor 2 Stunden", "gestern",
//! "27.11.2026, 21:10", "Deutschland". Formatters are built once per language, on first use.

use std::sync::OnceLock;

use fixed_decimal::Decimal;
use icu_datetime::DateTimeFormatter;
use icu_datetime::fieldsets::{self, YMDT};
use icu_datetime::input::{Date, DateTime, Time};
use icu_experimental::displaynames::DisplayNamesOptions;
use icu_experimental::displaynames::multi::RegionDisplayNames;
use icu_experimental::relativetime::options::Numeric;
use icu_experimental::relativetime::{RelativeTimeFormatter, RelativeTimeFormatterOptions};
use icu_locale_core::Locale;
use icu_locale_core::subtags::Region;

use super::Lang;

/// One language's formatters; `None` where its data could not be loaded (then English's).
struct Formatters {
    /// Second, minute, hour, day, month, year: the units [`relative`] names.
    relative: [Option<RelativeTimeFormatter>; 6],
    dates: Option<DateTimeFormatter<YMDT>>,
    regions: Option<RegionDisplayNames>,
}

const UNITS: [&str; 6] = ["second", "minute", "hour", "day", "month", "year"];

/// Each language's formatters, built on its first use (see `messages::BUNDLES`).
static FORMATTERS: [OnceLock<Formatters>; Lang::ALL.len()] =
    [const { OnceLock::new() }; Lang::ALL.len()];

fn formatters(lang: Lang) -> Formatters {
    let locale: Locale = lang.tag().parse().unwrap_or(Locale::UNKNOWN);
    // "yesterday", "now": words where CLDR has them, numbers elsewhere.
    let options = RelativeTimeFormatterOptions::default().with_numeric(Numeric::Auto);
    let relative = [
        RelativeTimeFormatter::try_new_long_second(locale.clone().into(), options).ok(),
        RelativeTimeFormatter::try_new_long_minute(locale.clone().into(), options).ok(),
        RelativeTimeFormatter::try_new_long_hour(locale.clone().into(), options).ok(),
        RelativeTimeFormatter::try_new_long_day(locale.clone().into(), options).ok(),
        RelativeTimeFormatter::try_new_long_month(locale.clone().into(), options).ok(),
        RelativeTimeFormatter::try_new_long_year(locale.clone().into(), options).ok(),
    ];
    Formatters {
        relative,
        dates: DateTimeFormatter::try_new(
            locale.clone().into(),
            fieldsets::YMD::medium().with_time_hm(),
        )
        .ok(),
        regions: RegionDisplayNames::try_new(locale.clone().into(), DisplayNamesOptions::default())
            .ok(),
    }
}

fn of(lang: Lang) -> &'static Formatters {
    FORMATTERS[lang as usize].get_or_init(|| formatters(lang))
}

/// `value` `unit`s from now in `lang` (negative is past): `relative(De, -2, "hour")` is
/// "vor 2 Stunden", `relative(En, -1, "day")` "yesterday". `unit` is one of second, minute,
/// hour, day, month, year (the units the browser's `Intl.RelativeTimeFormat` takes too).
pub fn relative(lang: Lang, value: i64, unit: &str) -> String {
    let Some(index) = UNITS.iter().position(|u| *u == unit) else {
        return value.to_string();
    };
    [lang, Lang::En]
        .into_iter()
        .find_map(|lang| of(lang).relative[index].as_ref())
        .map_or_else(
            || value.to_string(),
            |formatter| formatter.format(Decimal::from(value)).to_string(),
        )
}

/// The exact time of `unix_seconds` in UTC, as `lang` writes a date and time, with "UTC":
/// "27.11.2026, 21:10 UTC". The server renders in UTC; the browser re-words it in the
/// reader's own time zone once it is live.
pub fn exact_utc(lang: Lang, unix_seconds: i64) -> String {
    let Ok(at) = time::OffsetDateTime::from_unix_timestamp(unix_seconds) else {
        return unix_seconds.to_string();
    };
    let date = Date::try_new_iso(at.year(), u8::from(at.month()), at.day());
    let time = Time::try_new(at.hour(), at.minute(), 0, 0);
    let formatter = [lang, Lang::En]
        .into_iter()
        .find_map(|lang| of(lang).dates.as_ref());
    match (date, time, formatter) {
        (Ok(date), Ok(time), Some(formatter)) => {
            format!("{} UTC", formatter.format(&DateTime { date, time }))
        }
        _ => format!("{} UTC", at.date()),
    }
}

/// The country `code` (ISO 3166-1 alpha-2) names in `lang`: "DE" is "Deutschland" in German.
pub fn country_name(lang: Lang, code: &str) -> Option<String> {
    let region: Region = code.parse().ok()?;
    of(lang).regions.as_ref()?.of(region).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times_come_from_cldr_in_each_language() {
        assert_eq!(relative(Lang::En, -2, "hour"), "2 hours ago");
        assert_eq!(relative(Lang::En, -1, "hour"), "1 hour ago");
        assert_eq!(relative(Lang::En, -1, "day"), "yesterday");
        assert_eq!(relative(Lang::En, 0, "second"), "now");
        assert_eq!(relative(Lang::De, -2, "hour"), "vor 2 Stunden");
        assert_eq!(relative(Lang::De, -1, "hour"), "vor 1 Stunde");
        assert_eq!(relative(Lang::De, -3, "day"), "vor 3 Tagen");
        assert_eq!(relative(Lang::Fr, -1, "day"), "hier");
        assert_eq!(relative(Lang::Es, -5, "minute"), "hace 5 minutos");
        assert_eq!(relative(Lang::Ja, -3, "day"), "3 日前");
        assert_eq!(relative(Lang::En, -3, "fortnight"), "-3");
    }

    #[test]
    fn exact_times_are_written_as_each_language_writes_them() {
        let at = 1_795_813_824; // 2026-11-27T21:10:24Z
        assert_eq!(exact_utc(Lang::De, at), "27.11.2026, 21:10 UTC");
        assert_eq!(exact_utc(Lang::Ja, at), "2026/11/27 21:10 UTC");
        assert!(
            exact_utc(Lang::En, at).starts_with("Nov 27, 2026"),
            "{}",
            exact_utc(Lang::En, at)
        );
    }

    #[test]
    fn countries_are_named_in_the_language() {
        assert_eq!(country_name(Lang::De, "DE").as_deref(), Some("Deutschland"));
        assert_eq!(country_name(Lang::Fr, "DE").as_deref(), Some("Allemagne"));
        assert_eq!(
            country_name(Lang::En, "US").as_deref(),
            Some("United States")
        );
        assert_eq!(country_name(Lang::Ja, "DE").as_deref(), Some("ドイツ"));
        assert_eq!(country_name(Lang::En, "not a code"), None);
    }
}

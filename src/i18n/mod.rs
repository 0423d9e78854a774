//! The page in the user's language: which language a request gets ([`Lang::negotiate`]: the
//! switcher's cookie, else `Accept-Language`), its messages (Fluent, with CLDR plural rules,
//! in `locales/*.ftl`), and CLDR's relative times, dates and country names (ICU4X).
//!
//! Server only. The browser bundle carries no catalogue: the server sends each island the
//! finished text in the active language, and the browser's own `Intl` (the same CLDR data)
//! re-words times as they tick. The JSON API and problem details stay English; clients
//! localise from its raw fields.

mod cldr;
mod messages;

pub use cldr::{country_name, exact_utc, relative};
pub use messages::{Args, text, text_with};

/// A language the page is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    En,
    De,
    Fr,
    Es,
    Ja,
}

/// The cookie the language switcher sets; it wins over `Accept-Language`.
pub const LANG_COOKIE: &str = "signedin_lang";

/// At most this many `Accept-Language` entries are looked at: the header is the client's,
/// and no header may make negotiation slow.
const MOST_ENTRIES: usize = 32;

impl Lang {
    pub const ALL: [Lang; 5] = [Lang::En, Lang::De, Lang::Fr, Lang::Es, Lang::Ja];

    /// The BCP 47 tag: `lang="de"`, the cookie's value, the browser's `Intl` locale.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Fr => "fr",
            Lang::Es => "es",
            Lang::Ja => "ja",
        }
    }

    /// The language's name in itself, as the switcher lists it.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::De => "Deutsch",
            Lang::Fr => "Français",
            Lang::Es => "Español",
            Lang::Ja => "日本語",
        }
    }

    /// The language a tag asks for by its primary subtag (`de-CH` is German); `None` for one
    /// the page is not written in.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?;
        Lang::ALL
            .into_iter()
            .find(|lang| lang.tag().eq_ignore_ascii_case(primary))
    }

    /// The switcher's choice when the cookie names a language, else the first language in
    /// `Accept-Language` (by quality, then order) the page is written in, else English.
    pub fn negotiate(cookie: Option<&str>, accept_language: Option<&str>) -> Lang {
        if let Some(lang) = cookie.and_then(Lang::from_tag) {
            return lang;
        }
        let Some(header) = accept_language else {
            return Lang::default();
        };
        let mut asked: Vec<(u16, usize, Lang)> = header
            .split(',')
            .take(MOST_ENTRIES)
            .enumerate()
            .filter_map(|(order, entry)| {
                let mut parts = entry.split(';');
                let lang = Lang::from_tag(parts.next()?)?;
                let quality = parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1000), quality)?;
                (quality > 0).then_some((quality, order, lang))
            })
            .collect();
        asked.sort_by_key(|&(quality, order, _)| (std::cmp::Reverse(quality), order));
        asked.first().map_or(Lang::default(), |&(_, _, lang)| lang)
    }
}

/// `q=0.8` as thousandths (800); `None` when it is not a quality value.
fn quality(text: &str) -> Option<u16> {
    let value: f32 = text.trim().parse().ok()?;
    (0.0..=1.0)
        .contains(&value)
        .then(|| (value * 1000.0).round() as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_wins_then_the_best_quality_then_english() {
        assert_eq!(
            Lang::negotiate(Some("ja"), Some("de-DE,de;q=0.9")),
            Lang::Ja
        );
        assert_eq!(
            Lang::negotiate(None, Some("de-DE,de;q=0.9,en;q=0.8")),
            Lang::De
        );
        assert_eq!(
            Lang::negotiate(None, Some("en;q=0.5, fr-CA;q=0.9")),
            Lang::Fr
        );
        assert_eq!(Lang::negotiate(None, Some("pt-BR, es;q=0.3")), Lang::Es);
        assert_eq!(Lang::negotiate(None, Some("pt-BR, zh")), Lang::En);
        assert_eq!(Lang::negotiate(None, None), Lang::En);
        // An unknown cookie value is ignored, not obeyed.
        assert_eq!(Lang::negotiate(Some("xx"), Some("es")), Lang::Es);
    }

    #[test]
    fn malformed_or_refused_entries_are_skipped() {
        assert_eq!(
            Lang::negotiate(None, Some("de;q=0, fr;q=abc, es;q=0.1")),
            Lang::Es
        );
        assert_eq!(Lang::negotiate(None, Some(";;,,*")), Lang::En);
        assert_eq!(Lang::negotiate(None, Some("DE")), Lang::De);
        assert_eq!(Lang::negotiate(None, Some("ja;q=2")), Lang::En);
        let long = "xx,".repeat(10_000) + "de";
        assert_eq!(Lang::negotiate(None, Some(&long)), Lang::En);
    }

    #[test]
    fn equal_qualities_keep_the_clients_order() {
        assert_eq!(Lang::negotiate(None, Some("fr;q=0.8, de;q=0.8")), Lang::Fr);
    }
}

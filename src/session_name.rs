//! A session's name, as its owner typed it ("Work laptop"): plain text shown in place of the
//! device label, held to one set of rules before it is stored.

use std::fmt;

use crate::error::{DomainError, DomainResult};

/// Why a name was refused, in the words the API shows (`name: …`). Public so the pages can
/// key their fixed table of messages on them.
pub mod reason {
    pub const TOO_LONG: &str = "must be at most 64 characters";
    pub const CONTROL: &str = "must not contain control characters or line breaks";
    pub const DIRECTION: &str = "must not contain text-direction characters";
}

/// A name that passed the rules: at most [`SessionName::MAX_CHARS`] characters once trimmed,
/// no control character or line break, no bidi control. Anything else in Unicode is welcome
/// (accents, CJK, emoji with their joiners): it is the owner's own label, shown only to them,
/// and always as escaped text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionName(String);

impl SessionName {
    /// Characters (Unicode scalar values), counted after trimming.
    pub const MAX_CHARS: usize = 64;

    /// The name `text` asks for. Blank text (empty, or only spaces) is `Ok(None)`: that is
    /// how a name is removed, on the page (an emptied field) and in the API (`""` or `null`).
    pub fn parse(text: &str) -> DomainResult<Option<Self>> {
        let invalid = |message: &str| Err(DomainError::invalid("name", message));
        let name = text.trim();
        if name.is_empty() {
            return Ok(None);
        }
        if name.chars().count() > Self::MAX_CHARS {
            return invalid(reason::TOO_LONG);
        }
        if name.chars().any(is_control) {
            return invalid(reason::CONTROL);
        }
        // Refused rather than stripped: a bidi override makes what is shown differ from what
        // was typed ("Work laptop" that reads backwards), and silently changing the text
        // would surprise its author.
        if name.chars().any(is_bidi_control) {
            return invalid(reason::DIRECTION);
        }
        Ok(Some(Self(name.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SessionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// C0 and C1 controls (tab, newline, escape, NEL…), and the line and paragraph separators,
/// which break a one-line name just as a newline does.
fn is_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// The characters that reorder displayed text: embeddings and overrides, isolates, and the
/// direction marks (left-to-right, right-to-left, Arabic letter mark).
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(text: &str) -> String {
        match SessionName::parse(text) {
            Err(DomainError::Invalid { field, message }) => format!("{field}: {message}"),
            other => panic!("{text:?} was not refused: {other:?}"),
        }
    }

    #[test]
    fn a_name_is_kept_as_typed_without_the_spaces_around_it() {
        let name = SessionName::parse("  Work laptop \t").unwrap().unwrap();
        assert_eq!(name.as_str(), "Work laptop");
        for kept in [
            "Ordinateur de Zoé",
            "仕事用のノートPC",
            "👩‍💻 Dev box ❤️",
            "<b>&amp;</b>",
        ] {
            let name = SessionName::parse(kept).unwrap().unwrap();
            assert_eq!(name.as_str(), kept, "plain text, kept whole");
        }
    }

    #[test]
    fn blank_text_removes_the_name() {
        for blank in ["", " ", "\t\n", "\u{3000}"] {
            assert_eq!(SessionName::parse(blank).unwrap(), None, "{blank:?}");
        }
    }

    #[test]
    fn sixty_four_characters_fit_and_sixty_five_do_not() {
        let fits = "é".repeat(64);
        assert_eq!(SessionName::parse(&fits).unwrap().unwrap().as_str(), fits);
        let padded = format!("   {fits}   ");
        assert!(
            SessionName::parse(&padded).unwrap().is_some(),
            "trimmed first"
        );
        assert_eq!(
            refusal(&"a".repeat(65)),
            "name: must be at most 64 characters"
        );
        assert_eq!(
            refusal(&"x".repeat(100_000)),
            "name: must be at most 64 characters"
        );
    }

    #[test]
    fn control_characters_and_line_breaks_are_refused() {
        for text in [
            "Work\nlaptop",
            "Work\tlaptop",
            "bell\u{7}",
            "nul\u{0}",
            "esc\u{1B}[31m",
            "del\u{7F}",
            "nel\u{85}x",
            "line\u{2028}break",
            "para\u{2029}break",
        ] {
            assert_eq!(
                refusal(text),
                "name: must not contain control characters or line breaks",
                "{text:?}"
            );
        }
    }

    #[test]
    fn every_bidi_control_is_refused() {
        let bidi = [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
        ];
        for c in bidi {
            assert_eq!(
                refusal(&format!("Work{c}laptop")),
                "name: must not contain text-direction characters",
                "U+{:04X}",
                u32::from(c)
            );
        }
    }
}

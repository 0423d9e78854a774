//! How strong a new password looks, as it is typed: advice only. The server's rule is the
//! account's (`signedin::account`: 8 to 1024 characters); this never refuses anything.

use crate::i18n::W;

/// From too short to very strong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strength {
    TooShort,
    Weak,
    Fair,
    Strong,
    VeryStrong,
}

/// Shorter than this is refused by the server.
const MIN_CHARS: usize = 8;

impl Strength {
    pub const ALL: [Strength; 5] = [
        Strength::TooShort,
        Strength::Weak,
        Strength::Fair,
        Strength::Strong,
        Strength::VeryStrong,
    ];

    /// Length counts most (a passphrase of plain words beats a short jumble); mixing kinds
    /// of character helps a short one; one character repeated, or a run like "12345678",
    /// counts as weak however long.
    pub fn of(password: &str) -> Strength {
        let length = password.chars().count();
        if length < MIN_CHARS {
            return Strength::TooShort;
        }
        let mut chars = password.chars();
        let mut previous = chars.next().map_or(0, |c| c as i64);
        let monotonous = chars.all(|c| {
            let step = c as i64 - previous;
            previous = c as i64;
            (-1..=1).contains(&step)
        });
        if monotonous {
            return Strength::Weak;
        }
        // ASCII classes: Unicode's case tables would cost the browser bundle kilobytes, and any
        // other character (an accent, a kana, a space) counts as a kind of its own.
        let has = |kind: fn(&char) -> bool| usize::from(password.chars().any(|c| kind(&c)));
        let kinds = has(char::is_ascii_lowercase)
            + has(char::is_ascii_uppercase)
            + has(char::is_ascii_digit)
            + has(|c| !c.is_ascii_alphanumeric());
        let score = usize::from(length >= 12)
            + usize::from(length >= 16)
            + usize::from(length >= 20)
            + usize::from(kinds >= 3);
        match score {
            0 => Strength::Weak,
            1 => Strength::Fair,
            2 => Strength::Strong,
            _ => Strength::VeryStrong,
        }
    }
}

/// The word for a strength, in the page's language.
pub fn strength_word(strength: Strength) -> W {
    match strength {
        Strength::TooShort => W::StrengthTooShort,
        Strength::Weak => W::StrengthWeak,
        Strength::Fair => W::StrengthFair,
        Strength::Strong => W::StrengthStrong,
        Strength::VeryStrong => W::StrengthVeryStrong,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longer_and_more_varied_is_stronger() {
        assert_eq!(Strength::of("short"), Strength::TooShort);
        assert_eq!(Strength::of("ab12cd34"), Strength::Weak);
        assert_eq!(Strength::of("Ab12cd34!"), Strength::Fair);
        assert_eq!(Strength::of("correct horse"), Strength::Fair);
        assert_eq!(Strength::of("correct horse bat"), Strength::Strong);
        assert_eq!(
            Strength::of("Correct horse battery 9"),
            Strength::VeryStrong
        );
    }

    #[test]
    fn runs_and_repeats_are_weak_however_long() {
        assert_eq!(Strength::of("aaaaaaaaaaaaaaaaaaaaaaaa"), Strength::Weak);
        assert_eq!(Strength::of("12345678"), Strength::Weak);
        assert_eq!(Strength::of("abcdefghijklmnopqrstu"), Strength::Weak);
    }

    #[test]
    fn characters_are_counted_not_bytes() {
        assert_eq!(Strength::of("ééééé"), Strength::TooShort);
    }
}

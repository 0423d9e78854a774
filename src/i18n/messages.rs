//! The page's messages, one Fluent file per language (`locales/<tag>.ftl`), compiled into the
//! binary. Plural forms are chosen by Fluent with CLDR's plural rules for the language.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

use super::Lang;

/// The source of every language's messages; English is the reference the others follow.
fn source(lang: Lang) -> &'static str {
    match lang {
        Lang::En => include_str!("locales/en.ftl"),
        Lang::De => include_str!("locales/de.ftl"),
        Lang::Fr => include_str!("locales/fr.ftl"),
        Lang::Es => include_str!("locales/es.ftl"),
        Lang::Ja => include_str!("locales/ja.ftl"),
    }
}

/// Each language's bundle, parsed on its first use: a server whose readers all read English
/// never parses the others.
static BUNDLES: [OnceLock<FluentBundle<FluentResource>>; Lang::ALL.len()] =
    [const { OnceLock::new() }; Lang::ALL.len()];

fn bundle_of(lang: Lang) -> &'static FluentBundle<FluentResource> {
    BUNDLES[lang as usize].get_or_init(|| bundle(lang))
}

fn bundle(lang: Lang) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = lang.tag().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around arguments: the page's text is tested and copied as
    // people see it, and names that could reorder text are refused where they are set.
    bundle.set_use_isolating(false);
    // A file with an error still gives every message it could read (the tests hold every file
    // to none); a message it lost falls back to English.
    let resource = FluentResource::try_new(source(lang).to_owned()).unwrap_or_else(|(r, _)| r);
    let _ = bundle.add_resource(resource);
    bundle
}

/// Named arguments of a message: text or counts.
pub type Args<'a> = [(&'a str, FluentValue<'a>)];

/// The message `id` in `lang`.
pub fn text(lang: Lang, id: &str) -> String {
    text_with(lang, id, &[])
}

/// The message `id` in `lang` with its arguments; English when `lang` lacks it, the id itself
/// when English does too (never a panic: a page shows a wrong word, not an error).
pub fn text_with(lang: Lang, id: &str, args: &Args<'_>) -> String {
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, value.clone());
    }
    [lang, Lang::En]
        .into_iter()
        .find_map(|lang| format(bundle_of(lang), id, &fluent_args))
        .unwrap_or_else(|| id.to_owned())
}

fn format(
    bundle: &FluentBundle<FluentResource>,
    id: &str,
    args: &FluentArgs<'_>,
) -> Option<String> {
    let pattern = bundle.get_message(id)?.value()?;
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(args), &mut errors);
    errors.is_empty().then(|| text.into_owned())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use fluent_bundle::FluentResource;
    use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};

    use super::*;

    /// Each message id in a file, with the names of the variables it uses.
    fn messages(lang: Lang) -> Vec<(String, BTreeSet<String>)> {
        let resource = match FluentResource::try_new(source(lang).to_owned()) {
            Ok(resource) => resource,
            Err((_, errors)) => panic!("{}.ftl does not parse: {errors:?}", lang.tag()),
        };
        resource
            .entries()
            .filter_map(|entry| match entry {
                Entry::Message(message) => {
                    let mut names = BTreeSet::new();
                    if let Some(value) = &message.value {
                        variables(value, &mut names);
                    }
                    Some((message.id.name.to_owned(), names))
                }
                _ => None,
            })
            .collect()
    }

    fn variables(pattern: &Pattern<&str>, names: &mut BTreeSet<String>) {
        for element in &pattern.elements {
            if let PatternElement::Placeable { expression } = element {
                expression_variables(expression, names);
            }
        }
    }

    fn expression_variables(expression: &Expression<&str>, names: &mut BTreeSet<String>) {
        let inline = match expression {
            Expression::Inline(inline) => inline,
            Expression::Select { selector, variants } => {
                for variant in variants {
                    variables(&variant.value, names);
                }
                selector
            }
        };
        if let InlineExpression::VariableReference { id } = inline {
            names.insert(id.name.to_owned());
        }
    }

    /// Every language says every message, with the same arguments (one it drops or misspells
    /// would show the reader a gap), and no file says one English does not.
    #[test]
    fn every_language_has_every_message_with_the_same_arguments() {
        let english = messages(Lang::En);
        assert!(english.len() > 50, "{} messages", english.len());
        for lang in Lang::ALL {
            let theirs = messages(lang);
            let ids: Vec<_> = theirs.iter().map(|(id, _)| id).collect();
            let unique: BTreeSet<_> = ids.iter().collect();
            assert_eq!(unique.len(), ids.len(), "{}.ftl repeats an id", lang.tag());
            for (id, names) in &english {
                let Some((_, their_names)) = theirs.iter().find(|(their, _)| their == id) else {
                    panic!("{}.ftl lacks {id}", lang.tag());
                };
                // A language may leave out an argument its grammar does not need (a count
                // that only picks the plural form), never use one English does not give.
                assert!(
                    their_names.is_subset(names),
                    "{}.ftl {id} uses {their_names:?}, English gives {names:?}",
                    lang.tag()
                );
            }
            assert_eq!(
                theirs.len(),
                english.len(),
                "{}.ftl has extra ids",
                lang.tag()
            );
        }
    }

    #[test]
    fn plurals_follow_each_languages_rules() {
        let signed_out = |lang, n: u64| text_with(lang, "bulk-done", &[("count", n.into())]);
        assert_eq!(signed_out(Lang::En, 1), "Signed out of 1 other session.");
        assert_eq!(signed_out(Lang::En, 2), "Signed out of 2 other sessions.");
        assert_ne!(
            signed_out(Lang::De, 1),
            signed_out(Lang::De, 2).replace('2', "1")
        );
        // French counts 0 and 1 as singular, English only 1.
        let fr = |n: u64| text_with(Lang::Fr, "sessions-count", &[("count", n.into())]);
        assert_eq!(fr(0).replace('0', "1"), fr(1));
        assert_ne!(fr(2).replace('2', "1"), fr(1));
    }

    #[test]
    fn a_missing_message_falls_back_without_panicking() {
        assert_eq!(text(Lang::De, "no-such-message"), "no-such-message");
        assert_eq!(text(Lang::En, "devices-heading"), "Where you're signed in");
    }
}

//! Markup written as text, for the few static pieces of an island that would otherwise cost
//! the browser bundle more than they are worth (each element an island renders adds its own
//! hydration code; a string set as `inner_html` adds none). Everything interpolated into it
//! passes through [`escape`].

/// `text` safe inside an element or a double-quoted attribute value.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_and_quotes_become_text() {
        assert_eq!(
            escape(r#"<img src=x onerror="alert('1')">&"#),
            "&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;"
        );
        assert_eq!(escape("Work laptop · Zürich"), "Work laptop · Zürich");
    }
}

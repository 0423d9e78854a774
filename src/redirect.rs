//! Where a browser may be sent after signing in: a path on this site, spelled only with
//! characters no browser reinterprets.
//!
//! A denylist loses to browsers' URL repairs: Chromium strips tabs and newlines from a
//! `Location`, so `/\t/evil.example` becomes `//evil.example`, another host; and a DEL or
//! other control byte is not even a valid header value. So the rule is an allowlist: one
//! leading `/` (never `//` or `/\`), then only unreserved and sub-delimiter characters, with
//! percent-escapes that decode to neither a control character nor a backslash.

/// Where a sign-in goes when `next` is missing or refused.
pub const DEFAULT_AFTER_SIGN_IN: &str = "/account/devices";

/// Longer than any path of ours; a longer `next` is refused rather than echoed.
pub const MAX_LEN: usize = 2048;

/// `next` itself when it is a safe same-origin path (see the module docs), else `None`.
pub fn local_path(next: &str) -> Option<&str> {
    let bytes = next.as_bytes();
    if bytes.len() > MAX_LEN || bytes.first() != Some(&b'/') {
        return None;
    }
    // What the path reads as once percent-escapes are decoded: `/%2F/host` and `/%5C/host`
    // must not slip past the checks on the raw text.
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            let [high, low, tail @ ..] = tail else {
                return None;
            };
            let value = (hex(*high)? << 4) | hex(*low)?;
            if value.is_ascii_control() || value == b'\\' {
                return None;
            }
            decoded.push(value);
            rest = tail;
        } else if allowed(byte) {
            decoded.push(byte);
            rest = tail;
        } else {
            return None;
        }
    }
    match decoded.get(1) {
        Some(b'/' | b'\\') => None,
        _ => Some(next),
    }
}

/// The path to send a browser to after signing in: `next` when it is safe, else the
/// devices page.
pub fn after_sign_in(next: &str) -> &str {
    local_path(next).unwrap_or(DEFAULT_AFTER_SIGN_IN)
}

/// The sign-in page, coming back to `next` afterwards when `next` is safe (else plain
/// `/login`): the page's own redirect and forward-auth's both build it here.
pub fn sign_in_url(next: &str) -> String {
    match local_path(next) {
        Some(path) => format!("/login?next={}", encode_component(path)),
        None => "/login".to_owned(),
    }
}

/// Percent-encodes everything but unreserved characters and `/`, so a whole path with its
/// query travels as one `next` value.
fn encode_component(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// RFC 3986 unreserved and sub-delims characters, and the path, query and fragment
/// separators. `%` is handled by the caller.
fn allowed(byte: u8) -> bool {
    byte.is_ascii_alphanumeric()
        || matches!(
            byte,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'@'
                | b'/'
                | b'?'
                | b'#'
        )
}

fn hex(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(next: &str) {
        assert_eq!(local_path(next), None, "{next:?} was accepted");
        assert_eq!(after_sign_in(next), DEFAULT_AFTER_SIGN_IN, "{next:?}");
    }

    #[test]
    fn the_sign_in_url_carries_a_safe_next_whole() {
        assert_eq!(
            sign_in_url("/app/page?x=1&y=2"),
            "/login?next=/app/page%3Fx%3D1%26y%3D2"
        );
        assert_eq!(sign_in_url("/app/"), "/login?next=/app/");
        for hostile in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil",
            "/%2F/evil",
            "",
        ] {
            assert_eq!(sign_in_url(hostile), "/login", "{hostile:?}");
        }
    }

    #[test]
    fn local_paths_with_queries_fragments_and_escapes_are_followed() {
        for good in [
            "/",
            "/account/devices",
            "/account/devices?tab=activity&page=2#recent",
            "/a%20b/%E2%82%AC",
            "/search?q=a%2Fb",
            "/~ada/it's-(fine)!*+,;=:@$",
            "/./account",
        ] {
            assert_eq!(local_path(good), Some(good), "{good:?}");
            assert_eq!(after_sign_in(good), good);
        }
    }

    #[test]
    fn a_tab_or_newline_that_browsers_strip_is_refused_raw_or_escaped() {
        // `/%09/evil.example/x` in the sign-in URL arrives here decoded once: with a tab.
        refused("/\t/evil.example/x");
        refused("/%09/evil.example/x");
        refused("/%0a/evil.example");
        refused("/%0D%0A/evil.example");
        refused("/\r\n/evil.example");
        refused("/\n/evil.example");
    }

    #[test]
    fn backslashes_raw_or_escaped_are_refused() {
        refused("/\\evil.example");
        refused("/%5C/evil.example");
        refused("/%5cevil.example");
        refused("/account\\devices");
    }

    #[test]
    fn other_hosts_are_refused() {
        refused("//evil.example");
        refused("//evil.example/x");
        refused("///evil.example");
        refused("/%2F/evil.example");
        refused("/%2fevil.example");
        refused("https://evil.example/x");
        refused("http:/evil.example");
        refused("evil.example/x");
        refused("HTTPS://evil.example");
    }

    #[test]
    fn script_and_data_urls_are_refused() {
        refused("javascript:alert(1)");
        refused("JavaScript:alert(document.cookie)");
        refused("data:text/html,<script>alert(1)</script>");
        refused(" /account/devices");
    }

    #[test]
    fn control_characters_raw_or_escaped_are_refused() {
        // DEL is not a valid header byte: `leptos_axum::redirect` panicked on it.
        refused("/\u{7f}");
        refused("/%7F");
        refused("/%7f/x");
        refused("/\0");
        refused("/%00");
        refused("/%1B[31m");
        refused("/\u{85}");
        refused("/\u{2028}");
    }

    #[test]
    fn spaces_quotes_and_non_ascii_are_refused() {
        refused("/a b");
        refused("/\"onmouseover=alert(1)");
        refused("/<script>");
        refused("/café");
        refused("/\u{202e}evil");
        refused("/\u{200b}");
        refused("/`");
        refused("/{x}");
    }

    #[test]
    fn broken_escapes_are_refused() {
        refused("/%");
        refused("/%4");
        refused("/%zz");
        refused("/%+1");
        refused("/%-1");
    }

    #[test]
    fn empty_and_very_long_are_refused() {
        refused("");
        refused(&format!("/{}", "a".repeat(MAX_LEN)));
        let longest = format!("/{}", "a".repeat(MAX_LEN - 1));
        assert_eq!(local_path(&longest), Some(longest.as_str()));
    }
}

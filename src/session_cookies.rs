//! The devices page's session cookies, which the JSON API, forward-auth and the browser client
//! accept too: their names, how they are written, and how they are read back.
//!
//! Both are HttpOnly and SameSite=Lax: page scripts can never read a token, and other sites
//! cannot ride on them (the Origin check does the rest). Over https they carry the `__Host-`
//! prefix and `Secure`.

use std::time::Duration;

use crate::service::IssuedTokens;

/// The name of the access-token cookie: `__Host-`-prefixed when the site is served over https.
pub fn access_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-signedin_access"
    } else {
        "signedin_access"
    }
}

/// The name of the refresh-token cookie (see [`access_cookie_name`]).
pub fn refresh_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-signedin_refresh"
    } else {
        "signedin_refresh"
    }
}

/// The value of cookie `name` (matched exactly) among a request's `Cookie` header lines.
pub fn cookie<'a>(cookie_lines: impl IntoIterator<Item = &'a str>, name: &str) -> Option<&'a str> {
    cookie_lines
        .into_iter()
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// How session cookies are written.
#[derive(Clone, Debug)]
pub struct CookieSettings {
    /// `Secure` and the `__Host-` prefix: on whenever the site is served over https.
    pub secure: bool,
    pub access_max_age: Duration,
    pub refresh_max_age: Duration,
}

/// The two session cookies as a request carries them (either may be missing).
#[derive(Clone, Copy, Debug, Default)]
pub struct SessionCookies<'a> {
    pub access: Option<&'a str>,
    pub refresh: Option<&'a str>,
}

impl CookieSettings {
    pub fn access_name(&self) -> &'static str {
        access_cookie_name(self.secure)
    }

    pub fn refresh_name(&self) -> &'static str {
        refresh_cookie_name(self.secure)
    }

    /// Both cookies from a request's `Cookie` header lines.
    pub fn read<'a>(&self, cookie_lines: &[&'a str]) -> SessionCookies<'a> {
        SessionCookies {
            access: cookie(cookie_lines.iter().copied(), self.access_name()),
            refresh: cookie(cookie_lines.iter().copied(), self.refresh_name()),
        }
    }

    fn cookie(&self, name: &str, value: &str, max_age: Duration) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!(
            "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            max_age.as_secs()
        )
    }

    /// `Set-Cookie` for the language switcher's choice (a BCP 47 tag the caller has
    /// checked), kept for a year.
    pub fn language_cookie(&self, tag: &str) -> String {
        self.cookie(
            crate::i18n::LANG_COOKIE,
            tag,
            Duration::from_secs(365 * 86_400),
        )
    }

    /// `Set-Cookie` values for a fresh pair of tokens: `[access, refresh]`.
    pub fn session_cookies(&self, tokens: &IssuedTokens) -> [String; 2] {
        [
            self.cookie(
                self.access_name(),
                tokens.access_token.expose(),
                self.access_max_age,
            ),
            self.cookie(
                self.refresh_name(),
                tokens.refresh_token.expose(),
                self.refresh_max_age,
            ),
        ]
    }

    /// `Set-Cookie` values that make the browser forget both.
    pub fn cleared_cookies(&self) -> [String; 2] {
        [
            self.cookie(self.access_name(), "", Duration::ZERO),
            self.cookie(self.refresh_name(), "", Duration::ZERO),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_http_only_and_secure_over_https() {
        let settings = CookieSettings {
            secure: true,
            access_max_age: Duration::from_secs(900),
            refresh_max_age: Duration::from_secs(60),
        };
        let [access, _] = settings.cleared_cookies();
        assert!(access.starts_with("__Host-signedin_access=;"));
        assert!(
            access.contains("HttpOnly")
                && access.contains("SameSite=Lax")
                && access.contains("Secure")
        );
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let settings = CookieSettings {
            secure: false,
            access_max_age: Duration::from_secs(900),
            refresh_max_age: Duration::from_secs(60),
        };
        let read = settings.read(&["xsignedin_access=no; signedin_access=yes"]);
        assert_eq!(read.access, Some("yes"));
        assert_eq!(read.refresh, None);
        assert_eq!(cookie(["a=1", "b=2; c=3"], "c"), Some("3"));
    }
}

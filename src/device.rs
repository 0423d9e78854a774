//! User agent → `DeviceLabel`: "Chrome on macOS", "Safari on iPhone", "curl".
//!
//! The ua-parser project's rules (uap-core `regexes.yaml`, compiled into the binary) name the
//! browser, OS and device; this module turns those into the names people use, and prefers
//! User-Agent Client Hints when the browser sent them, because the UA string itself is frozen
//! (macOS is always 10_15_7, Windows 11 says NT 10.0, Android says "Android 10; K").

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, DomainResult};
use crate::i18n::{self, Lang};
use crate::normalize::truncate_chars;

const UAP_RULES: &str = include_str!("data/uap-core/regexes.yaml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceKind {
    Desktop,
    Phone,
    Tablet,
    Bot,
    Cli,
    Unknown,
}

impl DeviceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::Desktop => "desktop",
            DeviceKind::Phone => "phone",
            DeviceKind::Tablet => "tablet",
            DeviceKind::Bot => "bot",
            DeviceKind::Cli => "cli",
            DeviceKind::Unknown => "unknown",
        }
    }
}

/// How a session's device is named to its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceLabel {
    /// "Chrome on macOS", "Safari on iPhone", "curl", "Unknown device".
    pub label: String,
    pub browser: Option<String>,
    /// The OS as people call it; a version only when Client Hints told us one we can trust.
    pub os: Option<String>,
    pub kind: DeviceKind,
    /// A phone or tablet model, from Client Hints or the UA string.
    pub model: Option<String>,
}

impl DeviceLabel {
    /// The label in `lang` ("Chrome unter macOS"); tools and bots keep the names their
    /// authors gave them.
    pub fn in_lang(&self, lang: Lang) -> String {
        match self.kind {
            DeviceKind::Cli | DeviceKind::Bot => self.label.clone(),
            _ => words(
                lang,
                self.browser.as_deref(),
                self.os.as_deref(),
                self.model.as_deref(),
            ),
        }
    }

    pub fn unknown() -> Self {
        Self {
            label: "Unknown device".into(),
            browser: None,
            os: None,
            kind: DeviceKind::Unknown,
            model: None,
        }
    }
}

/// A label from its parts, in `lang`: the one rule for every language. A model goes into
/// the label only when the browser itself told us (Client Hints, which is where `model`
/// comes from): UA strings carry codes like "SM-S918B" that people don't recognise.
fn words(lang: Lang, browser: Option<&str>, os: Option<&str>, model: Option<&str>) -> String {
    let on = |os: &str| {
        i18n::text_with(
            lang,
            "device-on",
            &[
                ("browser", browser.unwrap_or_default().into()),
                ("os", os.into()),
            ],
        )
    };
    match (browser, os, model) {
        (Some(_), Some("Android"), Some(model)) => on(model),
        (Some(_), Some(os), _) => on(os),
        (Some(browser), None, _) => browser.to_owned(),
        (None, Some(os), _) => i18n::text_with(lang, "device-of-os", &[("os", os.into())]),
        (None, None, _) => i18n::text(lang, "device-unknown"),
    }
}

/// User-Agent Client Hints as sent (`Sec-CH-UA*` headers), each kept short.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientHints {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brands: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

impl ClientHints {
    const MAX_CHARS: usize = 200;

    /// From raw header values; unparseable ones are dropped, none is refused.
    pub fn from_headers(
        brands: Option<&str>,
        platform: Option<&str>,
        platform_version: Option<&str>,
        mobile: Option<&str>,
        model: Option<&str>,
    ) -> Self {
        let keep = |value: Option<&str>| {
            value
                .map(|v| truncate_chars(v.trim(), Self::MAX_CHARS).to_owned())
                .filter(|v| !v.is_empty())
        };
        let unquote = |value: Option<&str>| keep(value.map(sf_string)).filter(|v| !v.is_empty());
        Self {
            brands: keep(brands),
            platform: unquote(platform),
            platform_version: unquote(platform_version),
            mobile: match mobile.map(str::trim) {
                Some("?1") => Some(true),
                Some("?0") => Some(false),
                _ => None,
            },
            model: unquote(model),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    pub fn to_json(&self) -> Option<String> {
        (!self.is_empty()).then(|| serde_json::to_string(self).unwrap_or_default())
    }

    pub fn from_json(text: Option<&str>) -> Self {
        text.and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default()
    }

    /// The most specific real brand in `Sec-CH-UA`, skipping GREASE and "Chromium".
    fn brand(&self) -> Option<&'static str> {
        let brands = self.brands.as_deref()?;
        const KNOWN: [(&str, &str); 7] = [
            ("Microsoft Edge", "Edge"),
            ("Brave", "Brave"),
            ("Opera", "Opera"),
            ("Vivaldi", "Vivaldi"),
            ("Samsung Internet", "Samsung Internet"),
            ("YaBrowser", "Yandex Browser"),
            ("Google Chrome", "Chrome"),
        ];
        KNOWN
            .iter()
            .find(|(brand, _)| brands.contains(&format!("\"{brand}\"")))
            .map(|(_, name)| *name)
    }

    /// Client Hints can tell Windows 11 from 10: platform version 13+ is Windows 11.
    fn os(&self) -> Option<String> {
        let platform = self.platform.as_deref()?;
        let major: Option<u32> = self
            .platform_version
            .as_deref()
            .and_then(|v| v.split('.').next())
            .and_then(|m| m.parse().ok());
        Some(match (platform, major) {
            ("Windows", Some(m)) if m >= 13 => "Windows 11".into(),
            ("Windows", Some(m)) if m >= 1 => "Windows 10".into(),
            ("Windows", _) => "Windows".into(),
            ("macOS", _) => "macOS".into(),
            ("Android", _) => "Android".into(),
            ("Chrome OS" | "ChromeOS", _) => "ChromeOS".into(),
            ("Linux", _) => "Linux".into(),
            ("iOS", _) => "iOS".into(),
            ("Chromium OS", _) => "ChromeOS".into(),
            // Anything else is the client's own words, which end up in alert emails: the
            // user-agent string names the system instead.
            _ => return None,
        })
    }
}

/// An RFC 8941 sf-string such as `"Windows"`, unquoted; a bare token is taken as it is.
fn sf_string(value: &str) -> &str {
    let value = value.trim();
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
}

/// The compiled uap-core rules for browsers and operating systems, built once at start and
/// shared. uap-core's device rules are left out on purpose: they are the largest and slowest
/// part (a third of the time, most of the memory) and the labels need only what the UA
/// states plainly: iPhone, iPad, bot, tablet.
pub struct DeviceLabeler {
    browsers: ua_parser::user_agent::Extractor<'static>,
    systems: ua_parser::os::Extractor<'static>,
}

impl std::fmt::Debug for DeviceLabeler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceLabeler")
    }
}

/// Command-line tools and HTTP libraries, named as their authors spell them.
const CLI_CLIENTS: [(&str, &str); 22] = [
    ("curl/", "curl"),
    ("Wget/", "Wget"),
    ("python-requests/", "python-requests"),
    ("python-httpx/", "python-httpx"),
    ("Python-urllib/", "Python urllib"),
    ("aiohttp/", "aiohttp"),
    ("Go-http-client/", "Go http client"),
    ("okhttp/", "OkHttp"),
    ("axios/", "axios"),
    ("node-fetch", "node-fetch"),
    ("undici", "Node.js"),
    ("node", "Node.js"),
    ("PostmanRuntime/", "Postman"),
    ("insomnia/", "Insomnia"),
    ("HTTPie/", "HTTPie"),
    ("Java/", "Java"),
    ("Apache-HttpClient/", "Apache HttpClient"),
    ("libwww-perl/", "libwww-perl"),
    ("Ruby", "Ruby"),
    ("Dart/", "Dart"),
    ("reqwest/", "reqwest"),
    ("Deno/", "Deno"),
];

impl DeviceLabeler {
    pub fn new() -> DomainResult<Self> {
        let regexes: ua_parser::Regexes<'static> = serde_yaml_ng::from_str(UAP_RULES)
            .map_err(|e| DomainError::unexpected(format!("uap-core rules: {e}")))?;
        let failed =
            |e: &dyn std::fmt::Display| DomainError::unexpected(format!("uap-core rules: {e}"));
        let browsers = regexes
            .user_agent_parsers
            .into_iter()
            .try_fold(ua_parser::user_agent::Builder::new(), |b, p| b.push(p))
            .map_err(|e| failed(&e))?
            .build()
            .map_err(|e| failed(&e))?;
        let systems = regexes
            .os_parsers
            .into_iter()
            .try_fold(ua_parser::os::Builder::new(), |b, p| b.push(p))
            .map_err(|e| failed(&e))?
            .build()
            .map_err(|e| failed(&e))?;
        Ok(Self { browsers, systems })
    }

    pub fn label(&self, user_agent: &str, hints: &ClientHints) -> DeviceLabel {
        // The store already cuts user agents to 500 characters; callers that did not are held
        // to the same bound so no input can make labelling slow.
        let user_agent = truncate_chars(user_agent.trim(), 500);
        if user_agent.is_empty() && hints.is_empty() {
            return DeviceLabel::unknown();
        }
        if let Some(name) = cli_client(user_agent) {
            return DeviceLabel {
                label: name.into(),
                browser: Some(name.into()),
                os: None,
                kind: DeviceKind::Cli,
                model: None,
            };
        }
        let ua = self.browsers.extract(user_agent);
        let os = self.systems.extract(user_agent);
        let family = ua
            .as_ref()
            .map(|v| v.family.as_ref())
            .filter(|f| *f != "Other");
        let os_family = os.as_ref().map(|v| v.os.as_ref()).filter(|f| *f != "Other");

        if looks_like_bot(user_agent) || family.is_some_and(looks_like_bot) {
            let name = family.map(str::to_owned).unwrap_or_else(|| "Bot".into());
            return DeviceLabel {
                label: name.clone(),
                browser: Some(name),
                os: None,
                kind: DeviceKind::Bot,
                model: None,
            };
        }

        let browser = hints
            .brand()
            .map(Cow::Borrowed)
            .or_else(|| family.map(browser_name));
        let ios_device = apple_device(user_agent);
        let os_name: Option<String> = match (os_family, ios_device) {
            (Some("iOS"), Some(device)) | (Some("iPadOS"), Some(device)) => Some(device.into()),
            (None, Some(device)) => Some(device.into()),
            _ => hints
                .os()
                .or_else(|| os_family.map(|f| os_name(f).into_owned())),
        };
        let model = hints.model.clone();
        let kind = kind_of(user_agent, family, os_name.as_deref(), hints);

        if browser.is_none() && os_name.is_none() {
            return DeviceLabel::unknown();
        }
        // The API's label is English; the page words the same parts in its reader's language.
        let label = words(
            Lang::En,
            browser.as_deref(),
            os_name.as_deref(),
            hints.model.as_deref(),
        );
        DeviceLabel {
            label,
            browser: browser.map(Cow::into_owned),
            os: os_name,
            kind,
            model,
        }
    }
}

fn cli_client(user_agent: &str) -> Option<&'static str> {
    CLI_CLIENTS
        .iter()
        .find(|(prefix, _)| user_agent.starts_with(prefix))
        .map(|(_, name)| *name)
}

/// uap-core family → the name on the box.
fn browser_name(family: &str) -> Cow<'static, str> {
    Cow::Borrowed(match family {
        "Chrome" | "Chrome Mobile" | "Chrome Mobile iOS" | "Chromium" => "Chrome",
        "Chrome Mobile WebView" | "Mobile Safari UI/WKWebView" => "In-app browser",
        "Mobile Safari" | "Safari" => "Safari",
        "Firefox" | "Firefox Mobile" | "Firefox iOS" | "Firefox Beta" | "Firefox Alpha" => {
            "Firefox"
        }
        "Edge" | "Edge Mobile" => "Edge",
        "Opera" | "Opera Mobile" | "Opera Mini" => "Opera",
        "Samsung Internet" => "Samsung Internet",
        "Facebook" => "Facebook app",
        "Instagram" => "Instagram app",
        "DuckDuckGo Mobile" => "DuckDuckGo",
        "Yandex Browser" => "Yandex Browser",
        "UC Browser" => "UC Browser",
        "IE" | "IE Mobile" => "Internet Explorer",
        other => return Cow::Owned(other.to_owned()),
    })
}

/// uap-core OS family → what people call it. Versions from the UA string are never shown:
/// browsers freeze them.
fn os_name(family: &str) -> Cow<'static, str> {
    Cow::Borrowed(match family {
        "Mac OS X" | "Mac OS" | "macOS" => "macOS",
        "Windows" => "Windows",
        "Windows Phone" => "Windows Phone",
        "Chrome OS" | "Chromecast" => "ChromeOS",
        "Ubuntu" | "Debian" | "Fedora" | "Red Hat" | "Linux Mint" | "Arch Linux" | "openSUSE"
        | "Gentoo" | "Linux" | "CentOS" | "Mageia" | "Slackware" | "Kubuntu" | "Xubuntu" => "Linux",
        other => return Cow::Owned(other.to_owned()),
    })
}

/// "iPhone", "iPad" or "iPod" when the UA names one (Apple's browsers all do).
fn apple_device(user_agent: &str) -> Option<&'static str> {
    ["iPhone", "iPad", "iPod"]
        .into_iter()
        .find(|device| user_agent.contains(device))
}

/// Crawlers announce themselves: "Googlebot/2.1", "bingbot", "AhrefsBot", "…crawler",
/// "facebookexternalhit". ("CUBOT" is a phone maker, not a bot.)
fn looks_like_bot(user_agent: &str) -> bool {
    let lower = user_agent.to_ascii_lowercase();
    ["crawler", "spider", "slurp", "externalhit"]
        .iter()
        .any(|word| lower.contains(word))
        || lower.match_indices("bot").any(|(at, _)| {
            let next = lower[at + 3..].chars().next();
            !lower[..at].ends_with("cu") && next.is_none_or(|c| !c.is_ascii_alphabetic())
        })
}

fn kind_of(
    user_agent: &str,
    family: Option<&str>,
    os: Option<&str>,
    hints: &ClientHints,
) -> DeviceKind {
    let apple = apple_device(user_agent);
    let tablet = apple == Some("iPad")
        || ["Kindle", "Silk/", "Tablet"]
            .iter()
            .any(|t| user_agent.contains(t))
        || (os == Some("Android") && !user_agent.contains("Mobile") && hints.mobile != Some(true));
    if tablet {
        return DeviceKind::Tablet;
    }
    let phone = hints.mobile == Some(true)
        || matches!(apple, Some("iPhone" | "iPod"))
        || matches!(
            os,
            Some("Android" | "iPhone" | "iPod" | "Windows Phone" | "KaiOS")
        )
        || matches!(family, Some(f) if f.contains("Mobile"));
    if phone {
        return DeviceKind::Phone;
    }
    match os {
        Some(o)
            if o.starts_with("Windows")
                || o == "macOS"
                || o == "Linux"
                || o == "ChromeOS"
                || o.starts_with("FreeBSD") =>
        {
            DeviceKind::Desktop
        }
        _ => DeviceKind::Unknown,
    }
}

//! User agent (and Client Hints) → the label people recognise. Real user agents of current
//! browsers, phones, tablets, in-app browsers, bots and command-line clients, each with the
//! exact label, kind and OS expected.

mod common;

use signedin::{ClientHints, DeviceKind};

const MAC_CHROME: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const WIN_CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const ANDROID_CHROME_REDUCED: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";

use DeviceKind::{Bot, Cli, Desktop, Phone, Tablet, Unknown};

/// (user agent, expected label, kind, OS)
#[rustfmt::skip]
const TABLE: &[(&str, &str, DeviceKind, Option<&str>)] = &[
    // Desktop browsers
    (MAC_CHROME, "Chrome on macOS", Desktop, Some("macOS")),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", "Safari on macOS", Desktop, Some("macOS")),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on macOS", Desktop, Some("macOS")),
    (WIN_CHROME, "Chrome on Windows", Desktop, Some("Windows")),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge on Windows", Desktop, Some("Windows")),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Windows", Desktop, Some("Windows")),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0", "Opera on Windows", Desktop, Some("Windows")),
    ("Mozilla/5.0 (Windows NT 6.1; Win64; x64; rv:115.0) Gecko/20100101 Firefox/115.0", "Firefox on Windows", Desktop, Some("Windows")),
    ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Linux", Desktop, Some("Linux")),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome on Linux", Desktop, Some("Linux")),
    ("Mozilla/5.0 (X11; Fedora; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Linux", Desktop, Some("Linux")),
    ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome on ChromeOS", Desktop, Some("ChromeOS")),
    // Phones
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari on iPhone", Phone, Some("iPhone")),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1", "Chrome on iPhone", Phone, Some("iPhone")),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15", "Firefox on iPhone", Phone, Some("iPhone")),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) EdgiOS/131.0.2903.68 Version/18.0 Mobile/15E148 Safari/604.1", "Edge on iPhone", Phone, Some("iPhone")),
    (ANDROID_CHROME_REDUCED, "Chrome on Android", Phone, Some("Android")),
    ("Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36", "Samsung Internet on Android", Phone, Some("Android")),
    ("Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0", "Firefox on Android", Phone, Some("Android")),
    ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 EdgA/131.0.0.0", "Edge on Android", Phone, Some("Android")),
    ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 OPR/86.0.0.0", "Opera on Android", Phone, Some("Android")),
    // Tablets
    ("Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari on iPad", Tablet, Some("iPad")),
    ("Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1", "Chrome on iPad", Tablet, Some("iPad")),
    ("Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome on Android", Tablet, Some("Android")),
    ("Mozilla/5.0 (Android 14; Tablet; rv:133.0) Gecko/133.0 Firefox/133.0", "Firefox on Android", Tablet, Some("Android")),
    // In-app browsers
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/470.0.0.40.97;FBBV/638183425;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.5;FBSS/3;FBCR/;FBID/phone;FBLC/en_US;FBOP/80]", "Facebook app on iPhone", Phone, Some("iPhone")),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/127.0.6533.103 Mobile Safari/537.36 Instagram 345.0.0.34.99 Android (34/14; 420dpi; 1080x2400; Google/google; Pixel 8; shiba; shiba; en_US; 634108168)", "Instagram app on Android", Phone, Some("Android")),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.39 Mobile Safari/537.36", "In-app browser on Android", Phone, Some("Android")),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148", "In-app browser on iPhone", Phone, Some("iPhone")),
    // Bots
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Googlebot", Bot, None),
    ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "bingbot", Bot, None),
    ("Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", "YandexBot", Bot, None),
    ("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", "AhrefsBot", Bot, None),
    // A phone maker whose name ends in "bot" is still a phone.
    ("Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome on Android", Phone, Some("Android")),
    // Command-line tools and libraries
    ("curl/8.5.0", "curl", Cli, None),
    ("Wget/1.21.4", "Wget", Cli, None),
    ("python-requests/2.32.3", "python-requests", Cli, None),
    ("Python-urllib/3.11", "Python urllib", Cli, None),
    ("python-httpx/0.27.2", "python-httpx", Cli, None),
    ("Go-http-client/2.0", "Go http client", Cli, None),
    ("okhttp/4.12.0", "OkHttp", Cli, None),
    ("PostmanRuntime/7.42.0", "Postman", Cli, None),
    ("HTTPie/3.2.4", "HTTPie", Cli, None),
    ("axios/1.7.7", "axios", Cli, None),
    ("node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", "node-fetch", Cli, None),
    ("Java/17.0.12", "Java", Cli, None),
    // Nothing to go on
    ("", "Unknown device", Unknown, None),
    ("   ", "Unknown device", Unknown, None),
    ("asdf qwerty", "Unknown device", Unknown, None),
    ("\"><script>alert(1)</script>", "Unknown device", Unknown, None),
];

#[test]
fn every_user_agent_gets_the_label_people_use() {
    let labeler = common::labeler();
    let mut wrong = Vec::new();
    for (user_agent, label, kind, os) in TABLE {
        let got = labeler.label(user_agent, &ClientHints::default());
        if got.label != *label || got.kind != *kind || got.os.as_deref() != *os {
            wrong.push(format!(
                "{user_agent:?}\n   expected {label:?} {kind:?} {os:?}\n   got      {:?} {:?} {:?}",
                got.label, got.kind, got.os
            ));
        }
    }
    assert!(TABLE.len() >= 40);
    assert!(
        wrong.is_empty(),
        "{} of {} wrong:\n{}",
        wrong.len(),
        TABLE.len(),
        wrong.join("\n")
    );
}

fn hints(brands: &str, platform: &str, version: &str, mobile: &str, model: &str) -> ClientHints {
    fn some(v: &str) -> Option<&str> {
        (!v.is_empty()).then_some(v)
    }
    ClientHints::from_headers(
        some(brands),
        some(platform),
        some(version),
        some(mobile),
        some(model),
    )
}

#[test]
fn client_hints_name_what_the_frozen_user_agent_cannot() {
    let labeler = common::labeler();
    let chrome = r#""Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24""#;
    let cases = [
        (
            WIN_CHROME,
            hints(chrome, "\"Windows\"", "\"15.0.0\"", "?0", ""),
            "Chrome on Windows 11",
            Desktop,
        ),
        (
            WIN_CHROME,
            hints(chrome, "\"Windows\"", "\"10.0.0\"", "?0", ""),
            "Chrome on Windows 10",
            Desktop,
        ),
        (
            WIN_CHROME,
            hints(
                r#""Microsoft Edge";v="131", "Chromium";v="131", "Not_A Brand";v="24""#,
                "\"Windows\"",
                "\"15.0.0\"",
                "?0",
                "",
            ),
            "Edge on Windows 11",
            Desktop,
        ),
        (
            WIN_CHROME,
            hints(
                r#""Brave";v="131", "Chromium";v="131", "Not_A Brand";v="24""#,
                "\"Windows\"",
                "",
                "?0",
                "",
            ),
            "Brave on Windows",
            Desktop,
        ),
        (
            MAC_CHROME,
            hints(chrome, "\"macOS\"", "\"14.5.0\"", "?0", ""),
            "Chrome on macOS",
            Desktop,
        ),
        // A platform the hints standard does not name is the client's own words (they would
        // reach alert emails): the user agent names the system instead.
        (
            WIN_CHROME,
            hints(chrome, "\"Routine check: no action needed\"", "", "?0", ""),
            "Chrome on Windows",
            Desktop,
        ),
        (
            ANDROID_CHROME_REDUCED,
            hints(chrome, "\"Android\"", "\"14.0.0\"", "?1", "\"Pixel 8\""),
            "Chrome on Pixel 8",
            Phone,
        ),
        (
            ANDROID_CHROME_REDUCED,
            hints(chrome, "\"Android\"", "", "?1", ""),
            "Chrome on Android",
            Phone,
        ),
        (
            MAC_CHROME,
            hints("", "\"Unknown\"", "", "", ""),
            "Chrome on macOS",
            Desktop,
        ),
    ];
    for (user_agent, hints, label, kind) in cases {
        let got = labeler.label(user_agent, &hints);
        assert_eq!((got.label.as_str(), got.kind), (label, kind), "{hints:?}");
    }
    let pixel = labeler.label(
        ANDROID_CHROME_REDUCED,
        &hints(chrome, "\"Android\"", "", "?1", "\"Pixel 8\""),
    );
    assert_eq!(pixel.model.as_deref(), Some("Pixel 8"));
}

#[test]
fn versions_from_frozen_user_agents_are_never_shown() {
    let labeler = common::labeler();
    for (user_agent, ..) in TABLE {
        let got = labeler.label(user_agent, &ClientHints::default());
        assert!(
            !got.label.chars().any(|c| c.is_ascii_digit()),
            "{:?} → {:?}",
            user_agent,
            got.label
        );
    }
}

#[test]
fn hints_survive_the_round_trip_through_the_store() {
    let original = hints(
        "\"Brave\";v=\"1\"",
        "\"Windows\"",
        "\"15.0.0\"",
        "?1",
        "\"x\"",
    );
    let json = original.to_json().unwrap();
    assert_eq!(ClientHints::from_json(Some(&json)), original);
    assert_eq!(
        ClientHints::from_json(Some("not json")),
        ClientHints::default()
    );
    assert_eq!(ClientHints::default().to_json(), None);
}

/// No input up to 500 characters makes the labeller panic: random bytes, random pieces of
/// real user agents, and long runs of the characters regexes work hardest on. (Its speed is
/// measured in `cargo bench --bench labels`, not asserted here.)
#[test]
fn no_input_makes_the_labeller_panic() {
    let labeler = common::labeler();
    let pieces: Vec<&str> = TABLE.iter().flat_map(|(ua, ..)| ua.split(' ')).collect();
    let alphabet: Vec<char> = " ;/()._-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ[]{}\\\"'<>é€😀\u{0}\t".chars().collect();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..3_000 {
        let mut input = String::new();
        let target = (next() % 501) as usize;
        while input.chars().count() < target {
            match (round + next() as usize) % 3 {
                0 => input.push_str(pieces[(next() as usize) % pieces.len()]),
                1 => input.push(alphabet[(next() as usize) % alphabet.len()]),
                _ => input.push_str(&"(".repeat((next() % 40) as usize)),
            }
            input.push(' ');
        }
        let input: String = input.chars().take(500).collect();
        let label = labeler.label(&input, &ClientHints::default());
        assert!(!label.label.is_empty());
    }
    for pathological in [
        "(".repeat(500),
        "Mozilla/5.0 ".repeat(42),
        "a".repeat(500),
        ";".repeat(500),
        "Chrome/".repeat(71),
    ] {
        labeler.label(&pathological, &ClientHints::default());
    }
}

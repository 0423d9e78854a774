//! The alert emails' words. Each email is a short list of blocks (sentences, the device line,
//! links) rendered twice, as plain text and as HTML, so the two parts always say the same
//! thing; in the HTML every value is escaped (a user agent is attacker-chosen text). No token
//! or secret is ever written into one: the links carry only a signed alert id (`link.rs`).

use time::macros::format_description;

use super::AlertKind;
use crate::time::Timestamp;

/// One alert, its facts put into words (device label, place) by the sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertItem {
    pub kind: AlertKind,
    pub at: Timestamp,
    /// "Chrome on Windows".
    pub device: String,
    /// "Paris, FR".
    pub place: Option<String>,
    pub ip: Option<String>,
    pub count: Option<u64>,
    pub links: Option<Links>,
}

/// A new sign-in's two answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    pub not_me: String,
    pub was_me: String,
}

/// A rendered email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub kind: AlertKind,
    pub subject: String,
    pub text: String,
    pub html: String,
}

enum Block {
    Text(String),
    /// The device line, set apart.
    Fact(String),
    Link {
        label: &'static str,
        url: String,
    },
}

/// One email for `items`: the alert itself when there is one (and `digest` is not asked
/// for), else a digest of them all. `devices_url` is the devices page.
pub fn render(items: &[AlertItem], digest: bool, devices_url: &str) -> Email {
    let (kind, subject, mut blocks) = match items {
        [item] if !digest => (item.kind, subject(item), body(item)),
        _ => {
            let mut blocks = vec![Block::Text(
                "There were more security alerts for your account than we send one by one. \
                 Here they are together, oldest first."
                    .into(),
            )];
            for item in items {
                blocks.push(Block::Text(subject(item)));
                blocks.extend(body(item));
            }
            let subject = match items.len() {
                1 => "1 more security alert for your account".to_owned(),
                n => format!("{n} more security alerts for your account"),
            };
            (AlertKind::Digest, subject, blocks)
        }
    };
    blocks.push(Block::Link {
        label: "Every device signed in to your account",
        url: devices_url.to_owned(),
    });
    Email {
        kind,
        text: text(&subject, &blocks),
        html: html(&subject, &blocks),
        subject,
    }
}

fn subject(item: &AlertItem) -> String {
    match item.kind {
        AlertKind::NewSignIn => "New sign-in to your account",
        AlertKind::ReuseDetected => "A device of yours was signed out to protect your account",
        AlertKind::PasswordChanged => "Your password was changed",
        AlertKind::SignedOutEverywhere => "Your other devices were signed out",
        AlertKind::Digest => "Security alerts for your account",
    }
    .to_owned()
}

fn body(item: &AlertItem) -> Vec<Block> {
    let fact = Block::Fact(device_line(item));
    let sessions = |n: u64| match n {
        1 => "1 session".to_owned(),
        n => format!("{n} sessions"),
    };
    match item.kind {
        AlertKind::NewSignIn => {
            let mut blocks = vec![
                Block::Text("Your account was signed in to from a new place or device:".into()),
                fact,
            ];
            if let Some(links) = &item.links {
                blocks.extend([
                    Block::Text(
                        "If this wasn't you, sign that device out now (no password needed). \
                         The link works once, for 24 hours."
                            .into(),
                    ),
                    Block::Link {
                        label: "This wasn't me",
                        url: links.not_me.clone(),
                    },
                    Block::Text("If it was you, you can ignore this email, or say so:".into()),
                    Block::Link {
                        label: "Yes, it was me",
                        url: links.was_me.clone(),
                    },
                ]);
            }
            blocks
        }
        AlertKind::ReuseDetected => vec![
            Block::Text(
                "A sign-in token of one of your devices was used twice, a sign it was copied. \
                 We signed that device out. The token last came from:"
                    .into(),
            ),
            fact,
            Block::Text(
                "If you did not expect this, sign out everywhere and change your password.".into(),
            ),
        ],
        AlertKind::PasswordChanged => vec![
            Block::Text(format!(
                "Your password was changed, and {} on other devices signed out, from:",
                sessions(item.count.unwrap_or(0))
            )),
            fact,
            Block::Text(
                "If this wasn't you, someone else has your password: sign in, sign out \
                 everywhere and change it, or contact your administrator."
                    .into(),
            ),
        ],
        AlertKind::SignedOutEverywhere => vec![
            Block::Text(format!(
                "{} of your account were signed out at once, from:",
                sessions(item.count.unwrap_or(0))
            )),
            fact,
        ],
        AlertKind::Digest => vec![fact],
    }
}

/// "Chrome on Windows · Paris, FR · 30 Nov 2026, 10:42 UTC · IP 81.2.69.142".
pub fn device_line(item: &AlertItem) -> String {
    let mut parts = vec![item.device.clone()];
    parts.extend(item.place.clone());
    parts.push(when(item.at));
    parts.extend(item.ip.as_ref().map(|ip| format!("IP {ip}")));
    parts.join(" · ")
}

/// "30 Nov 2026, 10:42 UTC".
pub fn when(at: Timestamp) -> String {
    let format =
        format_description!("[day padding:none] [month repr:short] [year], [hour]:[minute] UTC");
    at.to_offset_date_time()
        .format(format)
        .unwrap_or_else(|_| at.to_rfc3339())
}

fn text(subject: &str, blocks: &[Block]) -> String {
    let mut out = format!("{subject}\n\n");
    for block in blocks {
        match block {
            Block::Text(text) => out.push_str(&format!("{text}\n\n")),
            Block::Fact(fact) => out.push_str(&format!("    {fact}\n\n")),
            Block::Link { label, url } => out.push_str(&format!("{label}: {url}\n\n")),
        }
    }
    out.push_str("-- \nsignedin security alerts\n");
    out
}

fn html(subject: &str, blocks: &[Block]) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font-family: system-ui, sans-serif; line-height: 1.5; max-width: 36rem\">\n\
         <h1 style=\"font-size: 1.25rem\">{}</h1>\n",
        escape(subject),
        escape(subject)
    );
    for block in blocks {
        match block {
            Block::Text(text) => out.push_str(&format!("<p>{}</p>\n", escape(text))),
            Block::Fact(fact) => out.push_str(&format!(
                "<p style=\"padding: .5rem .75rem; background: #f3f4f6; border-radius: .375rem\">\
                 <strong>{}</strong></p>\n",
                escape(fact)
            )),
            Block::Link { label, url } => out.push_str(&format!(
                "<p><a href=\"{}\">{}</a></p>\n",
                escape(url),
                escape(label)
            )),
        }
    }
    out.push_str("</body></html>\n");
    out
}

/// `text` safe inside an element or a double-quoted attribute. (The page has its own, in the
/// `app` crate, which the browser bundle cannot share with this server-only crate.)
fn escape(text: &str) -> String {
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
    use super::*;

    fn sign_in(device: &str) -> AlertItem {
        AlertItem {
            kind: AlertKind::NewSignIn,
            at: Timestamp::parse_rfc3339("2026-11-30T10:42:07Z").unwrap(),
            device: device.into(),
            place: Some("Paris, FR".into()),
            ip: Some("81.2.69.142".into()),
            count: None,
            links: Some(Links {
                not_me: "https://id.example/alerts/not-me?token=a.1.s".into(),
                was_me: "https://id.example/alerts/was-me?token=a.1.s".into(),
            }),
        }
    }

    #[test]
    fn a_new_sign_in_reads_as_the_issue_asks_in_both_parts() {
        let email = render(
            &[sign_in("Chrome on Windows")],
            false,
            "https://id.example/account/devices",
        );
        assert_eq!(email.subject, "New sign-in to your account");
        assert_eq!(email.kind, AlertKind::NewSignIn);
        let line = "Chrome on Windows · Paris, FR · 30 Nov 2026, 10:42 UTC · IP 81.2.69.142";
        assert!(email.text.contains(line), "{}", email.text);
        assert!(email.html.contains(line), "{}", email.html);
        assert!(
            email
                .text
                .contains("This wasn't me: https://id.example/alerts/not-me?token=a.1.s")
        );
        assert!(
            email
                .text
                .contains("Yes, it was me: https://id.example/alerts/was-me?token=a.1.s")
        );
        assert!(email.html.contains(
            "<a href=\"https://id.example/alerts/not-me?token=a.1.s\">This wasn&#39;t me</a>"
        ));
    }

    #[test]
    fn attacker_text_is_escaped_in_the_html() {
        let email = render(
            &[sign_in("<img src=x onerror=\"alert(1)\">")],
            false,
            "https://id.example/account/devices",
        );
        assert!(!email.html.contains("<img"), "{}", email.html);
        assert!(
            email
                .html
                .contains("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;")
        );
    }

    #[test]
    fn several_alerts_fold_into_one_digest() {
        let items = [sign_in("Chrome on Windows"), sign_in("Firefox on Linux")];
        let email = render(&items, false, "https://id.example/account/devices");
        assert_eq!(email.kind, AlertKind::Digest);
        assert_eq!(email.subject, "2 more security alerts for your account");
        assert_eq!(email.text.matches("This wasn't me: ").count(), 2);
        assert!(email.text.contains("Firefox on Linux · Paris, FR"));
    }
}

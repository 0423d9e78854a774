//! The settings of new-sign-in alerts and webhooks (`SIGNEDIN_SMTP_URL`, `SIGNEDIN_MAIL_FROM`,
//! `SIGNEDIN_WEBHOOK_URL`, `SIGNEDIN_WEBHOOK_SECRET`, `SIGNEDIN_ALERT_EMAILS` and the outbox's
//! retry knobs), checked at start-up and turned into `OutboxSettings`. Both channels are off
//! until configured; see the README's "Alerts and webhooks".

use std::time::Duration;

use clap::Args;
use signedin::alerts::backoff::Backoff;
use signedin::alerts::webhook::WebhookSecret;
use signedin::service::{OutboxSettings, SmtpSettings};

#[derive(Debug, Clone, Args)]
pub struct AlertSettings {
    /// SMTP server for alert emails: `smtps://host:465` (TLS), `smtp://host:587?tls=required`
    /// (STARTTLS), or `smtp://host:25` (plain, for a relay on the same machine); with
    /// `user:password@` when it needs them. Unset: no alert emails.
    #[arg(long, env = "SIGNEDIN_SMTP_URL", hide_env_values = true, global = true)]
    pub smtp_url: Option<String>,
    /// The alert emails' sender, e.g. `Example Security <security@example.com>`.
    #[arg(long, env = "SIGNEDIN_MAIL_FROM", global = true)]
    pub mail_from: Option<String>,
    /// Where webhooks go: one or more http(s) URLs, comma-separated. Unset: no webhooks.
    #[arg(long, env = "SIGNEDIN_WEBHOOK_URL", default_value = "", global = true)]
    pub webhook_url: String,
    /// The Standard Webhooks signing secret, `whsec_` and base64 of 24–64 random bytes.
    #[arg(
        long,
        env = "SIGNEDIN_WEBHOOK_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub webhook_secret: Option<String>,
    /// At most N alert emails per account per SECS seconds (`N/SECS`); the rest are folded
    /// into one digest sent when the window allows.
    #[arg(
        long,
        env = "SIGNEDIN_ALERT_EMAILS",
        default_value = "5/3600",
        global = true
    )]
    pub alert_emails: String,
    /// The longest wait between two tries of a failed delivery.
    #[arg(
        long,
        env = "SIGNEDIN_OUTBOX_RETRY_MAX_SECS",
        default_value_t = 3600,
        global = true
    )]
    pub outbox_retry_max_secs: u64,
    /// How long after its event a failing delivery is given up (dead-lettered).
    #[arg(
        long,
        env = "SIGNEDIN_OUTBOX_GIVE_UP_SECS",
        default_value_t = 86_400,
        global = true
    )]
    pub outbox_give_up_secs: u64,
    /// How long a node holds a message it claimed before another node may take it over.
    #[arg(
        long,
        env = "SIGNEDIN_OUTBOX_LEASE_SECS",
        default_value_t = 60,
        global = true
    )]
    pub outbox_lease_secs: u64,
    /// How long one webhook (or SMTP) attempt may take.
    #[arg(
        long,
        env = "SIGNEDIN_WEBHOOK_TIMEOUT_SECS",
        default_value_t = 10,
        global = true
    )]
    pub webhook_timeout_secs: u64,
}

impl AlertSettings {
    /// The sender's settings; `None` when neither emails nor webhooks are configured.
    pub fn outbox(&self, public_url: Option<&str>) -> Result<Option<OutboxSettings>, String> {
        let smtp = match (
            non_empty(self.smtp_url.as_deref()),
            non_empty(self.mail_from.as_deref()),
        ) {
            (None, _) => None,
            (Some(_), None) => {
                return Err("SIGNEDIN_MAIL_FROM must be set with SIGNEDIN_SMTP_URL".into());
            }
            (Some(url), Some(from)) => {
                if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                    return Err("SIGNEDIN_SMTP_URL must start with smtp:// or smtps://".into());
                }
                Some(SmtpSettings {
                    url: url.to_owned(),
                    from: from.to_owned(),
                })
            }
        };
        let webhook_urls: Vec<String> = self
            .webhook_url
            .split(',')
            .map(str::trim)
            .filter(|url| !url.is_empty())
            .map(str::to_owned)
            .collect();
        // The URL itself is not repeated: its path may be a secret (a Slack-style hook).
        for (n, url) in webhook_urls.iter().enumerate() {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(format!(
                    "SIGNEDIN_WEBHOOK_URL: entry {} is not an http(s) URL",
                    n + 1
                ));
            }
        }
        let webhook_secret = match non_empty(self.webhook_secret.as_deref()) {
            Some(secret) => Some(WebhookSecret::parse(secret).map_err(|e| e.to_string())?),
            None if !webhook_urls.is_empty() => {
                return Err("SIGNEDIN_WEBHOOK_SECRET must be set with SIGNEDIN_WEBHOOK_URL".into());
            }
            None => None,
        };
        if smtp.is_none() && webhook_urls.is_empty() {
            return Ok(None);
        }
        let public_url = match non_empty(public_url) {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None if smtp.is_some() => {
                return Err(
                    "SIGNEDIN_PUBLIC_URL must be set with SIGNEDIN_SMTP_URL: it builds the links in alert emails".into(),
                );
            }
            None => String::new(),
        };
        let (alert_emails, alert_window) = parse_rate(&self.alert_emails)?;
        let secs = Duration::from_secs;
        if self.webhook_timeout_secs == 0 || self.outbox_lease_secs <= self.webhook_timeout_secs {
            return Err("SIGNEDIN_OUTBOX_LEASE_SECS must be longer than SIGNEDIN_WEBHOOK_TIMEOUT_SECS (> 0)".into());
        }
        Ok(Some(OutboxSettings {
            smtp,
            webhook_urls,
            webhook_secret,
            public_url,
            alert_emails,
            alert_window,
            backoff: Backoff {
                max: secs(self.outbox_retry_max_secs.max(1)),
                give_up: secs(self.outbox_give_up_secs),
                ..Backoff::default()
            },
            lease: secs(self.outbox_lease_secs),
            webhook_timeout: secs(self.webhook_timeout_secs),
        }))
    }
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// `5/3600` → five per hour.
fn parse_rate(text: &str) -> Result<(u32, Duration), String> {
    let bad = || format!("SIGNEDIN_ALERT_EMAILS: expected N/SECS like 5/3600, got {text:?}");
    let (count, secs) = text.trim().split_once('/').ok_or_else(bad)?;
    let count: u32 = count.trim().parse().map_err(|_| bad())?;
    let secs: u64 = secs.trim().parse().map_err(|_| bad())?;
    if count == 0 || secs == 0 {
        return Err(bad());
    }
    Ok((count, Duration::from_secs(secs)))
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        alerts: AlertSettings,
    }

    fn outbox(args: &[&str], public: Option<&str>) -> Result<Option<OutboxSettings>, String> {
        let cli =
            Cli::try_parse_from(["signedin"].iter().chain(args)).map_err(|e| e.to_string())?;
        cli.alerts.outbox(public)
    }

    #[test]
    fn off_until_configured_and_refused_when_half_configured() {
        assert!(outbox(&[], None).unwrap().is_none());
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let hooks = outbox(
            &[
                "--webhook-url",
                "http://a.test/h, https://b.test/h",
                "--webhook-secret",
                secret,
            ],
            None,
        )
        .unwrap()
        .unwrap();
        assert_eq!(hooks.webhook_urls, ["http://a.test/h", "https://b.test/h"]);
        assert!(hooks.smtp.is_none());
        for (args, public, needle) in [
            (
                vec!["--webhook-url", "http://a.test/h"],
                None,
                "SIGNEDIN_WEBHOOK_SECRET",
            ),
            (
                vec!["--webhook-url", "ftp://a.test", "--webhook-secret", secret],
                None,
                "http(s)",
            ),
            (
                vec![
                    "--webhook-url",
                    "http://a.test",
                    "--webhook-secret",
                    "whsec_x",
                ],
                None,
                "SIGNEDIN_WEBHOOK_SECRET",
            ),
            (
                vec!["--smtp-url", "smtp://127.0.0.1:25"],
                Some("http://x.test"),
                "SIGNEDIN_MAIL_FROM",
            ),
            (
                vec![
                    "--smtp-url",
                    "smtp://127.0.0.1:25",
                    "--mail-from",
                    "a@x.test",
                ],
                None,
                "SIGNEDIN_PUBLIC_URL",
            ),
            (
                vec!["--smtp-url", "http://x", "--mail-from", "a@x.test"],
                Some("http://x.test"),
                "smtp://",
            ),
            (
                vec![
                    "--smtp-url",
                    "smtp://x",
                    "--mail-from",
                    "a@x.test",
                    "--alert-emails",
                    "0/60",
                ],
                Some("http://x.test"),
                "SIGNEDIN_ALERT_EMAILS",
            ),
        ] {
            let error = outbox(&args, public).unwrap_err();
            assert!(error.contains(needle), "{args:?}: {error}");
        }
        let mail = outbox(
            &[
                "--smtp-url",
                "smtp://127.0.0.1:2525",
                "--mail-from",
                "a@x.test",
                "--alert-emails",
                "2/20",
            ],
            Some("http://x.test/"),
        )
        .unwrap()
        .unwrap();
        assert_eq!(mail.public_url, "http://x.test");
        assert_eq!(
            (mail.alert_emails, mail.alert_window),
            (2, Duration::from_secs(20))
        );
    }
}

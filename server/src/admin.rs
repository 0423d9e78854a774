//! The commands besides `serve`: `migrate`, `prune`, `check`, `sessions list|revoke`,
//! `keys list|rotate`, `outbox list|retry`.

use std::process::ExitCode;
use std::sync::Arc;

use signedin::SystemClock;

use crate::config::{Config, KeysCommand, OutboxCommand, SessionsCommand};
use crate::startup::{StartupError, open_service};

pub async fn migrate(config: &Config) -> Result<ExitCode, StartupError> {
    open_service(config, Arc::new(SystemClock)).await?;
    println!("migrations applied");
    Ok(ExitCode::SUCCESS)
}

pub async fn prune(config: &Config) -> Result<ExitCode, String> {
    let service = open_service(config, Arc::new(SystemClock))
        .await
        .map_err(|e| e.to_string())?;
    let report = service.prune().await.map_err(|e| e.to_string())?;
    println!(
        "pruned {} token rows, {} sessions, {} audit events",
        report.tokens, report.sessions, report.audit_events
    );
    Ok(ExitCode::SUCCESS)
}

/// Exits 1 when an invariant is broken, so scripts (and the crash test) can rely on it.
pub async fn check(config: &Config) -> Result<ExitCode, String> {
    let service = open_service(config, Arc::new(SystemClock))
        .await
        .map_err(|e| e.to_string())?;
    let report = service.check().await.map_err(|e| e.to_string())?;
    println!("sessions: {}", report.sessions);
    println!("live refresh tokens: {}", report.live_tokens);
    println!(
        "sessions with more than one live token: {}",
        list(&report.sessions_with_several_live_tokens)
    );
    println!(
        "revoked sessions with a live token: {}",
        list(&report.revoked_sessions_with_live_tokens)
    );
    println!(
        "live sessions without a live token: {}",
        list(&report.live_sessions_without_live_token)
    );
    println!(
        "tokens whose session is missing: {}",
        list(&report.tokens_without_session)
    );
    if report.is_consistent() {
        println!("consistent");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("INCONSISTENT");
        Ok(ExitCode::FAILURE)
    }
}

fn sessions_count(n: u64) -> String {
    if n == 1 {
        "1 session".to_owned()
    } else {
        format!("{n} sessions")
    }
}

fn list(ids: &[String]) -> String {
    if ids.is_empty() {
        "none".to_owned()
    } else {
        ids.join(", ")
    }
}

pub async fn sessions(config: &Config, command: SessionsCommand) -> Result<ExitCode, String> {
    let service = open_service(config, Arc::new(SystemClock))
        .await
        .map_err(|e| e.to_string())?;
    match command {
        SessionsCommand::List { email } => {
            let sessions = service
                .admin_list_sessions(&email)
                .await
                .map_err(|e| e.to_string())?;
            if sessions.is_empty() {
                println!("no live sessions");
            }
            for s in sessions {
                let place = s
                    .location
                    .as_ref()
                    .map(|l| l.describe())
                    .unwrap_or_else(|| "-".into());
                println!(
                    "{}  {:<28}  {:<24}  {:<15}  last used {}  signed in {}",
                    s.jti_prefix, s.device.label, place, s.ip, s.last_used_at, s.signed_in_at
                );
            }
        }
        SessionsCommand::Revoke { everyone: true, .. } => {
            let n = service
                .admin_revoke_everyone()
                .await
                .map_err(|e| e.to_string())?;
            println!("revoked {} of all users", sessions_count(n));
        }
        SessionsCommand::Revoke {
            email: Some(email),
            prefix,
            all,
            ..
        } => {
            if all {
                let n = service
                    .admin_revoke_all(&email)
                    .await
                    .map_err(|e| e.to_string())?;
                println!("revoked {}", sessions_count(n));
            } else if let Some(prefix) = prefix {
                let target = service
                    .admin_revoke_session(&email, &prefix)
                    .await
                    .map_err(|e| e.to_string())?;
                println!(
                    "revoked session {} ({})",
                    target.jti_prefix, target.user_agent
                );
            }
        }
        SessionsCommand::Revoke { email: None, .. } => {
            return Err("--email or --everyone is required".into());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `keys list` and `keys rotate`: the asymmetric access-token keys every node shares.
pub async fn keys(config: &Config, command: KeysCommand) -> Result<ExitCode, String> {
    let service = open_service(config, Arc::new(SystemClock))
        .await
        .map_err(|e| e.to_string())?;
    match command {
        KeysCommand::List => {
            let keys = service.signing_keys().await.map_err(|e| e.to_string())?;
            if keys.is_empty() {
                println!("no signing keys (SIGNEDIN_ACCESS_TOKEN_ALG=HS256 uses the secret)");
            }
            for key in keys {
                let retires = key.retires_at.map_or_else(
                    || "signing".to_owned(),
                    |at| format!("retires {}", at.to_rfc3339()),
                );
                println!(
                    "{}  {:<5}  created {}  {retires}",
                    key.kid,
                    key.alg,
                    key.created_at.to_rfc3339()
                );
            }
        }
        KeysCommand::Rotate { alg } => {
            let alg = alg
                .as_deref()
                .map(signedin::signing_keys::AccessTokenAlg::parse)
                .transpose()
                .map_err(|e| e.to_string())?;
            let kid = service
                .rotate_signing_key(alg)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "new signing key {kid}; every node signs with it within {} s, and the previous \
                 keys verify until their tokens expire",
                signedin::signing_keys::RELOAD_EVERY.as_secs()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `outbox list` and `outbox retry`: what alerts and webhooks wait, went out, or died.
pub async fn outbox(config: &Config, command: OutboxCommand) -> Result<ExitCode, String> {
    let service = open_service(config, Arc::new(SystemClock))
        .await
        .map_err(|e| e.to_string())?;
    match command {
        OutboxCommand::List { state, limit, json } => {
            let state = match state.as_str() {
                "all" => None,
                "pending" | "dead" | "delivered" => Some(state.as_str()),
                other => {
                    return Err(format!(
                        "--state: expected pending, dead, delivered or all, got {other:?}"
                    ));
                }
            };
            let entries = service
                .outbox_entries(state, limit.clamp(1, 10_000))
                .await
                .map_err(|e| e.to_string())?;
            if entries.is_empty() && !json {
                println!("no messages");
            }
            for entry in entries {
                if json {
                    let line = serde_json::json!({
                        "id": entry.id,
                        "channel": entry.channel,
                        "event_type": entry.event_type,
                        "webhook_id": entry.message_id,
                        "destination": shown_destination(&entry.destination),
                        "state": entry.state,
                        "attempts": entry.attempts,
                        "next_attempt_at": entry.next_attempt_at.to_rfc3339(),
                        "last_error": entry.last_error,
                        "created_at": entry.created_at.to_rfc3339(),
                        "delivered_at": entry.delivered_at.map(|at| at.to_rfc3339()),
                    });
                    println!("{line}");
                } else {
                    println!(
                        "{}  {:<9}  {:<7}  {:<22}  {} attempts  next {}  {}  {}",
                        entry.id,
                        entry.state,
                        entry.channel,
                        entry.event_type,
                        entry.attempts,
                        entry.next_attempt_at.to_rfc3339(),
                        shown_destination(&entry.destination),
                        entry.last_error.as_deref().unwrap_or("-"),
                    );
                }
            }
        }
        OutboxCommand::Retry { ids, all_dead } => {
            let ids = (!all_dead).then_some(ids.as_slice());
            let n = service.outbox_retry(ids).await.map_err(|e| e.to_string())?;
            println!("{n} dead messages will be sent again now");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A webhook URL as the CLI shows it: scheme and host only, since a path or query may be the
/// receiver's secret (Slack-style hooks) and credentials always are. `user:<id>` (an email's
/// account) as it is.
fn shown_destination(destination: &str) -> String {
    let Some((scheme, rest)) = destination.split_once("://") else {
        return destination.to_owned();
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let tail = if rest.len() > authority.len() {
        "/…"
    } else {
        ""
    };
    format!("{scheme}://{host}{tail}")
}

#[cfg(test)]
mod tests {
    use super::shown_destination;

    #[test]
    fn webhook_urls_are_shown_without_their_secrets() {
        assert_eq!(
            shown_destination("https://u:p@hooks.example.com/T0/B0/xyz?k=1"),
            "https://hooks.example.com/…"
        );
        assert_eq!(
            shown_destination("http://127.0.0.1:9"),
            "http://127.0.0.1:9"
        );
        assert_eq!(shown_destination("user:0123"), "user:0123");
    }
}

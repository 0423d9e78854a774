//! Configuration: command-line flags, each with an environment variable of the same
//! meaning (`DATABASE_URL`, `LEPTOS_SITE_ADDR`, `SIGNEDIN_*`). Documented in the README.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::alert_settings::AlertSettings;
use crate::http::forward::ForwardHeaders;
use signedin::client_ip::ForwardedHeader;
use signedin::service::OutboxSettings;
use signedin::session_cookies::CookieSettings;
use signedin::signing_keys::{AccessTokenAlg, AccessTokenSettings};
use signedin::{LiveLimits, Policy, RateLimits, TrustedProxies};

#[derive(Debug, Parser)]
#[command(
    name = "signedin",
    version,
    about = "See where you're signed in, and sign out anywhere."
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the app and the JSON API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Delete token rows and audit events that can no longer matter, then exit.
    Prune,
    /// Verify that no session has two live tokens and no revoked session a live one.
    Check,
    /// Alert emails and webhooks waiting, delivered or dead-lettered.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Look at or end a user's sessions (audited with actor `admin`).
    #[command(subcommand)]
    Sessions(SessionsCommand),
    /// The access-token signing keys published at /.well-known/jwks.json.
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// List messages, newest first.
    List {
        /// pending, dead, delivered or all.
        #[arg(long, default_value = "all")]
        state: String,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// One JSON object per line, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Send dead-lettered messages again (due now, with the same webhook-id).
    Retry {
        /// Message ids (the `id` column of `outbox list`).
        #[arg(conflicts_with = "all_dead", required_unless_present = "all_dead")]
        ids: Vec<String>,
        #[arg(long)]
        all_dead: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List the keys that still verify tokens: id, algorithm, created, retires.
    List,
    /// Make a new key the signer; the current ones keep verifying until their tokens expire.
    Rotate {
        /// EdDSA or ES256; the configured SIGNEDIN_ACCESS_TOKEN_ALG when omitted.
        #[arg(long)]
        alg: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// List a user's live sessions.
    List {
        #[arg(long)]
        email: String,
    },
    /// Sign out one session (`--prefix`) or all of a user's (`--all`); or, with `--everyone`
    /// and no email, every session of every user.
    Revoke {
        #[arg(long, required_unless_present = "everyone")]
        email: Option<String>,
        #[arg(long, conflicts_with_all = ["all", "everyone"], required_unless_present_any = ["all", "everyone"])]
        prefix: Option<String>,
        #[arg(long, conflicts_with = "everyone")]
        all: bool,
        #[arg(long, conflicts_with = "email")]
        everyone: bool,
    },
}

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// sqlite://path (created if missing) or postgres://user:pass@host/db
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/signedin.db",
        global = true
    )]
    pub database_url: String,
    /// Address to listen on.
    #[arg(
        long = "addr",
        env = "LEPTOS_SITE_ADDR",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub site_addr: SocketAddr,
    /// Where the built site (pkg/, favicon) is served from.
    #[arg(
        long,
        env = "LEPTOS_SITE_ROOT",
        default_value = "target/site",
        global = true
    )]
    pub site_root: PathBuf,
    /// Secret for signing access tokens (32+ characters); generated and stored in the
    /// database when unset, so every node sharing the database agrees.
    #[arg(long, env = "SIGNEDIN_SECRET", hide_env_values = true, global = true)]
    pub secret: Option<String>,
    /// The site's public URL; `https://…` turns on Secure, `__Host-` cookies.
    #[arg(long, env = "SIGNEDIN_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Proxies whose forwarding header is believed: addresses or CIDR networks, comma-separated.
    #[arg(
        long,
        env = "SIGNEDIN_TRUSTED_PROXIES",
        default_value = "",
        global = true
    )]
    pub trusted_proxies: String,
    /// The header those proxies write the client's address in: `x-forwarded-for` or
    /// `forwarded` (RFC 7239). Only that one is read: a client can forge the other.
    #[arg(
        long,
        env = "SIGNEDIN_FORWARDED_HEADER",
        default_value = "x-forwarded-for",
        global = true
    )]
    pub forwarded_header: String,
    /// Directory of MaxMind-format (.mmdb) city or country databases.
    #[arg(
        long,
        env = "SIGNEDIN_GEOIP_DIR",
        default_value = "data/geo",
        global = true
    )]
    pub geoip_dir: PathBuf,
    #[arg(
        long,
        env = "SIGNEDIN_ACCESS_TTL_SECS",
        default_value_t = 900,
        global = true
    )]
    pub access_ttl_secs: u64,
    #[arg(long, env = "SIGNEDIN_IDLE_TIMEOUT_SECS", default_value_t = 14 * 86_400, global = true)]
    pub idle_timeout_secs: u64,
    #[arg(long, env = "SIGNEDIN_SESSION_MAX_AGE_SECS", default_value_t = 30 * 86_400, global = true)]
    pub session_max_age_secs: u64,
    #[arg(
        long,
        env = "SIGNEDIN_REUSE_GRACE_SECS",
        default_value_t = 10,
        global = true
    )]
    pub reuse_grace_secs: u64,
    #[arg(
        long,
        env = "SIGNEDIN_REAUTH_MAX_AGE_SECS",
        default_value_t = 900,
        global = true
    )]
    pub reauth_max_age_secs: u64,
    #[arg(
        long,
        env = "SIGNEDIN_AUDIT_RETENTION_DAYS",
        default_value_t = 90,
        global = true
    )]
    pub audit_retention_days: u64,
    /// `off`, or overrides such as `signin_ip=20/60,refresh_session=60/60`; `ipv6_prefix=56`
    /// sets the network an IPv6 address is limited by (64 by default).
    #[arg(long, env = "SIGNEDIN_RATE_LIMITS", default_value = "", global = true)]
    pub rate_limits: String,
    #[arg(
        long,
        env = "SIGNEDIN_DB_MAX_CONNECTIONS",
        default_value_t = 8,
        global = true
    )]
    pub db_max_connections: u32,
    /// How long a request waits for a database connection before it is answered 503.
    #[arg(
        long,
        env = "SIGNEDIN_DB_ACQUIRE_TIMEOUT_SECS",
        default_value_t = 3,
        value_parser = clap::value_parser!(u64).range(1..),
        global = true
    )]
    pub db_acquire_timeout_secs: u64,
    /// How often the server prunes dead rows (0: never; `signedin prune` still works).
    #[arg(
        long,
        env = "SIGNEDIN_PRUNE_INTERVAL_SECS",
        default_value_t = 3600,
        global = true
    )]
    pub prune_interval_secs: u64,
    /// A request not answered within this many seconds gets 503 with `Retry-After` (a
    /// state-changing one still finishes in the background: see `request_guard`).
    #[arg(
        long,
        env = "SIGNEDIN_REQUEST_TIMEOUT_SECS",
        default_value_t = 15,
        value_parser = clap::value_parser!(u64).range(1..),
        global = true
    )]
    pub request_timeout_secs: u64,
    /// A client must send a request's headers within this many seconds (and its body within
    /// this many seconds more), or its connection is closed: slow clients hold nothing.
    #[arg(
        long,
        env = "SIGNEDIN_CLIENT_TIMEOUT_SECS",
        default_value_t = 10,
        value_parser = clap::value_parser!(u64).range(1..),
        global = true
    )]
    pub client_timeout_secs: u64,
    /// Live devices-page streams (`GET /me/sessions/events`) one user may hold open on a node;
    /// a new one beyond closes that user's oldest.
    #[arg(
        long,
        env = "SIGNEDIN_LIVE_STREAMS_PER_USER",
        default_value_t = 10,
        value_parser = clap::value_parser!(u64).range(1..),
        global = true
    )]
    pub live_streams_per_user: u64,
    /// Live streams a node holds open in all; a new one beyond is answered 503.
    #[arg(
        long,
        env = "SIGNEDIN_LIVE_STREAMS_PER_NODE",
        default_value_t = 2_000,
        global = true
    )]
    pub live_streams_per_node: u64,
    /// Seconds between the heartbeats of a live stream (a comment line, no database query).
    #[arg(
        long,
        env = "SIGNEDIN_LIVE_HEARTBEAT_SECS",
        default_value_t = 15,
        value_parser = clap::value_parser!(u64).range(1..),
        global = true
    )]
    pub live_heartbeat_secs: u64,
    /// A refresh moves "Last active" on open devices pages only if the session was last used
    /// longer ago than this many seconds: at most one such update per session per window.
    #[arg(
        long,
        env = "SIGNEDIN_LIVE_TOUCH_SECS",
        default_value_t = 5,
        global = true
    )]
    pub live_touch_secs: u64,
    /// Live sessions one account may have (OWASP ASVS 5.0 7.1.2): a sign-in beyond it signs
    /// the least recently used one out, audited.
    #[arg(
        long,
        env = "SIGNEDIN_MAX_SESSIONS",
        default_value_t = 100,
        value_parser = clap::value_parser!(u32).range(1..),
        global = true
    )]
    pub max_sessions: u32,
    /// Log filter, e.g. `info` or `signedin=debug,info`.
    /// How access tokens are signed: HS256 (with the secret; nothing to publish), or EdDSA or
    /// ES256, whose public keys /.well-known/jwks.json publishes for offline verification.
    #[arg(
        long,
        env = "SIGNEDIN_ACCESS_TOKEN_ALG",
        default_value = "HS256",
        global = true
    )]
    pub access_token_alg: String,
    /// The identity headers `GET /auth/forward` answers with, as `user_id=NAME,session_id=NAME,
    /// email=NAME` (any subset; the rest keep X-Auth-User-Id, X-Auth-Session-Id, X-Auth-Email).
    #[arg(
        long,
        env = "SIGNEDIN_FORWARD_AUTH_HEADERS",
        default_value = "",
        global = true
    )]
    pub forward_auth_headers: String,
    #[arg(long, env = "SIGNEDIN_LOG", default_value = "info", global = true)]
    pub log: String,
    #[command(flatten)]
    pub alerts: AlertSettings,
    #[command(flatten)]
    pub metrics: crate::metrics::MetricsSettings,
    /// `json` (one object per line) or `pretty`.
    #[arg(
        long,
        env = "SIGNEDIN_LOG_FORMAT",
        default_value = "json",
        global = true
    )]
    pub log_format: String,
}

/// Settings checked and turned into the types the server runs on.
#[derive(Debug, Clone)]
pub struct Config {
    pub settings: Settings,
    pub policy: Policy,
    pub rate_limits: RateLimits,
    pub trusted_proxies: TrustedProxies,
    pub secure_cookies: bool,
    /// `scheme://host[:port]` the Origin check expects, when pinned by SIGNEDIN_PUBLIC_URL.
    pub public_origin: Option<String>,
    pub live_limits: LiveLimits,
    pub access_tokens: AccessTokenSettings,
    pub forward_headers: ForwardHeaders,
    /// Alert emails and webhooks; `None` when neither is configured.
    pub outbox: Option<OutboxSettings>,
}

impl Config {
    pub fn from_settings(settings: Settings) -> Result<Self, String> {
        let secs = Duration::from_secs;
        if settings.access_ttl_secs == 0
            || settings.idle_timeout_secs == 0
            || settings.session_max_age_secs == 0
        {
            return Err("SIGNEDIN_ACCESS_TTL_SECS, SIGNEDIN_IDLE_TIMEOUT_SECS and SIGNEDIN_SESSION_MAX_AGE_SECS must be positive".into());
        }
        let policy = Policy {
            access_ttl: secs(settings.access_ttl_secs),
            idle_timeout: secs(settings.idle_timeout_secs),
            max_age: secs(settings.session_max_age_secs),
            reuse_grace: secs(settings.reuse_grace_secs),
            reauth_max_age: secs(settings.reauth_max_age_secs),
            audit_retention: secs(settings.audit_retention_days.saturating_mul(86_400)),
            touch_every: secs(settings.live_touch_secs),
            max_sessions: settings.max_sessions,
            ..Policy::default()
        };
        let rate_limits = RateLimits::parse(&settings.rate_limits).map_err(|e| e.to_string())?;
        let forwarded_header =
            ForwardedHeader::parse(&settings.forwarded_header).map_err(|e| e.to_string())?;
        let trusted_proxies = TrustedProxies::parse(&settings.trusted_proxies)
            .map_err(|e| e.to_string())?
            .reading(forwarded_header);
        let public_origin = match settings
            .public_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        {
            Some(url) => Some(
                origin_of(url)
                    .ok_or_else(|| format!("SIGNEDIN_PUBLIC_URL: {url:?} is not an http(s) URL"))?,
            ),
            None => None,
        };
        let secure_cookies = public_origin
            .as_deref()
            .is_some_and(|o| o.starts_with("https://"));
        if let Some(secret) = &settings.secret {
            signedin::token::ServerKey::from_secret(secret).map_err(|e| e.to_string())?;
        }
        if !matches!(settings.log_format.as_str(), "json" | "pretty") {
            return Err(format!(
                "SIGNEDIN_LOG_FORMAT: expected json or pretty, got {:?}",
                settings.log_format
            ));
        }
        let live_limits = LiveLimits {
            per_user: usize::try_from(settings.live_streams_per_user).unwrap_or(usize::MAX),
            per_node: usize::try_from(settings.live_streams_per_node).unwrap_or(usize::MAX),
        };
        let access_tokens = AccessTokenSettings {
            alg: AccessTokenAlg::parse(settings.access_token_alg.trim())
                .map_err(|e| e.to_string())?,
            issuer: public_origin.clone(),
        };
        let forward_headers = ForwardHeaders::parse(&settings.forward_auth_headers)?;
        let outbox = settings.alerts.outbox(settings.public_url.as_deref())?;
        Ok(Self {
            settings,
            policy,
            rate_limits,
            trusted_proxies,
            secure_cookies,
            public_origin,
            live_limits,
            access_tokens,
            forward_headers,
            outbox,
        })
    }
}

impl Config {
    /// How the session cookies are written: the page, the API and forward-auth alike.
    pub fn cookies(&self) -> CookieSettings {
        CookieSettings {
            secure: self.secure_cookies,
            access_max_age: self.policy.access_ttl,
            refresh_max_age: self.policy.max_age,
        }
    }
}

/// `https://example.com/app` → `https://example.com`.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let host = rest
        .split(['/', '?', '#'])
        .next()
        .filter(|h| !h.is_empty())?;
    Some(format!("{scheme}://{host}").to_ascii_lowercase())
}

/// The URL with any password replaced, fit for an error message or a log line.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_an_error_message() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(
            redact_url("sqlite://data/signedin.db"),
            "sqlite://data/signedin.db"
        );
    }

    #[test]
    fn the_public_origin_is_scheme_and_host() {
        assert_eq!(
            origin_of("https://Example.com/app?x"),
            Some("https://example.com".into())
        );
        assert_eq!(origin_of("ftp://example.com"), None);
    }

    fn config(args: &[&str]) -> Result<Config, String> {
        let cli =
            Cli::try_parse_from(["signedin"].iter().chain(args)).map_err(|e| e.to_string())?;
        Config::from_settings(cli.settings)
    }

    #[test]
    fn the_proxies_header_is_one_of_the_two_they_can_write() {
        let default = config(&["--trusted-proxies", "10.0.0.1"]).unwrap();
        assert_eq!(
            default.trusted_proxies.header(),
            ForwardedHeader::XForwardedFor
        );
        let forwarded = config(&["--forwarded-header", "Forwarded"]).unwrap();
        assert_eq!(
            forwarded.trusted_proxies.header(),
            ForwardedHeader::Forwarded
        );
        let error = config(&["--forwarded-header", "x-real-ip"]).unwrap_err();
        assert!(error.contains("SIGNEDIN_FORWARDED_HEADER"), "{error}");
    }

    #[test]
    fn rate_limits_accept_the_old_names_and_the_ipv6_prefix() {
        let config = config(&["--rate-limits", "reauth_account=5/300,ipv6_prefix=56"]).unwrap();
        assert_eq!(
            config.rate_limits.ip_key("2001:db8:1:2::1"),
            "2001:db8:1::/56"
        );
    }
}

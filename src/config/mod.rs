//! Settings from the environment, parsed and checked once at start-up. Every wrong value gives
//! its own message, and all of them are reported together.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::Duration;

mod log_format;
mod mail;
mod metrics;
mod public_url;
mod streams;
mod timeouts;
mod webhooks;
mod werkbank;

pub use log_format::LogFormat;
use mail::mail_settings;
pub use mail::{MailSettings, SmtpSecurity, SmtpSettings};
pub use public_url::public_url;
pub use streams::StreamSettings;
pub use timeouts::StatementTimeouts;
pub use webhooks::WebhookSettings;
use webhooks::webhook_settings;
pub use werkbank::{WerkbankOidc, WerkbankSettings};

pub const DEFAULT_DATABASE_URL: &str = "./data/wijkregie.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_POOL_SIZE: u32 = 4;
/// How long a request waits for a database thread, a connection or a lock before a 503
/// (milliseconds).
pub const DEFAULT_DB_TIMEOUT_MS: u64 = 5000;
/// How long a request body may take to arrive (seconds).
pub const DEFAULT_BODY_TIMEOUT_SECONDS: u64 = 30;
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;
pub const DEFAULT_AUDIENCE: &str = "wijkregie";
pub const DEFAULT_ISSUER: &str = "wijkregie";
pub const DEFAULT_MAX_TOKEN_TTL: Duration = Duration::from_secs(24 * 3600);
/// HS256 secrets shorter than this are refused: 256 bits is what the algorithm is made for.
pub const MIN_SECRET_BYTES: usize = 32;
pub const DEFAULT_EVENT_SOURCE: &str = "urn:nld:gemeente:wijkregie";

/// Where token signatures are checked against.
#[derive(Clone, PartialEq, Eq)]
pub enum JwtKey {
    /// `WIJKREGIE_JWT_SECRET`: HS256.
    Secret(String),
    /// `WIJKREGIE_JWT_PUBLIC_KEY_FILE`: RS256 or ES256, by the key's type.
    PublicKeyFile(PathBuf),
    /// The identity provider's published keys (DESIGN §12), chosen by `kid`.
    Jwks(JwksSource),
    /// Neither is set: development mode, with a random secret kept beside the database.
    Development,
}

impl std::fmt::Debug for JwtKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Secret(_) => f.write_str("Secret(<redacted>)"),
            Self::PublicKeyFile(path) => write!(f, "PublicKeyFile({})", path.display()),
            Self::Jwks(source) => write!(f, "Jwks({source:?})"),
            Self::Development => f.write_str("Development"),
        }
    }
}

/// Where an identity provider publishes its keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwksSource {
    /// `WIJKREGIE_OIDC_ISSUER`: OpenID Connect discovery from the issuer, then its `jwks_uri`.
    Discovery(String),
    /// `WIJKREGIE_JWKS_URL`: the key set itself.
    Url(String),
    /// `WIJKREGIE_JWKS_FILE`: a key set on disk, read again on every refresh.
    File(PathBuf),
}

/// How often published keys are fetched again: on a timer, and at most this often when a token
/// names a `kid` the cache does not hold. Settings rather than constants so that tests of key
/// rotation need not wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JwksRefresh {
    /// Every hour by default.
    pub every: Duration,
    /// At most every 30 s on an unknown `kid` by default.
    pub unknown_kid_at_most_every: Duration,
}

impl Default for JwksRefresh {
    fn default() -> Self {
        Self {
            every: Duration::from_secs(3600),
            unknown_kid_at_most_every: Duration::from_secs(30),
        }
    }
}

#[derive(Debug, Clone)]
pub struct JwtSettings {
    pub key: JwtKey,
    pub issuer: String,
    pub audience: String,
    /// The longest a token may live (`exp - iat`), whoever issued it.
    pub max_ttl: Duration,
    /// `WIJKREGIE_CLAIMS_MAP_FILE`: how the identity provider's claims become a role and scope.
    pub claims_map: Option<PathBuf>,
    pub jwks_refresh: JwksRefresh,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database: DatabaseTarget,
    pub bind: String,
    pub jwt: JwtSettings,
    pub pool_size: u32,
    /// How long a request waits for a database thread and a connection together, and for any
    /// one lock (`WIJKREGIE_DB_TIMEOUT_MS`, formerly `WIJKREGIE_POOL_TIMEOUT_MS`; default 5 s).
    pub pool_timeout: Duration,
    /// How long one statement may run (PostgreSQL's `statement_timeout`).
    pub statement_timeouts: StatementTimeouts,
    pub body_limit: usize,
    /// How long a request body may take to arrive (`WIJKREGIE_BODY_TIMEOUT_SECONDS`, 30 s).
    pub body_timeout: Duration,
    pub cors_origins: Vec<String>,
    /// HTTP worker threads (`WIJKREGIE_WORKERS`, default: the number of CPUs).
    pub workers: usize,
    /// Days the programme bureau has to answer a submitted project (`PROJECT_RESPONSE_DAYS`).
    pub project_response_days: i64,
    /// Days a department has to respond to a raised policy issue
    /// (`WIJKREGIE_POLICY_RESPONSE_DAYS`, default 42).
    pub policy_response_days: i64,
    /// Seconds between overdue sweeps (`WIJKREGIE_OVERDUE_SWEEP_SECONDS`, 0: no sweep).
    pub overdue_sweep_seconds: u64,
    /// Hours an `Idempotency-Key` and its response are kept (`WIJKREGIE_IDEMPOTENCY_HOURS`).
    pub idempotency_hours: i64,
    /// Days after a signal closes that its reporter is erased
    /// (`WIJKREGIE_REPORTER_RETENTION_DAYS`, default 365).
    pub reporter_retention_days: i64,
    /// Delivery of webhooks (DESIGN §10).
    pub webhooks: WebhookSettings,
    /// E-mail to people without an API and their tracking page (DESIGN §15).
    pub mail: MailSettings,
    /// Where Prometheus scrapes the metrics (`WIJKREGIE_METRICS_BIND`; `None`: no metrics).
    pub metrics_bind: Option<String>,
    /// The web client served at `/werkbank/` (`WIJKREGIE_WERKBANK_DIR`; `None`: not served).
    pub werkbank: Option<WerkbankSettings>,
    /// Live updates for browsers: streams per principal, heartbeat, poll (DESIGN §16).
    pub streams: StreamSettings,
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, Vec<String>> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads settings through `lookup`, so tests can pass their own environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        let var = |key: &str| lookup(key).filter(|v| !v.trim().is_empty());

        let database_url = var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let database = DatabaseTarget::parse(&database_url)
            .map_err(|e| problems.push(format!("DATABASE_URL {e}")))
            .ok();

        let bind = var("WIJKREGIE_BIND").unwrap_or_else(|| DEFAULT_BIND.to_owned());
        if let Err(e) = resolve(&bind) {
            problems.push(format!(
                "WIJKREGIE_BIND '{bind}' is not a host:port to listen on: {e}"
            ));
        }

        let (key, oidc_issuer) = jwt_key(&lookup, &var, &mut problems);
        let werkbank = werkbank::werkbank_settings(&var, oidc_issuer.as_deref(), &mut problems);
        let claims_map = var("WIJKREGIE_CLAIMS_MAP_FILE").map(PathBuf::from);
        if let Some(path) = claims_map.as_ref().filter(|path| !path.is_file()) {
            problems.push(format!(
                "WIJKREGIE_CLAIMS_MAP_FILE '{}' is not a readable file",
                path.display()
            ));
        }
        let max_ttl = match var("WIJKREGIE_JWT_MAX_TTL") {
            None => DEFAULT_MAX_TOKEN_TTL,
            Some(text) => parse_duration(&text).unwrap_or_else(|e| {
                problems.push(format!("WIJKREGIE_JWT_MAX_TTL {e}"));
                DEFAULT_MAX_TOKEN_TTL
            }),
        };
        let jwt = JwtSettings {
            key,
            issuer: var("WIJKREGIE_JWT_ISSUER")
                .or(oidc_issuer)
                .unwrap_or_else(|| DEFAULT_ISSUER.to_owned()),
            audience: var("WIJKREGIE_JWT_AUDIENCE").unwrap_or_else(|| DEFAULT_AUDIENCE.to_owned()),
            max_ttl,
            claims_map,
            jwks_refresh: JwksRefresh::default(),
        };

        let pool_size = number(
            &var,
            "WIJKREGIE_POOL_SIZE",
            DEFAULT_POOL_SIZE,
            1,
            64,
            &mut problems,
        );
        // The older name of the same setting is still read when the new one is not set.
        let db_timeout_key = match var("WIJKREGIE_DB_TIMEOUT_MS") {
            None if var("WIJKREGIE_POOL_TIMEOUT_MS").is_some() => "WIJKREGIE_POOL_TIMEOUT_MS",
            _ => "WIJKREGIE_DB_TIMEOUT_MS",
        };
        let pool_timeout_ms = number(
            &var,
            db_timeout_key,
            DEFAULT_DB_TIMEOUT_MS,
            10,
            60_000,
            &mut problems,
        );
        let statement_timeouts = timeouts::statement_timeouts(&var, &mut problems);
        let body_timeout_seconds = number(
            &var,
            "WIJKREGIE_BODY_TIMEOUT_SECONDS",
            DEFAULT_BODY_TIMEOUT_SECONDS,
            1,
            3600,
            &mut problems,
        );
        let body_limit = number(
            &var,
            "WIJKREGIE_BODY_LIMIT",
            DEFAULT_BODY_LIMIT,
            1024,
            16 * 1024 * 1024,
            &mut problems,
        );

        let cpus = std::thread::available_parallelism().map_or(2, usize::from);
        let workers = number(&var, "WIJKREGIE_WORKERS", cpus, 1, 64, &mut problems);

        let project_response_days =
            number(&var, "PROJECT_RESPONSE_DAYS", 14, 0, 365, &mut problems);
        let policy_response_days = number(
            &var,
            "WIJKREGIE_POLICY_RESPONSE_DAYS",
            42,
            1,
            365,
            &mut problems,
        );

        let overdue_sweep_seconds = number(
            &var,
            "WIJKREGIE_OVERDUE_SWEEP_SECONDS",
            60,
            0,
            86_400,
            &mut problems,
        );

        let idempotency_hours = number(
            &var,
            "WIJKREGIE_IDEMPOTENCY_HOURS",
            24,
            1,
            24 * 30,
            &mut problems,
        );

        let reporter_retention_days = number(
            &var,
            "WIJKREGIE_REPORTER_RETENTION_DAYS",
            365,
            0,
            3650,
            &mut problems,
        );

        let cors_origins: Vec<String> = var("WIJKREGIE_CORS_ORIGINS")
            .map(|list| {
                list.split(',')
                    .map(|origin| origin.trim().trim_end_matches('/').to_owned())
                    .filter(|origin| !origin.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        for origin in &cors_origins {
            let scheme_ok = origin.starts_with("https://") || origin.starts_with("http://");
            if !scheme_ok || origin.contains('*') || origin.matches('/').count() != 2 {
                problems.push(format!(
                    "WIJKREGIE_CORS_ORIGINS entry '{origin}' is not an origin like https://wijken.example.nl"
                ));
            }
        }

        let webhooks = webhook_settings(&var, &mut problems);
        let mail = mail_settings(&var, &mut problems);
        let metrics_bind = metrics::metrics_bind(&var, &bind, &mut problems);
        let streams = streams::stream_settings(&var, &mut problems);

        match database {
            Some(database) if problems.is_empty() => Ok(Self {
                database,
                bind,
                jwt,
                pool_size,
                pool_timeout: Duration::from_millis(pool_timeout_ms),
                statement_timeouts,
                body_limit,
                body_timeout: Duration::from_secs(body_timeout_seconds),
                cors_origins,
                workers,
                project_response_days,
                policy_response_days,
                overdue_sweep_seconds,
                idempotency_hours,
                reporter_retention_days,
                webhooks,
                mail,
                metrics_bind,
                werkbank,
                streams,
            }),
            _ => Err(problems),
        }
    }

    /// Whether every address `bind` resolves to is a loopback address.
    pub fn binds_loopback_only(&self) -> bool {
        resolve(&self.bind)
            .map(|addrs| !addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback()))
            .unwrap_or(false)
    }

    /// The folder for files the service keeps beside its database (the development secret).
    pub fn data_dir(&self) -> PathBuf {
        match &self.database {
            DatabaseTarget::Sqlite(path) => Path::new(path)
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from(".")),
            DatabaseTarget::Postgres(_) => PathBuf::from("./data"),
        }
    }
}

/// The variables that name where token signatures are checked against: exactly one of them, or
/// none for development mode. Also the OIDC issuer, which is the default `iss` to accept.
fn jwt_key(
    lookup: &impl Fn(&str) -> Option<String>,
    var: &impl Fn(&str) -> Option<String>,
    problems: &mut Vec<String>,
) -> (JwtKey, Option<String>) {
    const KEY_VARIABLES: [&str; 5] = [
        "WIJKREGIE_JWT_SECRET",
        "WIJKREGIE_JWT_PUBLIC_KEY_FILE",
        "WIJKREGIE_OIDC_ISSUER",
        "WIJKREGIE_JWKS_URL",
        "WIJKREGIE_JWKS_FILE",
    ];
    // A key variable that is set but blank is a mistake, not a wish for development mode.
    for key in KEY_VARIABLES {
        if lookup(key).is_some_and(|v| v.trim().is_empty()) {
            problems.push(format!(
                "{key} is set but blank; unset it for development mode, or give it a value"
            ));
        }
    }
    let set: Vec<(&str, String)> = KEY_VARIABLES
        .into_iter()
        .filter_map(|key| var(key).map(|value| (key, value.trim().to_owned())))
        .collect();
    let (name, value) = match set.as_slice() {
        [] => return (JwtKey::Development, None),
        [(name, value)] => (*name, value.clone()),
        several => {
            let names: Vec<&str> = several.iter().map(|(name, _)| *name).collect();
            problems.push(format!(
                "set only one of {}, not both: {}",
                KEY_VARIABLES.join(", "),
                names.join(" and ")
            ));
            return (JwtKey::Development, None);
        }
    };
    let readable_file = |problems: &mut Vec<String>| {
        let path = PathBuf::from(&value);
        if !path.is_file() {
            problems.push(format!("{name} '{value}' is not a readable file"));
        }
        path
    };
    match name {
        "WIJKREGIE_JWT_SECRET" => {
            if value.len() < MIN_SECRET_BYTES {
                problems.push(format!(
                    "WIJKREGIE_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes long"
                ));
            }
            (JwtKey::Secret(value), None)
        }
        "WIJKREGIE_JWT_PUBLIC_KEY_FILE" => (JwtKey::PublicKeyFile(readable_file(problems)), None),
        "WIJKREGIE_JWKS_FILE" => (
            JwtKey::Jwks(JwksSource::File(readable_file(problems))),
            None,
        ),
        // Taken as written: it is also the `iss` tokens must carry, exactly (some providers end
        // it with a slash).
        "WIJKREGIE_OIDC_ISSUER" => {
            check_key_url(name, &value, problems);
            (
                JwtKey::Jwks(JwksSource::Discovery(value.clone())),
                Some(value),
            )
        }
        _ => {
            check_key_url(name, &value, problems);
            (JwtKey::Jwks(JwksSource::Url(value)), None)
        }
    }
}

/// Keys are fetched over `https`; plain `http` only from this machine (a provider in tests or
/// beside the service). A URL's credentials are never echoed.
fn check_key_url(name: &str, text: &str, problems: &mut Vec<String>) {
    match url::Url::parse(text) {
        Ok(url) if url.scheme() == "https" => {}
        Ok(url)
            if url.scheme() == "http"
                && matches!(
                    url.host(),
                    Some(url::Host::Domain("localhost"))
                        | Some(url::Host::Ipv4(std::net::Ipv4Addr::LOCALHOST))
                        | Some(url::Host::Ipv6(std::net::Ipv6Addr::LOCALHOST))
                ) => {}
        Ok(url) => problems.push(format!(
            "{name} must be an https URL (http only on localhost), got scheme '{}'",
            url.scheme()
        )),
        Err(e) => problems.push(format!("{name} is not a URL: {e}")),
    }
}

fn resolve(bind: &str) -> std::io::Result<Vec<SocketAddr>> {
    Ok(bind.to_socket_addrs()?.collect())
}

fn number<T>(
    var: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: T,
    min: T,
    max: T,
    problems: &mut Vec<String>,
) -> T
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    match var(key) {
        None => default,
        Some(text) => match text.trim().parse::<T>() {
            Ok(value) if value >= min && value <= max => value,
            _ => {
                problems.push(format!(
                    "{key} must be a whole number from {min} to {max}, got '{text}'"
                ));
                default
            }
        },
    }
}

/// Parses `90s`, `30m`, `8h` or `2d`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let amount: u64 = digits
        .parse()
        .map_err(|_| format!("'{text}' is not a duration like 90s, 30m, 8h or 2d"))?;
    let seconds = match unit {
        "s" => Some(amount),
        "m" => amount.checked_mul(60),
        "h" => amount.checked_mul(3600),
        "d" => amount.checked_mul(86_400),
        _ => None,
    };
    match seconds {
        Some(s) if s > 0 && s <= 366 * 86_400 => Ok(Duration::from_secs(s)),
        _ => Err(format!(
            "'{text}' is not a duration like 90s, 30m, 8h or 2d (more than 0, at most a year)"
        )),
    }
}

/// Which database a URL names. Chosen from the URL by us, never by diesel's `establish`
/// on the multi-connection, which silently falls back to SQLite when PostgreSQL fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// A `postgres://` or `postgresql://` URL, passed to libpq as it is.
    Postgres(String),
    /// A file path (from `sqlite://path`, `sqlite:path` or a plain path).
    Sqlite(String),
}

impl DatabaseTarget {
    /// Reads `DATABASE_URL`: the backend follows the scheme and nothing else.
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() {
            return Err("is empty; use postgres://… or a path to an SQLite file".to_owned());
        }
        if let Some((scheme, _)) = path.split_once("://") {
            // Only the scheme: the rest of a URL may hold a password.
            return Err(format!(
                "has an unknown scheme '{scheme}://'; use postgres://… or a path to an SQLite file"
            ));
        }
        Ok(Self::Sqlite(path.to_owned()))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Postgres(_) => "postgresql",
            Self::Sqlite(_) => "sqlite",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backend_follows_the_url_scheme_and_nothing_else() {
        assert_eq!(
            DatabaseTarget::parse("postgres://u@h/db"),
            Ok(DatabaseTarget::Postgres("postgres://u@h/db".into()))
        );
        assert_eq!(
            DatabaseTarget::parse("sqlite://data/x.db"),
            Ok(DatabaseTarget::Sqlite("data/x.db".into()))
        );
        assert_eq!(
            DatabaseTarget::parse("./data/wijkregie.db"),
            Ok(DatabaseTarget::Sqlite("./data/wijkregie.db".into()))
        );
        assert!(DatabaseTarget::parse("mysql://h/db").is_err());
        let refused = DatabaseTarget::parse("postgress://wijkregie:geheim@db/wijkregie");
        assert!(
            refused.as_ref().is_err_and(|e| !e.contains("geheim")),
            "{refused:?}"
        );
        assert!(DatabaseTarget::parse("").is_err());
    }
    use std::collections::HashMap;

    /// Settings read from `pairs` instead of the environment (also for the sibling modules' tests).
    pub(super) fn settings(pairs: &[(&str, &str)]) -> Result<Settings, Vec<String>> {
        let env: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|key| env.get(key).cloned())
    }

    #[test]
    fn defaults_give_sqlite_on_loopback_in_development_mode() {
        let Ok(s) = settings(&[]) else {
            unreachable!("defaults must be valid")
        };
        assert_eq!(
            s.database,
            DatabaseTarget::Sqlite(DEFAULT_DATABASE_URL.into())
        );
        assert_eq!(s.bind, DEFAULT_BIND);
        assert_eq!(s.jwt.key, JwtKey::Development);
        assert!(s.binds_loopback_only());
        assert_eq!(s.data_dir(), PathBuf::from("./data"));
    }

    #[test]
    fn every_wrong_value_is_reported_at_once() {
        let Err(problems) = settings(&[
            ("DATABASE_URL", "mysql://x/y"),
            ("WIJKREGIE_BIND", "nowhere"),
            ("WIJKREGIE_JWT_SECRET", "short"),
            ("WIJKREGIE_POOL_SIZE", "0"),
            ("WIJKREGIE_BODY_LIMIT", "lots"),
            ("WIJKREGIE_JWT_MAX_TTL", "8 weeks"),
            ("WIJKREGIE_CORS_ORIGINS", "*"),
        ]) else {
            unreachable!("these values are all wrong")
        };
        assert_eq!(problems.len(), 7, "{problems:#?}");
    }

    #[test]
    fn a_secret_and_a_public_key_together_are_refused() {
        let Err(problems) = settings(&[
            ("WIJKREGIE_JWT_SECRET", &"s".repeat(40)),
            ("WIJKREGIE_JWT_PUBLIC_KEY_FILE", "/etc/hostname"),
        ]) else {
            unreachable!("two keys are ambiguous")
        };
        assert!(problems[0].contains("not both"), "{problems:?}");
    }

    #[test]
    fn a_blank_secret_is_refused_not_taken_for_development_mode() {
        let problems = settings(&[("WIJKREGIE_JWT_SECRET", "   ")])
            .err()
            .unwrap_or_default();
        assert!(
            problems
                .iter()
                .any(|p| p.contains("WIJKREGIE_JWT_SECRET is set but blank")),
            "{problems:?}"
        );
    }

    #[test]
    fn an_oidc_issuer_is_the_accepted_issuer_and_needs_https_beyond_this_machine() {
        let Ok(s) = settings(&[("WIJKREGIE_OIDC_ISSUER", "https://login.example.nl/realm/")])
        else {
            unreachable!("an https issuer is valid")
        };
        assert_eq!(
            s.jwt.key,
            JwtKey::Jwks(JwksSource::Discovery(
                "https://login.example.nl/realm/".into()
            ))
        );
        assert_eq!(s.jwt.issuer, "https://login.example.nl/realm/");
        assert!(settings(&[("WIJKREGIE_JWKS_URL", "http://127.0.0.1:9/jwks")]).is_ok());
        let problems = settings(&[(
            "WIJKREGIE_JWKS_URL",
            "http://wijkregie:geheim@idp.example.nl/jwks",
        )])
        .err()
        .unwrap_or_default();
        assert!(
            problems.len() == 1 && problems[0].contains("https") && !problems[0].contains("geheim"),
            "{problems:?}"
        );
        let problems = settings(&[
            ("WIJKREGIE_OIDC_ISSUER", "https://login.example.nl"),
            ("WIJKREGIE_JWKS_FILE", "/etc/hostname"),
            ("WIJKREGIE_CLAIMS_MAP_FILE", "/nonexistent/claims.toml"),
        ])
        .err()
        .unwrap_or_default();
        assert_eq!(problems.len(), 2, "{problems:?}");
    }

    #[test]
    fn durations_have_a_unit() {
        assert_eq!(parse_duration("8h"), Ok(Duration::from_secs(8 * 3600)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert!(parse_duration("8").is_err());
        assert!(parse_duration("0h").is_err());
        assert!(parse_duration("400d").is_err());
    }

    #[test]
    fn smtp_urls_name_their_protection_and_credentials() {
        let starttls = SmtpSettings::parse(
            "smtp://wijk%40dh:geheim@smtp.denhaag.nl:587?starttls=true",
            None,
        );
        assert_eq!(
            starttls,
            Ok(SmtpSettings {
                host: "smtp.denhaag.nl".to_owned(),
                port: Some(587),
                security: SmtpSecurity::StartTls,
                user: Some("wijk@dh".to_owned()),
                password: Some("geheim".to_owned()),
            })
        );
        let tls =
            SmtpSettings::parse("smtps://smtp.denhaag.nl", None).map(|s| (s.security, s.port));
        assert_eq!(tls, Ok((SmtpSecurity::Tls, None)));
        for wrong in [
            "http://smtp.denhaag.nl",
            "smtps://h?starttls=true",
            "smtp://h?tls=yes",
            "smtp://:pw@h",
        ] {
            assert!(SmtpSettings::parse(wrong, None).is_err(), "{wrong}");
        }
        let problems = settings(&[("WIJKREGIE_SMTP_URL", "smtp://localhost:25")])
            .err()
            .unwrap_or_default();
        assert!(
            problems
                .iter()
                .any(|p| p.contains("needs WIJKREGIE_MAIL_FROM")),
            "{problems:?}"
        );
        // The password is never printed with the settings.
        let printed = format!("{starttls:?}");
        assert!(!printed.contains("geheim"), "{printed}");
    }
}

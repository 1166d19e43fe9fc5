//! Configuration from environment variables; every variable is documented in the README.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything the server reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// `VERNIER_ADDR`: where to listen (default `127.0.0.1:3000`).
    pub addr: SocketAddr,
    /// `DATABASE_URL`: the Postgres to use; when unset Vernier starts its own.
    pub database_url: Option<String>,
    /// `VERNIER_DATA_DIR`: where the local Postgres keeps its data (default `.vernier`).
    pub data_dir: PathBuf,
    /// `VERNIER_PG_PORT`: the local Postgres's port (default 54329).
    pub pg_port: u16,
    /// `VERNIER_SESSION_IDLE_MINUTES`: a session unused this long ends (default 480).
    pub session_idle_minutes: i64,
    /// `VERNIER_SESSION_ABSOLUTE_HOURS`: a session ends this long after sign-in (default 168).
    pub session_absolute_hours: i64,
    /// `VERNIER_SECURE_COOKIES`: mark the session cookie `Secure` (default false; set true behind HTTPS).
    pub secure_cookies: bool,
    /// `RUST_LOG`: the log filter (default `info`).
    pub log_filter: String,
    /// `VERNIER_PUBLIC_URL`: Vernier's address as people reach it, for links in alerts (default
    /// `http://` and the listen address).
    pub public_url: Option<String>,
    /// `VERNIER_ALLOW_HTTP_WEBHOOKS`: let alert webhooks use plain HTTP to any host (default false:
    /// HTTPS, or HTTP to this machine only).
    pub allow_http_webhooks: bool,
    /// `VERNIER_SECRET_KEY`: the key sealing stored secrets (base64 or hex of 32 bytes); unset,
    /// the key file in the data directory (created on first start).
    pub secret_key: Option<String>,
    /// `VERNIER_TRUST_FORWARDED_FOR`: behind one reverse proxy, take the client's address (for
    /// sign-in throttling) from the last `X-Forwarded-For` entry instead of the connection.
    pub trust_forwarded_for: bool,
    /// `VERNIER_ALLOW_PRIVATE_WEBHOOKS`: let alert webhooks reach private and link-local
    /// addresses, such as an internal alert router (default false).
    pub allow_private_webhooks: bool,
    /// `VERNIER_METRICS_TOKEN`: the bearer token Prometheus presents at `/metrics` (unset: off).
    pub metrics_token: Option<String>,
    /// `VERNIER_CHECK_QUEUE`: recorded checks that may wait in memory (default 4096).
    pub check_queue: i64,
    /// `VERNIER_CHECK_JOURNAL`: the folder where recorded checks wait when the database cannot
    /// keep up (default `check-journal` in the data directory; `off`: no journal, such checks are
    /// answered unrecorded and counted).
    pub check_journal: Option<PathBuf>,
    /// `VERNIER_CHECK_JOURNAL_MAX_MB`: the most the journal may hold on disk (default 1024).
    pub check_journal_max_mb: i64,
    /// `VERNIER_SHUTDOWN_DRAIN_SECONDS`: on SIGTERM, how long queued checks may take to be stored
    /// before the rest go to the journal (default 10).
    pub shutdown_drain_seconds: i64,
}

impl Config {
    /// Reads the configuration; an invalid value is an error naming its variable.
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let data_dir: PathBuf = get("VERNIER_DATA_DIR")
            .unwrap_or_else(|| ".vernier".into())
            .into();
        let check_journal = match get("VERNIER_CHECK_JOURNAL") {
            Some(off) if off.trim() == "off" => None,
            Some(dir) => Some(PathBuf::from(dir.trim())),
            None => Some(data_dir.join("check-journal")),
        };
        Ok(Self {
            addr: parse(&get, "VERNIER_ADDR", "127.0.0.1:3000")?,
            database_url: get("DATABASE_URL"),
            data_dir,
            pg_port: parse(&get, "VERNIER_PG_PORT", "54329")?,
            session_idle_minutes: positive(
                parse(&get, "VERNIER_SESSION_IDLE_MINUTES", "480")?,
                "VERNIER_SESSION_IDLE_MINUTES",
            )?,
            session_absolute_hours: positive(
                parse(&get, "VERNIER_SESSION_ABSOLUTE_HOURS", "168")?,
                "VERNIER_SESSION_ABSOLUTE_HOURS",
            )?,
            secure_cookies: parse(&get, "VERNIER_SECURE_COOKIES", "false")?,
            log_filter: get("RUST_LOG").unwrap_or_else(|| "info".into()),
            public_url: get("VERNIER_PUBLIC_URL").map(|url| url.trim().trim_end_matches('/').to_owned()),
            allow_http_webhooks: parse(&get, "VERNIER_ALLOW_HTTP_WEBHOOKS", "false")?,
            allow_private_webhooks: parse(&get, "VERNIER_ALLOW_PRIVATE_WEBHOOKS", "false")?,
            trust_forwarded_for: parse(&get, "VERNIER_TRUST_FORWARDED_FOR", "false")?,
            secret_key: get("VERNIER_SECRET_KEY"),
            metrics_token: get("VERNIER_METRICS_TOKEN").map(|token| token.trim().to_owned()),
            check_queue: positive(parse(&get, "VERNIER_CHECK_QUEUE", "4096")?, "VERNIER_CHECK_QUEUE")?,
            check_journal,
            check_journal_max_mb: positive(
                parse(&get, "VERNIER_CHECK_JOURNAL_MAX_MB", "1024")?,
                "VERNIER_CHECK_JOURNAL_MAX_MB",
            )?,
            shutdown_drain_seconds: positive(
                parse(&get, "VERNIER_SHUTDOWN_DRAIN_SECONDS", "10")?,
                "VERNIER_SHUTDOWN_DRAIN_SECONDS",
            )?,
        })
    }
}

fn parse<T: std::str::FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: &str,
) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    let value = get(name).unwrap_or_else(|| default.to_owned());
    value
        .trim()
        .parse()
        .map_err(|e| format!("{name}={value:?} is not valid: {e}"))
}

fn positive(value: i64, name: &str) -> Result<i64, String> {
    if value > 0 {
        Ok(value)
    } else {
        Err(format!("{name} must be a positive number, got {value}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_serve_locally_with_a_private_database() {
        let config = config(&[]).unwrap();
        assert_eq!(config.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(config.database_url, None);
        assert_eq!(config.data_dir, PathBuf::from(".vernier"));
        assert_eq!(
            (config.session_idle_minutes, config.session_absolute_hours),
            (480, 168)
        );
        assert!(!config.secure_cookies);
        assert_eq!(
            config.check_journal,
            Some(PathBuf::from(".vernier/check-journal"))
        );
        assert_eq!((config.check_queue, config.shutdown_drain_seconds), (4096, 10));
    }

    #[test]
    fn the_check_journal_follows_the_data_directory_or_is_off() {
        let moved = config(&[("VERNIER_DATA_DIR", "/srv/vernier")]).unwrap();
        assert_eq!(
            moved.check_journal,
            Some(PathBuf::from("/srv/vernier/check-journal"))
        );
        assert_eq!(
            config(&[("VERNIER_CHECK_JOURNAL", "off")]).unwrap().check_journal,
            None
        );
        let error = config(&[("VERNIER_CHECK_QUEUE", "0")]).unwrap_err();
        assert!(error.contains("VERNIER_CHECK_QUEUE"), "{error}");
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let error = config(&[("VERNIER_ADDR", "localhost")]).unwrap_err();
        assert!(error.starts_with("VERNIER_ADDR="), "{error}");
        let error = config(&[("VERNIER_SESSION_IDLE_MINUTES", "0")]).unwrap_err();
        assert!(error.contains("VERNIER_SESSION_IDLE_MINUTES"), "{error}");
    }

    #[test]
    fn a_blank_database_url_counts_as_unset() {
        assert_eq!(config(&[("DATABASE_URL", " ")]).unwrap().database_url, None);
    }
}

//! Configuration from environment variables, with defaults that work on a developer machine.

use chrono::TimeDelta;
use samspill_domain::login_throttle::ThrottlePolicy;
use std::time::Duration;

/// Whole seconds as a calendar-free span (the values are range-checked, so they always fit).
fn seconds(n: u64) -> TimeDelta {
    TimeDelta::seconds(i64::try_from(n).unwrap_or(i64::MAX / 1_000))
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Everything the service reads from its environment. See the README for the table.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`.
    pub database_url: String,
    /// `SAMSPILL_BIND`: address and port to listen on.
    pub bind: String,
    /// `SAMSPILL_JWT_SECRET` or the contents of `SAMSPILL_JWT_SECRET_FILE`.
    pub jwt_secret: Vec<u8>,
    /// Whether the secret was generated at start (tokens die with the process).
    pub jwt_secret_generated: bool,
    /// `SAMSPILL_JWT_ISSUER`.
    pub jwt_issuer: String,
    /// `SAMSPILL_JWT_AUDIENCE`.
    pub jwt_audience: String,
    /// `SAMSPILL_ACCESS_TOKEN_TTL_SECONDS`.
    pub access_token_ttl: Duration,
    /// `SAMSPILL_REFRESH_TOKEN_TTL_DAYS`.
    pub refresh_token_ttl: Duration,
    /// `SAMSPILL_CORS_ORIGINS`: comma-separated origins allowed to call the API from a browser.
    pub cors_origins: Vec<String>,
    /// `SAMSPILL_LOG_FORMAT`: `pretty` or `json`.
    pub log_format: LogFormat,
    /// `SAMSPILL_LOG`: a tracing filter such as `info` or `samspill=debug,info`.
    pub log_filter: String,
    /// `SAMSPILL_DB_POOL_SIZE`.
    pub db_pool_size: u32,
    /// `SAMSPILL_DB_TIMEOUT_MS`: how long a request waits for a database connection.
    pub db_timeout: Duration,
    /// `SAMSPILL_WORKERS`: HTTP worker threads (default: one per core).
    pub workers: Option<usize>,
    /// `SAMSPILL_MAX_BODY_BYTES`: the largest request body accepted.
    pub max_body_bytes: usize,
    /// `SAMSPILL_IMPORT_MAX_BYTES`: the largest CSV file an import of volunteers accepts
    /// (default 32 MiB, some 200 000 rows).
    pub import_max_bytes: usize,
    /// `SAMSPILL_RATE_LIMIT_PER_MINUTE`: sustained requests per minute and client address on the
    /// token endpoint and public endpoints.
    pub rate_limit_per_minute: u32,
    /// `SAMSPILL_RATE_LIMIT_BURST`: requests a client may make at once before the limit applies.
    pub rate_limit_burst: u32,
    /// `SAMSPILL_BODY_TIMEOUT_SECONDS`: how long a request may take to send its body (408 after).
    pub body_timeout: Duration,
    /// `SAMSPILL_MAX_CONNECTIONS_PER_WORKER`: open connections each worker serves at once; more
    /// wait in the listen queue until one closes.
    pub max_connections_per_worker: usize,
    /// `SAMSPILL_IDEMPOTENCY_KEY_HOURS`: how long the answer to a request with an
    /// `Idempotency-Key` is kept for retries.
    pub idempotency_ttl: Duration,
    /// `SAMSPILL_LOGIN_FREE_ATTEMPTS`, `SAMSPILL_LOGIN_DELAY_SECONDS`,
    /// `SAMSPILL_LOGIN_MAX_DELAY_SECONDS`: password attempts per login name before each further
    /// one waits, the first wait (doubling with each attempt), and the longest.
    pub login_throttle: ThrottlePolicy,
    /// `SAMSPILL_ADMIN_EMAIL`: the first admin's email on an empty database.
    pub admin_email: Option<String>,
    /// `SAMSPILL_ADMIN_PASSWORD`: the first admin's password on an empty database.
    pub admin_password: Option<String>,
    /// `SAMSPILL_WEBHOOKS_ALLOW_PRIVATE`: `true` lets webhook endpoints be on loopback and
    /// private addresses and use plain `http` (tests, closed networks). Off by default, so the
    /// service cannot be made to call internal networks.
    pub webhooks_allow_private: bool,
    /// `SAMSPILL_WEBHOOK_TIMEOUT_SECONDS`: how long one webhook delivery may take (default 15).
    pub webhook_timeout: Duration,
    /// `SAMSPILL_OUTBOX_POLL_MS`: how often the outbox worker looks for work when idle
    /// (default 1000).
    pub outbox_poll: Duration,
    /// `SAMSPILL_SMTP_URL`: the SMTP server email reminders go through (`smtp://host:port`,
    /// `smtps://user:password@host`, `smtp://host:587?tls=required`). Without it email is off.
    pub smtp_url: Option<String>,
    /// `SAMSPILL_MAIL_FROM`: the sender of email reminders.
    pub mail_from: String,
    /// The clock rules read the date from (the system clock; tests move it).
    pub clock: crate::clock::Clock,
}

/// The database used when `DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/samspill";

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(|key| std::env::var(key).ok().filter(|value| !value.is_empty()))
    }

    /// Reads settings through `lookup`, so tests can pass their own.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let number = |key: &str, default: u64| -> Result<u64, String> {
            lookup(key).map_or(Ok(default), |raw| {
                raw.trim()
                    .parse()
                    .map_err(|_| format!("{key} must be a whole number, got {raw:?}"))
            })
        };
        let (jwt_secret, jwt_secret_generated) = match (
            lookup("SAMSPILL_JWT_SECRET"),
            lookup("SAMSPILL_JWT_SECRET_FILE"),
        ) {
            (Some(secret), _) => (secret.into_bytes(), false),
            (None, Some(path)) => (
                std::fs::read(&path)
                    .map_err(|e| format!("SAMSPILL_JWT_SECRET_FILE {path}: {e}"))?
                    .trim_ascii()
                    .to_vec(),
                false,
            ),
            (None, None) => (crate::random::bytes(32), true),
        };
        if jwt_secret.len() < 32 {
            return Err("the JWT secret must be at least 32 bytes".to_owned());
        }
        let log_format = match lookup("SAMSPILL_LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(format!(
                    "SAMSPILL_LOG_FORMAT must be pretty or json, got {other:?}"
                ));
            }
        };
        let small = |key: &str, default: u64, max: u64| -> Result<u64, String> {
            let value = number(key, default)?;
            if value == 0 || value > max {
                return Err(format!("{key} must be between 1 and {max}"));
            }
            Ok(value)
        };
        Ok(Self {
            database_url: lookup("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            bind: lookup("SAMSPILL_BIND").unwrap_or_else(|| "127.0.0.1:8080".to_owned()),
            jwt_secret,
            jwt_secret_generated,
            jwt_issuer: lookup("SAMSPILL_JWT_ISSUER").unwrap_or_else(|| "samspill".to_owned()),
            jwt_audience: lookup("SAMSPILL_JWT_AUDIENCE")
                .unwrap_or_else(|| "samspill-api".to_owned()),
            access_token_ttl: Duration::from_secs(small(
                "SAMSPILL_ACCESS_TOKEN_TTL_SECONDS",
                900,
                3_600,
            )?),
            refresh_token_ttl: Duration::from_secs(
                small("SAMSPILL_REFRESH_TOKEN_TTL_DAYS", 30, 365)? * 86_400,
            ),
            cors_origins: lookup("SAMSPILL_CORS_ORIGINS")
                .map(|raw| {
                    raw.split(',')
                        .map(str::trim)
                        .filter(|origin| !origin.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            log_format,
            log_filter: lookup("SAMSPILL_LOG").unwrap_or_else(|| "info".to_owned()),
            db_pool_size: u32::try_from(small("SAMSPILL_DB_POOL_SIZE", 16, 500)?)
                .map_err(|e| e.to_string())?,
            db_timeout: Duration::from_millis(small("SAMSPILL_DB_TIMEOUT_MS", 2_000, 60_000)?),
            workers: lookup("SAMSPILL_WORKERS")
                .map(|_| small("SAMSPILL_WORKERS", 1, 256))
                .transpose()?
                .map(|n| usize::try_from(n).unwrap_or(1)),
            max_body_bytes: usize::try_from(small("SAMSPILL_MAX_BODY_BYTES", 65_536, 16 << 20)?)
                .map_err(|e| e.to_string())?,
            import_max_bytes: usize::try_from(small(
                "SAMSPILL_IMPORT_MAX_BYTES",
                32 << 20,
                512 << 20,
            )?)
            .map_err(|e| e.to_string())?,
            rate_limit_per_minute: u32::try_from(small(
                "SAMSPILL_RATE_LIMIT_PER_MINUTE",
                60,
                1_000_000,
            )?)
            .map_err(|e| e.to_string())?,
            rate_limit_burst: u32::try_from(small("SAMSPILL_RATE_LIMIT_BURST", 20, 1_000_000)?)
                .map_err(|e| e.to_string())?,
            body_timeout: Duration::from_secs(small("SAMSPILL_BODY_TIMEOUT_SECONDS", 10, 3_600)?),
            max_connections_per_worker: usize::try_from(small(
                "SAMSPILL_MAX_CONNECTIONS_PER_WORKER",
                1_024,
                100_000,
            )?)
            .map_err(|e| e.to_string())?,
            idempotency_ttl: Duration::from_secs(
                small("SAMSPILL_IDEMPOTENCY_KEY_HOURS", 24, 24 * 30)? * 3_600,
            ),
            login_throttle: ThrottlePolicy {
                free_attempts: u32::try_from(small("SAMSPILL_LOGIN_FREE_ATTEMPTS", 5, 1_000)?)
                    .map_err(|e| e.to_string())?,
                first_delay: seconds(small("SAMSPILL_LOGIN_DELAY_SECONDS", 30, 86_400)?),
                max_delay: seconds(small("SAMSPILL_LOGIN_MAX_DELAY_SECONDS", 900, 86_400)?),
                forget_after: TimeDelta::hours(24),
            },
            webhooks_allow_private: match lookup("SAMSPILL_WEBHOOKS_ALLOW_PRIVATE").as_deref() {
                None | Some("false") => false,
                Some("true") => true,
                Some(other) => {
                    return Err(format!(
                        "SAMSPILL_WEBHOOKS_ALLOW_PRIVATE must be true or false, got {other:?}"
                    ));
                }
            },
            webhook_timeout: Duration::from_secs(small(
                "SAMSPILL_WEBHOOK_TIMEOUT_SECONDS",
                15,
                60,
            )?),
            outbox_poll: Duration::from_millis(small("SAMSPILL_OUTBOX_POLL_MS", 1_000, 60_000)?),
            smtp_url: lookup("SAMSPILL_SMTP_URL"),
            mail_from: lookup("SAMSPILL_MAIL_FROM")
                .unwrap_or_else(|| "Samspill <ikke-svar@samspill.invalid>".to_owned()),
            admin_email: lookup("SAMSPILL_ADMIN_EMAIL"),
            admin_password: lookup("SAMSPILL_ADMIN_PASSWORD"),
            clock: crate::clock::Clock::system(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(pairs: &[(&str, &str)]) -> Result<Config, String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|key| map.get(key).cloned())
    }

    #[test]
    fn defaults_work_on_a_developer_machine() {
        let config = from(&[]).map_err(|e| e.to_string());
        let config = config.as_ref().map(|c| {
            (
                c.database_url.as_str(),
                c.bind.as_str(),
                c.jwt_secret_generated,
            )
        });
        assert_eq!(config, Ok((DEFAULT_DATABASE_URL, "127.0.0.1:8080", true)));
    }

    #[test]
    fn bad_values_name_the_variable() {
        let error = from(&[("SAMSPILL_DB_POOL_SIZE", "many")])
            .err()
            .unwrap_or_default();
        assert!(error.contains("SAMSPILL_DB_POOL_SIZE"), "{error}");
        let error = from(&[("SAMSPILL_JWT_SECRET", "short")])
            .err()
            .unwrap_or_default();
        assert!(error.contains("32 bytes"), "{error}");
        let error = from(&[("SAMSPILL_LOG_FORMAT", "xml")])
            .err()
            .unwrap_or_default();
        assert!(error.contains("SAMSPILL_LOG_FORMAT"), "{error}");
    }

    #[test]
    fn cors_origins_are_a_comma_separated_list() {
        let config = from(&[(
            "SAMSPILL_CORS_ORIGINS",
            "https://a.example, https://b.example,",
        )]);
        assert_eq!(
            config.map(|c| c.cors_origins).unwrap_or_default(),
            ["https://a.example", "https://b.example"]
        );
    }
}

//! The worker that drains the outbox: every poll it hands new events to the endpoints that want
//! them, then claims the deliveries that are due (`FOR UPDATE SKIP LOCKED` and a lease, so any
//! number of instances can run it and each delivery is sent by one), sends them at once, and
//! records each answer. Only 2xx is success; a 410 disables the endpoint; anything else is
//! retried on the Standard Webhooks schedule, later if the receiver's `Retry-After` asks.

use super::{guard, signing};
use crate::clock::Clock;
use chrono::{DateTime, TimeDelta, Utc};
use futures_util::future::join_all;
use reqwest::{Client, header};
use samspill_domain::webhook::{MAX_RETRY_AFTER, message_id, retry_delay};
use samspill_persistence::{
    DbPool, RepoError, outbox,
    webhooks::{self, Due, Outcome, Recorded},
};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

/// How the worker sends.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long to wait between polls when nothing was due.
    pub poll: Duration,
    /// How long one delivery may take.
    pub timeout: Duration,
    /// Whether loopback and private addresses may be called (tests, closed networks).
    pub allow_private: bool,
}

/// Events handed on, and deliveries claimed, per round.
const DISPATCH_BATCH: i64 = 500;
const SEND_BATCH: i64 = 50;

/// The HTTP client deliveries use: the timeout, no redirects (3xx is a failure), no proxy from
/// the environment, and unless private networks are allowed a resolver that only yields public
/// addresses.
pub fn client(settings: &Settings) -> reqwest::Result<Client> {
    let mut builder = Client::builder()
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("Samspill-Webhooks/", env!("CARGO_PKG_VERSION")))
        .pool_max_idle_per_host(4);
    if !settings.allow_private {
        builder = builder.dns_resolver(Arc::new(guard::PublicOnly));
    }
    builder.build()
}

/// Runs the worker forever.
pub async fn run(pool: DbPool, clock: Clock, settings: Settings) {
    let client = match client(&settings) {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(%error, "webhook deliveries are off: no HTTP client");
            return std::future::pending().await;
        }
    };
    let mut last_gauge = Instant::now() - Duration::from_secs(60);
    loop {
        let busy = match round(&pool, &clock, &client, &settings).await {
            Ok(busy) => busy,
            Err(error) => {
                tracing::warn!(%error, "outbox round failed");
                false
            }
        };
        if last_gauge.elapsed() >= Duration::from_secs(5) {
            last_gauge = Instant::now();
            refresh_gauges(&pool).await;
        }
        if !busy {
            tokio::time::sleep(settings.poll).await;
        }
    }
}

async fn blocking<T: Send + 'static>(
    pool: &DbPool,
    work: impl FnOnce(&mut samspill_persistence::PgConnection) -> Result<T, RepoError> + Send + 'static,
) -> Result<T, RepoError> {
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get()?;
        work(&mut conn)
    })
    .await
    .map_err(|e| RepoError::Internal(e.to_string()))?
}

/// One round: hand new events on, then send one batch of due deliveries. `true` when there was
/// work (so the next round follows at once).
pub async fn round(
    pool: &DbPool,
    clock: &Clock,
    client: &Client,
    settings: &Settings,
) -> Result<bool, RepoError> {
    let now = clock.now();
    let dispatched = blocking(pool, move |conn| {
        outbox::dispatch(conn, now, DISPATCH_BATCH)
    })
    .await?;
    let lease = lease_after(settings.timeout);
    let claimed = blocking(pool, move |conn| {
        webhooks::claim_due(conn, now, now + lease, SEND_BATCH)
    })
    .await?;
    let sent = claimed.len();
    let outcomes = join_all(
        claimed
            .into_iter()
            .map(|due| async { (send(client, clock, &due, settings.allow_private).await, due) }),
    )
    .await;
    for (outcome, due) in outcomes {
        let at = clock.now();
        // A result that cannot be recorded is logged, and the others still are: that delivery
        // is sent again after its lease, with the same webhook-id.
        let recorded = match blocking(pool, move |conn| {
            webhooks::record(conn, &due, &outcome, at, retry_delay)
        })
        .await
        {
            Ok(recorded) => recorded,
            Err(error) => {
                tracing::warn!(%error, "a webhook delivery's result could not be recorded");
                continue;
            }
        };
        crate::metrics::webhook_delivery(recorded);
        if recorded == Recorded::Disabled {
            tracing::warn!("a webhook endpoint answered 410 Gone and was disabled");
        }
    }
    Ok(dispatched > 0 || sent > 0)
}

/// How long a claimed delivery is kept from other workers: the send timeout and a margin.
fn lease_after(timeout: Duration) -> TimeDelta {
    TimeDelta::from_std(timeout).unwrap_or(TimeDelta::seconds(15)) + TimeDelta::seconds(45)
}

/// Sends one delivery and tells what came of it.
pub async fn send(client: &Client, clock: &Clock, due: &Due, allow_private: bool) -> Outcome {
    let started = Instant::now();
    let elapsed =
        |started: Instant| i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    let refused = |error: String| Outcome {
        status_code: None,
        error: Some(error),
        duration_ms: 0,
        retry_after: None,
    };
    let url = match url::Url::parse(&due.url) {
        Ok(url) => url,
        Err(error) => return refused(format!("the endpoint URL is not valid: {error}")),
    };
    if let Err(error) = guard::check_literal_host(&url, allow_private) {
        return refused(format!("not sent: {error}"));
    }
    let id = message_id(due.event_id);
    let timestamp = clock.now().timestamp();
    let signature = signing::signature_header(&due.secrets, &id, timestamp, &due.body);
    let sent = client
        .post(url)
        .header(header::CONTENT_TYPE, "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(due.body.clone())
        .send()
        .await;
    match sent {
        Ok(response) => {
            let status = response.status();
            let retry_after = response
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| retry_after(v, clock.now()));
            Outcome {
                status_code: Some(status.as_u16()),
                error: (!status.is_success()).then(|| format!("the receiver answered {status}")),
                duration_ms: elapsed(started),
                retry_after,
            }
        }
        Err(error) => Outcome {
            status_code: None,
            error: Some(describe(&error)),
            duration_ms: elapsed(started),
            retry_after: None,
        },
    }
}

/// A request error as one line with its causes, at most 500 characters.
fn describe(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else {
        "could not send".to_owned()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.chars().take(500).collect()
}

/// A `Retry-After` value (seconds, or an HTTP date) as a wait from `now`, at most a day.
fn retry_after(value: &str, now: DateTime<Utc>) -> Option<TimeDelta> {
    let wait = match value.trim().parse::<i64>() {
        Ok(seconds) => TimeDelta::seconds(seconds.max(0)),
        Err(_) => DateTime::parse_from_rfc2822(value.trim())
            .ok()?
            .with_timezone(&Utc)
            .signed_duration_since(now),
    };
    (wait > TimeDelta::zero()).then(|| wait.min(MAX_RETRY_AFTER))
}

async fn refresh_gauges(pool: &DbPool) {
    // Events carry the time they were written by the system clock.
    let now = Utc::now();
    match blocking(pool, outbox::backlog).await {
        Ok(backlog) => crate::metrics::outbox_backlog(&backlog, now),
        Err(error) => tracing::debug!(%error, "outbox backlog not read"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates_and_is_capped() {
        let now = DateTime::parse_from_rfc3339("2026-12-06T10:00:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(retry_after("120", now), Some(TimeDelta::seconds(120)));
        assert_eq!(retry_after("0", now), None);
        assert_eq!(retry_after("999999", now), Some(MAX_RETRY_AFTER));
        assert_eq!(
            retry_after("Sun, 06 Dec 2026 10:05:00 GMT", now),
            Some(TimeDelta::minutes(5))
        );
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(lease_after(Duration::from_secs(15)), TimeDelta::seconds(60));
    }
}

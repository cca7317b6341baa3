//! Sending notifications to people: the worker that claims due notifications (`FOR UPDATE SKIP
//! LOCKED` and a lease), asks [`crate::cases::notifications::prepare`] what to do, sends by email
//! (SMTP, `SAMSPILL_SMTP_URL`) or SMS, and records the outcome, retrying a failed send three
//! times (after 1, 10 and 60 minutes).

use crate::{
    cases::notifications::{Prepared, prepare},
    clock::Clock,
};
use chrono::TimeDelta;
use futures_util::future::BoxFuture;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message as Email, Tokio1Executor,
    message::{Mailbox, header::ContentType},
};
use samspill_domain::notification::{Channel, NotificationStatus};
use samspill_persistence::{
    DbPool, RepoError,
    notifications::{self, Due},
};
use std::{sync::Arc, time::Duration};

/// Sends SMS. The service ships only [`LogOnly`]; a gateway (Altinn, a Danish provider) is one
/// more implementation.
pub trait SmsSender: Send + Sync {
    /// Sends `body` to the E.164 number `to`; answers the gateway's reference.
    fn send<'a>(&'a self, to: &'a str, body: &'a str) -> BoxFuture<'a, Result<String, String>>;
}

/// An SMS "gateway" that only logs that a message would have gone (with the number masked).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogOnly;

impl SmsSender for LogOnly {
    fn send<'a>(&'a self, to: &'a str, body: &'a str) -> BoxFuture<'a, Result<String, String>> {
        Box::pin(async move {
            let shown: String = to
                .chars()
                .rev()
                .take(2)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            tracing::info!(to = %format!("…{shown}"), chars = body.chars().count(), "SMS not sent: no gateway is configured (logged only)");
            Ok(format!("log-only-{}", uuid::Uuid::now_v7()))
        })
    }
}

/// Email through an SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// A mailer for `url` (`smtp://host:port`, `smtps://user:password@host`,
    /// `smtp://host:587?tls=required`) sending from `from`.
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("SAMSPILL_SMTP_URL: {e}"))?
            .timeout(Some(Duration::from_secs(30)))
            .build();
        let from = from
            .parse()
            .map_err(|e| format!("SAMSPILL_MAIL_FROM {from:?}: {e}"))?;
        Ok(Self { transport, from })
    }

    async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        let to: Mailbox = to
            .parse()
            .map_err(|e| format!("the address is not valid: {e}"))?;
        let email = Email::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|e| e.to_string())?;
        self.transport
            .send(email)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string().chars().take(300).collect())
    }
}

/// How the worker sends.
#[derive(Clone)]
pub struct Notifier {
    /// Email, when `SAMSPILL_SMTP_URL` is set.
    pub email: Option<Mailer>,
    /// SMS.
    pub sms: Arc<dyn SmsSender>,
    /// How often to look for due notifications when idle.
    pub poll: Duration,
}

/// Claimed per round, and how long a claim is kept from other workers: longer than sending the
/// whole batch can take (30 s per email at most), so no other instance sends the same one.
const BATCH: i64 = 10;
const LEASE: TimeDelta = TimeDelta::minutes(10);

/// The wait before sending again after the `attempt`-th send failed; `None`: give up.
fn retry_after(attempt: i32) -> Option<TimeDelta> {
    match attempt {
        1 => Some(TimeDelta::minutes(1)),
        2 => Some(TimeDelta::minutes(10)),
        3 => Some(TimeDelta::hours(1)),
        _ => None,
    }
}

async fn blocking<T: Send + 'static>(
    pool: &DbPool,
    work: impl FnOnce(&mut samspill_persistence::PgConnection) -> Result<T, crate::error::ApiError>
    + Send
    + 'static,
) -> Result<T, crate::error::ApiError> {
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().map_err(RepoError::from)?;
        work(&mut conn)
    })
    .await
    .map_err(|e| crate::error::ApiError::from(RepoError::Internal(e.to_string())))?
}

/// Runs the worker forever.
pub async fn run(pool: DbPool, clock: Clock, notifier: Notifier) {
    loop {
        let busy = match round(&pool, &clock, &notifier).await {
            Ok(busy) => busy,
            Err(error) => {
                tracing::warn!(%error, "notification round failed");
                false
            }
        };
        if !busy {
            tokio::time::sleep(notifier.poll).await;
        }
    }
}

/// One round: claims due notifications and sends or settles each. `true` when there was work.
pub async fn round(
    pool: &DbPool,
    clock: &Clock,
    notifier: &Notifier,
) -> Result<bool, crate::error::ApiError> {
    let now = clock.now();
    let claimed = blocking(pool, move |conn| {
        Ok(notifications::claim_due(conn, now, now + LEASE, BATCH)?)
    })
    .await?;
    let busy = !claimed.is_empty();
    for due in claimed {
        let kind = due.kind.clone();
        let outcome = handle(pool, clock, notifier, due).await;
        match outcome {
            Ok(outcome) => crate::metrics::notification(&kind, outcome),
            Err(error) => {
                crate::metrics::notification(&kind, "error");
                tracing::warn!(%error, "a notification could not be handled; it is tried again after its lease");
            }
        }
    }
    Ok(busy)
}

async fn handle(
    pool: &DbPool,
    clock: &Clock,
    notifier: &Notifier,
    due: Due,
) -> Result<&'static str, crate::error::ApiError> {
    let now = clock.now();
    let shared = Arc::new(due);
    let asked = shared.clone();
    let prepared = blocking(pool, move |conn| prepare(conn, &asked, now)).await?;
    let settled = match prepared {
        Prepared::Skip(reason) => Settled::skipped(reason),
        Prepared::Postpone(at, reason) => Settled {
            status: NotificationStatus::Pending,
            reason: Some(reason),
            later: Some(at),
            outcome: "postponed",
        },
        Prepared::Send {
            channel,
            to,
            message,
        } => {
            let sent = match (channel, &notifier.email) {
                (Channel::Email, Some(mailer)) => mailer
                    .send(&to, &message.subject, &message.body)
                    .await
                    // The server's error may repeat the address; the row keeps ids only.
                    .map_err(|error| error.replace(to.as_str(), "<address>")),
                (Channel::Email, None) => {
                    return finish(pool, shared, Settled::skipped(EMAIL_OFF.to_owned()), clock)
                        .await;
                }
                (Channel::Sms, _) => notifier.sms.send(&to, &message.body).await.map(|_| ()),
            };
            match (sent, retry_after(shared.attempts)) {
                (Ok(()), _) => Settled {
                    status: NotificationStatus::Sent,
                    reason: None,
                    later: None,
                    outcome: "sent",
                },
                (Err(error), Some(wait)) => Settled {
                    status: NotificationStatus::Pending,
                    reason: Some(error),
                    later: Some(clock.now() + wait),
                    outcome: "retrying",
                },
                (Err(error), None) => Settled {
                    status: NotificationStatus::Failed,
                    reason: Some(error),
                    later: None,
                    outcome: "failed",
                },
            }
        }
    };
    finish(pool, shared, settled, clock).await
}

const EMAIL_OFF: &str = "email is off: SAMSPILL_SMTP_URL is not set";

/// How a claimed notification ends this round.
struct Settled {
    status: NotificationStatus,
    reason: Option<String>,
    /// When it waits until, if it stays pending.
    later: Option<chrono::DateTime<chrono::Utc>>,
    /// The metric's label.
    outcome: &'static str,
}

impl Settled {
    fn skipped(reason: String) -> Self {
        Self {
            status: NotificationStatus::Skipped,
            reason: Some(reason),
            later: None,
            outcome: "skipped",
        }
    }
}

async fn finish(
    pool: &DbPool,
    due: Arc<Due>,
    settled: Settled,
    clock: &Clock,
) -> Result<&'static str, crate::error::ApiError> {
    let at = clock.now();
    let Settled {
        status,
        reason,
        later,
        outcome,
    } = settled;
    blocking(pool, move |conn| {
        match later {
            Some(when) => notifications::postpone(
                conn,
                &due,
                when,
                reason.as_deref().unwrap_or(""),
                outcome == "retrying",
            ),
            None => notifications::finish(conn, &due, status, reason.as_deref(), at),
        }
        .map_err(Into::into)
    })
    .await?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_sends_are_tried_three_more_times() {
        assert_eq!(retry_after(1), Some(TimeDelta::minutes(1)));
        assert_eq!(retry_after(3), Some(TimeDelta::hours(1)));
        assert_eq!(retry_after(4), None);
    }

    #[test]
    fn a_mailer_needs_a_valid_url_and_sender() {
        assert!(Mailer::new("smtp://127.0.0.1:2525", "Samspill <varsel@kommune.no>").is_ok());
        assert!(Mailer::new("smtp://127.0.0.1:2525", "not an address").is_err());
        assert!(Mailer::new("gopher://x", "varsel@kommune.no").is_err());
    }
}

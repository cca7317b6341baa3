//! The service's own Prometheus counters, beside the per-route request metrics: what the
//! request guards refused, what idempotency keys did, how often logins were made to wait, and
//! what the periodic jobs did (placements suspended, visits planned), and what happened to
//! needs (interest said, places given, needs filled), to follow-ups, to hours (logged,
//! approved, declined, revoked), and to events for volunteers.

use prometheus::{IntCounterVec, IntGauge, Opts, Registry};
use std::sync::OnceLock;

struct Counters {
    refused: IntCounterVec,
    idempotency: IntCounterVec,
    login_throttled: IntCounterVec,
    job_rows: IntCounterVec,
    job_failures: IntCounterVec,
    needs: IntCounterVec,
    follow_ups: IntCounterVec,
    time_entries: IntCounterVec,
    events: IntCounterVec,
    surveys: IntCounterVec,
    personal_data: IntCounterVec,
    webhook_deliveries: IntCounterVec,
    notifications: IntCounterVec,
    outbox_oldest: IntGauge,
    outbox_undispatched: IntGauge,
    outbox_pending: IntGauge,
}

fn counters() -> Option<&'static Counters> {
    static COUNTERS: OnceLock<Option<Counters>> = OnceLock::new();
    COUNTERS
        .get_or_init(|| {
            let vec = |name: &str, help: &str, label: &str| {
                IntCounterVec::new(Opts::new(name, help), &[label]).ok()
            };
            Some(Counters {
                refused: vec(
                    "samspill_refused_requests_total",
                    "Requests refused before a handler read them, by reason.",
                    "reason",
                )?,
                idempotency: vec(
                    "samspill_idempotency_keys_total",
                    "Creating requests sent with an Idempotency-Key, by outcome.",
                    "outcome",
                )?,
                login_throttled: vec(
                    "samspill_login_throttled_total",
                    "Password logins refused because the login name had to wait.",
                    "grant",
                )?,
                job_rows: vec(
                    "samspill_job_rows_total",
                    "Rows the periodic jobs handled (placements suspended, visits planned, keys purged), by job.",
                    "job",
                )?,
                job_failures: vec(
                    "samspill_job_failures_total",
                    "Runs of the periodic jobs that failed, by job.",
                    "job",
                )?,
                needs: vec(
                    "samspill_need_events_total",
                    "What happened to needs: interest said (by volunteer, registration or coordinator), places given, needs filled.",
                    "event",
                )?,
                follow_ups: vec(
                    "samspill_follow_up_events_total",
                    "What happened to follow-ups: planned by the service, added by hand, done, missed, cancelled, concerns opened, contacts logged (reached or not).",
                    "event",
                )?,
                time_entries: vec(
                    "samspill_time_entry_events_total",
                    "What happened to time entries (hours): logged (by anyone, or from a completed visit), approved, declined, revoked.",
                    "event",
                )?,
                events: vec(
                    "samspill_event_actions_total",
                    "What happened to events for volunteers: steps of their lifecycle (published, held, closed, cancelled), answers (registered, waitlisted, declined) and training credentials granted.",
                    "action",
                )?,
                surveys: vec(
                    "samspill_survey_actions_total",
                    "What happened to surveys: templates made, rounds sent, one-time links made, responses received.",
                    "action",
                )?,
                personal_data: vec(
                    "samspill_personal_data_actions_total",
                    "What was done with personal data: exports, consents given and withdrawn, retention extended, volunteers anonymised or deleted when their retention ran out, rows in bulk (hours, contact-log notes) acted on.",
                    "action",
                )?,
                webhook_deliveries: vec(
                    "samspill_webhook_deliveries_total",
                    "Webhook delivery attempts, by what came of them: delivered, retrying (to be tried again), failed (retries spent), disabled (the receiver answered 410), stale (changed meanwhile).",
                    "outcome",
                )?,
                notifications: IntCounterVec::new(
                    Opts::new(
                        "samspill_notifications_total",
                        "Notifications to people handled by the worker, by kind and outcome: sent, retrying (the send failed and is tried again), failed (retries spent), skipped (opted out, no address, no longer relevant, email off), postponed (the night), error.",
                    ),
                    &["kind", "outcome"],
                )
                .ok()?,
                outbox_oldest: IntGauge::new(
                    "samspill_outbox_oldest_undelivered_seconds",
                    "Age of the oldest event still to be handed on or delivered to an enabled endpoint (0 when none).",
                )
                .ok()?,
                outbox_undispatched: IntGauge::new(
                    "samspill_outbox_undispatched_events",
                    "Events in the outbox not yet handed to the endpoints that want them.",
                )
                .ok()?,
                outbox_pending: IntGauge::new(
                    "samspill_webhook_deliveries_pending",
                    "Webhook deliveries waiting for an enabled endpoint (due now or retrying later).",
                )
                .ok()?,
            })
        })
        .as_ref()
}

/// Adds the counters to `registry` (each server has its own).
pub fn register(registry: &Registry) {
    if let Some(c) = counters() {
        for collector in [
            &c.refused,
            &c.idempotency,
            &c.login_throttled,
            &c.job_rows,
            &c.job_failures,
            &c.needs,
            &c.follow_ups,
            &c.time_entries,
            &c.events,
            &c.surveys,
            &c.personal_data,
            &c.webhook_deliveries,
            &c.notifications,
        ] {
            if let Err(error) = registry.register(Box::new(collector.clone())) {
                tracing::warn!(%error, "a metric could not be registered");
            }
        }
        for gauge in [&c.outbox_oldest, &c.outbox_undispatched, &c.outbox_pending] {
            if let Err(error) = registry.register(Box::new(gauge.clone())) {
                tracing::warn!(%error, "a metric could not be registered");
            }
        }
    }
}

/// A request refused by a guard: `content_encoding`, `body_timeout`.
pub fn refused(reason: &str) {
    if let Some(c) = counters() {
        c.refused.with_label_values(&[reason]).inc();
    }
}

/// What an `Idempotency-Key` led to: `stored`, `replayed`, `mismatch`, `in_progress`, `not_kept`.
pub fn idempotency(outcome: &str) {
    if let Some(c) = counters() {
        c.idempotency.with_label_values(&[outcome]).inc();
    }
}

/// A password login refused because its name had to wait.
pub fn login_throttled() {
    if let Some(c) = counters() {
        c.login_throttled.with_label_values(&["password"]).inc();
    }
}

/// What a run of a periodic job did: the rows it handled, or that it failed.
pub fn job_run(job: &str, rows: Option<usize>) {
    if let Some(c) = counters() {
        match rows {
            Some(rows) => c
                .job_rows
                .with_label_values(&[job])
                .inc_by(u64::try_from(rows).unwrap_or(u64::MAX)),
            None => c.job_failures.with_label_values(&[job]).inc(),
        }
    }
}

/// Something that happened to a need: `interest_volunteer`, `interest_registration`,
/// `interest_coordinator`, `placed`, `filled`.
pub fn need_event(event: &str, count: usize) {
    if let Some(c) = counters() {
        c.needs
            .with_label_values(&[event])
            .inc_by(u64::try_from(count).unwrap_or(u64::MAX));
    }
}

/// Something that happened to follow-ups: `planned`, `added`, `done`, `missed`, `cancelled`,
/// `concern_opened`, `contact_reached`, `contact_not_reached`.
pub fn follow_up_event(event: &str, count: usize) {
    if let Some(c) = counters() {
        c.follow_ups
            .with_label_values(&[event])
            .inc_by(u64::try_from(count).unwrap_or(u64::MAX));
    }
}

/// Something that happened to a time entry: `logged`, `approved`, `declined`, `revoked`.
pub fn time_entry_event(event: &str) {
    if let Some(c) = counters() {
        c.time_entries.with_label_values(&[event]).inc();
    }
}

/// An event moved along its lifecycle (`published`, `held`, `closed`, `cancelled`).
pub fn event_step(status: &str) {
    if let Some(c) = counters() {
        c.events.with_label_values(&[status]).inc();
    }
}

/// An invitation answered; the answer as it stands (`registered`, `waitlisted`, `declined`).
pub fn event_answer(status: &str) {
    event_step(status);
}

/// Something done with surveys (`template_created`, `round_sent`, `links_made`), by how many.
pub fn survey_action(action: &str, count: usize) {
    if let Some(c) = counters() {
        c.surveys
            .with_label_values(&[action])
            .inc_by(u64::try_from(count).unwrap_or(0));
    }
}

/// Something done with personal data (`export`, `consent_given`, `consent_withdrawn`,
/// `retention_extended`, `anonymised`, `deleted`, `bulk_rows`), by how many.
pub fn personal_data_action(action: &str, count: usize) {
    if let Some(c) = counters() {
        c.personal_data
            .with_label_values(&[action])
            .inc_by(u64::try_from(count).unwrap_or(0));
    }
}

/// A survey response received.
pub fn survey_response() {
    survey_action("response", 1);
}

/// Training credentials a theme training granted.
pub fn training_credentials_granted(count: usize) {
    if let Some(c) = counters() {
        c.events
            .with_label_values(&["credentials_granted"])
            .inc_by(u64::try_from(count).unwrap_or(0));
    }
}

/// What came of a webhook delivery attempt.
pub fn webhook_delivery(recorded: samspill_persistence::webhooks::Recorded) {
    use samspill_persistence::webhooks::Recorded;
    if let Some(c) = counters() {
        let outcome = match recorded {
            Recorded::Delivered => "delivered",
            Recorded::Retrying => "retrying",
            Recorded::Failed => "failed",
            Recorded::Disabled => "disabled",
            Recorded::Stale => "stale",
        };
        c.webhook_deliveries.with_label_values(&[outcome]).inc();
    }
}

/// How the outbox stands at `now`.
pub fn outbox_backlog(
    backlog: &samspill_persistence::outbox::Backlog,
    now: chrono::DateTime<chrono::Utc>,
) {
    if let Some(c) = counters() {
        let age = backlog
            .oldest
            .map_or(0, |oldest| (now - oldest).num_seconds().max(0));
        c.outbox_oldest.set(age);
        c.outbox_undispatched.set(backlog.undispatched);
        c.outbox_pending.set(backlog.pending_deliveries);
    }
}

/// What the worker did with a notification of `kind`.
pub fn notification(kind: &str, outcome: &str) {
    if let Some(c) = counters() {
        c.notifications.with_label_values(&[kind, outcome]).inc();
    }
}

//! The service's periodic jobs: the use cases the scheduler runs, each with its name and how
//! often. Every instance runs the same list; a job's run takes an advisory lock (and jobs over
//! many rows claim them with `SKIP LOCKED`), so several instances share the work.

use crate::{cases, dto::clearance::render, scheduler::Job};
use samspill_persistence::{follow_ups, idempotency, login_throttles, needs, outbox};
use std::time::Duration;

/// How many placements, schedules or needs one run of a job handles; the next run goes on.
const BATCH: i32 = 500;

/// The jobs, in the order they run each round.
pub fn all() -> Vec<Job> {
    vec![
        Job {
            name: "recheck_placements",
            every: Duration::from_secs(60),
            run: |conn, now| cases::placements::recheck(conn, now, BATCH, render),
        },
        Job {
            name: "announce_clearance",
            every: Duration::from_secs(60),
            run: |conn, now| cases::clearance::announce(conn, now, i64::from(BATCH)),
        },
        Job {
            name: "plan_visits",
            every: Duration::from_secs(600),
            run: |conn, now| cases::placements::generate_visits(conn, now, BATCH),
        },
        Job {
            name: "close_needs",
            every: Duration::from_secs(600),
            run: |conn, now| Ok(needs::close_past(conn, now.date_naive(), i64::from(BATCH))?),
        },
        Job {
            name: "plan_follow_ups",
            every: Duration::from_secs(600),
            run: |conn, now| {
                let made = follow_ups::plan(conn, now, i64::from(BATCH))?;
                crate::metrics::follow_up_event("planned", made);
                Ok(made)
            },
        },
        Job {
            name: "announce_overdue_follow_ups",
            every: Duration::from_secs(600),
            run: |conn, now| {
                Ok(follow_ups::announce_overdue(
                    conn,
                    now.date_naive(),
                    i64::from(BATCH),
                )?)
            },
        },
        Job {
            name: "plan_notifications",
            every: Duration::from_secs(600),
            run: |conn, now| cases::notifications::plan(conn, now, i64::from(BATCH)),
        },
        Job {
            name: "apply_retention",
            every: Duration::from_secs(3_600),
            run: |conn, now| cases::retention::apply(conn, now, i64::from(BATCH)),
        },
        Job {
            name: "purge_imports",
            every: Duration::from_secs(3_600),
            run: |conn, now| {
                Ok(samspill_persistence::imports::purge(
                    conn,
                    now - chrono::TimeDelta::days(30),
                )?)
            },
        },
        Job {
            name: "purge_outbox",
            every: Duration::from_secs(3_600),
            run: |conn, now| {
                Ok(outbox::purge(
                    conn,
                    now - chrono::TimeDelta::days(outbox::KEEP_DAYS),
                    i64::from(BATCH) * 10,
                )?)
            },
        },
        Job {
            name: "purge_idempotency_keys",
            every: Duration::from_secs(600),
            run: |conn, now| Ok(idempotency::purge_expired(conn, now)?),
        },
        Job {
            name: "purge_login_throttles",
            every: Duration::from_secs(600),
            run: |conn, now| {
                Ok(login_throttles::purge_stale(
                    conn,
                    now - chrono::TimeDelta::days(1),
                )?)
            },
        },
    ]
}

/// The job of this name.
pub fn named(name: &str) -> Option<Job> {
    all().into_iter().find(|job| job.name == name)
}

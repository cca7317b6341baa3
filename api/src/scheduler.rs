//! Periodic work inside the service. Every instance runs the same scheduler; each run of a job
//! takes a PostgreSQL advisory lock first, so that with several instances one of them does it
//! and the others skip that round.

use crate::{clock::Clock, error::ApiError};
use chrono::{DateTime, Utc};
use diesel::Connection;
use samspill_persistence::{DbPool, PgConnection, RepoError, locks};
use std::time::Duration;

/// One kind of periodic work.
#[derive(Clone, Copy)]
pub struct Job {
    /// A stable name: it is the lock's key and appears in the logs.
    pub name: &'static str,
    /// How often it runs.
    pub every: Duration,
    /// The work, in one transaction; returns how many rows it handled.
    pub run: fn(&mut PgConnection, DateTime<Utc>) -> Result<usize, ApiError>,
}

/// Runs `job` once if no other instance is running it; `None` when another instance was.
pub fn run_once(
    conn: &mut PgConnection,
    job: &Job,
    now: DateTime<Utc>,
) -> Result<Option<usize>, ApiError> {
    let outcome = conn.transaction(|conn| {
        if !locks::try_lock(conn, locks::SCHEDULED_JOB, job.name)? {
            return Ok(None);
        }
        (job.run)(conn, now).map(Some)
    });
    match &outcome {
        Ok(Some(rows)) => crate::metrics::job_run(job.name, Some(*rows)),
        Ok(None) => {}
        Err(_) => crate::metrics::job_run(job.name, None),
    }
    outcome
}

/// Runs the jobs forever, each at its interval (the first round a minute after start), at the
/// time `clock` tells.
pub async fn run(pool: DbPool, jobs: Vec<Job>, clock: Clock) {
    let tick = Duration::from_secs(60);
    let mut waited = vec![Duration::ZERO; jobs.len()];
    let mut interval = tokio::time::interval(tick);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    interval.tick().await;
    loop {
        interval.tick().await;
        for (job, waited) in jobs.iter().zip(waited.iter_mut()) {
            *waited += tick;
            if *waited < job.every {
                continue;
            }
            *waited = Duration::ZERO;
            let (pool, job, now) = (pool.clone(), *job, clock.now());
            let outcome = tokio::task::spawn_blocking(move || {
                let mut conn = pool.get().map_err(RepoError::from)?;
                run_once(&mut conn, &job, now)
            })
            .await;
            match outcome {
                Ok(Ok(Some(rows))) if rows > 0 => {
                    tracing::info!(job = job.name, rows, "scheduled job done");
                }
                Ok(Ok(_)) => {}
                Ok(Err(error)) => tracing::warn!(job = job.name, %error, "scheduled job failed"),
                Err(error) => tracing::error!(job = job.name, %error, "scheduled job panicked"),
            }
        }
    }
}

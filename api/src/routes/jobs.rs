//! The service's periodic jobs, run now by an administrator: after a bulk change, or to see
//! at once what the next round would do. They also run by themselves inside the service.

use crate::{auth::StaffCaller, error::ApiError, jobs, scheduler, state::AppState};
use actix_web::{HttpResponse, post, web};
use samspill_persistence::RepoError;
use serde::Serialize;
use utoipa::ToSchema;

/// What one run did.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobRunView {
    /// The job.
    #[schema(example = "recheck_placements")]
    pub job: &'static str,
    /// `false` when another instance was running it at that moment (nothing was done here).
    pub ran: bool,
    /// How many rows it handled: placements suspended, visits planned, keys purged.
    pub rows: usize,
}

/// Run one of the service's periodic jobs now.
///
/// The jobs run by themselves inside the service; this runs one at once (administrators):
/// `recheck_placements` (every minute: ends placements past their last day, suspends those
/// whose volunteer or group is no longer cleared), `announce_clearance` (every minute: writes
/// a `volunteer.clearance_changed` event for each volunteer whose clearance changed since it was
/// last told, by a change or by the date), `plan_visits` (every ten minutes: plans
/// visits ahead from schedules), `close_needs` (every ten minutes: closes open and filled needs
/// after their last day), `plan_follow_ups` (every ten minutes: makes the follow-ups the
/// municipalities' follow-up settings call for), `announce_overdue_follow_ups` (every ten
/// minutes: writes a `follow_up.overdue` event for each follow-up past its due date, once per
/// due date), `plan_notifications` (every ten minutes: plans the visit reminders, expiry
/// warnings and overdue follow-up reminders whose time is near), `apply_retention` (every hour:
/// anonymises or deletes the volunteers whose retention period has run, unless extended, and
/// acts on hours and contact-log notes past theirs), `purge_imports` (every hour: deletes
/// imports of volunteers, with the failed rows they keep, after 30 days), `purge_outbox` (every hour: deletes events handed on more than 30 days ago whose
/// deliveries are finished), `purge_idempotency_keys`, `purge_login_throttles`. A run handles at
/// most 500 placements, schedules or needs; run it again to go on.
#[utoipa::path(
    tag = "operations",
    params(("name" = String, Path, description = "The job's name.", example = "recheck_placements")),
    responses((status = 200, description = "What the run did.", body = JobRunView))
)]
#[post("/jobs/{name}/runs")]
pub async fn run_job(
    state: web::Data<AppState>,
    caller: StaffCaller,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let job = jobs::named(&name).ok_or(ApiError::NotFound)?;
    let now = state.clock.now();
    let pool = state.pool.clone();
    let rows = web::block(move || {
        let mut conn = pool.get().map_err(RepoError::from)?;
        scheduler::run_once(&mut conn, &job, now)
    })
    .await??;
    Ok(HttpResponse::Ok().json(JobRunView {
        job: job.name,
        ran: rows.is_some(),
        rows: rows.unwrap_or(0),
    }))
}

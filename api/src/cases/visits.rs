//! Schedules and visits: a placement's recurring schedules turned into planned visits ahead
//! (again, without duplicates, whenever a schedule changes), visits added one at a time, the
//! staff representative who comes along, and visits marked as they happen.

use crate::{
    access::{self, check_staff_contact, check_staff_of},
    auth::StaffCaller,
    error::ApiError,
};
use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;
use diesel::Connection;
use samspill_domain::{
    auth::{Audience, TenantScope},
    ids::{MunicipalityId, PlacementId, ScheduleId, VisitId},
    municipality::Municipality,
    placement::{Placement, PlacementStatus},
    schedule::{Schedule, local_instant, time_zone_name},
    visit::{
        Companion, Visit, VisitFlag, VisitStatus, VisitStep, VisitStepError, check_visit_step,
    },
};
use samspill_persistence::{
    PgConnection, municipalities,
    placements::{self, ScheduleParts},
    versioned::check_version,
    visits::{self, Slot},
};
use uuid::Uuid;

/// The time zone of a municipality's schedules.
pub fn zone_of(municipality: &Municipality) -> Tz {
    time_zone_name(municipality.country)
        .parse()
        .unwrap_or(chrono_tz::Europe::Oslo)
}

/// The slot of a visit on `date` at local `time` for `minutes`.
fn slot(zone: &Tz, date: NaiveDate, time: NaiveTime, minutes: i32) -> Slot {
    let starts_at = local_instant(zone, date, time);
    Slot {
        local_date: date,
        starts_at,
        ends_at: starts_at + TimeDelta::minutes(i64::from(minutes)),
    }
}

/// The slots of `schedule` from now to `horizon_weeks` ahead, within the placement's dates,
/// and the last day they reach.
fn slots_ahead(
    placement: &Placement,
    schedule: &Schedule,
    zone: &Tz,
    horizon_weeks: u16,
    now: DateTime<Utc>,
) -> (Vec<Slot>, NaiveDate) {
    let today = now.date_naive();
    let horizon = today + Days::new(u64::from(horizon_weeks) * 7);
    let last = placement.ends_on.map_or(horizon, |end| end.min(horizon));
    let first = today.max(placement.starts_on);
    let slots = if first > last {
        Vec::new()
    } else {
        schedule
            .recurrence
            .dates_between(first, last)
            .into_iter()
            .map(|date| slot(zone, date, schedule.start_time, schedule.duration_minutes))
            .filter(|s| s.starts_at >= now)
            .collect()
    };
    (slots, horizon)
}

/// Adds the planned visits of `schedule` from now to `horizon_weeks` ahead, within the
/// placement's dates, and notes how far they reach; returns how many were added.
pub fn generate_for_schedule(
    conn: &mut PgConnection,
    placement: &Placement,
    schedule: &Schedule,
    zone: &Tz,
    horizon_weeks: u16,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let (slots, horizon) = slots_ahead(placement, schedule, zone, horizon_weeks, now);
    let added = visits::generate(conn, schedule, &slots)?;
    placements::mark_generated(conn, schedule, horizon)?;
    Ok(added)
}

/// A placement of the caller's scope that is not over, locked: schedules and visits change
/// only on those.
fn open_placement(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: PlacementId,
) -> Result<(Placement, Municipality), ApiError> {
    placements::find(conn, caller.scope(), access::managed(caller)?, id)?;
    let placement = placements::locked(conn, caller.scope(), id)?.placement;
    if placement.status == PlacementStatus::Ended {
        return Err(ApiError::Conflict {
            detail: "The placement has ended: its schedules and visits no longer change."
                .to_owned(),
            errors: Vec::new(),
        });
    }
    let municipality = municipalities::find(conn, TenantScope::All, placement.municipality_id)?;
    Ok((placement, municipality))
}

/// A schedule must lie within its placement's dates.
fn check_within(placement: &Placement, parts: &ScheduleParts) -> Result<(), ApiError> {
    if parts.recurrence.starts_on() < placement.starts_on {
        return Err(ApiError::invalid(
            "starts_on",
            "before_placement",
            format!(
                "the schedule cannot start before the placement does ({})",
                placement.starts_on
            ),
        ));
    }
    Ok(())
}

/// A schedule just added or replaced.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The schedule.
    pub schedule: Schedule,
    /// How many visits were planned from it now.
    pub visits_planned: usize,
    /// The time zone of its local times.
    pub time_zone: &'static str,
}

/// Adds a schedule to a placement and plans its visits ahead at once.
pub fn add_schedule(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    placement: PlacementId,
    parts: ScheduleParts,
    now: DateTime<Utc>,
) -> Result<Planned, ApiError> {
    conn.transaction(|conn| {
        let (placement, municipality) = open_placement(conn, caller, placement)?;
        check_within(&placement, &parts)?;
        let schedule = placements::insert_schedule(conn, &placement, &parts)?;
        let visits_planned = plan(conn, &placement, &schedule, &municipality, now)?;
        Ok(Planned {
            schedule,
            visits_planned,
            time_zone: time_zone_name(municipality.country),
        })
    })
}

/// A placement's schedules (if the caller sees the placement), with their time zone.
pub fn schedules(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    placement: PlacementId,
) -> Result<(Vec<Schedule>, &'static str), ApiError> {
    let placement = placements::find(conn, scope, audience, placement)?.placement;
    let municipality = municipalities::find(conn, TenantScope::All, placement.municipality_id)?;
    Ok((
        placements::schedules_of(conn, &placement)?,
        time_zone_name(municipality.country),
    ))
}

/// Plans `schedule`'s visits ahead when its placement plans visits at all (proposed or
/// active); returns how many were added.
pub fn plan(
    conn: &mut PgConnection,
    placement: &Placement,
    schedule: &Schedule,
    municipality: &Municipality,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    if !matches!(
        placement.status,
        PlacementStatus::Proposed | PlacementStatus::Active
    ) {
        return Ok(0);
    }
    generate_for_schedule(
        conn,
        placement,
        schedule,
        &zone_of(municipality),
        municipality.settings.visit_horizon_weeks,
        now,
    )
}

/// Replaces a schedule: its planned visits from now on go and are planned again from the new
/// rule; visits that took place, were missed or cancelled stay.
pub fn replace_schedule(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    placement: PlacementId,
    id: ScheduleId,
    expected_version: Option<i32>,
    parts: ScheduleParts,
    now: DateTime<Utc>,
) -> Result<Planned, ApiError> {
    conn.transaction(|conn| {
        let (placement, municipality) = open_placement(conn, caller, placement)?;
        let current = placements::locked_schedule(conn, &placement, id)?;
        check_within(&placement, &parts)?;
        let schedule = placements::update_schedule(conn, &current, expected_version, &parts)?;
        let (slots, _) = slots_ahead(
            &placement,
            &schedule,
            &zone_of(&municipality),
            municipality.settings.visit_horizon_weeks,
            now,
        );
        visits::retime_planned(conn, &schedule, now, &slots)?;
        let visits_planned = plan(conn, &placement, &schedule, &municipality, now)?;
        Ok(Planned {
            schedule,
            visits_planned,
            time_zone: time_zone_name(municipality.country),
        })
    })
}

/// Removes a schedule with its planned visits from now on.
pub fn remove_schedule(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    placement: PlacementId,
    id: ScheduleId,
    expected_version: Option<i32>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    conn.transaction(|conn| {
        let (placement, _) = open_placement(conn, caller, placement)?;
        let current = placements::locked_schedule(conn, &placement, id)?;
        check_version(current.version, expected_version)?;
        visits::remove_planned(conn, &current, now)?;
        placements::delete_schedule(conn, &current)?;
        Ok(())
    })
}

/// Checks that `companion` may come along on a visit of `municipality`: an active staff
/// account of it (not a volunteer's login), or an active staff contact person of it.
fn check_companion(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    municipality: MunicipalityId,
    companion: Companion,
) -> Result<(), ApiError> {
    match companion {
        Companion::StaffUser(account) => check_staff_of(
            conn,
            caller,
            municipality,
            account,
            "accompanied_by.user_id",
        ),
        Companion::ContactPerson(id) => {
            check_staff_contact(conn, municipality, id, "accompanied_by.contact_person_id")
        }
    }
}

/// The flag visits of a placement in `status` carry.
fn flag_of(status: PlacementStatus) -> Option<VisitFlag> {
    match status {
        PlacementStatus::Suspended => Some(VisitFlag::PlacementSuspended),
        PlacementStatus::Paused => Some(VisitFlag::PlacementPaused),
        _ => None,
    }
}

/// A visit to add on its own.
#[derive(Debug, Clone, Copy)]
pub struct OneVisit {
    /// The local date.
    pub date: NaiveDate,
    /// The local start time.
    pub start_time: NaiveTime,
    /// Minutes.
    pub duration_minutes: i32,
    /// The staff representative who comes along.
    pub accompanied_by: Option<Companion>,
}

/// Adds one visit to a placement (the accompanied first visit, an extra one).
pub fn add_visit(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    placement: PlacementId,
    visit: OneVisit,
) -> Result<Visit, ApiError> {
    conn.transaction(|conn| {
        let (placement, municipality) = open_placement(conn, caller, placement)?;
        if visit.date < placement.starts_on || placement.ends_on.is_some_and(|e| visit.date > e) {
            return Err(ApiError::invalid(
                "date",
                "outside_placement",
                "the visit must fall within the placement's first and last day",
            ));
        }
        if let Some(companion) = visit.accompanied_by {
            check_companion(conn, caller, municipality.id, companion)?;
        }
        let slot = slot(
            &zone_of(&municipality),
            visit.date,
            visit.start_time,
            visit.duration_minutes,
        );
        Ok(visits::insert_one(
            conn,
            &placement,
            slot,
            visit.accompanied_by,
            flag_of(placement.status),
        )?)
    })
}

/// Names (or clears, with `None`) the staff representative of a planned visit.
pub fn set_companion(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: VisitId,
    expected_version: Option<i32>,
    companion: Option<Companion>,
) -> Result<Visit, ApiError> {
    conn.transaction(|conn| {
        let (_, visit) = lock_visit(conn, caller, id, expected_version)?;
        if visit.status != VisitStatus::Planned {
            return Err(ApiError::Conflict {
                detail: format!("The visit is {}: only planned visits change.", visit.status),
                errors: Vec::new(),
            });
        }
        if let Some(companion) = companion {
            check_companion(conn, caller, visit.municipality_id, companion)?;
        }
        Ok(visits::set_companion(conn, &visit, companion)?)
    })
}

/// A visit of the caller's scope and its placement, locked in the order every writer keeps:
/// the placement, then the visit.
fn lock_visit(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: VisitId,
    expected_version: Option<i32>,
) -> Result<(Placement, Visit), ApiError> {
    let seen = visits::find(conn, caller.scope(), access::managed(caller)?, id)?;
    let placement = placements::locked(
        conn,
        TenantScope::Municipality(seen.municipality_id),
        seen.placement_id,
    )?
    .placement;
    let visit = visits::locked(conn, caller.scope(), id, expected_version)?;
    Ok((placement, visit))
}

fn visit_refused(error: VisitStepError) -> ApiError {
    let (field, code) = match error {
        VisitStepError::NotAllowed { .. } => ("to", "not_allowed"),
        VisitStepError::NotYetBegun => ("to", "not_yet_begun"),
        VisitStepError::CompanionRequired => ("accompanied_by", "companion_required"),
        VisitStepError::ReasonRequired => ("reason", "required"),
        VisitStepError::Flagged => ("to", "placement_not_running"),
    };
    ApiError::Conflict {
        detail: error.to_string(),
        errors: vec![crate::error::FieldError::new(
            field,
            code,
            error.to_string(),
        )],
    }
}

/// Marks a planned visit as completed, not attended or cancelled. The first visit of a
/// private-home placement is completed only with a staff representative named. A completed
/// visit gets its pending time entry in the same transaction.
pub fn mark_visit(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: VisitId,
    expected_version: Option<i32>,
    to: VisitStatus,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<Visit, ApiError> {
    conn.transaction(|conn| {
        let (placement, visit) = lock_visit(conn, caller, id, expected_version)?;
        let mut lookup_error = None;
        let step = VisitStep {
            from: visit.status,
            to,
            starts_at: visit.starts_at,
            now,
            accompanied: visit.accompanied_by.is_some(),
            has_reason: reason.is_some(),
            flagged: visit.flag.is_some(),
        };
        let checked = check_visit_step(step, || {
            placement.setting() == samspill_domain::clearance::Setting::PrivateHome
                && !placements::first_visit_done(conn, &placement).unwrap_or_else(|e| {
                    lookup_error = Some(e);
                    true
                })
        });
        if let Some(error) = lookup_error {
            return Err(error.into());
        }
        checked.map_err(visit_refused)?;
        let marked = visits::set_status(conn, &visit, to, reason.as_deref(), caller.id)?;
        if to == VisitStatus::Completed {
            // The hours of the visit, pending a coordinator's approval (at most one per visit).
            crate::cases::time_entries::log_visit(conn, &placement, &marked, caller.id, now)?;
        }
        if matches!(to, VisitStatus::NoShow | VisitStatus::Cancelled) {
            // Time logged on it ahead was not given after all.
            crate::cases::time_entries::visit_did_not_happen(conn, &marked, caller.id, now)?;
        }
        Ok(marked)
    })
}

/// The longest window one list of visits covers.
const MAX_WINDOW_DAYS: i64 = 366;

/// How many days after `from` a list of visits reaches when `to` is not given.
pub const LIST_DAYS: u64 = 28;

/// How many days after `from` a calendar reaches when `to` is not given (twelve weeks).
pub const CALENDAR_DAYS: u64 = 84;

/// The local dates a list of visits covers: from `from` (default today) to `to` (default four
/// weeks on), at most a year.
pub fn window(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), ApiError> {
    window_reaching(from, to, today, LIST_DAYS)
}

/// As [`window`], with `to` defaulting to `days` after `from`.
pub fn window_reaching(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
    days: u64,
) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let from = crate::input::plausible("from", from.unwrap_or(today))?;
    let to = crate::input::plausible("to", to.unwrap_or(from + chrono::Days::new(days)))?;
    if to < from {
        return Err(ApiError::invalid(
            "to",
            "before_from",
            "must not be before from",
        ));
    }
    if (to - from).num_days() > MAX_WINDOW_DAYS {
        return Err(ApiError::invalid(
            "to",
            "window_too_long",
            format!("a list covers at most {MAX_WINDOW_DAYS} days"),
        ));
    }
    Ok((from, to))
}

/// `filter` limited to the visits on local dates `from` to `to` (both included): start times
/// are bounded a day either side, for the index, then matched by local date.
pub fn windowed(
    mut filter: visits::VisitFilter,
    (from, to): (NaiveDate, NaiveDate),
) -> visits::VisitFilter {
    let day = chrono::Days::new(1);
    filter.from = Some((from - day).and_time(NaiveTime::MIN).and_utc());
    filter.to = Some((to + day + day).and_time(NaiveTime::MIN).and_utc());
    filter.local_dates = Some((from, to));
    filter
}

/// Reads a page of visits for `scope` and `audience` on the local dates `from` to `to`; and
/// whether more follow.
pub fn page(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    mut filter: visits::VisitFilter,
    (from, to): (NaiveDate, NaiveDate),
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<(Vec<Visit>, bool), ApiError> {
    filter = windowed(filter, (from, to));
    let mut found = visits::list(conn, scope, audience, filter, after, limit)?;
    let more = found.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    found.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok((found, more))
}

//! The hours log: time logged by a coordinator (counted at once), by a volunteer for themselves
//! (pending or counted, by the municipality's setting) or made when a visit is marked completed
//! (pending), linked to a placement or a visit when there is one; decided by coordinators;
//! and added up in the hours report.

use crate::{
    access::{self, named_municipality},
    auth::StaffCaller,
    cases::visits::zone_of,
    error::{ApiError, FieldError},
};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::Connection;
use samspill_domain::{
    ParseError,
    auth::{Audience, TenantScope},
    ids::{MunicipalityId, PlacementId, StaffUserId, TimeEntryId, UnitId, VisitId},
    municipality::Municipality,
    placement::{Place, Placed, Placement},
    time_entry::{
        DecisionError, TimeEntry, TimeEntryDecision, TimeEntrySource, TimeEntryStatus, TimeLink,
        check_day_total, check_minutes, check_occurred_on, decide as decide_step, initial_status,
    },
    visit::{Visit, VisitStatus},
};
use samspill_persistence::{
    Page, PgConnection, RepoError, activity_kinds, municipalities,
    page::PageRequest,
    placements, recipients,
    time_entries::{self, NewTimeEntry, TimeEntryChange, TimeEntryFilter},
    versioned::check_version,
    visits, volunteers,
};

/// What volunteer accounts are told where staff read the hours log.
pub const VOLUNTEERS_READ_THEIR_OWN_HOURS: &str =
    "Volunteers read and log their own hours at /api/v1/me/time-entries.";

/// An entry with its history.
#[derive(Debug, Clone)]
pub struct TimeEntryRecord {
    /// The entry.
    pub entry: TimeEntry,
    /// Its status changes, the first (logged) first.
    pub history: Vec<TimeEntryChange>,
}

/// What someone logs, parsed by the route; links are resolved here.
#[derive(Debug, Clone)]
pub struct TimeDraft {
    /// The date; taken from the visit when one is named and it is left out.
    pub occurred_on: Option<NaiveDate>,
    /// Minutes; the visit's length when a visit is named and they are left out.
    pub minutes: Option<i32>,
    /// The placement the time was given for.
    pub placement_id: Option<PlacementId>,
    /// The visit the time was given on.
    pub visit_id: Option<VisitId>,
    /// The unit, for time not linked to a placement.
    pub unit_id: Option<UnitId>,
    /// The activity kind's code, for time not linked to a placement.
    pub activity_kind: Option<String>,
    /// What was done.
    pub note: Option<String>,
}

/// The municipality's local date at `now`: an entry may be dated up to it.
pub fn local_today(municipality: &Municipality, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&zone_of(municipality)).date_naive()
}

fn invalid(field: &str, code: &str, message: impl Into<String>) -> ApiError {
    ApiError::invalid(field, code, message.into())
}

fn field(name: &str, error: ParseError) -> ApiError {
    ApiError::Validation(vec![FieldError::parse(name, &error)])
}

/// A lookup of something named in the body: not found (in the caller's sight) is a 422 on
/// the field.
fn named<T>(result: Result<T, RepoError>, name: &str, what: &str) -> Result<T, ApiError> {
    match result {
        Ok(found) => Ok(found),
        Err(RepoError::NotFound) => Err(invalid(
            name,
            "not_found",
            format!("no {what} with this id that you may log hours for"),
        )),
        Err(other) => Err(other.into()),
    }
}

/// The unit a placement's time counts for: its unit, or for a home visit the unit that answers
/// for the person visited (none once the person was erased).
fn unit_of(conn: &mut PgConnection, placement: &Placement) -> Result<Option<UnitId>, ApiError> {
    match placement.place {
        Place::Unit(unit) => Ok(Some(unit)),
        Place::Recipient(recipient) => match recipients::find(
            conn,
            TenantScope::Municipality(placement.municipality_id),
            recipient,
        ) {
            Ok(found) => Ok(Some(found.responsible_unit_id)),
            Err(RepoError::NotFound) => Ok(None),
            Err(other) => Err(other.into()),
        },
    }
}

/// Whether `who` is whom `placement` places (a group with any head count).
fn places(placement: &Placement, who: Placed) -> bool {
    match (placement.placed, who) {
        (Placed::Volunteer(a), Placed::Volunteer(b)) => a == b,
        (Placed::Group(a, _), Placed::Group(b, _)) => a == b,
        _ => false,
    }
}

fn minutes_of(visit: &Visit) -> i32 {
    let minutes = (visit.ends_at - visit.starts_at).num_minutes();
    i32::try_from(minutes.clamp(1, 1440)).unwrap_or(1440)
}

/// What a draft resolves to.
struct Resolved {
    link: TimeLink,
    occurred_on: NaiveDate,
    minutes: i32,
    unit_id: Option<UnitId>,
    activity_kind: Option<String>,
}

/// Resolves and checks what `who` logs in `municipality`, reading placements and visits as
/// `audience` sees them (a volunteer links only their own).
fn resolve(
    conn: &mut PgConnection,
    municipality: &Municipality,
    audience: Audience,
    who: Placed,
    draft: &TimeDraft,
    now: DateTime<Utc>,
) -> Result<Resolved, ApiError> {
    let tenant = TenantScope::Municipality(municipality.id);
    let visit = match draft.visit_id {
        Some(id) => {
            let visit = named(
                visits::find(conn, tenant, audience, id),
                "visit_id",
                "visit",
            )?;
            if matches!(visit.status, VisitStatus::Cancelled | VisitStatus::NoShow) {
                return Err(invalid(
                    "visit_id",
                    "did_not_take_place",
                    format!("the visit is {}: no time was given on it", visit.status),
                ));
            }
            if draft.placement_id.is_some_and(|p| p != visit.placement_id) {
                return Err(invalid(
                    "placement_id",
                    "not_of_visit",
                    "the visit belongs to another placement; leave placement_id out",
                ));
            }
            Some(visit)
        }
        None => None,
    };
    let placement_id = visit
        .as_ref()
        .map(|v| v.placement_id)
        .or(draft.placement_id);
    let placement = match placement_id {
        Some(id) => Some(
            named(
                placements::find(conn, tenant, audience, id),
                "placement_id",
                "placement",
            )?
            .placement,
        ),
        None => None,
    };
    let occurred_on = match (&visit, draft.occurred_on) {
        (Some(visit), Some(date)) if date != visit.local_date => {
            return Err(invalid(
                "occurred_on",
                "not_visit_date",
                format!(
                    "the visit was on {}; leave occurred_on out or give that date",
                    visit.local_date
                ),
            ));
        }
        (Some(visit), _) => visit.local_date,
        (None, Some(date)) => date,
        (None, None) => return Err(invalid("occurred_on", "required", "say on which date")),
    };
    let occurred_on = check_occurred_on(occurred_on, local_today(municipality, now))
        .map_err(|e| field("occurred_on", e))?;
    let minutes = match (&visit, draft.minutes) {
        (_, Some(minutes)) => minutes,
        (Some(visit), None) => minutes_of(visit),
        (None, None) => return Err(invalid("minutes", "required", "say how many minutes")),
    };
    let minutes = check_minutes(minutes).map_err(|e| field("minutes", e))?;
    let Some(placement) = placement else {
        if let Some(kind) = &draft.activity_kind {
            let unknown =
                activity_kinds::unknown_codes(conn, municipality.id, std::slice::from_ref(kind))?;
            if !unknown.is_empty() {
                return Err(invalid(
                    "activity_kind",
                    "unknown_activity_kind",
                    "not an activity kind of the municipality",
                ));
            }
        }
        return Ok(Resolved {
            link: TimeLink::None,
            occurred_on,
            minutes,
            unit_id: draft.unit_id,
            activity_kind: draft.activity_kind.clone(),
        });
    };
    for (given, name) in [
        (draft.unit_id.is_some(), "unit_id"),
        (draft.activity_kind.is_some(), "activity_kind"),
    ] {
        if given {
            return Err(invalid(
                name,
                "not_allowed",
                "time for a placement counts for the placement's unit and activity kind: leave it out",
            ));
        }
    }
    if !places(&placement, who) {
        let name = match who {
            Placed::Volunteer(_) => "volunteer_id",
            Placed::Group(..) => "group_id",
        };
        return Err(invalid(
            name,
            "not_placed",
            "the placement places someone else",
        ));
    }
    if occurred_on < placement.starts_on || placement.ends_on.is_some_and(|e| occurred_on > e) {
        return Err(invalid(
            "occurred_on",
            "outside_placement",
            "the date must fall within the placement's first and last day",
        ));
    }
    Ok(Resolved {
        link: match &visit {
            Some(visit) => TimeLink::Visit(placement.id, visit.id),
            None => TimeLink::Placement(placement.id),
        },
        occurred_on,
        minutes,
        unit_id: unit_of(conn, &placement)?,
        activity_kind: Some(placement.activity_kind.clone()),
    })
}

/// Checks the 24-hour rule for `who` on the entry's day (under the day's lock) and stores it.
fn store(conn: &mut PgConnection, new: &NewTimeEntry) -> Result<TimeEntryRecord, ApiError> {
    let already = time_entries::day_total(conn, new.municipality_id, new.who, new.occurred_on)?;
    check_day_total(already, new.minutes).map_err(|e| field("minutes", e))?;
    let entry = time_entries::insert(conn, new)?;
    record(conn, entry)
}

/// A coordinator (or an administrator) logs time for a volunteer or a group of `municipality`:
/// it counts at once, decided by them.
pub fn log(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    municipality: MunicipalityId,
    who: Placed,
    draft: TimeDraft,
    now: DateTime<Utc>,
) -> Result<TimeEntryRecord, ApiError> {
    caller.require_manager()?;
    conn.transaction(|conn| {
        let municipality = named_municipality(conn, caller.scope(), municipality)?;
        // Someone of the municipality who is still on record (not erased).
        let tenant = TenantScope::Municipality(municipality.id);
        let found = match who {
            Placed::Volunteer(id) => {
                volunteers::find(conn, tenant, Audience::Everyone, id).map(|_| ())
            }
            Placed::Group(id, _) => {
                samspill_persistence::groups::find(conn, tenant, id).map(|_| ())
            }
        };
        match found {
            Ok(_) => {}
            Err(RepoError::NotFound) => {
                let field = match who {
                    Placed::Volunteer(_) => "volunteer_id",
                    Placed::Group(..) => "group_id",
                };
                return Err(invalid(
                    field,
                    "not_found",
                    "no such volunteer or group in the municipality",
                ));
            }
            Err(other) => return Err(other.into()),
        }
        let (id, field) = match who {
            Placed::Volunteer(id) => (id.into_uuid(), "volunteer_id"),
            Placed::Group(id, _) => (id.into_uuid(), "group_id"),
        };
        let audience = access::managed(caller)?;
        let resolved = resolve(conn, &municipality, audience, who, &draft, now)?;
        // A district coordinator logs what they will see: time of someone of their districts,
        // or on a placement of them (as for a visiting volunteer from elsewhere). Time on no
        // placement is only for their own volunteers and groups, wherever it was spent.
        let mut about = vec![id];
        if let TimeLink::Placement(placement) | TimeLink::Visit(placement, _) = resolved.link {
            about.extend(resolved.unit_id.map(UnitId::into_uuid));
            about.push(placement.into_uuid());
        }
        access::check_in_districts(conn, caller, &about, field)?;
        store(
            conn,
            &NewTimeEntry {
                municipality_id: municipality.id,
                who,
                occurred_on: resolved.occurred_on,
                minutes: resolved.minutes,
                link: resolved.link,
                unit_id: resolved.unit_id,
                activity_kind: resolved.activity_kind,
                note: draft.note,
                source: TimeEntrySource::Coordinator,
                status: initial_status(TimeEntrySource::Coordinator, false),
                decided_by: Some(caller.id),
                created_by: Some(caller.id),
                at: now,
            },
        )
    })
}

/// A volunteer account logs its own time, linking only its own placements and visits; it waits
/// for approval or counts at once, as the municipality's `own_time_entries_need_approval` says.
pub fn log_own(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    draft: TimeDraft,
    now: DateTime<Utc>,
) -> Result<TimeEntryRecord, ApiError> {
    let audience = crate::access::own_volunteer(caller)?;
    conn.transaction(|conn| {
        let own = match volunteers::find_own(conn, caller.scope(), audience) {
            Ok(own) => own,
            Err(RepoError::NotFound) => {
                return Err(ApiError::forbidden(
                    "This account is not linked to a volunteer record: a coordinator links it.",
                ));
            }
            Err(other) => return Err(other.into()),
        };
        let municipality = municipalities::find(conn, TenantScope::All, own.municipality_id)?;
        let who = Placed::Volunteer(own.id);
        let resolved = resolve(conn, &municipality, audience, who, &draft, now)?;
        let wait = municipality.settings.own_time_entries_need_approval == 1;
        store(
            conn,
            &NewTimeEntry {
                municipality_id: municipality.id,
                who,
                occurred_on: resolved.occurred_on,
                minutes: resolved.minutes,
                link: resolved.link,
                unit_id: resolved.unit_id,
                activity_kind: resolved.activity_kind,
                note: draft.note,
                source: TimeEntrySource::Volunteer,
                status: initial_status(TimeEntrySource::Volunteer, wait),
                decided_by: None,
                created_by: Some(caller.id),
                at: now,
            },
        )
    })
}

/// The pending entry of a visit just marked completed, in the same transaction as the visit's
/// step: the visit's date and length, its placement's unit and activity kind, a group's head
/// count. At most one per visit: when the visit already has an entry (logged by the volunteer
/// before it was marked, say) nothing is added and `None` is returned. The entry is made under
/// the day's lock but whatever the day's total: the visit took place; approving it asks the
/// 24-hour rule, so a coordinator declines an entry that doubles another.
pub fn log_visit(
    conn: &mut PgConnection,
    placement: &Placement,
    visit: &Visit,
    by: StaffUserId,
    now: DateTime<Utc>,
) -> Result<Option<TimeEntry>, ApiError> {
    let unit_id = unit_of(conn, placement)?;
    time_entries::day_total(
        conn,
        placement.municipality_id,
        placement.placed,
        visit.local_date,
    )?;
    let made = time_entries::insert_for_visit(
        conn,
        &NewTimeEntry {
            municipality_id: placement.municipality_id,
            who: placement.placed,
            occurred_on: visit.local_date,
            minutes: minutes_of(visit),
            link: TimeLink::Visit(placement.id, visit.id),
            unit_id,
            activity_kind: Some(placement.activity_kind.clone()),
            note: None,
            source: TimeEntrySource::Visit,
            status: initial_status(TimeEntrySource::Visit, true),
            decided_by: None,
            created_by: Some(by),
            at: now,
        },
    )?;
    if made.is_some() {
        crate::metrics::time_entry_event("logged");
    }
    Ok(made)
}

/// What a visit marked `no_show` or `cancelled` does to the time logged on it: the entries are
/// declined (an approved one revoked first), each step in its history with the reason, as the
/// account that marked the visit.
pub fn visit_did_not_happen(
    conn: &mut PgConnection,
    visit: &Visit,
    by: StaffUserId,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let reason = format!("the visit was marked {}", visit.status);
    let logged = time_entries::of_visit_locked(conn, visit.municipality_id, visit.id)?;
    for entry in &logged {
        let entry = if entry.status == TimeEntryStatus::Approved {
            crate::metrics::time_entry_event("revoked");
            time_entries::set_status(
                conn,
                entry,
                TimeEntryStatus::Pending,
                Some(&reason),
                by,
                now,
            )?
        } else {
            entry.clone()
        };
        time_entries::set_status(
            conn,
            &entry,
            TimeEntryStatus::Declined,
            Some(&reason),
            by,
            now,
        )?;
        crate::metrics::time_entry_event("declined");
    }
    Ok(logged.len())
}

/// An entry with its history.
pub fn record(conn: &mut PgConnection, entry: TimeEntry) -> Result<TimeEntryRecord, ApiError> {
    let mut history = time_entries::histories(conn, std::slice::from_ref(&entry))?;
    Ok(TimeEntryRecord {
        history: history.remove(&entry.id).unwrap_or_default(),
        entry,
    })
}

/// One entry the scope and audience see, with its history (404 otherwise).
pub fn get(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    id: TimeEntryId,
) -> Result<TimeEntryRecord, ApiError> {
    let entry = time_entries::find(conn, scope, audience, id)?;
    record(conn, entry)
}

/// A page of the entries the scope and audience see, each with its history.
pub fn list(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    filter: TimeEntryFilter,
    page: PageRequest,
) -> Result<Page<TimeEntryRecord>, ApiError> {
    let found = time_entries::list(conn, scope, audience, filter, page)?;
    let mut histories = time_entries::histories(conn, &found.items)?;
    Ok(Page {
        next_after: found.next_after,
        items: found
            .items
            .into_iter()
            .map(|entry| TimeEntryRecord {
                history: histories.remove(&entry.id).unwrap_or_default(),
                entry,
            })
            .collect(),
    })
}

fn refused(error: DecisionError) -> ApiError {
    match error {
        DecisionError::NotAllowed { .. } => ApiError::Conflict {
            detail: format!("{error}."),
            errors: vec![FieldError::new(
                "decision",
                "not_allowed",
                error.to_string(),
            )],
        },
        DecisionError::ReasonRequired => invalid("reason", "required", error.to_string()),
    }
}

/// A coordinator's decision: approve or decline (with a reason) a pending entry, or revoke (with
/// a reason) an approved one back to pending. Kept in the entry's history.
pub fn decide(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: TimeEntryId,
    expected_version: Option<i32>,
    decision: TimeEntryDecision,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<TimeEntryRecord, ApiError> {
    caller.require_manager()?;
    conn.transaction(|conn| {
        time_entries::find(conn, caller.scope(), access::managed(caller)?, id)?;
        let current = time_entries::locked(conn, caller.scope(), id)?;
        check_version(current.version, expected_version)?;
        let to = decide_step(current.status, decision, reason.is_some()).map_err(refused)?;
        if to == TimeEntryStatus::Approved {
            // The day's other entries may have grown since this one was logged (a visit's entry
            // is made whatever the total): approving asks the 24-hour rule again.
            let day = time_entries::day_total(
                conn,
                current.municipality_id,
                current.who,
                current.occurred_on,
            )?;
            check_day_total(day - i64::from(current.minutes), current.minutes)
                .map_err(|e| field("minutes", e))?;
        }
        let entry =
            time_entries::set_status(conn, &current, to, reason.as_deref(), caller.id, now)?;
        record(conn, entry)
    })
}

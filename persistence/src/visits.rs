//! Visits: generated from schedules (one per schedule and local date, so generating again
//! never duplicates), added one at a time, accompanied, marked, flagged and cancelled.

use crate::{
    error::{RepoError, corrupt},
    placements::visible as placement_visible,
    schema::{
        placements::dsl as p,
        recipients::dsl as r,
        visits::{self, dsl as vi},
    },
    versioned::check_version,
};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::{pg::Pg, prelude::*};
use samspill_domain::webhook::Event;
use samspill_domain::{
    ParseError,
    auth::{Audience, TenantScope},
    ids::{MunicipalityId, PlacementId, RecipientId, StaffUserId, UnitId, VisitId, VolunteerId},
    placement::Placement,
    schedule::Schedule,
    visit::{Companion, Visit, VisitFlag, VisitStatus},
};
use uuid::Uuid;

#[derive(Queryable, Selectable)]
#[diesel(table_name = visits, check_for_backend(Pg))]
struct VisitRow {
    municipality_id: Uuid,
    id: Uuid,
    placement_id: Uuid,
    schedule_id: Option<Uuid>,
    local_date: NaiveDate,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    status: String,
    accompanied_by_user_id: Option<Uuid>,
    accompanied_by_contact_id: Option<Uuid>,
    flag: Option<String>,
    status_reason: Option<String>,
    status_changed_by: Option<Uuid>,
    status_changed_at: Option<DateTime<Utc>>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<VisitRow> for Visit {
    type Error = RepoError;

    fn try_from(row: VisitRow) -> Result<Self, RepoError> {
        let accompanied_by = match (row.accompanied_by_user_id, row.accompanied_by_contact_id) {
            (Some(user), _) => Some(Companion::StaffUser(user.into())),
            (None, Some(contact)) => Some(Companion::ContactPerson(contact.into())),
            (None, None) => None,
        };
        Ok(Visit {
            id: row.id.into(),
            municipality_id: row.municipality_id.into(),
            placement_id: row.placement_id.into(),
            schedule_id: row.schedule_id.map(Into::into),
            local_date: row.local_date,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            status: row.status.parse().map_err(|e| corrupt("visit status", e))?,
            accompanied_by,
            flag: row
                .flag
                .map(|f| f.parse())
                .transpose()
                .map_err(|e| corrupt("visit flag", e))?,
            status_reason: row.status_reason,
            status_changed_by: row.status_changed_by.map(Into::into),
            status_changed_at: row.status_changed_at,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A visit's date and times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// The local calendar date.
    pub local_date: NaiveDate,
    /// When it starts.
    pub starts_at: DateTime<Utc>,
    /// When it ends.
    pub ends_at: DateTime<Utc>,
}

fn companion_columns(companion: Option<Companion>) -> (Option<Uuid>, Option<Uuid>) {
    match companion {
        Some(Companion::StaffUser(id)) => (Some(id.into_uuid()), None),
        Some(Companion::ContactPerson(id)) => (None, Some(id.into_uuid())),
        None => (None, None),
    }
}

fn companion_fields(error: diesel::result::Error) -> RepoError {
    match RepoError::from(error) {
        RepoError::Reference { constraint } if constraint == "visits_contact_fkey" => {
            RepoError::invalid(
                "accompanied_by.contact_person_id",
                ParseError::new(
                    "not_found",
                    "no contact person with this id in the municipality",
                ),
            )
        }
        other => other,
    }
}

/// Stores the planned visits of a schedule on `slots`; a date that already has a visit of the
/// schedule (whatever became of it) is left as it is. Returns how many were added.
pub fn generate(
    conn: &mut PgConnection,
    schedule: &Schedule,
    slots: &[Slot],
) -> Result<usize, RepoError> {
    if slots.is_empty() {
        return Ok(0);
    }
    let rows: Vec<_> = slots
        .iter()
        .map(|slot| {
            (
                vi::municipality_id.eq(schedule.municipality_id.into_uuid()),
                vi::id.eq(VisitId::generate().into_uuid()),
                vi::placement_id.eq(schedule.placement_id.into_uuid()),
                vi::schedule_id.eq(Some(schedule.id.into_uuid())),
                vi::local_date.eq(slot.local_date),
                vi::starts_at.eq(slot.starts_at),
                vi::ends_at.eq(slot.ends_at),
            )
        })
        .collect();
    Ok(diesel::insert_into(visits::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)?)
}

/// Moves a schedule's planned visits from `from` on to the times of `slots` (a replaced rule):
/// a visit whose date is still one of the rule's keeps its id and companion and gets the new
/// times; the others go. Visits that took place, were missed or cancelled stay. Returns how
/// many went.
pub fn retime_planned(
    conn: &mut PgConnection,
    schedule: &Schedule,
    from: DateTime<Utc>,
    slots: &[Slot],
) -> Result<usize, RepoError> {
    let planned: Vec<(Uuid, NaiveDate)> = vi::visits
        .filter(vi::municipality_id.eq(schedule.municipality_id.into_uuid()))
        .filter(vi::schedule_id.eq(schedule.id.into_uuid()))
        .filter(vi::status.eq(VisitStatus::Planned.as_str()))
        .filter(vi::starts_at.ge(from))
        .select((vi::id, vi::local_date))
        .for_update()
        .load(conn)?;
    let mut gone = Vec::new();
    for (id, date) in planned {
        match slots.iter().find(|s| s.local_date == date) {
            Some(slot) => {
                diesel::update(
                    vi::visits
                        .filter(vi::municipality_id.eq(schedule.municipality_id.into_uuid()))
                        .filter(vi::id.eq(id)),
                )
                .set((
                    vi::starts_at.eq(slot.starts_at),
                    vi::ends_at.eq(slot.ends_at),
                    vi::version.eq(vi::version + 1),
                ))
                .execute(conn)?;
            }
            None => gone.push(id),
        }
    }
    diesel::delete(
        vi::visits
            .filter(vi::municipality_id.eq(schedule.municipality_id.into_uuid()))
            .filter(vi::id.eq_any(&gone)),
    )
    .execute(conn)?;
    Ok(gone.len())
}

/// Removes a schedule's planned visits that start at or after `from` (when the schedule is
/// removed); visits that took place, were missed or cancelled stay.
pub fn remove_planned(
    conn: &mut PgConnection,
    schedule: &Schedule,
    from: DateTime<Utc>,
) -> Result<usize, RepoError> {
    Ok(diesel::delete(
        vi::visits
            .filter(vi::municipality_id.eq(schedule.municipality_id.into_uuid()))
            .filter(vi::schedule_id.eq(schedule.id.into_uuid()))
            .filter(vi::status.eq(VisitStatus::Planned.as_str()))
            .filter(vi::starts_at.ge(from)),
    )
    .execute(conn)?)
}

/// Adds one visit to a placement, outside any schedule, with the flag its placement gives.
pub fn insert_one(
    conn: &mut PgConnection,
    placement: &Placement,
    slot: Slot,
    companion: Option<Companion>,
    flag: Option<VisitFlag>,
) -> Result<Visit, RepoError> {
    let (user, contact) = companion_columns(companion);
    diesel::insert_into(visits::table)
        .values((
            vi::municipality_id.eq(placement.municipality_id.into_uuid()),
            vi::id.eq(VisitId::generate().into_uuid()),
            vi::placement_id.eq(placement.id.into_uuid()),
            vi::local_date.eq(slot.local_date),
            vi::starts_at.eq(slot.starts_at),
            vi::ends_at.eq(slot.ends_at),
            vi::accompanied_by_user_id.eq(user),
            vi::accompanied_by_contact_id.eq(contact),
            vi::flag.eq(flag.map(VisitFlag::as_str)),
        ))
        .returning(VisitRow::as_returning())
        .get_result::<VisitRow>(conn)
        .map_err(companion_fields)?
        .try_into()
}

/// The visit `id` in the scope's municipality (by the primary key when the scope has one).
fn by_id(scope: TenantScope, id: VisitId) -> visits::BoxedQuery<'static, Pg> {
    let query = vi::visits.into_boxed().filter(vi::id.eq(id.into_uuid()));
    match scope.municipality() {
        Some(own) => query.filter(vi::municipality_id.eq(own.into_uuid())),
        None => query,
    }
}

/// One visit, if the scope and audience see its placement.
pub fn find(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    id: VisitId,
) -> Result<Visit, RepoError> {
    by_id(scope, id)
        .filter(
            vi::placement_id.eq_any(
                p::placements
                    .into_boxed()
                    .filter(placement_visible(scope, audience))
                    .select(p::id),
            ),
        )
        .select(VisitRow::as_select())
        .first::<VisitRow>(conn)?
        .try_into()
}

/// One visit of the scope, locked, checked against `expected_version`. The caller has locked
/// the visit's placement first (placement, then visit: the order every writer keeps).
pub fn locked(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: VisitId,
    expected_version: Option<i32>,
) -> Result<Visit, RepoError> {
    let seen = find(conn, scope, Audience::Everyone, id)?;
    let visit: Visit = vi::visits
        .filter(vi::municipality_id.eq(seen.municipality_id.into_uuid()))
        .filter(vi::id.eq(id.into_uuid()))
        .select(VisitRow::as_select())
        .for_update()
        .first::<VisitRow>(conn)?
        .try_into()?;
    check_version(visit.version, expected_version)?;
    Ok(visit)
}

/// Filters for listing visits.
#[derive(Debug, Clone, Copy, Default)]
pub struct VisitFilter {
    /// From this moment (visits starting at or after it).
    pub from: Option<DateTime<Utc>>,
    /// Before this moment.
    pub to: Option<DateTime<Utc>>,
    /// Only at this unit.
    pub unit_id: Option<UnitId>,
    /// Only at this unit or in the homes of the recipients it answers for.
    pub unit_or_its_recipients: Option<UnitId>,
    /// Only this volunteer's.
    pub volunteer_id: Option<VolunteerId>,
    /// Only with this recipient.
    pub recipient_id: Option<RecipientId>,
    /// Only of this placement.
    pub placement_id: Option<PlacementId>,
    /// Only in this status.
    pub status: Option<VisitStatus>,
    /// Only on these local dates (both included).
    pub local_dates: Option<(NaiveDate, NaiveDate)>,
}

/// Visits in start order (then id) after `after`, at most `limit + 1` (the caller pages).
pub fn list(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    filter: VisitFilter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<Visit>, RepoError> {
    let mut placements = p::placements
        .into_boxed()
        .filter(placement_visible(scope, audience));
    if let Some(unit) = filter.unit_id {
        placements = placements.filter(p::unit_id.eq(unit.into_uuid()));
    }
    if let Some(unit) = filter.unit_or_its_recipients {
        let recipients = r::recipients
            .filter(r::responsible_unit_id.eq(unit.into_uuid()))
            .select(r::id.nullable());
        placements = placements.filter(
            p::unit_id
                .eq(unit.into_uuid())
                .or(p::recipient_id.eq_any(recipients)),
        );
    }
    if let Some(volunteer) = filter.volunteer_id {
        placements = placements.filter(p::volunteer_id.eq(volunteer.into_uuid()));
    }
    if let Some(recipient) = filter.recipient_id {
        placements = placements.filter(p::recipient_id.eq(recipient.into_uuid()));
    }
    if let Some(placement) = filter.placement_id {
        placements = placements.filter(p::id.eq(placement.into_uuid()));
    }
    let narrowed = filter.unit_id.is_some()
        || filter.unit_or_its_recipients.is_some()
        || filter.volunteer_id.is_some()
        || filter.recipient_id.is_some()
        || filter.placement_id.is_some();
    let mut query = vi::visits.into_boxed();
    if narrowed {
        // A unit's, a person's or one placement's visits: their placements are few, so their
        // ids come first and the visits are read by placement, not by scanning the
        // municipality's week.
        let ids: Vec<Uuid> = placements.select(p::id).load(conn)?;
        query = query.filter(vi::placement_id.eq_any(ids));
    } else {
        query = query.filter(vi::placement_id.eq_any(placements.select(p::id)));
    }
    if let Some(municipality) = scope.municipality() {
        query = query.filter(vi::municipality_id.eq(municipality.into_uuid()));
    }
    if let Some(from) = filter.from {
        query = query.filter(vi::starts_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(vi::starts_at.lt(to));
    }
    if let Some(status) = filter.status {
        query = query.filter(vi::status.eq(status.as_str()));
    }
    if let Some((first, last)) = filter.local_dates {
        query = query.filter(vi::local_date.between(first, last));
    }
    if let Some((at, id)) = after {
        query = query.filter(
            vi::starts_at
                .gt(at)
                .or(vi::starts_at.eq(at).and(vi::id.gt(id))),
        );
    }
    query
        .order((vi::starts_at.asc(), vi::id.asc()))
        .limit(limit + 1)
        .select(VisitRow::as_select())
        .load::<VisitRow>(conn)?
        .into_iter()
        .map(Visit::try_from)
        .collect()
}

/// Names (or clears) the staff representative of a locked visit.
pub fn set_companion(
    conn: &mut PgConnection,
    visit: &Visit,
    companion: Option<Companion>,
) -> Result<Visit, RepoError> {
    if companion == visit.accompanied_by {
        return Ok(visit.clone());
    }
    let (user, contact) = companion_columns(companion);
    diesel::update(
        vi::visits
            .filter(vi::municipality_id.eq(visit.municipality_id.into_uuid()))
            .filter(vi::id.eq(visit.id.into_uuid())),
    )
    .set((
        vi::accompanied_by_user_id.eq(user),
        vi::accompanied_by_contact_id.eq(contact),
        vi::version.eq(vi::version + 1),
    ))
    .returning(VisitRow::as_returning())
    .get_result::<VisitRow>(conn)
    .map_err(companion_fields)?
    .try_into()
}

/// Marks a locked visit.
pub fn set_status(
    conn: &mut PgConnection,
    visit: &Visit,
    to: VisitStatus,
    reason: Option<&str>,
    by: StaffUserId,
) -> Result<Visit, RepoError> {
    if to == VisitStatus::Cancelled && visit.status != VisitStatus::Cancelled {
        crate::outbox::emit(
            conn,
            &cancelled(
                visit.municipality_id,
                visit.placement_id,
                (visit.id.into_uuid(), visit.starts_at),
            ),
        )?;
    }
    diesel::update(
        vi::visits
            .filter(vi::municipality_id.eq(visit.municipality_id.into_uuid()))
            .filter(vi::id.eq(visit.id.into_uuid())),
    )
    .set((
        vi::status.eq(to.as_str()),
        vi::status_reason.eq(reason),
        vi::status_changed_by.eq(Some(by.into_uuid())),
        vi::status_changed_at.eq(Some(Utc::now())),
        vi::flag.eq(None::<String>),
        vi::version.eq(vi::version + 1),
    ))
    .returning(VisitRow::as_returning())
    .get_result::<VisitRow>(conn)?
    .try_into()
}

/// A placement's planned visits that start at or after `from`.
macro_rules! planned_from {
    ($placement:expr, $from:expr) => {
        vi::visits
            .filter(vi::municipality_id.eq($placement.municipality_id.into_uuid()))
            .filter(vi::placement_id.eq($placement.id.into_uuid()))
            .filter(vi::status.eq(VisitStatus::Planned.as_str()))
            .filter(vi::starts_at.ge($from))
    };
}

/// Sets (or clears) the flag of a placement's planned visits from `from` on.
pub fn flag_planned(
    conn: &mut PgConnection,
    placement: &Placement,
    from: DateTime<Utc>,
    flag: Option<VisitFlag>,
) -> Result<usize, RepoError> {
    Ok(diesel::update(planned_from!(placement, from))
        .set((
            vi::flag.eq(flag.map(VisitFlag::as_str)),
            vi::version.eq(vi::version + 1),
        ))
        .execute(conn)?)
}

/// The event telling that a visit (`id`, `starts_at`) of a placement was cancelled.
fn cancelled(
    municipality: MunicipalityId,
    placement: PlacementId,
    (id, starts_at): (Uuid, DateTime<Utc>),
) -> Event {
    Event::VisitCancelled {
        municipality_id: municipality,
        visit_id: VisitId::from(id),
        placement_id: placement,
        starts_at,
    }
}

/// Tells of each visit of `placement` just cancelled; returns how many.
fn tell_cancelled(
    conn: &mut PgConnection,
    placement: &Placement,
    visits: Vec<(Uuid, DateTime<Utc>)>,
) -> Result<usize, RepoError> {
    let events: Vec<Event> = visits
        .into_iter()
        .map(|visit| cancelled(placement.municipality_id, placement.id, visit))
        .collect();
    crate::outbox::emit_all(conn, &events)?;
    Ok(events.len())
}

/// Cancels a placement's planned visits from `from` on (the placement ended).
pub fn cancel_planned(
    conn: &mut PgConnection,
    placement: &Placement,
    from: DateTime<Utc>,
    reason: &str,
    by: Option<StaffUserId>,
) -> Result<usize, RepoError> {
    let gone = diesel::update(planned_from!(placement, from))
        .set((
            vi::status.eq(VisitStatus::Cancelled.as_str()),
            vi::status_reason.eq(reason),
            vi::status_changed_by.eq(by.map(StaffUserId::into_uuid)),
            vi::status_changed_at.eq(Some(Utc::now())),
            vi::version.eq(vi::version + 1),
        ))
        .returning((vi::id, vi::starts_at))
        .load(conn)?;
    tell_cancelled(conn, placement, gone)
}

/// Blanks the reasons written on the visits of `placements` (erasure: free text about people).
pub fn forget_reasons(
    conn: &mut PgConnection,
    municipality: samspill_domain::ids::MunicipalityId,
    placements: &[Uuid],
) -> Result<usize, RepoError> {
    Ok(diesel::update(
        vi::visits
            .filter(vi::municipality_id.eq(municipality.into_uuid()))
            .filter(vi::placement_id.eq_any(placements))
            .filter(vi::status_reason.is_not_null()),
    )
    .set((
        vi::status_reason.eq(None::<String>),
        vi::version.eq(vi::version + 1),
    ))
    .execute(conn)?)
}

/// Takes away a placement's planned visits after `last_day` (its last day moved earlier): those
/// planned from a schedule go (moved later again, the schedule plans them anew), those added
/// one at a time are cancelled with `reason`. Returns how many.
pub fn drop_after(
    conn: &mut PgConnection,
    placement: &Placement,
    last_day: NaiveDate,
    reason: &str,
    by: StaffUserId,
) -> Result<usize, RepoError> {
    let gone = diesel::delete(
        vi::visits
            .filter(vi::municipality_id.eq(placement.municipality_id.into_uuid()))
            .filter(vi::placement_id.eq(placement.id.into_uuid()))
            .filter(vi::status.eq(VisitStatus::Planned.as_str()))
            .filter(vi::schedule_id.is_not_null())
            .filter(vi::local_date.gt(last_day)),
    )
    .execute(conn)?;
    let cancelled = diesel::update(
        vi::visits
            .filter(vi::municipality_id.eq(placement.municipality_id.into_uuid()))
            .filter(vi::placement_id.eq(placement.id.into_uuid()))
            .filter(vi::status.eq(VisitStatus::Planned.as_str()))
            .filter(vi::local_date.gt(last_day)),
    )
    .set((
        vi::status.eq(VisitStatus::Cancelled.as_str()),
        vi::status_reason.eq(reason),
        vi::status_changed_by.eq(Some(by.into_uuid())),
        vi::status_changed_at.eq(Some(Utc::now())),
        vi::version.eq(vi::version + 1),
    ))
    .returning((vi::id, vi::starts_at))
    .load(conn)?;
    Ok(gone + tell_cancelled(conn, placement, cancelled)?)
}

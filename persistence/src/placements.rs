//! Placements, their status history and their schedules. What clearance allowed is kept with
//! each placement as the JSON answer clients were shown.

use crate::{
    districts,
    error::{RepoError, corrupt},
    page::{Page, PageRequest},
    schema::{
        contact_persons::dsl as c,
        placement_schedules::{self, dsl as s},
        placement_status_changes::{self, dsl as h},
        placements::{self, dsl as p},
        visits::dsl as vi,
        volunteers::dsl as v,
    },
    versioned::check_version,
};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use diesel::{
    pg::Pg,
    prelude::*,
    sql_types::{Bool, Date, Integer},
};
use samspill_domain::webhook::Event;
use samspill_domain::{
    ParseError,
    auth::{Audience, TenantScope},
    clearance::TargetGroup,
    ids::{
        ContactPersonId, DogId, GroupId, MunicipalityId, NeedId, PlacementId, RecipientId,
        ScheduleId, StaffUserId, UnitId, VolunteerId,
    },
    placement::{Place, Placed, Placement, PlacementStatus},
    schedule::{Recurrence, RecurrenceEnd, Schedule},
    visit::VisitStatus,
    volunteer::Weekday,
};
use uuid::Uuid;

#[derive(Queryable, Selectable)]
#[diesel(table_name = placements, check_for_backend(Pg))]
struct PlacementRow {
    municipality_id: Uuid,
    id: Uuid,
    volunteer_id: Option<Uuid>,
    group_id: Option<Uuid>,
    head_count: Option<i32>,
    unit_id: Option<Uuid>,
    recipient_id: Option<Uuid>,
    activity_kind: String,
    target_group: String,
    dog_id: Option<Uuid>,
    coordinator_id: Uuid,
    contact_person_id: Option<Uuid>,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    description: Option<String>,
    status: String,
    clearance: serde_json::Value,
    need_id: Option<Uuid>,
    clearance_checked_at: DateTime<Utc>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// A placement with the clearance answer that last allowed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacementRecord {
    /// The placement.
    pub placement: Placement,
    /// The clearance answer, as clients were shown it.
    pub clearance: serde_json::Value,
}

impl TryFrom<PlacementRow> for PlacementRecord {
    type Error = RepoError;

    fn try_from(row: PlacementRow) -> Result<Self, RepoError> {
        let placed = match (row.volunteer_id, row.group_id, row.head_count) {
            (Some(volunteer), None, _) => Placed::Volunteer(volunteer.into()),
            (None, Some(group), Some(count)) => Placed::Group(group.into(), count),
            _ => return Err(corrupt("placement", "neither a volunteer nor a group")),
        };
        let place = match (row.unit_id, row.recipient_id) {
            (Some(unit), None) => Place::Unit(unit.into()),
            (None, Some(recipient)) => Place::Recipient(recipient.into()),
            _ => return Err(corrupt("placement", "neither a unit nor a recipient")),
        };
        Ok(PlacementRecord {
            placement: Placement {
                id: row.id.into(),
                municipality_id: row.municipality_id.into(),
                placed,
                place,
                activity_kind: row.activity_kind,
                target_group: row
                    .target_group
                    .parse()
                    .map_err(|e| corrupt("target group", e))?,
                dog_id: row.dog_id.map(Into::into),
                coordinator_id: row.coordinator_id.into(),
                contact_person_id: row.contact_person_id.map(Into::into),
                starts_on: row.starts_on,
                ends_on: row.ends_on,
                description: row.description,
                need_id: row.need_id.map(Into::into),
                status: row
                    .status
                    .parse()
                    .map_err(|e| corrupt("placement status", e))?,
                clearance_checked_at: row.clearance_checked_at,
                version: row.version,
                created_at: row.created_at,
                updated_at: row.updated_at,
            },
            clearance: row.clearance,
        })
    }
}

/// A placement to store (values and clearance checked by the caller; references here).
#[derive(Debug, Clone)]
pub struct NewPlacement {
    /// The municipality.
    pub municipality_id: MunicipalityId,
    /// Who is placed.
    pub placed: Placed,
    /// Where.
    pub place: Place,
    /// The activity kind's code (one of the municipality's).
    pub activity_kind: String,
    /// Who the activity is with.
    pub target_group: TargetGroup,
    /// The dog that comes along.
    pub dog_id: Option<DogId>,
    /// The responsible coordinator.
    pub coordinator_id: StaffUserId,
    /// The unit's contact person.
    pub contact_person_id: Option<ContactPersonId>,
    /// The first day.
    pub starts_on: NaiveDate,
    /// The last day.
    pub ends_on: Option<NaiveDate>,
    /// What it is about.
    pub description: Option<String>,
    /// The need it is made from.
    pub need_id: Option<NeedId>,
    /// The clearance answer that allowed it.
    pub clearance: serde_json::Value,
    /// The day clearance was asked on.
    pub checked_on: NaiveDate,
    /// The first later day on which the answer may change by date alone.
    pub changes_on: Option<NaiveDate>,
}

/// A clearance check to keep with a placement.
#[derive(Debug, Clone, Copy)]
pub struct Checked<'a> {
    /// The answer, as clients see it.
    pub answer: &'a serde_json::Value,
    /// The day asked about.
    pub on: NaiveDate,
    /// The first later day on which the answer may change by date alone.
    pub changes_on: Option<NaiveDate>,
}

/// What a change sets; `None` keeps, `Some(None)` clears.
#[derive(Debug, Clone, Default)]
pub struct PlacementChanges {
    /// Another responsible coordinator.
    pub coordinator_id: Option<StaffUserId>,
    /// Another contact person, or none.
    pub contact_person_id: Option<Option<ContactPersonId>>,
    /// Another last day, or none.
    pub ends_on: Option<Option<NaiveDate>>,
    /// Another description, or none.
    pub description: Option<Option<String>>,
}

/// Filters for the list.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlacementFilter {
    /// Only this municipality.
    pub municipality_id: Option<MunicipalityId>,
    /// Only this volunteer's.
    pub volunteer_id: Option<VolunteerId>,
    /// Only this group's.
    pub group_id: Option<GroupId>,
    /// Only at this unit.
    pub unit_id: Option<UnitId>,
    /// Only with this recipient.
    pub recipient_id: Option<RecipientId>,
    /// Only in this status.
    pub status: Option<PlacementStatus>,
}

/// The placements `scope` and `audience` see: coordinators every one of the tenant; a contact
/// person those of the volunteers assigned to them and those they are the contact person of;
/// a volunteer their own.
pub(crate) fn visible(
    scope: TenantScope,
    audience: Audience,
) -> Box<dyn BoxableExpression<placements::table, Pg, SqlType = Bool>> {
    let tenant: Box<dyn BoxableExpression<placements::table, Pg, SqlType = Bool>> =
        match scope.municipality() {
            Some(own) => Box::new(p::municipality_id.eq(own.into_uuid())),
            None => Box::new(true.into_sql::<Bool>()),
        };
    match audience {
        Audience::Everyone => tenant,
        Audience::Coordinator(account) => Box::new(tenant.and(districts::placements(account))),
        Audience::Own(account) => Box::new(
            tenant.and(
                p::volunteer_id
                    .eq_any(
                        v::volunteers
                            .filter(v::staff_user_id.eq(account.into_uuid()))
                            .select(v::id.nullable()),
                    )
                    .assume_not_null(),
            ),
        ),
        Audience::AssignedTo(account) => {
            let theirs = || {
                c::contact_persons
                    .filter(c::staff_user_id.eq(account.into_uuid()))
                    .select(c::id.nullable())
            };
            Box::new(
                tenant.and(
                    p::contact_person_id
                        .eq_any(theirs())
                        .assume_not_null()
                        .or(p::volunteer_id
                            .eq_any(
                                v::volunteers
                                    .filter(v::contact_person_id.eq_any(theirs()))
                                    .select(v::id.nullable()),
                            )
                            .assume_not_null()),
                ),
            )
        }
    }
}

/// A reference outside the municipality is a field error.
fn reference_fields(error: diesel::result::Error) -> RepoError {
    let field = |name: &str, what: &str| {
        RepoError::invalid(
            name,
            ParseError::new(
                "not_found",
                format!("no {what} with this id in the municipality"),
            ),
        )
    };
    match RepoError::from(error) {
        RepoError::Reference { constraint } => match constraint.as_str() {
            "placements_volunteer_fkey" => field("volunteer_id", "volunteer"),
            "placements_group_fkey" => field("group_id", "group"),
            "placements_unit_fkey" => field("unit_id", "unit"),
            "placements_recipient_fkey" => field("recipient_id", "recipient"),
            "placements_dog_fkey" => field("dog_id", "dog"),
            "placements_contact_person_fkey" => field("contact_person_id", "contact person"),
            _ => RepoError::Reference { constraint },
        },
        other => other,
    }
}

/// Stores a new placement as `proposed`, with its first history row.
pub fn insert(
    conn: &mut PgConnection,
    new: &NewPlacement,
    by: StaffUserId,
    reason: &str,
) -> Result<PlacementRecord, RepoError> {
    conn.transaction(|conn| {
        let (volunteer, group, head_count) = match new.placed {
            Placed::Volunteer(id) => (Some(id.into_uuid()), None, None),
            Placed::Group(id, count) => (None, Some(id.into_uuid()), Some(count)),
        };
        let (unit, recipient) = match new.place {
            Place::Unit(id) => (Some(id.into_uuid()), None),
            Place::Recipient(id) => (None, Some(id.into_uuid())),
        };
        let record: PlacementRecord = diesel::insert_into(placements::table)
            .values((
                p::municipality_id.eq(new.municipality_id.into_uuid()),
                p::id.eq(PlacementId::generate().into_uuid()),
                p::volunteer_id.eq(volunteer),
                p::group_id.eq(group),
                p::head_count.eq(head_count),
                p::unit_id.eq(unit),
                p::recipient_id.eq(recipient),
                p::activity_kind.eq(&new.activity_kind),
                p::target_group.eq(new.target_group.as_str()),
                p::dog_id.eq(new.dog_id.map(DogId::into_uuid)),
                p::coordinator_id.eq(new.coordinator_id.into_uuid()),
                p::contact_person_id.eq(new.contact_person_id.map(ContactPersonId::into_uuid)),
                p::starts_on.eq(new.starts_on),
                p::ends_on.eq(new.ends_on),
                p::description.eq(new.description.as_deref()),
                p::need_id.eq(new.need_id.map(NeedId::into_uuid)),
                p::clearance.eq(&new.clearance),
                p::clearance_checked_on.eq(new.checked_on),
                p::clearance_changes_on.eq(new.changes_on),
            ))
            .returning(PlacementRow::as_returning())
            .get_result(conn)
            .map_err(reference_fields)?
            .try_into()?;
        record_change(
            conn,
            &record.placement,
            None,
            PlacementStatus::Proposed,
            reason,
            Some(by),
        )?;
        Ok(record)
    })
}

/// One placement, if the scope and audience see it.
pub fn find(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    id: PlacementId,
) -> Result<PlacementRecord, RepoError> {
    p::placements
        .filter(visible(scope, audience))
        .filter(p::id.eq(id.into_uuid()))
        .select(PlacementRow::as_select())
        .first::<PlacementRow>(conn)?
        .try_into()
}

/// The placements of `ids` that the scope and audience see, in id order (those it does not
/// see are left out).
pub fn many(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    ids: &[PlacementId],
) -> Result<Vec<PlacementRecord>, RepoError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    p::placements
        .filter(visible(scope, audience))
        .filter(p::id.eq_any(ids.iter().map(|id| id.into_uuid())))
        .order(p::id.asc())
        .select(PlacementRow::as_select())
        .load::<PlacementRow>(conn)?
        .into_iter()
        .map(PlacementRecord::try_from)
        .collect()
}

/// One placement of the scope, locked for a change until the transaction ends.
pub fn locked(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: PlacementId,
) -> Result<PlacementRecord, RepoError> {
    p::placements
        .filter(visible(scope, Audience::Everyone))
        .filter(p::id.eq(id.into_uuid()))
        .select(PlacementRow::as_select())
        .for_update()
        .first::<PlacementRow>(conn)?
        .try_into()
}

/// A page of placements, filtered, in id order.
pub fn list(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    filter: PlacementFilter,
    page: PageRequest,
) -> Result<Page<PlacementRecord>, RepoError> {
    let mut query = p::placements.into_boxed().filter(visible(scope, audience));
    if let Some(municipality) = filter.municipality_id {
        query = query.filter(p::municipality_id.eq(municipality.into_uuid()));
    }
    if let Some(volunteer) = filter.volunteer_id {
        query = query.filter(p::volunteer_id.eq(volunteer.into_uuid()));
    }
    if let Some(group) = filter.group_id {
        query = query.filter(p::group_id.eq(group.into_uuid()));
    }
    if let Some(unit) = filter.unit_id {
        query = query.filter(p::unit_id.eq(unit.into_uuid()));
    }
    if let Some(recipient) = filter.recipient_id {
        query = query.filter(p::recipient_id.eq(recipient.into_uuid()));
    }
    if let Some(status) = filter.status {
        query = query.filter(p::status.eq(status.as_str()));
    }
    if let Some(after) = page.after {
        query = query.filter(p::id.gt(after));
    }
    let rows = query
        .order(p::id.asc())
        .limit(page.limit + 1)
        .select(PlacementRow::as_select())
        .load(conn)?;
    Page::from_rows(rows, page.limit, |r| r.id).try_map(PlacementRecord::try_from)
}

/// Changes the fields a placement may change under the row lock; nothing is written when
/// nothing changes. `check` sees the stored placement first and may refuse.
pub fn update<E>(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: PlacementId,
    expected_version: Option<i32>,
    check: impl FnOnce(&mut PgConnection, &Placement) -> Result<PlacementChanges, E>,
) -> Result<PlacementRecord, E>
where
    E: From<RepoError> + From<diesel::result::Error>,
{
    conn.transaction::<_, E, _>(|conn| {
        let current = locked(conn, scope, id)?;
        let changes = check(conn, &current.placement)?;
        check_version(current.placement.version, expected_version)?;
        let now = &current.placement;
        let coordinator = changes.coordinator_id.unwrap_or(now.coordinator_id);
        let contact = changes.contact_person_id.unwrap_or(now.contact_person_id);
        let ends_on = changes.ends_on.unwrap_or(now.ends_on);
        let description = changes
            .description
            .unwrap_or_else(|| now.description.clone());
        if coordinator == now.coordinator_id
            && contact == now.contact_person_id
            && ends_on == now.ends_on
            && description == now.description
        {
            return Ok(current);
        }
        Ok(diesel::update(
            p::placements
                .filter(p::municipality_id.eq(now.municipality_id.into_uuid()))
                .filter(p::id.eq(id.into_uuid())),
        )
        .set((
            p::coordinator_id.eq(coordinator.into_uuid()),
            p::contact_person_id.eq(contact.map(ContactPersonId::into_uuid)),
            p::ends_on.eq(ends_on),
            p::description.eq(description),
            p::version.eq(p::version + 1),
        ))
        .returning(PlacementRow::as_returning())
        .get_result(conn)
        .map_err(reference_fields)?
        .try_into()?)
    })
}

fn record_change(
    conn: &mut PgConnection,
    placement: &Placement,
    from: Option<PlacementStatus>,
    to: PlacementStatus,
    reason: &str,
    by: Option<StaffUserId>,
) -> Result<(), RepoError> {
    diesel::insert_into(placement_status_changes::table)
        .values((
            h::municipality_id.eq(placement.municipality_id.into_uuid()),
            h::id.eq(Uuid::now_v7()),
            h::placement_id.eq(placement.id.into_uuid()),
            h::from_status.eq(from.map(PlacementStatus::as_str)),
            h::to_status.eq(to.as_str()),
            h::reason.eq(reason),
            h::changed_by.eq(by.map(StaffUserId::into_uuid)),
        ))
        .execute(conn)?;
    crate::outbox::emit(conn, &Event::placement_step(placement, from, to))?;
    Ok(())
}

/// A status step of a locked placement, kept in its history. A step into `active` stores the
/// clearance answer that allowed it; `by` is `None` when the service made the step.
pub fn set_status(
    conn: &mut PgConnection,
    current: &Placement,
    to: PlacementStatus,
    reason: &str,
    by: Option<StaffUserId>,
    clearance: Option<Checked<'_>>,
) -> Result<PlacementRecord, RepoError> {
    record_change(conn, current, Some(current.status), to, reason, by)?;
    let target = p::placements
        .filter(p::municipality_id.eq(current.municipality_id.into_uuid()))
        .filter(p::id.eq(current.id.into_uuid()));
    let row = match clearance {
        Some(checked) => diesel::update(target)
            .set((
                p::status.eq(to.as_str()),
                p::clearance.eq(checked.answer),
                p::clearance_checked_at.eq(diesel::dsl::now),
                p::clearance_checked_on.eq(checked.on),
                p::clearance_changes_on.eq(checked.changes_on),
                p::version.eq(p::version + 1),
            ))
            .returning(PlacementRow::as_returning())
            .get_result(conn)?,
        None => diesel::update(target)
            .set((p::status.eq(to.as_str()), p::version.eq(p::version + 1)))
            .returning(PlacementRow::as_returning())
            .get_result(conn)?,
    };
    row.try_into()
}

/// A step in a placement's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacementChange {
    /// The status before; `None` for the first row.
    pub from_status: Option<PlacementStatus>,
    /// The status after.
    pub to_status: PlacementStatus,
    /// Why.
    pub reason: String,
    /// Who; `None` when the service did it.
    pub changed_by: Option<StaffUserId>,
    /// When.
    pub changed_at: DateTime<Utc>,
}

/// A history row: from, to, reason, by, at.
type HistoryRow = (Option<String>, String, String, Option<Uuid>, DateTime<Utc>);

/// A placement's history, oldest first.
pub fn history(
    conn: &mut PgConnection,
    placement: &Placement,
) -> Result<Vec<PlacementChange>, RepoError> {
    let rows: Vec<HistoryRow> = h::placement_status_changes
        .filter(h::municipality_id.eq(placement.municipality_id.into_uuid()))
        .filter(h::placement_id.eq(placement.id.into_uuid()))
        .order(h::id.asc())
        .select((
            h::from_status,
            h::to_status,
            h::reason,
            h::changed_by,
            h::changed_at,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(from, to, reason, by, at)| {
            Ok(PlacementChange {
                from_status: from
                    .map(|f| f.parse())
                    .transpose()
                    .map_err(|e| corrupt("placement status", e))?,
                to_status: to.parse().map_err(|e| corrupt("placement status", e))?,
                reason,
                changed_by: by.map(Into::into),
                changed_at: at,
            })
        })
        .collect()
}

/// Whether the placement has had a completed visit (in a private home, the accompanied first
/// visit: a first visit is completed only with a companion).
pub fn first_visit_done(conn: &mut PgConnection, placement: &Placement) -> Result<bool, RepoError> {
    Ok(diesel::select(diesel::dsl::exists(
        vi::visits
            .filter(vi::municipality_id.eq(placement.municipality_id.into_uuid()))
            .filter(vi::placement_id.eq(placement.id.into_uuid()))
            .filter(vi::status.eq(VisitStatus::Completed.as_str())),
    ))
    .get_result(conn)?)
}

/// A row a job claimed: its tenant and id.
#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    municipality_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
}

/// Placements that have not ended or been suspended (proposed, active or paused) whose
/// clearance must be checked again: those not yet
/// checked on `today` (every placement at least daily), those whose last answer may have
/// changed by date by `today` (its `changes_on` has come), and those whose
/// volunteer's or group's facts changed since the last check (the feed's clock, moved by every
/// fact that clearance rests on, and by the municipality's rules, documents and settings). At
/// most `limit`, locked, and skipped when another instance holds them.
pub fn due_for_recheck(
    conn: &mut PgConnection,
    today: NaiveDate,
    limit: i32,
) -> Result<Vec<PlacementRecord>, RepoError> {
    let due: Vec<Claimed> = diesel::sql_query(
        "SELECT p.municipality_id, p.id FROM placements p \
         LEFT JOIN volunteers v ON v.municipality_id = p.municipality_id AND v.id = p.volunteer_id \
         LEFT JOIN groups g ON g.municipality_id = p.municipality_id AND g.id = p.group_id \
         WHERE p.status IN ('proposed', 'active', 'paused') \
           AND (p.clearance_changes_on <= $1 OR p.clearance_checked_on < $1 \
                OR coalesce(v.status_changed_at, g.status_changed_at) >= p.clearance_checked_at) \
         ORDER BY p.clearance_checked_at, p.id \
         LIMIT $2 \
         FOR UPDATE OF p SKIP LOCKED",
    )
    .bind::<Date, _>(today)
    .bind::<Integer, _>(limit)
    .load(conn)?;
    let (tenants, ids): (Vec<Uuid>, Vec<Uuid>) =
        due.into_iter().map(|d| (d.municipality_id, d.id)).unzip();
    p::placements
        .filter(p::municipality_id.eq_any(&tenants))
        .filter(p::id.eq_any(&ids))
        .order(p::id)
        .select(PlacementRow::as_select())
        .load::<PlacementRow>(conn)?
        .into_iter()
        .map(PlacementRecord::try_from)
        .collect()
}

/// Notes that a locked placement's clearance was checked on `today` and still holds, until
/// `changes_on` at the earliest.
pub fn mark_checked(
    conn: &mut PgConnection,
    placement: &Placement,
    today: NaiveDate,
    changes_on: Option<NaiveDate>,
) -> Result<(), RepoError> {
    diesel::update(
        p::placements
            .filter(p::municipality_id.eq(placement.municipality_id.into_uuid()))
            .filter(p::id.eq(placement.id.into_uuid())),
    )
    .set((
        p::clearance_checked_at.eq(diesel::dsl::now),
        p::clearance_checked_on.eq(today),
        p::clearance_changes_on.eq(changes_on),
        p::version.eq(p::version + 1),
    ))
    .execute(conn)?;
    Ok(())
}

/// The active placements of each of `subjects` (volunteers or groups) of `municipality`: for
/// each, its placements' ids and activity kinds in id order. For the status feed.
pub fn active_of(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    subjects: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Vec<(PlacementId, String)>>, RepoError> {
    let rows: Vec<(Option<Uuid>, Option<Uuid>, Uuid, String)> = p::placements
        .filter(p::municipality_id.eq(municipality.into_uuid()))
        .filter(p::status.eq(PlacementStatus::Active.as_str()))
        .filter(
            p::volunteer_id
                .eq_any(subjects)
                .or(p::group_id.eq_any(subjects)),
        )
        .order(p::id)
        .select((p::volunteer_id, p::group_id, p::id, p::activity_kind))
        .load(conn)?;
    let mut found: std::collections::HashMap<Uuid, Vec<(PlacementId, String)>> =
        std::collections::HashMap::new();
    for (volunteer, group, id, kind) in rows {
        if let Some(subject) = volunteer.or(group) {
            found.entry(subject).or_default().push((id.into(), kind));
        }
    }
    Ok(found)
}

// ---------------------------------------------------------------------------------------------
// Schedules

#[derive(Queryable, Selectable)]
#[diesel(table_name = placement_schedules, check_for_backend(Pg))]
struct ScheduleRow {
    municipality_id: Uuid,
    id: Uuid,
    placement_id: Uuid,
    starts_on: NaiveDate,
    weekdays: Vec<Option<i16>>,
    interval_weeks: i16,
    start_time: NaiveTime,
    duration_minutes: i32,
    until: Option<NaiveDate>,
    count: Option<i32>,
    excluded_dates: Vec<Option<NaiveDate>>,
    generated_until: Option<NaiveDate>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// The weekdays as stored: 1 for Monday to 7 for Sunday.
fn weekday_numbers(recurrence: &Recurrence) -> Vec<i16> {
    day_numbers(recurrence.weekdays())
}

/// Weekdays as stored: 1 for Monday to 7 for Sunday.
pub(crate) fn day_numbers(days: &[Weekday]) -> Vec<i16> {
    days.iter()
        .filter_map(|day| Weekday::ALL.iter().position(|d| d == day))
        .filter_map(|i| i16::try_from(i + 1).ok())
        .collect()
}

/// Weekdays from their stored numbers.
pub(crate) fn days_of(numbers: &[Option<i16>]) -> Vec<Weekday> {
    numbers
        .iter()
        .flatten()
        .filter_map(|n| {
            usize::try_from(*n - 1)
                .ok()
                .and_then(|i| Weekday::ALL.get(i))
        })
        .copied()
        .collect()
}

impl TryFrom<ScheduleRow> for Schedule {
    type Error = RepoError;

    fn try_from(row: ScheduleRow) -> Result<Self, RepoError> {
        let days = days_of(&row.weekdays);
        let end = match (row.until, row.count) {
            (Some(until), _) => RecurrenceEnd::Until(until),
            (None, Some(count)) => {
                RecurrenceEnd::Count(u16::try_from(count).map_err(|e| corrupt("count", e))?)
            }
            (None, None) => RecurrenceEnd::Never,
        };
        let excluded: Vec<NaiveDate> = row.excluded_dates.into_iter().flatten().collect();
        let recurrence = Recurrence::new(
            row.starts_on,
            &days,
            u8::try_from(row.interval_weeks).map_err(|e| corrupt("interval", e))?,
            end,
            &excluded,
        )
        .map_err(|e| corrupt("schedule", format!("{e:?}")))?;
        Ok(Schedule {
            id: row.id.into(),
            municipality_id: row.municipality_id.into(),
            placement_id: row.placement_id.into(),
            recurrence,
            start_time: row.start_time,
            duration_minutes: row.duration_minutes,
            generated_until: row.generated_until,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A schedule's parts, checked.
#[derive(Debug, Clone)]
pub struct ScheduleParts {
    /// Which dates.
    pub recurrence: Recurrence,
    /// The local start time.
    pub start_time: NaiveTime,
    /// Minutes.
    pub duration_minutes: i32,
}

fn end_columns(end: RecurrenceEnd) -> (Option<NaiveDate>, Option<i32>) {
    match end {
        RecurrenceEnd::Never => (None, None),
        RecurrenceEnd::Until(until) => (Some(until), None),
        RecurrenceEnd::Count(count) => (None, Some(i32::from(count))),
    }
}

/// Adds a schedule to a placement.
pub fn insert_schedule(
    conn: &mut PgConnection,
    placement: &Placement,
    parts: &ScheduleParts,
) -> Result<Schedule, RepoError> {
    let (until, count) = end_columns(parts.recurrence.end());
    let days = weekday_numbers(&parts.recurrence);
    diesel::insert_into(placement_schedules::table)
        .values((
            s::municipality_id.eq(placement.municipality_id.into_uuid()),
            s::id.eq(ScheduleId::generate().into_uuid()),
            s::placement_id.eq(placement.id.into_uuid()),
            s::starts_on.eq(parts.recurrence.starts_on()),
            s::weekdays.eq(days),
            s::interval_weeks.eq(i16::from(parts.recurrence.interval_weeks())),
            s::start_time.eq(parts.start_time),
            s::duration_minutes.eq(parts.duration_minutes),
            s::until.eq(until),
            s::count.eq(count),
            s::excluded_dates.eq(parts.recurrence.excluded()),
        ))
        .returning(ScheduleRow::as_returning())
        .get_result::<ScheduleRow>(conn)?
        .try_into()
}

/// Replaces a locked schedule's parts (checked against `expected_version`); visits are
/// generated again by the caller.
pub fn update_schedule(
    conn: &mut PgConnection,
    current: &Schedule,
    expected_version: Option<i32>,
    parts: &ScheduleParts,
) -> Result<Schedule, RepoError> {
    check_version(current.version, expected_version)?;
    let (until, count) = end_columns(parts.recurrence.end());
    let days = weekday_numbers(&parts.recurrence);
    diesel::update(
        s::placement_schedules
            .filter(s::municipality_id.eq(current.municipality_id.into_uuid()))
            .filter(s::id.eq(current.id.into_uuid())),
    )
    .set((
        s::starts_on.eq(parts.recurrence.starts_on()),
        s::weekdays.eq(days),
        s::interval_weeks.eq(i16::from(parts.recurrence.interval_weeks())),
        s::start_time.eq(parts.start_time),
        s::duration_minutes.eq(parts.duration_minutes),
        s::until.eq(until),
        s::count.eq(count),
        s::excluded_dates.eq(parts.recurrence.excluded()),
        s::generated_until.eq(None::<NaiveDate>),
        s::version.eq(s::version + 1),
    ))
    .returning(ScheduleRow::as_returning())
    .get_result::<ScheduleRow>(conn)?
    .try_into()
}

/// A placement's schedules, oldest first.
pub fn schedules_of(
    conn: &mut PgConnection,
    placement: &Placement,
) -> Result<Vec<Schedule>, RepoError> {
    s::placement_schedules
        .filter(s::municipality_id.eq(placement.municipality_id.into_uuid()))
        .filter(s::placement_id.eq(placement.id.into_uuid()))
        .order(s::id.asc())
        .select(ScheduleRow::as_select())
        .load::<ScheduleRow>(conn)?
        .into_iter()
        .map(Schedule::try_from)
        .collect()
}

/// One schedule of a placement, locked.
pub fn locked_schedule(
    conn: &mut PgConnection,
    placement: &Placement,
    id: ScheduleId,
) -> Result<Schedule, RepoError> {
    s::placement_schedules
        .filter(s::municipality_id.eq(placement.municipality_id.into_uuid()))
        .filter(s::placement_id.eq(placement.id.into_uuid()))
        .filter(s::id.eq(id.into_uuid()))
        .select(ScheduleRow::as_select())
        .for_update()
        .first::<ScheduleRow>(conn)?
        .try_into()
}

/// Deletes a schedule (its visits keep their rows, without the schedule).
pub fn delete_schedule(conn: &mut PgConnection, schedule: &Schedule) -> Result<(), RepoError> {
    diesel::delete(
        s::placement_schedules
            .filter(s::municipality_id.eq(schedule.municipality_id.into_uuid()))
            .filter(s::id.eq(schedule.id.into_uuid())),
    )
    .execute(conn)?;
    Ok(())
}

/// Schedules of proposed or active placements whose visits are not generated up to
/// `horizon_of(municipality)`: at most `limit`, locked, skipping those another instance holds.
pub fn schedules_behind(
    conn: &mut PgConnection,
    today: NaiveDate,
    limit: i32,
) -> Result<Vec<Schedule>, RepoError> {
    let behind: Vec<Claimed> = diesel::sql_query(
        "SELECT s.municipality_id, s.id FROM placement_schedules s \
         JOIN placements p ON p.municipality_id = s.municipality_id AND p.id = s.placement_id \
         JOIN municipalities m ON m.id = s.municipality_id \
         WHERE p.status IN ('proposed', 'active') \
           AND (s.generated_until IS NULL OR s.generated_until < $1 + 7 * \
                coalesce((m.settings ->> 'visit_horizon_weeks')::int, 12)) \
         ORDER BY s.generated_until NULLS FIRST, s.id \
         LIMIT $2 \
         FOR UPDATE OF s SKIP LOCKED",
    )
    .bind::<Date, _>(today)
    .bind::<Integer, _>(limit)
    .load(conn)?;
    let (tenants, ids): (Vec<Uuid>, Vec<Uuid>) = behind
        .into_iter()
        .map(|b| (b.municipality_id, b.id))
        .unzip();
    s::placement_schedules
        .filter(s::municipality_id.eq_any(&tenants))
        .filter(s::id.eq_any(&ids))
        .order(s::id)
        .select(ScheduleRow::as_select())
        .load::<ScheduleRow>(conn)?
        .into_iter()
        .map(Schedule::try_from)
        .collect()
}

/// Notes up to which date a schedule's visits exist.
pub fn mark_generated(
    conn: &mut PgConnection,
    schedule: &Schedule,
    until: NaiveDate,
) -> Result<(), RepoError> {
    diesel::update(
        s::placement_schedules
            .filter(s::municipality_id.eq(schedule.municipality_id.into_uuid()))
            .filter(s::id.eq(schedule.id.into_uuid())),
    )
    .set(s::generated_until.eq(until))
    .execute(conn)?;
    Ok(())
}

/// Named in the `Reference` error when a dog to be deleted comes along on a placement that has
/// not ended.
pub const DOG_USED_BY_PLACEMENTS: &str = "dogs_used_by_placements";

/// Whether a placement that has not ended brings `dog`.
pub fn dog_in_use(
    conn: &mut PgConnection,
    dog: DogId,
    municipality: MunicipalityId,
) -> Result<bool, RepoError> {
    Ok(diesel::select(diesel::dsl::exists(
        p::placements
            .filter(p::municipality_id.eq(municipality.into_uuid()))
            .filter(p::dog_id.eq(dog.into_uuid()))
            .filter(p::status.ne(PlacementStatus::Ended.as_str())),
    ))
    .get_result(conn)?)
}

/// What erasing a volunteer does to placements: every placement of the volunteer, and every
/// placement that brings a dog they handle (which goes with them), ends if it has not, with
/// `reason` in its history and its planned visits from now on cancelled. The volunteer's own
/// placements lose what was written about them: descriptions, the reasons in their history
/// and on their visits (replaced by `erased`), and the kept clearance answer (its facts).
pub fn end_for_erasure(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    volunteer: VolunteerId,
    actor: Option<StaffUserId>,
    texts: (&str, &str),
) -> Result<(), RepoError> {
    use crate::schema::dogs::dsl as d;
    let tenant = municipality.into_uuid();
    let handled = d::dogs
        .filter(d::municipality_id.eq(tenant))
        .filter(d::handler_id.eq(volunteer.into_uuid()))
        .select(d::id.nullable());
    let hit = load_locked(
        conn,
        p::placements
            .filter(p::municipality_id.eq(tenant))
            .filter(
                p::volunteer_id
                    .eq(volunteer.into_uuid())
                    .or(p::dog_id.eq_any(handled)),
            )
            .select(PlacementRow::as_select())
            .for_update(),
    )?;
    let own: Vec<&Placement> = hit
        .iter()
        .filter(|p| p.placed == Placed::Volunteer(volunteer))
        .collect();
    end_and_forget(conn, municipality, &hit, &own, actor, texts)
}

/// What erasing a person visited at home does to placements: every placement with them ends
/// if it has not (planned visits cancelled) and loses what was written about them, as
/// [`end_for_erasure`] does for a volunteer's own.
pub fn end_for_recipient_erasure(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    recipient: RecipientId,
    actor: StaffUserId,
    texts: (&str, &str),
) -> Result<(), RepoError> {
    let hit = load_locked(
        conn,
        p::placements
            .filter(p::municipality_id.eq(municipality.into_uuid()))
            .filter(p::recipient_id.eq(recipient.into_uuid()))
            .select(PlacementRow::as_select())
            .for_update(),
    )?;
    let all: Vec<&Placement> = hit.iter().collect();
    end_and_forget(conn, municipality, &hit, &all, Some(actor), texts)
}

fn load_locked(
    conn: &mut PgConnection,
    query: impl diesel::query_dsl::LoadQuery<'static, PgConnection, PlacementRow>,
) -> Result<Vec<Placement>, RepoError> {
    query
        .load(conn)?
        .into_iter()
        .map(|row| PlacementRecord::try_from(row).map(|r| r.placement))
        .collect()
}

/// Ends each of `hit` that has not ended (with `reason`, planned visits from now cancelled) and
/// blanks what was written on `forget`: descriptions, kept clearance answers, history and visit
/// reasons (`erased`).
fn end_and_forget(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    hit: &[Placement],
    forget: &[&Placement],
    actor: Option<StaffUserId>,
    (erased, reason): (&str, &str),
) -> Result<(), RepoError> {
    let now = chrono::Utc::now();
    for placement in hit {
        if placement.status != PlacementStatus::Ended {
            set_status(conn, placement, PlacementStatus::Ended, reason, actor, None)?;
            crate::visits::cancel_planned(conn, placement, now, reason, actor)?;
        }
    }
    let tenant = municipality.into_uuid();
    let ids: Vec<Uuid> = forget.iter().map(|p| p.id.into_uuid()).collect();
    diesel::update(
        p::placements
            .filter(p::municipality_id.eq(tenant))
            .filter(p::id.eq_any(&ids)),
    )
    .set((
        p::description.eq(None::<String>),
        p::clearance.eq(serde_json::json!({"erased": true})),
        p::version.eq(p::version + 1),
    ))
    .execute(conn)?;
    diesel::update(
        h::placement_status_changes
            .filter(h::municipality_id.eq(tenant))
            .filter(h::placement_id.eq_any(&ids))
            .filter(h::reason.ne(reason)),
    )
    .set(h::reason.eq(erased))
    .execute(conn)?;
    crate::visits::forget_reasons(conn, municipality, &ids)?;
    Ok(())
}

/// Placements whose last day has passed by `today` and that have not ended: at most `limit`,
/// locked, skipping those another instance holds.
pub fn past_their_end(
    conn: &mut PgConnection,
    today: NaiveDate,
    limit: i64,
) -> Result<Vec<PlacementRecord>, RepoError> {
    p::placements
        .filter(p::status.ne(PlacementStatus::Ended.as_str()))
        .filter(p::ends_on.lt(today))
        .order(p::id)
        .limit(limit)
        .select(PlacementRow::as_select())
        .for_update()
        .skip_locked()
        .load::<PlacementRow>(conn)?
        .into_iter()
        .map(PlacementRecord::try_from)
        .collect()
}

/// A placement to plan visits for, share-locked; `None` when someone is changing it (the job
/// plans it next time).
pub fn for_planning(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    id: PlacementId,
) -> Result<Option<Placement>, RepoError> {
    let row: Option<PlacementRow> = p::placements
        .filter(p::municipality_id.eq(municipality.into_uuid()))
        .filter(p::id.eq(id.into_uuid()))
        .select(PlacementRow::as_select())
        .for_share()
        .skip_locked()
        .first(conn)
        .optional()?;
    row.map(|r| PlacementRecord::try_from(r).map(|r| r.placement))
        .transpose()
}

/// The placements with a person visited at home that have not ended or been suspended,
/// locked.
pub fn open_with_recipient(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    recipient: RecipientId,
) -> Result<Vec<Placement>, RepoError> {
    p::placements
        .filter(p::municipality_id.eq(municipality.into_uuid()))
        .filter(p::recipient_id.eq(recipient.into_uuid()))
        .filter(p::status.eq_any([
            PlacementStatus::Proposed.as_str(),
            PlacementStatus::Active.as_str(),
            PlacementStatus::Paused.as_str(),
        ]))
        .order(p::id)
        .select(PlacementRow::as_select())
        .for_update()
        .load::<PlacementRow>(conn)?
        .into_iter()
        .map(|r| PlacementRecord::try_from(r).map(|r| r.placement))
        .collect()
}

/// Lets a placement's schedules be planned again up to the horizon (its dates changed).
pub fn replan(conn: &mut PgConnection, placement: &Placement) -> Result<Vec<Schedule>, RepoError> {
    diesel::update(
        s::placement_schedules
            .filter(s::municipality_id.eq(placement.municipality_id.into_uuid()))
            .filter(s::placement_id.eq(placement.id.into_uuid())),
    )
    .set(s::generated_until.eq(None::<NaiveDate>))
    .execute(conn)?;
    schedules_of(conn, placement)
}

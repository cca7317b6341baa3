//! The hours log: time entries, the history of their status changes, who sees which, and the
//! hours report, added up by PostgreSQL.

use crate::{
    districts,
    error::{RepoError, corrupt},
    page::{Page, PageRequest},
    placements::visible as placement_visible,
    schema::{
        contact_persons::dsl as c,
        placements::dsl as p,
        time_entries::{self, dsl as t},
        time_entry_changes::{self, dsl as h},
        volunteers::dsl as v,
    },
};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::{
    pg::Pg,
    prelude::*,
    sql_types::{BigInt, Bool, Date, Nullable, Text, Uuid as SqlUuid},
};
use samspill_domain::webhook::{Event, is_time_entry_decision};
use samspill_domain::{
    ParseError,
    activity::DEFAULT_ACTIVITY_KINDS,
    auth::{Audience, TenantScope},
    ids::{
        GroupId, MunicipalityId, PlacementId, StaffUserId, TimeEntryId, UnitId, VisitId,
        VolunteerId,
    },
    placement::Placed,
    time_entry::{HoursGrouping, TimeEntry, TimeEntrySource, TimeEntryStatus, TimeLink},
};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Queryable, Selectable)]
#[diesel(table_name = time_entries, check_for_backend(Pg))]
struct TimeEntryRow {
    municipality_id: Uuid,
    id: Uuid,
    volunteer_id: Option<Uuid>,
    group_id: Option<Uuid>,
    head_count: Option<i32>,
    occurred_on: NaiveDate,
    minutes: i32,
    placement_id: Option<Uuid>,
    visit_id: Option<Uuid>,
    unit_id: Option<Uuid>,
    activity_kind: Option<String>,
    note: Option<String>,
    source: String,
    status: String,
    decided_by: Option<Uuid>,
    decided_at: Option<DateTime<Utc>>,
    created_by: Option<Uuid>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<TimeEntryRow> for TimeEntry {
    type Error = RepoError;

    fn try_from(row: TimeEntryRow) -> Result<Self, RepoError> {
        let who = match (row.volunteer_id, row.group_id, row.head_count) {
            (Some(volunteer), None, _) => Placed::Volunteer(volunteer.into()),
            (None, Some(group), Some(count)) => Placed::Group(group.into(), count),
            _ => return Err(corrupt("time entry", "neither a volunteer nor a group")),
        };
        let link = match (row.placement_id, row.visit_id) {
            (None, _) => TimeLink::None,
            (Some(placement), None) => TimeLink::Placement(placement.into()),
            (Some(placement), Some(visit)) => TimeLink::Visit(placement.into(), visit.into()),
        };
        Ok(TimeEntry {
            id: row.id.into(),
            municipality_id: row.municipality_id.into(),
            who,
            occurred_on: row.occurred_on,
            minutes: row.minutes,
            link,
            unit_id: row.unit_id.map(Into::into),
            activity_kind: row.activity_kind,
            note: row.note,
            source: row
                .source
                .parse()
                .map_err(|e| corrupt("time entry source", e))?,
            status: row
                .status
                .parse()
                .map_err(|e| corrupt("time entry status", e))?,
            decided_by: row.decided_by.map(Into::into),
            decided_at: row.decided_at,
            created_by: row.created_by.map(Into::into),
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// An entry to store, its values checked and its links resolved by the caller.
#[derive(Debug, Clone)]
pub struct NewTimeEntry {
    /// The municipality.
    pub municipality_id: MunicipalityId,
    /// Who gave the time.
    pub who: Placed,
    /// The date.
    pub occurred_on: NaiveDate,
    /// Minutes.
    pub minutes: i32,
    /// What it is linked to.
    pub link: TimeLink,
    /// The unit.
    pub unit_id: Option<UnitId>,
    /// The activity kind's code.
    pub activity_kind: Option<String>,
    /// What was done.
    pub note: Option<String>,
    /// Who logged it.
    pub source: TimeEntrySource,
    /// Its first status.
    pub status: TimeEntryStatus,
    /// The coordinator whose entry counts at once (decided by them); `None` otherwise.
    pub decided_by: Option<StaffUserId>,
    /// The account that logs it.
    pub created_by: Option<StaffUserId>,
    /// Now, by the service's clock.
    pub at: DateTime<Utc>,
}

/// A status change of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeEntryChange {
    /// The status before; `None` for the first row (the entry logged).
    pub from_status: Option<TimeEntryStatus>,
    /// The status after.
    pub to_status: TimeEntryStatus,
    /// Why, when a reason was given.
    pub reason: Option<String>,
    /// Who; `None` when the service acted.
    pub changed_by: Option<StaffUserId>,
    /// When.
    pub changed_at: DateTime<Utc>,
}

/// Filters for the list.
#[derive(Debug, Clone, Copy, Default)]
pub struct TimeEntryFilter {
    /// Only this municipality.
    pub municipality_id: Option<MunicipalityId>,
    /// Only this volunteer's.
    pub volunteer_id: Option<VolunteerId>,
    /// Only this group's.
    pub group_id: Option<GroupId>,
    /// Only in this status.
    pub status: Option<TimeEntryStatus>,
    /// From this date (included).
    pub from: Option<NaiveDate>,
    /// To this date (included).
    pub to: Option<NaiveDate>,
    /// Only at this unit.
    pub unit_id: Option<UnitId>,
    /// Only of this placement.
    pub placement_id: Option<PlacementId>,
}

/// The entries `scope` and `audience` see: coordinators and administrators every one of the
/// tenant; a contact person those of the volunteers assigned to them and those linked to a
/// placement they see (as placements are seen); a volunteer their own. The one place where who
/// sees which hours is decided.
pub(crate) fn visible(
    scope: TenantScope,
    audience: Audience,
) -> Box<dyn BoxableExpression<time_entries::table, Pg, SqlType = Bool>> {
    let tenant: Box<dyn BoxableExpression<time_entries::table, Pg, SqlType = Bool>> =
        match scope.municipality() {
            Some(own) => Box::new(t::municipality_id.eq(own.into_uuid())),
            None => Box::new(true.into_sql::<Bool>()),
        };
    match audience {
        Audience::Everyone => tenant,
        Audience::Coordinator(account) => Box::new(tenant.and(districts::time_entries(account))),
        Audience::Own(account) => Box::new(
            tenant.and(
                t::volunteer_id
                    .eq_any(
                        v::volunteers
                            .filter(v::staff_user_id.eq(account.into_uuid()))
                            .select(v::id.nullable()),
                    )
                    .assume_not_null(),
            ),
        ),
        Audience::AssignedTo(account) => {
            let theirs = c::contact_persons
                .filter(c::staff_user_id.eq(account.into_uuid()))
                .select(c::id.nullable());
            let placements = p::placements
                .into_boxed()
                .filter(placement_visible(scope, audience))
                .select(p::id.nullable());
            Box::new(
                tenant.and(
                    t::volunteer_id
                        .eq_any(
                            v::volunteers
                                .filter(v::contact_person_id.eq_any(theirs))
                                .filter(v::erased_at.is_null())
                                .select(v::id.nullable()),
                        )
                        .assume_not_null()
                        .or(t::placement_id.eq_any(placements).assume_not_null()),
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
            "time_entries_volunteer_fkey" => field("volunteer_id", "volunteer"),
            "time_entries_group_fkey" => field("group_id", "group"),
            "time_entries_placement_fkey" => field("placement_id", "placement"),
            "time_entries_visit_fkey" => field("visit_id", "visit"),
            "time_entries_unit_fkey" => field("unit_id", "unit"),
            _ => RepoError::Reference { constraint },
        },
        other => other,
    }
}

fn who_columns(who: Placed) -> (Option<Uuid>, Option<Uuid>, Option<i32>) {
    match who {
        Placed::Volunteer(id) => (Some(id.into_uuid()), None, None),
        Placed::Group(id, count) => (None, Some(id.into_uuid()), Some(count)),
    }
}

/// Inserts `new`; with `skip_taken`, a visit that already has an entry not declined leaves
/// nothing written (`None`).
fn insert_row(
    conn: &mut PgConnection,
    new: &NewTimeEntry,
    skip_taken: bool,
) -> Result<Option<TimeEntry>, RepoError> {
    let (volunteer, group, head_count) = who_columns(new.who);
    let decided_at = (new.status != TimeEntryStatus::Pending).then_some(new.at);
    let values = (
        t::municipality_id.eq(new.municipality_id.into_uuid()),
        t::id.eq(TimeEntryId::generate().into_uuid()),
        t::volunteer_id.eq(volunteer),
        t::group_id.eq(group),
        t::head_count.eq(head_count),
        t::occurred_on.eq(new.occurred_on),
        t::minutes.eq(new.minutes),
        t::placement_id.eq(new.link.placement().map(PlacementId::into_uuid)),
        t::visit_id.eq(new.link.visit().map(VisitId::into_uuid)),
        t::unit_id.eq(new.unit_id.map(UnitId::into_uuid)),
        t::activity_kind.eq(new.activity_kind.as_deref()),
        t::note.eq(new.note.as_deref()),
        t::source.eq(new.source.as_str()),
        t::status.eq(new.status.as_str()),
        t::decided_by.eq(new.decided_by.map(StaffUserId::into_uuid)),
        t::decided_at.eq(decided_at),
        t::created_by.eq(new.created_by.map(StaffUserId::into_uuid)),
        t::created_at.eq(new.at),
        t::updated_at.eq(new.at),
    );
    let insert = diesel::insert_into(time_entries::table).values(values);
    let row: Option<TimeEntryRow> = if skip_taken {
        insert
            .on_conflict_do_nothing()
            .returning(TimeEntryRow::as_returning())
            .get_result(conn)
            .optional()
            .map_err(reference_fields)?
    } else {
        Some(
            insert
                .returning(TimeEntryRow::as_returning())
                .get_result(conn)
                .map_err(reference_fields)?,
        )
    };
    let Some(row) = row else {
        return Ok(None);
    };
    let entry = TimeEntry::try_from(row)?;
    record_change(
        conn,
        &entry,
        None,
        entry.status,
        None,
        new.created_by,
        new.at,
    )?;
    Ok(Some(entry))
}

/// Stores a new entry with the first row of its history. A visit that already has an entry not
/// declined is a `Duplicate` on `time_entries_visit_key`.
pub fn insert(conn: &mut PgConnection, new: &NewTimeEntry) -> Result<TimeEntry, RepoError> {
    insert_row(conn, new, false)?.ok_or_else(|| RepoError::Internal("no entry stored".into()))
}

/// Stores the entry of a completed visit unless the visit already has one that is not
/// declined; `None` then. Completing a visit is idempotent this way.
pub fn insert_for_visit(
    conn: &mut PgConnection,
    new: &NewTimeEntry,
) -> Result<Option<TimeEntry>, RepoError> {
    insert_row(conn, new, true)
}

fn record_change(
    conn: &mut PgConnection,
    entry: &TimeEntry,
    from: Option<TimeEntryStatus>,
    to: TimeEntryStatus,
    reason: Option<&str>,
    by: Option<StaffUserId>,
    at: DateTime<Utc>,
) -> Result<(), RepoError> {
    diesel::insert_into(time_entry_changes::table)
        .values((
            h::municipality_id.eq(entry.municipality_id.into_uuid()),
            h::id.eq(Uuid::now_v7()),
            h::time_entry_id.eq(entry.id.into_uuid()),
            h::from_status.eq(from.map(TimeEntryStatus::as_str)),
            h::to_status.eq(to.as_str()),
            h::reason.eq(reason),
            h::changed_by.eq(by.map(StaffUserId::into_uuid)),
            h::changed_at.eq(at),
        ))
        .execute(conn)?;
    if is_time_entry_decision(from, to) {
        let (volunteer_id, group_id) = match entry.who {
            Placed::Volunteer(id) => (Some(id), None),
            Placed::Group(id, _) => (None, Some(id)),
        };
        crate::outbox::emit(
            conn,
            &Event::TimeEntryDecided {
                municipality_id: entry.municipality_id,
                time_entry_id: entry.id,
                volunteer_id,
                group_id,
                status: to,
                occurred_on: entry.occurred_on,
                minutes: entry.minutes,
            },
        )?;
    }
    Ok(())
}

/// One entry, if the scope and audience see it.
pub fn find(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    id: TimeEntryId,
) -> Result<TimeEntry, RepoError> {
    t::time_entries
        .filter(visible(scope, audience))
        .filter(t::id.eq(id.into_uuid()))
        .select(TimeEntryRow::as_select())
        .first::<TimeEntryRow>(conn)?
        .try_into()
}

/// One entry of the scope, locked for a change until the transaction ends.
pub fn locked(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: TimeEntryId,
) -> Result<TimeEntry, RepoError> {
    t::time_entries
        .filter(visible(scope, Audience::Everyone))
        .filter(t::id.eq(id.into_uuid()))
        .select(TimeEntryRow::as_select())
        .for_update()
        .first::<TimeEntryRow>(conn)?
        .try_into()
}

/// The entries logged on a visit that still count or wait (not declined), locked for a change.
pub fn of_visit_locked(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    visit: samspill_domain::ids::VisitId,
) -> Result<Vec<TimeEntry>, RepoError> {
    t::time_entries
        .filter(t::municipality_id.eq(municipality.into_uuid()))
        .filter(t::visit_id.eq(visit.into_uuid()))
        .filter(t::status.ne(TimeEntryStatus::Declined.as_str()))
        .select(TimeEntryRow::as_select())
        .for_update()
        .load::<TimeEntryRow>(conn)?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

/// A page of entries, filtered, in id order.
pub fn list(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    filter: TimeEntryFilter,
    page: PageRequest,
) -> Result<Page<TimeEntry>, RepoError> {
    let mut query = t::time_entries
        .into_boxed()
        .filter(visible(scope, audience));
    if let Some(municipality) = filter.municipality_id {
        query = query.filter(t::municipality_id.eq(municipality.into_uuid()));
    }
    if let Some(volunteer) = filter.volunteer_id {
        query = query.filter(t::volunteer_id.eq(volunteer.into_uuid()));
    }
    if let Some(group) = filter.group_id {
        query = query.filter(t::group_id.eq(group.into_uuid()));
    }
    if let Some(status) = filter.status {
        query = query.filter(t::status.eq(status.as_str()));
    }
    if let Some(from) = filter.from {
        query = query.filter(t::occurred_on.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(t::occurred_on.le(to));
    }
    if let Some(unit) = filter.unit_id {
        query = query.filter(t::unit_id.eq(unit.into_uuid()));
    }
    if let Some(placement) = filter.placement_id {
        query = query.filter(t::placement_id.eq(placement.into_uuid()));
    }
    if let Some(after) = page.after {
        query = query.filter(t::id.gt(after));
    }
    let rows = query
        .order(t::id.asc())
        .limit(page.limit + 1)
        .select(TimeEntryRow::as_select())
        .load(conn)?;
    Page::from_rows(rows, page.limit, |r| r.id).try_map(TimeEntry::try_from)
}

/// A status change of a locked entry, kept in its history. `decided_by` is who approved or
/// declined it; a revocation clears it (the entry waits again).
pub fn set_status(
    conn: &mut PgConnection,
    current: &TimeEntry,
    to: TimeEntryStatus,
    reason: Option<&str>,
    by: StaffUserId,
    at: DateTime<Utc>,
) -> Result<TimeEntry, RepoError> {
    record_change(
        conn,
        current,
        Some(current.status),
        to,
        reason,
        Some(by),
        at,
    )?;
    let decided = (to != TimeEntryStatus::Pending).then_some((by.into_uuid(), at));
    diesel::update(
        t::time_entries
            .filter(t::municipality_id.eq(current.municipality_id.into_uuid()))
            .filter(t::id.eq(current.id.into_uuid())),
    )
    .set((
        t::status.eq(to.as_str()),
        t::decided_by.eq(decided.map(|(by, _)| by)),
        t::decided_at.eq(decided.map(|(_, at)| at)),
        t::version.eq(t::version + 1),
    ))
    .returning(TimeEntryRow::as_returning())
    .get_result::<TimeEntryRow>(conn)?
    .try_into()
}

/// A history row: entry, from, to, reason, by, at.
type HistoryRow = (
    Uuid,
    Option<String>,
    String,
    Option<String>,
    Option<Uuid>,
    DateTime<Utc>,
);

/// The histories of `entries` (of any municipalities), oldest change first, by entry.
pub fn histories(
    conn: &mut PgConnection,
    entries: &[TimeEntry],
) -> Result<HashMap<TimeEntryId, Vec<TimeEntryChange>>, RepoError> {
    let mut by_municipality: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for entry in entries {
        by_municipality
            .entry(entry.municipality_id.into_uuid())
            .or_default()
            .push(entry.id.into_uuid());
    }
    let mut found: HashMap<TimeEntryId, Vec<TimeEntryChange>> = HashMap::new();
    for (municipality, ids) in by_municipality {
        let rows: Vec<HistoryRow> = h::time_entry_changes
            .filter(h::municipality_id.eq(municipality))
            .filter(h::time_entry_id.eq_any(&ids))
            .order((h::time_entry_id.asc(), h::id.asc()))
            .select((
                h::time_entry_id,
                h::from_status,
                h::to_status,
                h::reason,
                h::changed_by,
                h::changed_at,
            ))
            .load(conn)?;
        for (entry, from, to, reason, by, at) in rows {
            let status = |s: String| s.parse().map_err(|e| corrupt("time entry status", e));
            found
                .entry(entry.into())
                .or_default()
                .push(TimeEntryChange {
                    from_status: from.map(status).transpose()?,
                    to_status: status(to)?,
                    reason,
                    changed_by: by.map(Into::into),
                    changed_at: at,
                });
        }
    }
    Ok(found)
}

#[derive(QueryableByName)]
struct Total {
    #[diesel(sql_type = BigInt)]
    minutes: i64,
}

/// The minutes of `who`'s entries not declined on `date`, read under a lock on that day that
/// lasts until the transaction ends: two entries for the same day are checked one after the
/// other, so together they cannot pass the 24-hour rule.
pub fn day_total(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    who: Placed,
    date: NaiveDate,
) -> Result<i64, RepoError> {
    let (volunteer, group, _) = who_columns(who);
    let subject = volunteer.or(group).unwrap_or_default();
    crate::locks::lock(
        conn,
        crate::locks::TIME_ENTRY_DAY,
        &format!("{subject}:{date}"),
    )?;
    let total: Total = diesel::sql_query(
        "SELECT coalesce(sum(minutes), 0)::bigint AS minutes FROM time_entries \
         WHERE municipality_id = $1 AND occurred_on = $2 AND status <> 'declined' \
           AND (volunteer_id = $3 OR group_id = $4)",
    )
    .bind::<SqlUuid, _>(municipality.into_uuid())
    .bind::<Date, _>(date)
    .bind::<Nullable<SqlUuid>, _>(volunteer)
    .bind::<Nullable<SqlUuid>, _>(group)
    .get_result(conn)?;
    Ok(total.minutes)
}

/// Blanks what was written on a volunteer's entries (erasure): their notes and the reasons in
/// their history (replaced by `erased`). The minutes, dates and statuses stay, naming nobody.
pub fn forget_texts(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    volunteer: VolunteerId,
    erased: &str,
) -> Result<(), RepoError> {
    let tenant = municipality.into_uuid();
    let theirs = t::time_entries
        .filter(t::municipality_id.eq(tenant))
        .filter(t::volunteer_id.eq(volunteer.into_uuid()));
    diesel::update(h::time_entry_changes)
        .filter(h::municipality_id.eq(tenant))
        .filter(h::time_entry_id.eq_any(theirs.select(t::id)))
        .filter(h::reason.is_not_null())
        .set(h::reason.eq(erased))
        .execute(conn)?;
    diesel::update(theirs.filter(t::note.is_not_null()))
        .set((t::note.eq(None::<String>), t::version.eq(t::version + 1)))
        .execute(conn)?;
    Ok(())
}

/// Blanks what was written on the entries of a person visited at home (erasure): the notes and
/// history reasons of the entries on their placements. The minutes stay, naming nobody.
pub fn forget_texts_of_recipient(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    recipient: samspill_domain::ids::RecipientId,
    erased: &str,
) -> Result<(), RepoError> {
    let tenant = municipality.into_uuid();
    let on_their_placements = || {
        t::time_entries
            .filter(t::municipality_id.eq(tenant))
            .filter(
                t::placement_id.eq_any(
                    p::placements
                        .filter(p::municipality_id.eq(tenant))
                        .filter(p::recipient_id.eq(recipient.into_uuid()))
                        .select(p::id.nullable()),
                ),
            )
    };
    diesel::update(h::time_entry_changes)
        .filter(h::municipality_id.eq(tenant))
        .filter(h::time_entry_id.eq_any(on_their_placements().select(t::id)))
        .filter(h::reason.is_not_null())
        .set(h::reason.eq(erased))
        .execute(conn)?;
    diesel::update(on_their_placements().filter(t::note.is_not_null()))
        .set((t::note.eq(None::<String>), t::version.eq(t::version + 1)))
        .execute(conn)?;
    Ok(())
}

/// One line of the hours report.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct HoursLine {
    /// What the line adds up: a unit, volunteer or group id, an activity kind's code, or a month
    /// `YYYY-MM`; `None` for entries without a unit or an activity kind.
    #[diesel(sql_type = Nullable<Text>)]
    pub key: Option<String>,
    /// A name for people: the unit's, the activity kind's, the volunteer's or group's, the
    /// month; `None` when there is none.
    #[diesel(sql_type = Nullable<Text>)]
    pub label: Option<String>,
    /// How many approved entries.
    #[diesel(sql_type = BigInt)]
    pub entries: i64,
    /// Their minutes.
    #[diesel(sql_type = BigInt)]
    pub minutes: i64,
    /// Their person-minutes: a group entry's minutes times its head count.
    #[diesel(sql_type = BigInt)]
    pub person_minutes: i64,
}

/// The SQL of one grouping: the grouped expressions, the key and label of a grouped row `g`,
/// the joins that name it, and the order.
fn grouping_sql(grouping: HoursGrouping) -> [&'static str; 4] {
    match grouping {
        HoursGrouping::Unit => [
            "unit_id AS k1, NULL::uuid AS k2",
            "g.k1::text AS key, u.name AS label",
            "LEFT JOIN units u ON u.municipality_id = $1 AND u.id = g.k1",
            "u.name NULLS LAST, key NULLS LAST",
        ],
        HoursGrouping::ActivityKind => [
            "activity_kind AS k1, NULL::text AS k2",
            "g.k1 AS key, a.name AS label",
            "LEFT JOIN activity_kinds a ON a.municipality_id = $1 AND a.code = g.k1",
            "key NULLS LAST",
        ],
        HoursGrouping::Volunteer => [
            "volunteer_id AS k1, group_id AS k2",
            // An erased volunteer's hours still count, under the name erasure leaves.
            "coalesce(g.k1, g.k2)::text AS key, \
             CASE WHEN v.erased_at IS NOT NULL THEN v.given_name \
                  ELSE coalesce(v.given_name || ' ' || v.family_name, gr.name) END AS label",
            "LEFT JOIN volunteers v ON v.municipality_id = $1 AND v.id = g.k1 \
             LEFT JOIN groups gr ON gr.municipality_id = $1 AND gr.id = g.k2",
            "label, key",
        ],
        HoursGrouping::Month => [
            "date_trunc('month', occurred_on) AS k1, NULL::text AS k2",
            "to_char(g.k1, 'YYYY-MM') AS key, to_char(g.k1, 'YYYY-MM') AS label",
            "",
            "key",
        ],
    }
}

/// The statement of the hours report by `grouping`: `$1` the municipality, `$2` and `$3` the
/// first and last date. (Also what `bench/explain-hours.sql` runs.)
pub fn report_sql(grouping: HoursGrouping, in_districts: bool) -> String {
    let [grouped, named, joins, order] = grouping_sql(grouping);
    let districts = if in_districts {
        format!(
            " AND {}",
            districts::time_entries(StaffUserId::from(Uuid::nil())).to_sql("$4")
        )
    } else {
        String::new()
    };
    format!(
        "WITH g AS (SELECT {grouped}, count(*) AS entries, sum(minutes)::bigint AS minutes, \
         sum(minutes * coalesce(head_count, 1))::bigint AS person_minutes \
         FROM time_entries \
         WHERE municipality_id = $1 AND status = 'approved' AND occurred_on BETWEEN $2 AND $3\
         {districts} GROUP BY 1, 2) \
         SELECT {named}, g.entries, g.minutes, g.person_minutes FROM g {joins} ORDER BY {order}"
    )
}

/// The hours report of `municipality`: its approved entries dated `from` to `to` (both
/// included), added up by `grouping` in one `GROUP BY` (read from the partial covering index
/// `time_entries_report_idx`), then named. Entries never leave the database. A coordinator
/// limited to care districts counts the entries of their districts only.
pub fn report(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    audience: Audience,
    (from, to): (NaiveDate, NaiveDate),
    grouping: HoursGrouping,
) -> Result<Vec<HoursLine>, RepoError> {
    let limited = districts::limiting(conn, audience)?;
    let query = diesel::sql_query(report_sql(grouping, limited.is_some()))
        .into_boxed::<Pg>()
        .bind::<SqlUuid, _>(municipality.into_uuid())
        .bind::<Date, _>(from)
        .bind::<Date, _>(to);
    let query = match limited {
        Some(account) => query.bind::<SqlUuid, _>(account.into_uuid()),
        None => query,
    };
    let mut lines: Vec<HoursLine> = query.load(conn)?;
    if grouping == HoursGrouping::ActivityKind {
        for line in &mut lines {
            if line.label.is_none() {
                line.label = DEFAULT_ACTIVITY_KINDS
                    .iter()
                    .find(|(code, _)| Some(*code) == line.key.as_deref())
                    .map(|(_, name)| (*name).to_owned());
            }
        }
    }
    Ok(lines)
}

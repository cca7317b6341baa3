//! Follow-ups and the contact log: stored, listed for whoever sees them, planned by the
//! municipality's follow-up settings, and read for the work list.

use crate::{
    districts,
    error::{RepoError, corrupt},
    schema::{
        contact_log::{self, dsl as cl},
        contact_persons::dsl as c,
        follow_ups::{self, dsl as f},
        volunteers::dsl as v,
    },
};
use chrono::{DateTime, Days, NaiveDate, Utc};
use diesel::{
    pg::Pg,
    prelude::*,
    sql_types::{Bool, Date, Jsonb, Nullable, Text, Uuid as SqlUuid},
};
use samspill_domain::webhook::Event;
use samspill_domain::{
    ParseError,
    auth::{Audience, TenantScope},
    follow_up::{
        Contact, ContactChannel, FollowUp, FollowUpPurpose, FollowUpSource, FollowUpStatus,
        FollowUpSubject, NEW_PLACEMENT_DAYS, NEW_VOLUNTEER_DAYS, first_visit_review_due, intro_due,
        periodic_due,
    },
    ids::{ContactId, FollowUpId, MunicipalityId, StaffUserId},
    municipality::MunicipalitySettings,
};
use std::collections::HashMap;
use uuid::Uuid;

/// The five subject columns of a row, exactly one of them set.
type SubjectColumns = (
    Option<Uuid>,
    Option<Uuid>,
    Option<Uuid>,
    Option<Uuid>,
    Option<Uuid>,
);

fn columns_of(subject: FollowUpSubject) -> SubjectColumns {
    let id = Some(subject.id());
    match subject {
        FollowUpSubject::Volunteer(_) => (id, None, None, None, None),
        FollowUpSubject::Group(_) => (None, id, None, None, None),
        FollowUpSubject::Unit(_) => (None, None, id, None, None),
        FollowUpSubject::Recipient(_) => (None, None, None, id, None),
        FollowUpSubject::Placement(_) => (None, None, None, None, id),
    }
}

fn subject_of(columns: SubjectColumns) -> Result<FollowUpSubject, RepoError> {
    match columns {
        (Some(id), None, None, None, None) => Ok(FollowUpSubject::Volunteer(id.into())),
        (None, Some(id), None, None, None) => Ok(FollowUpSubject::Group(id.into())),
        (None, None, Some(id), None, None) => Ok(FollowUpSubject::Unit(id.into())),
        (None, None, None, Some(id), None) => Ok(FollowUpSubject::Recipient(id.into())),
        (None, None, None, None, Some(id)) => Ok(FollowUpSubject::Placement(id.into())),
        _ => Err(corrupt("follow-up subject", "not exactly one subject")),
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = follow_ups, check_for_backend(Pg))]
struct FollowUpRow {
    municipality_id: Uuid,
    id: Uuid,
    volunteer_id: Option<Uuid>,
    group_id: Option<Uuid>,
    unit_id: Option<Uuid>,
    recipient_id: Option<Uuid>,
    placement_id: Option<Uuid>,
    purpose: String,
    channel: String,
    due_on: NaiveDate,
    assignee_id: Option<Uuid>,
    status: String,
    outcome: Option<String>,
    note: Option<String>,
    source: String,
    raised_by_id: Option<Uuid>,
    created_by: Option<Uuid>,
    closed_at: Option<DateTime<Utc>>,
    closed_by: Option<Uuid>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<FollowUpRow> for FollowUp {
    type Error = RepoError;

    fn try_from(row: FollowUpRow) -> Result<Self, RepoError> {
        Ok(FollowUp {
            id: row.id.into(),
            municipality_id: row.municipality_id.into(),
            subject: subject_of((
                row.volunteer_id,
                row.group_id,
                row.unit_id,
                row.recipient_id,
                row.placement_id,
            ))?,
            purpose: row.purpose.parse().map_err(|e| corrupt("purpose", e))?,
            channel: row.channel.parse().map_err(|e| corrupt("channel", e))?,
            due_on: row.due_on,
            assignee_id: row.assignee_id.map(Into::into),
            status: row.status.parse().map_err(|e| corrupt("status", e))?,
            outcome: row
                .outcome
                .map(|o| o.parse())
                .transpose()
                .map_err(|e| corrupt("outcome", e))?,
            note: row.note,
            source: row.source.parse().map_err(|e| corrupt("source", e))?,
            raised_by_id: row.raised_by_id.map(Into::into),
            created_by: row.created_by.map(Into::into),
            closed_at: row.closed_at,
            closed_by: row.closed_by.map(Into::into),
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = contact_log, check_for_backend(Pg))]
struct ContactRow {
    municipality_id: Uuid,
    id: Uuid,
    follow_up_id: Option<Uuid>,
    volunteer_id: Option<Uuid>,
    group_id: Option<Uuid>,
    unit_id: Option<Uuid>,
    recipient_id: Option<Uuid>,
    placement_id: Option<Uuid>,
    occurred_at: DateTime<Utc>,
    counterpart: String,
    channel: String,
    reached: bool,
    duration_minutes: Option<i32>,
    note: Option<String>,
    logged_by: Uuid,
    created_at: DateTime<Utc>,
}

impl TryFrom<ContactRow> for Contact {
    type Error = RepoError;

    fn try_from(row: ContactRow) -> Result<Self, RepoError> {
        Ok(Contact {
            id: row.id.into(),
            municipality_id: row.municipality_id.into(),
            follow_up_id: row.follow_up_id.map(Into::into),
            subject: subject_of((
                row.volunteer_id,
                row.group_id,
                row.unit_id,
                row.recipient_id,
                row.placement_id,
            ))?,
            occurred_at: row.occurred_at,
            counterpart: row.counterpart,
            channel: row.channel.parse().map_err(|e| corrupt("channel", e))?,
            reached: row.reached,
            duration_minutes: row.duration_minutes,
            note: row.note,
            logged_by: row.logged_by.into(),
            created_at: row.created_at,
        })
    }
}

/// The ids of the contact persons linked to an account, as a subquery.
type ContactPersonsOf = diesel::dsl::Select<
    diesel::dsl::Filter<c::contact_persons, diesel::dsl::Eq<c::staff_user_id, Uuid>>,
    diesel::dsl::Nullable<c::id>,
>;
/// The ids of the groups those contact persons answer for, as a subquery.
type GroupsOf = diesel::dsl::Select<
    diesel::dsl::Filter<
        crate::schema::groups::table,
        diesel::dsl::EqAny<
            diesel::dsl::Nullable<crate::schema::groups::contact_person_id>,
            ContactPersonsOf,
        >,
    >,
    diesel::dsl::Nullable<crate::schema::groups::id>,
>;
/// The ids of the placements those contact persons answer for, as a subquery.
type PlacementsOf = diesel::dsl::Select<
    diesel::dsl::Filter<
        crate::schema::placements::table,
        diesel::dsl::EqAny<crate::schema::placements::contact_person_id, ContactPersonsOf>,
    >,
    diesel::dsl::Nullable<crate::schema::placements::id>,
>;

/// The contact persons linked to `account`.
fn contact_persons_of(account: StaffUserId) -> ContactPersonsOf {
    c::contact_persons
        .filter(c::staff_user_id.eq(account.into_uuid()))
        .select(c::id.nullable())
}

/// The groups whose contact person is linked to `account`.
fn groups_of(account: StaffUserId) -> GroupsOf {
    use crate::schema::groups::dsl as g;
    g::groups
        .filter(
            g::contact_person_id
                .nullable()
                .eq_any(contact_persons_of(account)),
        )
        .select(g::id.nullable())
}

/// The placements whose contact person is linked to `account`.
fn placements_of(account: StaffUserId) -> PlacementsOf {
    use crate::schema::placements::dsl as p;
    p::placements
        .filter(p::contact_person_id.eq_any(contact_persons_of(account)))
        .select(p::id.nullable())
}

/// The follow-ups `scope` and `audience` see: coordinators every one of the tenant; a contact
/// person those assigned to them and those about the volunteers, groups and placements they
/// are the contact person of; volunteers none.
fn visible(
    scope: TenantScope,
    audience: Audience,
) -> Box<dyn BoxableExpression<follow_ups::table, Pg, SqlType = Bool>> {
    let tenant: Box<dyn BoxableExpression<follow_ups::table, Pg, SqlType = Bool>> =
        match scope.municipality() {
            Some(own) => Box::new(f::municipality_id.eq(own.into_uuid())),
            None => Box::new(true.into_sql::<Bool>()),
        };
    match audience {
        Audience::Everyone => tenant,
        Audience::Coordinator(account) => Box::new(tenant.and(districts::follow_ups(account))),
        Audience::AssignedTo(account) => Box::new(
            tenant.and(
                f::assignee_id
                    .eq(account.into_uuid())
                    .assume_not_null()
                    .or(f::group_id.eq_any(groups_of(account)).assume_not_null())
                    .or(f::placement_id
                        .eq_any(placements_of(account))
                        .assume_not_null())
                    .or(f::volunteer_id
                        .eq_any(
                            v::volunteers
                                .filter(
                                    v::contact_person_id
                                        .eq_any(
                                            c::contact_persons
                                                .filter(c::staff_user_id.eq(account.into_uuid()))
                                                .select(c::id.nullable()),
                                        )
                                        .assume_not_null(),
                                )
                                .select(v::id.nullable()),
                        )
                        .assume_not_null()),
            ),
        ),
        Audience::Own(_) => Box::new(false.into_sql::<Bool>()),
    }
}

/// A reference outside the municipality (or gone) is a field error.
fn reference_fields(error: diesel::result::Error) -> RepoError {
    match RepoError::from(error) {
        RepoError::Reference { constraint } => {
            let field = if constraint.contains("assignee") {
                "assignee_id"
            } else if constraint.contains("follow_up") && constraint.starts_with("contact_log") {
                "follow_up_id"
            } else {
                "subject_id"
            };
            RepoError::invalid(
                field,
                ParseError::new("not_found", "nothing with this id in the municipality"),
            )
        }
        other => other,
    }
}

/// A new follow-up.
#[derive(Debug, Clone)]
pub struct NewFollowUp {
    /// The municipality.
    pub municipality_id: MunicipalityId,
    /// Who or what it is about.
    pub subject: FollowUpSubject,
    /// Why.
    pub purpose: FollowUpPurpose,
    /// How.
    pub channel: ContactChannel,
    /// By when.
    pub due_on: NaiveDate,
    /// Whose list it goes on.
    pub assignee_id: Option<StaffUserId>,
    /// A note.
    pub note: Option<String>,
    /// Who made it.
    pub source: FollowUpSource,
    /// The follow-up that opened it as a concern.
    pub raised_by_id: Option<FollowUpId>,
    /// The account that made it.
    pub created_by: Option<StaffUserId>,
}

/// Stores a new follow-up as `scheduled`.
pub fn insert(conn: &mut PgConnection, new: &NewFollowUp) -> Result<FollowUp, RepoError> {
    let (volunteer, group, unit, recipient, placement) = columns_of(new.subject);
    diesel::insert_into(follow_ups::table)
        .values((
            f::municipality_id.eq(new.municipality_id.into_uuid()),
            f::id.eq(FollowUpId::generate().into_uuid()),
            f::volunteer_id.eq(volunteer),
            f::group_id.eq(group),
            f::unit_id.eq(unit),
            f::recipient_id.eq(recipient),
            f::placement_id.eq(placement),
            f::purpose.eq(new.purpose.as_str()),
            f::channel.eq(new.channel.as_str()),
            f::due_on.eq(new.due_on),
            f::assignee_id.eq(new.assignee_id.map(StaffUserId::into_uuid)),
            f::note.eq(new.note.as_deref()),
            f::source.eq(new.source.as_str()),
            f::raised_by_id.eq(new.raised_by_id.map(FollowUpId::into_uuid)),
            f::created_by.eq(new.created_by.map(StaffUserId::into_uuid)),
        ))
        .returning(FollowUpRow::as_returning())
        .get_result(conn)
        .map_err(reference_fields)?
        .try_into()
}

/// One follow-up, if the scope and audience see it.
pub fn find(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    id: FollowUpId,
) -> Result<FollowUp, RepoError> {
    f::follow_ups
        .filter(visible(scope, audience))
        .filter(f::id.eq(id.into_uuid()))
        .select(FollowUpRow::as_select())
        .first::<FollowUpRow>(conn)?
        .try_into()
}

/// One follow-up of the scope and audience, locked for a change until the transaction ends.
pub fn locked(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    id: FollowUpId,
) -> Result<FollowUp, RepoError> {
    f::follow_ups
        .filter(visible(scope, audience))
        .filter(f::id.eq(id.into_uuid()))
        .select(FollowUpRow::as_select())
        .for_update()
        .first::<FollowUpRow>(conn)?
        .try_into()
}

/// Writes what may change of `changed` (channel, due date, assignee, status, outcome, note,
/// closing) and raises its version.
pub fn save(conn: &mut PgConnection, changed: &FollowUp) -> Result<FollowUp, RepoError> {
    diesel::update(
        f::follow_ups
            .filter(f::municipality_id.eq(changed.municipality_id.into_uuid()))
            .filter(f::id.eq(changed.id.into_uuid())),
    )
    .set((
        f::channel.eq(changed.channel.as_str()),
        f::due_on.eq(changed.due_on),
        f::assignee_id.eq(changed.assignee_id.map(StaffUserId::into_uuid)),
        f::status.eq(changed.status.as_str()),
        f::outcome.eq(changed.outcome.map(|o| o.as_str())),
        f::note.eq(changed.note.as_deref()),
        f::closed_at.eq(changed.closed_at),
        f::closed_by.eq(changed.closed_by.map(StaffUserId::into_uuid)),
        f::version.eq(f::version + 1),
    ))
    .returning(FollowUpRow::as_returning())
    .get_result(conn)
    .map_err(reference_fields)?
    .try_into()
}

/// Whose follow-ups a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignee {
    /// This account's.
    Account(StaffUserId),
    /// Nobody's yet.
    Nobody,
}

/// Filters for the list.
#[derive(Debug, Clone, Default)]
pub struct FollowUpFilter {
    /// Only this municipality.
    pub municipality_id: Option<MunicipalityId>,
    /// Only about this subject.
    pub subject: Option<FollowUpSubject>,
    /// Only in this status.
    pub status: Option<FollowUpStatus>,
    /// Only for this purpose.
    pub purpose: Option<FollowUpPurpose>,
    /// Only on this list.
    pub assignee: Option<Assignee>,
    /// Only due before this day.
    pub due_before: Option<NaiveDate>,
    /// Only those overdue on this day (scheduled and due before it).
    pub overdue_on: Option<NaiveDate>,
}

/// Where a page of follow-ups starts: after this due date and id.
pub type DueKey = (NaiveDate, Uuid);

/// A page of follow-ups, earliest due first, and the key to go on after when more follow.
pub fn list(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    filter: &FollowUpFilter,
    after: Option<DueKey>,
    limit: i64,
) -> Result<(Vec<FollowUp>, Option<DueKey>), RepoError> {
    let mut query = f::follow_ups.into_boxed().filter(visible(scope, audience));
    if let Some(municipality) = filter.municipality_id {
        query = query.filter(f::municipality_id.eq(municipality.into_uuid()));
    }
    if let Some(subject) = filter.subject {
        let id = subject.id();
        query = match subject {
            FollowUpSubject::Volunteer(_) => query.filter(f::volunteer_id.eq(id)),
            FollowUpSubject::Group(_) => query.filter(f::group_id.eq(id)),
            FollowUpSubject::Unit(_) => query.filter(f::unit_id.eq(id)),
            FollowUpSubject::Recipient(_) => query.filter(f::recipient_id.eq(id)),
            FollowUpSubject::Placement(_) => query.filter(f::placement_id.eq(id)),
        };
    }
    if let Some(status) = filter.status {
        query = query.filter(f::status.eq(status.as_str()));
    }
    if let Some(purpose) = filter.purpose {
        query = query.filter(f::purpose.eq(purpose.as_str()));
    }
    match filter.assignee {
        Some(Assignee::Account(account)) => {
            query = query.filter(f::assignee_id.eq(account.into_uuid()));
        }
        Some(Assignee::Nobody) => query = query.filter(f::assignee_id.is_null()),
        None => {}
    }
    if let Some(before) = filter.due_before {
        query = query.filter(f::due_on.lt(before));
    }
    if let Some(today) = filter.overdue_on {
        query = query
            .filter(f::status.eq(FollowUpStatus::Scheduled.as_str()))
            .filter(f::due_on.lt(today));
    }
    if let Some((due, id)) = after {
        query = query.filter(f::due_on.gt(due).or(f::due_on.eq(due).and(f::id.gt(id))));
    }
    let mut rows: Vec<FollowUp> = query
        .order((f::due_on, f::id))
        .limit(limit + 1)
        .select(FollowUpRow::as_select())
        .load::<FollowUpRow>(conn)?
        .into_iter()
        .map(TryInto::try_into)
        .collect::<Result<_, _>>()?;
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let next = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|last| (last.due_on, last.id.into_uuid()))
    } else {
        None
    };
    Ok((rows, next))
}

/// A contact to log.
#[derive(Debug, Clone)]
pub struct NewContact {
    /// The municipality.
    pub municipality_id: MunicipalityId,
    /// The follow-up it was made for, if one.
    pub follow_up_id: Option<FollowUpId>,
    /// Who or what it was about.
    pub subject: FollowUpSubject,
    /// When.
    pub occurred_at: DateTime<Utc>,
    /// Who was reached or tried.
    pub counterpart: String,
    /// How.
    pub channel: ContactChannel,
    /// Whether anyone was reached.
    pub reached: bool,
    /// How long, in minutes.
    pub duration_minutes: Option<i32>,
    /// A note.
    pub note: Option<String>,
    /// Who logged it.
    pub logged_by: StaffUserId,
}

/// Logs a contact.
pub fn log_contact(conn: &mut PgConnection, new: &NewContact) -> Result<Contact, RepoError> {
    let (volunteer, group, unit, recipient, placement) = columns_of(new.subject);
    diesel::insert_into(contact_log::table)
        .values((
            cl::municipality_id.eq(new.municipality_id.into_uuid()),
            cl::id.eq(ContactId::generate().into_uuid()),
            cl::follow_up_id.eq(new.follow_up_id.map(FollowUpId::into_uuid)),
            cl::volunteer_id.eq(volunteer),
            cl::group_id.eq(group),
            cl::unit_id.eq(unit),
            cl::recipient_id.eq(recipient),
            cl::placement_id.eq(placement),
            cl::occurred_at.eq(new.occurred_at),
            cl::counterpart.eq(&new.counterpart),
            cl::channel.eq(new.channel.as_str()),
            cl::reached.eq(new.reached),
            cl::duration_minutes.eq(new.duration_minutes),
            cl::note.eq(new.note.as_deref()),
            cl::logged_by.eq(new.logged_by.into_uuid()),
        ))
        .returning(ContactRow::as_returning())
        .get_result(conn)
        .map_err(reference_fields)?
        .try_into()
}

/// Filters for the contact log.
#[derive(Debug, Clone, Default)]
pub struct ContactFilter {
    /// Only this municipality.
    pub municipality_id: Option<MunicipalityId>,
    /// Only those made for this follow-up.
    pub follow_up_id: Option<FollowUpId>,
    /// Only about this subject.
    pub subject: Option<FollowUpSubject>,
}

/// The contacts `scope` and `audience` see: coordinators every one of the tenant; a contact
/// person those they logged, those about the volunteers, groups and placements they are the
/// contact person of, and those made for the follow-ups assigned to them.
fn contacts_visible(
    scope: TenantScope,
    audience: Audience,
) -> Box<dyn BoxableExpression<contact_log::table, Pg, SqlType = Bool>> {
    let tenant: Box<dyn BoxableExpression<contact_log::table, Pg, SqlType = Bool>> =
        match scope.municipality() {
            Some(own) => Box::new(cl::municipality_id.eq(own.into_uuid())),
            None => Box::new(true.into_sql::<Bool>()),
        };
    match audience {
        Audience::Everyone => tenant,
        Audience::Coordinator(account) => Box::new(tenant.and(districts::contacts(account))),
        Audience::AssignedTo(account) => Box::new(
            tenant.and(
                cl::logged_by
                    .eq(account.into_uuid())
                    .or(cl::follow_up_id
                        .eq_any(
                            f::follow_ups
                                .filter(f::assignee_id.eq(account.into_uuid()))
                                .select(f::id.nullable()),
                        )
                        .assume_not_null())
                    .or(cl::group_id.eq_any(groups_of(account)).assume_not_null())
                    .or(cl::placement_id
                        .eq_any(placements_of(account))
                        .assume_not_null())
                    .or(cl::volunteer_id
                        .eq_any(
                            v::volunteers
                                .filter(
                                    v::contact_person_id
                                        .eq_any(
                                            c::contact_persons
                                                .filter(c::staff_user_id.eq(account.into_uuid()))
                                                .select(c::id.nullable()),
                                        )
                                        .assume_not_null(),
                                )
                                .select(v::id.nullable()),
                        )
                        .assume_not_null()),
            ),
        ),
        Audience::Own(_) => Box::new(false.into_sql::<Bool>()),
    }
}

/// A page of the contact log, newest first by id (ids grow with time).
pub fn contacts(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    filter: &ContactFilter,
    after: Option<Uuid>,
    limit: i64,
) -> Result<(Vec<Contact>, Option<Uuid>), RepoError> {
    let mut query = cl::contact_log
        .into_boxed()
        .filter(contacts_visible(scope, audience));
    if let Some(municipality) = filter.municipality_id {
        query = query.filter(cl::municipality_id.eq(municipality.into_uuid()));
    }
    if let Some(follow_up) = filter.follow_up_id {
        query = query.filter(cl::follow_up_id.eq(follow_up.into_uuid()));
    }
    if let Some(subject) = filter.subject {
        let id = subject.id();
        query = match subject {
            FollowUpSubject::Volunteer(_) => query.filter(cl::volunteer_id.eq(id)),
            FollowUpSubject::Group(_) => query.filter(cl::group_id.eq(id)),
            FollowUpSubject::Unit(_) => query.filter(cl::unit_id.eq(id)),
            FollowUpSubject::Recipient(_) => query.filter(cl::recipient_id.eq(id)),
            FollowUpSubject::Placement(_) => query.filter(cl::placement_id.eq(id)),
        };
    }
    if let Some(after) = after {
        query = query.filter(cl::id.lt(after));
    }
    let mut rows: Vec<Contact> = query
        .order(cl::id.desc())
        .limit(limit + 1)
        .select(ContactRow::as_select())
        .load::<ContactRow>(conn)?
        .into_iter()
        .map(TryInto::try_into)
        .collect::<Result<_, _>>()?;
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let next = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|last| last.id.into_uuid())
    } else {
        None
    };
    Ok((rows, next))
}

/// Whether a subject exists in `municipality` and may be followed up: a volunteer not
/// erased, a group, a unit, a recipient still visited, a placement.
pub fn subject_exists(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    subject: FollowUpSubject,
) -> Result<bool, RepoError> {
    let sql = match subject {
        FollowUpSubject::Volunteer(_) => {
            "SELECT EXISTS (SELECT 1 FROM volunteers WHERE municipality_id = $1 AND id = $2 AND erased_at IS NULL) AS found"
        }
        FollowUpSubject::Group(_) => {
            "SELECT EXISTS (SELECT 1 FROM groups WHERE municipality_id = $1 AND id = $2) AS found"
        }
        FollowUpSubject::Unit(_) => {
            "SELECT EXISTS (SELECT 1 FROM units WHERE municipality_id = $1 AND id = $2) AS found"
        }
        FollowUpSubject::Recipient(_) => {
            "SELECT EXISTS (SELECT 1 FROM recipients WHERE municipality_id = $1 AND id = $2 AND active) AS found"
        }
        FollowUpSubject::Placement(_) => {
            "SELECT EXISTS (SELECT 1 FROM placements WHERE municipality_id = $1 AND id = $2) AS found"
        }
    };
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = Bool)]
        found: bool,
    }
    Ok(diesel::sql_query(sql)
        .bind::<SqlUuid, _>(municipality.into_uuid())
        .bind::<SqlUuid, _>(subject.id())
        .get_result::<Found>(conn)?
        .found)
}

/// Whether the contact person with login `account` answers for `subject`: a volunteer, a group
/// or a placement they are the contact person of.
pub fn answers_for(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    subject: FollowUpSubject,
    account: StaffUserId,
) -> Result<bool, RepoError> {
    let table = match subject {
        FollowUpSubject::Volunteer(_) => "volunteers",
        FollowUpSubject::Group(_) => "groups",
        FollowUpSubject::Placement(_) => "placements",
        FollowUpSubject::Unit(_) | FollowUpSubject::Recipient(_) => return Ok(false),
    };
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = Bool)]
        found: bool,
    }
    Ok(diesel::sql_query(format!(
        "SELECT EXISTS (SELECT 1 FROM {table} t JOIN contact_persons cp \
           ON cp.municipality_id = t.municipality_id AND cp.id = t.contact_person_id \
         WHERE t.municipality_id = $1 AND t.id = $2 AND cp.staff_user_id = $3) AS found"
    ))
    .bind::<SqlUuid, _>(municipality.into_uuid())
    .bind::<SqlUuid, _>(subject.id())
    .bind::<SqlUuid, _>(account.into_uuid())
    .get_result::<Found>(conn)?
    .found)
}

/// The concerns `follow_ups` opened, by the follow-up that opened each.
pub fn concerns_of(
    conn: &mut PgConnection,
    follow_ups: &[FollowUp],
) -> Result<HashMap<FollowUpId, FollowUpId>, RepoError> {
    let ids: Vec<Uuid> = follow_ups.iter().map(|f| f.id.into_uuid()).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut municipalities: Vec<Uuid> = follow_ups
        .iter()
        .map(|f| f.municipality_id.into_uuid())
        .collect();
    municipalities.sort_unstable();
    municipalities.dedup();
    Ok(f::follow_ups
        .filter(f::municipality_id.eq_any(&municipalities))
        .filter(f::raised_by_id.eq_any(&ids))
        .select((f::raised_by_id.assume_not_null(), f::id))
        .load::<(Uuid, Uuid)>(conn)?
        .into_iter()
        .map(|(by, id)| (by.into(), id.into()))
        .collect())
}

/// What people call each subject: a volunteer's or a group's name, a unit's name, a recipient's
/// display name, a placement by who is placed.
pub fn subject_names(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    subjects: &[FollowUpSubject],
) -> Result<HashMap<Uuid, String>, RepoError> {
    #[derive(QueryableByName)]
    struct Named {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
        #[diesel(sql_type = Text)]
        name: String,
    }
    let ids: Vec<Uuid> = subjects.iter().map(|s| s.id()).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<Named> = diesel::sql_query(
        "SELECT id, given_name || ' ' || family_name AS name FROM volunteers \
           WHERE municipality_id = $1 AND id = ANY($2) \
         UNION ALL SELECT id, name FROM groups WHERE municipality_id = $1 AND id = ANY($2) \
         UNION ALL SELECT id, name FROM units WHERE municipality_id = $1 AND id = ANY($2) \
         UNION ALL SELECT id, display_name FROM recipients WHERE municipality_id = $1 AND id = ANY($2) \
         UNION ALL SELECT p.id, coalesce(v.given_name || ' ' || v.family_name, g.name, '') \
           FROM placements p \
           LEFT JOIN volunteers v ON v.municipality_id = p.municipality_id AND v.id = p.volunteer_id \
           LEFT JOIN groups g ON g.municipality_id = p.municipality_id AND g.id = p.group_id \
           WHERE p.municipality_id = $1 AND p.id = ANY($2)",
    )
    .bind::<SqlUuid, _>(municipality.into_uuid())
    .bind::<diesel::sql_types::Array<SqlUuid>, _>(&ids)
    .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.id, r.name)).collect())
}

/// Removes what was written about an erased volunteer or recipient (`column` names which):
/// their follow-ups and contacts go, and the notes of those about their placements.
pub fn erase_for(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    subject: FollowUpSubject,
) -> Result<(), RepoError> {
    let (column, placement_column) = match subject {
        FollowUpSubject::Volunteer(_) => ("volunteer_id", "volunteer_id"),
        FollowUpSubject::Recipient(_) => ("recipient_id", "recipient_id"),
        _ => return Ok(()),
    };
    let id = subject.id();
    let m = municipality.into_uuid();
    let statements = [
        format!("DELETE FROM contact_log WHERE municipality_id = $1 AND {column} = $2"),
        format!(
            "DELETE FROM contact_log WHERE municipality_id = $1 AND follow_up_id IN \
             (SELECT id FROM follow_ups WHERE municipality_id = $1 AND {column} = $2)"
        ),
        format!("DELETE FROM follow_ups WHERE municipality_id = $1 AND {column} = $2"),
        format!(
            "UPDATE follow_ups SET note = NULL, version = version + 1 WHERE municipality_id = $1 \
             AND note IS NOT NULL AND placement_id IN \
             (SELECT id FROM placements WHERE municipality_id = $1 AND {placement_column} = $2)"
        ),
        format!(
            "UPDATE contact_log SET note = NULL, counterpart = '{erased}' \
             WHERE municipality_id = $1 AND placement_id IN \
             (SELECT id FROM placements WHERE municipality_id = $1 AND {placement_column} = $2)",
            erased = samspill_domain::erasure::ERASED,
        ),
    ];
    for sql in statements {
        diesel::sql_query(sql)
            .bind::<SqlUuid, _>(m)
            .bind::<SqlUuid, _>(id)
            .execute(conn)?;
    }
    // Kept answers to follow-ups and contacts about their placements name them: forgotten too.
    let placements: Vec<Uuid> = {
        use crate::schema::placements::dsl as p;
        let mine = p::placements
            .filter(p::municipality_id.eq(m))
            .select(p::id)
            .into_boxed();
        match subject {
            FollowUpSubject::Recipient(_) => mine.filter(p::recipient_id.eq(id)),
            _ => mine.filter(p::volunteer_id.eq(id)),
        }
        .load(conn)?
    };
    for placement in placements {
        crate::idempotency::forget_mentions(conn, &placement.to_string())?;
    }
    Ok(())
}

// --- The plan -------------------------------------------------------------------------------

#[derive(QueryableByName)]
struct Planned {
    #[diesel(sql_type = SqlUuid)]
    municipality_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    subject_id: Uuid,
    #[diesel(sql_type = Jsonb)]
    settings: serde_json::Value,
    #[diesel(sql_type = Date)]
    since: NaiveDate,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    assignee_id: Option<Uuid>,
}

impl Planned {
    fn settings(&self) -> Result<MunicipalitySettings, RepoError> {
        serde_json::from_value(self.settings.clone()).map_err(|e| corrupt("settings", e))
    }
}

/// The account a volunteer's follow-ups go to: their contact person's, if that person and
/// account are active.
const CONTACT_LOGIN: &str = "(SELECT su.id FROM contact_persons cp \
     JOIN staff_users su ON su.id = cp.staff_user_id AND su.active \
       AND su.municipality_id = v.municipality_id \
     WHERE cp.municipality_id = v.municipality_id AND cp.id = v.contact_person_id AND cp.active)";

/// The account that approved a volunteer (`a.changed_by`), if it may hold follow-ups: an active
/// coordinator or contact person of the volunteer's municipality.
const APPROVER_LOGIN: &str = "(SELECT su.id FROM staff_users su WHERE su.id = a.changed_by \
     AND su.active AND su.municipality_id = v.municipality_id \
     AND su.role IN ('coordinator', 'contact_person'))";

/// When each volunteer was first approved: an intro is for a new volunteer, not one who comes
/// back from a pause.
const FIRST_APPROVAL: &str = "JOIN LATERAL (SELECT h.changed_at, h.changed_by FROM volunteer_status_changes h \
     WHERE h.volunteer_id = v.id AND h.to_status = 'approved' \
     ORDER BY h.changed_at ASC LIMIT 1) a ON true";

/// When each volunteer was last approved.
const APPROVAL: &str = "JOIN LATERAL (SELECT h.changed_at, h.changed_by FROM volunteer_status_changes h \
     WHERE h.volunteer_id = v.id AND h.to_status = 'approved' \
     ORDER BY h.changed_at DESC LIMIT 1) a ON true";

/// The last day anyone reached the subject `alias.id` in `column`: a contact reached, or a
/// follow-up done. Days are UTC days, as the service's clock counts them.
fn last_contact(column: &str, alias: &str) -> String {
    // A volunteer is reached through their placements too (a first-visit review).
    let about = if column == "volunteer_id" {
        format!(
            "({{t}}.volunteer_id = {alias}.id OR {{t}}.placement_id IN (SELECT p.id FROM placements p \
               WHERE p.municipality_id = {alias}.municipality_id AND p.volunteer_id = {alias}.id))"
        )
    } else {
        format!("{{t}}.{column} = {alias}.id")
    };
    format!(
        "greatest(\
           (SELECT (max(x.occurred_at) AT TIME ZONE 'UTC')::date FROM contact_log x \
             WHERE x.municipality_id = {alias}.municipality_id AND {x} AND x.reached), \
           (SELECT (max(y.closed_at) AT TIME ZONE 'UTC')::date FROM follow_ups y \
             WHERE y.municipality_id = {alias}.municipality_id AND {y} AND y.status = 'done'))",
        x = about.replace("{t}", "x"),
        y = about.replace("{t}", "y"),
    )
}

/// The last day a planned periodic follow-up of the subject `alias.id` in `column` was
/// cancelled: the plan counts its next one from there, so a cancelled one does not come back
/// at once.
fn last_cancelled(column: &str, alias: &str) -> String {
    format!(
        "(SELECT (max(z.closed_at) AT TIME ZONE 'UTC')::date FROM follow_ups z \
           WHERE z.municipality_id = {alias}.municipality_id AND z.{column} = {alias}.id \
             AND z.source = 'plan' AND z.purpose = 'periodic' AND z.status = 'cancelled')"
    )
}

/// Stores a follow-up for `purpose` for each row the domain's `due` dates, skipping any a
/// unique index says exists already; returns how many were made.
fn store_planned(
    conn: &mut PgConnection,
    rows: Vec<Planned>,
    purpose: FollowUpPurpose,
    subject: fn(Uuid) -> FollowUpSubject,
    due: impl Fn(&Planned, &MunicipalitySettings) -> Option<NaiveDate>,
) -> Result<usize, RepoError> {
    let mut made = 0;
    for row in rows {
        let Some(due_on) = due(&row, &row.settings()?) else {
            continue;
        };
        let (volunteer, group, unit, recipient, placement) = columns_of(subject(row.subject_id));
        made += diesel::insert_into(follow_ups::table)
            .values((
                f::municipality_id.eq(row.municipality_id),
                f::id.eq(FollowUpId::generate().into_uuid()),
                f::volunteer_id.eq(volunteer),
                f::group_id.eq(group),
                f::unit_id.eq(unit),
                f::recipient_id.eq(recipient),
                f::placement_id.eq(placement),
                f::purpose.eq(purpose.as_str()),
                f::channel.eq(ContactChannel::Phone.as_str()),
                f::due_on.eq(due_on),
                f::assignee_id.eq(row.assignee_id),
                f::source.eq(FollowUpSource::Plan.as_str()),
            ))
            .on_conflict_do_nothing()
            .execute(conn)?;
    }
    Ok(made)
}

/// Keeps the scheduled follow-ups in step with what they are about: the plan's own are
/// cancelled once their subject left the plan (a volunteer no longer approved, a placement
/// ended, a unit without active placements), and a volunteer's follow-ups held by a contact
/// person who is no longer theirs go to their current contact person (or to nobody).
fn tidy(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<usize, RepoError> {
    let cancelled = diesel::sql_query(
        "UPDATE follow_ups f SET status = 'cancelled', closed_at = $1, version = f.version + 1 \
         WHERE f.status = 'scheduled' AND f.source = 'plan' AND ( \
           (f.volunteer_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM volunteers v \
              WHERE v.municipality_id = f.municipality_id AND v.id = f.volunteer_id \
                AND v.status = 'approved' AND v.erased_at IS NULL)) \
           OR (f.placement_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM placements p \
              WHERE p.municipality_id = f.municipality_id AND p.id = f.placement_id \
                AND p.status IN ('active', 'paused', 'suspended'))) \
           OR (f.unit_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM placements p \
              WHERE p.municipality_id = f.municipality_id AND p.unit_id = f.unit_id \
                AND p.status = 'active')))",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(now)
    .execute(conn)?;
    let moved = diesel::sql_query(format!(
        "UPDATE follow_ups f SET assignee_id = {CONTACT_LOGIN}, version = f.version + 1 \
         FROM volunteers v, staff_users su \
         WHERE f.municipality_id = v.municipality_id AND f.volunteer_id = v.id \
           AND f.status = 'scheduled' AND su.id = f.assignee_id AND su.role = 'contact_person' \
           AND f.assignee_id IS DISTINCT FROM {CONTACT_LOGIN}"
    ))
    .execute(conn)?;
    Ok(cancelled + moved)
}

/// Makes the follow-ups the municipalities' plans call for at `now`, at most `batch` of each
/// kind, and returns how many (with those [`tidy`] cancelled or handed on): an intro for each volunteer approved lately who has none, a
/// review of each new placement whose first visit has come, and the next periodic follow-up
/// of each approved volunteer and each unit with active placements that has none scheduled.
/// Running it again makes nothing twice (unique indexes say so, also across instances).
pub fn plan(conn: &mut PgConnection, now: DateTime<Utc>, batch: i64) -> Result<usize, RepoError> {
    let today = now.date_naive();
    Ok(tidy(conn, now)?
        + plan_intros(conn, today, batch)?
        + plan_reviews(conn, today, batch)?
        + plan_volunteers(conn, today, batch)?
        + plan_units(conn, batch)?)
}

fn plan_intros(conn: &mut PgConnection, today: NaiveDate, batch: i64) -> Result<usize, RepoError> {
    let new_since = today - Days::new(NEW_VOLUNTEER_DAYS);
    let rows: Vec<Planned> = diesel::sql_query(format!(
        "SELECT v.municipality_id, v.id AS subject_id, m.settings, (a.changed_at AT TIME ZONE 'UTC')::date AS since, \
           coalesce({CONTACT_LOGIN}, {APPROVER_LOGIN}) AS assignee_id \
         FROM volunteers v JOIN municipalities m ON m.id = v.municipality_id {FIRST_APPROVAL} \
         WHERE v.status = 'approved' AND v.erased_at IS NULL AND (a.changed_at AT TIME ZONE 'UTC')::date >= $1 \
           AND NOT EXISTS (SELECT 1 FROM follow_ups f WHERE f.municipality_id = v.municipality_id \
             AND f.volunteer_id = v.id AND f.source = 'plan' AND f.purpose = 'intro') \
         ORDER BY v.municipality_id, v.id LIMIT $2"
    ))
    .bind::<Date, _>(new_since)
    .bind::<diesel::sql_types::BigInt, _>(batch)
    .load(conn)?;
    store_planned(
        conn,
        rows,
        FollowUpPurpose::Intro,
        |id| FollowUpSubject::Volunteer(id.into()),
        |row, settings| intro_due(row.since, settings.intro_follow_up_days, today),
    )
}

fn plan_reviews(conn: &mut PgConnection, today: NaiveDate, batch: i64) -> Result<usize, RepoError> {
    let new_since = today - Days::new(NEW_PLACEMENT_DAYS);
    let rows: Vec<Planned> = diesel::sql_query(
        "SELECT p.municipality_id, p.id AS subject_id, m.settings, fv.first_on AS since, \
           (SELECT su.id FROM staff_users su WHERE su.id = p.coordinator_id AND su.active) AS assignee_id \
         FROM placements p JOIN municipalities m ON m.id = p.municipality_id \
         JOIN LATERAL (SELECT min(x.local_date) AS first_on FROM visits x \
           WHERE x.municipality_id = p.municipality_id AND x.placement_id = p.id \
             AND x.status <> 'cancelled') fv ON true \
         WHERE p.status IN ('active', 'paused', 'suspended') \
           AND fv.first_on BETWEEN $1 AND $2 \
           AND NOT EXISTS (SELECT 1 FROM follow_ups f WHERE f.municipality_id = p.municipality_id \
             AND f.placement_id = p.id AND f.source = 'plan' AND f.purpose = 'first_visit_review') \
         ORDER BY p.municipality_id, p.id LIMIT $3",
    )
    .bind::<Date, _>(new_since)
    .bind::<Date, _>(today)
    .bind::<diesel::sql_types::BigInt, _>(batch)
    .load(conn)?;
    store_planned(
        conn,
        rows,
        FollowUpPurpose::FirstVisitReview,
        |id| FollowUpSubject::Placement(id.into()),
        |row, settings| first_visit_review_due(row.since, settings.first_visit_review_days, today),
    )
}

fn plan_volunteers(
    conn: &mut PgConnection,
    today: NaiveDate,
    batch: i64,
) -> Result<usize, RepoError> {
    // A new volunteer's first follow-up is the intro: the periodic ones wait for it, also
    // when more were approved than one run's batch of intros.
    let new_since = today - Days::new(NEW_VOLUNTEER_DAYS);
    let rows: Vec<Planned> = diesel::sql_query(format!(
        "SELECT v.municipality_id, v.id AS subject_id, m.settings, \
           greatest((coalesce(a.changed_at, v.created_at) AT TIME ZONE 'UTC')::date, {last}, \
             {cancelled}) AS since, \
           {CONTACT_LOGIN} AS assignee_id \
         FROM volunteers v JOIN municipalities m ON m.id = v.municipality_id \
         LEFT {APPROVAL} \
         LEFT JOIN LATERAL (SELECT min(h.changed_at) AS first_at FROM volunteer_status_changes h \
           WHERE h.volunteer_id = v.id AND h.to_status = 'approved') fa ON true \
         WHERE v.status = 'approved' AND v.erased_at IS NULL \
           AND NOT EXISTS (SELECT 1 FROM follow_ups f WHERE f.municipality_id = v.municipality_id \
             AND f.volunteer_id = v.id AND f.status = 'scheduled') \
           AND (fa.first_at IS NULL OR (fa.first_at AT TIME ZONE 'UTC')::date < $2 \
             OR EXISTS (SELECT 1 FROM follow_ups f WHERE f.municipality_id = v.municipality_id \
               AND f.volunteer_id = v.id AND f.source = 'plan' AND f.purpose = 'intro')) \
         ORDER BY v.municipality_id, v.id LIMIT $1",
        last = last_contact("volunteer_id", "v"),
        cancelled = last_cancelled("volunteer_id", "v"),
    ))
    .bind::<diesel::sql_types::BigInt, _>(batch)
    .bind::<Date, _>(new_since)
    .load(conn)?;
    store_planned(
        conn,
        rows,
        FollowUpPurpose::Periodic,
        |id| FollowUpSubject::Volunteer(id.into()),
        |row, settings| Some(periodic_due(row.since, settings.follow_up_interval_days)),
    )
}

fn plan_units(conn: &mut PgConnection, batch: i64) -> Result<usize, RepoError> {
    let rows: Vec<Planned> = diesel::sql_query(format!(
        "SELECT u.municipality_id, u.id AS subject_id, m.settings, \
           greatest(fp.first_on, {last}, {cancelled}) AS since, NULL::uuid AS assignee_id \
         FROM units u JOIN municipalities m ON m.id = u.municipality_id \
         JOIN LATERAL (SELECT min(p.starts_on) AS first_on FROM placements p \
           WHERE p.municipality_id = u.municipality_id AND p.unit_id = u.id \
             AND p.status = 'active') fp ON fp.first_on IS NOT NULL \
         WHERE NOT EXISTS (SELECT 1 FROM follow_ups f WHERE f.municipality_id = u.municipality_id \
             AND f.unit_id = u.id AND f.status = 'scheduled') \
         ORDER BY u.municipality_id, u.id LIMIT $1",
        last = last_contact("unit_id", "u"),
        cancelled = last_cancelled("unit_id", "u"),
    ))
    .bind::<diesel::sql_types::BigInt, _>(batch)
    .load(conn)?;
    store_planned(
        conn,
        rows,
        FollowUpPurpose::Periodic,
        |id| FollowUpSubject::Unit(id.into()),
        |row, settings| {
            Some(periodic_due(
                row.since,
                settings.unit_follow_up_interval_days,
            ))
        },
    )
}

// --- The work list --------------------------------------------------------------------------

/// The scheduled follow-ups of `municipality` due before `today`.
pub fn overdue(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    today: NaiveDate,
) -> Result<Vec<FollowUp>, RepoError> {
    f::follow_ups
        .filter(f::municipality_id.eq(municipality.into_uuid()))
        .filter(f::status.eq(FollowUpStatus::Scheduled.as_str()))
        .filter(f::due_on.lt(today))
        .select(FollowUpRow::as_select())
        .load::<FollowUpRow>(conn)?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

/// An approved volunteer and the last day anyone reached them.
#[derive(Debug, Clone, QueryableByName)]
pub struct LastContact {
    /// The volunteer.
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    /// Their name.
    #[diesel(sql_type = Text)]
    pub name: String,
    /// Their contact person's account, if active.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub assignee_id: Option<Uuid>,
    /// The last day anyone reached them; before any contact, the day they were approved.
    #[diesel(sql_type = Date)]
    pub since: NaiveDate,
}

/// Each approved volunteer of `municipality` and the last day anyone reached them.
pub fn last_contacts(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
) -> Result<Vec<LastContact>, RepoError> {
    Ok(diesel::sql_query(format!(
        "SELECT v.id, v.given_name || ' ' || v.family_name AS name, {CONTACT_LOGIN} AS assignee_id, \
           greatest((coalesce(a.changed_at, v.created_at) AT TIME ZONE 'UTC')::date, {last}) AS since \
         FROM volunteers v LEFT {APPROVAL} \
         WHERE v.municipality_id = $1 AND v.status = 'approved' AND v.erased_at IS NULL",
        last = last_contact("volunteer_id", "v"),
    ))
    .bind::<SqlUuid, _>(municipality.into_uuid())
    .load(conn)?)
}

// --- Telling other systems ------------------------------------------------------------------

/// Writes a `follow_up.overdue` event for up to `batch` scheduled follow-ups whose due date is
/// before `today` and which have not been announced for that due date (a follow-up moved to a
/// later date and missed again is announced again). Returns how many.
pub fn announce_overdue(
    conn: &mut PgConnection,
    today: NaiveDate,
    batch: i64,
) -> Result<usize, RepoError> {
    use crate::schema::follow_up_overdue_events::{self as announced, dsl as x};
    let due: Vec<FollowUp> = f::follow_ups
        .filter(f::status.eq(FollowUpStatus::Scheduled.as_str()))
        .filter(f::due_on.lt(today))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            x::follow_up_overdue_events
                .filter(x::municipality_id.eq(f::municipality_id))
                .filter(x::follow_up_id.eq(f::id))
                .filter(x::due_on.eq(f::due_on)),
        )))
        .order((f::due_on.asc(), f::id.asc()))
        .limit(batch)
        .for_update()
        .skip_locked()
        .select(FollowUpRow::as_select())
        .load::<FollowUpRow>(conn)?
        .into_iter()
        .map(TryInto::try_into)
        .collect::<Result<_, _>>()?;
    let events: Vec<Event> = due
        .iter()
        .map(|follow_up| Event::FollowUpOverdue {
            municipality_id: follow_up.municipality_id,
            follow_up_id: follow_up.id,
            subject_kind: follow_up.subject.kind().as_str(),
            subject_id: follow_up.subject.id(),
            due_on: follow_up.due_on,
            assignee_id: follow_up.assignee_id,
        })
        .collect();
    if events.is_empty() {
        return Ok(0);
    }
    let ids = crate::outbox::emit_all(conn, &events)?;
    let rows: Vec<_> = due
        .iter()
        .zip(ids)
        .map(|(follow_up, event)| {
            (
                x::municipality_id.eq(follow_up.municipality_id.into_uuid()),
                x::follow_up_id.eq(follow_up.id.into_uuid()),
                x::due_on.eq(follow_up.due_on),
                x::event_id.eq(event.into_uuid()),
            )
        })
        .collect();
    diesel::insert_into(announced::table)
        .values(rows)
        .execute(conn)?;
    Ok(due.len())
}

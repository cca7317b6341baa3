//! Events for volunteers: the events, their sessions, the invitations and answers (with the
//! waiting list), attendance per session, and training credentials.

use crate::{
    error::{RepoError, corrupt},
    page::{Page, PageRequest},
    schema::{
        event_attendance::{self, dsl as a},
        event_invitations::{self, dsl as i},
        event_sessions::{self, dsl as s},
        events::{self, dsl as e},
        staff_users::dsl as su,
        training_credentials::{self, dsl as tc},
        volunteers::dsl as v,
    },
};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::{
    pg::Pg,
    prelude::*,
    sql_types::{Array, Uuid as SqlUuid},
};
use samspill_domain::{
    ParseError,
    event::{
        Attendance, AttendanceStatus, EventAudience, EventKind, EventSession, EventStatus,
        Invitation, InvitationStatus, Invitee, SessionDraft, TrainingCredential, TrainingGrant,
        VolunteerEvent,
    },
    ids::{
        EventSessionId, InvitationId, MunicipalityId, StaffUserId, TrainingCredentialId,
        VolunteerEventId, VolunteerId,
    },
    user::Role,
    volunteer::VolunteerStatus,
};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Queryable, Selectable)]
#[diesel(table_name = events, check_for_backend(Pg))]
struct EventRow {
    municipality_id: Uuid,
    id: Uuid,
    kind: String,
    title: String,
    description: Option<String>,
    status: String,
    capacity: Option<i32>,
    registration_opens_at: Option<DateTime<Utc>>,
    registration_closes_at: Option<DateTime<Utc>>,
    invite_all_approved: bool,
    invite_staff: bool,
    invite_unit_ids: Vec<Option<Uuid>>,
    invite_volunteer_ids: Vec<Option<Uuid>>,
    invite_group_ids: Vec<Option<Uuid>>,
    grants_training: Option<String>,
    grant_mode: Option<String>,
    grant_validity_months: Option<i16>,
    credentials_granted_at: Option<DateTime<Utc>>,
    credentials_granted_by: Option<Uuid>,
    created_by: Option<Uuid>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

fn ids<T: From<Uuid>>(raw: Vec<Option<Uuid>>) -> Vec<T> {
    raw.into_iter().flatten().map(T::from).collect()
}

impl TryFrom<EventRow> for VolunteerEvent {
    type Error = RepoError;

    fn try_from(row: EventRow) -> Result<Self, RepoError> {
        let grant = match (row.grants_training, row.grant_mode) {
            (Some(training), Some(mode)) => Some(TrainingGrant {
                training,
                mode: mode.parse().map_err(|e| corrupt("grant mode", e))?,
                validity_months: row
                    .grant_validity_months
                    .map(|m| u16::try_from(m).map_err(|_| corrupt("grant validity", m)))
                    .transpose()?,
            }),
            _ => None,
        };
        Ok(VolunteerEvent {
            id: row.id.into(),
            municipality_id: row.municipality_id.into(),
            kind: row.kind.parse().map_err(|e| corrupt("event kind", e))?,
            title: row.title,
            description: row.description,
            status: row.status.parse().map_err(|e| corrupt("event status", e))?,
            capacity: row.capacity,
            registration_opens_at: row.registration_opens_at,
            registration_closes_at: row.registration_closes_at,
            audience: EventAudience {
                all_approved: row.invite_all_approved,
                staff: row.invite_staff,
                unit_ids: ids(row.invite_unit_ids),
                volunteer_ids: ids(row.invite_volunteer_ids),
                group_ids: ids(row.invite_group_ids),
            },
            grant,
            credentials_granted_at: row.credentials_granted_at,
            credentials_granted_by: row.credentials_granted_by.map(Into::into),
            created_by: row.created_by.map(Into::into),
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// What an event says, checked by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDraft {
    /// What kind.
    pub kind: EventKind,
    /// Its title.
    pub title: String,
    /// What it is about.
    pub description: Option<String>,
    /// Places, in seats.
    pub capacity: Option<i32>,
    /// Answers are taken from then.
    pub registration_opens_at: Option<DateTime<Utc>>,
    /// Answers are taken until then.
    pub registration_closes_at: Option<DateTime<Utc>>,
    /// Who is invited.
    pub audience: EventAudience,
    /// What a theme training grants.
    pub grant: Option<TrainingGrant>,
}

impl EventDraft {
    /// The draft of a stored event, to change some of it.
    pub fn of(event: &VolunteerEvent) -> Self {
        Self {
            kind: event.kind,
            title: event.title.clone(),
            description: event.description.clone(),
            capacity: event.capacity,
            registration_opens_at: event.registration_opens_at,
            registration_closes_at: event.registration_closes_at,
            audience: event.audience.clone(),
            grant: event.grant.clone(),
        }
    }
}

#[derive(AsChangeset, Insertable)]
#[diesel(table_name = events, check_for_backend(Pg), treat_none_as_null = true)]
struct DraftRow<'a> {
    kind: &'static str,
    title: &'a str,
    description: Option<&'a str>,
    capacity: Option<i32>,
    registration_opens_at: Option<DateTime<Utc>>,
    registration_closes_at: Option<DateTime<Utc>>,
    invite_all_approved: bool,
    invite_staff: bool,
    invite_unit_ids: Vec<Uuid>,
    invite_volunteer_ids: Vec<Uuid>,
    invite_group_ids: Vec<Uuid>,
    grants_training: Option<&'a str>,
    grant_mode: Option<&'static str>,
    grant_validity_months: Option<i16>,
}

impl<'a> From<&'a EventDraft> for DraftRow<'a> {
    fn from(d: &'a EventDraft) -> Self {
        Self {
            kind: d.kind.as_str(),
            title: &d.title,
            description: d.description.as_deref(),
            capacity: d.capacity,
            registration_opens_at: d.registration_opens_at,
            registration_closes_at: d.registration_closes_at,
            invite_all_approved: d.audience.all_approved,
            invite_staff: d.audience.staff,
            invite_unit_ids: d.audience.unit_ids.iter().map(|u| u.into_uuid()).collect(),
            invite_volunteer_ids: d
                .audience
                .volunteer_ids
                .iter()
                .map(|u| u.into_uuid())
                .collect(),
            invite_group_ids: d.audience.group_ids.iter().map(|u| u.into_uuid()).collect(),
            grants_training: d.grant.as_ref().map(|g| g.training.as_str()),
            grant_mode: d.grant.as_ref().map(|g| g.mode.as_str()),
            grant_validity_months: d
                .grant
                .as_ref()
                .and_then(|g| g.validity_months)
                .map(|m| i16::try_from(m).unwrap_or(i16::MAX)),
        }
    }
}

/// Stores a new draft event with its sessions.
pub fn insert(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    draft: &EventDraft,
    sessions: &[SessionDraft],
    created_by: StaffUserId,
    at: DateTime<Utc>,
) -> Result<VolunteerEvent, RepoError> {
    let id = VolunteerEventId::generate();
    let event: VolunteerEvent = diesel::insert_into(events::table)
        .values((
            e::municipality_id.eq(municipality.into_uuid()),
            e::id.eq(id.into_uuid()),
            e::created_by.eq(created_by.into_uuid()),
            e::created_at.eq(at),
            e::updated_at.eq(at),
            DraftRow::from(draft),
        ))
        .returning(EventRow::as_returning())
        .get_result::<EventRow>(conn)?
        .try_into()?;
    replace_sessions(conn, &event, sessions)?;
    Ok(event)
}

/// Writes `draft` over a stored event, raising its version.
pub fn update_draft(
    conn: &mut PgConnection,
    current: &VolunteerEvent,
    draft: &EventDraft,
) -> Result<VolunteerEvent, RepoError> {
    diesel::update(key(current.municipality_id, current.id))
        .set((DraftRow::from(draft), e::version.eq(e::version + 1)))
        .returning(EventRow::as_returning())
        .get_result::<EventRow>(conn)?
        .try_into()
}

type EventKey = diesel::dsl::Filter<
    diesel::dsl::Filter<events::table, diesel::dsl::Eq<e::municipality_id, Uuid>>,
    diesel::dsl::Eq<e::id, Uuid>,
>;

fn key(municipality: MunicipalityId, id: VolunteerEventId) -> EventKey {
    e::events
        .filter(e::municipality_id.eq(municipality.into_uuid()))
        .filter(e::id.eq(id.into_uuid()))
}

/// Replaces an event's sessions (a draft's, before anybody answered or attended).
pub fn replace_sessions(
    conn: &mut PgConnection,
    event: &VolunteerEvent,
    sessions: &[SessionDraft],
) -> Result<(), RepoError> {
    let m = event.municipality_id.into_uuid();
    diesel::delete(
        s::event_sessions
            .filter(s::municipality_id.eq(m))
            .filter(s::event_id.eq(event.id.into_uuid())),
    )
    .execute(conn)?;
    let rows: Vec<_> = sessions
        .iter()
        .enumerate()
        .map(|(n, d)| {
            (
                s::municipality_id.eq(m),
                s::id.eq(EventSessionId::generate().into_uuid()),
                s::event_id.eq(event.id.into_uuid()),
                s::position.eq(i16::try_from(n + 1).unwrap_or(i16::MAX)),
                s::starts_at.eq(d.starts_at),
                s::ends_at.eq(d.ends_at),
                s::place.eq(d.place.as_str()),
            )
        })
        .collect();
    diesel::insert_into(event_sessions::table)
        .values(rows)
        .execute(conn)?;
    Ok(())
}

/// Sets an event's status (and, when granting, who granted its credentials), raising its
/// version.
pub fn set_status(
    conn: &mut PgConnection,
    current: &VolunteerEvent,
    status: EventStatus,
) -> Result<VolunteerEvent, RepoError> {
    diesel::update(key(current.municipality_id, current.id))
        .set((e::status.eq(status.as_str()), e::version.eq(e::version + 1)))
        .returning(EventRow::as_returning())
        .get_result::<EventRow>(conn)?
        .try_into()
}

/// Marks a closed theme training's credentials as granted.
pub fn mark_granted(
    conn: &mut PgConnection,
    current: &VolunteerEvent,
    by: StaffUserId,
    at: DateTime<Utc>,
) -> Result<VolunteerEvent, RepoError> {
    diesel::update(key(current.municipality_id, current.id))
        .set((
            e::credentials_granted_at.eq(at),
            e::credentials_granted_by.eq(by.into_uuid()),
            e::version.eq(e::version + 1),
        ))
        .returning(EventRow::as_returning())
        .get_result::<EventRow>(conn)?
        .try_into()
}

/// Raises an event's version without another change (its invitations or attendance changed).
pub fn touch(conn: &mut PgConnection, current: &VolunteerEvent) -> Result<(), RepoError> {
    diesel::update(key(current.municipality_id, current.id))
        .set(e::version.eq(e::version + 1))
        .execute(conn)?;
    Ok(())
}

/// One event of the municipality.
pub fn find(
    conn: &mut PgConnection,
    municipality: Option<MunicipalityId>,
    id: VolunteerEventId,
) -> Result<VolunteerEvent, RepoError> {
    let mut query = e::events.into_boxed().filter(e::id.eq(id.into_uuid()));
    if let Some(m) = municipality {
        query = query.filter(e::municipality_id.eq(m.into_uuid()));
    }
    query
        .select(EventRow::as_select())
        .first::<EventRow>(conn)?
        .try_into()
}

/// One event, locked until the transaction ends: answers, attendance and status changes of
/// one event take turns.
pub fn locked(
    conn: &mut PgConnection,
    municipality: Option<MunicipalityId>,
    id: VolunteerEventId,
) -> Result<VolunteerEvent, RepoError> {
    let found = find(conn, municipality, id)?;
    key(found.municipality_id, found.id)
        .select(EventRow::as_select())
        .for_update()
        .first::<EventRow>(conn)?
        .try_into()
}

/// The closed theme trainings of `municipality` whose credentials are not granted yet.
pub fn awaiting_grant(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
) -> Result<Vec<VolunteerEvent>, RepoError> {
    e::events
        .filter(e::municipality_id.eq(municipality.into_uuid()))
        .filter(e::status.eq(EventStatus::Closed.as_str()))
        .filter(e::grants_training.is_not_null())
        .filter(e::credentials_granted_at.is_null())
        .order(e::id.asc())
        .select(EventRow::as_select())
        .load::<EventRow>(conn)?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

/// The active coordinators and contact persons of `municipality` among `ids`.
pub fn staff_of(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, RepoError> {
    Ok(su::staff_users
        .filter(su::municipality_id.eq(municipality.into_uuid()))
        .filter(su::active.eq(true))
        .filter(su::role.eq_any([Role::Coordinator.as_str(), Role::ContactPerson.as_str()]))
        .filter(su::id.eq_any(ids))
        .select(su::id)
        .load(conn)?)
}

/// What lists of events are filtered by.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only this municipality's (administrators).
    pub municipality_id: Option<MunicipalityId>,
    /// Only of this kind.
    pub kind: Option<EventKind>,
    /// Only in this status.
    pub status: Option<EventStatus>,
    /// Only those granting this training.
    pub training: Option<String>,
}

/// A page of events in id order.
pub fn list(
    conn: &mut PgConnection,
    municipality: Option<MunicipalityId>,
    filter: &EventFilter,
    page: PageRequest,
) -> Result<Page<VolunteerEvent>, RepoError> {
    let mut query = e::events.into_boxed();
    if let Some(m) = municipality.or(filter.municipality_id) {
        query = query.filter(e::municipality_id.eq(m.into_uuid()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(e::kind.eq(kind.as_str()));
    }
    if let Some(status) = filter.status {
        query = query.filter(e::status.eq(status.as_str()));
    }
    if let Some(training) = &filter.training {
        query = query.filter(e::grants_training.eq(training.clone()));
    }
    if let Some(after) = page.after {
        query = query.filter(e::id.gt(after));
    }
    let rows = query
        .order(e::id.asc())
        .limit(page.limit + 1)
        .select(EventRow::as_select())
        .load(conn)?;
    Page::from_rows(rows, page.limit, |r| r.id).try_map(VolunteerEvent::try_from)
}

type SessionRow = (Uuid, Uuid, i16, DateTime<Utc>, DateTime<Utc>, String);

/// The sessions of `events` (of one municipality), in order, by event.
pub fn sessions_of(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    events: &[VolunteerEventId],
) -> Result<HashMap<VolunteerEventId, Vec<EventSession>>, RepoError> {
    let ids: Vec<Uuid> = events.iter().map(|e| e.into_uuid()).collect();
    let rows: Vec<SessionRow> = s::event_sessions
        .filter(s::municipality_id.eq(municipality.into_uuid()))
        .filter(s::event_id.eq_any(ids))
        .order((s::event_id, s::position))
        .select((
            s::event_id,
            s::id,
            s::position,
            s::starts_at,
            s::ends_at,
            s::place,
        ))
        .load(conn)?;
    let mut found: HashMap<VolunteerEventId, Vec<EventSession>> = HashMap::new();
    for (event, id, position, starts_at, ends_at, place) in rows {
        found.entry(event.into()).or_default().push(EventSession {
            id: id.into(),
            position,
            starts_at,
            ends_at,
            place,
        });
    }
    Ok(found)
}

/// How an event's invitations stand: seats taken by those registered, and how many
/// invitations are in each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InvitationCounts {
    /// Seats taken by those registered.
    pub seats_taken: i64,
    /// Not answered.
    pub invited: i64,
    /// Registered.
    pub registered: i64,
    /// On the waiting list.
    pub waitlisted: i64,
    /// Declined.
    pub declined: i64,
}

/// The invitation counts of `events` (of one municipality), by event.
pub fn counts_of(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    events: &[VolunteerEventId],
) -> Result<HashMap<VolunteerEventId, InvitationCounts>, RepoError> {
    let ids: Vec<Uuid> = events.iter().map(|e| e.into_uuid()).collect();
    let rows: Vec<(Uuid, String, i64, Option<i64>)> = i::event_invitations
        .filter(i::municipality_id.eq(municipality.into_uuid()))
        .filter(i::event_id.eq_any(ids))
        .group_by((i::event_id, i::status))
        .select((
            i::event_id,
            i::status,
            diesel::dsl::count_star(),
            diesel::dsl::sum(i::seats),
        ))
        .load(conn)?;
    let mut found: HashMap<VolunteerEventId, InvitationCounts> = HashMap::new();
    for (event, status, count, seats) in rows {
        let entry = found.entry(event.into()).or_default();
        match status
            .parse::<InvitationStatus>()
            .map_err(|e| corrupt("invitation status", e))?
        {
            InvitationStatus::Invited => entry.invited = count,
            InvitationStatus::Registered => {
                entry.registered = count;
                entry.seats_taken = seats.unwrap_or(0);
            }
            InvitationStatus::Waitlisted => entry.waitlisted = count,
            InvitationStatus::Declined => entry.declined = count,
        }
    }
    Ok(found)
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = event_invitations, check_for_backend(Pg))]
struct InvitationRow {
    municipality_id: Uuid,
    id: Uuid,
    event_id: Uuid,
    volunteer_id: Option<Uuid>,
    group_id: Option<Uuid>,
    staff_user_id: Option<Uuid>,
    status: String,
    seats: i32,
    answered_at: Option<DateTime<Utc>>,
    answered_by: Option<Uuid>,
    waitlisted_at: Option<DateTime<Utc>>,
    version: i32,
    created_at: DateTime<Utc>,
}

impl TryFrom<InvitationRow> for Invitation {
    type Error = RepoError;

    fn try_from(row: InvitationRow) -> Result<Self, RepoError> {
        let invitee = match (row.volunteer_id, row.group_id, row.staff_user_id) {
            (Some(v), None, None) => Invitee::Volunteer(v.into()),
            (None, Some(g), None) => Invitee::Group(g.into()),
            (None, None, Some(s)) => Invitee::Staff(s.into()),
            _ => return Err(corrupt("invitation", "not exactly one invitee")),
        };
        Ok(Invitation {
            id: row.id.into(),
            municipality_id: row.municipality_id.into(),
            event_id: row.event_id.into(),
            invitee,
            status: row
                .status
                .parse()
                .map_err(|e| corrupt("invitation status", e))?,
            seats: row.seats,
            answered_at: row.answered_at,
            answered_by: row.answered_by.map(Into::into),
            waitlisted_at: row.waitlisted_at,
            version: row.version,
            created_at: row.created_at,
        })
    }
}

/// Everyone `audience` names in `municipality` at this moment: the approved volunteers (all,
/// or of the units named and the units below them), the volunteers named (not erased), the
/// groups named, and the active coordinators and contact persons with an account.
pub fn audience_invitees(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    audience: &EventAudience,
) -> Result<Vec<Invitee>, RepoError> {
    let m = municipality.into_uuid();
    let mut found: Vec<Invitee> = Vec::new();
    if audience.all_approved || !audience.unit_ids.is_empty() {
        #[derive(QueryableByName)]
        struct Id {
            #[diesel(sql_type = SqlUuid)]
            id: Uuid,
        }
        let units: Vec<Uuid> = audience.unit_ids.iter().map(|u| u.into_uuid()).collect();
        let rows: Vec<Id> = diesel::sql_query(
            "WITH RECURSIVE below (id) AS ( \
                 SELECT id FROM units WHERE municipality_id = $1 AND id = ANY($3) \
                 UNION SELECT u.id FROM units u JOIN below b ON u.parent_id = b.id \
             ) \
             SELECT v.id FROM volunteers v \
              WHERE v.municipality_id = $1 AND v.erased_at IS NULL AND v.status = 'approved' \
                AND ($2 OR v.home_unit_id IN (SELECT id FROM below)) \
              ORDER BY v.id",
        )
        .bind::<SqlUuid, _>(m)
        .bind::<diesel::sql_types::Bool, _>(audience.all_approved)
        .bind::<Array<SqlUuid>, _>(units)
        .load(conn)?;
        found.extend(rows.into_iter().map(|r| Invitee::Volunteer(r.id.into())));
    }
    if !audience.volunteer_ids.is_empty() {
        let named: Vec<Uuid> = v::volunteers
            .filter(v::municipality_id.eq(m))
            .filter(v::erased_at.is_null())
            .filter(v::id.eq_any(audience.volunteer_ids.iter().map(|v| v.into_uuid())))
            .select(v::id)
            .load(conn)?;
        found.extend(named.into_iter().map(|id| Invitee::Volunteer(id.into())));
    }
    found.extend(audience.group_ids.iter().map(|g| Invitee::Group(*g)));
    if audience.staff {
        let staff: Vec<Uuid> = su::staff_users
            .filter(su::municipality_id.eq(m))
            .filter(su::active.eq(true))
            .filter(su::role.eq_any([Role::Coordinator.as_str(), Role::ContactPerson.as_str()]))
            .select(su::id)
            .load(conn)?;
        found.extend(staff.into_iter().map(|id| Invitee::Staff(id.into())));
    }
    let mut seen = std::collections::HashSet::new();
    found.retain(|invitee| seen.insert(*invitee));
    Ok(found)
}

/// Names the field of a reference that does not exist in the municipality.
fn invitee_fields(error: diesel::result::Error) -> RepoError {
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
            "event_invitations_volunteer_fkey" => field("volunteer_ids", "volunteer"),
            "event_invitations_group_fkey" => field("group_ids", "group"),
            "event_invitations_staff_fkey" => field("staff_user_ids", "staff account"),
            _ => RepoError::Reference { constraint },
        },
        other => other,
    }
}

/// Invites `invitees` to `event` (those already invited are left as they are); returns how
/// many were new.
pub fn invite(
    conn: &mut PgConnection,
    event: &VolunteerEvent,
    invitees: &[Invitee],
    at: DateTime<Utc>,
) -> Result<usize, RepoError> {
    let m = event.municipality_id.into_uuid();
    let mut added = 0;
    for chunk in invitees.chunks(1000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|invitee| {
                let (volunteer, group, staff) = match *invitee {
                    Invitee::Volunteer(id) => (Some(id.into_uuid()), None, None),
                    Invitee::Group(id) => (None, Some(id.into_uuid()), None),
                    Invitee::Staff(id) => (None, None, Some(id.into_uuid())),
                };
                (
                    i::municipality_id.eq(m),
                    i::id.eq(InvitationId::generate().into_uuid()),
                    i::event_id.eq(event.id.into_uuid()),
                    i::volunteer_id.eq(volunteer),
                    i::group_id.eq(group),
                    i::staff_user_id.eq(staff),
                    i::created_at.eq(at),
                )
            })
            .collect();
        added += diesel::insert_into(event_invitations::table)
            .values(rows)
            .on_conflict_do_nothing()
            .execute(conn)
            .map_err(invitee_fields)?;
    }
    Ok(added)
}

/// What lists of invitations are filtered by.
#[derive(Debug, Clone, Default)]
pub struct InvitationFilter {
    /// Only in this status.
    pub status: Option<InvitationStatus>,
}

/// A page of an event's invitations in id order.
pub fn invitations(
    conn: &mut PgConnection,
    event: &VolunteerEvent,
    filter: &InvitationFilter,
    page: PageRequest,
) -> Result<Page<Invitation>, RepoError> {
    let mut query = i::event_invitations
        .into_boxed()
        .filter(i::municipality_id.eq(event.municipality_id.into_uuid()))
        .filter(i::event_id.eq(event.id.into_uuid()));
    if let Some(status) = filter.status {
        query = query.filter(i::status.eq(status.as_str()));
    }
    if let Some(after) = page.after {
        query = query.filter(i::id.gt(after));
    }
    let rows = query
        .order(i::id.asc())
        .limit(page.limit + 1)
        .select(InvitationRow::as_select())
        .load(conn)?;
    Page::from_rows(rows, page.limit, |r| r.id).try_map(Invitation::try_from)
}

/// The invitations of an event in `status`, in id order (all of them).
pub fn invitations_in(
    conn: &mut PgConnection,
    event: &VolunteerEvent,
    status: InvitationStatus,
) -> Result<Vec<Invitation>, RepoError> {
    i::event_invitations
        .filter(i::municipality_id.eq(event.municipality_id.into_uuid()))
        .filter(i::event_id.eq(event.id.into_uuid()))
        .filter(i::status.eq(status.as_str()))
        .order(i::id.asc())
        .select(InvitationRow::as_select())
        .load::<InvitationRow>(conn)?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

/// One invitation of an event.
pub fn invitation(
    conn: &mut PgConnection,
    event: &VolunteerEvent,
    id: InvitationId,
) -> Result<Invitation, RepoError> {
    i::event_invitations
        .filter(i::municipality_id.eq(event.municipality_id.into_uuid()))
        .filter(i::event_id.eq(event.id.into_uuid()))
        .filter(i::id.eq(id.into_uuid()))
        .select(InvitationRow::as_select())
        .first::<InvitationRow>(conn)?
        .try_into()
}

/// The waiting list of an event, first come first: (invitation, seats).
pub fn waiting(
    conn: &mut PgConnection,
    event: &VolunteerEvent,
) -> Result<Vec<(InvitationId, i32)>, RepoError> {
    let rows: Vec<(Uuid, i32)> = i::event_invitations
        .filter(i::municipality_id.eq(event.municipality_id.into_uuid()))
        .filter(i::event_id.eq(event.id.into_uuid()))
        .filter(i::status.eq(InvitationStatus::Waitlisted.as_str()))
        .order((i::waitlisted_at.asc(), i::id.asc()))
        .select((i::id, i::seats))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, seats)| (id.into(), seats))
        .collect())
}

/// An answer to store.
#[derive(Debug, Clone, Copy)]
pub struct AnswerChange {
    /// The new status.
    pub status: InvitationStatus,
    /// Seats.
    pub seats: i32,
    /// Who answered on the invitee's behalf, if someone did.
    pub answered_by: Option<StaffUserId>,
    /// When; also when it joined the waiting list, if it did.
    pub at: DateTime<Utc>,
    /// Whether it takes a new place at the end of the waiting list.
    pub requeue: bool,
}

/// Stores an answer, raising the invitation's version. Joining the waiting list keeps its
/// first place when the answer does not move it.
pub fn answer(
    conn: &mut PgConnection,
    current: &Invitation,
    change: AnswerChange,
) -> Result<Invitation, RepoError> {
    let waitlisted_at = match change.status {
        InvitationStatus::Waitlisted if change.requeue => Some(change.at),
        InvitationStatus::Waitlisted => Some(current.waitlisted_at.unwrap_or(change.at)),
        _ => None,
    };
    diesel::update(
        i::event_invitations
            .filter(i::municipality_id.eq(current.municipality_id.into_uuid()))
            .filter(i::id.eq(current.id.into_uuid())),
    )
    .set((
        i::status.eq(change.status.as_str()),
        i::seats.eq(change.seats),
        i::answered_at.eq(change.at),
        i::answered_by.eq(change.answered_by.map(StaffUserId::into_uuid)),
        i::waitlisted_at.eq(waitlisted_at),
        i::version.eq(i::version + 1),
    ))
    .returning(InvitationRow::as_returning())
    .get_result::<InvitationRow>(conn)?
    .try_into()
}

/// Moves invitations up from the waiting list to a place.
pub fn promote(
    conn: &mut PgConnection,
    event: &VolunteerEvent,
    ids: &[InvitationId],
) -> Result<(), RepoError> {
    if ids.is_empty() {
        return Ok(());
    }
    diesel::update(
        i::event_invitations
            .filter(i::municipality_id.eq(event.municipality_id.into_uuid()))
            .filter(i::event_id.eq(event.id.into_uuid()))
            .filter(i::id.eq_any(ids.iter().map(|i| i.into_uuid()))),
    )
    .set((
        i::status.eq(InvitationStatus::Registered.as_str()),
        i::waitlisted_at.eq(None::<DateTime<Utc>>),
        i::version.eq(i::version + 1),
    ))
    .execute(conn)?;
    Ok(())
}

/// What a signed-in person's invitations are: those of the volunteer record linked to the
/// account, and those of the account itself, to events that are not drafts.
/// The account's municipality keeps the search on the invitations' tenant indexes.
fn own_invitations(
    account: StaffUserId,
    municipality: Option<MunicipalityId>,
) -> event_invitations::BoxedQuery<'static, Pg> {
    let mut linked = v::volunteers
        .filter(v::staff_user_id.eq(account.into_uuid()))
        .filter(v::erased_at.is_null())
        .select(v::id.nullable())
        .into_boxed();
    let mut published = e::events
        .filter(e::status.ne(EventStatus::Draft.as_str()))
        .select(e::id)
        .into_boxed();
    let mut query = i::event_invitations.into_boxed();
    if let Some(m) = municipality {
        linked = linked.filter(v::municipality_id.eq(m.into_uuid()));
        published = published.filter(e::municipality_id.eq(m.into_uuid()));
        query = query.filter(i::municipality_id.eq(m.into_uuid()));
    }
    query
        .filter(
            i::volunteer_id
                .eq_any(linked)
                .or(i::staff_user_id.eq(account.into_uuid())),
        )
        .filter(i::event_id.eq_any(published))
}

/// A page of the invitations of the person signed in with `account`, in id order.
pub fn own(
    conn: &mut PgConnection,
    account: StaffUserId,
    municipality: Option<MunicipalityId>,
    page: PageRequest,
) -> Result<Page<Invitation>, RepoError> {
    let mut query = own_invitations(account, municipality);
    if let Some(after) = page.after {
        query = query.filter(i::id.gt(after));
    }
    let rows = query
        .order(i::id.asc())
        .limit(page.limit + 1)
        .select(InvitationRow::as_select())
        .load(conn)?;
    Page::from_rows(rows, page.limit, |r| r.id).try_map(Invitation::try_from)
}

/// The invitation of the person signed in with `account` to `event`, if they have one.
pub fn own_to(
    conn: &mut PgConnection,
    account: StaffUserId,
    municipality: Option<MunicipalityId>,
    event: VolunteerEventId,
) -> Result<Invitation, RepoError> {
    own_invitations(account, municipality)
        .filter(i::event_id.eq(event.into_uuid()))
        .select(InvitationRow::as_select())
        .first::<InvitationRow>(conn)?
        .try_into()
}

/// Events by id, of any municipality (for the invitations a person sees).
pub fn events_by_id(
    conn: &mut PgConnection,
    ids: &[VolunteerEventId],
) -> Result<HashMap<VolunteerEventId, VolunteerEvent>, RepoError> {
    let rows: Vec<EventRow> = e::events
        .filter(e::id.eq_any(ids.iter().map(|i| i.into_uuid())))
        .select(EventRow::as_select())
        .load(conn)?;
    rows.into_iter()
        .map(|r| VolunteerEvent::try_from(r).map(|ev| (ev.id, ev)))
        .collect()
}

/// Attendance to store for one session.
#[derive(Debug, Clone)]
pub struct AttendanceMark {
    /// The invitation.
    pub invitation_id: InvitationId,
    /// Came or not.
    pub status: AttendanceStatus,
    /// Why not, when excused.
    pub reason: Option<String>,
}

/// Records (or corrects) attendance at one session.
pub fn record_attendance(
    conn: &mut PgConnection,
    event: &VolunteerEvent,
    session: EventSessionId,
    marks: &[AttendanceMark],
    by: StaffUserId,
    at: DateTime<Utc>,
) -> Result<(), RepoError> {
    let m = event.municipality_id.into_uuid();
    for mark in marks {
        diesel::insert_into(event_attendance::table)
            .values((
                a::municipality_id.eq(m),
                a::session_id.eq(session.into_uuid()),
                a::invitation_id.eq(mark.invitation_id.into_uuid()),
                a::status.eq(mark.status.as_str()),
                a::reason.eq(mark.reason.as_deref()),
                a::recorded_by.eq(by.into_uuid()),
                a::recorded_at.eq(at),
            ))
            .on_conflict((a::municipality_id, a::session_id, a::invitation_id))
            .do_update()
            .set((
                a::status.eq(mark.status.as_str()),
                a::reason.eq(mark.reason.as_deref()),
                a::recorded_by.eq(by.into_uuid()),
                a::recorded_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A page of the attendance recorded at one session of `event`, in invitation order;
/// `NotFound` when the event has no such session.
pub fn session_attendance(
    conn: &mut PgConnection,
    event: &VolunteerEvent,
    session: EventSessionId,
    page: PageRequest,
) -> Result<Page<Attendance>, RepoError> {
    let m = event.municipality_id.into_uuid();
    s::event_sessions
        .filter(s::municipality_id.eq(m))
        .filter(s::event_id.eq(event.id.into_uuid()))
        .filter(s::id.eq(session.into_uuid()))
        .select(s::id)
        .first::<Uuid>(conn)?;
    let mut query = a::event_attendance
        .into_boxed()
        .filter(a::municipality_id.eq(m))
        .filter(a::session_id.eq(session.into_uuid()));
    if let Some(after) = page.after {
        query = query.filter(a::invitation_id.gt(after));
    }
    let rows: Vec<AttendanceRow> = query
        .order(a::invitation_id.asc())
        .limit(page.limit + 1)
        .select(ATTENDANCE_COLUMNS)
        .load(conn)?;
    Page::from_rows(rows, page.limit, |r| r.1).try_map(attendance_from)
}

type AttendanceRow = (
    Uuid,
    Uuid,
    String,
    Option<String>,
    Option<Uuid>,
    DateTime<Utc>,
);

const ATTENDANCE_COLUMNS: (
    a::session_id,
    a::invitation_id,
    a::status,
    a::reason,
    a::recorded_by,
    a::recorded_at,
) = (
    a::session_id,
    a::invitation_id,
    a::status,
    a::reason,
    a::recorded_by,
    a::recorded_at,
);

fn attendance_from(row: AttendanceRow) -> Result<Attendance, RepoError> {
    let (session, invitation, status, reason, by, at) = row;
    Ok(Attendance {
        session_id: session.into(),
        invitation_id: invitation.into(),
        status: status
            .parse()
            .map_err(|e| corrupt("attendance status", e))?,
        reason,
        recorded_by: by.map(Into::into),
        recorded_at: at,
    })
}

/// Every attendance recorded for an event's sessions.
pub fn attendance_of(
    conn: &mut PgConnection,
    event: &VolunteerEvent,
) -> Result<Vec<Attendance>, RepoError> {
    let sessions = s::event_sessions
        .filter(s::municipality_id.eq(event.municipality_id.into_uuid()))
        .filter(s::event_id.eq(event.id.into_uuid()))
        .select(s::id);
    let rows: Vec<AttendanceRow> = a::event_attendance
        .filter(a::municipality_id.eq(event.municipality_id.into_uuid()))
        .filter(a::session_id.eq_any(sessions))
        .order((a::session_id, a::invitation_id))
        .select(ATTENDANCE_COLUMNS)
        .load(conn)?;
    rows.into_iter().map(attendance_from).collect()
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = training_credentials, check_for_backend(Pg))]
struct CredentialRow {
    municipality_id: Uuid,
    id: Uuid,
    volunteer_id: Uuid,
    training: String,
    completed_on: NaiveDate,
    valid_until: Option<NaiveDate>,
    event_id: Option<Uuid>,
    note: Option<String>,
    granted_by: Option<Uuid>,
    created_at: DateTime<Utc>,
}

impl From<CredentialRow> for TrainingCredential {
    fn from(row: CredentialRow) -> Self {
        Self {
            id: row.id.into(),
            municipality_id: row.municipality_id.into(),
            volunteer_id: row.volunteer_id.into(),
            training: row.training,
            completed_on: row.completed_on,
            valid_until: row.valid_until,
            event_id: row.event_id.map(Into::into),
            note: row.note,
            granted_by: row.granted_by.map(Into::into),
            created_at: row.created_at,
        }
    }
}

/// A credential to store.
#[derive(Debug, Clone)]
pub struct NewCredential {
    /// The volunteer.
    pub volunteer_id: VolunteerId,
    /// The training's code.
    pub training: String,
    /// When it was completed.
    pub completed_on: NaiveDate,
    /// The last day it counts.
    pub valid_until: Option<NaiveDate>,
    /// The theme training that granted it.
    pub event_id: Option<VolunteerEventId>,
    /// A note.
    pub note: Option<String>,
}

/// Stores credentials of `municipality`; one an event already granted the volunteer is kept
/// as it is. Returns those stored.
pub fn insert_credentials(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    new: &[NewCredential],
    by: StaffUserId,
    at: DateTime<Utc>,
) -> Result<Vec<TrainingCredential>, RepoError> {
    let mut stored = Vec::with_capacity(new.len());
    for c in new {
        let row: Option<CredentialRow> = diesel::insert_into(training_credentials::table)
            .values((
                tc::municipality_id.eq(municipality.into_uuid()),
                tc::id.eq(TrainingCredentialId::generate().into_uuid()),
                tc::volunteer_id.eq(c.volunteer_id.into_uuid()),
                tc::training.eq(c.training.as_str()),
                tc::completed_on.eq(c.completed_on),
                tc::valid_until.eq(c.valid_until),
                tc::event_id.eq(c.event_id.map(VolunteerEventId::into_uuid)),
                tc::note.eq(c.note.as_deref()),
                tc::granted_by.eq(by.into_uuid()),
                tc::created_at.eq(at),
            ))
            .on_conflict_do_nothing()
            .returning(CredentialRow::as_returning())
            .get_result(conn)
            .optional()?;
        stored.extend(row.map(TrainingCredential::from));
    }
    Ok(stored)
}

/// A page of a volunteer's credentials in id order.
pub fn credentials_of(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    volunteer: VolunteerId,
    page: PageRequest,
) -> Result<Page<TrainingCredential>, RepoError> {
    let mut query = tc::training_credentials
        .into_boxed()
        .filter(tc::municipality_id.eq(municipality.into_uuid()))
        .filter(tc::volunteer_id.eq(volunteer.into_uuid()));
    if let Some(after) = page.after {
        query = query.filter(tc::id.gt(after));
    }
    let rows = query
        .order(tc::id.asc())
        .limit(page.limit + 1)
        .select(CredentialRow::as_select())
        .load(conn)?;
    Page::from_rows(rows, page.limit, |r| r.id)
        .try_map(|r| Ok::<_, RepoError>(TrainingCredential::from(r)))
}

/// The credentials of the volunteers `ids` (of one municipality), oldest first: for clearance.
pub fn credentials_for(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    ids: &[Uuid],
) -> Result<Vec<TrainingCredential>, RepoError> {
    Ok(tc::training_credentials
        .filter(tc::municipality_id.eq(municipality.into_uuid()))
        .filter(tc::volunteer_id.eq_any(ids))
        .order((tc::completed_on.asc(), tc::id.asc()))
        .select(CredentialRow::as_select())
        .load::<CredentialRow>(conn)?
        .into_iter()
        .map(TrainingCredential::from)
        .collect())
}

/// The credentials of `trainings` held by approved volunteers of `municipality`:
/// (volunteer, name, credential), for the work list.
pub fn of_approved(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    trainings: &[String],
) -> Result<Vec<(Uuid, String, TrainingCredential)>, RepoError> {
    let approved = v::volunteers
        .filter(v::municipality_id.eq(municipality.into_uuid()))
        .filter(v::erased_at.is_null())
        .filter(v::status.eq(VolunteerStatus::Approved.as_str()))
        .select(v::id);
    let rows: Vec<CredentialRow> = tc::training_credentials
        .filter(tc::municipality_id.eq(municipality.into_uuid()))
        .filter(tc::training.eq_any(trainings))
        .filter(tc::volunteer_id.eq_any(approved))
        .order((tc::volunteer_id, tc::training, tc::id))
        .select(CredentialRow::as_select())
        .load(conn)?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.volunteer_id).collect();
    let names: HashMap<Uuid, String> = v::volunteers
        .filter(v::municipality_id.eq(municipality.into_uuid()))
        .filter(v::id.eq_any(&ids))
        .select((v::id, v::given_name, v::family_name))
        .load::<(Uuid, String, String)>(conn)?
        .into_iter()
        .map(|(id, given, family)| (id, format!("{given} {family}")))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let name = names.get(&r.volunteer_id).cloned().unwrap_or_default();
            (r.volunteer_id, name, TrainingCredential::from(r))
        })
        .collect())
}

/// What an audience names that the municipality does not have (units, volunteers not erased,
/// groups), as field errors (`{prefix}unit_ids[0]`).
pub fn unknown_audience(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    audience: &EventAudience,
    prefix: &str,
) -> Result<Vec<(String, ParseError)>, RepoError> {
    use crate::schema::{groups::dsl as g, units::dsl as u};
    let m = municipality.into_uuid();
    let mut errors = Vec::new();
    let mut check = |field: &str, asked: Vec<Uuid>, found: Vec<Uuid>, what: &str| {
        for (n, id) in asked.iter().enumerate() {
            if !found.contains(id) {
                errors.push((
                    format!("{prefix}{field}[{n}]"),
                    ParseError::new(
                        "not_found",
                        format!("no {what} with this id in the municipality"),
                    ),
                ));
            }
        }
    };
    let units: Vec<Uuid> = audience.unit_ids.iter().map(|x| x.into_uuid()).collect();
    if !units.is_empty() {
        let found = u::units
            .filter(u::municipality_id.eq(m))
            .filter(u::id.eq_any(&units))
            .select(u::id)
            .load(conn)?;
        check("unit_ids", units, found, "unit");
    }
    let volunteers: Vec<Uuid> = audience
        .volunteer_ids
        .iter()
        .map(|x| x.into_uuid())
        .collect();
    if !volunteers.is_empty() {
        let found = v::volunteers
            .filter(v::municipality_id.eq(m))
            .filter(v::erased_at.is_null())
            .filter(v::id.eq_any(&volunteers))
            .select(v::id)
            .load(conn)?;
        check("volunteer_ids", volunteers, found, "volunteer");
    }
    let groups: Vec<Uuid> = audience.group_ids.iter().map(|x| x.into_uuid()).collect();
    if !groups.is_empty() {
        let found = g::groups
            .filter(g::municipality_id.eq(m))
            .filter(g::id.eq_any(&groups))
            .select(g::id)
            .load(conn)?;
        check("group_ids", groups, found, "group");
    }
    Ok(errors)
}

/// A session reminder to plan: the session, when it starts, and one person registered.
#[derive(Debug, Clone, QueryableByName)]
pub struct SessionToRemind {
    /// The event.
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    /// The session.
    #[diesel(sql_type = SqlUuid)]
    pub session_id: Uuid,
    /// When it starts.
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub starts_at: DateTime<Utc>,
    /// The volunteer registered, if a volunteer.
    #[diesel(sql_type = diesel::sql_types::Nullable<SqlUuid>)]
    pub volunteer_id: Option<Uuid>,
    /// The staff account registered, if staff.
    #[diesel(sql_type = diesel::sql_types::Nullable<SqlUuid>)]
    pub staff_user_id: Option<Uuid>,
    /// Whether they have an email address (staff accounts always do).
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub has_email: bool,
    /// Whether they have a phone number.
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub has_phone: bool,
}

/// The key of one person's reminder of one session (sessions do not move once published).
pub fn session_key(session: Uuid, person: Uuid) -> String {
    format!("session:{session}:{person}")
}

/// Up to `limit` (session, person registered) pairs of `municipality`'s published events whose
/// session starts after `now` and by `until` and whose reminder is not planned yet. Groups are
/// told by their coordinator.
pub fn sessions_to_remind(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<SessionToRemind>, RepoError> {
    use diesel::sql_types::{BigInt, Timestamptz};
    Ok(diesel::sql_query(
        "SELECT s.event_id, s.id AS session_id, s.starts_at, i.volunteer_id, i.staff_user_id,
                (i.volunteer_id IS NULL OR v.email IS NOT NULL) AS has_email,
                (i.volunteer_id IS NOT NULL AND v.phone IS NOT NULL) AS has_phone
           FROM event_sessions s
           JOIN events e ON e.municipality_id = s.municipality_id AND e.id = s.event_id
           JOIN event_invitations i ON i.municipality_id = s.municipality_id AND i.event_id = s.event_id
           LEFT JOIN volunteers v ON v.municipality_id = i.municipality_id AND v.id = i.volunteer_id
          WHERE s.municipality_id = $1 AND e.status = 'published' AND i.status = 'registered'
            AND i.group_id IS NULL AND (i.volunteer_id IS NULL OR v.erased_at IS NULL)
            AND s.starts_at > $2 AND s.starts_at <= $3
            AND NOT EXISTS (SELECT 1 FROM notifications nt
                             WHERE nt.municipality_id = s.municipality_id
                               AND nt.kind = 'event_reminder'
                               AND nt.dedupe_key = 'session:' || s.id || ':'
                                   || COALESCE(i.volunteer_id, i.staff_user_id))
          ORDER BY s.starts_at, i.id
          LIMIT $4",
    )
    .bind::<SqlUuid, _>(municipality.into_uuid())
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(until)
    .bind::<BigInt, _>(limit)
    .load(conn)?)
}

/// What a session reminder says, if it still applies: the event's title, when the session
/// starts and where; `None` once the event is no longer published, the session is gone or the
/// person is no longer registered.
pub fn session_reminder(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    session: Uuid,
    volunteer: Option<Uuid>,
    staff: Option<Uuid>,
) -> Result<Option<(String, DateTime<Utc>, String)>, RepoError> {
    let m = municipality.into_uuid();
    let found: Option<(Uuid, DateTime<Utc>, String)> = s::event_sessions
        .filter(s::municipality_id.eq(m))
        .filter(s::id.eq(session))
        .select((s::event_id, s::starts_at, s::place))
        .first(conn)
        .optional()?;
    let Some((event, starts_at, place)) = found else {
        return Ok(None);
    };
    let title: Option<String> = e::events
        .filter(e::municipality_id.eq(m))
        .filter(e::id.eq(event))
        .filter(e::status.eq(EventStatus::Published.as_str()))
        .select(e::title)
        .first(conn)
        .optional()?;
    let Some(title) = title else {
        return Ok(None);
    };
    let mut registered = i::event_invitations
        .into_boxed()
        .filter(i::municipality_id.eq(m))
        .filter(i::event_id.eq(event))
        .filter(i::status.eq(InvitationStatus::Registered.as_str()));
    registered = match (volunteer, staff) {
        (Some(v), _) => registered.filter(i::volunteer_id.eq(v)),
        (None, Some(st)) => registered.filter(i::staff_user_id.eq(st)),
        (None, None) => return Ok(None),
    };
    let still: i64 = registered.count().get_result(conn)?;
    Ok((still > 0).then_some((title, starts_at, place)))
}

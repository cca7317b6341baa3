//! Needs, the interest volunteers and groups show in them, and what the candidate ranking and
//! the public board read.

use crate::{
    districts,
    error::{RepoError, corrupt},
    page::{Page, PageRequest},
    placements::{day_numbers, days_of},
    schema::{
        contact_persons::dsl as c,
        groups::dsl as g,
        need_interests::{self, dsl as ni},
        needs::{self, dsl as n},
        placements::dsl as p,
        units::dsl as u,
        volunteers::dsl as v,
    },
};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use diesel::{
    dsl::count_star,
    pg::Pg,
    prelude::*,
    sql_types::{Bool, Nullable, Text},
};
use samspill_domain::{
    ParseError,
    auth::{Audience, TenantScope},
    clearance::TargetGroup,
    ids::{
        ContactPersonId, GroupId, MunicipalityId, NeedId, RecipientId, StaffUserId, UnitId,
        VolunteerId,
    },
    need::{InterestSource, Need, NeedStatus, NeedWhen, OpenTo, Profile},
    placement::Place,
    volunteer::{AvailabilitySlot, VolunteerStatus},
};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Queryable, Selectable)]
#[diesel(table_name = needs, check_for_backend(Pg))]
struct NeedRow {
    municipality_id: Uuid,
    id: Uuid,
    unit_id: Uuid,
    recipient_id: Option<Uuid>,
    activity_kind: String,
    target_group: String,
    starts_on: NaiveDate,
    weekdays: Vec<Option<i16>>,
    interval_weeks: i16,
    until: Option<NaiveDate>,
    start_time: NaiveTime,
    duration_minutes: i32,
    places: i32,
    open_to: String,
    languages: Vec<Option<String>>,
    description: String,
    published: bool,
    status: String,
    contact_person_id: Option<Uuid>,
    created_by: Uuid,
    opened_at: Option<DateTime<Utc>>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<NeedRow> for Need {
    type Error = RepoError;

    fn try_from(row: NeedRow) -> Result<Self, RepoError> {
        let when = NeedWhen::new(
            row.starts_on,
            &days_of(&row.weekdays),
            u8::try_from(row.interval_weeks).map_err(|e| corrupt("need interval", e))?,
            row.until,
            row.start_time,
            row.duration_minutes,
        )
        .map_err(|e| corrupt("need times", format!("{e:?}")))?;
        let place = match row.recipient_id {
            Some(recipient) => Place::Recipient(recipient.into()),
            None => Place::Unit(row.unit_id.into()),
        };
        Ok(Need {
            id: row.id.into(),
            municipality_id: row.municipality_id.into(),
            unit_id: row.unit_id.into(),
            place,
            activity_kind: row.activity_kind,
            target_group: row
                .target_group
                .parse()
                .map_err(|e| corrupt("target group", e))?,
            when,
            places: row.places,
            open_to: row.open_to.parse().map_err(|e| corrupt("open to", e))?,
            languages: row.languages.into_iter().flatten().collect(),
            description: row.description,
            published: row.published,
            status: row.status.parse().map_err(|e| corrupt("need status", e))?,
            contact_person_id: row.contact_person_id.map(Into::into),
            created_by: row.created_by.into(),
            opened_at: row.opened_at,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// What a need asks for: the activity, with whom, when, how many, from whom, in which
/// languages, how it is told, and whether strangers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedTerms {
    /// The activity kind.
    pub activity_kind: String,
    /// Who the activity is with.
    pub target_group: TargetGroup,
    /// When.
    pub when: NeedWhen,
    /// How many places.
    pub places: i32,
    /// Who may take a place.
    pub open_to: OpenTo,
    /// Languages wished.
    pub languages: Vec<String>,
    /// The public description.
    pub description: String,
    /// Whether it shows on the public board while open.
    pub published: bool,
}

/// What a need says, as written (values checked by the caller; references here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedFields {
    /// The unit that asks (for a person visited at home: the unit that answers for them).
    pub unit_id: UnitId,
    /// The person visited at home, if any.
    pub recipient_id: Option<RecipientId>,
    /// What it asks for.
    pub terms: NeedTerms,
    /// The unit's contact person.
    pub contact_person_id: Option<ContactPersonId>,
}

impl From<&Need> for NeedFields {
    fn from(need: &Need) -> Self {
        Self {
            unit_id: need.unit_id,
            recipient_id: match need.place {
                Place::Recipient(id) => Some(id),
                Place::Unit(_) => None,
            },
            terms: NeedTerms {
                activity_kind: need.activity_kind.clone(),
                target_group: need.target_group,
                when: need.when.clone(),
                places: need.places,
                open_to: need.open_to,
                languages: need.languages.clone(),
                description: need.description.clone(),
                published: need.published,
            },
            contact_person_id: need.contact_person_id,
        }
    }
}

/// The columns a need's terms and contact person are written to, when made and when changed.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = needs, treat_none_as_null = true)]
struct TermColumns<'a> {
    activity_kind: &'a str,
    target_group: &'a str,
    starts_on: NaiveDate,
    weekdays: Vec<i16>,
    interval_weeks: i16,
    until: Option<NaiveDate>,
    start_time: NaiveTime,
    duration_minutes: i32,
    places: i32,
    open_to: &'a str,
    languages: &'a [String],
    description: &'a str,
    published: bool,
    contact_person_id: Option<Uuid>,
}

impl<'a> From<&'a NeedFields> for TermColumns<'a> {
    fn from(fields: &'a NeedFields) -> Self {
        let terms = &fields.terms;
        Self {
            activity_kind: &terms.activity_kind,
            target_group: terms.target_group.as_str(),
            starts_on: terms.when.starts_on(),
            weekdays: day_numbers(terms.when.weekdays()),
            interval_weeks: i16::from(terms.when.interval_weeks()),
            until: terms.when.until(),
            start_time: terms.when.start_time(),
            duration_minutes: terms.when.duration_minutes(),
            places: terms.places,
            open_to: terms.open_to.as_str(),
            languages: &terms.languages,
            description: &terms.description,
            published: terms.published,
            contact_person_id: fields.contact_person_id.map(ContactPersonId::into_uuid),
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
            "needs_unit_fkey" => field("unit_id", "unit"),
            "needs_recipient_fkey" => field("recipient_id", "recipient"),
            "needs_contact_person_fkey" => field("contact_person_id", "contact person"),
            _ => RepoError::Reference { constraint },
        },
        other => other,
    }
}

/// The needs `scope` and `audience` see: coordinators every one of the tenant, a contact
/// person those they are the contact person of, volunteers none (they read the board).
fn visible(
    scope: TenantScope,
    audience: Audience,
) -> Box<dyn BoxableExpression<needs::table, Pg, SqlType = Bool>> {
    let tenant: Box<dyn BoxableExpression<needs::table, Pg, SqlType = Bool>> =
        match scope.municipality() {
            Some(own) => Box::new(n::municipality_id.eq(own.into_uuid())),
            None => Box::new(true.into_sql::<Bool>()),
        };
    match audience {
        Audience::Everyone => tenant,
        Audience::Coordinator(account) => Box::new(tenant.and(districts::needs(account))),
        Audience::AssignedTo(account) => Box::new(
            tenant.and(
                n::contact_person_id
                    .eq_any(
                        c::contact_persons
                            .filter(c::staff_user_id.eq(account.into_uuid()))
                            .select(c::id.nullable()),
                    )
                    .assume_not_null(),
            ),
        ),
        Audience::Own(_) => Box::new(false.into_sql::<Bool>()),
    }
}

/// Whether a need's last day has passed by `today`: a need on one date after its date, a weekly
/// need after its `until` (as `Need::is_over` says).
fn over(
    today: NaiveDate,
) -> diesel::expression::SqlLiteral<Bool, impl diesel::query_builder::QueryFragment<Pg> + Send> {
    diesel::dsl::sql::<Bool>("((cardinality(needs.weekdays) = 0 AND needs.starts_on < ")
        .bind::<diesel::sql_types::Date, _>(today)
        .sql(") OR coalesce(needs.until < ")
        .bind::<diesel::sql_types::Date, _>(today)
        .sql(", false))")
}

/// Closes the open and filled needs whose last day has passed by `today`, at most `batch` of
/// them, in id order, skipping any a coordinator is changing right now (the next run takes
/// them); returns how many. Drafts stay: nobody sees them but their writers, who may move their
/// dates.
pub fn close_past(
    conn: &mut PgConnection,
    today: NaiveDate,
    batch: i64,
) -> Result<usize, RepoError> {
    let due: Vec<(Uuid, Uuid)> = n::needs
        .filter(n::status.eq_any([NeedStatus::Open.as_str(), NeedStatus::Filled.as_str()]))
        .filter(over(today))
        .order((n::municipality_id, n::id))
        .limit(batch)
        .select((n::municipality_id, n::id))
        .for_update()
        .skip_locked()
        .load(conn)?;
    let mut closed = 0;
    for (municipality, id) in due {
        closed += diesel::update(
            n::needs
                .filter(n::municipality_id.eq(municipality))
                .filter(n::id.eq(id)),
        )
        .set((
            n::status.eq(NeedStatus::Closed.as_str()),
            n::published.eq(false),
            n::version.eq(n::version + 1),
        ))
        .execute(conn)?;
    }
    Ok(closed)
}

/// Stores a new need in `status` (`draft` or `open`).
pub fn insert(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    fields: &NeedFields,
    status: NeedStatus,
    by: StaffUserId,
    now: DateTime<Utc>,
) -> Result<Need, RepoError> {
    let opened_at = (status == NeedStatus::Open).then_some(now);
    diesel::insert_into(needs::table)
        .values((
            n::municipality_id.eq(municipality.into_uuid()),
            n::id.eq(NeedId::generate().into_uuid()),
            n::unit_id.eq(fields.unit_id.into_uuid()),
            n::recipient_id.eq(fields.recipient_id.map(RecipientId::into_uuid)),
            TermColumns::from(fields),
            n::status.eq(status.as_str()),
            n::created_by.eq(by.into_uuid()),
            n::opened_at.eq(opened_at),
        ))
        .returning(NeedRow::as_returning())
        .get_result(conn)
        .map_err(reference_fields)?
        .try_into()
}

/// One need, if the scope and audience see it.
pub fn find(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    id: NeedId,
) -> Result<Need, RepoError> {
    n::needs
        .filter(visible(scope, audience))
        .filter(n::id.eq(id.into_uuid()))
        .select(NeedRow::as_select())
        .first::<NeedRow>(conn)?
        .try_into()
}

/// One need of the scope and audience, locked for a change until the transaction ends.
pub fn locked(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    id: NeedId,
) -> Result<Need, RepoError> {
    n::needs
        .filter(visible(scope, audience))
        .filter(n::id.eq(id.into_uuid()))
        .select(NeedRow::as_select())
        .for_update()
        .first::<NeedRow>(conn)?
        .try_into()
}

/// One need of the scope, held against changes (but not against other readers) until the
/// transaction ends.
pub fn held(conn: &mut PgConnection, scope: TenantScope, id: NeedId) -> Result<Need, RepoError> {
    n::needs
        .filter(visible(scope, Audience::Everyone))
        .filter(n::id.eq(id.into_uuid()))
        .select(NeedRow::as_select())
        .for_share()
        .first::<NeedRow>(conn)?
        .try_into()
}

/// Filters for the list.
#[derive(Debug, Clone, Default)]
pub struct NeedFilter {
    /// Only this municipality.
    pub municipality_id: Option<MunicipalityId>,
    /// Only in this status.
    pub status: Option<NeedStatus>,
    /// Only of this unit.
    pub unit_id: Option<UnitId>,
    /// Only for this recipient.
    pub recipient_id: Option<RecipientId>,
    /// Only for this activity kind.
    pub activity_kind: Option<String>,
}

/// A page of needs, filtered, in id order.
pub fn list(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    filter: &NeedFilter,
    page: PageRequest,
) -> Result<Page<Need>, RepoError> {
    let mut query = n::needs.into_boxed().filter(visible(scope, audience));
    if let Some(municipality) = filter.municipality_id {
        query = query.filter(n::municipality_id.eq(municipality.into_uuid()));
    }
    if let Some(status) = filter.status {
        query = query.filter(n::status.eq(status.as_str()));
    }
    if let Some(unit) = filter.unit_id {
        query = query.filter(n::unit_id.eq(unit.into_uuid()));
    }
    if let Some(recipient) = filter.recipient_id {
        query = query.filter(n::recipient_id.eq(recipient.into_uuid()));
    }
    if let Some(kind) = &filter.activity_kind {
        query = query.filter(n::activity_kind.eq(kind.clone()));
    }
    if let Some(after) = page.after {
        query = query.filter(n::id.gt(after));
    }
    let rows = query
        .order(n::id.asc())
        .limit(page.limit + 1)
        .select(NeedRow::as_select())
        .load(conn)?;
    Page::from_rows(rows, page.limit, |r| r.id).try_map(Need::try_from)
}

/// Writes what a locked need says now, raising its version; nothing is written when nothing
/// changed.
pub fn rewrite(
    conn: &mut PgConnection,
    current: &Need,
    fields: &NeedFields,
    status: NeedStatus,
    now: DateTime<Utc>,
) -> Result<Need, RepoError> {
    if NeedFields::from(current) == *fields && status == current.status {
        return Ok(current.clone());
    }
    let opened = status == NeedStatus::Open && current.status != NeedStatus::Open;
    let target = n::needs
        .filter(n::municipality_id.eq(current.municipality_id.into_uuid()))
        .filter(n::id.eq(current.id.into_uuid()));
    diesel::update(target)
        .set((
            TermColumns::from(fields),
            n::status.eq(status.as_str()),
            n::opened_at.eq(if opened { Some(now) } else { current.opened_at }),
            n::version.eq(n::version + 1),
        ))
        .returning(NeedRow::as_returning())
        .get_result(conn)
        .map_err(reference_fields)?
        .try_into()
}

/// How many places of each need are taken (by placements that have not ended) and how many
/// volunteers and groups said they are interested.
pub fn tallies(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    ids: &[NeedId],
) -> Result<HashMap<NeedId, (i64, i64)>, RepoError> {
    let mut found: HashMap<NeedId, (i64, i64)> = ids.iter().map(|id| (*id, (0, 0))).collect();
    if ids.is_empty() {
        return Ok(found);
    }
    let raw: Vec<Uuid> = ids.iter().map(|id| id.into_uuid()).collect();
    let filled: Vec<(Option<Uuid>, i64)> = p::placements
        .filter(p::municipality_id.eq(municipality.into_uuid()))
        .filter(p::need_id.eq_any(&raw))
        .filter(p::status.ne("ended"))
        .group_by(p::need_id)
        .select((p::need_id, count_star()))
        .load(conn)?;
    for (need, count) in filled {
        if let Some(entry) = need.and_then(|id| found.get_mut(&NeedId::from(id))) {
            entry.0 = count;
        }
    }
    let interested: Vec<(Uuid, i64)> = ni::need_interests
        .filter(ni::municipality_id.eq(municipality.into_uuid()))
        .filter(ni::need_id.eq_any(&raw))
        .group_by(ni::need_id)
        .select((ni::need_id, count_star()))
        .load(conn)?;
    for (need, count) in interested {
        if let Some(entry) = found.get_mut(&NeedId::from(need)) {
            entry.1 = count;
        }
    }
    Ok(found)
}

/// How many places of a need are taken by placements that have not ended.
pub fn filled(conn: &mut PgConnection, need: &Need) -> Result<i64, RepoError> {
    Ok(tallies(conn, need.municipality_id, &[need.id])?
        .get(&need.id)
        .map_or(0, |t| t.0))
}

/// Sets the status of a locked need (the service filling it), raising its version.
pub fn set_status(
    conn: &mut PgConnection,
    current: &Need,
    to: NeedStatus,
    now: DateTime<Utc>,
) -> Result<Need, RepoError> {
    rewrite(conn, current, &NeedFields::from(current), to, now)
}

/// Who is interested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interested {
    /// A volunteer.
    Volunteer(VolunteerId),
    /// A group.
    Group(GroupId),
}

/// An interest as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interest {
    /// Its id.
    pub id: Uuid,
    /// The need.
    pub need_id: NeedId,
    /// Who.
    pub who: Interested,
    /// How it was said.
    pub source: InterestSource,
    /// Who recorded it; none at self-registration.
    pub recorded_by: Option<StaffUserId>,
    /// When.
    pub created_at: DateTime<Utc>,
}

type InterestRow = (
    Uuid,
    Uuid,
    Option<Uuid>,
    Option<Uuid>,
    String,
    Option<Uuid>,
    DateTime<Utc>,
);

fn interest(row: InterestRow) -> Result<Interest, RepoError> {
    let (id, need, volunteer, group, source, by, at) = row;
    let who = match (volunteer, group) {
        (Some(v), None) => Interested::Volunteer(v.into()),
        (None, Some(g)) => Interested::Group(g.into()),
        _ => return Err(corrupt("interest", "neither a volunteer nor a group")),
    };
    Ok(Interest {
        id,
        need_id: need.into(),
        who,
        source: source.parse().map_err(|e| corrupt("interest source", e))?,
        recorded_by: by.map(Into::into),
        created_at: at,
    })
}

const INTEREST_COLUMNS: (
    ni::id,
    ni::need_id,
    ni::volunteer_id,
    ni::group_id,
    ni::source,
    ni::recorded_by,
    ni::created_at,
) = (
    ni::id,
    ni::need_id,
    ni::volunteer_id,
    ni::group_id,
    ni::source,
    ni::recorded_by,
    ni::created_at,
);

/// Records an interest, once: said again, the first one stands. Returns it and whether it is
/// new.
pub fn add_interest(
    conn: &mut PgConnection,
    need: &Need,
    who: Interested,
    source: InterestSource,
    by: Option<StaffUserId>,
) -> Result<(Interest, bool), RepoError> {
    let (volunteer, group) = match who {
        Interested::Volunteer(id) => (Some(id.into_uuid()), None),
        Interested::Group(id) => (None, Some(id.into_uuid())),
    };
    let inserted: Option<InterestRow> = diesel::insert_into(need_interests::table)
        .values((
            ni::municipality_id.eq(need.municipality_id.into_uuid()),
            ni::id.eq(Uuid::now_v7()),
            ni::need_id.eq(need.id.into_uuid()),
            ni::volunteer_id.eq(volunteer),
            ni::group_id.eq(group),
            ni::source.eq(source.as_str()),
            ni::recorded_by.eq(by.map(StaffUserId::into_uuid)),
        ))
        .on_conflict_do_nothing()
        .returning(INTEREST_COLUMNS)
        .get_result(conn)
        .optional()?;
    if let Some(row) = inserted {
        return Ok((interest(row)?, true));
    }
    let existing = interests_query(need)
        .filter(ni::volunteer_id.is_not_distinct_from(volunteer))
        .filter(ni::group_id.is_not_distinct_from(group))
        .first::<InterestRow>(conn)?;
    Ok((interest(existing)?, false))
}

fn interests_query(need: &Need) -> need_interests::BoxedQuery<'static, Pg, InterestSelect> {
    ni::need_interests
        .filter(ni::municipality_id.eq(need.municipality_id.into_uuid()))
        .filter(ni::need_id.eq(need.id.into_uuid()))
        .select(INTEREST_COLUMNS)
        .into_boxed()
}

type InterestSelect = (
    diesel::sql_types::Uuid,
    diesel::sql_types::Uuid,
    Nullable<diesel::sql_types::Uuid>,
    Nullable<diesel::sql_types::Uuid>,
    Text,
    Nullable<diesel::sql_types::Uuid>,
    diesel::sql_types::Timestamptz,
);

/// Withdraws an interest; whether there was one.
pub fn remove_interest(
    conn: &mut PgConnection,
    need: &Need,
    who: Interested,
) -> Result<bool, RepoError> {
    let base = ni::need_interests
        .filter(ni::municipality_id.eq(need.municipality_id.into_uuid()))
        .filter(ni::need_id.eq(need.id.into_uuid()));
    let removed = match who {
        Interested::Volunteer(id) => {
            diesel::delete(base.filter(ni::volunteer_id.eq(id.into_uuid()))).execute(conn)?
        }
        Interested::Group(id) => {
            diesel::delete(base.filter(ni::group_id.eq(id.into_uuid()))).execute(conn)?
        }
    };
    Ok(removed > 0)
}

/// Withdraws the interest `id` in a need; whether there was one.
pub fn remove_interest_by_id(
    conn: &mut PgConnection,
    need: &Need,
    id: Uuid,
) -> Result<bool, RepoError> {
    let removed = diesel::delete(
        ni::need_interests
            .filter(ni::municipality_id.eq(need.municipality_id.into_uuid()))
            .filter(ni::need_id.eq(need.id.into_uuid()))
            .filter(ni::id.eq(id)),
    )
    .execute(conn)?;
    Ok(removed > 0)
}

/// A page of a need's interests, oldest first.
pub fn interests(
    conn: &mut PgConnection,
    need: &Need,
    page: PageRequest,
) -> Result<Page<Interest>, RepoError> {
    let mut query = interests_query(need);
    if let Some(after) = page.after {
        query = query.filter(ni::id.gt(after));
    }
    let rows: Vec<InterestRow> = query.order(ni::id.asc()).limit(page.limit + 1).load(conn)?;
    Page::from_rows(rows, page.limit, |r| r.0).try_map(interest)
}

/// The volunteers and the groups a need could place, each as the ranking reads them.
pub type Candidates = (Vec<Profile<Uuid>>, Vec<Profile<Uuid>>);

/// The volunteers and groups a need could place, as the ranking reads them: whoever said they
/// are interested (registered, in screening or approved), and approved volunteers who want the
/// need's activity kind. Whoever a placement from the need
/// that has not ended already places is left out.
pub fn candidates(
    conn: &mut PgConnection,
    need: &Need,
    audience: Audience,
) -> Result<Candidates, RepoError> {
    let municipality = need.municipality_id.into_uuid();
    let interested_volunteers = ni::need_interests
        .filter(ni::municipality_id.eq(municipality))
        .filter(ni::need_id.eq(need.id.into_uuid()))
        .select(ni::volunteer_id);
    let mut volunteers = Vec::new();
    if need.open_to.volunteers() {
        type Row = (
            Uuid,
            Vec<Option<String>>,
            Vec<Option<String>>,
            Vec<Option<String>>,
            Option<Uuid>,
        );
        let interested: Vec<Uuid> = interested_volunteers
            .load::<Option<Uuid>>(conn)?
            .into_iter()
            .flatten()
            .collect();
        let is_interested: std::collections::HashSet<Uuid> = interested.iter().copied().collect();
        let rows: Vec<Row> = v::volunteers
            .filter(v::municipality_id.eq(municipality))
            .filter(v::erased_at.is_null())
            .filter(crate::districts::volunteers_of(audience))
            .filter(
                v::status
                    .eq(VolunteerStatus::Approved.as_str())
                    .and(v::activity_kinds.contains(vec![need.activity_kind.clone()]))
                    .or(v::id.eq_any(&interested).and(v::status.eq_any([
                        VolunteerStatus::Registered.as_str(),
                        VolunteerStatus::InScreening.as_str(),
                        VolunteerStatus::Approved.as_str(),
                    ]))),
            )
            .filter(diesel::dsl::not(diesel::dsl::exists(
                p::placements
                    .filter(p::municipality_id.eq(municipality))
                    .filter(p::need_id.eq(need.id.into_uuid()))
                    .filter(p::status.ne("ended"))
                    .filter(p::volunteer_id.eq(v::id.nullable())),
            )))
            .select((
                v::id,
                v::activity_kinds,
                v::availability,
                v::languages,
                v::home_unit_id,
            ))
            .load(conn)?;
        volunteers = rows
            .into_iter()
            .map(|(id, kinds, availability, languages, home)| Profile {
                key: id,
                interested: is_interested.contains(&id),
                activity_kinds: kinds.into_iter().flatten().collect(),
                availability: availability
                    .into_iter()
                    .flatten()
                    .filter_map(|s| AvailabilitySlot::parse(&s).ok())
                    .collect(),
                languages: languages.into_iter().flatten().collect(),
                home_unit_id: home.map(Into::into),
            })
            .collect();
    }
    let mut groups = Vec::new();
    if need.open_to.groups() {
        let interested: Vec<Uuid> = ni::need_interests
            .filter(ni::municipality_id.eq(municipality))
            .filter(ni::need_id.eq(need.id.into_uuid()))
            .select(ni::group_id)
            .load::<Option<Uuid>>(conn)?
            .into_iter()
            .flatten()
            .collect();
        let placed: Vec<Uuid> = p::placements
            .filter(p::municipality_id.eq(municipality))
            .filter(p::need_id.eq(need.id.into_uuid()))
            .filter(p::status.ne("ended"))
            .select(p::group_id)
            .load::<Option<Uuid>>(conn)?
            .into_iter()
            .flatten()
            .collect();
        let rows: Vec<(Uuid, Option<Uuid>)> = g::groups
            .filter(g::municipality_id.eq(municipality))
            .filter(g::id.eq_any(&interested))
            .filter(g::status.eq_any([
                VolunteerStatus::Registered.as_str(),
                VolunteerStatus::InScreening.as_str(),
                VolunteerStatus::Approved.as_str(),
            ]))
            .filter(diesel::dsl::not(g::id.eq_any(&placed)))
            .filter(crate::districts::groups_of(audience))
            .select((g::id, g::home_unit_id))
            .load(conn)?;
        // A group records no wishes of its own: it is a candidate when its contact person
        // said it is interested.
        groups = rows
            .into_iter()
            .map(|(id, home)| Profile {
                key: id,
                interested: true,
                activity_kinds: Vec::new(),
                availability: Vec::new(),
                languages: Vec::new(),
                home_unit_id: home.map(Into::into),
            })
            .collect();
    }
    Ok((volunteers, groups))
}

/// One row of the public board: a need with the names a stranger may read.
#[derive(Debug, Clone)]
pub struct BoardEntry {
    /// The need.
    pub need: Need,
    /// The unit's name (for a person visited at home: the unit that answers for them).
    pub unit_name: String,
    /// The name of the unit above it (its district or area), if any.
    pub area: Option<String>,
    /// The activity kind's name.
    pub activity_name: Option<String>,
    /// Places taken.
    pub filled: i64,
}

/// A page of a municipality's open, published needs that are not over by `today`, in id order,
/// with the names a stranger may read.
pub fn board(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    today: NaiveDate,
    page: PageRequest,
) -> Result<Page<BoardEntry>, RepoError> {
    let mut query = n::needs
        .into_boxed()
        .filter(n::municipality_id.eq(municipality.into_uuid()))
        .filter(n::status.eq(NeedStatus::Open.as_str()))
        .filter(n::published.eq(true))
        .filter(diesel::dsl::not(over(today)));
    if let Some(after) = page.after {
        query = query.filter(n::id.gt(after));
    }
    let rows: Vec<NeedRow> = query
        .order(n::id.asc())
        .limit(page.limit + 1)
        .select(NeedRow::as_select())
        .load(conn)?;
    let page = Page::from_rows(rows, page.limit, |r| r.id).try_map(Need::try_from)?;
    let units: Vec<Uuid> = page.items.iter().map(|n| n.unit_id.into_uuid()).collect();
    let parent = diesel::alias!(crate::schema::units as parents);
    let names: HashMap<Uuid, (String, Option<String>)> = u::units
        .left_join(parent.on(parent.field(u::id).nullable().eq(u::parent_id)))
        .filter(u::municipality_id.eq(municipality.into_uuid()))
        .filter(u::id.eq_any(&units))
        .select((u::id, u::name, parent.field(u::name).nullable()))
        .load::<(Uuid, String, Option<String>)>(conn)?
        .into_iter()
        .map(|(id, name, area)| (id, (name, area)))
        .collect();
    let kinds: HashMap<String, String> =
        crate::activity_kinds::list(conn, TenantScope::Municipality(municipality), municipality)?
            .into_iter()
            .map(|kind| (kind.code, kind.name))
            .collect();
    let ids: Vec<NeedId> = page.items.iter().map(|n| n.id).collect();
    let tallies = tallies(conn, municipality, &ids)?;
    Ok(Page {
        next_after: page.next_after,
        items: page
            .items
            .into_iter()
            .map(|need| {
                let (unit_name, area) = names
                    .get(&need.unit_id.into_uuid())
                    .cloned()
                    .unwrap_or_default();
                BoardEntry {
                    unit_name,
                    area,
                    activity_name: kinds.get(&need.activity_kind).cloned(),
                    filled: tallies.get(&need.id).map_or(0, |t| t.0),
                    need,
                }
            })
            .collect(),
    })
}

/// Closes and unpublishes the needs of a person visited at home who no longer accepts visits;
/// returns how many changed.
pub fn close_for_recipient(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    recipient: RecipientId,
) -> Result<usize, RepoError> {
    Ok(diesel::update(
        n::needs
            .filter(n::municipality_id.eq(municipality.into_uuid()))
            .filter(n::recipient_id.eq(recipient.into_uuid()))
            .filter(n::status.ne(NeedStatus::Closed.as_str())),
    )
    .set((
        n::status.eq(NeedStatus::Closed.as_str()),
        n::published.eq(false),
        n::version.eq(n::version + 1),
    ))
    .execute(conn)?)
}

/// Closes the needs of a person visited at home whose data is being erased, and forgets what
/// they said about them.
pub fn close_for_recipient_erasure(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    recipient: RecipientId,
) -> Result<usize, RepoError> {
    Ok(diesel::update(
        n::needs
            .filter(n::municipality_id.eq(municipality.into_uuid()))
            .filter(n::recipient_id.eq(recipient.into_uuid())),
    )
    .set((
        n::status.eq(NeedStatus::Closed.as_str()),
        n::description.eq(samspill_domain::erasure::ERASED),
        n::published.eq(false),
        n::version.eq(n::version + 1),
    ))
    .execute(conn)?)
}

/// Whether a need that is not closed asks for the activity kind `code`.
pub fn kind_in_use(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    code: &str,
) -> Result<bool, RepoError> {
    Ok(diesel::select(diesel::dsl::exists(
        n::needs
            .filter(n::municipality_id.eq(municipality.into_uuid()))
            .filter(n::activity_kind.eq(code))
            .filter(n::status.ne(NeedStatus::Closed.as_str())),
    ))
    .get_result(conn)?)
}

/// An open need for the work list: when it opened, its first day, places and how many are
/// taken, whether anyone is interested, and its unit's name.
#[derive(Debug, Clone)]
pub struct OpenNeed {
    /// The need.
    pub id: NeedId,
    /// When it was last opened.
    pub opened_on: NaiveDate,
    /// Its first day.
    pub starts_on: NaiveDate,
    /// How many places.
    pub places: i32,
    /// Places taken.
    pub filled: i64,
    /// Whether any volunteer or group said they are interested.
    pub answered: bool,
    /// The activity kind.
    pub activity_kind: String,
    /// The unit's name.
    pub unit_name: String,
}

/// An open need's id, opened, created, first day, places, activity kind and unit name.
type OpenNeedRow = (
    Uuid,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
    NaiveDate,
    i32,
    String,
    String,
);

/// The open needs of a municipality that are not over by `today`, for the work list.
pub fn open_needs(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    today: NaiveDate,
) -> Result<Vec<OpenNeed>, RepoError> {
    let rows: Vec<OpenNeedRow> = n::needs
        .inner_join(
            u::units.on(u::municipality_id
                .eq(n::municipality_id)
                .and(u::id.eq(n::unit_id))),
        )
        .filter(n::municipality_id.eq(municipality.into_uuid()))
        .filter(n::status.eq(NeedStatus::Open.as_str()))
        .filter(diesel::dsl::not(over(today)))
        .select((
            n::id,
            n::opened_at,
            n::created_at,
            n::starts_on,
            n::places,
            n::activity_kind,
            u::name,
        ))
        .load(conn)?;
    let ids: Vec<NeedId> = rows.iter().map(|r| NeedId::from(r.0)).collect();
    let tallies = tallies(conn, municipality, &ids)?;
    Ok(rows
        .into_iter()
        .map(|(id, opened, created, starts_on, places, kind, unit)| {
            let (filled, interested) = tallies.get(&NeedId::from(id)).copied().unwrap_or((0, 0));
            OpenNeed {
                id: id.into(),
                opened_on: opened.unwrap_or(created).date_naive(),
                starts_on,
                places,
                filled,
                answered: interested > 0 || filled > 0,
                activity_kind: kind,
                unit_name: unit,
            }
        })
        .collect())
}

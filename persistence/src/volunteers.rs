//! Volunteers, and the history of their lifecycle. Coordinators see their municipality's;
//! contact persons only the volunteers assigned to them.

use crate::{
    districts,
    error::{RepoError, corrupt},
    page::{Page, PageRequest},
    schema::{
        contact_persons::dsl as c,
        volunteer_status_changes::dsl as h,
        volunteers::{self, dsl as v},
    },
    versioned::check_version,
};
use chrono::{DateTime, Utc};
use diesel::{
    dsl::sql,
    pg::Pg,
    prelude::*,
    sql_types::{Bool, Text},
};
use samspill_domain::webhook::Event;
use samspill_domain::{
    audit::{Actor, ActorKind, AuditAction, AuditResource},
    auth::{Audience, TenantScope},
    erasure,
    ids::{ContactPersonId, MunicipalityId, StaffUserId, UnitId, VolunteerId},
    volunteer::{AvailabilitySlot, Commitment, Volunteer, VolunteerStatus},
    volunteer_draft::VolunteerDraft,
};
use uuid::Uuid;

#[derive(Queryable, Selectable)]
#[diesel(table_name = volunteers, check_for_backend(Pg))]
struct VolunteerRow {
    id: Uuid,
    municipality_id: Uuid,
    status: String,
    given_name: String,
    family_name: String,
    email: Option<String>,
    phone: Option<String>,
    street_address: Option<String>,
    postal_code: Option<String>,
    city: Option<String>,
    birth_year: Option<i16>,
    languages: Vec<Option<String>>,
    interests: Vec<Option<String>>,
    activity_kinds: Vec<Option<String>>,
    availability: Vec<Option<String>>,
    commitment: String,
    home_unit_id: Option<Uuid>,
    contact_person_id: Option<Uuid>,
    notes: Option<String>,
    references_needed: bool,
    staff_user_id: Option<Uuid>,
    source: String,
    privacy_notice_version: Option<String>,
    possible_duplicate: bool,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    external_reference: Option<String>,
}

fn texts(values: Vec<Option<String>>) -> Vec<String> {
    values.into_iter().flatten().collect()
}

fn stored(values: &[String]) -> Vec<Option<String>> {
    values.iter().cloned().map(Some).collect()
}

impl TryFrom<VolunteerRow> for Volunteer {
    type Error = RepoError;

    fn try_from(row: VolunteerRow) -> Result<Self, RepoError> {
        Ok(Volunteer {
            id: row.id.into(),
            municipality_id: row.municipality_id.into(),
            status: row
                .status
                .parse()
                .map_err(|e| corrupt("volunteer status", e))?,
            given_name: row.given_name,
            family_name: row.family_name,
            email: row.email,
            phone: row.phone,
            street_address: row.street_address,
            postal_code: row.postal_code,
            city: row.city,
            birth_year: row.birth_year,
            languages: texts(row.languages),
            interests: texts(row.interests),
            activity_kinds: texts(row.activity_kinds),
            availability: texts(row.availability)
                .iter()
                .map(|slot| AvailabilitySlot::parse(slot).map_err(|e| corrupt("availability", e)))
                .collect::<Result<_, _>>()?,
            commitment: row
                .commitment
                .parse()
                .map_err(|e| corrupt("commitment", e))?,
            home_unit_id: row.home_unit_id.map(Into::into),
            contact_person_id: row.contact_person_id.map(Into::into),
            notes: row.notes,
            references_needed: row.references_needed,
            staff_user_id: row.staff_user_id.map(Into::into),
            source: row.source,
            privacy_notice_version: row.privacy_notice_version,
            possible_duplicate: row.possible_duplicate,
            external_reference: row.external_reference,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(AsChangeset, Insertable)]
#[diesel(table_name = volunteers, check_for_backend(Pg), treat_none_as_null = true)]
struct FieldsRow {
    given_name: String,
    family_name: String,
    email: Option<String>,
    phone: Option<String>,
    street_address: Option<String>,
    postal_code: Option<String>,
    city: Option<String>,
    birth_year: Option<i16>,
    languages: Vec<Option<String>>,
    interests: Vec<Option<String>>,
    activity_kinds: Vec<Option<String>>,
    availability: Vec<Option<String>>,
    commitment: String,
    home_unit_id: Option<Uuid>,
    contact_person_id: Option<Uuid>,
    notes: Option<String>,
    references_needed: bool,
    staff_user_id: Option<Uuid>,
    external_reference: Option<String>,
}

impl From<&VolunteerDraft> for FieldsRow {
    fn from(f: &VolunteerDraft) -> Self {
        Self {
            given_name: f.given_name.clone(),
            family_name: f.family_name.clone(),
            email: f.email.clone(),
            phone: f.phone.clone(),
            street_address: f.street_address.clone(),
            postal_code: f.postal_code.clone(),
            city: f.city.clone(),
            birth_year: f.birth_year,
            languages: stored(&f.languages),
            interests: stored(&f.interests),
            activity_kinds: stored(&f.activity_kinds),
            availability: f
                .availability
                .iter()
                .map(|slot| Some(slot.to_string()))
                .collect(),
            commitment: f
                .commitment
                .unwrap_or(Commitment::Occasional)
                .as_str()
                .to_owned(),
            home_unit_id: f.home_unit_id.map(UnitId::into_uuid),
            contact_person_id: f.contact_person_id.map(ContactPersonId::into_uuid),
            notes: f.notes.clone(),
            references_needed: f.references_needed,
            staff_user_id: f.staff_user_id.map(StaffUserId::into_uuid),
            external_reference: f.external_reference.clone(),
        }
    }
}

/// Filters for listing volunteers.
#[derive(Debug, Clone, Default)]
pub struct VolunteerFilter {
    /// Only this municipality.
    pub municipality_id: Option<MunicipalityId>,
    /// Only this status.
    pub status: Option<VolunteerStatus>,
    /// Only this home unit.
    pub home_unit_id: Option<UnitId>,
    /// Only this contact person.
    pub contact_person_id: Option<ContactPersonId>,
    /// Only volunteers who want this activity kind.
    pub activity_kind: Option<String>,
    /// Free text found in name, email or phone.
    pub search: Option<String>,
    /// The search text as a phone number is stored (see `samspill_domain::phone::search_form`),
    /// found as well: `412 34 567` finds `+4741234567`.
    pub search_phone: Option<String>,
}

/// The volunteers `scope` and `audience` may see; erased volunteers are gone for everyone.
fn visible(
    scope: TenantScope,
    audience: Audience,
) -> Box<dyn BoxableExpression<volunteers::table, Pg, SqlType = Bool>> {
    in_view(scope, audience, false)
}

/// The volunteers whose kept records (status history, audit log) `scope` and `audience` may
/// read: erasure keeps those for the municipality to show, so coordinators and administrators
/// still find an erased volunteer there; contact persons and volunteers do not.
fn with_kept_records(
    scope: TenantScope,
    audience: Audience,
) -> Box<dyn BoxableExpression<volunteers::table, Pg, SqlType = Bool>> {
    in_view(scope, audience, audience.manages())
}

fn in_view(
    scope: TenantScope,
    audience: Audience,
    erased_too: bool,
) -> Box<dyn BoxableExpression<volunteers::table, Pg, SqlType = Bool>> {
    let tenant: Box<dyn BoxableExpression<volunteers::table, Pg, SqlType = Bool>> =
        match (scope.municipality(), erased_too) {
            (Some(own), false) => Box::new(
                v::municipality_id
                    .eq(own.into_uuid())
                    .and(v::erased_at.is_null()),
            ),
            (Some(own), true) => Box::new(v::municipality_id.eq(own.into_uuid())),
            (None, false) => Box::new(v::erased_at.is_null()),
            // Every row: the administrators' scope, erased volunteers included.
            (None, true) => Box::new(v::id.is_not_null()),
        };
    match audience {
        Audience::Everyone => tenant,
        Audience::Coordinator(account) => Box::new(tenant.and(districts::volunteers(account))),
        Audience::Own(account) => {
            Box::new(tenant.and(v::staff_user_id.eq(account.into_uuid()).assume_not_null()))
        }
        Audience::AssignedTo(account) => Box::new(
            tenant.and(
                v::contact_person_id
                    .eq_any(
                        c::contact_persons
                            .filter(c::staff_user_id.eq(account.into_uuid()))
                            .select(c::id.nullable()),
                    )
                    .assume_not_null(),
            ),
        ),
    }
}

/// Stores a new volunteer with status `registered`, flagging a possible duplicate when another
/// volunteer of the municipality has the same email or phone.
pub fn insert(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    fields: &VolunteerDraft,
    source: &str,
    privacy_notice_version: Option<&str>,
) -> Result<Volunteer, RepoError> {
    conn.transaction(|conn| {
        let duplicate = duplicate_exists(
            conn,
            municipality,
            fields.email.as_deref(),
            fields.phone.as_deref(),
        )?;
        diesel::insert_into(volunteers::table)
            .values((
                v::id.eq(VolunteerId::generate().into_uuid()),
                v::municipality_id.eq(municipality.into_uuid()),
                FieldsRow::from(fields),
                v::source.eq(source),
                v::privacy_notice_version.eq(privacy_notice_version),
                v::possible_duplicate.eq(duplicate),
            ))
            .returning(VolunteerRow::as_returning())
            .get_result(conn)
            .map_err(reference_fields)?
            .try_into()
    })
}

/// Records many volunteers of `municipality` at once (an import), in the caller's
/// transaction; returns their ids in the order given. Call [`flag_possible_duplicates`] with
/// all of them when the import is written.
pub fn insert_many(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    drafts: &[VolunteerDraft],
    source: &str,
) -> Result<Vec<VolunteerId>, RepoError> {
    let mut ids = Vec::with_capacity(drafts.len());
    for chunk in drafts.chunks(1_000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|draft| {
                let id = VolunteerId::generate();
                ids.push(id);
                (
                    v::id.eq(id.into_uuid()),
                    v::municipality_id.eq(municipality.into_uuid()),
                    FieldsRow::from(draft),
                    v::source.eq(source),
                )
            })
            .collect();
        diesel::insert_into(volunteers::table)
            .values(rows)
            .execute(conn)
            .map_err(reference_fields)?;
    }
    Ok(ids)
}

/// Flags those of `ids` whose email or phone another volunteer of the municipality has as
/// possible duplicates, as a volunteer recorded one at a time is.
pub fn flag_possible_duplicates(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    ids: &[VolunteerId],
) -> Result<(), RepoError> {
    let uuids: Vec<Uuid> = ids.iter().map(|id| id.into_uuid()).collect();
    diesel::sql_query(
        "UPDATE volunteers n SET possible_duplicate = true \
         WHERE n.municipality_id = $1 AND n.id = ANY($2) AND EXISTS ( \
           SELECT 1 FROM volunteers o WHERE o.municipality_id = n.municipality_id \
             AND o.id <> n.id AND o.erased_at IS NULL \
             AND ((n.email IS NOT NULL AND o.email = n.email) \
               OR (n.phone IS NOT NULL AND o.phone = n.phone)))",
    )
    .bind::<diesel::sql_types::Uuid, _>(municipality.into_uuid())
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(&uuids)
    .execute(conn)?;
    Ok(())
}

/// Replaces the fields of a volunteer found by the caller (an import's update), raising its
/// version.
pub fn replace_fields(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    id: VolunteerId,
    fields: &VolunteerDraft,
) -> Result<(), RepoError> {
    diesel::update(
        v::volunteers
            .filter(v::municipality_id.eq(municipality.into_uuid()))
            .filter(v::id.eq(id.into_uuid()))
            .filter(v::erased_at.is_null()),
    )
    .set((FieldsRow::from(fields), v::version.eq(v::version + 1)))
    .execute(conn)
    .map_err(reference_fields)?;
    Ok(())
}

/// Of `references`, those erased volunteers of `municipality` still hold (the external
/// reference stays unique in the municipality after erasure).
pub fn erased_references(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    references: &[String],
) -> Result<Vec<String>, RepoError> {
    Ok(v::volunteers
        .filter(v::municipality_id.eq(municipality.into_uuid()))
        .filter(v::erased_at.is_not_null())
        .filter(v::external_reference.eq_any(references))
        .select(v::external_reference.assume_not_null())
        .load(conn)?)
}

/// The volunteers of `municipality` (not erased) with one of `emails` or `references`.
pub fn with_email_or_reference(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    emails: &[String],
    references: &[String],
) -> Result<Vec<Volunteer>, RepoError> {
    v::volunteers
        .filter(v::municipality_id.eq(municipality.into_uuid()))
        .filter(v::erased_at.is_null())
        .filter(
            v::email
                .eq_any(emails)
                .or(v::external_reference.eq_any(references)),
        )
        .select(VolunteerRow::as_select())
        .load::<VolunteerRow>(conn)?
        .into_iter()
        .map(Volunteer::try_from)
        .collect()
}

fn duplicate_exists(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    email: Option<&str>,
    phone: Option<&str>,
) -> Result<bool, RepoError> {
    let same_email = email.map(|email| v::email.eq(email.to_owned()));
    let same_phone = phone.map(|phone| v::phone.eq(phone.to_owned()));
    let condition: Box<
        dyn BoxableExpression<volunteers::table, Pg, SqlType = diesel::sql_types::Nullable<Bool>>,
    > = match (same_email, same_phone) {
        (Some(e), Some(p)) => Box::new(e.or(p)),
        (Some(e), None) => Box::new(e),
        (None, Some(p)) => Box::new(p),
        (None, None) => return Ok(false),
    };
    Ok(diesel::select(diesel::dsl::exists(
        v::volunteers
            .filter(v::municipality_id.eq(municipality.into_uuid()))
            .filter(condition.assume_not_null()),
    ))
    .get_result(conn)?)
}

/// A home unit or contact person outside the volunteer's municipality is a field error.
fn reference_fields(error: diesel::result::Error) -> RepoError {
    match RepoError::from(error) {
        RepoError::Reference { constraint } if constraint == "volunteers_home_unit_fkey" => {
            RepoError::invalid(
                "home_unit_id",
                samspill_domain::ParseError::new(
                    "not_found",
                    "no unit with this id in the municipality",
                ),
            )
        }
        RepoError::Reference { constraint } if constraint == "volunteers_contact_person_fkey" => {
            RepoError::invalid(
                "contact_person_id",
                samspill_domain::ParseError::new(
                    "not_found",
                    "no contact person with this id in the municipality",
                ),
            )
        }
        other => other,
    }
}

/// One volunteer, if the scope and audience see it.
pub fn find(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    id: VolunteerId,
) -> Result<Volunteer, RepoError> {
    find_in(conn, visible(scope, audience), id)
}

/// The volunteers of `ids` that the scope and audience see (erased ones left out), in no
/// particular order.
pub fn many(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    ids: &[VolunteerId],
) -> Result<Vec<Volunteer>, RepoError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    v::volunteers
        .filter(visible(scope, audience))
        .filter(v::id.eq_any(ids.iter().map(|id| id.into_uuid())))
        .select(VolunteerRow::as_select())
        .load::<VolunteerRow>(conn)?
        .into_iter()
        .map(Volunteer::try_from)
        .collect()
}

/// A volunteer whose kept records (status history, audit log) `scope` and `audience` may
/// read: as [`find`], and for coordinators and administrators also after erasure.
pub fn find_kept(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    id: VolunteerId,
) -> Result<Volunteer, RepoError> {
    find_in(conn, with_kept_records(scope, audience), id)
}

fn find_in(
    conn: &mut PgConnection,
    seen: Box<dyn BoxableExpression<volunteers::table, Pg, SqlType = Bool>>,
    id: VolunteerId,
) -> Result<Volunteer, RepoError> {
    v::volunteers
        .filter(seen)
        .filter(v::id.eq(id.into_uuid()))
        .select(VolunteerRow::as_select())
        .first(conn)?
        .try_into()
}

/// The one volunteer an `Audience::Own` sees.
pub fn find_own(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
) -> Result<Volunteer, RepoError> {
    v::volunteers
        .filter(visible(scope, audience))
        .select(VolunteerRow::as_select())
        .first(conn)?
        .try_into()
}

/// Escapes LIKE wildcards in user input.
fn like_pattern(text: &str) -> String {
    let escaped = text
        .trim()
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// A page of the volunteers the scope and audience see, filtered, in id order.
pub fn list(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    filter: &VolunteerFilter,
    page: PageRequest,
) -> Result<Page<Volunteer>, RepoError> {
    let mut query = v::volunteers.into_boxed().filter(visible(scope, audience));
    if let Some(municipality) = filter.municipality_id {
        query = query.filter(v::municipality_id.eq(municipality.into_uuid()));
    }
    if let Some(status) = filter.status {
        query = query.filter(v::status.eq(status.as_str()));
    }
    if let Some(unit) = filter.home_unit_id {
        query = query.filter(v::home_unit_id.eq(unit.into_uuid()));
    }
    if let Some(contact) = filter.contact_person_id {
        query = query.filter(v::contact_person_id.eq(contact.into_uuid()));
    }
    if let Some(kind) = &filter.activity_kind {
        query = query.filter(v::activity_kinds.contains(vec![Some(kind.clone())]));
    }
    if let Some(text) = filter.search.as_deref().filter(|t| !t.trim().is_empty()) {
        // Both patterns test the expression of the trigram index `volunteers_search_idx`.
        const SEARCHED: &str = "lower(given_name || ' ' || family_name || ' ' || coalesce(email, '') || ' ' || coalesce(phone, '')) LIKE ";
        let found = sql::<Bool>(&format!("({SEARCHED}")).bind::<Text, _>(like_pattern(text));
        query = match filter.search_phone.as_deref() {
            Some(phone) => query.filter(
                found
                    .sql(&format!(" OR {SEARCHED}"))
                    .bind::<Text, _>(like_pattern(phone))
                    .sql(")"),
            ),
            None => query.filter(found.sql(")")),
        };
    }
    if let Some(after) = page.after {
        query = query.filter(v::id.gt(after));
    }
    let rows = query
        .order(v::id.asc())
        .limit(page.limit + 1)
        .select(VolunteerRow::as_select())
        .load(conn)?;
    Page::from_rows(rows, page.limit, |r| r.id).try_map(Volunteer::try_from)
}

fn locked(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    id: VolunteerId,
) -> Result<Volunteer, RepoError> {
    v::volunteers
        .filter(visible(scope, audience))
        .filter(v::id.eq(id.into_uuid()))
        .select(VolunteerRow::as_select())
        .for_update()
        .first(conn)?
        .try_into()
}

/// Changes a volunteer's fields under the row lock: `change` gets the current record and
/// returns the new fields. Nothing is written when nothing changes.
pub fn update<E>(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    id: VolunteerId,
    expected_version: Option<i32>,
    change: impl FnOnce(&mut PgConnection, &Volunteer) -> Result<VolunteerDraft, E>,
) -> Result<Volunteer, E>
where
    E: From<RepoError> + From<diesel::result::Error>,
{
    conn.transaction::<_, E, _>(|conn| {
        let current = locked(conn, scope, audience, id)?;
        // The request is judged before its If-Match: an invalid change is a 422 whatever
        // version it names.
        let fields = change(conn, &current)?;
        check_version(current.version, expected_version)?;
        if fields == VolunteerDraft::of(&current) {
            return Ok(current);
        }
        Ok(
            diesel::update(v::volunteers.filter(v::id.eq(id.into_uuid())))
                .set((FieldsRow::from(&fields), v::version.eq(v::version + 1)))
                .returning(VolunteerRow::as_returning())
                .get_result(conn)
                .map_err(reference_fields)?
                .try_into()?,
        )
    })
}

/// A recorded status change.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = crate::schema::volunteer_status_changes, check_for_backend(Pg))]
pub struct StatusChange {
    /// Its id.
    pub id: Uuid,
    /// The status before (`None` for the first entry).
    pub from_status: Option<String>,
    /// The status after.
    pub to_status: String,
    /// Why.
    pub reason: String,
    /// Who made the change.
    pub changed_by: Option<Uuid>,
    /// When.
    pub changed_at: DateTime<Utc>,
}

/// A status change asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The new status.
    pub to: VolunteerStatus,
    /// Why (kept in the history).
    pub reason: String,
    /// Who asks.
    pub actor: StaffUserId,
}

/// Moves a volunteer to `to` under the row lock, after `check` (which sees the current record
/// and the connection, to gather approval facts) allows it, and records the change with its
/// reason and actor in the same transaction.
pub fn transition<E>(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: VolunteerId,
    expected_version: Option<i32>,
    transition: &Transition,
    check: impl FnOnce(&mut PgConnection, &Volunteer) -> Result<(), E>,
) -> Result<Volunteer, E>
where
    E: From<RepoError> + From<diesel::result::Error>,
{
    conn.transaction::<_, E, _>(|conn| {
        let current = locked(conn, scope, Audience::Everyone, id)?;
        check_version(current.version, expected_version)?;
        check(conn, &current)?;
        diesel::insert_into(h::volunteer_status_changes)
            .values((
                h::id.eq(Uuid::now_v7()),
                h::volunteer_id.eq(id.into_uuid()),
                h::from_status.eq(current.status.as_str()),
                h::to_status.eq(transition.to.as_str()),
                h::reason.eq(&transition.reason),
                h::changed_by.eq(transition.actor.into_uuid()),
            ))
            .execute(conn)?;
        crate::outbox::emit(
            conn,
            &Event::VolunteerStatusChanged {
                municipality_id: current.municipality_id,
                volunteer_id: id,
                from: current.status,
                to: transition.to,
            },
        )?;
        Ok(
            diesel::update(v::volunteers.filter(v::id.eq(id.into_uuid())))
                .set((
                    v::status.eq(transition.to.as_str()),
                    v::version.eq(v::version + 1),
                ))
                .returning(VolunteerRow::as_returning())
                .get_result(conn)?
                .try_into()?,
        )
    })
}

/// The status history of a volunteer the scope sees, oldest first; it stays after erasure
/// for coordinators and administrators (see [`find_kept`]).
pub fn history(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    id: VolunteerId,
) -> Result<Vec<StatusChange>, RepoError> {
    find_kept(conn, scope, audience, id)?;
    Ok(h::volunteer_status_changes
        .filter(h::volunteer_id.eq(id.into_uuid()))
        .order(h::id.asc())
        .select(StatusChange::as_select())
        .load(conn)?)
}

/// Erases a volunteer's personal data (the right to erasure), all of it in one transaction, as
/// [`samspill_domain::erasure`] says what goes and what stays. Police certificate records are
/// deleted with each deletion logged in the audit log. The volunteer is then invisible to
/// every list and lookup.
pub fn erase(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: VolunteerId,
    expected_version: Option<i32>,
    actor: Actor,
    action: AuditAction,
) -> Result<(), RepoError> {
    use crate::schema::{
        dog_approvals::dsl as da, dogs::dsl as d, reference_checks::dsl as r, screenings::dsl as s,
    };
    conn.transaction(|conn| {
        let current = locked(conn, scope, Audience::Everyone, id)?;
        check_version(current.version, expected_version)?;
        // Who changed the history: a person, or nobody when the schedule did it.
        let by = (actor.kind == ActorKind::StaffUser).then(|| StaffUserId::from(actor.id));
        crate::audit::record(
            conn,
            &crate::audit::NewAuditEntry::about(
                &current,
                actor,
                action,
                AuditResource::Volunteer,
                Some(id.into_uuid()),
            ),
        )?;
        let erased = erasure::ERASED;
        let empty: Vec<Option<String>> = Vec::new();
        let final_status = erasure::status_after_erasure(current.status);
        // What needs they were interested in says what they wished for: it goes.
        {
            use crate::schema::need_interests::dsl as ni;
            diesel::delete(
                ni::need_interests
                    .filter(ni::municipality_id.eq(current.municipality_id.into_uuid()))
                    .filter(ni::volunteer_id.eq(id.into_uuid())),
            )
            .execute(conn)?;
        }
        // Follow-ups and contacts with them go; notes about their placements too.
        crate::follow_ups::erase_for(
            conn,
            current.municipality_id,
            samspill_domain::follow_up::FollowUpSubject::Volunteer(id),
        )?;
        // The history stays (statuses, dates, who), but the reasons are free text written about
        // the person and go with the rest.
        diesel::update(h::volunteer_status_changes.filter(h::volunteer_id.eq(id.into_uuid())))
            .set(h::reason.eq(erased))
            .execute(conn)?;
        diesel::insert_into(h::volunteer_status_changes)
            .values((
                h::id.eq(Uuid::now_v7()),
                h::volunteer_id.eq(id.into_uuid()),
                h::from_status.eq(current.status.as_str()),
                h::to_status.eq(final_status.as_str()),
                h::reason.eq(erasure::ERASURE_REASON),
                h::changed_by.eq(by.map(StaffUserId::into_uuid)),
            ))
            .execute(conn)?;
        crate::outbox::emit(
            conn,
            &Event::VolunteerStatusChanged {
                municipality_id: current.municipality_id,
                volunteer_id: id,
                from: current.status,
                to: final_status,
            },
        )?;
        diesel::update(v::volunteers.filter(v::id.eq(id.into_uuid())))
            .set((
                v::status.eq(final_status.as_str()),
                v::given_name.eq(erased),
                v::family_name.eq(erased),
                v::email.eq(None::<String>),
                v::phone.eq(None::<String>),
                v::street_address.eq(None::<String>),
                v::postal_code.eq(None::<String>),
                v::city.eq(None::<String>),
                v::birth_year.eq(None::<i16>),
                v::languages.eq(&empty),
                v::interests.eq(&empty),
                v::availability.eq(&empty),
                v::notes.eq(None::<String>),
                v::staff_user_id.eq(None::<Uuid>),
                v::erased_at.eq(diesel::dsl::now),
                v::version.eq(v::version + 1),
            ))
            .execute(conn)?;
        diesel::update(s::screenings.filter(s::volunteer_id.eq(id.into_uuid())))
            .set((s::notes.eq(None::<String>), s::interests_mapped.eq(&empty)))
            .execute(conn)?;
        diesel::update(r::reference_checks.filter(r::volunteer_id.eq(id.into_uuid())))
            .set((
                r::referee_name.eq(erased),
                r::relation.eq(erased),
                r::notes.eq(None::<String>),
                r::version.eq(r::version + 1),
            ))
            .execute(conn)?;
        crate::certificates::erase(conn, &current, actor)?;
        // Placements end before the dogs go: a placement that brings one of them ends too.
        crate::placements::end_for_erasure(
            conn,
            current.municipality_id,
            id,
            by,
            (erased, erasure::ERASURE_REASON),
        )?;
        // Their hours stay (minutes, dates, statuses); what was written about them goes.
        crate::time_entries::forget_texts(conn, current.municipality_id, id, erased)?;
        // Approvals made with the volunteer as handler, also of dogs someone else handles now;
        // the approvals of the volunteer's own dogs go with the dogs.
        diesel::delete(da::dog_approvals.filter(da::handler_id.eq(id.into_uuid())))
            .execute(conn)?;
        diesel::delete(d::dogs.filter(d::handler_id.eq(id.into_uuid()))).execute(conn)?;
        // Who gave a consent on their behalf is a person named: the name goes, the fact stays.
        crate::consents::forget_representatives(
            conn,
            current.municipality_id,
            crate::consents::ConsentSubject::Volunteer(id),
            erased,
        )?;
        // A group's member list names people: the erased volunteer leaves it.
        {
            use crate::schema::group_members::dsl as gm;
            diesel::delete(gm::group_members.filter(gm::volunteer_id.eq(id.into_uuid())))
                .execute(conn)?;
        }
        if let Some(account) = current.staff_user_id {
            erase_login(conn, account)?;
        }
        // Answers kept for retries may carry the person's data, and their login's.
        crate::idempotency::forget_mentions(conn, &id.to_string())?;
        if let Some(account) = current.staff_user_id {
            crate::idempotency::forget_mentions(conn, &account.to_string())?;
        }
        Ok(())
    })
}

/// Deletes an erased volunteer's record and everything still linked to it: hours, reminders
/// sent, contacts and follow-ups about them or their placements, the placements with their
/// visits, and (by cascade) the rest. The audit log keeps the volunteer's id. Call it after
/// [`erase`], in the same transaction.
pub fn delete_erased(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    id: VolunteerId,
) -> Result<(), RepoError> {
    use diesel::sql_types::Uuid as SqlUuid;
    const THEIR_PLACEMENTS: &str =
        "(SELECT id FROM placements WHERE municipality_id = $1 AND volunteer_id = $2)";
    let follow_ups = format!(
        "(SELECT id FROM follow_ups WHERE municipality_id = $1 \
         AND (volunteer_id = $2 OR placement_id IN {THEIR_PLACEMENTS}))"
    );
    let statements = [
        format!(
            "DELETE FROM time_entries WHERE municipality_id = $1 \
             AND (volunteer_id = $2 OR placement_id IN {THEIR_PLACEMENTS})"
        ),
        "DELETE FROM notifications WHERE municipality_id = $1 AND volunteer_id = $2".to_owned(),
        format!(
            "DELETE FROM contact_log WHERE municipality_id = $1 AND (volunteer_id = $2 \
             OR placement_id IN {THEIR_PLACEMENTS} OR follow_up_id IN {follow_ups})"
        ),
        format!("DELETE FROM follow_ups WHERE municipality_id = $1 AND id IN {follow_ups}"),
        "DELETE FROM placements WHERE municipality_id = $1 AND volunteer_id = $2".to_owned(),
        "DELETE FROM volunteers WHERE municipality_id = $1 AND id = $2 AND erased_at IS NOT NULL"
            .to_owned(),
    ];
    for sql in statements {
        diesel::sql_query(sql)
            .bind::<SqlUuid, _>(municipality.into_uuid())
            .bind::<SqlUuid, _>(id.into_uuid())
            .execute(conn)?;
    }
    Ok(())
}

/// Anonymises and deactivates a volunteer's login and ends its sessions.
fn erase_login(conn: &mut PgConnection, account: StaffUserId) -> Result<(), RepoError> {
    use crate::schema::staff_users::dsl as u;
    diesel::update(u::staff_users.filter(u::id.eq(account.into_uuid())))
        .set((
            u::email.eq(format!("erased-{}@erased.invalid", account)),
            u::display_name.eq(erasure::ERASED),
            u::active.eq(false),
            u::version.eq(u::version + 1),
        ))
        .execute(conn)?;
    crate::refresh_tokens::revoke_for_user(conn, account)
}

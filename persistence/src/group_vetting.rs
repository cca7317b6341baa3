//! Vetting a group through its contact person: screening interviews held with the contact
//! person of the time, declarations signed by them on the group's behalf, the lifecycle
//! transitions with their history, and the facts clearance reads for a group.

use crate::{
    clearance::{FactSubject, facts_for},
    error::{RepoError, corrupt},
    groups,
    schema::{
        group_declarations::dsl as d, group_screenings::dsl as s, group_status_changes::dsl as h,
    },
    versioned::check_version,
    vetting::current_versions,
    volunteers::{StatusChange, Transition},
};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::{pg::Pg, prelude::*};
use samspill_domain::{
    auth::TenantScope,
    clearance::{ClearanceFacts, DeclarationFact, ScreeningFact},
    group::Group,
    ids::{ContactPersonId, GroupId, StaffUserId, VolunteerId},
    vetting::{DeclarationKind, ScreeningAssessment, ScreeningChannel, declaration_is_current},
    volunteer::{ApprovalFacts, VolunteerStatus},
};
use uuid::Uuid;

/// A screening interview with a group's contact person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupScreening {
    /// Its id.
    pub id: Uuid,
    /// The group.
    pub group_id: GroupId,
    /// The contact person interviewed.
    pub contact_person_id: ContactPersonId,
    /// When.
    pub held_at: DateTime<Utc>,
    /// How.
    pub channel: ScreeningChannel,
    /// Who held it.
    pub interviewer_id: StaffUserId,
    /// The assessment.
    pub assessment: ScreeningAssessment,
    /// Notes.
    pub notes: Option<String>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = crate::schema::group_screenings, check_for_backend(Pg))]
struct ScreeningRow {
    id: Uuid,
    group_id: Uuid,
    contact_person_id: Uuid,
    held_at: DateTime<Utc>,
    channel: String,
    interviewer_id: Uuid,
    assessment: String,
    notes: Option<String>,
    created_at: DateTime<Utc>,
}

impl TryFrom<ScreeningRow> for GroupScreening {
    type Error = RepoError;

    fn try_from(row: ScreeningRow) -> Result<Self, RepoError> {
        Ok(GroupScreening {
            id: row.id,
            group_id: row.group_id.into(),
            contact_person_id: row.contact_person_id.into(),
            held_at: row.held_at,
            channel: row.channel.parse().map_err(|e| corrupt("channel", e))?,
            interviewer_id: row.interviewer_id.into(),
            assessment: row
                .assessment
                .parse()
                .map_err(|e| corrupt("assessment", e))?,
            notes: row.notes,
            created_at: row.created_at,
        })
    }
}

/// A screening interview to record (checked by the caller).
#[derive(Debug, Clone)]
pub struct NewGroupScreening {
    /// When it was held.
    pub held_at: DateTime<Utc>,
    /// How.
    pub channel: ScreeningChannel,
    /// Who held it.
    pub interviewer_id: StaffUserId,
    /// The assessment.
    pub assessment: ScreeningAssessment,
    /// Notes.
    pub notes: Option<String>,
}

/// Records a screening interview with the group's current contact person.
pub fn add_screening(
    conn: &mut PgConnection,
    group: &Group,
    new: &NewGroupScreening,
) -> Result<GroupScreening, RepoError> {
    diesel::insert_into(s::group_screenings)
        .values((
            s::id.eq(Uuid::now_v7()),
            s::group_id.eq(group.id.into_uuid()),
            s::contact_person_id.eq(group.contact_person_id.into_uuid()),
            s::held_at.eq(new.held_at),
            s::channel.eq(new.channel.as_str()),
            s::interviewer_id.eq(new.interviewer_id.into_uuid()),
            s::assessment.eq(new.assessment.as_str()),
            s::notes.eq(&new.notes),
        ))
        .returning(ScreeningRow::as_returning())
        .get_result(conn)?
        .try_into()
}

/// The group's screening interviews, latest first.
pub fn screenings(
    conn: &mut PgConnection,
    group: &Group,
) -> Result<Vec<GroupScreening>, RepoError> {
    s::group_screenings
        .filter(s::group_id.eq(group.id.into_uuid()))
        .order((s::held_at.desc(), s::id.desc()))
        .select(ScreeningRow::as_select())
        .load(conn)?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

/// A declaration signed on a group's behalf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDeclaration {
    /// Its id.
    pub id: Uuid,
    /// The group.
    pub group_id: GroupId,
    /// Which document.
    pub kind: DeclarationKind,
    /// The version signed.
    pub document_version: String,
    /// When.
    pub signed_on: NaiveDate,
    /// The contact person who signed for the group.
    pub signed_by: ContactPersonId,
    /// The coordinator who recorded it.
    pub recorded_by: StaffUserId,
    /// Whether it no longer counts: a newer version is published, or the group has another
    /// contact person now.
    pub needs_renewal: bool,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = crate::schema::group_declarations, check_for_backend(Pg))]
struct DeclarationRow {
    id: Uuid,
    group_id: Uuid,
    kind: String,
    document_version: String,
    signed_on: NaiveDate,
    signed_by: Uuid,
    recorded_by: Uuid,
    created_at: DateTime<Utc>,
}

fn declaration(
    row: DeclarationRow,
    group: &Group,
    current: &std::collections::HashMap<DeclarationKind, String>,
) -> Result<GroupDeclaration, RepoError> {
    let kind: DeclarationKind = row.kind.parse().map_err(|e| corrupt("kind", e))?;
    let signed_by: ContactPersonId = row.signed_by.into();
    Ok(GroupDeclaration {
        id: row.id,
        group_id: row.group_id.into(),
        needs_renewal: signed_by != group.contact_person_id
            || !declaration_is_current(
                &row.document_version,
                current.get(&kind).map(String::as_str),
            ),
        kind,
        document_version: row.document_version,
        signed_on: row.signed_on,
        signed_by,
        recorded_by: row.recorded_by.into(),
        created_at: row.created_at,
    })
}

/// A declaration to record (checked by the caller).
#[derive(Debug, Clone)]
pub struct NewGroupDeclaration {
    /// Which document.
    pub kind: DeclarationKind,
    /// The version signed.
    pub document_version: String,
    /// When.
    pub signed_on: NaiveDate,
    /// The coordinator recording it.
    pub recorded_by: StaffUserId,
}

/// Records a declaration signed on the group's behalf by its current contact person.
pub fn add_declaration(
    conn: &mut PgConnection,
    group: &Group,
    new: &NewGroupDeclaration,
) -> Result<GroupDeclaration, RepoError> {
    let row = diesel::insert_into(d::group_declarations)
        .values((
            d::id.eq(Uuid::now_v7()),
            d::group_id.eq(group.id.into_uuid()),
            d::kind.eq(new.kind.as_str()),
            d::document_version.eq(&new.document_version),
            d::signed_on.eq(new.signed_on),
            d::signed_by.eq(group.contact_person_id.into_uuid()),
            d::recorded_by.eq(new.recorded_by.into_uuid()),
        ))
        .returning(DeclarationRow::as_returning())
        .get_result(conn)?;
    declaration(row, group, &current_versions(conn, group.municipality_id)?)
}

/// The declarations signed for a group, latest first, each marked when it needs renewal.
pub fn declarations(
    conn: &mut PgConnection,
    group: &Group,
) -> Result<Vec<GroupDeclaration>, RepoError> {
    let current = current_versions(conn, group.municipality_id)?;
    d::group_declarations
        .filter(d::group_id.eq(group.id.into_uuid()))
        .order((d::signed_on.desc(), d::id.desc()))
        .select(DeclarationRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|row| declaration(row, group, &current))
        .collect()
}

/// What the approval rule needs to know of a group: the latest screening with its current
/// contact person, and the declarations that person signed of the current versions.
pub fn approval_facts(conn: &mut PgConnection, group: &Group) -> Result<ApprovalFacts, RepoError> {
    let latest = screenings(conn, group)?
        .into_iter()
        .find(|s| s.contact_person_id == group.contact_person_id);
    let signed = declarations(conn, group)?;
    let current = |kind| signed.iter().any(|d| d.kind == kind && !d.needs_renewal);
    Ok(ApprovalFacts {
        suitable_screening: latest.is_some_and(|s| s.assessment == ScreeningAssessment::Suitable),
        confidentiality_declaration: current(DeclarationKind::Confidentiality),
        privacy_guidelines: current(DeclarationKind::PrivacyGuidelines),
        volunteer_agreement: current(DeclarationKind::VolunteerAgreement),
        references_needed: false,
        references_completed: false,
        has_contact_person: true,
        has_home_unit: group.home_unit_id.is_some(),
    })
}

/// The facts clearance reads for the group as a whole (its status, and the screenings and
/// declarations of its current contact person) and for each named member.
pub fn clearance_facts(
    conn: &mut PgConnection,
    group: &Group,
    with_breaks: bool,
) -> Result<(ClearanceFacts, Vec<ClearanceFacts>), RepoError> {
    let own_screenings = screenings(conn, group)?
        .into_iter()
        .filter(|s| s.contact_person_id == group.contact_person_id)
        .map(|s| ScreeningFact {
            held_on: s.held_at.date_naive(),
            assessment: s.assessment,
        })
        .collect();
    let signed = declarations(conn, group)?
        .into_iter()
        .filter(|d| d.signed_by == group.contact_person_id)
        .map(|d| DeclarationFact {
            kind: d.kind,
            signed_on: d.signed_on,
            current: !d.needs_renewal,
        })
        .collect();
    let facts = ClearanceFacts {
        // Group facts never meet per-person requirements, which are asked of members.
        volunteer_id: VolunteerId::from(group.id.into_uuid()),
        status: group.status,
        has_contact_person: true,
        declarations: signed,
        screenings: own_screenings,
        references: Vec::new(),
        certificates: Vec::new(),
        breaks: Vec::new(),
        trainings: Vec::new(),
        dog: None,
    };
    let subjects: Vec<FactSubject> = crate::schema::volunteers::table
        .filter(
            crate::schema::volunteers::id.eq_any(group.member_ids.iter().map(|m| m.into_uuid())),
        )
        .filter(crate::schema::volunteers::erased_at.is_null())
        .select((
            crate::schema::volunteers::id,
            crate::schema::volunteers::status,
            crate::schema::volunteers::contact_person_id,
        ))
        .load::<(Uuid, String, Option<Uuid>)>(conn)?
        .into_iter()
        .map(|(id, status, contact)| {
            Ok(FactSubject {
                id: id.into(),
                status: status
                    .parse::<VolunteerStatus>()
                    .map_err(|e| corrupt("volunteer status", e))?,
                has_contact_person: contact.is_some(),
            })
        })
        .collect::<Result<_, RepoError>>()?;
    let mut by_member = facts_for(conn, group.municipality_id, &subjects, with_breaks)?;
    let members = group
        .member_ids
        .iter()
        .filter_map(|id| by_member.remove(id))
        .collect();
    Ok((facts, members))
}

/// Moves a group to `to` under its row lock after `check` allows it; the history row is
/// written in the same transaction.
pub fn transition<E>(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: GroupId,
    expected_version: Option<i32>,
    transition: &Transition,
    check: impl FnOnce(&mut PgConnection, &Group) -> Result<(), E>,
) -> Result<Group, E>
where
    E: From<RepoError> + From<diesel::result::Error>,
{
    conn.transaction::<_, E, _>(|conn| {
        let current = groups::locked(conn, scope, id)?;
        check_version(current.version, expected_version)?;
        check(conn, &current)?;
        Ok(groups::set_status(
            conn,
            &current,
            transition.to,
            &transition.reason,
            transition.actor,
        )?)
    })
}

/// The status history of a group, oldest first.
pub fn history(conn: &mut PgConnection, group: &Group) -> Result<Vec<StatusChange>, RepoError> {
    Ok(h::group_status_changes
        .filter(h::group_id.eq(group.id.into_uuid()))
        .order(h::id.asc())
        .select((
            h::id,
            h::from_status,
            h::to_status,
            h::reason,
            h::changed_by,
            h::changed_at,
        ))
        .load(conn)?)
}

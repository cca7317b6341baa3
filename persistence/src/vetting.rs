//! Vetting records of a volunteer and the document versions of a municipality. Callers check
//! first that the volunteer is visible to them (`volunteers::find`); these functions take the
//! volunteer as found.

use crate::{
    error::{RepoError, corrupt},
    schema::{
        declarations::dsl as d, municipality_documents::dsl as m, reference_checks::dsl as r,
        screenings::dsl as s,
    },
    versioned::check_version,
};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::{pg::Pg, prelude::*};
use samspill_domain::{
    ids::{MunicipalityId, StaffUserId},
    vetting::{
        Declaration, DeclarationKind, PublishedDocument, ReferenceCheck, ReferenceOutcome,
        Screening, ScreeningAssessment, ScreeningChannel, declaration_is_current,
        references_complete,
    },
    volunteer::{ApprovalFacts, Volunteer},
};
use std::collections::HashMap;
use uuid::Uuid;

type ScreeningRow = (
    Uuid,
    Uuid,
    DateTime<Utc>,
    String,
    Uuid,
    Vec<Option<String>>,
    String,
    Option<String>,
    DateTime<Utc>,
);

fn screening(row: ScreeningRow) -> Result<Screening, RepoError> {
    let (
        id,
        volunteer_id,
        held_at,
        channel,
        interviewer_id,
        interests,
        assessment,
        notes,
        created_at,
    ) = row;
    Ok(Screening {
        id,
        volunteer_id: volunteer_id.into(),
        held_at,
        channel: channel.parse().map_err(|e| corrupt("channel", e))?,
        interviewer_id: interviewer_id.into(),
        interests_mapped: interests.into_iter().flatten().collect(),
        assessment: assessment.parse().map_err(|e| corrupt("assessment", e))?,
        notes,
        created_at,
    })
}

const SCREENING_COLUMNS: (
    s::id,
    s::volunteer_id,
    s::held_at,
    s::channel,
    s::interviewer_id,
    s::interests_mapped,
    s::assessment,
    s::notes,
    s::created_at,
) = (
    s::id,
    s::volunteer_id,
    s::held_at,
    s::channel,
    s::interviewer_id,
    s::interests_mapped,
    s::assessment,
    s::notes,
    s::created_at,
);

/// A screening interview to record.
#[derive(Debug, Clone)]
pub struct NewScreening {
    /// When it was held.
    pub held_at: DateTime<Utc>,
    /// How.
    pub channel: ScreeningChannel,
    /// Who held it.
    pub interviewer_id: StaffUserId,
    /// Interests found.
    pub interests_mapped: Vec<String>,
    /// The assessment.
    pub assessment: ScreeningAssessment,
    /// Notes.
    pub notes: Option<String>,
}

/// Records a screening interview.
pub fn add_screening(
    conn: &mut PgConnection,
    volunteer: &Volunteer,
    new: &NewScreening,
) -> Result<Screening, RepoError> {
    let row: ScreeningRow = diesel::insert_into(s::screenings)
        .values((
            s::id.eq(Uuid::now_v7()),
            s::volunteer_id.eq(volunteer.id.into_uuid()),
            s::held_at.eq(new.held_at),
            s::channel.eq(new.channel.as_str()),
            s::interviewer_id.eq(new.interviewer_id.into_uuid()),
            s::interests_mapped.eq(new
                .interests_mapped
                .iter()
                .cloned()
                .map(Some)
                .collect::<Vec<_>>()),
            s::assessment.eq(new.assessment.as_str()),
            s::notes.eq(&new.notes),
        ))
        .returning(SCREENING_COLUMNS)
        .get_result(conn)?;
    screening(row)
}

/// The screening interviews of a volunteer, latest first.
pub fn screenings(
    conn: &mut PgConnection,
    volunteer: &Volunteer,
) -> Result<Vec<Screening>, RepoError> {
    s::screenings
        .filter(s::volunteer_id.eq(volunteer.id.into_uuid()))
        .order((s::held_at.desc(), s::id.desc()))
        .select(SCREENING_COLUMNS)
        .load::<ScreeningRow>(conn)?
        .into_iter()
        .map(screening)
        .collect()
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = crate::schema::reference_checks, check_for_backend(Pg))]
struct ReferenceRow {
    id: Uuid,
    volunteer_id: Uuid,
    referee_name: String,
    relation: String,
    contacted_at: Option<DateTime<Utc>>,
    outcome: Option<String>,
    notes: Option<String>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<ReferenceRow> for ReferenceCheck {
    type Error = RepoError;

    fn try_from(row: ReferenceRow) -> Result<Self, RepoError> {
        Ok(ReferenceCheck {
            id: row.id,
            volunteer_id: row.volunteer_id.into(),
            referee_name: row.referee_name,
            relation: row.relation,
            contacted_at: row.contacted_at,
            outcome: row
                .outcome
                .map(|o| o.parse().map_err(|e| corrupt("outcome", e)))
                .transpose()?,
            notes: row.notes,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A reference check to record: who, how they know the volunteer, and (if already done) the result.
#[derive(Debug, Clone)]
pub struct NewReferenceCheck {
    /// Who the reference is.
    pub referee_name: String,
    /// How they know the volunteer.
    pub relation: String,
    /// When they were contacted.
    pub contacted_at: Option<DateTime<Utc>>,
    /// The outcome, if known.
    pub outcome: Option<ReferenceOutcome>,
    /// Notes.
    pub notes: Option<String>,
}

/// Records a reference check.
pub fn add_reference_check(
    conn: &mut PgConnection,
    volunteer: &Volunteer,
    new: &NewReferenceCheck,
) -> Result<ReferenceCheck, RepoError> {
    diesel::insert_into(r::reference_checks)
        .values((
            r::id.eq(Uuid::now_v7()),
            r::volunteer_id.eq(volunteer.id.into_uuid()),
            r::referee_name.eq(&new.referee_name),
            r::relation.eq(&new.relation),
            r::contacted_at.eq(new.contacted_at),
            r::outcome.eq(new.outcome.map(ReferenceOutcome::as_str)),
            r::outcome_recorded_at.eq(new.outcome.map(|_| Utc::now())),
            r::notes.eq(&new.notes),
        ))
        .returning(ReferenceRow::as_returning())
        .get_result(conn)?
        .try_into()
}

/// Records the result of a reference check of this volunteer: when contacted, outcome, notes.
pub fn complete_reference_check(
    conn: &mut PgConnection,
    volunteer: &Volunteer,
    check: Uuid,
    expected_version: Option<i32>,
    result: &NewReferenceCheck,
) -> Result<ReferenceCheck, RepoError> {
    conn.transaction(|conn| {
        let current: ReferenceCheck = r::reference_checks
            .filter(
                r::id
                    .eq(check)
                    .and(r::volunteer_id.eq(volunteer.id.into_uuid())),
            )
            .select(ReferenceRow::as_select())
            .for_update()
            .first(conn)?
            .try_into()?;
        check_version(current.version, expected_version)?;
        // The outcome's date moves only when the outcome does, not with an edit of the notes.
        let outcome_changed = result.outcome != current.outcome;
        diesel::update(r::reference_checks.filter(r::id.eq(check)))
            .set((
                r::referee_name.eq(&result.referee_name),
                r::relation.eq(&result.relation),
                r::contacted_at.eq(result.contacted_at),
                r::outcome.eq(result.outcome.map(ReferenceOutcome::as_str)),
                outcome_changed
                    .then(|| r::outcome_recorded_at.eq(result.outcome.map(|_| Utc::now()))),
                r::notes.eq(&result.notes),
                r::version.eq(r::version + 1),
            ))
            .returning(ReferenceRow::as_returning())
            .get_result(conn)?
            .try_into()
    })
}

/// The reference checks of a volunteer, in the order they were recorded.
pub fn reference_checks(
    conn: &mut PgConnection,
    volunteer: &Volunteer,
) -> Result<Vec<ReferenceCheck>, RepoError> {
    r::reference_checks
        .filter(r::volunteer_id.eq(volunteer.id.into_uuid()))
        .order(r::id.asc())
        .select(ReferenceRow::as_select())
        .load(conn)?
        .into_iter()
        .map(ReferenceCheck::try_from)
        .collect()
}

/// The version of each kind of document the municipality has published most recently (up to today).
pub fn current_versions(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
) -> Result<HashMap<DeclarationKind, String>, RepoError> {
    let rows: Vec<(String, String)> = m::municipality_documents
        .filter(m::municipality_id.eq(municipality.into_uuid()))
        .filter(m::published_on.le(diesel::dsl::sql::<diesel::sql_types::Date>("CURRENT_DATE")))
        .order((m::kind.asc(), m::published_on.desc(), m::id.desc()))
        .distinct_on(m::kind)
        .select((m::kind, m::version_label))
        .load(conn)?;
    rows.into_iter()
        .map(|(kind, version)| {
            Ok((
                kind.parse().map_err(|e| corrupt("document kind", e))?,
                version,
            ))
        })
        .collect()
}

/// A declaration to record.
#[derive(Debug, Clone)]
pub struct NewDeclaration {
    /// Which document.
    pub kind: DeclarationKind,
    /// The version signed.
    pub document_version: String,
    /// When it was signed.
    pub signed_on: NaiveDate,
    /// The coordinator recording it.
    pub recorded_by: StaffUserId,
}

type DeclarationRow = (Uuid, Uuid, String, String, NaiveDate, Uuid, DateTime<Utc>);

fn declaration(
    row: DeclarationRow,
    current: &HashMap<DeclarationKind, String>,
) -> Result<Declaration, RepoError> {
    let (id, volunteer_id, kind, document_version, signed_on, recorded_by, created_at) = row;
    let kind: DeclarationKind = kind.parse().map_err(|e| corrupt("declaration kind", e))?;
    Ok(Declaration {
        id,
        volunteer_id: volunteer_id.into(),
        needs_renewal: !declaration_is_current(
            &document_version,
            current.get(&kind).map(String::as_str),
        ),
        kind,
        document_version,
        signed_on,
        recorded_by: recorded_by.into(),
        created_at,
    })
}

const DECLARATION_COLUMNS: (
    d::id,
    d::volunteer_id,
    d::kind,
    d::document_version,
    d::signed_on,
    d::recorded_by,
    d::created_at,
) = (
    d::id,
    d::volunteer_id,
    d::kind,
    d::document_version,
    d::signed_on,
    d::recorded_by,
    d::created_at,
);

/// Records a signed declaration.
pub fn add_declaration(
    conn: &mut PgConnection,
    volunteer: &Volunteer,
    new: &NewDeclaration,
) -> Result<Declaration, RepoError> {
    let row: DeclarationRow = diesel::insert_into(d::declarations)
        .values((
            d::id.eq(Uuid::now_v7()),
            d::volunteer_id.eq(volunteer.id.into_uuid()),
            d::kind.eq(new.kind.as_str()),
            d::document_version.eq(&new.document_version),
            d::signed_on.eq(new.signed_on),
            d::recorded_by.eq(new.recorded_by.into_uuid()),
        ))
        .returning(DECLARATION_COLUMNS)
        .get_result(conn)?;
    declaration(row, &current_versions(conn, volunteer.municipality_id)?)
}

/// The declarations of a volunteer, latest first, each marked when it needs renewal.
pub fn declarations(
    conn: &mut PgConnection,
    volunteer: &Volunteer,
) -> Result<Vec<Declaration>, RepoError> {
    let current = current_versions(conn, volunteer.municipality_id)?;
    d::declarations
        .filter(d::volunteer_id.eq(volunteer.id.into_uuid()))
        .order((d::signed_on.desc(), d::id.desc()))
        .select(DECLARATION_COLUMNS)
        .load::<DeclarationRow>(conn)?
        .into_iter()
        .map(|row| declaration(row, &current))
        .collect()
}

type DocumentRow = (Uuid, Uuid, String, String, NaiveDate, DateTime<Utc>);

fn document(row: DocumentRow) -> Result<PublishedDocument, RepoError> {
    let (id, municipality_id, kind, version_label, published_on, created_at) = row;
    Ok(PublishedDocument {
        id,
        municipality_id: municipality_id.into(),
        kind: kind.parse().map_err(|e| corrupt("document kind", e))?,
        version_label,
        published_on,
        created_at,
    })
}

const DOCUMENT_COLUMNS: (
    m::id,
    m::municipality_id,
    m::kind,
    m::version_label,
    m::published_on,
    m::created_at,
) = (
    m::id,
    m::municipality_id,
    m::kind,
    m::version_label,
    m::published_on,
    m::created_at,
);

/// Publishes a new version of a document for a municipality (the caller checked the scope).
pub fn publish_document(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    kind: DeclarationKind,
    version_label: &str,
    published_on: NaiveDate,
    published_by: StaffUserId,
) -> Result<PublishedDocument, RepoError> {
    let row: DocumentRow = diesel::insert_into(m::municipality_documents)
        .values((
            m::id.eq(Uuid::now_v7()),
            m::municipality_id.eq(municipality.into_uuid()),
            m::kind.eq(kind.as_str()),
            m::version_label.eq(version_label),
            m::published_on.eq(published_on),
            m::published_by.eq(published_by.into_uuid()),
        ))
        .returning(DOCUMENT_COLUMNS)
        .get_result(conn)?;
    document(row)
}

/// Every document version a municipality has published, latest first.
pub fn documents(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
) -> Result<Vec<PublishedDocument>, RepoError> {
    m::municipality_documents
        .filter(m::municipality_id.eq(municipality.into_uuid()))
        .order((m::published_on.desc(), m::id.desc()))
        .select(DOCUMENT_COLUMNS)
        .load::<DocumentRow>(conn)?
        .into_iter()
        .map(document)
        .collect()
}

/// What is known about a volunteer for the approval rule, read from the vetting records.
pub fn approval_facts(
    conn: &mut PgConnection,
    volunteer: &Volunteer,
) -> Result<ApprovalFacts, RepoError> {
    let latest_screening: Option<String> = s::screenings
        .filter(s::volunteer_id.eq(volunteer.id.into_uuid()))
        .order((s::held_at.desc(), s::id.desc()))
        .select(s::assessment)
        .first(conn)
        .optional()?;
    let signed = declarations(conn, volunteer)?;
    let current = |kind: DeclarationKind| signed.iter().any(|d| d.kind == kind && !d.needs_renewal);
    let outcomes: Vec<Option<ReferenceOutcome>> = reference_checks(conn, volunteer)?
        .into_iter()
        .map(|check| check.outcome)
        .collect();
    Ok(ApprovalFacts {
        suitable_screening: latest_screening.as_deref()
            == Some(ScreeningAssessment::Suitable.as_str()),
        confidentiality_declaration: current(DeclarationKind::Confidentiality),
        privacy_guidelines: current(DeclarationKind::PrivacyGuidelines),
        volunteer_agreement: current(DeclarationKind::VolunteerAgreement),
        references_needed: volunteer.references_needed,
        references_completed: references_complete(&outcomes),
        has_contact_person: volunteer.contact_person_id.is_some(),
        has_home_unit: volunteer.home_unit_id.is_some(),
    })
}

//! What vetting a volunteer and vetting a group share: the screening interview's checks, and
//! the signed declaration's (its date, and a document version the municipality published).

use crate::{
    access::{check_staff_of, managed_group, managed_volunteer},
    auth::StaffCaller,
    error::{ApiError, FieldError},
    input,
};
use chrono::{DateTime, NaiveDate, Utc};
use samspill_domain::{
    ids::{GroupId, MunicipalityId, StaffUserId, VolunteerId},
    vetting::{
        Declaration, DeclarationKind, DocumentVersion, Screening, ScreeningAssessment,
        ScreeningChannel, check_document_version,
    },
};
use samspill_persistence::{
    PgConnection,
    group_vetting::{
        self, GroupDeclaration, GroupScreening, NewGroupDeclaration, NewGroupScreening,
    },
    vetting::{self, NewDeclaration, NewScreening},
};
use uuid::Uuid;

/// A screening interview's common parts, checked: when it was held, by whom, and its notes.
#[derive(Debug, Clone)]
pub struct Interview {
    /// When it was held (not in the future).
    pub held_at: DateTime<Utc>,
    /// Who held it: the caller unless another staff account is named.
    pub interviewer: StaffUserId,
    /// Notes; blank is none.
    pub notes: Option<String>,
}

impl Interview {
    /// Checks what can be checked without the database.
    pub fn check(
        caller: &StaffCaller,
        held_at: DateTime<Utc>,
        interviewer: Option<Uuid>,
        notes: Option<String>,
    ) -> Result<Self, ApiError> {
        Ok(Self {
            held_at: input::not_in_future("held_at", held_at)?,
            interviewer: interviewer.map_or(caller.id, StaffUserId::from),
            notes: input::notes(notes)?,
        })
    }

    /// Checks that the interviewer is a staff account of `municipality` (422 on
    /// `interviewer_id` otherwise).
    pub fn check_interviewer(
        &self,
        conn: &mut PgConnection,
        caller: &StaffCaller,
        municipality: MunicipalityId,
    ) -> Result<(), ApiError> {
        check_staff_of(
            conn,
            caller,
            municipality,
            self.interviewer,
            "interviewer_id",
        )
    }
}

/// A declaration's common parts, checked: the document version's label and the day it was
/// signed (not in the future).
#[derive(Debug, Clone)]
pub struct Signature {
    /// Which document.
    pub kind: DeclarationKind,
    /// The version signed.
    pub version: String,
    /// When.
    pub signed_on: NaiveDate,
}

impl Signature {
    /// Checks what can be checked without the database: the version's label, then the day.
    pub fn check(
        kind: DeclarationKind,
        document_version: &str,
        signed_on: NaiveDate,
    ) -> Result<Self, ApiError> {
        let version = DocumentVersion::parse(document_version)
            .map_err(|e| FieldError::parse("document_version", &e))?
            .into_inner();
        Ok(Self {
            kind,
            version,
            signed_on: input::happened("signed_on", signed_on)?,
        })
    }

    /// Refuses a version the municipality has not published (422 on `document_version`); see
    /// [`check_document_version`].
    pub fn check_published(
        &self,
        conn: &mut PgConnection,
        municipality: MunicipalityId,
    ) -> Result<(), ApiError> {
        let documents = vetting::documents(conn, municipality)?;
        check_document_version(
            self.kind,
            &self.version,
            &documents,
            Utc::now().date_naive(),
        )
        .map_err(|e| FieldError::parse("document_version", &e).into())
    }
}

/// How a screening went: the channel and the assessment.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    /// How it was held.
    pub channel: ScreeningChannel,
    /// The assessment.
    pub assessment: ScreeningAssessment,
}

/// Records a screening of a volunteer the caller manages, with the interests found.
pub fn screen_volunteer(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: VolunteerId,
    interview: Interview,
    outcome: Outcome,
    interests_mapped: Vec<String>,
) -> Result<Screening, ApiError> {
    let volunteer = managed_volunteer(conn, caller, id)?;
    interview.check_interviewer(conn, caller, volunteer.municipality_id)?;
    let new = NewScreening {
        held_at: interview.held_at,
        channel: outcome.channel,
        interviewer_id: interview.interviewer,
        interests_mapped,
        assessment: outcome.assessment,
        notes: interview.notes,
    };
    Ok(vetting::add_screening(conn, &volunteer, &new)?)
}

/// Records a screening held with the current contact person of a group the caller manages.
pub fn screen_group(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: GroupId,
    interview: Interview,
    outcome: Outcome,
) -> Result<GroupScreening, ApiError> {
    let group = managed_group(conn, caller, id)?;
    interview.check_interviewer(conn, caller, group.municipality_id)?;
    let new = NewGroupScreening {
        held_at: interview.held_at,
        channel: outcome.channel,
        interviewer_id: interview.interviewer,
        assessment: outcome.assessment,
        notes: interview.notes,
    };
    Ok(group_vetting::add_screening(conn, &group, &new)?)
}

/// Records a declaration a volunteer the caller manages signed, received by the caller.
pub fn sign_for_volunteer(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: VolunteerId,
    signature: Signature,
) -> Result<Declaration, ApiError> {
    let volunteer = managed_volunteer(conn, caller, id)?;
    signature.check_published(conn, volunteer.municipality_id)?;
    let new = NewDeclaration {
        kind: signature.kind,
        document_version: signature.version,
        signed_on: signature.signed_on,
        recorded_by: caller.id,
    };
    Ok(vetting::add_declaration(conn, &volunteer, &new)?)
}

/// Records a declaration signed on behalf of a group the caller manages by its current
/// contact person, received by the caller.
pub fn sign_for_group(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: GroupId,
    signature: Signature,
) -> Result<GroupDeclaration, ApiError> {
    let group = managed_group(conn, caller, id)?;
    signature.check_published(conn, group.municipality_id)?;
    let new = NewGroupDeclaration {
        kind: signature.kind,
        document_version: signature.version,
        signed_on: signature.signed_on,
        recorded_by: caller.id,
    };
    Ok(group_vetting::add_declaration(conn, &group, &new)?)
}

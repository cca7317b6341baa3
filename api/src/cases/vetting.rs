//! What vetting a volunteer and vetting a group share: the screening interview's checks, and
//! the signed declaration's (its date, and a document version the municipality published).

use crate::{
    access::check_staff_of,
    auth::StaffCaller,
    dto::vetting::NewDeclarationBody,
    error::{ApiError, FieldError},
    input,
};
use chrono::{DateTime, NaiveDate, Utc};
use samspill_domain::{
    ids::{MunicipalityId, StaffUserId},
    vetting::{DeclarationKind, DocumentVersion, check_document_version},
};
use samspill_persistence::{PgConnection, vetting};
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
    /// Checks what can be checked without the database.
    pub fn check(body: &NewDeclarationBody) -> Result<Self, ApiError> {
        let version = DocumentVersion::parse(&body.document_version)
            .map_err(|e| FieldError::parse("document_version", &e))?
            .into_inner();
        Ok(Self {
            kind: body.kind,
            version,
            signed_on: input::happened("signed_on", body.signed_on)?,
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

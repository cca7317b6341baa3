//! Police certificates of a volunteer, data-minimised: which kind was shown, for what purpose,
//! when, who checked it and how it was assessed. Callers check first that the volunteer is
//! visible to them (`volunteers::find`); these functions take the volunteer as found.
//!
//! Every function here writes its line to the audit log in the same transaction as the read or
//! write: if the log cannot be written, nothing is read or changed. There is no way through this
//! module to read a certificate without leaving that trace.

use crate::{
    audit::{self, NewAuditEntry},
    error::{RepoError, corrupt},
    schema::police_certificates::{self, dsl as p},
};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::{pg::Pg, prelude::*};
use samspill_domain::{
    audit::{Actor, AuditAction, AuditResource},
    certificate::{CertificateKind, CertificateOutcome, CertificatePurpose, PoliceCertificate},
    ids::StaffUserId,
    volunteer::Volunteer,
};
use uuid::Uuid;

#[derive(Queryable, Selectable)]
#[diesel(table_name = police_certificates, check_for_backend(Pg))]
struct CertificateRow {
    id: Uuid,
    volunteer_id: Uuid,
    kind: String,
    purpose: String,
    issued_on: NaiveDate,
    presented_on: NaiveDate,
    checked_by: Uuid,
    outcome: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<CertificateRow> for PoliceCertificate {
    type Error = RepoError;

    fn try_from(row: CertificateRow) -> Result<Self, RepoError> {
        Ok(PoliceCertificate {
            id: row.id,
            volunteer_id: row.volunteer_id.into(),
            kind: row
                .kind
                .parse()
                .map_err(|e| corrupt("certificate kind", e))?,
            purpose: row.purpose,
            issued_on: row.issued_on,
            presented_on: row.presented_on,
            checked_by: row.checked_by.into(),
            outcome: row
                .outcome
                .parse()
                .map_err(|e| corrupt("certificate outcome", e))?,
            created_at: row.created_at,
        })
    }
}

/// A certificate to record (checked by the caller against the municipality's rules).
#[derive(Debug, Clone)]
pub struct NewCertificate {
    /// Which kind was shown.
    pub kind: CertificateKind,
    /// The legal basis or purpose it was asked for.
    pub purpose: CertificatePurpose,
    /// When the police issued it.
    pub issued_on: NaiveDate,
    /// When the volunteer showed it.
    pub presented_on: NaiveDate,
    /// The staff member who checked it.
    pub checked_by: StaffUserId,
    /// The assessment.
    pub outcome: CertificateOutcome,
}

fn log(
    conn: &mut PgConnection,
    volunteer: &Volunteer,
    actor: Actor,
    action: AuditAction,
    certificate: Option<Uuid>,
) -> Result<(), RepoError> {
    audit::record(
        conn,
        &NewAuditEntry::about(
            volunteer,
            actor,
            action,
            AuditResource::PoliceCertificate,
            certificate,
        ),
    )?;
    Ok(())
}

/// The certificate `id` of the volunteer `volunteer_id`, if there is one.
#[diesel::dsl::auto_type(no_type_alias)]
fn of_volunteer(volunteer_id: Uuid, id: Uuid) -> _ {
    p::police_certificates.filter(p::id.eq(id).and(p::volunteer_id.eq(volunteer_id)))
}

/// Records a certificate `actor` was shown, and logs the creation.
pub fn add(
    conn: &mut PgConnection,
    volunteer: &Volunteer,
    actor: Actor,
    new: &NewCertificate,
) -> Result<PoliceCertificate, RepoError> {
    conn.transaction(|conn| {
        let created: PoliceCertificate = diesel::insert_into(p::police_certificates)
            .values((
                p::id.eq(Uuid::now_v7()),
                p::volunteer_id.eq(volunteer.id.into_uuid()),
                p::kind.eq(new.kind.as_str()),
                p::purpose.eq(new.purpose.as_str()),
                p::issued_on.eq(new.issued_on),
                p::presented_on.eq(new.presented_on),
                p::checked_by.eq(new.checked_by.into_uuid()),
                p::outcome.eq(new.outcome.as_str()),
            ))
            .returning(CertificateRow::as_returning())
            .get_result(conn)?
            .try_into()?;
        log(
            conn,
            volunteer,
            actor,
            AuditAction::Create,
            Some(created.id),
        )?;
        Ok(created)
    })
}

/// The certificates of a volunteer, latest issued first; logs that `actor` read the list.
pub fn list(
    conn: &mut PgConnection,
    volunteer: &Volunteer,
    actor: Actor,
) -> Result<Vec<PoliceCertificate>, RepoError> {
    conn.transaction(|conn| {
        log(conn, volunteer, actor, AuditAction::List, None)?;
        p::police_certificates
            .filter(p::volunteer_id.eq(volunteer.id.into_uuid()))
            .order((p::issued_on.desc(), p::id.desc()))
            .select(CertificateRow::as_select())
            .load(conn)?
            .into_iter()
            .map(PoliceCertificate::try_from)
            .collect()
    })
}

/// One certificate of a volunteer; logs that `actor` read it. `NotFound` (and no log line) when
/// the volunteer has no such certificate.
pub fn find(
    conn: &mut PgConnection,
    volunteer: &Volunteer,
    actor: Actor,
    id: Uuid,
) -> Result<PoliceCertificate, RepoError> {
    conn.transaction(|conn| {
        let found: PoliceCertificate = of_volunteer(volunteer.id.into_uuid(), id)
            .select(CertificateRow::as_select())
            .first(conn)?
            .try_into()?;
        log(conn, volunteer, actor, AuditAction::Read, Some(id))?;
        Ok(found)
    })
}

/// Deletes a certificate of a volunteer (one recorded by mistake) and logs the deletion.
/// `NotFound` when the volunteer has no such certificate.
pub fn delete(
    conn: &mut PgConnection,
    volunteer: &Volunteer,
    actor: Actor,
    id: Uuid,
) -> Result<(), RepoError> {
    conn.transaction(|conn| {
        let deleted = diesel::delete(of_volunteer(volunteer.id.into_uuid(), id)).execute(conn)?;
        if deleted == 0 {
            return Err(RepoError::NotFound);
        }
        log(conn, volunteer, actor, AuditAction::Delete, Some(id))
    })
}

/// Deletes every certificate of a volunteer being erased, logging each deletion; part of the
/// erasure's transaction.
pub(crate) fn erase(
    conn: &mut PgConnection,
    volunteer: &Volunteer,
    actor: Actor,
) -> Result<(), RepoError> {
    let deleted: Vec<Uuid> =
        diesel::delete(p::police_certificates.filter(p::volunteer_id.eq(volunteer.id.into_uuid())))
            .returning(p::id)
            .get_results(conn)?;
    for id in deleted {
        log(conn, volunteer, actor, AuditAction::Delete, Some(id))?;
    }
    Ok(())
}

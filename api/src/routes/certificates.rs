//! Police certificates (politiattest, børneattest, straffeattest), kept data-minimised, and the
//! audit log of who read or changed them. Only coordinators and administrators come here, and
//! every read and change leaves a line in the volunteer's audit log.

use crate::{
    access::{check_staff_of, managed_volunteer},
    auth::StaffCaller,
    dto::audit::AuditEntryPage,
    error::{ApiError, FieldError},
    extract::{Json, Query},
    input::{happened, plausible},
    openapi::schemas::{CertificateKindSchema, CertificateOutcomeSchema},
    pagination::{CursorList, page_request},
    state::AppState,
};
use actix_web::{HttpResponse, delete, get, http::header, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use samspill_domain::{
    certificate::{
        CertificateKind, CertificateOutcome, CertificatePurpose, PoliceCertificate,
        check_presentation,
    },
    ids::{StaffUserId, VolunteerId},
};
use samspill_persistence::{
    RepoError, audit,
    certificates::{self, NewCertificate},
    municipalities, volunteers,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A police certificate as recorded: that it was shown, when, to whom, and how it was
/// assessed. Never the document and never the remarks.
#[derive(Debug, Serialize, ToSchema)]
pub struct PoliceCertificateView {
    /// Its id.
    pub id: Uuid,
    /// The volunteer who presented it.
    pub volunteer_id: Uuid,
    /// Which kind.
    #[schema(value_type = CertificateKindSchema)]
    pub kind: CertificateKind,
    /// The legal basis or purpose it was asked for.
    pub purpose: String,
    /// When the police issued it.
    pub issued_on: NaiveDate,
    /// When the volunteer showed it.
    pub presented_on: NaiveDate,
    /// The staff member who checked it.
    pub checked_by: Uuid,
    /// The assessment.
    #[schema(value_type = CertificateOutcomeSchema)]
    pub outcome: CertificateOutcome,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

impl From<PoliceCertificate> for PoliceCertificateView {
    fn from(c: PoliceCertificate) -> Self {
        Self {
            id: c.id,
            volunteer_id: c.volunteer_id.into_uuid(),
            kind: c.kind,
            purpose: c.purpose,
            issued_on: c.issued_on,
            presented_on: c.presented_on,
            checked_by: c.checked_by.into_uuid(),
            outcome: c.outcome,
            created_at: c.created_at,
        }
    }
}

/// A certificate the volunteer has shown. There is no field for the document or the remarks:
/// they are never recorded.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPoliceCertificateBody {
    /// Which kind: `politiattest` in Norway, `boerneattest` or `straffeattest` in Denmark.
    #[schema(value_type = CertificateKindSchema)]
    pub kind: CertificateKind,
    /// The legal basis or purpose it was asked for.
    #[schema(
        min_length = 1,
        max_length = 300,
        example = "Helse- og omsorgstjenesteloven § 5-4"
    )]
    pub purpose: String,
    /// When the police issued it. A Norwegian politiattest must be presented within the
    /// municipality's `police_certificate_presentation_months` (3 by law) of this date.
    pub issued_on: NaiveDate,
    /// When the volunteer showed it (not in the future, not before `issued_on`).
    pub presented_on: NaiveDate,
    /// Who checked it: an active staff account of the municipality; defaults to the caller.
    pub checked_by: Option<Uuid>,
    /// The assessment.
    #[schema(value_type = CertificateOutcomeSchema)]
    pub outcome: CertificateOutcome,
}

fn path_of(volunteer: VolunteerId, certificate: Uuid) -> String {
    format!("/api/v1/volunteers/{volunteer}/police-certificates/{certificate}")
}

/// Keeps a field error for the combined answer; other errors pass on.
fn collect(errors: &mut Vec<FieldError>, result: Result<(), ApiError>) -> Result<(), ApiError> {
    match result {
        Err(ApiError::Validation(mut found)) => {
            errors.append(&mut found);
            Ok(())
        }
        other => other,
    }
}

/// Records that a volunteer showed a police certificate.
///
/// Coordinators and administrators only. The kind must be one the municipality's country
/// issues (422 `kind`), and a Norwegian politiattest must be presented within the
/// municipality's `police_certificate_presentation_months` (3 by law) of its issue date (422
/// `issued_on`/`too_old`: ask for a new one). Only the facts are kept: no document, no remarks.
/// The creation is written to the volunteer's audit log.
#[utoipa::path(
    tag = "police-certificates",
    params(("id" = Uuid, Path, description = "The volunteer id.")),
    request_body = NewPoliceCertificateBody,
    responses((status = 201, description = "Recorded.", body = PoliceCertificateView,
        headers(("Location" = String, description = "The new record."))))
)]
#[post("/volunteers/{id}/police-certificates")]
pub async fn create_police_certificate(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Json(body): Json<NewPoliceCertificateBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = VolunteerId::from(id.into_inner());
    let mut errors = Vec::new();
    let purpose = CertificatePurpose::parse(&body.purpose)
        .map_err(|e| errors.push(FieldError::parse("purpose", &e)))
        .ok();
    for checked in [
        plausible("issued_on", body.issued_on),
        happened("presented_on", body.presented_on),
    ] {
        if let Err(error) = checked {
            errors.push(error);
        }
    }
    let Some(purpose) = purpose.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let checked_by = body.checked_by.map_or(caller.id, StaffUserId::from);
    let new = NewCertificate {
        kind: body.kind,
        purpose,
        issued_on: body.issued_on,
        presented_on: body.presented_on,
        checked_by,
        outcome: body.outcome,
    };
    let recorded = state
        .db(move |conn| {
            let volunteer = managed_volunteer(conn, &caller, id)?;
            let municipality =
                municipalities::find(conn, caller.scope(), volunteer.municipality_id)?;
            let mut errors: Vec<FieldError> = check_presentation(
                municipality.country,
                new.kind,
                new.issued_on,
                new.presented_on,
                municipality.settings.police_certificate_presentation_months,
            )
            .err()
            .unwrap_or_default()
            .iter()
            .map(|(field, error)| FieldError::parse(*field, error))
            .collect();
            collect(
                &mut errors,
                check_staff_of(
                    conn,
                    &caller,
                    volunteer.municipality_id,
                    new.checked_by,
                    "checked_by",
                ),
            )?;
            if !errors.is_empty() {
                return Err(ApiError::Validation(errors));
            }
            Ok(certificates::add(conn, &volunteer, caller.actor(), &new)?)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, path_of(id, recorded.id)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(PoliceCertificateView::from(recorded)))
}

/// The police certificates a volunteer has shown, latest issued first.
///
/// Coordinators and administrators only. Every read is written to the volunteer's audit log
/// (`list`), with the reader's id.
#[utoipa::path(
    tag = "police-certificates",
    params(("id" = Uuid, Path, description = "The volunteer id.")),
    responses((status = 200, description = "The certificates.", body = Vec<PoliceCertificateView>))
)]
#[get("/volunteers/{id}/police-certificates")]
pub async fn list_police_certificates(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = VolunteerId::from(id.into_inner());
    let found = state
        .db(move |conn| {
            let volunteer = managed_volunteer(conn, &caller, id)?;
            Ok(certificates::list(conn, &volunteer, caller.actor())?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(
            found
                .into_iter()
                .map(PoliceCertificateView::from)
                .collect::<Vec<_>>(),
        ))
}

/// One police certificate of a volunteer.
///
/// Coordinators and administrators only. Every read is written to the volunteer's audit log
/// (`read`), with the reader's id.
#[utoipa::path(
    tag = "police-certificates",
    params(
        ("id" = Uuid, Path, description = "The volunteer id."),
        ("certificate_id" = Uuid, Path, description = "The certificate id."),
    ),
    responses((status = 200, description = "The certificate.", body = PoliceCertificateView))
)]
#[get("/volunteers/{id}/police-certificates/{certificate_id}")]
pub async fn get_police_certificate(
    state: web::Data<AppState>,
    caller: StaffCaller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let (id, certificate) = path.into_inner();
    let id = VolunteerId::from(id);
    let found = state
        .db(move |conn| {
            let volunteer = managed_volunteer(conn, &caller, id)?;
            Ok(certificates::find(
                conn,
                &volunteer,
                caller.actor(),
                certificate,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(PoliceCertificateView::from(found)))
}

/// Deletes a police certificate record entered by mistake.
///
/// Coordinators and administrators only. The deletion is written to the volunteer's audit log
/// (`delete`).
#[utoipa::path(
    tag = "police-certificates",
    params(
        ("id" = Uuid, Path, description = "The volunteer id."),
        ("certificate_id" = Uuid, Path, description = "The certificate id."),
    ),
    responses((status = 204, description = "Deleted."))
)]
#[delete("/volunteers/{id}/police-certificates/{certificate_id}")]
pub async fn delete_police_certificate(
    state: web::Data<AppState>,
    caller: StaffCaller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let (id, certificate) = path.into_inner();
    let id = VolunteerId::from(id);
    state
        .db(move |conn| {
            let volunteer = managed_volunteer(conn, &caller, id)?;
            Ok(certificates::delete(
                conn,
                &volunteer,
                caller.actor(),
                certificate,
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Paging through the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// Who read or changed a volunteer's sensitive records, oldest first.
///
/// Coordinators and administrators only. Lists every `list`, `read`, `create` and `delete` of
/// the volunteer's police certificates, every read of their full record (`read` of
/// `volunteer`), every export (`export`), the erasure (`erase`), and what retention did
/// (`anonymise` and `delete`, by `scheduler`), with who did it, when and in which request. The
/// entries hold ids only and stay after the volunteer is erased or deleted: the log is still
/// read by the volunteer's id then.
#[utoipa::path(
    tag = "police-certificates",
    params(("id" = Uuid, Path, description = "The volunteer id."), AuditQuery),
    responses((status = 200, description = "A page of the audit log.", body = AuditEntryPage))
)]
#[get("/volunteers/{id}/audit-log")]
pub async fn list_volunteer_audit_log(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Query(query): Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = VolunteerId::from(id.into_inner());
    let page = page_request(CursorList::AuditLog, query.limit, query.cursor.as_deref())?;
    let found = state
        .db(move |conn| {
            // Found after erasure too: the log holds ids only and stays for the municipality.
            // After retention deleted the record, municipality-wide coordinators and
            // administrators still read it by the id.
            let audience = crate::access::managed(&caller)?;
            match volunteers::find_kept(conn, caller.scope(), audience, id) {
                Ok(volunteer) => Ok(audit::for_volunteer(conn, &volunteer, page)?),
                Err(RepoError::NotFound) => {
                    crate::access::municipality_wide(conn, &caller, "")
                        .map_err(|_| ApiError::NotFound)?;
                    Ok(audit::of_deleted(conn, caller.municipality, id, page)?)
                }
                Err(other) => Err(other.into()),
            }
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(AuditEntryPage::from_page(found)))
}

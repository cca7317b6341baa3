//! A volunteer's personal data as the law asks: everything held about them as one JSON
//! document, and how long it is kept (with the extensions coordinators grant).

use crate::{
    access,
    auth::StaffCaller,
    cases::{self, personal_data},
    dto::audit::AuditEntryPage,
    error::ApiError,
    extract::{Json, Query},
    openapi::schemas::{
        AuditActionSchema, AuditResourceSchema, RetentionActionSchema, RetentionCategorySchema,
    },
    pagination::{CursorList, page_request},
    state::AppState,
};
use actix_web::{HttpResponse, get, http::header, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::Connection;
use samspill_domain::{
    audit::{AuditAction, AuditResource},
    ids::VolunteerId,
    retention::{RetentionAction, RetentionCategory},
};
use samspill_persistence::{audit, municipalities, retention};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The answer of an export: a JSON document streamed as it is read.
fn export_response(
    state: &AppState,
    municipality: samspill_domain::ids::MunicipalityId,
    volunteer: VolunteerId,
) -> HttpResponse {
    let now = state.clock.now();
    crate::metrics::personal_data_action("export", 1);
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"volunteer-{volunteer}.json\""),
        ))
        .streaming(personal_data::stream(
            state.pool.clone(),
            municipality,
            volunteer,
            now,
        ))
}

/// Export everything held about a volunteer.
///
/// Coordinators and administrators, for a volunteer who asks what the municipality holds
/// about them. One JSON document, streamed: `format`, `volunteer_id`, `municipality_id`,
/// `exported_at`, and `sections` holding, as stored, the profile, status history, screenings,
/// reference checks, signed declarations, police certificate *checks* (nothing more is
/// stored), dogs and dog approvals, group memberships, need interests, placements with their
/// history and visits, hours with their history, follow-ups, the contact log, event
/// invitations and attendance, training credentials, survey invitations (whether answered;
/// answers are anonymous), consents, retention extensions, notifications sent, and the audit
/// log of who read or changed their records. The export is written to that audit log first.
#[utoipa::path(
    tag = "personal-data",
    params(("id" = Uuid, Path, description = "The volunteer id.")),
    responses((status = 200, description = "The export, as a JSON document.",
        content_type = "application/json", body = Object))
)]
#[get("/volunteers/{id}/export")]
pub async fn export_volunteer(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = VolunteerId::from(id.into_inner());
    let actor = caller.actor();
    let municipality = state
        .db(move |conn| {
            conn.transaction(|conn| {
                let volunteer = access::managed_volunteer(conn, &caller, id)?;
                personal_data::record_export(conn, &volunteer, actor)?;
                Ok(volunteer.municipality_id)
            })
        })
        .await?;
    Ok(export_response(&state, municipality, id))
}

/// Export everything held about me.
///
/// A volunteer's own copy of what the municipality holds about them (volunteer accounts linked
/// to a record): the same document as `GET /volunteers/{id}/export`, audited the same way.
#[utoipa::path(
    tag = "me",
    responses((status = 200, description = "The export, as a JSON document.",
        content_type = "application/json", body = Object))
)]
#[get("/me/export")]
pub async fn export_my_data(
    state: web::Data<AppState>,
    caller: StaffCaller,
) -> Result<HttpResponse, ApiError> {
    let audience = access::own_volunteer(&caller)?;
    let actor = caller.actor();
    let (municipality, id) = state
        .db(move |conn| {
            conn.transaction(|conn| {
                let volunteer =
                    samspill_persistence::volunteers::find_own(conn, caller.scope(), audience)?;
                personal_data::record_export(conn, &volunteer, actor)?;
                Ok((volunteer.municipality_id, volunteer.id))
            })
        })
        .await?;
    Ok(export_response(&state, municipality, id))
}

/// An extension of a volunteer's retention.
#[derive(Debug, Serialize, ToSchema)]
pub struct RetentionExtensionView {
    /// Its id.
    pub id: Uuid,
    /// The volunteer.
    pub volunteer_id: Uuid,
    /// Kept until this day (inclusive).
    pub until: NaiveDate,
    /// Why.
    pub reason: String,
    /// Who decided it.
    pub extended_by: Uuid,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<retention::Extension> for RetentionExtensionView {
    fn from(e: retention::Extension) -> Self {
        Self {
            id: e.id,
            volunteer_id: e.volunteer_id,
            until: e.until,
            reason: e.reason,
            extended_by: e.extended_by,
            created_at: e.created_at,
        }
    }
}

/// How long a volunteer's data is kept.
#[derive(Debug, Serialize, ToSchema)]
pub struct VolunteerRetentionView {
    /// The volunteer.
    pub volunteer_id: Uuid,
    /// The category of the policy that applies, or `null` when none does (kept until erased).
    #[schema(value_type = Option<RetentionCategorySchema>)]
    pub category: Option<RetentionCategory>,
    /// What happens on `due_on`.
    #[schema(value_type = Option<RetentionActionSchema>)]
    pub action: Option<RetentionAction>,
    /// The day the period counts from.
    pub since: Option<NaiveDate>,
    /// The day the period runs out (after any extension).
    pub due_on: Option<NaiveDate>,
    /// The day the job acts: `due_on`, but never sooner than `warn_days` after it noticed it.
    pub acts_on: Option<NaiveDate>,
    /// When the job noticed that they fall due on `due_on`, if it has.
    pub warned_on: Option<NaiveDate>,
    /// From this day the volunteer is on the work list (`retention_due`).
    pub warn_from: Option<NaiveDate>,
    /// Every extension, oldest first.
    pub extensions: Vec<RetentionExtensionView>,
}

/// Read how long a volunteer's data is kept.
///
/// The policy that applies to them now (by their status), the day it counts from, the day it
/// acts and the extensions granted.
#[utoipa::path(
    tag = "retention",
    params(("id" = Uuid, Path, description = "The volunteer id.")),
    responses((status = 200, description = "Their retention.", body = VolunteerRetentionView))
)]
#[get("/volunteers/{id}/retention")]
pub async fn get_volunteer_retention(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = VolunteerId::from(id.into_inner());
    let now = state.clock.now();
    let (status, extensions, today) = state
        .db(move |conn| cases::retention::of_volunteer(conn, &caller, id, now))
        .await?;
    let view = VolunteerRetentionView {
        volunteer_id: id.into_uuid(),
        category: status.as_ref().map(|s| s.policy.category),
        action: status.as_ref().map(|s| s.policy.action),
        since: status.as_ref().map(|s| s.since),
        due_on: status.as_ref().map(retention::Candidate::due_on),
        acts_on: status.as_ref().map(|s| s.acts_on(today)),
        warned_on: status.as_ref().and_then(retention::Candidate::warned_on),
        warn_from: status.as_ref().map(|s| s.policy.warn_from(s.due_on())),
        extensions: extensions.into_iter().map(Into::into).collect(),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(view))
}

/// An extension to grant.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionExtensionBody {
    /// Keep the data until this day (inclusive; after today).
    pub until: NaiveDate,
    /// Why (1-500 characters): an archive duty, a case still open.
    #[schema(
        min_length = 1,
        max_length = 500,
        example = "Saken om skadeerstatning er ikke avsluttet."
    )]
    pub reason: String,
}

/// Keep a volunteer's data past its retention date.
///
/// Coordinators and administrators, with a reason, which is recorded with who granted it. The
/// retention job leaves the volunteer alone until the day after `until`; the work list warns
/// again before then.
#[utoipa::path(
    tag = "retention",
    params(("id" = Uuid, Path, description = "The volunteer id.")),
    request_body(content = RetentionExtensionBody, example = json!({
        "until": "2027-06-30",
        "reason": "Saken om skadeerstatning er ikke avsluttet."
    })),
    responses((status = 201, description = "The extension.", body = RetentionExtensionView))
)]
#[post("/volunteers/{id}/retention-extensions")]
pub async fn extend_volunteer_retention(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Json(body): Json<RetentionExtensionBody>,
) -> Result<HttpResponse, ApiError> {
    let id = VolunteerId::from(id.into_inner());
    let now = state.clock.now();
    let extension = state
        .db(move |conn| {
            cases::retention::extend(conn, &caller, id, (body.until, &body.reason), now)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/volunteers/{id}/retention"),
        ))
        .json(RetentionExtensionView::from(extension)))
}

/// Which lines of a municipality's audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditLogQuery {
    /// Required for administrators; others read their own municipality's.
    pub municipality_id: Option<Uuid>,
    /// Only this action.
    #[param(value_type = Option<AuditActionSchema>)]
    pub action: Option<AuditAction>,
    /// Only about this kind of record.
    #[param(value_type = Option<AuditResourceSchema>)]
    pub resource: Option<AuditResource>,
    /// Only by this account.
    pub actor_id: Option<Uuid>,
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// Read the municipality's audit log.
///
/// Every line of it, in the order written: reads of full volunteer records, exports (of one
/// volunteer, and CSV exports of whole lists, which name no volunteer), erasures, what
/// retention did, and every read and change of police certificate records. Filtered by action,
/// resource or account. Municipality-wide coordinators and administrators; the lines hold ids
/// only. A volunteer's own lines are also at `GET /volunteers/{id}/audit-log`.
#[utoipa::path(
    tag = "personal-data",
    params(AuditLogQuery),
    responses((status = 200, description = "A page of the audit log.", body = AuditEntryPage))
)]
#[get("/audit-log")]
pub async fn list_audit_log(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Query(query): Query<AuditLogQuery>,
) -> Result<HttpResponse, ApiError> {
    let municipality = access::managed_municipality(&caller, query.municipality_id)?;
    let page = page_request(
        CursorList::MunicipalityAuditLog,
        query.limit,
        query.cursor.as_deref(),
    )?;
    let filter = audit::AuditFilter {
        action: query.action,
        resource: query.resource,
        actor_id: query.actor_id,
    };
    let found = state
        .db(move |conn| {
            municipalities::find(conn, caller.scope(), municipality)?;
            access::municipality_wide(
                conn,
                &caller,
                "The municipality's audit log is read by municipality-wide coordinators.",
            )?;
            Ok(audit::of_municipality(conn, municipality, filter, page)?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(AuditEntryPage::from_page_in(
            CursorList::MunicipalityAuditLog,
            found,
        )))
}

//! Vetting a group through its contact person (the screening interview is held with them, and
//! they sign on the group's behalf) and its lifecycle, with the same checks as volunteers'.

use crate::{
    access::managed_group,
    auth::StaffCaller,
    cases::{
        self, lifecycle,
        vetting::{Interview, Outcome, Signature},
    },
    dto::{
        group::GroupView,
        list_of,
        vetting::{NewDeclarationBody, StatusChangeView, TransitionBody},
    },
    error::ApiError,
    etag::json_with_etag,
    extract::{IfMatch, Json},
    openapi::schemas::{DeclarationKindSchema, ScreeningAssessmentSchema, ScreeningChannelSchema},
    state::AppState,
};
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use samspill_domain::{
    ids::GroupId,
    vetting::{DeclarationKind, ScreeningAssessment, ScreeningChannel},
};
use samspill_persistence::group_vetting::{self, GroupDeclaration, GroupScreening};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A screening interview with a group's contact person.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupScreeningView {
    /// Its id.
    pub id: Uuid,
    /// The group.
    pub group_id: Uuid,
    /// The contact person who was interviewed (the group's contact person at the time).
    pub contact_person_id: Uuid,
    /// When.
    pub held_at: DateTime<Utc>,
    /// How.
    #[schema(value_type = ScreeningChannelSchema)]
    pub channel: ScreeningChannel,
    /// Who held it.
    pub interviewer_id: Uuid,
    /// The assessment.
    #[schema(value_type = ScreeningAssessmentSchema)]
    pub assessment: ScreeningAssessment,
    /// Notes.
    pub notes: Option<String>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

impl From<GroupScreening> for GroupScreeningView {
    fn from(s: GroupScreening) -> Self {
        Self {
            id: s.id,
            group_id: s.group_id.into_uuid(),
            contact_person_id: s.contact_person_id.into_uuid(),
            held_at: s.held_at,
            channel: s.channel,
            interviewer_id: s.interviewer_id.into_uuid(),
            assessment: s.assessment,
            notes: s.notes,
            created_at: s.created_at,
        }
    }
}

/// A screening interview with the group's contact person to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGroupScreeningBody {
    /// When it was held (not in the future).
    pub held_at: DateTime<Utc>,
    /// How.
    #[schema(value_type = ScreeningChannelSchema)]
    pub channel: ScreeningChannel,
    /// Who held it: a staff account of the municipality; defaults to the caller.
    pub interviewer_id: Option<Uuid>,
    /// The assessment.
    #[schema(value_type = ScreeningAssessmentSchema)]
    pub assessment: ScreeningAssessment,
    /// Notes.
    #[schema(max_length = 4000)]
    pub notes: Option<String>,
}

/// Records a screening interview held with the group's current contact person (coordinators
/// and administrators). It counts for approval and clearance only while that person remains
/// the group's contact person.
#[utoipa::path(
    tag = "groups",
    params(("id" = Uuid, Path, description = "The group id.")),
    request_body = NewGroupScreeningBody,
    responses((status = 201, description = "Recorded.", body = GroupScreeningView))
)]
#[post("/groups/{id}/screenings")]
pub async fn create_group_screening(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Json(body): Json<NewGroupScreeningBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = GroupId::from(id.into_inner());
    let interview = Interview::check(&caller, body.held_at, body.interviewer_id, body.notes)?;
    let outcome = Outcome {
        channel: body.channel,
        assessment: body.assessment,
    };
    let recorded = state
        .db(move |conn| cases::vetting::screen_group(conn, &caller, id, interview, outcome))
        .await?;
    Ok(HttpResponse::Created().json(GroupScreeningView::from(recorded)))
}

/// The screening interviews of a group, latest first (coordinators and administrators).
#[utoipa::path(
    tag = "groups",
    params(("id" = Uuid, Path, description = "The group id.")),
    responses((status = 200, description = "The interviews.", body = Vec<GroupScreeningView>))
)]
#[get("/groups/{id}/screenings")]
pub async fn list_group_screenings(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = GroupId::from(id.into_inner());
    let found = state
        .db(move |conn| {
            let group = managed_group(conn, &caller, id)?;
            Ok(group_vetting::screenings(conn, &group)?)
        })
        .await?;
    Ok(list_of::<GroupScreeningView, _>(found))
}

/// A declaration signed on a group's behalf.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupDeclarationView {
    /// Its id.
    pub id: Uuid,
    /// The group.
    pub group_id: Uuid,
    /// Which document.
    #[schema(value_type = DeclarationKindSchema)]
    pub kind: DeclarationKind,
    /// The version signed.
    pub document_version: String,
    /// When.
    pub signed_on: NaiveDate,
    /// The contact person who signed for the group.
    pub signed_by: Uuid,
    /// The coordinator who recorded it.
    pub recorded_by: Uuid,
    /// It no longer counts: a newer version is published, or the group has another contact
    /// person now, who must sign again.
    pub needs_renewal: bool,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

impl From<GroupDeclaration> for GroupDeclarationView {
    fn from(d: GroupDeclaration) -> Self {
        Self {
            id: d.id,
            group_id: d.group_id.into_uuid(),
            kind: d.kind,
            document_version: d.document_version,
            signed_on: d.signed_on,
            signed_by: d.signed_by.into_uuid(),
            recorded_by: d.recorded_by.into_uuid(),
            needs_renewal: d.needs_renewal,
            created_at: d.created_at,
        }
    }
}

/// Records a declaration (confidentiality, privacy guidelines, volunteer agreement) signed on
/// the group's behalf by its current contact person (coordinators and administrators).
///
/// As for volunteers, `document_version` must be one the municipality has published by today
/// once it publishes versions of that document (422 otherwise).
#[utoipa::path(
    tag = "groups",
    params(("id" = Uuid, Path, description = "The group id.")),
    request_body = NewDeclarationBody,
    responses((status = 201, description = "Recorded.", body = GroupDeclarationView))
)]
#[post("/groups/{id}/declarations")]
pub async fn create_group_declaration(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Json(body): Json<NewDeclarationBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = GroupId::from(id.into_inner());
    let signature = Signature::check(body.kind, &body.document_version, body.signed_on)?;
    let recorded = state
        .db(move |conn| cases::vetting::sign_for_group(conn, &caller, id, signature))
        .await?;
    Ok(HttpResponse::Created().json(GroupDeclarationView::from(recorded)))
}

/// The declarations signed for a group, latest first (coordinators and administrators).
#[utoipa::path(
    tag = "groups",
    params(("id" = Uuid, Path, description = "The group id.")),
    responses((status = 200, description = "The declarations.", body = Vec<GroupDeclarationView>))
)]
#[get("/groups/{id}/declarations")]
pub async fn list_group_declarations(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = GroupId::from(id.into_inner());
    let found = state
        .db(move |conn| {
            let group = managed_group(conn, &caller, id)?;
            Ok(group_vetting::declarations(conn, &group)?)
        })
        .await?;
    Ok(list_of::<GroupDeclarationView, _>(found))
}

/// Moves a group through the volunteers' lifecycle (coordinators and administrators).
/// Approval is refused with 409 and `missing` unless, at that moment, the group's current
/// contact person has a suitable screening and has signed the current confidentiality
/// declaration, privacy guidelines and volunteer agreement for the group, and the group has a
/// home unit.
#[utoipa::path(
    tag = "groups",
    params(
        ("id" = Uuid, Path, description = "The group id."),
        crate::extract::IfMatchHeader,
    ),
    request_body = TransitionBody,
    responses((status = 200, description = "The group in its new status.", body = GroupView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[post("/groups/{id}/transitions")]
pub async fn transition_group(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    Json(body): Json<TransitionBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = GroupId::from(id.into_inner());
    let transition = lifecycle::transition(&caller, body.to, &body.reason)?;
    let moved = state
        .db(move |conn| lifecycle::move_group(conn, &caller, id, expected, &transition))
        .await?;
    let version = moved.version;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        version,
        &GroupView::from(moved),
    ))
}

/// The status history of a group, oldest first, including each replacement of its contact
/// person (coordinators and administrators).
#[utoipa::path(
    tag = "groups",
    params(("id" = Uuid, Path, description = "The group id.")),
    responses((status = 200, description = "The history.", body = Vec<StatusChangeView>))
)]
#[get("/groups/{id}/history")]
pub async fn get_group_history(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = GroupId::from(id.into_inner());
    let found = state
        .db(move |conn| {
            let group = managed_group(conn, &caller, id)?;
            Ok(group_vetting::history(conn, &group)?)
        })
        .await?;
    Ok(list_of::<StatusChangeView, _>(found))
}

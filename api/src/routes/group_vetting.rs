//! Vetting a group through its contact person (the screening interview is held with them, and
//! they sign on the group's behalf), its lifecycle, and its clearance through the same rules
//! and engine as volunteers.

use super::{
    clearance::{
        ClearanceQuery, ConditionView, QuestionView, RequirementView, checked_question, rules_of,
    },
    vetting::{
        NewDeclarationBody, StatusChangeView, TransitionBody, allow_step, check_staff_of,
        not_in_future, notes, past_date, published_version, reason_of,
    },
};
use crate::{
    auth::{Principal, StaffCaller},
    error::{ApiError, FieldError},
    etag::json_with_etag,
    extract::{IfMatch, Json, Query},
    openapi::schemas::{DeclarationKindSchema, ScreeningAssessmentSchema, ScreeningChannelSchema},
    state::AppState,
};
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use samspill_domain::{
    auth::{ServiceScope, TenantScope},
    clearance::{
        ClearancePolicy, ClearanceQuestion, RequirementResult, TargetGroup, default_dog_category,
    },
    group::Group,
    group_clearance::{GroupClearance, evaluate_group},
    ids::{DogId, GroupId, StaffUserId},
    user::Role,
    vetting::{DeclarationKind, DocumentVersion, ScreeningAssessment, ScreeningChannel},
    volunteer::parse_activity_kind,
};
use samspill_persistence::{
    PgConnection,
    group_vetting::{
        self, GroupDeclaration, GroupScreening, NewGroupDeclaration, NewGroupScreening,
    },
    groups, municipalities,
    volunteers::Transition,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Finds a group a coordinator or administrator manages, or 404.
fn managed_group(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: GroupId,
) -> Result<Group, ApiError> {
    Ok(groups::find(conn, caller.scope(), id)?)
}

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
    not_in_future("held_at", body.held_at)?;
    let notes = notes(body.notes)?;
    let interviewer = body.interviewer_id.map_or(caller.id, StaffUserId::from);
    let recorded = state
        .db(move |conn| {
            let group = managed_group(conn, &caller, id)?;
            check_staff_of(
                conn,
                &caller,
                group.municipality_id,
                interviewer,
                "interviewer_id",
            )?;
            Ok(group_vetting::add_screening(
                conn,
                &group,
                &NewGroupScreening {
                    held_at: body.held_at,
                    channel: body.channel,
                    interviewer_id: interviewer,
                    assessment: body.assessment,
                    notes,
                },
            )?)
        })
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
    Ok(HttpResponse::Ok().json(
        found
            .into_iter()
            .map(GroupScreeningView::from)
            .collect::<Vec<_>>(),
    ))
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
    let version = DocumentVersion::parse(&body.document_version)
        .map_err(|e| ApiError::Validation(vec![FieldError::parse("document_version", &e)]))?
        .into_inner();
    past_date("signed_on", body.signed_on)?;
    let recorded = state
        .db(move |conn| {
            let group = managed_group(conn, &caller, id)?;
            published_version(conn, group.municipality_id, body.kind, &version)?;
            Ok(group_vetting::add_declaration(
                conn,
                &group,
                &NewGroupDeclaration {
                    kind: body.kind,
                    document_version: version,
                    signed_on: body.signed_on,
                    recorded_by: caller.id,
                },
            )?)
        })
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
    Ok(HttpResponse::Ok().json(
        found
            .into_iter()
            .map(GroupDeclarationView::from)
            .collect::<Vec<_>>(),
    ))
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
    responses((status = 200, description = "The group in its new status.", body = super::groups::GroupView,
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
    let transition = Transition {
        to: body.to,
        reason: reason_of(&body.reason)?,
        actor: caller.id,
    };
    let moved = state
        .db(move |conn| {
            group_vetting::transition(
                conn,
                caller.scope(),
                id,
                expected,
                &transition,
                |conn, current| {
                    allow_step("A group", current.status, transition.to, || {
                        group_vetting::approval_facts(conn, current)
                    })
                },
            )
        })
        .await?;
    let version = moved.version;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        version,
        &super::groups::GroupView::from(moved),
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
    Ok(HttpResponse::Ok().json(
        found
            .into_iter()
            .map(StatusChangeView::from)
            .collect::<Vec<_>>(),
    ))
}

/// One named member's per-person requirements.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberClearanceView {
    /// The member (a volunteer).
    pub volunteer_id: Uuid,
    /// Whether every strict per-person requirement holds for them.
    pub cleared: bool,
    /// The per-person requirements (police certificates).
    pub requirements: Vec<RequirementView>,
}

/// The answer to a clearance question about a group.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupClearanceView {
    /// The group.
    pub group_id: Uuid,
    /// Whether the group may take part.
    pub cleared: bool,
    /// The question.
    pub question: QuestionView,
    /// Requirements of the group as a whole (met through its contact person), the dog's, and
    /// `named_members` when per-person requirements apply and no members are named.
    pub requirements: Vec<RequirementView>,
    /// Per-person requirements of each named member.
    pub members: Vec<MemberClearanceView>,
    /// Conditions to follow.
    pub conditions: Vec<ConditionView>,
    /// The first day after `on` on which a requirement's state changes.
    pub changes_on: Option<NaiveDate>,
}

fn requirement_views(requirements: Vec<RequirementResult>) -> Vec<RequirementView> {
    requirements
        .into_iter()
        .map(RequirementView::from)
        .collect()
}

impl GroupClearanceView {
    fn new(group: GroupId, question: &ClearanceQuestion, answer: GroupClearance) -> Self {
        Self {
            group_id: group.into_uuid(),
            cleared: answer.cleared,
            question: QuestionView::from(question),
            requirements: requirement_views(answer.requirements),
            members: answer
                .members
                .into_iter()
                .map(|m| MemberClearanceView {
                    volunteer_id: m.volunteer_id.into_uuid(),
                    cleared: m.cleared,
                    requirements: requirement_views(m.requirements),
                })
                .collect(),
            conditions: answer
                .conditions
                .into_iter()
                .map(ConditionView::from)
                .collect(),
            changes_on: answer.changes_on,
        }
    }
}

/// Whether the group may do this activity, in this setting, for this target group, with this
/// dog, on this date — with the same rules as volunteers. The group is cleared as a whole
/// through its vetted contact person; per-person requirements (police certificates, a dog
/// approval) are checked for its named members and reported per member.
///
/// Coordinators and administrators, and municipal systems with `clearance:read`.
#[utoipa::path(
    tag = "groups",
    params(("id" = Uuid, Path, description = "The group id."), ClearanceQuery),
    responses((status = 200, description = "The answer.", body = GroupClearanceView))
)]
#[get("/groups/{id}/clearance")]
pub async fn get_group_clearance(
    state: web::Data<AppState>,
    caller: Principal,
    id: web::Path<Uuid>,
    Query(query): Query<ClearanceQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = match &caller {
        Principal::Staff(staff) if matches!(staff.role, Role::Admin | Role::Coordinator) => {
            staff.scope()
        }
        Principal::Staff(_) => {
            return Err(ApiError::forbidden(
                "Only coordinators, administrators and municipal systems ask about groups.",
            ));
        }
        Principal::Service(service) if service.scopes.contains(&ServiceScope::ClearanceRead) => {
            TenantScope::Municipality(service.municipality)
        }
        Principal::Service(_) => {
            return Err(ApiError::forbidden(
                "This needs a token with the scope clearance:read.",
            ));
        }
    };
    let id = GroupId::from(id.into_inner());
    let question = question_of(query)?;
    let (question, answer) = state
        .db(move |conn| {
            let group = groups::find(conn, scope, id)?;
            let municipality = municipalities::find(conn, TenantScope::All, group.municipality_id)?;
            let dog = checked_question(conn, &municipality, &question)?;
            let with_breaks = municipality.settings.police_certificate_break_months > 0;
            let (facts, mut members) = group_vetting::clearance_facts(conn, &group, with_breaks)?;
            if let Some(dog) = dog {
                for member in &mut members {
                    member.dog = Some(dog.clone());
                }
            }
            let rules = rules_of(conn, &municipality)?;
            let answer = evaluate_group(
                &rules,
                &question,
                &facts,
                &members,
                ClearancePolicy::from(&municipality.settings),
            );
            Ok((question, answer))
        })
        .await?;
    Ok(HttpResponse::Ok().json(GroupClearanceView::new(id, &question, answer)))
}

/// Reads a clearance question from its query parameters, with the defaults filled in.
pub(crate) fn question_of(query: ClearanceQuery) -> Result<ClearanceQuestion, ApiError> {
    let activity_kind = parse_activity_kind(&query.activity_kind)
        .map_err(|e| ApiError::Validation(vec![FieldError::parse("activity_kind", &e)]))?;
    let on = query.on.unwrap_or_else(|| Utc::now().date_naive());
    super::vetting::plausible("on", on)?;
    Ok(ClearanceQuestion {
        activity_kind,
        setting: query.setting,
        target_group: query.target_group.unwrap_or(TargetGroup::General),
        dog: query.dog_id.map(DogId::from),
        dog_category: query
            .dog_category
            .unwrap_or_else(|| default_dog_category(query.setting)),
        on,
    })
}

//! Vetting a volunteer: screening interviews, reference checks, signed declarations, the
//! document versions a municipality publishes, and the lifecycle transitions with their history.

use crate::{
    access::{self, VOLUNTEERS_READ_THEIR_OWN, managed_volunteer},
    auth::StaffCaller,
    cases::{
        self, lifecycle,
        vetting::{Interview, Outcome, Signature},
    },
    dto::{
        list_of,
        vetting::{NewDeclarationBody, StatusChangeView, TransitionBody},
        volunteer::VolunteerView,
    },
    error::{ApiError, FieldError},
    etag::json_with_etag,
    extract::{IfMatch, Json},
    input::{self, not_in_future, plausible},
    openapi::schemas::{
        DeclarationKindSchema, ReferenceOutcomeSchema, ScreeningAssessmentSchema,
        ScreeningChannelSchema,
    },
    state::AppState,
};
use actix_web::{HttpResponse, get, http::header, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use samspill_domain::{
    auth::TenantScope,
    ids::{MunicipalityId, VolunteerId},
    text::Name,
    vetting::{
        Declaration, DeclarationKind, DocumentVersion, PublishedDocument, ReferenceCheck,
        ReferenceOutcome, Screening, ScreeningAssessment, ScreeningChannel,
    },
    volunteer_draft::{MAX_INTERESTS, parse_interest},
};
use samspill_persistence::{
    PgConnection, RepoError, municipalities,
    vetting::{self, NewReferenceCheck},
    volunteers,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A screening interview.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScreeningView {
    /// Its id.
    pub id: Uuid,
    /// The volunteer.
    pub volunteer_id: Uuid,
    /// When it was held.
    pub held_at: DateTime<Utc>,
    /// How.
    #[schema(value_type = ScreeningChannelSchema)]
    pub channel: ScreeningChannel,
    /// Who held it.
    pub interviewer_id: Uuid,
    /// Interests found in the conversation.
    pub interests_mapped: Vec<String>,
    /// The assessment.
    #[schema(value_type = ScreeningAssessmentSchema)]
    pub assessment: ScreeningAssessment,
    /// Notes.
    pub notes: Option<String>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

impl From<Screening> for ScreeningView {
    fn from(s: Screening) -> Self {
        Self {
            id: s.id,
            volunteer_id: s.volunteer_id.into_uuid(),
            held_at: s.held_at,
            channel: s.channel,
            interviewer_id: s.interviewer_id.into_uuid(),
            interests_mapped: s.interests_mapped,
            assessment: s.assessment,
            notes: s.notes,
            created_at: s.created_at,
        }
    }
}

/// A screening interview to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewScreeningBody {
    /// When it was held (not in the future).
    pub held_at: DateTime<Utc>,
    /// How it was held.
    #[schema(value_type = ScreeningChannelSchema)]
    pub channel: ScreeningChannel,
    /// Who held it: a staff account of the municipality; defaults to the caller.
    pub interviewer_id: Option<Uuid>,
    /// Interests found in the conversation.
    #[serde(default)]
    #[schema(max_items = 30)]
    pub interests_mapped: Vec<String>,
    /// The assessment.
    #[schema(value_type = ScreeningAssessmentSchema)]
    pub assessment: ScreeningAssessment,
    /// Notes.
    #[schema(max_length = 4000)]
    pub notes: Option<String>,
}

/// Records a screening interview (coordinators and administrators).
#[utoipa::path(
    tag = "vetting",
    params(("id" = Uuid, Path, description = "The volunteer id.")),
    request_body = NewScreeningBody,
    responses((status = 201, description = "Recorded.", body = ScreeningView))
)]
#[post("/volunteers/{id}/screenings")]
pub async fn create_screening(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Json(body): Json<NewScreeningBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = VolunteerId::from(id.into_inner());
    // In the order the fields are read: when, the interests found, the notes.
    not_in_future("held_at", body.held_at)?;
    if body.interests_mapped.len() > MAX_INTERESTS {
        return Err(ApiError::invalid(
            "interests_mapped",
            "too_many",
            format!("at most {MAX_INTERESTS} items"),
        ));
    }
    let interests = body
        .interests_mapped
        .iter()
        .enumerate()
        .map(|(i, interest)| {
            parse_interest(interest)
                .map_err(|e| FieldError::parse(format!("interests_mapped[{i}]"), &e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let interview = Interview::check(&caller, body.held_at, body.interviewer_id, body.notes)?;
    let outcome = Outcome {
        channel: body.channel,
        assessment: body.assessment,
    };
    let recorded = state
        .db(move |conn| {
            cases::vetting::screen_volunteer(conn, &caller, id, interview, outcome, interests)
        })
        .await?;
    Ok(HttpResponse::Created().json(ScreeningView::from(recorded)))
}

/// The screening interviews of a volunteer, latest first (coordinators and administrators).
#[utoipa::path(
    tag = "vetting",
    params(("id" = Uuid, Path, description = "The volunteer id.")),
    responses((status = 200, description = "The interviews.", body = Vec<ScreeningView>))
)]
#[get("/volunteers/{id}/screenings")]
pub async fn list_screenings(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = VolunteerId::from(id.into_inner());
    let found = state
        .db(move |conn| {
            let volunteer = managed_volunteer(conn, &caller, id)?;
            Ok(vetting::screenings(conn, &volunteer)?)
        })
        .await?;
    Ok(list_of::<ScreeningView, _>(found))
}

/// A reference check.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferenceCheckView {
    /// Its id.
    pub id: Uuid,
    /// The volunteer.
    pub volunteer_id: Uuid,
    /// Who the reference is.
    pub referee_name: String,
    /// How they know the volunteer.
    pub relation: String,
    /// When they were contacted.
    pub contacted_at: Option<DateTime<Utc>>,
    /// The outcome; `null` while pending.
    #[schema(value_type = Option<ReferenceOutcomeSchema>)]
    pub outcome: Option<ReferenceOutcome>,
    /// Notes.
    pub notes: Option<String>,
    /// Raised by every change; also the ETag.
    pub version: i32,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<ReferenceCheck> for ReferenceCheckView {
    fn from(r: ReferenceCheck) -> Self {
        Self {
            id: r.id,
            volunteer_id: r.volunteer_id.into_uuid(),
            referee_name: r.referee_name,
            relation: r.relation,
            contacted_at: r.contacted_at,
            outcome: r.outcome,
            notes: r.notes,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A reference check to record; the outcome may follow later.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReferenceCheckBody {
    /// Who the reference is.
    #[schema(min_length = 1, max_length = 200)]
    pub referee_name: String,
    /// How they know the volunteer (employer, teacher, other organisation, ...).
    #[schema(min_length = 1, max_length = 200)]
    pub relation: String,
    /// When they were contacted. A requirement rule's `max_age_months` counts from this day,
    /// or, when it is not given, from the day the outcome was recorded.
    pub contacted_at: Option<DateTime<Utc>>,
    /// The outcome, if known.
    #[schema(value_type = Option<ReferenceOutcomeSchema>)]
    pub outcome: Option<ReferenceOutcome>,
    /// Notes.
    #[schema(max_length = 4000)]
    pub notes: Option<String>,
}

/// The result of a reference check.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferenceResultBody {
    /// When the reference was contacted, if not recorded before: the day a rule's
    /// `max_age_months` counts from (without one, the day this result is recorded).
    pub contacted_at: Option<DateTime<Utc>>,
    /// The outcome.
    #[schema(value_type = ReferenceOutcomeSchema)]
    pub outcome: ReferenceOutcome,
    /// Notes.
    #[schema(max_length = 4000)]
    pub notes: Option<String>,
}

fn reference_fields(name: &str, relation: &str) -> Result<(String, String), ApiError> {
    let mut errors = Vec::new();
    let name = Name::<200>::parse(name)
        .map_err(|e| errors.push(FieldError::parse("referee_name", &e)))
        .ok();
    let relation = Name::<200>::parse(relation)
        .map_err(|e| errors.push(FieldError::parse("relation", &e)))
        .ok();
    match (name, relation) {
        (Some(name), Some(relation)) => Ok((name.into_inner(), relation.into_inner())),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// Records a reference check (coordinators and administrators).
#[utoipa::path(
    tag = "vetting",
    params(("id" = Uuid, Path, description = "The volunteer id.")),
    request_body = NewReferenceCheckBody,
    responses((status = 201, description = "Recorded.", body = ReferenceCheckView,
        headers(("ETag" = String, description = "The version."))))
)]
#[post("/volunteers/{id}/reference-checks")]
pub async fn create_reference_check(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Json(body): Json<NewReferenceCheckBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = VolunteerId::from(id.into_inner());
    let (referee_name, relation) = reference_fields(&body.referee_name, &body.relation)?;
    if let Some(at) = body.contacted_at {
        not_in_future("contacted_at", at)?;
    }
    let new = NewReferenceCheck {
        referee_name,
        relation,
        contacted_at: body.contacted_at,
        outcome: body.outcome,
        notes: input::notes(body.notes)?,
    };
    let recorded = state
        .db(move |conn| {
            let volunteer = managed_volunteer(conn, &caller, id)?;
            Ok(vetting::add_reference_check(conn, &volunteer, &new)?)
        })
        .await?;
    let version = recorded.version;
    Ok(json_with_etag(
        HttpResponse::Created(),
        version,
        &ReferenceCheckView::from(recorded),
    ))
}

/// The reference checks of a volunteer (coordinators and administrators).
#[utoipa::path(
    tag = "vetting",
    params(("id" = Uuid, Path, description = "The volunteer id.")),
    responses((status = 200, description = "The reference checks.", body = Vec<ReferenceCheckView>))
)]
#[get("/volunteers/{id}/reference-checks")]
pub async fn list_reference_checks(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = VolunteerId::from(id.into_inner());
    let found = state
        .db(move |conn| {
            let volunteer = managed_volunteer(conn, &caller, id)?;
            Ok(vetting::reference_checks(conn, &volunteer)?)
        })
        .await?;
    Ok(list_of::<ReferenceCheckView, _>(found))
}

/// Records the result of a reference check.
#[utoipa::path(
    tag = "vetting",
    params(
        ("id" = Uuid, Path, description = "The volunteer id."),
        ("check_id" = Uuid, Path, description = "The reference check id."),
        crate::extract::IfMatchHeader,
    ),
    request_body = ReferenceResultBody,
    responses((status = 200, description = "The completed check.", body = ReferenceCheckView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[patch("/volunteers/{id}/reference-checks/{check_id}")]
pub async fn complete_reference_check(
    state: web::Data<AppState>,
    caller: StaffCaller,
    path: web::Path<(Uuid, Uuid)>,
    IfMatch(expected): IfMatch,
    Json(body): Json<ReferenceResultBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let (id, check) = path.into_inner();
    let id = VolunteerId::from(id);
    if let Some(at) = body.contacted_at {
        not_in_future("contacted_at", at)?;
    }
    let notes = input::notes(body.notes)?;
    let completed = state
        .db(move |conn| {
            let volunteer = managed_volunteer(conn, &caller, id)?;
            let current = vetting::reference_checks(conn, &volunteer)?
                .into_iter()
                .find(|c| c.id == check)
                .ok_or(ApiError::NotFound)?;
            let result = NewReferenceCheck {
                referee_name: current.referee_name,
                relation: current.relation,
                contacted_at: body.contacted_at.or(current.contacted_at),
                outcome: Some(body.outcome),
                notes: notes.or(current.notes),
            };
            let expected = expected.or(Some(current.version));
            Ok(vetting::complete_reference_check(
                conn, &volunteer, check, expected, &result,
            )?)
        })
        .await?;
    let version = completed.version;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        version,
        &ReferenceCheckView::from(completed),
    ))
}

/// A signed declaration.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeclarationView {
    /// Its id.
    pub id: Uuid,
    /// The volunteer.
    pub volunteer_id: Uuid,
    /// Which document.
    #[schema(value_type = DeclarationKindSchema)]
    pub kind: DeclarationKind,
    /// The version signed.
    pub document_version: String,
    /// When it was signed.
    pub signed_on: NaiveDate,
    /// The coordinator who recorded (for the agreement: reviewed) it.
    pub recorded_by: Uuid,
    /// A newer version has been published since: the volunteer must sign again.
    pub needs_renewal: bool,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

impl From<Declaration> for DeclarationView {
    fn from(d: Declaration) -> Self {
        Self {
            id: d.id,
            volunteer_id: d.volunteer_id.into_uuid(),
            kind: d.kind,
            document_version: d.document_version,
            signed_on: d.signed_on,
            recorded_by: d.recorded_by.into_uuid(),
            needs_renewal: d.needs_renewal,
            created_at: d.created_at,
        }
    }
}

/// Records a signed confidentiality declaration, accepted privacy guidelines, or a volunteer
/// agreement reviewed with the calling coordinator.
///
/// Once the municipality publishes versions of the document (`/municipalities/{id}/documents`),
/// `document_version` must be one published by today; another is refused with 422. Where it
/// has published none of that document, any version label is recorded.
#[utoipa::path(
    tag = "vetting",
    params(("id" = Uuid, Path, description = "The volunteer id.")),
    request_body = NewDeclarationBody,
    responses((status = 201, description = "Recorded.", body = DeclarationView))
)]
#[post("/volunteers/{id}/declarations")]
pub async fn create_declaration(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Json(body): Json<NewDeclarationBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = VolunteerId::from(id.into_inner());
    let signature = Signature::check(body.kind, &body.document_version, body.signed_on)?;
    let recorded = state
        .db(move |conn| cases::vetting::sign_for_volunteer(conn, &caller, id, signature))
        .await?;
    Ok(HttpResponse::Created().json(DeclarationView::from(recorded)))
}

/// The declarations of a volunteer, latest first, each saying whether it needs renewal.
#[utoipa::path(
    tag = "vetting",
    params(("id" = Uuid, Path, description = "The volunteer id.")),
    responses((status = 200, description = "The declarations.", body = Vec<DeclarationView>))
)]
#[get("/volunteers/{id}/declarations")]
pub async fn list_declarations(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = VolunteerId::from(id.into_inner());
    let found = state
        .db(move |conn| {
            let volunteer = managed_volunteer(conn, &caller, id)?;
            Ok(vetting::declarations(conn, &volunteer)?)
        })
        .await?;
    Ok(list_of::<DeclarationView, _>(found))
}

/// A document version a municipality has published.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentView {
    /// Its id.
    pub id: Uuid,
    /// The municipality.
    pub municipality_id: Uuid,
    /// Which document.
    #[schema(value_type = DeclarationKindSchema)]
    pub kind: DeclarationKind,
    /// The version label.
    pub version_label: String,
    /// From when it applies.
    pub published_on: NaiveDate,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

impl From<PublishedDocument> for DocumentView {
    fn from(d: PublishedDocument) -> Self {
        Self {
            id: d.id,
            municipality_id: d.municipality_id.into_uuid(),
            kind: d.kind,
            version_label: d.version_label,
            published_on: d.published_on,
            created_at: d.created_at,
        }
    }
}

/// A new document version.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDocumentBody {
    /// Which document.
    #[schema(value_type = DeclarationKindSchema)]
    pub kind: DeclarationKind,
    /// The version label, unique per document.
    #[schema(min_length = 1, max_length = 50, example = "2026-1")]
    pub version_label: String,
    /// From when it applies (default today). From that day, declarations of older versions need renewal.
    pub published_on: Option<NaiveDate>,
}

fn municipality_in_scope(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: MunicipalityId,
) -> Result<(), ApiError> {
    municipalities::find(conn, scope, id)?;
    Ok(())
}

/// Publishes a new version of a declaration document for a municipality.
#[utoipa::path(
    tag = "vetting",
    params(("id" = Uuid, Path, description = "The municipality id.")),
    request_body = NewDocumentBody,
    responses((status = 201, description = "Published.", body = DocumentView))
)]
#[post("/municipalities/{id}/documents")]
pub async fn publish_document(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Json(body): Json<NewDocumentBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let municipality = MunicipalityId::from(id.into_inner());
    let label = DocumentVersion::parse(&body.version_label)
        .map_err(|e| FieldError::parse("version_label", &e))?
        .into_inner();
    let published_on = body.published_on.unwrap_or_else(|| Utc::now().date_naive());
    plausible("published_on", published_on)?;
    let published = state
        .db(move |conn| {
            municipality_in_scope(conn, caller.scope(), municipality)?;
            crate::access::check_municipality_wide(conn, &caller)?;
            match vetting::publish_document(
                conn,
                municipality,
                body.kind,
                &label,
                published_on,
                caller.id,
            ) {
                Err(RepoError::Duplicate { .. }) => Err(ApiError::Conflict {
                    detail: "This version of the document is already published.".to_owned(),
                    errors: vec![FieldError::new(
                        "version_label",
                        "taken",
                        "already published",
                    )],
                }),
                other => Ok(other?),
            }
        })
        .await?;
    Ok(HttpResponse::Created().json(DocumentView::from(published)))
}

/// The document versions a municipality has published, latest first.
#[utoipa::path(
    tag = "vetting",
    params(("id" = Uuid, Path, description = "The municipality id.")),
    responses((status = 200, description = "The document versions.", body = Vec<DocumentView>))
)]
#[get("/municipalities/{id}/documents")]
pub async fn list_documents(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let municipality = MunicipalityId::from(id.into_inner());
    let found = state
        .db(move |conn| {
            municipality_in_scope(conn, caller.scope(), municipality)?;
            Ok(vetting::documents(conn, municipality)?)
        })
        .await?;
    Ok(list_of::<DocumentView, _>(found))
}

/// Moves a volunteer through the lifecycle: `registered → in_screening → approved ⇄ paused`,
/// and `rejected` or `withdrawn` from any state. Approval is refused with 409 and the list of
/// what is missing (`missing`) unless, at that moment, the volunteer has a suitable screening,
/// current confidentiality declaration, privacy guidelines and volunteer agreement, completed
/// reference checks if needed, a contact person and a home unit.
#[utoipa::path(
    tag = "volunteers",
    params(
        ("id" = Uuid, Path, description = "The volunteer id."),
        crate::extract::IfMatchHeader,
    ),
    request_body = TransitionBody,
    responses((status = 200, description = "The volunteer in the new status.", body = VolunteerView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[post("/volunteers/{id}/transitions")]
pub async fn transition_volunteer(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    Json(body): Json<TransitionBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = VolunteerId::from(id.into_inner());
    let transition = lifecycle::transition(&caller, body.to, &body.reason)?;
    let moved = state
        .db(move |conn| lifecycle::move_volunteer(conn, &caller, id, expected, &transition))
        .await?;
    let version = moved.version;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        version,
        &VolunteerView::for_role(moved, caller.role),
    ))
}

/// The status history of a volunteer, oldest first: who changed what, when and why.
///
/// Coordinators, administrators and the volunteer's contact person. The history stays after
/// the volunteer is erased: coordinators and administrators still read it by the volunteer's id.
#[utoipa::path(
    tag = "volunteers",
    params(("id" = Uuid, Path, description = "The volunteer id.")),
    responses((status = 200, description = "The history.", body = Vec<StatusChangeView>))
)]
#[get("/volunteers/{id}/history")]
pub async fn get_volunteer_history(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let audience = access::audience(&caller, VOLUNTEERS_READ_THEIR_OWN)?;
    let id = VolunteerId::from(id.into_inner());
    let found = state
        .db(move |conn| Ok(volunteers::history(conn, caller.scope(), audience, id)?))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(
            found
                .into_iter()
                .map(StatusChangeView::from)
                .collect::<Vec<_>>(),
        ))
}

//! Vetting a volunteer: screening interviews, reference checks, signed declarations, the
//! document versions a municipality publishes, and the lifecycle transitions with their history.

use super::volunteers::{VolunteerView, audience};
use crate::{
    auth::StaffCaller,
    error::{ApiError, FieldError},
    etag::json_with_etag,
    extract::{IfMatch, Json},
    openapi::schemas::{
        DeclarationKindSchema, ReferenceOutcomeSchema, ScreeningAssessmentSchema,
        ScreeningChannelSchema, VolunteerStatusSchema,
    },
    state::AppState,
};
use actix_web::{HttpResponse, get, http::header, patch, post, web};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use samspill_domain::{
    ParseError,
    auth::TenantScope,
    ids::{MunicipalityId, StaffUserId, VolunteerId},
    text::{Name, Text},
    vetting::{
        Declaration, DeclarationKind, DocumentVersion, PublishedDocument, ReferenceCheck,
        ReferenceOutcome, Screening, ScreeningAssessment, ScreeningChannel, check_document_version,
    },
    volunteer::{ApprovalFacts, TransitionError, Volunteer, VolunteerStatus, check_transition},
};
use samspill_persistence::{
    PgConnection, RepoError, municipalities, users,
    vetting::{self, NewDeclaration, NewReferenceCheck, NewScreening},
    volunteers::{self, Audience, StatusChange, Transition},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Finds a volunteer the caller may manage, or 404.
pub(crate) fn managed(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: VolunteerId,
) -> Result<Volunteer, ApiError> {
    Ok(volunteers::find(
        conn,
        caller.scope(),
        Audience::Everyone,
        id,
    )?)
}

fn field_error(name: &str, error: &ParseError) -> ApiError {
    ApiError::Validation(vec![FieldError::parse(name.to_owned(), error)])
}

pub(crate) fn not_in_future(name: &str, at: DateTime<Utc>) -> Result<(), ApiError> {
    if at > Utc::now() + chrono::Duration::minutes(5) {
        return Err(ApiError::invalid(
            name,
            "in_future",
            "must not be in the future",
        ));
    }
    plausible(name, at.date_naive())
}

/// The earliest date a vetting record can carry.
const EARLIEST_YEAR: i32 = 1900;

/// Refuses dates PostgreSQL or common sense cannot take (chrono reads years far outside both).
pub(crate) fn plausible(name: &str, date: NaiveDate) -> Result<(), ApiError> {
    if !(EARLIEST_YEAR..=2200).contains(&date.year()) {
        return Err(ApiError::invalid(
            name,
            "out_of_range",
            "must be a date between 1900 and 2200",
        ));
    }
    Ok(())
}

/// Refuses the date of something that has already happened when it lies in the future or
/// outside the plausible years.
pub(crate) fn past_date(name: &str, date: NaiveDate) -> Result<(), ApiError> {
    if date > Utc::now().date_naive() {
        return Err(ApiError::invalid(
            name,
            "in_future",
            "must not be in the future",
        ));
    }
    plausible(name, date)
}

/// Checks that `account` may act for `municipality` (interview, check a certificate): an
/// active staff account of that municipality or an administrator, not a volunteer's login.
/// Anything else is a 422 on `field`.
pub(crate) fn check_staff_of(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    municipality: MunicipalityId,
    account: StaffUserId,
    field: &str,
) -> Result<(), ApiError> {
    match users::find(conn, caller.scope(), account) {
        Ok(user)
            if user.active
                && user.role != samspill_domain::user::Role::Volunteer
                && user.municipality_id.is_none_or(|m| m == municipality) =>
        {
            Ok(())
        }
        Ok(_) | Err(RepoError::NotFound) => Err(ApiError::invalid(
            field,
            "not_found",
            "no such staff account in the municipality",
        )),
        Err(other) => Err(other.into()),
    }
}

pub(crate) fn notes(raw: Option<String>) -> Result<Option<String>, ApiError> {
    raw.map(|n| Text::<4000>::parse(&n).map(Text::into_inner))
        .transpose()
        .map(|n| n.filter(|n| !n.is_empty()))
        .map_err(|e| field_error("notes", &e))
}

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
    not_in_future("held_at", body.held_at)?;
    if body.interests_mapped.len() > 30 {
        return Err(ApiError::invalid(
            "interests_mapped",
            "too_many",
            "at most 30 items",
        ));
    }
    let interests = body
        .interests_mapped
        .iter()
        .enumerate()
        .map(|(i, interest)| {
            Name::<100>::parse(interest)
                .map(Name::into_inner)
                .map_err(|e| field_error(&format!("interests_mapped[{i}]"), &e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let notes = notes(body.notes)?;
    let interviewer = body.interviewer_id.map_or(caller.id, StaffUserId::from);
    let recorded = state
        .db(move |conn| {
            let volunteer = managed(conn, &caller, id)?;
            check_staff_of(
                conn,
                &caller,
                volunteer.municipality_id,
                interviewer,
                "interviewer_id",
            )?;
            Ok(vetting::add_screening(
                conn,
                &volunteer,
                &NewScreening {
                    held_at: body.held_at,
                    channel: body.channel,
                    interviewer_id: interviewer,
                    interests_mapped: interests,
                    assessment: body.assessment,
                    notes,
                },
            )?)
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
            let volunteer = managed(conn, &caller, id)?;
            Ok(vetting::screenings(conn, &volunteer)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(
        found
            .into_iter()
            .map(ScreeningView::from)
            .collect::<Vec<_>>(),
    ))
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
        notes: notes(body.notes)?,
    };
    let recorded = state
        .db(move |conn| {
            let volunteer = managed(conn, &caller, id)?;
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
            let volunteer = managed(conn, &caller, id)?;
            Ok(vetting::reference_checks(conn, &volunteer)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(
        found
            .into_iter()
            .map(ReferenceCheckView::from)
            .collect::<Vec<_>>(),
    ))
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
    let notes = notes(body.notes)?;
    let completed = state
        .db(move |conn| {
            let volunteer = managed(conn, &caller, id)?;
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

/// A declaration to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDeclarationBody {
    /// Which document.
    #[schema(value_type = DeclarationKindSchema)]
    pub kind: DeclarationKind,
    /// The version signed, as the municipality labels it: one it has published by today, when
    /// it publishes versions of this document.
    #[schema(min_length = 1, max_length = 50, example = "2026-1")]
    pub document_version: String,
    /// When it was signed (not in the future).
    pub signed_on: NaiveDate,
}

/// Refuses a declaration naming a document version the municipality has not published (422
/// on `document_version`); see [`check_document_version`].
pub(crate) fn published_version(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    kind: DeclarationKind,
    version: &str,
) -> Result<(), ApiError> {
    let documents = vetting::documents(conn, municipality)?;
    check_document_version(kind, version, &documents, Utc::now().date_naive())
        .map_err(|e| field_error("document_version", &e))
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
    let document_version = DocumentVersion::parse(&body.document_version)
        .map_err(|e| field_error("document_version", &e))?
        .into_inner();
    past_date("signed_on", body.signed_on)?;
    let new = NewDeclaration {
        kind: body.kind,
        document_version,
        signed_on: body.signed_on,
        recorded_by: caller.id,
    };
    let recorded = state
        .db(move |conn| {
            let volunteer = managed(conn, &caller, id)?;
            published_version(
                conn,
                volunteer.municipality_id,
                new.kind,
                &new.document_version,
            )?;
            Ok(vetting::add_declaration(conn, &volunteer, &new)?)
        })
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
            let volunteer = managed(conn, &caller, id)?;
            Ok(vetting::declarations(conn, &volunteer)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(
        found
            .into_iter()
            .map(DeclarationView::from)
            .collect::<Vec<_>>(),
    ))
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
        .map_err(|e| field_error("version_label", &e))?
        .into_inner();
    let published_on = body.published_on.unwrap_or_else(|| Utc::now().date_naive());
    plausible("published_on", published_on)?;
    let published = state
        .db(move |conn| {
            municipality_in_scope(conn, caller.scope(), municipality)?;
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
    Ok(HttpResponse::Ok().json(
        found
            .into_iter()
            .map(DocumentView::from)
            .collect::<Vec<_>>(),
    ))
}

/// A status change to make.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionBody {
    /// The new status.
    #[schema(value_type = VolunteerStatusSchema)]
    pub to: VolunteerStatus,
    /// Why; kept in the history.
    #[schema(min_length = 1, max_length = 1000, example = "Screening call booked")]
    pub reason: String,
}

/// One entry of a volunteer's status history.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusChangeView {
    /// Its id.
    pub id: Uuid,
    /// The status before.
    #[schema(value_type = Option<VolunteerStatusSchema>)]
    pub from_status: Option<String>,
    /// The status after.
    #[schema(value_type = VolunteerStatusSchema)]
    pub to_status: String,
    /// Why.
    pub reason: String,
    /// Who made the change.
    pub changed_by: Option<Uuid>,
    /// When.
    pub changed_at: DateTime<Utc>,
}

impl From<StatusChange> for StatusChangeView {
    fn from(c: StatusChange) -> Self {
        Self {
            id: c.id,
            from_status: c.from_status,
            to_status: c.to_status,
            reason: c.reason,
            changed_by: c.changed_by,
            changed_at: c.changed_at,
        }
    }
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
    let transition = Transition {
        to: body.to,
        reason: reason_of(&body.reason)?,
        actor: caller.id,
    };
    let moved = state
        .db(move |conn| {
            volunteers::transition(
                conn,
                caller.scope(),
                id,
                expected,
                &transition,
                |conn, current| {
                    allow_step("A volunteer", current.status, transition.to, || {
                        vetting::approval_facts(conn, current)
                    })
                },
            )
        })
        .await?;
    let version = moved.version;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        version,
        &VolunteerView::for_role(moved, caller.role),
    ))
}

/// The reason of a transition: required, at most 1000 characters.
pub(crate) fn reason_of(raw: &str) -> Result<String, ApiError> {
    let reason = Text::<1000>::parse(raw)
        .map_err(|e| field_error("reason", &e))?
        .into_inner();
    if reason.is_empty() {
        return Err(ApiError::invalid("reason", "required", "say why"));
    }
    Ok(reason)
}

/// Checks a lifecycle step of `who` (a volunteer or a group) with the domain's rule: 409
/// naming `to` for a step the lifecycle does not have, 409 with `missing` when approval lacks
/// something. The rule asks for the facts only when it needs them (approval), so other steps
/// run no vetting queries; a failed read is reported as such.
pub(crate) fn allow_step(
    who: &str,
    from: VolunteerStatus,
    to: VolunteerStatus,
    facts: impl FnOnce() -> Result<ApprovalFacts, RepoError>,
) -> Result<(), ApiError> {
    let mut failed_read = None;
    let outcome = check_transition(from, to, || {
        facts().unwrap_or_else(|error| {
            failed_read = Some(error);
            ApprovalFacts::default()
        })
    });
    if let Some(error) = failed_read {
        return Err(error.into());
    }
    outcome.map_err(|error| match error {
        TransitionError::NotAllowed { from, to } => ApiError::Conflict {
            detail: format!("{who} cannot go from {from} to {to}."),
            errors: vec![FieldError::new(
                "to",
                "not_allowed",
                format!("not reachable from {from}"),
            )],
        },
        TransitionError::Missing(missing) => {
            ApiError::RequirementsMissing(missing.iter().map(|m| m.as_str().to_owned()).collect())
        }
    })
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
    let audience: Audience = audience(&caller)?;
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

//! Consents of volunteers (photos at events, sharing contact details with the unit) and of
//! people visited at home (home visits): recorded with the text version and who gave them,
//! listed with their history, withdrawn.

use crate::{
    auth::StaffCaller,
    cases::consents::{self, ConsentInput, Withdrawal},
    error::ApiError,
    etag::json_with_etag,
    extract::{IfMatch, Json, Query},
    openapi::schemas::{ConsentBySchema, ConsentPurposeSchema},
    pagination::{CursorList, PageQuery, page_of, page_request},
    state::AppState,
};
use actix_web::{HttpResponse, get, http::header, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use samspill_domain::consent::{ConsentBy, ConsentPurpose};
use samspill_persistence::consents::{Consent, ConsentSubject};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A consent, in force or withdrawn.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentRecordView {
    /// Its id.
    pub id: Uuid,
    /// The municipality.
    pub municipality_id: Uuid,
    /// The volunteer whose consent it is (or `null`).
    pub volunteer_id: Option<Uuid>,
    /// The person visited at home whose consent it is (or `null`).
    pub recipient_id: Option<Uuid>,
    /// What it is for.
    #[schema(value_type = ConsentPurposeSchema)]
    pub purpose: ConsentPurpose,
    /// The version of the text agreed to.
    pub text_version: String,
    /// When it was given.
    pub given_on: NaiveDate,
    /// The person or a representative.
    #[schema(value_type = ConsentBySchema)]
    pub given_by: ConsentBy,
    /// The representative, when one gave it.
    pub representative: Option<String>,
    /// The account that recorded it.
    pub recorded_by: Uuid,
    /// Whether it is in force (not withdrawn).
    pub in_force: bool,
    /// When it was withdrawn.
    pub withdrawn_on: Option<NaiveDate>,
    /// Who withdrew it.
    #[schema(value_type = Option<ConsentBySchema>)]
    pub withdrawn_by: Option<ConsentBy>,
    /// The account that recorded the withdrawal.
    pub withdrawal_recorded_by: Option<Uuid>,
    /// Optimistic-concurrency version (also the `ETag`).
    pub version: i32,
    /// Recorded.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Consent> for ConsentRecordView {
    fn from(c: Consent) -> Self {
        let (volunteer_id, recipient_id) = match c.subject {
            ConsentSubject::Volunteer(v) => (Some(v.into_uuid()), None),
            ConsentSubject::Recipient(r) => (None, Some(r.into_uuid())),
        };
        Self {
            id: c.id,
            municipality_id: c.municipality_id.into_uuid(),
            volunteer_id,
            recipient_id,
            purpose: c.purpose,
            text_version: c.text_version,
            given_on: c.given_on,
            given_by: c.given_by,
            representative: c.representative,
            recorded_by: c.recorded_by,
            in_force: c.withdrawn_on.is_none(),
            withdrawn_on: c.withdrawn_on,
            withdrawn_by: c.withdrawn_by,
            withdrawal_recorded_by: c.withdrawal_recorded_by,
            version: c.version,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

page_of!(ConsentRecordPage, ConsentRecordView, CursorList::Consents);

/// A consent to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConsentBody {
    /// What it is for: `photos_at_events` or `share_contact_with_unit` for a volunteer,
    /// `home_visits` for a person visited at home.
    #[schema(value_type = ConsentPurposeSchema)]
    pub purpose: ConsentPurpose,
    /// The version of the text the person agreed to (1-50 characters), as the municipality
    /// names its forms.
    #[schema(min_length = 1, max_length = 50, example = "foto-2026-1")]
    pub text_version: String,
    /// The day it was given (not in the future).
    pub given_on: NaiveDate,
    /// The person themselves or a representative.
    #[schema(value_type = ConsentBySchema)]
    pub given_by: ConsentBy,
    /// The representative's name, when `given_by` is `representative` (and only then).
    #[schema(max_length = 200)]
    pub representative: Option<String>,
}

impl From<NewConsentBody> for ConsentInput {
    fn from(b: NewConsentBody) -> Self {
        Self {
            purpose: b.purpose,
            text_version: b.text_version,
            given_on: b.given_on,
            given_by: b.given_by,
            representative: b.representative,
        }
    }
}

/// A consent's withdrawal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalBody {
    /// The day it was withdrawn (not before it was given, not in the future).
    pub withdrawn_on: NaiveDate,
    /// The person themselves or a representative.
    #[schema(value_type = ConsentBySchema)]
    pub withdrawn_by: ConsentBy,
}

fn created(consent: Consent) -> HttpResponse {
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, format!("/api/v1/consents/{}", consent.id)));
    json_with_etag(response, consent.version, &ConsentRecordView::from(consent))
}

/// Record a volunteer's consent.
///
/// Coordinators and administrators record what a volunteer agreed to, under which version of
/// the text, on which day, and whether they or a representative gave it. One consent per
/// purpose is in force at a time (409 while one is); a withdrawn one stays in the history.
#[utoipa::path(
    tag = "consents",
    params(("id" = Uuid, Path, description = "The volunteer id.")),
    request_body(content = NewConsentBody, example = json!({
        "purpose": "photos_at_events",
        "text_version": "foto-2026-1",
        "given_on": "2026-11-20",
        "given_by": "self"
    })),
    responses((status = 201, description = "The consent.", body = ConsentRecordView,
        headers(("ETag" = String, description = "The version."),
                ("Location" = String, description = "Where it is."))))
)]
#[post("/volunteers/{id}/consents")]
pub async fn give_volunteer_consent(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Json(body): Json<NewConsentBody>,
) -> Result<HttpResponse, ApiError> {
    let subject = ConsentSubject::Volunteer(id.into_inner().into());
    let now = state.clock.now();
    let consent = state
        .db(move |conn| consents::give(conn, &caller, subject, body.into(), now))
        .await?;
    Ok(created(consent))
}

/// Record the consent of a person visited at home.
///
/// Their consent to home visits (`home_visits`) is recorded when they are; after a withdrawal a
/// new one is recorded here (or by giving the consent fields again in `PATCH /recipients/{id}`).
#[utoipa::path(
    tag = "consents",
    params(("id" = Uuid, Path, description = "The recipient id.")),
    request_body(content = NewConsentBody, example = json!({
        "purpose": "home_visits",
        "text_version": "besok-2026-1",
        "given_on": "2026-11-20",
        "given_by": "representative",
        "representative": "Kari Nordmann"
    })),
    responses((status = 201, description = "The consent.", body = ConsentRecordView,
        headers(("ETag" = String, description = "The version."),
                ("Location" = String, description = "Where it is."))))
)]
#[post("/recipients/{id}/consents")]
pub async fn give_recipient_consent(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Json(body): Json<NewConsentBody>,
) -> Result<HttpResponse, ApiError> {
    let subject = ConsentSubject::Recipient(id.into_inner().into());
    let now = state.clock.now();
    let consent = state
        .db(move |conn| consents::give(conn, &caller, subject, body.into(), now))
        .await?;
    Ok(created(consent))
}

async fn list(
    state: web::Data<AppState>,
    caller: StaffCaller,
    subject: ConsentSubject,
    query: PageQuery,
) -> Result<HttpResponse, ApiError> {
    let page = page_request(CursorList::Consents, query.limit, query.cursor.as_deref())?;
    let found = state
        .db(move |conn| consents::list(conn, &caller, subject, page))
        .await?;
    Ok(HttpResponse::Ok().json(ConsentRecordPage::from_page(found)))
}

/// List a volunteer's consents.
///
/// Every consent recorded, in force or withdrawn, oldest first: the history of what they
/// agreed to.
#[utoipa::path(
    tag = "consents",
    params(("id" = Uuid, Path, description = "The volunteer id."), PageQuery),
    responses((status = 200, description = "A page of consents.", body = ConsentRecordPage))
)]
#[get("/volunteers/{id}/consents")]
pub async fn list_volunteer_consents(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Query(query): Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let subject = ConsentSubject::Volunteer(id.into_inner().into());
    list(state, caller, subject, query).await
}

/// List the consents of a person visited at home.
///
/// Every consent recorded, in force or withdrawn, oldest first.
#[utoipa::path(
    tag = "consents",
    params(("id" = Uuid, Path, description = "The recipient id."), PageQuery),
    responses((status = 200, description = "A page of consents.", body = ConsentRecordPage))
)]
#[get("/recipients/{id}/consents")]
pub async fn list_recipient_consents(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Query(query): Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let subject = ConsentSubject::Recipient(id.into_inner().into());
    list(state, caller, subject, query).await
}

/// Read one consent.
///
/// A consent of a volunteer or person visited at home the caller manages.
#[utoipa::path(
    tag = "consents",
    params(("id" = Uuid, Path, description = "The consent id.")),
    responses((status = 200, description = "The consent.", body = ConsentRecordView,
        headers(("ETag" = String, description = "The version."))))
)]
#[get("/consents/{id}")]
pub async fn get_consent(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let found = state
        .db(move |conn| consents::find(conn, &caller, id))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        found.version,
        &ConsentRecordView::from(found),
    ))
}

/// Withdraw a consent.
///
/// Records when and by whom the consent was withdrawn; it stays in the history. What depends
/// on it stops at once: a person visited at home who withdraws their consent to home visits
/// becomes inactive, their placements are suspended and planned visits flagged; a volunteer
/// who withdraws `photos_at_events` shows `photos_allowed: false` in every event's list of
/// invitations. A consent withdrawn already is 409; record a new one to give it again.
#[utoipa::path(
    tag = "consents",
    params(("id" = Uuid, Path, description = "The consent id."), crate::extract::IfMatchHeader),
    request_body(content = WithdrawalBody, example = json!({
        "withdrawn_on": "2026-12-01",
        "withdrawn_by": "self"
    })),
    responses((status = 200, description = "The withdrawn consent.", body = ConsentRecordView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[post("/consents/{id}/withdrawal")]
pub async fn withdraw_consent(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    Json(body): Json<WithdrawalBody>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = state.clock.now();
    let withdrawal = Withdrawal {
        on: body.withdrawn_on,
        by: body.withdrawn_by,
    };
    let withdrawn = state
        .db(move |conn| consents::withdraw(conn, &caller, id, expected, withdrawal, now))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        withdrawn.version,
        &ConsentRecordView::from(withdrawn),
    ))
}

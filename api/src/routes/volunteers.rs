//! Volunteers: coordinators and administrators manage them; a contact person reads the
//! volunteers assigned to them.

use crate::{
    access::{self, VOLUNTEERS_READ_THEIR_OWN, named_municipality, target_municipality},
    auth::StaffCaller,
    cases::{self, volunteers::Source},
    csv::{self, wants_csv},
    dto::volunteer::VolunteerView,
    error::{ApiError, FieldError},
    etag::json_with_etag,
    extract::{IfMatch, Json, Query},
    input::double_option,
    openapi::schemas::{CommitmentSchema, VolunteerStatusSchema},
    pagination::{CursorList, encode_cursor, page_request},
    state::AppState,
};
use actix_web::{HttpRequest, HttpResponse, delete, get, http::header, patch, post, web};
use samspill_domain::{
    audit::{AuditAction, AuditResource},
    auth::TenantScope,
    ids::{UnitId, VolunteerId},
    phone,
    volunteer::{Commitment, VolunteerStatus},
    volunteer_draft::{VolunteerDraft, VolunteerEdit},
};
use samspill_persistence::{PgConnection, RepoError, municipalities, volunteers};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A page of volunteers in id order.
#[derive(Debug, Serialize, ToSchema)]
pub struct VolunteerPage {
    /// The volunteers of this page.
    pub items: Vec<VolunteerView>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A new volunteer. Email or phone is required.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVolunteer {
    /// Required for administrators; defaults to the coordinator's own municipality.
    pub municipality_id: Option<Uuid>,
    /// Given name.
    #[schema(min_length = 1, max_length = 100, example = "Ingrid")]
    pub given_name: String,
    /// Family name.
    #[schema(min_length = 1, max_length = 100, example = "Berg")]
    pub family_name: String,
    /// Email.
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
    /// Phone; without a country code it is read as the municipality's country.
    #[schema(example = "912 34 567")]
    pub phone: Option<String>,
    /// Street address.
    #[schema(max_length = 200)]
    pub street_address: Option<String>,
    /// Postal code: four digits.
    #[schema(pattern = "^[0-9]{4}$")]
    pub postal_code: Option<String>,
    /// Town.
    #[schema(max_length = 100)]
    pub city: Option<String>,
    /// Birth year; only the year is kept.
    #[schema(minimum = 1900, maximum = 2100)]
    pub birth_year: Option<i16>,
    /// Languages as ISO 639 codes.
    #[serde(default)]
    #[schema(max_items = 20, example = json!(["no", "en"]))]
    pub languages: Vec<String>,
    /// Interests in the volunteer's own words.
    #[serde(default)]
    #[schema(max_items = 30, example = json!(["sang", "turer"]))]
    pub interests: Vec<String>,
    /// Wanted activity kinds: codes of the municipality's catalogue
    /// (`GET /api/v1/municipalities/{id}/activity-kinds`).
    #[serde(default)]
    #[schema(max_items = 20, example = json!(["companionship"]))]
    pub activity_kinds: Vec<String>,
    /// Availability as `weekday:part_of_day`.
    #[serde(default)]
    #[schema(max_items = 21, example = json!(["monday:morning"]))]
    pub availability: Vec<String>,
    /// `regular` or `occasional` (default).
    #[schema(value_type = Option<CommitmentSchema>)]
    pub commitment: Option<Commitment>,
    /// Home unit of the same municipality.
    pub home_unit_id: Option<Uuid>,
    /// Contact person of the same municipality.
    pub contact_person_id: Option<Uuid>,
    /// Coordinator notes.
    #[schema(max_length = 4000)]
    pub notes: Option<String>,
    /// Whether reference checks are needed before approval (default `false`).
    pub references_needed: Option<bool>,
    /// The id a municipal system knows the volunteer by (unique in the municipality).
    #[schema(min_length = 1, max_length = 100)]
    pub external_reference: Option<String>,
}

/// A change to a volunteer; fields not given keep their values, `null` clears.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VolunteerChange {
    /// Given name.
    #[schema(min_length = 1, max_length = 100)]
    pub given_name: Option<String>,
    /// Family name.
    #[schema(min_length = 1, max_length = 100)]
    pub family_name: Option<String>,
    /// Email, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub email: Option<Option<String>>,
    /// Phone, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub phone: Option<Option<String>>,
    /// Street address, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub street_address: Option<Option<String>>,
    /// Postal code, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub postal_code: Option<Option<String>>,
    /// Town, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub city: Option<Option<String>>,
    /// Birth year, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i16>, nullable)]
    #[schema(minimum = 1900, maximum = 2100)]
    pub birth_year: Option<Option<i16>>,
    /// Languages (replaces the list).
    pub languages: Option<Vec<String>>,
    /// Interests (replaces the list).
    pub interests: Option<Vec<String>>,
    /// Wanted activity kinds, codes of the municipality's catalogue (replaces the list).
    pub activity_kinds: Option<Vec<String>>,
    /// Availability (replaces the list).
    pub availability: Option<Vec<String>>,
    /// `regular` or `occasional`.
    #[schema(value_type = Option<CommitmentSchema>)]
    pub commitment: Option<Commitment>,
    /// Home unit, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub home_unit_id: Option<Option<Uuid>>,
    /// Contact person, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub contact_person_id: Option<Option<Uuid>>,
    /// Coordinator notes, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub notes: Option<Option<String>>,
    /// Whether reference checks are needed before approval.
    pub references_needed: Option<bool>,
    /// The volunteer's own login (a `volunteer` account of the municipality), or `null` to unlink.
    /// With it the volunteer reads and updates their record at `/api/v1/me/volunteer`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub staff_user_id: Option<Option<Uuid>>,
    /// The id a municipal system knows the volunteer by (unique in the municipality), or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 100)]
    pub external_reference: Option<Option<String>>,
}

impl From<NewVolunteer> for VolunteerEdit {
    fn from(n: NewVolunteer) -> Self {
        Self {
            given_name: Some(n.given_name),
            family_name: Some(n.family_name),
            email: Some(n.email),
            phone: Some(n.phone),
            street_address: Some(n.street_address),
            postal_code: Some(n.postal_code),
            city: Some(n.city),
            birth_year: Some(n.birth_year),
            languages: Some(n.languages),
            interests: Some(n.interests),
            activity_kinds: Some(n.activity_kinds),
            availability: Some(n.availability),
            commitment: n.commitment,
            home_unit_id: Some(n.home_unit_id.map(Into::into)),
            contact_person_id: Some(n.contact_person_id.map(Into::into)),
            notes: Some(n.notes),
            references_needed: n.references_needed,
            staff_user_id: None,
            external_reference: Some(n.external_reference),
        }
    }
}

impl From<VolunteerChange> for VolunteerEdit {
    fn from(c: VolunteerChange) -> Self {
        Self {
            given_name: c.given_name,
            family_name: c.family_name,
            email: c.email,
            phone: c.phone,
            street_address: c.street_address,
            postal_code: c.postal_code,
            city: c.city,
            birth_year: c.birth_year,
            languages: c.languages,
            interests: c.interests,
            activity_kinds: c.activity_kinds,
            availability: c.availability,
            commitment: c.commitment,
            home_unit_id: c.home_unit_id.map(|u| u.map(Into::into)),
            contact_person_id: c.contact_person_id.map(|c| c.map(Into::into)),
            notes: c.notes,
            references_needed: c.references_needed,
            staff_user_id: c.staff_user_id.map(|a| a.map(Into::into)),
            external_reference: c.external_reference,
        }
    }
}

/// Filters for the list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VolunteerQuery {
    /// Only this municipality (useful for administrators).
    pub municipality_id: Option<Uuid>,
    /// Only this status.
    #[param(value_type = Option<VolunteerStatusSchema>)]
    pub status: Option<VolunteerStatus>,
    /// Only volunteers with this home unit.
    pub home_unit_id: Option<Uuid>,
    /// Only volunteers with this contact person.
    pub contact_person_id: Option<Uuid>,
    /// Only volunteers who want this activity kind.
    pub activity_kind: Option<String>,
    /// Text found in name, email or phone (case-insensitive). A text that looks like a phone
    /// number also finds the number as stored: `412 34 567` finds `+4741234567`. A number
    /// without a country code is read in the country of the caller's municipality (for an
    /// administrator, of `municipality_id`; with neither, it is matched by its digits).
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
    /// With `Accept: text/csv`: `rfc4180` (`,`, the default) or `excel` (a UTF-8 byte order
    /// mark and `;`, as Nordic spreadsheets read it).
    #[param(inline)]
    pub dialect: Option<crate::csv::Dialect>,
}

/// Registers a volunteer (coordinators and administrators); the volunteer starts as `registered`.
#[utoipa::path(
    tag = "volunteers",
    request_body = NewVolunteer,
    responses((status = 201, description = "Created.", body = VolunteerView,
        headers(("ETag" = String, description = "The version."), ("Location" = String, description = "The new resource."))))
)]
#[post("/volunteers")]
pub async fn create_volunteer(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Json(body): Json<NewVolunteer>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let municipality = target_municipality(&caller, body.municipality_id)
        .map_err(|e| ApiError::Validation(vec![e]))?;
    let created = state
        .db(move |conn| {
            let municipality = named_municipality(conn, caller.scope(), municipality)?;
            // A district coordinator registers volunteers with a home unit of their districts.
            let home: Vec<Uuid> = body.home_unit_id.into_iter().collect();
            access::check_in_districts(conn, &caller, &home, "home_unit_id")?;
            cases::volunteers::create(conn, &municipality, body.into(), Source::Coordinator, None)
        })
        .await?;
    let mut response = HttpResponse::Created();
    response.insert_header((
        header::LOCATION,
        format!("/api/v1/volunteers/{}", created.id),
    ));
    let version = created.version;
    Ok(json_with_etag(
        response,
        version,
        &VolunteerView::for_role(created, caller.role),
    ))
}

/// Lists volunteers with filters: coordinators their municipality's, contact persons the
/// volunteers assigned to them.
///
/// With `Accept: text/csv` every volunteer the filters select comes as one CSV download instead
/// (`limit` and `cursor` do not apply), streamed, in the dialect `dialect` asks for; only
/// coordinators and administrators (administrators name `municipality_id`), and each export is
/// written to the municipality's audit log (`GET /audit-log`).
#[utoipa::path(
    tag = "volunteers",
    params(VolunteerQuery),
    responses((status = 200, description = "A page of volunteers, or all of them as CSV.", content(
        (VolunteerPage = "application/json"),
        (String = "text/csv"),
    )))
)]
#[get("/volunteers")]
pub async fn list_volunteers(
    state: web::Data<AppState>,
    caller: StaffCaller,
    request: HttpRequest,
    Query(query): Query<VolunteerQuery>,
) -> Result<HttpResponse, ApiError> {
    let audience = access::audience(&caller, VOLUNTEERS_READ_THEIR_OWN)?;
    let page = page_request(CursorList::Volunteers, query.limit, query.cursor.as_deref())?;
    if query.q.as_deref().is_some_and(|q| q.chars().count() > 100) {
        return Err(ApiError::BadRequest {
            detail: "A query parameter is not valid.".to_owned(),
            errors: vec![FieldError::new(
                "q",
                "too_long",
                "must be at most 100 characters",
            )],
        });
    }
    let mut filter = volunteers::VolunteerFilter {
        municipality_id: query.municipality_id.map(Into::into),
        status: query.status,
        home_unit_id: query.home_unit_id.map(Into::into),
        contact_person_id: query.contact_person_id.map(Into::into),
        activity_kind: query.activity_kind,
        search: query.q,
        search_phone: None,
    };
    if wants_csv(&request) {
        let municipality = cases::exports::begin(
            &state,
            &caller,
            filter.municipality_id,
            AuditResource::VolunteerList,
        )
        .await?;
        filter.municipality_id = Some(municipality);
        let (probe, asker) = (filter.clone(), caller);
        filter.search_phone = state
            .db(move |conn| search_phone(conn, &asker, &probe))
            .await?;
        return Ok(csv::streamed_response(
            "volunteers.csv",
            cases::exports::volunteers_csv(
                state.pool.clone(),
                TenantScope::Municipality(municipality),
                audience,
                filter,
                query.dialect.unwrap_or_default(),
            ),
        ));
    }
    let found = state
        .db(move |conn| {
            filter.search_phone = search_phone(conn, &caller, &filter)?;
            Ok(volunteers::list(
                conn,
                caller.scope(),
                audience,
                &filter,
                page,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(VolunteerPage {
        items: found
            .items
            .into_iter()
            .map(|v| VolunteerView::for_role(v, caller.role))
            .collect(),
        next_cursor: found
            .next_after
            .map(|after| encode_cursor(CursorList::Volunteers, after)),
    }))
}

/// The phone form of a search text that looks like a phone number, read in the country of the
/// caller's municipality or, for an administrator, of the municipality filtered on.
fn search_phone(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    filter: &volunteers::VolunteerFilter,
) -> Result<Option<String>, ApiError> {
    let Some(text) = filter.search.as_deref() else {
        return Ok(None);
    };
    if phone::search_form(text, None).is_none() {
        return Ok(None);
    }
    let home = match caller.municipality.or(filter.municipality_id) {
        Some(id) => match municipalities::find(conn, caller.scope(), id) {
            Ok(m) => Some(m.country),
            Err(RepoError::NotFound) => None,
            Err(other) => return Err(other.into()),
        },
        None => None,
    };
    Ok(phone::search_form(text, home))
}

/// Reads one volunteer.
///
/// The whole record is shown, so each read is written to the volunteer's audit log
/// (`GET /volunteers/{id}/audit-log`) with who read it and in which request.
#[utoipa::path(
    tag = "volunteers",
    params(("id" = Uuid, Path, description = "The volunteer id.")),
    responses((status = 200, description = "The volunteer.", body = VolunteerView,
        headers(("ETag" = String, description = "The version."))))
)]
#[get("/volunteers/{id}")]
pub async fn get_volunteer(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let audience = access::audience(&caller, VOLUNTEERS_READ_THEIR_OWN)?;
    let id = VolunteerId::from(id.into_inner());
    let actor = caller.actor();
    let found = state
        .db(move |conn| {
            Ok(cases::volunteers::read_full(
                conn,
                caller.scope(),
                audience,
                id,
                actor,
            )?)
        })
        .await?;
    let version = found.version;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        version,
        &VolunteerView::for_role(found, caller.role),
    ))
}

/// Changes a volunteer's details (coordinators and administrators). The status changes only
/// through `POST /volunteers/{id}/transitions`.
#[utoipa::path(
    tag = "volunteers",
    params(
        ("id" = Uuid, Path, description = "The volunteer id."),
        crate::extract::IfMatchHeader,
    ),
    request_body = VolunteerChange,
    responses((status = 200, description = "The changed volunteer.", body = VolunteerView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[patch("/volunteers/{id}")]
pub async fn update_volunteer(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    Json(body): Json<VolunteerChange>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = VolunteerId::from(id.into_inner());
    let updated = state
        .db(move |conn| {
            volunteers::update(
                conn,
                caller.scope(),
                access::managed(&caller)?,
                id,
                expected,
                |conn, current| {
                    let country =
                        named_municipality(conn, caller.scope(), current.municipality_id)?.country;
                    let draft = cases::volunteers::apply_checked(
                        conn,
                        current.municipality_id,
                        VolunteerDraft::of(current),
                        body.into(),
                        country,
                    )?;
                    if let Some(account) = draft
                        .staff_user_id
                        .filter(|a| Some(*a) != current.staff_user_id)
                    {
                        cases::volunteers::check_volunteer_account(
                            conn,
                            &caller,
                            current.municipality_id,
                            account,
                        )?;
                    }
                    // A district coordinator keeps the volunteer in their districts.
                    if draft.home_unit_id != current.home_unit_id {
                        let home: Vec<_> = draft
                            .home_unit_id
                            .map(UnitId::into_uuid)
                            .into_iter()
                            .collect();
                        access::check_in_districts(conn, &caller, &home, "home_unit_id")?;
                    }
                    Ok(draft)
                },
            )
        })
        .await?;
    let version = updated.version;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        version,
        &VolunteerView::for_role(updated, caller.role),
    ))
}

/// Erases a volunteer's personal data (coordinators and administrators): names, contact
/// details, address, birth year, notes, languages, interests, availability, login link,
/// screening notes and referees' names. Police certificate records, the dogs the volunteer
/// handles and dog approvals made with them as handler are deleted. The status history, the
/// dates of signed declarations and the audit log stay, as the municipality must be able to
/// show them; the volunteer is then gone from every list and lookup (404).
#[utoipa::path(
    tag = "volunteers",
    params(
        ("id" = Uuid, Path, description = "The volunteer id."),
        crate::extract::IfMatchHeader,
    ),
    responses((status = 204, description = "Erased."))
)]
#[delete("/volunteers/{id}")]
pub async fn erase_volunteer(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = VolunteerId::from(id.into_inner());
    state
        .db(move |conn| {
            crate::access::managed_volunteer(conn, &caller, id)?;
            Ok(volunteers::erase(
                conn,
                caller.scope(),
                id,
                expected,
                caller.actor(),
                AuditAction::Erase,
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

//! People visited in their own homes (mottakere), recorded data-minimised: a name to address
//! them by, the address the visits go to, a phone number, the unit or care district that
//! answers for them, and who agreed to the visits. There are no fields for health data, a
//! diagnosis or an identity number, and unknown fields are refused. Coordinators and
//! administrators only.

use crate::{
    access::{named_municipality, target_municipality},
    auth::StaffCaller,
    cases,
    error::{ApiError, FieldError},
    etag::json_with_etag,
    extract::{IfMatch, Json, Query},
    input::{double_option, field, happened, optional, optional_text, validate},
    openapi::schemas::ConsentGiverSchema,
    pagination::{CursorList, page_of, page_request},
    state::AppState,
};
use actix_web::{HttpResponse, delete, get, http::header, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use samspill_domain::{
    ParseError,
    ids::{RecipientId, StaffUserId, UnitId},
    municipality::Country,
    phone::PhoneNumber,
    recipient::{Consent, ConsentGiver, Recipient, check_consent_giver},
    text::Name,
};
use samspill_persistence::recipients;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Who agreed to the visits, and when.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentView {
    /// The person themselves, or a representative.
    #[schema(value_type = ConsentGiverSchema)]
    pub given_by: ConsentGiver,
    /// The representative's name, when a representative agreed.
    pub representative: Option<String>,
    /// When consent was given.
    pub given_on: NaiveDate,
    /// The staff account that recorded it.
    pub recorded_by: Uuid,
}

/// A person visited at home.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecipientView {
    /// Its id.
    pub id: Uuid,
    /// The municipality.
    pub municipality_id: Uuid,
    /// The name to address them by.
    #[schema(example = "Ingrid H.")]
    pub display_name: String,
    /// Where the visits take place.
    #[schema(example = "Storgata 12, 0155 Oslo")]
    pub address: String,
    /// A phone number (E.164).
    #[schema(example = "+4722334455")]
    pub contact_phone: Option<String>,
    /// The unit or care district that answers for them.
    pub responsible_unit_id: Uuid,
    /// Their consent to the visits.
    pub consent: ConsentView,
    /// Whether new placements may be made with them.
    pub active: bool,
    /// Raised by every change; also the ETag.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Recipient> for RecipientView {
    fn from(r: Recipient) -> Self {
        Self {
            id: r.id.into_uuid(),
            municipality_id: r.municipality_id.into_uuid(),
            display_name: r.display_name,
            address: r.address,
            contact_phone: r.contact_phone,
            responsible_unit_id: r.responsible_unit_id.into_uuid(),
            consent: ConsentView {
                given_by: r.consent.given_by,
                representative: r.consent.representative,
                given_on: r.consent.given_on,
                recorded_by: r.consent.recorded_by.into_uuid(),
            },
            active: r.active,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

page_of!(RecipientPage, RecipientView, CursorList::Recipients);

/// A person to record. Only these fields exist: anything else (a diagnosis, a birth number) is
/// refused with 422.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "display_name": "Ingrid H.",
    "address": "Storgata 12, 0155 Oslo",
    "contact_phone": "22 33 44 55",
    "responsible_unit_id": "0193a0c2-5b1e-7000-8000-000000000001",
    "consent_given_by": "representative",
    "consent_representative": "Ola Hansen",
    "consent_given_on": "2026-11-30"
}))]
pub struct NewRecipient {
    /// Required for administrators; defaults to the coordinator's own municipality.
    pub municipality_id: Option<Uuid>,
    /// The name to address them by (a first name and an initial is enough).
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: String,
    /// Where the visits take place.
    #[schema(min_length = 1, max_length = 300)]
    pub address: String,
    /// A phone number; one without a country code is read in the municipality's country.
    pub contact_phone: Option<String>,
    /// The unit or care district of the municipality that answers for them.
    pub responsible_unit_id: Uuid,
    /// Who agreed to the visits.
    #[schema(value_type = ConsentGiverSchema)]
    pub consent_given_by: ConsentGiver,
    /// The representative's name; required exactly when a representative agreed.
    #[schema(max_length = 200)]
    pub consent_representative: Option<String>,
    /// When consent was given (not in the future).
    pub consent_given_on: NaiveDate,
}

/// A change; fields not given keep their values, `null` clears an optional one. A new consent
/// is given as all three consent fields together; the caller is recorded as its recorder.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"contact_phone": "+4791234567", "active": true}))]
pub struct RecipientChange {
    /// A new name.
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: Option<String>,
    /// A new address.
    #[schema(min_length = 1, max_length = 300)]
    pub address: Option<String>,
    /// A new phone number, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub contact_phone: Option<Option<String>>,
    /// Another responsible unit.
    pub responsible_unit_id: Option<Uuid>,
    /// Who agreed to the visits (with `consent_given_on`).
    #[schema(value_type = Option<ConsentGiverSchema>)]
    pub consent_given_by: Option<ConsentGiver>,
    /// The representative's name.
    #[schema(max_length = 200)]
    pub consent_representative: Option<String>,
    /// When consent was given.
    pub consent_given_on: Option<NaiveDate>,
    /// `false`: no new placements are made with them.
    pub active: Option<bool>,
}

/// Filters for the list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecipientQuery {
    /// Only this municipality (useful for administrators).
    pub municipality_id: Option<Uuid>,
    /// Only those this unit answers for.
    pub responsible_unit_id: Option<Uuid>,
    /// Only active (`true`) or inactive (`false`) ones.
    pub active: Option<bool>,
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

fn display_name(raw: &str) -> Result<String, ParseError> {
    Name::<200>::parse(raw).map(Name::into_inner)
}

fn address(raw: &str) -> Result<String, ParseError> {
    Name::<300>::parse(raw).map(Name::into_inner)
}

fn phone(raw: Option<String>, country: Country) -> Result<Option<String>, ApiError> {
    optional_text(raw, |p| {
        PhoneNumber::parse(p, country).map(|n| n.as_str().to_owned())
    })
    .map_err(|e| ApiError::Validation(vec![FieldError::parse("contact_phone", &e)]))
}

fn consent(
    given_by: ConsentGiver,
    representative: Option<&str>,
    given_on: NaiveDate,
    recorded_by: StaffUserId,
) -> Result<Consent, Vec<FieldError>> {
    let mut errors = Vec::new();
    let representative = check_consent_giver(given_by, representative)
        .map_err(|e| errors.push(FieldError::parse("consent_representative", &e)))
        .ok()
        .flatten();
    if let Err(e) = happened("consent_given_on", given_on) {
        errors.push(e);
    }
    if errors.is_empty() {
        Ok(Consent {
            given_by,
            representative,
            given_on,
            recorded_by,
        })
    } else {
        Err(errors)
    }
}

/// Record a person visited at home, with their consent to the visits.
///
/// Only what the visits need is kept: a name to address them by, the address, a phone number,
/// the responsible unit and who agreed to the visits (the person or a representative) and
/// when. There is no field for health data, a diagnosis or an identity number; unknown fields
/// are refused with 422. Coordinators and administrators.
#[utoipa::path(
    tag = "recipients",
    request_body(content = NewRecipient, example = json!({"display_name": "Ingrid H.", "address": "Storgata 12, 0155 Oslo", "contact_phone": "22 33 44 55", "responsible_unit_id": "0193a0c2-5b1e-7000-8000-000000000001", "consent_given_by": "recipient", "consent_given_on": "2026-11-30"})),
    responses((status = 201, description = "Recorded.", body = RecipientView,
        headers(("ETag" = String, description = "The version."), ("Location" = String, description = "The new resource."))))
)]
#[post("/recipients")]
pub async fn create_recipient(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Json(body): Json<NewRecipient>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    validate! {
        municipality_id = target_municipality(&caller, body.municipality_id);
        display_name = field("display_name", display_name(&body.display_name));
        address = field("address", address(&body.address));
    }
    let consent = consent(
        body.consent_given_by,
        body.consent_representative.as_deref(),
        body.consent_given_on,
        caller.id,
    )
    .map_err(ApiError::Validation)?;
    let (raw_phone, unit) = (body.contact_phone, UnitId::from(body.responsible_unit_id));
    let created = state
        .db(move |conn| {
            let country = named_municipality(conn, caller.scope(), municipality_id)?.country;
            let contact_phone = phone(raw_phone, country)?;
            // A district coordinator makes a unit of their districts responsible.
            crate::access::check_in_districts(
                conn,
                &caller,
                &[unit.into_uuid()],
                "responsible_unit_id",
            )?;
            Ok(recipients::insert(
                conn,
                &recipients::NewRecipient {
                    municipality_id,
                    display_name,
                    address,
                    contact_phone,
                    responsible_unit_id: unit,
                    consent,
                },
            )?)
        })
        .await?;
    let mut response = HttpResponse::Created();
    response.insert_header((
        header::LOCATION,
        format!("/api/v1/recipients/{}", created.id),
    ));
    Ok(json_with_etag(
        response,
        created.version,
        &RecipientView::from(created),
    ))
}

/// List the people visited at home.
///
/// Filters by responsible unit and by whether they still accept visits; keyset-paged in id
/// order. Coordinators and administrators.
#[utoipa::path(
    tag = "recipients",
    params(RecipientQuery),
    responses((status = 200, description = "A page of recipients.", body = RecipientPage))
)]
#[get("/recipients")]
pub async fn list_recipients(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Query(query): Query<RecipientQuery>,
) -> Result<HttpResponse, ApiError> {
    let audience = crate::access::managed(&caller)?;
    let page = page_request(CursorList::Recipients, query.limit, query.cursor.as_deref())?;
    let filter = recipients::RecipientFilter {
        municipality_id: query.municipality_id.map(Into::into),
        responsible_unit_id: query.responsible_unit_id.map(Into::into),
        active: query.active,
    };
    let found = state
        .db(move |conn| {
            Ok(recipients::list(
                conn,
                caller.scope(),
                audience,
                filter,
                page,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(RecipientPage::from_page(found)))
}

/// Read one person visited at home.
///
/// Coordinators and administrators; another municipality's id is 404.
#[utoipa::path(
    tag = "recipients",
    params(("id" = Uuid, Path, description = "The recipient id.")),
    responses((status = 200, description = "The recipient.", body = RecipientView,
        headers(("ETag" = String, description = "The version."))))
)]
#[get("/recipients/{id}")]
pub async fn get_recipient(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let audience = crate::access::managed(&caller)?;
    let id = RecipientId::from(id.into_inner());
    let found = state
        .db(move |conn| Ok(recipients::find_seen(conn, caller.scope(), audience, id)?))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        found.version,
        &RecipientView::from(found),
    ))
}

/// Change a person visited at home.
///
/// A new consent record gives `consent_given_by` and `consent_given_on` together (and the
/// representative when one agreed); the caller is recorded as its recorder. `active: false`
/// (consent withdrawn) stops new placements and suspends those that have not ended, flagging
/// their planned visits. Coordinators and administrators; `If-Match` guards lost updates.
#[utoipa::path(
    tag = "recipients",
    params(
        ("id" = Uuid, Path, description = "The recipient id."),
        crate::extract::IfMatchHeader,
    ),
    request_body(content = RecipientChange, example = json!({"contact_phone": "+4791234567"})),
    responses((status = 200, description = "The changed recipient.", body = RecipientView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[patch("/recipients/{id}")]
pub async fn update_recipient(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    Json(body): Json<RecipientChange>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = RecipientId::from(id.into_inner());
    validate! {
        display_name = optional("display_name", body.display_name, |n| display_name(&n));
        address = optional("address", body.address, |a| address(&a));
    }
    let consent = match (body.consent_given_by, body.consent_given_on) {
        (Some(given_by), Some(given_on)) => Some(
            consent(
                given_by,
                body.consent_representative.as_deref(),
                given_on,
                caller.id,
            )
            .map_err(ApiError::Validation)?,
        ),
        (None, None) if body.consent_representative.is_none() => None,
        _ => {
            return Err(ApiError::invalid(
                "consent_given_by",
                "incomplete_consent",
                "a new consent gives consent_given_by and consent_given_on together",
            ));
        }
    };
    let (raw_phone, unit, active) = (
        body.contact_phone,
        body.responsible_unit_id.map(UnitId::from),
        body.active,
    );
    let now = state.clock.now();
    let updated = state
        .db(move |conn| {
            let contact_phone = match raw_phone {
                Some(raw) => {
                    let current = recipients::find_seen(
                        conn,
                        caller.scope(),
                        crate::access::managed(&caller)?,
                        id,
                    )?;
                    let country =
                        named_municipality(conn, caller.scope(), current.municipality_id)?.country;
                    Some(phone(raw, country)?)
                }
                None => None,
            };
            cases::recipients::update(
                conn,
                &caller,
                id,
                expected,
                &recipients::RecipientChanges {
                    display_name,
                    address,
                    contact_phone,
                    responsible_unit_id: unit,
                    consent,
                    active,
                },
                now,
            )
        })
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        updated.version,
        &RecipientView::from(updated),
    ))
}

/// Erase a person visited at home.
///
/// Their name, address, phone number and a representative's name are removed; the record stays
/// (its id, unit and the dates of the consent) and no longer accepts visits. Their placements
/// end, the planned visits are cancelled, and what was written on the placements (descriptions,
/// reasons, the kept clearance answers) is removed. Coordinators and administrators;
/// `If-Match` is optional.
#[utoipa::path(
    tag = "recipients",
    params(
        ("id" = Uuid, Path, description = "The recipient id."),
        crate::extract::IfMatchHeader,
    ),
    responses((status = 204, description = "Erased."))
)]
#[delete("/recipients/{id}")]
pub async fn erase_recipient(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = RecipientId::from(id.into_inner());
    state
        .db(move |conn| cases::recipients::erase(conn, &caller, id, expected))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

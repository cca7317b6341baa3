//! Volunteers: coordinators and administrators manage them; a contact person reads the
//! volunteers assigned to them.

use super::{double_option, target_municipality};
use crate::{
    auth::StaffCaller,
    error::{ApiError, FieldError},
    etag::json_with_etag,
    extract::{IfMatch, Json, Query},
    openapi::schemas::{CommitmentSchema, VolunteerStatusSchema},
    pagination::{CursorList, encode_cursor, page_request},
    state::AppState,
};
use actix_web::{HttpResponse, delete, get, http::header, patch, post, web};
use chrono::{DateTime, Datelike, Utc};
use diesel::Connection;
use samspill_domain::{
    ParseError,
    ids::{MunicipalityId, VolunteerId},
    municipality::Country,
    phone::{self, PhoneNumber},
    text::Name,
    user::{Email, Role},
    volunteer::{
        AvailabilitySlot, Commitment, Notes, PersonName, Volunteer, VolunteerStatus,
        check_birth_year, parse_activity_kind, parse_language,
    },
};
use samspill_persistence::{
    PgConnection, RepoError, activity_kinds, municipalities, users,
    volunteers::{self, Audience, VolunteerFields},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A volunteer (frivillig).
#[derive(Debug, Serialize, ToSchema)]
pub struct VolunteerView {
    /// Its id.
    pub id: Uuid,
    /// The municipality.
    pub municipality_id: Uuid,
    /// Where in the lifecycle.
    #[schema(value_type = VolunteerStatusSchema)]
    pub status: VolunteerStatus,
    /// Given name.
    #[schema(example = "Ingrid")]
    pub given_name: String,
    /// Family name.
    #[schema(example = "Berg")]
    pub family_name: String,
    /// Email.
    pub email: Option<String>,
    /// Phone, E.164.
    #[schema(example = "+4791234567")]
    pub phone: Option<String>,
    /// Street address.
    pub street_address: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Town.
    pub city: Option<String>,
    /// Birth year (only the year is kept).
    pub birth_year: Option<i16>,
    /// Languages (ISO 639 codes).
    pub languages: Vec<String>,
    /// Interests.
    pub interests: Vec<String>,
    /// Wanted activity kinds.
    #[schema(example = json!(["companionship", "cultural_event"]))]
    pub activity_kinds: Vec<String>,
    /// Availability, as `weekday:part_of_day`.
    #[schema(example = json!(["monday:morning", "thursday:evening"]))]
    pub availability: Vec<String>,
    /// `regular` or `occasional`.
    #[schema(value_type = CommitmentSchema)]
    pub commitment: Commitment,
    /// Home unit (tilhørsforhold).
    pub home_unit_id: Option<Uuid>,
    /// Contact person.
    pub contact_person_id: Option<Uuid>,
    /// Coordinator notes; shown to coordinators and administrators only.
    pub notes: Option<String>,
    /// Whether reference checks are needed before approval.
    pub references_needed: bool,
    /// The volunteer's own login, if any.
    pub staff_user_id: Option<Uuid>,
    /// `coordinator` (entered by staff) or `self_registration`.
    pub source: String,
    /// The privacy-notice version accepted at self-registration.
    pub privacy_notice_version: Option<String>,
    /// Another volunteer of the municipality has the same email or phone: check before approving.
    pub possible_duplicate: bool,
    /// The id a municipal system knows the volunteer by (unique in the municipality).
    pub external_reference: Option<String>,
    /// Raised by every change; also the ETag.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl VolunteerView {
    /// The view for a reader with `role`: coordinator notes only for managers.
    pub fn for_role(v: Volunteer, role: Role) -> Self {
        Self {
            id: v.id.into_uuid(),
            municipality_id: v.municipality_id.into_uuid(),
            status: v.status,
            given_name: v.given_name,
            family_name: v.family_name,
            email: v.email,
            phone: v.phone,
            street_address: v.street_address,
            postal_code: v.postal_code,
            city: v.city,
            birth_year: v.birth_year,
            languages: v.languages,
            interests: v.interests,
            activity_kinds: v.activity_kinds,
            availability: v.availability.iter().map(ToString::to_string).collect(),
            commitment: v.commitment,
            home_unit_id: v.home_unit_id.map(Into::into),
            contact_person_id: v.contact_person_id.map(Into::into),
            notes: if role.is_manager() { v.notes } else { None },
            references_needed: v.references_needed,
            staff_user_id: v.staff_user_id.map(Into::into),
            source: v.source,
            privacy_notice_version: v.privacy_notice_version,
            possible_duplicate: v.possible_duplicate,
            external_reference: v.external_reference,
            version: v.version,
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

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
#[derive(Debug, Default, Deserialize, ToSchema)]
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

impl From<NewVolunteer> for VolunteerChange {
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
            home_unit_id: Some(n.home_unit_id),
            contact_person_id: Some(n.contact_person_id),
            notes: Some(n.notes),
            references_needed: n.references_needed,
            staff_user_id: None,
            external_reference: Some(n.external_reference),
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
}

/// How many activity kinds a volunteer may want.
const MAX_ACTIVITY_KINDS: usize = 20;

/// Applies `change` to `fields` as [`apply_change`] does, and checks the wanted activity kinds
/// against the catalogue of `municipality` (the defaults and its own kinds): an unknown code is
/// `unknown_activity_kind` on its position. All problems are reported at once. Run it inside
/// the transaction that stores the result, as the kinds found stay locked until it ends.
pub(crate) fn apply_checked_change(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    fields: VolunteerFields,
    change: VolunteerChange,
    country: Country,
) -> Result<VolunteerFields, ApiError> {
    let unknown = unknown_kinds(conn, municipality, change.activity_kinds.as_deref())?;
    match apply_change(fields, change, country) {
        Ok(fields) if unknown.is_empty() => Ok(fields),
        Ok(_) => Err(ApiError::Validation(unknown)),
        Err(ApiError::Validation(mut errors)) => {
            errors.extend(unknown);
            Err(ApiError::Validation(errors))
        }
        Err(other) => Err(other),
    }
}

/// One error per position of `requested` whose code is not in the municipality's catalogue.
/// Malformed codes and overlong lists are left to `apply_change`, which reports them.
fn unknown_kinds(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    requested: Option<&[String]>,
) -> Result<Vec<FieldError>, ApiError> {
    let Some(requested) = requested.filter(|r| r.len() <= MAX_ACTIVITY_KINDS) else {
        return Ok(Vec::new());
    };
    let codes: Vec<Option<String>> = requested
        .iter()
        .map(|raw| parse_activity_kind(raw).ok())
        .collect();
    let wellformed: Vec<String> = codes.iter().flatten().cloned().collect();
    let unknown = activity_kinds::unknown_codes(conn, municipality, &wellformed)?;
    Ok(codes
        .iter()
        .enumerate()
        .filter_map(|(i, code)| {
            let code = code.as_ref().filter(|code| unknown.contains(code))?;
            Some(FieldError::new(
                format!("activity_kinds[{i}]"),
                "unknown_activity_kind",
                format!("{code} is not one of the municipality's activity kinds"),
            ))
        })
        .collect())
}

/// Applies `change` to `fields`, checking every value; all problems are reported at once.
pub(crate) fn apply_change(
    mut fields: VolunteerFields,
    change: VolunteerChange,
    country: Country,
) -> Result<VolunteerFields, ApiError> {
    let mut errors: Vec<FieldError> = Vec::new();
    let mut check = |name: &str, result: Result<(), ParseError>| {
        if let Err(error) = result {
            errors.push(FieldError::parse(name.to_owned(), &error));
        }
    };
    let optional_text =
        |raw: Option<String>, parse: &dyn Fn(&str) -> Result<String, ParseError>| {
            raw.map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .map(|t| parse(&t))
                .transpose()
        };
    if let Some(name) = change.given_name {
        check(
            "given_name",
            PersonName::parse(&name).map(|n| fields.given_name = n.into_inner()),
        );
    }
    if let Some(name) = change.family_name {
        check(
            "family_name",
            PersonName::parse(&name).map(|n| fields.family_name = n.into_inner()),
        );
    }
    if let Some(email) = change.email {
        check(
            "email",
            optional_text(email, &|e| Email::parse(e).map(|e| e.as_str().to_owned()))
                .map(|e| fields.email = e),
        );
    }
    if let Some(phone) = change.phone {
        check(
            "phone",
            optional_text(phone, &|p| {
                PhoneNumber::parse(p, country).map(|p| p.as_str().to_owned())
            })
            .map(|p| fields.phone = p),
        );
    }
    if let Some(street) = change.street_address {
        check(
            "street_address",
            optional_text(street, &|s| Name::<200>::parse(s).map(Name::into_inner))
                .map(|s| fields.street_address = s),
        );
    }
    if let Some(code) = change.postal_code {
        let parse = |c: &str| {
            if c.len() == 4 && c.bytes().all(|b| b.is_ascii_digit()) {
                Ok(c.to_owned())
            } else {
                Err(ParseError::new("invalid_format", "must be four digits"))
            }
        };
        check(
            "postal_code",
            optional_text(code, &parse).map(|c| fields.postal_code = c),
        );
    }
    if let Some(reference) = change.external_reference {
        check(
            "external_reference",
            optional_text(reference, &|r| Name::<100>::parse(r).map(Name::into_inner))
                .map(|r| fields.external_reference = r),
        );
    }
    if let Some(city) = change.city {
        check(
            "city",
            optional_text(city, &|c| Name::<100>::parse(c).map(Name::into_inner))
                .map(|c| fields.city = c),
        );
    }
    if let Some(year) = change.birth_year {
        let this_year = Utc::now().year();
        check(
            "birth_year",
            year.map(|y| check_birth_year(y, this_year))
                .transpose()
                .map(|y| fields.birth_year = y),
        );
    }
    let mut list = |name: &str,
                    items: Option<Vec<String>>,
                    max: usize,
                    parse: &dyn Fn(&str) -> Result<String, ParseError>|
     -> Option<Vec<String>> {
        let items = items?;
        if items.len() > max {
            errors.push(FieldError::new(
                name.to_owned(),
                "too_many",
                format!("at most {max} items"),
            ));
            return None;
        }
        let mut parsed = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match parse(item) {
                Ok(value) if !parsed.contains(&value) => parsed.push(value),
                Ok(_) => {}
                Err(error) => errors.push(FieldError::parse(format!("{name}[{i}]"), &error)),
            }
        }
        Some(parsed)
    };
    if let Some(languages) = list("languages", change.languages, 20, &parse_language) {
        fields.languages = languages;
    }
    if let Some(interests) = list("interests", change.interests, 30, &|i| {
        Name::<100>::parse(i).map(Name::into_inner)
    }) {
        fields.interests = interests;
    }
    if let Some(kinds) = list(
        "activity_kinds",
        change.activity_kinds,
        MAX_ACTIVITY_KINDS,
        &parse_activity_kind,
    ) {
        fields.activity_kinds = kinds;
    }
    if let Some(slots) = list("availability", change.availability, 21, &|s| {
        AvailabilitySlot::parse(s.trim()).map(|s| s.to_string())
    }) {
        let mut parsed: Vec<AvailabilitySlot> = slots
            .iter()
            .filter_map(|s| AvailabilitySlot::parse(s).ok())
            .collect();
        parsed.sort();
        fields.availability = parsed;
    }
    if let Some(commitment) = change.commitment {
        fields.commitment = Some(commitment);
    }
    if let Some(unit) = change.home_unit_id {
        fields.home_unit_id = unit.map(Into::into);
    }
    if let Some(contact) = change.contact_person_id {
        fields.contact_person_id = contact.map(Into::into);
    }
    if let Some(notes) = change.notes {
        match notes.map(|n| Notes::parse(&n)).transpose() {
            Ok(notes) => fields.notes = notes.map(Notes::into_inner).filter(|n| !n.is_empty()),
            Err(error) => errors.push(FieldError::parse("notes", &error)),
        }
    }
    if let Some(needed) = change.references_needed {
        fields.references_needed = needed;
    }
    if let Some(link) = change.staff_user_id {
        fields.staff_user_id = link.map(Into::into);
    }
    if errors.is_empty() && fields.email.is_none() && fields.phone.is_none() {
        errors.push(FieldError::new(
            "email",
            "required",
            "give an email or a phone number",
        ));
    }
    if errors.is_empty() {
        Ok(fields)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Checks that `account` is a volunteer login of `municipality`, to be linked to a record.
fn check_volunteer_account(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    municipality: samspill_domain::ids::MunicipalityId,
    account: samspill_domain::ids::StaffUserId,
) -> Result<(), ApiError> {
    match users::find(conn, caller.scope(), account) {
        Ok(user) if user.role == Role::Volunteer && user.municipality_id == Some(municipality) => {
            Ok(())
        }
        Ok(_) | Err(RepoError::NotFound) => Err(ApiError::invalid(
            "staff_user_id",
            "not_found",
            "no volunteer account with this id in the municipality",
        )),
        Err(other) => Err(other.into()),
    }
}

/// Who among the caller's municipality's volunteers the caller may read.
pub(crate) fn audience(caller: &StaffCaller) -> Result<Audience, ApiError> {
    match caller.role {
        Role::Admin | Role::Coordinator => Ok(Audience::Everyone),
        Role::ContactPerson => Ok(Audience::AssignedTo(caller.id)),
        Role::Volunteer => Err(ApiError::forbidden(
            "Volunteers read their own record at /api/v1/me/volunteer.",
        )),
    }
}

fn country(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    municipality: samspill_domain::ids::MunicipalityId,
) -> Result<Country, ApiError> {
    match municipalities::find(conn, caller.scope(), municipality) {
        Ok(m) => Ok(m.country),
        Err(RepoError::NotFound) => Err(ApiError::invalid(
            "municipality_id",
            "not_found",
            "no such municipality",
        )),
        Err(other) => Err(other.into()),
    }
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
            conn.transaction(|conn| {
                let country = country(conn, &caller, municipality)?;
                let fields = apply_checked_change(
                    conn,
                    municipality,
                    VolunteerFields::default(),
                    body.into(),
                    country,
                )?;
                Ok(volunteers::insert(
                    conn,
                    municipality,
                    &fields,
                    "coordinator",
                    None,
                )?)
            })
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
#[utoipa::path(
    tag = "volunteers",
    params(VolunteerQuery),
    responses((status = 200, description = "A page of volunteers.", body = VolunteerPage))
)]
#[get("/volunteers")]
pub async fn list_volunteers(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Query(query): Query<VolunteerQuery>,
) -> Result<HttpResponse, ApiError> {
    let audience = audience(&caller)?;
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
    let audience = audience(&caller)?;
    let id = VolunteerId::from(id.into_inner());
    let found = state
        .db(move |conn| Ok(volunteers::find(conn, caller.scope(), audience, id)?))
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
                Audience::Everyone,
                id,
                expected,
                |conn, current| {
                    let country = country(conn, &caller, current.municipality_id)?;
                    let fields = apply_checked_change(
                        conn,
                        current.municipality_id,
                        VolunteerFields::of(current),
                        body,
                        country,
                    )?;
                    if let Some(account) = fields
                        .staff_user_id
                        .filter(|a| Some(*a) != current.staff_user_id)
                    {
                        check_volunteer_account(conn, &caller, current.municipality_id, account)?;
                    }
                    Ok(fields)
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
            Ok(volunteers::erase(
                conn,
                caller.scope(),
                id,
                expected,
                caller.id,
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

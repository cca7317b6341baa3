//! Contact persons (kontaktpersoner): coordinators and administrators manage them; a contact
//! person linked to a staff account reads their own record.

use crate::{
    access::{named_municipality, target_municipality},
    input::{double_option, field, optional, validate},
};
use crate::{
    auth::StaffCaller,
    error::{ApiError, FieldError},
    etag::json_with_etag,
    extract::{IfMatch, Json, Query},
    openapi::schemas::ContactPersonKindSchema,
    pagination::{CursorList, page_of, page_request},
    state::AppState,
};
use actix_web::{HttpResponse, delete, get, http::header, patch, post, web};
use chrono::{DateTime, Utc};
use samspill_domain::{
    ParseError,
    auth::TenantScope,
    contact::{ContactPerson, ContactPersonKind, ContactPersonName, link_problem},
    ids::{ContactPersonId, MunicipalityId, StaffUserId},
    municipality::Country,
    phone::PhoneNumber,
    user::Email,
};
use samspill_persistence::{PgConnection, RepoError, contact_persons, users};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A contact person.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactPersonView {
    /// Its id.
    pub id: Uuid,
    /// The municipality.
    pub municipality_id: Uuid,
    /// `staff` or `group_representative`.
    #[schema(value_type = ContactPersonKindSchema)]
    pub kind: ContactPersonKind,
    /// Full name.
    #[schema(example = "Randi Hansen")]
    pub name: String,
    /// Email.
    pub email: Option<String>,
    /// Phone in E.164 form.
    #[schema(example = "+4791234567")]
    pub phone: Option<String>,
    /// The staff account of a staff contact person, if linked.
    pub staff_user_id: Option<Uuid>,
    /// Whether volunteers may be assigned to them.
    pub active: bool,
    /// Raised by every change; also the ETag.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<ContactPerson> for ContactPersonView {
    fn from(c: ContactPerson) -> Self {
        Self {
            id: c.id.into_uuid(),
            municipality_id: c.municipality_id.into_uuid(),
            kind: c.kind,
            name: c.name,
            email: c.email,
            phone: c.phone,
            staff_user_id: c.staff_user_id.map(StaffUserId::into_uuid),
            active: c.active,
            version: c.version,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

page_of!(
    ContactPersonPage,
    ContactPersonView,
    CursorList::ContactPersons
);

/// A new contact person.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContactPerson {
    /// Required for administrators; defaults to the coordinator's own municipality.
    pub municipality_id: Option<Uuid>,
    /// `staff` or `group_representative`.
    #[schema(value_type = ContactPersonKindSchema)]
    pub kind: ContactPersonKind,
    /// Full name.
    #[schema(min_length = 1, max_length = 200, example = "Randi Hansen")]
    pub name: String,
    /// Email.
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
    /// Phone; without a country code it is read as the municipality's country.
    #[schema(example = "912 34 567")]
    pub phone: Option<String>,
    /// A staff account (contact person or coordinator) of the same municipality to link.
    pub staff_user_id: Option<Uuid>,
}

/// A change to a contact person; fields not given keep their values, `null` clears.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPersonChange {
    /// A new name.
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// A new email, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub email: Option<Option<String>>,
    /// A new phone, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub phone: Option<Option<String>>,
    /// A staff account to link, or `null` to unlink.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub staff_user_id: Option<Option<Uuid>>,
    /// `false`: no new volunteers are assigned to them.
    pub active: Option<bool>,
}

/// Filters for the list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactPersonQuery {
    /// Only this municipality (useful for administrators).
    pub municipality_id: Option<Uuid>,
    /// Only this kind.
    #[param(value_type = Option<ContactPersonKindSchema>)]
    pub kind: Option<ContactPersonKind>,
    /// Only active (`true`) or inactive (`false`) contact persons.
    pub active: Option<bool>,
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// Checks that `account` may be linked to a contact person of `kind` in `municipality`.
fn check_link(
    conn: &mut PgConnection,
    scope: TenantScope,
    municipality: MunicipalityId,
    kind: ContactPersonKind,
    account: StaffUserId,
) -> Result<(), ApiError> {
    let refuse = |code: &str, message: &str| ApiError::invalid("staff_user_id", code, message);
    let user = match users::find(conn, scope, account) {
        Ok(user) if user.municipality_id == Some(municipality) => user,
        Ok(_) | Err(RepoError::NotFound) => {
            return Err(refuse("not_found", "no such account in this municipality"));
        }
        Err(other) => return Err(other.into()),
    };
    match link_problem(kind, user.role) {
        Some(problem) => Err(refuse("not_allowed", problem)),
        None => Ok(()),
    }
}

fn phone(raw: Option<String>, country: Country) -> Result<Option<PhoneNumber>, ApiError> {
    raw.filter(|p| !p.trim().is_empty())
        .map(|p| PhoneNumber::parse(&p, country))
        .transpose()
        .map_err(|e: ParseError| ApiError::Validation(vec![FieldError::parse("phone", &e)]))
}

/// Creates a contact person (coordinators and administrators).
#[utoipa::path(
    tag = "contact-persons",
    request_body = NewContactPerson,
    responses((status = 201, description = "Created.", body = ContactPersonView,
        headers(("ETag" = String, description = "The version."), ("Location" = String, description = "The new resource."))))
)]
#[post("/contact-persons")]
pub async fn create_contact_person(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Json(body): Json<NewContactPerson>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    validate! {
        municipality_id = target_municipality(&caller, body.municipality_id);
        name = field("name", ContactPersonName::parse(&body.name));
        email = optional("email", body.email.filter(|e| !e.trim().is_empty()), |e| Email::parse(&e));
    }
    let (kind, raw_phone, link) = (
        body.kind,
        body.phone,
        body.staff_user_id.map(StaffUserId::from),
    );
    let created = state
        .db(move |conn| {
            crate::access::check_municipality_wide(conn, &caller)?;
            let country = named_municipality(conn, caller.scope(), municipality_id)?.country;
            let phone = phone(raw_phone, country)?;
            if let Some(account) = link {
                check_link(conn, caller.scope(), municipality_id, kind, account)?;
            }
            Ok(contact_persons::insert(
                conn,
                &contact_persons::NewContactPerson {
                    municipality_id,
                    kind,
                    name,
                    email,
                    phone,
                    staff_user_id: link,
                },
            )?)
        })
        .await?;
    let mut response = HttpResponse::Created();
    response.insert_header((
        header::LOCATION,
        format!("/api/v1/contact-persons/{}", created.id),
    ));
    Ok(json_with_etag(
        response,
        created.version,
        &ContactPersonView::from(created),
    ))
}

/// Lists contact persons (coordinators and administrators).
#[utoipa::path(
    tag = "contact-persons",
    params(ContactPersonQuery),
    responses((status = 200, description = "A page of contact persons.", body = ContactPersonPage))
)]
#[get("/contact-persons")]
pub async fn list_contact_persons(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Query(query): Query<ContactPersonQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let page = page_request(
        CursorList::ContactPersons,
        query.limit,
        query.cursor.as_deref(),
    )?;
    let filter = contact_persons::ContactPersonFilter {
        municipality_id: query.municipality_id.map(Into::into),
        kind: query.kind,
        active: query.active,
    };
    let found = state
        .db(move |conn| Ok(contact_persons::list(conn, caller.scope(), filter, page)?))
        .await?;
    Ok(HttpResponse::Ok().json(ContactPersonPage::from_page(found)))
}

/// Reads one contact person: managers any in their municipality; a staff user their own record.
#[utoipa::path(
    tag = "contact-persons",
    params(("id" = Uuid, Path, description = "The contact person id.")),
    responses((status = 200, description = "The contact person.", body = ContactPersonView,
        headers(("ETag" = String, description = "The version."))))
)]
#[get("/contact-persons/{id}")]
pub async fn get_contact_person(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = ContactPersonId::from(id.into_inner());
    let found = state
        .db(move |conn| Ok(contact_persons::find(conn, caller.scope(), id)?))
        .await?;
    if !caller.role.is_manager() && found.staff_user_id != Some(caller.id) {
        return Err(ApiError::NotFound);
    }
    Ok(json_with_etag(
        HttpResponse::Ok(),
        found.version,
        &ContactPersonView::from(found),
    ))
}

/// Changes a contact person.
#[utoipa::path(
    tag = "contact-persons",
    params(
        ("id" = Uuid, Path, description = "The contact person id."),
        crate::extract::IfMatchHeader,
    ),
    request_body = ContactPersonChange,
    responses((status = 200, description = "The changed contact person.", body = ContactPersonView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[patch("/contact-persons/{id}")]
pub async fn update_contact_person(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    Json(body): Json<ContactPersonChange>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = ContactPersonId::from(id.into_inner());
    validate! {
        name = optional("name", body.name, |n| ContactPersonName::parse(&n));
        email = optional("email", body.email, |e| e.filter(|e| !e.trim().is_empty()).map(|e| Email::parse(&e)).transpose());
    }
    let (raw_phone, link, active) = (body.phone, body.staff_user_id, body.active);
    let updated = state
        .db(move |conn| {
            crate::access::check_municipality_wide(conn, &caller)?;
            contact_persons::update(conn, caller.scope(), id, expected, |conn, current| {
                let phone = match raw_phone {
                    Some(raw) => {
                        let country =
                            named_municipality(conn, caller.scope(), current.municipality_id)?
                                .country;
                        Some(phone(raw, country)?)
                    }
                    None => None,
                };
                let staff_user_id = link.map(|link| link.map(StaffUserId::from));
                if let Some(Some(account)) = staff_user_id {
                    check_link(
                        conn,
                        caller.scope(),
                        current.municipality_id,
                        current.kind,
                        account,
                    )?;
                }
                Ok::<_, ApiError>(contact_persons::ContactPersonChanges {
                    name,
                    email,
                    phone,
                    staff_user_id,
                    active,
                })
            })
        })
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        updated.version,
        &ContactPersonView::from(updated),
    ))
}

const STILL_ASSIGNED: &str =
    "Volunteers or groups still have this contact person: reassign them, or deactivate instead.";

/// Deletes a contact person nobody is assigned to (409 otherwise; deactivate instead).
#[utoipa::path(
    tag = "contact-persons",
    params(
        ("id" = Uuid, Path, description = "The contact person id."),
        crate::extract::IfMatchHeader,
    ),
    responses((status = 204, description = "Deleted."))
)]
#[delete("/contact-persons/{id}")]
pub async fn delete_contact_person(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = ContactPersonId::from(id.into_inner());
    state
        .db(move |conn| {
            crate::access::check_municipality_wide(conn, &caller)?;
            match contact_persons::delete(conn, caller.scope(), id, expected) {
                Err(RepoError::Reference { .. }) => Err(ApiError::Conflict {
                    detail: STILL_ASSIGNED.to_owned(),
                    errors: Vec::new(),
                }),
                other => Ok(other?),
            }
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

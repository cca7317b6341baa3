//! Groups (associations, companies, school classes, kindergartens, networks) that volunteer
//! together, vetted through the person who answers for them. Coordinators and administrators
//! manage them; contact person and volunteer accounts may not use these endpoints (403), and
//! service accounts neither.

use crate::{
    access::{named_municipality, target_municipality},
    auth::StaffCaller,
    dto::group::GroupView,
    error::{ApiError, FieldError},
    etag::json_with_etag,
    extract::{IfMatch, Json, Query},
    input::{double_option, field, optional, optional_text, validate},
    openapi::schemas::{GroupKindSchema, VolunteerStatusSchema},
    pagination::{CursorList, page_of, page_request},
    state::AppState,
};
use actix_web::{HttpResponse, get, http::header, patch, post, web};
use samspill_domain::{
    ParseError,
    group::{GroupKind, GroupName, OrgNumber, check_head_count},
    ids::{GroupId, UnitId, VolunteerId},
    municipality::Country,
    text::{Name, Text},
    volunteer::VolunteerStatus,
};
use samspill_persistence::groups;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

page_of!(GroupPage, GroupView, CursorList::Groups);

/// A new group; it starts as `registered`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    /// Required for administrators; defaults to the coordinator's own municipality.
    pub municipality_id: Option<Uuid>,
    /// Its name.
    #[schema(min_length = 1, max_length = 200, example = "Solstrålen barnehage")]
    pub name: String,
    /// What kind of group.
    #[schema(value_type = GroupKindSchema)]
    pub kind: GroupKind,
    /// Organisation number of the municipality's country, check digit included; required for
    /// companies. Spaces are allowed.
    #[schema(example = "974 760 673")]
    pub org_number: Option<String>,
    /// What the group is and does.
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// Home unit of the same municipality.
    pub home_unit_id: Option<Uuid>,
    /// The group's contact person: an active `group_representative` of the municipality.
    pub contact_person_id: Uuid,
    /// How many people take part.
    #[schema(minimum = 1, maximum = 10000, example = 18)]
    pub head_count: i32,
    /// The id a municipal system knows the group by (unique in the municipality).
    #[schema(min_length = 1, max_length = 100)]
    pub external_reference: Option<String>,
    /// Named members: volunteers of the municipality, each once.
    #[serde(default)]
    #[schema(max_items = 500)]
    pub member_ids: Vec<Uuid>,
}

/// A change to a group; fields not given keep their values, `null` clears. The status changes
/// only through the group's transitions; a new contact person sends an approved or paused group
/// back to `in_screening`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupChange {
    /// A new name.
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// A new kind (a company must have an organisation number).
    #[schema(value_type = Option<GroupKindSchema>)]
    pub kind: Option<GroupKind>,
    /// A new organisation number, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub org_number: Option<Option<String>>,
    /// A new description, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 2000)]
    pub description: Option<Option<String>>,
    /// A new home unit, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub home_unit_id: Option<Option<Uuid>>,
    /// A new contact person: an active `group_representative` of the municipality.
    pub contact_person_id: Option<Uuid>,
    /// A new head count.
    #[schema(minimum = 1, maximum = 10000)]
    pub head_count: Option<i32>,
    /// A new external reference, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 100)]
    pub external_reference: Option<Option<String>>,
    /// The new member list, replacing the stored one.
    #[schema(max_items = 500)]
    pub member_ids: Option<Vec<Uuid>>,
}

/// Filters for the list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GroupQuery {
    /// Only this municipality (useful for administrators).
    pub municipality_id: Option<Uuid>,
    /// Only this status.
    #[param(value_type = Option<VolunteerStatusSchema>)]
    pub status: Option<VolunteerStatus>,
    /// Only this kind.
    #[param(value_type = Option<GroupKindSchema>)]
    pub kind: Option<GroupKind>,
    /// Only groups with this contact person.
    pub contact_person_id: Option<Uuid>,
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

fn description(raw: Option<String>) -> Result<Option<String>, ParseError> {
    optional_text(raw, |t| Text::<2000>::parse(t).map(Text::into_inner))
}

fn external_reference(raw: Option<String>) -> Result<Option<String>, ParseError> {
    optional_text(raw, |t| Name::<100>::parse(t).map(Name::into_inner))
}

/// Parses an organisation number against the municipality's country, and requires one when
/// the group's kind must have it.
fn org_number(
    raw: Option<String>,
    kind: GroupKind,
    country: Country,
) -> Result<Option<OrgNumber>, ApiError> {
    match optional_text(raw, |n| OrgNumber::parse(country, n)) {
        Ok(None) if kind.requires_org_number() => Err(ApiError::invalid(
            "org_number",
            "required",
            format!("a group of kind {kind} must give its organisation number"),
        )),
        Ok(number) => Ok(number),
        Err(error) => Err(ApiError::Validation(vec![FieldError::parse(
            "org_number",
            &error,
        )])),
    }
}

fn member_ids(ids: Vec<Uuid>) -> Vec<VolunteerId> {
    ids.into_iter().map(VolunteerId::from).collect()
}

/// Creates a group (coordinators and administrators; contact person and volunteer accounts get
/// 403). It starts as `registered`; the contact person must be an active
/// `group_representative` of the municipality, and members volunteers of it.
#[utoipa::path(
    tag = "groups",
    request_body = NewGroup,
    responses((status = 201, description = "Created.", body = GroupView,
        headers(("ETag" = String, description = "The version."), ("Location" = String, description = "The new resource."))))
)]
#[post("/groups")]
pub async fn create_group(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Json(body): Json<NewGroup>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    validate! {
        municipality_id = target_municipality(&caller, body.municipality_id);
        name = field("name", GroupName::parse(&body.name));
        description = field("description", description(body.description));
        head_count = field("head_count", check_head_count(body.head_count));
        external_reference = field("external_reference", external_reference(body.external_reference));
    }
    let (kind, raw_org_number, home_unit_id, contact_person_id, members) = (
        body.kind,
        body.org_number,
        body.home_unit_id.map(Into::into),
        body.contact_person_id.into(),
        member_ids(body.member_ids),
    );
    let created = state
        .db(move |conn| {
            let country = named_municipality(conn, caller.scope(), municipality_id)?.country;
            let org_number = org_number(raw_org_number, kind, country)?;
            // A district coordinator registers groups with a home unit of their districts.
            let home: Vec<Uuid> = home_unit_id.map(UnitId::into_uuid).into_iter().collect();
            crate::access::check_in_districts(conn, &caller, &home, "home_unit_id")?;
            let named: Vec<Uuid> = members.iter().map(|m| m.into_uuid()).collect();
            crate::access::check_each_in_districts(conn, &caller, &named, &[], "member_ids")?;
            Ok(groups::insert(
                conn,
                &groups::NewGroup {
                    municipality_id,
                    name,
                    kind,
                    org_number,
                    description,
                    home_unit_id,
                    contact_person_id,
                    head_count,
                    external_reference,
                },
                &members,
            )?)
        })
        .await?;
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, format!("/api/v1/groups/{}", created.id)));
    Ok(json_with_etag(
        response,
        created.version,
        &GroupView::from(created),
    ))
}

/// Lists groups with filters (coordinators and administrators; contact person and volunteer
/// accounts get 403).
#[utoipa::path(
    tag = "groups",
    params(GroupQuery),
    responses((status = 200, description = "A page of groups.", body = GroupPage))
)]
#[get("/groups")]
pub async fn list_groups(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Query(query): Query<GroupQuery>,
) -> Result<HttpResponse, ApiError> {
    let audience = crate::access::managed(&caller)?;
    let page = page_request(CursorList::Groups, query.limit, query.cursor.as_deref())?;
    let filter = groups::GroupFilter {
        municipality_id: query.municipality_id.map(Into::into),
        status: query.status,
        kind: query.kind,
        contact_person_id: query.contact_person_id.map(Into::into),
    };
    let found = state
        .db(move |conn| Ok(groups::list(conn, caller.scope(), audience, filter, page)?))
        .await?;
    Ok(HttpResponse::Ok().json(GroupPage::from_page(found)))
}

/// Reads one group (coordinators and administrators; contact person and volunteer accounts get
/// 403).
#[utoipa::path(
    tag = "groups",
    params(("id" = Uuid, Path, description = "The group id.")),
    responses((status = 200, description = "The group.", body = GroupView,
        headers(("ETag" = String, description = "The version."))))
)]
#[get("/groups/{id}")]
pub async fn get_group(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = GroupId::from(id.into_inner());
    let found = state
        .db(move |conn| crate::access::managed_group(conn, &caller, id))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        found.version,
        &GroupView::from(found),
    ))
}

/// Changes a group (coordinators and administrators; contact person and volunteer accounts get
/// 403). `member_ids` replaces the member list. A new contact person is recorded in the
/// group's status history and sends an approved or paused group back to `in_screening`, as the
/// new person has not been screened.
#[utoipa::path(
    tag = "groups",
    params(
        ("id" = Uuid, Path, description = "The group id."),
        crate::extract::IfMatchHeader,
    ),
    request_body = GroupChange,
    responses((status = 200, description = "The changed group.", body = GroupView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[patch("/groups/{id}")]
pub async fn update_group(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    Json(body): Json<GroupChange>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = GroupId::from(id.into_inner());
    validate! {
        name = optional("name", body.name, |n| GroupName::parse(&n));
        description = optional("description", body.description, description);
        head_count = optional("head_count", body.head_count, check_head_count);
        external_reference = optional("external_reference", body.external_reference, external_reference);
    }
    let (kind, raw_org_number, home_unit_id, contact_person_id, members) = (
        body.kind,
        body.org_number,
        body.home_unit_id,
        body.contact_person_id,
        body.member_ids,
    );
    let updated = state
        .db(move |conn| {
            crate::access::managed_group(conn, &caller, id)?;
            groups::update(
                conn,
                caller.scope(),
                id,
                expected,
                caller.id,
                |conn, current| {
                    // A district coordinator keeps the group in their districts.
                    if let Some(home) = home_unit_id
                        .map(|unit| unit.map(UnitId::from))
                        .filter(|home| *home != current.home_unit_id)
                    {
                        let home: Vec<Uuid> = home.map(UnitId::into_uuid).into_iter().collect();
                        crate::access::check_in_districts(conn, &caller, &home, "home_unit_id")?;
                    }
                    // ...and adds only members of their districts (those already in stay).
                    if let Some(members) = &members {
                        let already: Vec<Uuid> =
                            current.member_ids.iter().map(|m| m.into_uuid()).collect();
                        crate::access::check_each_in_districts(
                            conn,
                            &caller,
                            members,
                            &already,
                            "member_ids",
                        )?;
                    }
                    let new_kind = kind.unwrap_or(current.kind);
                    let org_number = match raw_org_number {
                        Some(raw) => {
                            let country =
                                named_municipality(conn, caller.scope(), current.municipality_id)?
                                    .country;
                            Some(org_number(raw, new_kind, country)?)
                        }
                        None if new_kind.requires_org_number() && current.org_number.is_none() => {
                            return Err(ApiError::invalid(
                                "org_number",
                                "required",
                                format!(
                                    "a group of kind {new_kind} must give its organisation number"
                                ),
                            ));
                        }
                        None => None,
                    };
                    Ok::<_, ApiError>(groups::GroupChanges {
                        name,
                        kind,
                        org_number,
                        description,
                        home_unit_id: home_unit_id.map(|unit| unit.map(Into::into)),
                        contact_person_id: contact_person_id.map(Into::into),
                        head_count,
                        external_reference,
                        member_ids: members.map(member_ids),
                    })
                },
            )
        })
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        updated.version,
        &GroupView::from(updated),
    ))
}

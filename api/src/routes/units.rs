//! Units of a municipality. Everyone in the municipality reads them; coordinators and
//! administrators change them.

use crate::{
    access::{named_municipality, target_municipality},
    input::{double_option, field, optional, validate},
};
use crate::{
    auth::StaffCaller,
    error::ApiError,
    etag::json_with_etag,
    extract::{IfMatch, Json, Query},
    openapi::schemas::UnitKindSchema,
    pagination::{CursorList, page_of, page_request},
    state::AppState,
};
use actix_web::{HttpResponse, delete, get, http::header, patch, post, web};
use chrono::{DateTime, Utc};
use samspill_domain::{
    ids::UnitId,
    unit::{Unit, UnitKind, UnitName},
};
use samspill_persistence::{RepoError, units};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A unit: a nursing home, a home-care service, a day centre or a care district.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitView {
    /// Its id.
    pub id: Uuid,
    /// Its municipality.
    pub municipality_id: Uuid,
    /// Its name, unique in the municipality.
    #[schema(example = "Solsiden sykehjem")]
    pub name: String,
    /// What kind of place it is.
    #[schema(value_type = UnitKindSchema)]
    pub kind: UnitKind,
    /// The unit above it (a care district), if any.
    pub parent_id: Option<Uuid>,
    /// Raised by every change; also the ETag.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Unit> for UnitView {
    fn from(u: Unit) -> Self {
        Self {
            id: u.id.into_uuid(),
            municipality_id: u.municipality_id.into_uuid(),
            name: u.name,
            kind: u.kind,
            parent_id: u.parent_id.map(UnitId::into_uuid),
            version: u.version,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

page_of!(UnitPage, UnitView, CursorList::Units);

/// A new unit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUnit {
    /// The municipality: required for administrators, defaults to the coordinator's own.
    pub municipality_id: Option<Uuid>,
    /// Its name, unique in the municipality.
    #[schema(example = "Solsiden sykehjem")]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// What kind of place it is.
    #[schema(value_type = UnitKindSchema)]
    pub kind: UnitKind,
    /// The unit above it, of the same municipality.
    pub parent_id: Option<Uuid>,
}

/// A change to a unit; fields not given keep their values. `parent_id: null` detaches it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitChange {
    /// A new name.
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// A new kind.
    #[schema(value_type = Option<UnitKindSchema>)]
    pub kind: Option<UnitKind>,
    /// A new parent, or `null` for none.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub parent_id: Option<Option<Uuid>>,
}

/// Filters for the list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitQuery {
    /// Only units of this municipality (useful for administrators).
    pub municipality_id: Option<Uuid>,
    /// Only units of this kind.
    #[param(value_type = Option<UnitKindSchema>)]
    pub kind: Option<UnitKind>,
    /// Only the direct sub-units of this unit.
    pub parent_id: Option<Uuid>,
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// Creates a unit (coordinators and administrators).
#[utoipa::path(
    tag = "units",
    request_body = NewUnit,
    responses((status = 201, description = "Created.", body = UnitView,
        headers(("ETag" = String, description = "The version."), ("Location" = String, description = "The new resource."))))
)]
#[post("/units")]
pub async fn create_unit(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Json(body): Json<NewUnit>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    validate! {
        municipality_id = target_municipality(&caller, body.municipality_id);
        name = field("name", UnitName::parse(&body.name));
    }
    let new = units::NewUnit {
        municipality_id,
        name,
        kind: body.kind,
        parent_id: body.parent_id.map(UnitId::from),
    };
    let created = state
        .db(move |conn| {
            crate::access::check_municipality_wide(conn, &caller)?;
            named_municipality(conn, caller.scope(), new.municipality_id)?;
            Ok(units::insert(conn, &new)?)
        })
        .await?;
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, format!("/api/v1/units/{}", created.id)));
    Ok(json_with_etag(
        response,
        created.version,
        &UnitView::from(created),
    ))
}

/// Lists units the caller sees, with filters.
#[utoipa::path(
    tag = "units",
    params(UnitQuery),
    responses((status = 200, description = "A page of units.", body = UnitPage))
)]
#[get("/units")]
pub async fn list_units(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Query(query): Query<UnitQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page_request(CursorList::Units, query.limit, query.cursor.as_deref())?;
    let filter = units::UnitFilter {
        municipality_id: query.municipality_id.map(Into::into),
        kind: query.kind,
        parent_id: query.parent_id.map(Into::into),
    };
    let found = state
        .db(move |conn| Ok(units::list(conn, caller.scope(), filter, page)?))
        .await?;
    Ok(HttpResponse::Ok().json(UnitPage::from_page(found)))
}

/// Reads one unit.
#[utoipa::path(
    tag = "units",
    params(("id" = Uuid, Path, description = "The unit id.")),
    responses((status = 200, description = "The unit.", body = UnitView,
        headers(("ETag" = String, description = "The version."))))
)]
#[get("/units/{id}")]
pub async fn get_unit(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = UnitId::from(id.into_inner());
    let found = state
        .db(move |conn| Ok(units::find(conn, caller.scope(), id)?))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        found.version,
        &UnitView::from(found),
    ))
}

/// Changes a unit: rename it, change its kind, or move it under another unit (never under
/// itself or one of its own sub-units).
#[utoipa::path(
    tag = "units",
    params(
        ("id" = Uuid, Path, description = "The unit id."),
        crate::extract::IfMatchHeader,
    ),
    request_body = UnitChange,
    responses((status = 200, description = "The changed unit.", body = UnitView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[patch("/units/{id}")]
pub async fn update_unit(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    Json(body): Json<UnitChange>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = UnitId::from(id.into_inner());
    validate! {
        name = optional("name", body.name, |n| UnitName::parse(&n));
    }
    let changes = units::UnitChanges {
        name,
        kind: body.kind,
        parent_id: body.parent_id.map(|parent| parent.map(UnitId::from)),
    };
    let updated = state
        .db(move |conn| {
            crate::access::check_municipality_wide(conn, &caller)?;
            Ok(units::update(conn, caller.scope(), id, expected, changes)?)
        })
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        updated.version,
        &UnitView::from(updated),
    ))
}

/// Deletes a unit that nothing refers to (409 while it has sub-units).
#[utoipa::path(
    tag = "units",
    params(
        ("id" = Uuid, Path, description = "The unit id."),
        crate::extract::IfMatchHeader,
    ),
    responses((status = 204, description = "Deleted."))
)]
#[delete("/units/{id}")]
pub async fn delete_unit(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = UnitId::from(id.into_inner());
    state
        .db(move |conn| {
            crate::access::check_municipality_wide(conn, &caller)?;
            match units::delete(conn, caller.scope(), id, expected) {
                Err(RepoError::Reference { .. }) => Err(ApiError::Conflict {
                    detail: "The unit is still in use: move or delete its sub-units first, and \
                             take it out of the care districts of coordinators."
                        .to_owned(),
                    errors: Vec::new(),
                }),
                other => Ok(other?),
            }
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_tells_absent_from_null_parent() {
        let absent: Result<UnitChange, _> = serde_json::from_str(r#"{"name": "x"}"#);
        let null: Result<UnitChange, _> = serde_json::from_str(r#"{"parent_id": null}"#);
        assert_eq!(absent.map(|c| c.parent_id).ok(), Some(None));
        assert_eq!(null.map(|c| c.parent_id).ok(), Some(Some(None)));
    }
}

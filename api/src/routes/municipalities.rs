//! Municipalities: administrators create and rename them; coordinators read their own and
//! adjust its settings.

use crate::input::{field, optional, validate};
use crate::{
    auth::StaffCaller,
    error::ApiError,
    etag::json_with_etag,
    extract::{IfMatch, Json, Query},
    openapi::schemas::CountrySchema,
    pagination::{CursorList, page_of, page_request},
    state::AppState,
};
use actix_web::{HttpResponse, get, http::header, patch, post, web};
use chrono::{DateTime, Utc};
use samspill_domain::{
    ids::MunicipalityId,
    municipality::{
        Country, Municipality, MunicipalityCode, MunicipalityName, MunicipalitySettings,
        MunicipalitySettingsPatch, SETTINGS,
    },
    user::Role,
};
use samspill_persistence::{RepoError, municipalities};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// What a municipality decides for itself; every field is listed in the domain's `SETTINGS`.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct Settings(MunicipalitySettings);

impl From<MunicipalitySettings> for Settings {
    fn from(s: MunicipalitySettings) -> Self {
        Self(s)
    }
}

/// A change of settings: only the fields given change.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct SettingsChange(MunicipalitySettingsPatch);

impl From<SettingsChange> for MunicipalitySettingsPatch {
    fn from(c: SettingsChange) -> Self {
        c.0
    }
}

/// The settings object's schema, built from the domain's list so the two cannot drift.
fn settings_schema(
    description: &str,
    required: bool,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    let mut object = ObjectBuilder::new().description(Some(description));
    if !required {
        object = object.additional_properties(Some(
            utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
        ));
    }
    for spec in SETTINGS {
        let property = ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::Integer))
            .minimum(Some(f64::from(spec.min)))
            .maximum(Some(f64::from(spec.max)))
            .description(Some(format!(
                "{} Default {}.",
                spec.description.trim(),
                spec.default
            )));
        object = object.property(spec.name, property);
        if required {
            object = object.required(spec.name);
        }
    }
    object.into()
}

impl utoipa::PartialSchema for Settings {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        settings_schema("What a municipality decides for itself.", true)
    }
}

impl ToSchema for Settings {}

impl utoipa::PartialSchema for SettingsChange {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        settings_schema("A change of settings: only the fields given change.", false)
    }
}

impl ToSchema for SettingsChange {}

/// A municipality.
#[derive(Debug, Serialize, ToSchema)]
pub struct MunicipalityView {
    /// Its id.
    pub id: Uuid,
    /// Its country.
    #[schema(value_type = CountrySchema)]
    pub country: Country,
    /// Official code: 4 digits in Norway, 3 in Denmark.
    #[schema(example = "0301")]
    pub code: String,
    /// Its name.
    #[schema(example = "Oslo kommune")]
    pub name: String,
    /// Its settings.
    pub settings: Settings,
    /// Raised by every change; also the ETag.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Municipality> for MunicipalityView {
    fn from(m: Municipality) -> Self {
        Self {
            id: m.id.into_uuid(),
            country: m.country,
            code: m.code,
            name: m.name,
            settings: m.settings.into(),
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

page_of!(
    MunicipalityPage,
    MunicipalityView,
    CursorList::Municipalities
);

/// A new municipality.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMunicipality {
    /// Its country.
    #[schema(value_type = CountrySchema)]
    pub country: Country,
    /// Official code: 4 digits in Norway (kommunenummer), 3 in Denmark (kommunekode; the
    /// zero-padded form `0173` is read, and stored, as `173`).
    #[schema(example = "0301")]
    #[schema(pattern = "^[0-9]{3,4}$")]
    pub code: String,
    /// Its name.
    #[schema(example = "Oslo kommune")]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Settings other than the defaults.
    pub settings: Option<SettingsChange>,
}

/// A change to a municipality. Coordinators may change only `settings`, of their own.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityChange {
    /// A new name (administrators).
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// Settings to change.
    pub settings: Option<SettingsChange>,
}

/// Filters for the list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MunicipalityQuery {
    /// Only municipalities of this country.
    #[param(value_type = Option<CountrySchema>)]
    pub country: Option<Country>,
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// Settings errors, each named under `settings.`.
fn settings_errors(errors: Vec<(&'static str, samspill_domain::ParseError)>) -> RepoError {
    RepoError::Invalid(
        errors
            .into_iter()
            .map(|(name, error)| (format!("settings.{name}"), error))
            .collect(),
    )
}

/// Creates a municipality (administrators).
#[utoipa::path(
    tag = "municipalities",
    request_body = NewMunicipality,
    responses((status = 201, description = "Created.", body = MunicipalityView,
        headers(("ETag" = String, description = "The version."), ("Location" = String, description = "The new resource."))))
)]
#[post("/municipalities")]
pub async fn create_municipality(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Json(body): Json<NewMunicipality>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let settings = MunicipalitySettings::default()
        .apply(&body.settings.unwrap_or_default().into())
        .map_err(settings_errors)?;
    validate! {
        code = field("code", MunicipalityCode::parse(body.country, &body.code));
        name = field("name", MunicipalityName::parse(&body.name));
    }
    let new = municipalities::NewMunicipality {
        country: body.country,
        code,
        name,
        settings,
    };
    let created = state
        .db(move |conn| Ok(municipalities::insert(conn, &new)?))
        .await?;
    let location = format!("/api/v1/municipalities/{}", created.id);
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, location));
    Ok(json_with_etag(
        response,
        created.version,
        &MunicipalityView::from(created),
    ))
}

/// Lists the municipalities the caller sees: all for administrators, their own for others.
#[utoipa::path(
    tag = "municipalities",
    params(MunicipalityQuery),
    responses((status = 200, description = "A page of municipalities.", body = MunicipalityPage))
)]
#[get("/municipalities")]
pub async fn list_municipalities(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Query(query): Query<MunicipalityQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page_request(
        CursorList::Municipalities,
        query.limit,
        query.cursor.as_deref(),
    )?;
    let country = query.country;
    let found = state
        .db(move |conn| Ok(municipalities::list(conn, caller.scope(), country, page)?))
        .await?;
    Ok(HttpResponse::Ok().json(MunicipalityPage::from_page(found)))
}

/// Reads one municipality.
#[utoipa::path(
    tag = "municipalities",
    params(("id" = Uuid, Path, description = "The municipality id.")),
    responses((status = 200, description = "The municipality.", body = MunicipalityView,
        headers(("ETag" = String, description = "The version."))))
)]
#[get("/municipalities/{id}")]
pub async fn get_municipality(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = MunicipalityId::from(id.into_inner());
    let found = state
        .db(move |conn| Ok(municipalities::find(conn, caller.scope(), id)?))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        found.version,
        &MunicipalityView::from(found),
    ))
}

/// Changes a municipality: administrators its name and settings, coordinators the settings of
/// their own. Settings not named keep their values.
#[utoipa::path(
    tag = "municipalities",
    params(
        ("id" = Uuid, Path, description = "The municipality id."),
        crate::extract::IfMatchHeader,
    ),
    request_body = MunicipalityChange,
    responses((status = 200, description = "The changed municipality.", body = MunicipalityView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[patch("/municipalities/{id}")]
pub async fn update_municipality(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    Json(body): Json<MunicipalityChange>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = MunicipalityId::from(id.into_inner());
    if body.name.is_some() && caller.role != Role::Admin {
        // Coordinators see their own municipality; only renaming is beyond them.
        let scope = caller.scope();
        state
            .db(move |conn| Ok(municipalities::find(conn, scope, id)?))
            .await?;
        return Err(ApiError::forbidden(
            "Only administrators may rename a municipality.",
        ));
    }
    validate! {
        name = optional("name", body.name, |n| MunicipalityName::parse(&n));
    }
    let patch: Option<MunicipalitySettingsPatch> = body.settings.map(Into::into);
    // Each setting's range does not depend on the others: a bad value is reported before the
    // stored version is even compared (a 422 says more than a 412).
    if let Some(patch) = &patch {
        MunicipalitySettings::default()
            .apply(patch)
            .map_err(settings_errors)?;
    }
    let updated = state
        .db(move |conn| {
            crate::access::check_municipality_wide(conn, &caller)?;
            municipalities::update(conn, caller.scope(), id, expected, |current| {
                let settings = patch
                    .map(|patch| current.settings.apply(&patch).map_err(settings_errors))
                    .transpose()
                    .map_err(ApiError::from)?;
                Ok::<_, ApiError>(municipalities::MunicipalityChanges { name, settings })
            })
        })
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        updated.version,
        &MunicipalityView::from(updated),
    ))
}

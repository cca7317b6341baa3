//! A municipality's catalogue of activity kinds: the five defaults and the kinds it adds.
//! Volunteers never take statutory care tasks, so kinds naming one cannot be created.

use crate::input::validate;
use crate::{
    auth::{Principal, StaffCaller},
    error::{ApiError, FieldError},
    extract::Json,
    state::AppState,
};
use actix_web::{HttpResponse, delete, get, post, web};
use samspill_domain::{
    activity::{ActivityKind, check_not_statutory_care, parse_new_kind_code},
    auth::TenantScope,
    ids::MunicipalityId,
    text::{Name, Text},
};
use samspill_persistence::activity_kinds::{self, NewActivityKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// An activity kind a volunteer can want and an assignment can be for.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityKindView {
    /// The code volunteers, assignments and rules refer to.
    #[schema(example = "reading_aloud")]
    pub code: String,
    /// A display name.
    #[schema(example = "Høytlesning")]
    pub name: String,
    /// What it involves.
    pub description: Option<String>,
    /// Whether it is one of the five kinds every municipality has.
    #[serde(rename = "default")]
    pub is_default: bool,
    /// Its id; `null` for the defaults.
    pub id: Option<Uuid>,
}

impl From<ActivityKind> for ActivityKindView {
    fn from(kind: ActivityKind) -> Self {
        Self {
            is_default: kind.id.is_none(),
            code: kind.code,
            name: kind.name,
            description: kind.description,
            id: kind.id,
        }
    }
}

/// A municipality's activity kinds: the defaults first, then its own in code order.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityKindList {
    /// The kinds.
    pub items: Vec<ActivityKindView>,
}

/// A kind to add to a municipality's catalogue.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewActivityKindBody {
    /// Lower-case letters, digits and `_`, starting with a letter; not one of the defaults.
    #[schema(
        pattern = "^[a-z][a-z0-9_]*$",
        max_length = 50,
        example = "reading_aloud"
    )]
    pub code: String,
    /// A display name.
    #[schema(min_length = 1, max_length = 100, example = "Høytlesning")]
    pub name: String,
    /// What it involves.
    #[schema(
        max_length = 1000,
        example = "Reading the newspaper aloud with residents"
    )]
    pub description: Option<String>,
}

/// The rows a caller may see: staff by their role's scope, a service account its municipality's.
fn scope_of(caller: &Principal) -> TenantScope {
    match caller {
        Principal::Staff(staff) => staff.scope(),
        Principal::Service(service) => TenantScope::Municipality(service.municipality),
    }
}

/// Checks a new kind: its code's format, not a default, at most 100 characters of name and
/// 1000 of description, and nothing of it naming a statutory care task.
fn parse_new_kind(body: NewActivityKindBody) -> Result<(String, String, Option<String>), ApiError> {
    let statutory = check_not_statutory_care(
        body.code.trim(),
        body.name.trim(),
        body.description.as_deref().map(str::trim),
    )
    .err()
    .unwrap_or_default();
    let statutory_on = |name: &'static str| {
        statutory
            .iter()
            .find(|(field, _)| *field == name)
            .map(|(_, error)| FieldError::parse(name, error))
    };
    let checked = |name: &'static str, result: Result<String, samspill_domain::ParseError>| {
        result
            .map_err(|error| FieldError::parse(name, &error))
            .and_then(|value| statutory_on(name).map_or(Ok(value), Err))
    };
    let description = body
        .description
        .map(|d| Text::<1000>::parse(&d).map(Text::into_inner))
        .transpose()
        .map(|d| d.filter(|d| !d.is_empty()));
    validate! {
        code = checked("code", parse_new_kind_code(&body.code));
        name = checked("name", Name::<100>::parse(&body.name).map(Name::into_inner));
        description = description
            .map_err(|error| FieldError::parse("description", &error))
            .and_then(|d| statutory_on("description").map_or(Ok(d), Err));
    }
    Ok((code, name, description))
}

/// The activity kinds of a municipality: the five defaults (`activity`, `cultural_event`,
/// `party_or_arrangement`, `escort`, `companionship`) and the kinds it has added. Any account of
/// the municipality and its service accounts may read them.
#[utoipa::path(
    tag = "activity-kinds",
    params(("id" = Uuid, Path, description = "The municipality id.")),
    responses((status = 200, description = "The catalogue.", body = ActivityKindList))
)]
#[get("/municipalities/{id}/activity-kinds")]
pub async fn list_activity_kinds(
    state: web::Data<AppState>,
    caller: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let municipality = MunicipalityId::from(id.into_inner());
    let scope = scope_of(&caller);
    let kinds = state
        .db(move |conn| Ok(activity_kinds::list(conn, scope, municipality)?))
        .await?;
    Ok(HttpResponse::Ok().json(ActivityKindList {
        items: kinds.into_iter().map(ActivityKindView::from).collect(),
    }))
}

/// Adds an activity kind to a municipality (coordinators and administrators). Kinds naming a
/// statutory care task (personal care, medication, anything the municipality assesses and
/// grants) are refused with `statutory_care` on each field that names one.
#[utoipa::path(
    tag = "activity-kinds",
    params(("id" = Uuid, Path, description = "The municipality id.")),
    request_body = NewActivityKindBody,
    responses((status = 201, description = "Added.", body = ActivityKindView))
)]
#[post("/municipalities/{id}/activity-kinds")]
pub async fn create_activity_kind(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Json(body): Json<NewActivityKindBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let municipality = MunicipalityId::from(id.into_inner());
    let (code, name, description) = parse_new_kind(body)?;
    let new = NewActivityKind {
        municipality_id: municipality,
        code,
        name,
        description,
        created_by: Some(caller.id),
    };
    let created = state
        .db(move |conn| {
            crate::access::check_municipality_wide(conn, &caller)?;
            Ok(activity_kinds::insert(conn, caller.scope(), &new)?)
        })
        .await?;
    Ok(HttpResponse::Created().json(ActivityKindView::from(created)))
}

/// Deletes one of a municipality's own activity kinds (coordinators and administrators). A
/// default, a kind volunteers still want and a kind a requirement rule names answer 409.
#[utoipa::path(
    tag = "activity-kinds",
    params(
        ("id" = Uuid, Path, description = "The municipality id."),
        ("code" = String, Path, description = "The kind's code."),
    ),
    responses((status = 204, description = "Deleted."))
)]
#[delete("/municipalities/{id}/activity-kinds/{code}")]
pub async fn delete_activity_kind(
    state: web::Data<AppState>,
    caller: StaffCaller,
    path: web::Path<(Uuid, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let (id, code) = path.into_inner();
    let municipality = MunicipalityId::from(id);
    state
        .db(move |conn| {
            crate::access::check_municipality_wide(conn, &caller)?;
            Ok(activity_kinds::delete(
                conn,
                caller.scope(),
                municipality,
                &code,
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(code: &str, name: &str, description: Option<&str>) -> NewActivityKindBody {
        NewActivityKindBody {
            code: code.to_owned(),
            name: name.to_owned(),
            description: description.map(str::to_owned),
        }
    }

    fn fields(result: Result<(String, String, Option<String>), ApiError>) -> Vec<(String, String)> {
        match result {
            Err(ApiError::Validation(errors)) => {
                errors.into_iter().map(|e| (e.field, e.code)).collect()
            }
            _ => Vec::new(),
        }
    }

    #[test]
    fn an_ordinary_kind_is_trimmed_and_an_empty_description_dropped() {
        let parsed = parse_new_kind(body(" reading_aloud ", " Høytlesning ", Some("  ")));
        assert_eq!(
            parsed.ok(),
            Some(("reading_aloud".into(), "Høytlesning".into(), None))
        );
    }

    #[test]
    fn each_field_naming_a_care_task_is_reported() {
        let errors = fields(parse_new_kind(body(
            "medisinutdeling",
            "Utdeling av medisiner",
            Some("Gåtur"),
        )));
        assert_eq!(
            errors,
            [
                ("code".to_owned(), "statutory_care".to_owned()),
                ("name".to_owned(), "statutory_care".to_owned()),
            ]
        );
    }

    #[test]
    fn format_errors_come_before_the_care_check_on_the_same_field() {
        let errors = fields(parse_new_kind(body("Personal Care", "", None)));
        assert_eq!(
            errors,
            [
                ("code".to_owned(), "invalid_activity_kind".to_owned()),
                ("name".to_owned(), "required".to_owned()),
            ]
        );
    }
}

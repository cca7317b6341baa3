//! Visiting dogs (besøkshunder) and their dated approvals. Coordinators and administrators
//! record them; a contact person reads the dogs of the volunteers assigned to them.

use crate::{
    access,
    auth::StaffCaller,
    error::{ApiError, FieldError},
    etag::json_with_etag,
    extract::{IfMatch, Json, Query},
    input::{field, happened, optional, plausible, validate},
    openapi::schemas::{DogCategorySchema, DogLimitSchema},
    pagination::{CursorList, page_of, page_request},
    state::AppState,
};
use actix_web::{HttpResponse, delete, get, http::header, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use samspill_domain::{
    auth::TenantScope,
    clearance::ClearancePolicy,
    dog::{Breed, Dog, DogApproval, DogCategory, DogLimit, DogName, DogPolicy, old_enough_from},
    ids::{DogId, MunicipalityId},
    text::{Name, Text},
};
use samspill_persistence::{
    PgConnection,
    dogs::{self, DogChanges, DogFilter, NewDog, NewDogApproval},
    municipalities,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// What a volunteer account is told: managers read every dog, a contact person the dogs of
/// the volunteers assigned to them, nobody else.
const DOG_READERS: &str = "Volunteer accounts cannot read visiting dogs.";

/// A visiting dog.
#[derive(Debug, Serialize, ToSchema)]
pub struct DogView {
    /// Its id.
    pub id: Uuid,
    /// The municipality (its handler's).
    pub municipality_id: Uuid,
    /// The volunteer who handles it.
    pub handler_id: Uuid,
    /// Its name.
    #[schema(example = "Luna")]
    pub name: String,
    /// Its breed.
    #[schema(example = "Golden retriever")]
    pub breed: String,
    /// Its birth date.
    pub birth_date: NaiveDate,
    /// Raised by every change; also the ETag.
    pub version: i32,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Dog> for DogView {
    fn from(d: Dog) -> Self {
        Self {
            id: d.id.into_uuid(),
            municipality_id: d.municipality_id.into_uuid(),
            handler_id: d.handler_id.into_uuid(),
            name: d.name,
            breed: d.breed,
            birth_date: d.birth_date,
            version: d.version,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

page_of!(DogPage, DogView, CursorList::Dogs);

/// A new visiting dog; it belongs to its handler's municipality.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDogBody {
    /// The volunteer who handles the dog.
    pub handler_id: Uuid,
    /// Its name.
    #[schema(min_length = 1, max_length = 100, example = "Luna")]
    pub name: String,
    /// Its breed.
    #[schema(min_length = 1, max_length = 100, example = "Golden retriever")]
    pub breed: String,
    /// Its birth date (not in the future).
    pub birth_date: NaiveDate,
}

/// A change to a dog; fields not given keep their values. A new handler needs a new approval:
/// earlier approvals keep the handler they were made with.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DogChange {
    /// A new handler, a volunteer of the dog's municipality.
    pub handler_id: Option<Uuid>,
    /// A new name.
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// A new breed.
    #[schema(min_length = 1, max_length = 100)]
    pub breed: Option<String>,
    /// A corrected birth date (not in the future).
    pub birth_date: Option<NaiveDate>,
}

/// Filters for the list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DogQuery {
    /// Only dogs of this municipality (useful for administrators).
    pub municipality_id: Option<Uuid>,
    /// Only dogs of this handler.
    pub handler_id: Option<Uuid>,
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// A dated approval of a dog team (handler and dog), with the day it stops counting.
#[derive(Debug, Serialize, ToSchema)]
pub struct DogApprovalView {
    /// Its id.
    pub id: Uuid,
    /// The dog.
    pub dog_id: Uuid,
    /// The handler the team was approved with; a later handler of the dog needs a new approval.
    pub handler_id: Uuid,
    /// The programme that assessed the team.
    #[schema(example = "Røde Kors besøkshund")]
    pub programme: String,
    /// What the team is approved for.
    #[schema(value_type = Vec<DogCategorySchema>)]
    pub categories: Vec<DogCategory>,
    /// When the temperament and suitability assessment was made.
    pub assessed_on: NaiveDate,
    /// Who assessed the team.
    pub assessor: String,
    /// The date of the vet's health check.
    pub vet_checked_on: NaiveDate,
    /// Until when the core vaccinations are valid.
    pub vaccinations_valid_until: NaiveDate,
    /// Until when the liability insurance runs.
    pub insurance_valid_until: NaiveDate,
    /// The approval's own last day.
    pub valid_until: NaiveDate,
    /// Limits set by the assessor.
    pub restrictions: Option<String>,
    /// The coordinator who recorded it.
    pub recorded_by: Uuid,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// The last day the approval counts: the earliest of its own validity, the vet check plus
    /// the municipality's interval (`dog_vet_check_months`), the vaccinations, the insurance
    /// and the end of the dog's age window (`dog_max_age_months`).
    pub last_valid_day: NaiveDate,
    /// What sets `last_valid_day`.
    #[schema(value_type = DogLimitSchema)]
    pub limited_by: DogLimit,
    /// The first day the dog is old enough to work, when the municipality sets a minimum age
    /// (`dog_min_age_months`).
    pub old_enough_from: Option<NaiveDate>,
}

impl DogApprovalView {
    fn of(approval: DogApproval, dog: &Dog, policy: DogPolicy) -> Self {
        let (last_valid_day, limited_by) = approval.last_valid_day(dog.birth_date, policy);
        Self {
            id: approval.id,
            dog_id: approval.dog_id.into_uuid(),
            handler_id: approval.handler_id.into_uuid(),
            programme: approval.programme,
            categories: approval.categories,
            assessed_on: approval.assessed_on,
            assessor: approval.assessor,
            vet_checked_on: approval.vet_checked_on,
            vaccinations_valid_until: approval.vaccinations_valid_until,
            insurance_valid_until: approval.insurance_valid_until,
            valid_until: approval.valid_until,
            restrictions: approval.restrictions,
            recorded_by: approval.recorded_by.into_uuid(),
            created_at: approval.created_at,
            last_valid_day,
            limited_by,
            old_enough_from: old_enough_from(dog.birth_date, policy),
        }
    }
}

/// An approval of the dog with its current handler.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDogApprovalBody {
    /// The programme that assessed the team.
    #[schema(min_length = 1, max_length = 200, example = "Røde Kors besøkshund")]
    pub programme: String,
    /// What the team is approved for: at least one, each once.
    #[schema(value_type = Vec<DogCategorySchema>, min_items = 1, max_items = 4)]
    pub categories: Vec<DogCategory>,
    /// When the temperament and suitability assessment was made (not in the future).
    pub assessed_on: NaiveDate,
    /// Who assessed the team.
    #[schema(min_length = 1, max_length = 200, example = "Kari Nordmann")]
    pub assessor: String,
    /// The date of the vet's health check (not in the future; it may come after the assessment).
    pub vet_checked_on: NaiveDate,
    /// Until when the core vaccinations are valid.
    pub vaccinations_valid_until: NaiveDate,
    /// Until when the liability insurance runs.
    pub insurance_valid_until: NaiveDate,
    /// The approval's own last day (not before `assessed_on`).
    pub valid_until: NaiveDate,
    /// Limits set by the assessor (e.g. "not with residents who fear dogs").
    #[schema(max_length = 1000)]
    pub restrictions: Option<String>,
}

fn categories(raw: &[DogCategory]) -> Result<Vec<DogCategory>, FieldError> {
    if raw.is_empty() {
        return Err(FieldError::new(
            "categories",
            "required",
            "name at least one category",
        ));
    }
    let mut sorted = raw.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() != raw.len() {
        return Err(FieldError::new(
            "categories",
            "duplicate",
            "name each category once",
        ));
    }
    Ok(sorted)
}

fn text<const MAX: usize>(name: &'static str, raw: &str) -> Result<String, FieldError> {
    field(name, Name::<MAX>::parse(raw).map(Name::into_inner))
}

/// What the municipality asks of its dogs, from its settings.
fn policy(
    conn: &mut PgConnection,
    scope: TenantScope,
    municipality: MunicipalityId,
) -> Result<DogPolicy, ApiError> {
    let found = municipalities::find(conn, scope, municipality)?;
    Ok(ClearancePolicy::from(&found.settings).dog)
}

/// Records a visiting dog for a volunteer (coordinators and administrators). The dog belongs
/// to the handler's municipality.
#[utoipa::path(
    tag = "dogs",
    request_body = NewDogBody,
    responses((status = 201, description = "Created.", body = DogView,
        headers(("ETag" = String, description = "The version."), ("Location" = String, description = "The new resource."))))
)]
#[post("/dogs")]
pub async fn create_dog(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Json(body): Json<NewDogBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    validate! {
        name = field("name", DogName::parse(&body.name));
        breed = field("breed", Breed::parse(&body.breed));
        birth_date = happened("birth_date", body.birth_date);
    }
    let new = NewDog {
        handler_id: body.handler_id.into(),
        name,
        breed,
        birth_date,
    };
    let created = state
        .db(move |conn| {
            let handler = new.handler_id.into_uuid();
            access::check_in_districts(conn, &caller, &[handler], "handler_id")?;
            Ok(dogs::insert(conn, caller.scope(), &new)?)
        })
        .await?;
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, format!("/api/v1/dogs/{}", created.id)));
    Ok(json_with_etag(
        response,
        created.version,
        &DogView::from(created),
    ))
}

/// Lists the visiting dogs the caller sees, in id order: coordinators their municipality's,
/// contact persons those of the volunteers assigned to them.
#[utoipa::path(
    tag = "dogs",
    params(DogQuery),
    responses((status = 200, description = "A page of dogs.", body = DogPage))
)]
#[get("/dogs")]
pub async fn list_dogs(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Query(query): Query<DogQuery>,
) -> Result<HttpResponse, ApiError> {
    let audience = access::audience(&caller, DOG_READERS)?;
    let page = page_request(CursorList::Dogs, query.limit, query.cursor.as_deref())?;
    let filter = DogFilter {
        municipality_id: query.municipality_id.map(Into::into),
        handler_id: query.handler_id.map(Into::into),
    };
    let found = state
        .db(move |conn| Ok(dogs::list(conn, caller.scope(), audience, filter, page)?))
        .await?;
    Ok(HttpResponse::Ok().json(DogPage::from_page(found)))
}

/// Reads one visiting dog.
#[utoipa::path(
    tag = "dogs",
    params(("id" = Uuid, Path, description = "The dog id.")),
    responses((status = 200, description = "The dog.", body = DogView,
        headers(("ETag" = String, description = "The version."))))
)]
#[get("/dogs/{id}")]
pub async fn get_dog(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let audience = access::audience(&caller, DOG_READERS)?;
    let id = DogId::from(id.into_inner());
    let found = state
        .db(move |conn| Ok(dogs::find(conn, caller.scope(), audience, id)?))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        found.version,
        &DogView::from(found),
    ))
}

/// Changes a dog's name, breed, birth date or handler (coordinators and administrators). A new
/// handler must be a volunteer of the dog's municipality; the team needs a new approval, as
/// earlier approvals keep the handler they were made with.
#[utoipa::path(
    tag = "dogs",
    params(
        ("id" = Uuid, Path, description = "The dog id."),
        crate::extract::IfMatchHeader,
    ),
    request_body = DogChange,
    responses((status = 200, description = "The changed dog.", body = DogView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[patch("/dogs/{id}")]
pub async fn update_dog(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    Json(body): Json<DogChange>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = DogId::from(id.into_inner());
    validate! {
        name = optional("name", body.name, |n| DogName::parse(&n));
        breed = optional("breed", body.breed, |b| Breed::parse(&b));
        birth_date = body.birth_date.map(|d| happened("birth_date", d)).transpose();
    }
    let changes = DogChanges {
        name,
        breed,
        birth_date,
        handler_id: body.handler_id.map(Into::into),
    };
    let updated = state
        .db(move |conn| {
            let audience = access::managed(&caller)?;
            if let Some(handler) = changes.handler_id {
                access::check_in_districts(conn, &caller, &[handler.into_uuid()], "handler_id")?;
            }
            Ok(dogs::update(
                conn,
                caller.scope(),
                audience,
                id,
                expected,
                &changes,
            )?)
        })
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        updated.version,
        &DogView::from(updated),
    ))
}

/// Deletes a dog and its approvals (coordinators and administrators).
#[utoipa::path(
    tag = "dogs",
    params(
        ("id" = Uuid, Path, description = "The dog id."),
        crate::extract::IfMatchHeader,
    ),
    responses((status = 204, description = "Deleted."))
)]
#[delete("/dogs/{id}")]
pub async fn delete_dog(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = DogId::from(id.into_inner());
    state
        .db(move |conn| {
            Ok(dogs::delete(
                conn,
                caller.scope(),
                access::managed(&caller)?,
                id,
                expected,
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Records an approval of the dog with its current handler, as a team, for categories of
/// visits (coordinators and administrators). The approval counts until the earliest of its
/// own `valid_until`, the vet check plus the municipality's interval, the vaccinations, the
/// insurance and the end of the dog's age window; the response shows that day and what sets it.
#[utoipa::path(
    tag = "dogs",
    params(("id" = Uuid, Path, description = "The dog id.")),
    request_body = NewDogApprovalBody,
    responses((status = 201, description = "Recorded.", body = DogApprovalView))
)]
#[post("/dogs/{id}/approvals")]
pub async fn create_dog_approval(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Json(body): Json<NewDogApprovalBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = DogId::from(id.into_inner());
    let assessed = body.assessed_on;
    validate! {
        programme = text::<200>("programme", &body.programme);
        categories = categories(&body.categories);
        assessed_on = happened("assessed_on", body.assessed_on);
        assessor = text::<200>("assessor", &body.assessor);
        vet_checked_on = happened("vet_checked_on", body.vet_checked_on);
        vaccinations_valid_until = plausible("vaccinations_valid_until", body.vaccinations_valid_until);
        insurance_valid_until = plausible("insurance_valid_until", body.insurance_valid_until);
        valid_until = plausible("valid_until", body.valid_until).and_then(|d| {
            if d < assessed {
                Err(FieldError::new("valid_until", "before_assessment", "must not be before assessed_on"))
            } else {
                Ok(d)
            }
        });
        restrictions = optional("restrictions", body.restrictions, |r| {
            Text::<1000>::parse(&r).map(Text::into_inner)
        });
    }
    let new = NewDogApproval {
        programme,
        categories,
        assessed_on,
        assessor,
        vet_checked_on,
        vaccinations_valid_until,
        insurance_valid_until,
        valid_until,
        restrictions: restrictions.filter(|r| !r.is_empty()),
    };
    let view = state
        .db(move |conn| {
            let dog = dogs::find(conn, caller.scope(), access::managed(&caller)?, id)?;
            let policy = policy(conn, caller.scope(), dog.municipality_id)?;
            let approval = dogs::add_approval(conn, &dog, &new, caller.id)?;
            Ok(DogApprovalView::of(approval, &dog, policy))
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// The approvals of a dog, latest assessment first, each with the day it stops counting.
#[utoipa::path(
    tag = "dogs",
    params(("id" = Uuid, Path, description = "The dog id.")),
    responses((status = 200, description = "The approvals.", body = Vec<DogApprovalView>))
)]
#[get("/dogs/{id}/approvals")]
pub async fn list_dog_approvals(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let audience = access::audience(&caller, DOG_READERS)?;
    let id = DogId::from(id.into_inner());
    let views = state
        .db(move |conn| {
            let dog = dogs::find(conn, caller.scope(), audience, id)?;
            let policy = policy(conn, caller.scope(), dog.municipality_id)?;
            Ok(dogs::approvals(conn, &dog)?
                .into_iter()
                .map(|approval| DogApprovalView::of(approval, &dog, policy))
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(HttpResponse::Ok().json(views))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_must_be_named_once_each() {
        use DogCategory::{HomeVisit, Walk};
        assert_eq!(categories(&[HomeVisit, Walk]), Ok(vec![Walk, HomeVisit]));
        assert_eq!(
            categories(&[]).map_err(|e| e.code),
            Err("required".to_owned())
        );
        assert_eq!(
            categories(&[Walk, Walk]).map_err(|e| e.code),
            Err("duplicate".to_owned())
        );
    }

    #[test]
    fn parse_errors_keep_their_code() {
        let error: Result<String, FieldError> = text::<5>("programme", "far too long");
        assert_eq!(
            error.map_err(|e| (e.field, e.code)),
            Err(("programme".to_owned(), "too_long".to_owned()))
        );
    }
}

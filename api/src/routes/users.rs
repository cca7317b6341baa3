//! Staff user accounts. Administrators manage every account; municipality-wide coordinators
//! manage the non-admin accounts of their own municipality (a coordinator limited to care
//! districts reads them but changes none). Everyone reads their own account through `/me`.

use crate::{
    access::{named_municipality, target_municipality},
    input::{field, optional, validate},
};
use crate::{
    auth::{StaffCaller, password},
    error::{ApiError, FieldError},
    etag::json_with_etag,
    extract::{IfMatch, Json, Query},
    openapi::schemas::RoleSchema,
    pagination::{CursorList, page_of, page_request},
    state::AppState,
};
use actix_web::{HttpResponse, get, http::header, patch, post, web};
use chrono::{DateTime, Utc};
use samspill_domain::{
    ids::{StaffUserId, UnitId},
    user::{DisplayName, Email, Role, StaffUser, check_password_policy},
};
use samspill_persistence::{districts, users};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A staff user account.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    /// Its id.
    pub id: Uuid,
    /// Its municipality; `null` for administrators.
    pub municipality_id: Option<Uuid>,
    /// Login email.
    #[schema(example = "kari.nordmann@oslo.kommune.no")]
    pub email: String,
    /// Name shown to others.
    #[schema(example = "Kari Nordmann")]
    pub display_name: String,
    /// What the account may do.
    #[schema(value_type = RoleSchema)]
    pub role: Role,
    /// Whether the account may log in.
    pub active: bool,
    /// Whether the password was generated and should be changed.
    pub password_change_required: bool,
    /// Last password login.
    pub last_login_at: Option<DateTime<Utc>>,
    /// Raised by every change; also the ETag.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// The care districts (units; each covers the units below it) a coordinator is limited to:
    /// they see the volunteers whose home unit is there and the placements, visits, follow-ups
    /// and hours of those units. Empty: the whole municipality.
    pub districts: Vec<Uuid>,
}

impl From<StaffUser> for UserView {
    fn from(u: StaffUser) -> Self {
        Self {
            id: u.id.into_uuid(),
            municipality_id: u.municipality_id.map(Into::into),
            email: u.email,
            display_name: u.display_name,
            role: u.role,
            active: u.active,
            password_change_required: u.password_change_required,
            last_login_at: u.last_login_at,
            version: u.version,
            created_at: u.created_at,
            updated_at: u.updated_at,
            districts: Vec::new(),
        }
    }
}

impl UserView {
    fn with_districts(mut self, units: Vec<UnitId>) -> Self {
        self.districts = units.into_iter().map(UnitId::into_uuid).collect();
        self
    }
}

/// The most care districts an account is limited to.
const MAX_DISTRICTS: usize = 50;

page_of!(UserPage, UserView, CursorList::Users);

/// A created account, with its generated password when none was given (shown only here).
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUser {
    /// The account.
    #[serde(flatten)]
    pub user: UserView,
    /// The generated password, when the request gave none. It is not stored in readable form:
    /// pass it to the person now.
    pub initial_password: Option<String>,
}

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Required for non-admin roles when an administrator creates the account; a coordinator's
    /// accounts belong to the coordinator's municipality. Must be absent for `admin`.
    pub municipality_id: Option<Uuid>,
    /// Login email, unique.
    #[schema(example = "kari.nordmann@oslo.kommune.no")]
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// Name shown to others.
    #[schema(example = "Kari Nordmann")]
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: String,
    /// Role. Coordinators cannot create administrators.
    #[schema(value_type = RoleSchema)]
    pub role: Role,
    /// An initial password (at least 12 characters); when absent one is generated and returned once.
    #[schema(min_length = 12, max_length = 256)]
    pub password: Option<String>,
}

/// A change to an account; fields not given keep their values.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    /// A new display name.
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: Option<String>,
    /// A new role in the same municipality (not to or from `admin`).
    #[schema(value_type = Option<RoleSchema>)]
    pub role: Option<Role>,
    /// `false` deactivates the account and ends its sessions.
    pub active: Option<bool>,
    /// The care districts (unit ids of the municipality) a coordinator account is limited to,
    /// replacing those it has; `[]` makes it municipality-wide again. Set by administrators and
    /// municipality-wide coordinators, never on one's own account. An account that stops
    /// being a coordinator loses them: name them again in the change that makes it one.
    #[schema(example = json!(["0193a9d1-5a2e-7c3b-9e8f-2a4b6c8d0e1f"]))]
    pub districts: Option<Vec<Uuid>>,
}

/// A generated password.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordReset {
    /// The new password; shown only here. The person should change it after logging in.
    pub password: String,
}

/// Filters for the list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Only accounts of this municipality (useful for administrators).
    pub municipality_id: Option<Uuid>,
    /// Only accounts with this role.
    #[param(value_type = Option<RoleSchema>)]
    pub role: Option<Role>,
    /// Only active (`true`) or deactivated (`false`) accounts.
    pub active: Option<bool>,
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

fn may_manage(caller: &StaffCaller, role: Role) -> Result<(), ApiError> {
    if caller.role.may_manage(role) {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "A {} may not manage {role} accounts.",
            caller.role
        )))
    }
}

/// Creates an account. Administrators create any account; coordinators create coordinator,
/// contact-person and volunteer accounts in their own municipality.
#[utoipa::path(
    tag = "users",
    request_body = NewUser,
    responses((status = 201, description = "Created.", body = CreatedUser,
        headers(("ETag" = String, description = "The version."), ("Location" = String, description = "The new resource."))))
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Json(body): Json<NewUser>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    may_manage(&caller, body.role)?;
    let municipality = if body.role.belongs_to_municipality() {
        target_municipality(&caller, body.municipality_id).map(Some)
    } else if body.municipality_id.is_some() {
        Err(FieldError::new(
            "municipality_id",
            "not_allowed",
            "administrators belong to no municipality",
        ))
    } else {
        Ok(None)
    };
    validate! {
        municipality_id = municipality;
        email = field("email", Email::parse(&body.email));
        display_name = field("display_name", DisplayName::parse(&body.display_name));
        chosen = optional("password", body.password, |p| check_password_policy(&p).map(|()| p));
    }
    let generated = chosen.is_none().then(password::generate);
    let secret = chosen.or_else(|| generated.clone()).unwrap_or_default();
    let password_hash = password::hash(secret).await?;
    let new = users::NewStaffUser {
        municipality_id,
        email,
        display_name,
        role: body.role,
        password_hash,
        password_change_required: generated.is_some(),
    };
    let created = state
        .db(move |conn| {
            crate::access::check_municipality_wide(conn, &caller)?;
            if let Some(municipality) = new.municipality_id {
                named_municipality(conn, caller.scope(), municipality)?;
            }
            Ok(users::insert(conn, &new)?)
        })
        .await?;
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, format!("/api/v1/users/{}", created.id)));
    if generated.is_some() {
        // The password is shown once: no cache may hold it.
        response.insert_header((header::CACHE_CONTROL, "no-store"));
    }
    let version = created.version;
    let shown_once = generated.is_some();
    let mut response = json_with_etag(
        response,
        version,
        &CreatedUser {
            user: created.into(),
            initial_password: generated,
        },
    );
    if shown_once {
        response
            .extensions_mut()
            .insert(crate::idempotency::ShownOnce);
    }
    Ok(response)
}

/// Lists the accounts the caller manages.
#[utoipa::path(
    tag = "users",
    params(UserQuery),
    responses((status = 200, description = "A page of accounts.", body = UserPage))
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Query(query): Query<UserQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let page = page_request(CursorList::Users, query.limit, query.cursor.as_deref())?;
    let filter = users::StaffUserFilter {
        municipality_id: query.municipality_id.map(Into::into),
        role: query.role,
        active: query.active,
    };
    let (found, mut districts) = state
        .db(move |conn| {
            let found = users::list(conn, caller.scope(), filter, page)?;
            let ids: Vec<StaffUserId> = found.items.iter().map(|user| user.id).collect();
            let districts = districts::of_many(conn, &ids)?;
            Ok((found, districts))
        })
        .await?;
    let mut page = UserPage::from_page(found);
    for user in &mut page.items {
        if let Some(units) = districts.remove(&StaffUserId::from(user.id)) {
            user.districts = units.into_iter().map(UnitId::into_uuid).collect();
        }
    }
    Ok(HttpResponse::Ok().json(page))
}

/// Reads one account: managers any in their scope, everyone else only their own.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path, description = "The account id.")),
    responses((status = 200, description = "The account.", body = UserView,
        headers(("ETag" = String, description = "The version."))))
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = StaffUserId::from(id.into_inner());
    if !caller.role.is_manager() && caller.id != id {
        return Err(ApiError::NotFound);
    }
    let (found, districts) = state
        .db(move |conn| {
            let found = users::find(conn, caller.scope(), id)?;
            let districts = districts::of(conn, found.id)?;
            Ok((found, districts))
        })
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        found.version,
        &UserView::from(found).with_districts(districts),
    ))
}

/// Changes an account's name, role, active flag or care districts. Nobody changes their own
/// role or districts or deactivates themselves; deactivation ends the account's sessions. A
/// coordinator limited to `districts` (units of the municipality, each with the units below
/// it) sees and manages only the volunteers whose home unit is there and the placements,
/// visits, follow-ups, hours and work items of those units; anything else answers 404 as if it
/// did not exist. `[]` makes the account municipality-wide again.
#[utoipa::path(
    tag = "users",
    params(
        ("id" = Uuid, Path, description = "The account id."),
        crate::extract::IfMatchHeader,
    ),
    request_body = UserChange,
    responses((status = 200, description = "The changed account.", body = UserView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    Json(body): Json<UserChange>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = StaffUserId::from(id.into_inner());
    validate! {
        display_name = optional("display_name", body.display_name, |n| DisplayName::parse(&n));
    }
    let (role, active) = (body.role, body.active);
    let wanted: Option<Vec<UnitId>> = body
        .districts
        .map(|units| units.into_iter().map(UnitId::from).collect());
    if wanted
        .as_ref()
        .is_some_and(|units| units.len() > MAX_DISTRICTS)
    {
        return Err(ApiError::invalid(
            "districts",
            "too_many",
            format!("at most {MAX_DISTRICTS} care districts"),
        ));
    }
    let updated = state
        .db(move |conn| {
            crate::access::check_municipality_wide(conn, &caller)?;
            // Districts as they are already are no change (a form may send them back).
            let wanted = match wanted {
                Some(units) => {
                    let now: HashSet<UnitId> = districts::of(conn, id)?.into_iter().collect();
                    let asked: HashSet<UnitId> = units.iter().copied().collect();
                    (asked != now).then_some(units)
                }
                None => None,
            };
            let updated = users::update(conn, caller.scope(), id, expected, |current| {
                may_manage(&caller, current.role)?;
                if let Some(role) = role.filter(|role| *role != current.role) {
                    if caller.id == id {
                        return Err(conflict("You cannot change your own role."));
                    }
                    may_manage(&caller, role)?;
                    if role.belongs_to_municipality() != current.role.belongs_to_municipality() {
                        return Err(ApiError::invalid(
                            "role",
                            "not_allowed",
                            "an account cannot change between admin and a municipal role; create a new account",
                        ));
                    }
                }
                if active == Some(false) && caller.id == id {
                    return Err(conflict("You cannot deactivate your own account."));
                }
                if wanted.is_some() {
                    if caller.id == id {
                        return Err(conflict("You cannot change your own care districts."));
                    }
                    let role_after = role.unwrap_or(current.role);
                    if role_after != Role::Coordinator
                        && wanted.as_ref().is_some_and(|units| !units.is_empty())
                    {
                        return Err(ApiError::invalid(
                            "districts",
                            "not_allowed",
                            "only coordinator accounts are limited to care districts",
                        ));
                    }
                }
                Ok(users::StaffUserChanges {
                    display_name,
                    role,
                    active,
                    password: None,
                    districts: wanted,
                })
            })?;
            let districts = districts::of(conn, updated.id)?;
            Ok((updated, districts))
        })
        .await?;
    let (updated, districts) = updated;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        updated.version,
        &UserView::from(updated).with_districts(districts),
    ))
}

fn conflict(detail: &str) -> ApiError {
    ApiError::Conflict {
        detail: detail.to_owned(),
        errors: Vec::new(),
    }
}

/// Gives an account a new generated password, shown once, and ends its sessions. The person
/// should change it after logging in.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path, description = "The account id.")),
    responses((status = 200, description = "The new password.", body = PasswordReset))
)]
#[post("/users/{id}/password-reset")]
pub async fn reset_user_password(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = StaffUserId::from(id.into_inner());
    let generated = password::generate();
    let secret = generated.clone();
    let hash = password::hash(secret).await?;
    state
        .db(move |conn| {
            crate::access::check_municipality_wide(conn, &caller)?;
            users::update(conn, caller.scope(), id, None, |current| {
                may_manage(&caller, current.role)?;
                Ok::<_, ApiError>(users::StaffUserChanges {
                    password: Some((hash, true)),
                    ..Default::default()
                })
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(PasswordReset {
            password: generated,
        }))
}

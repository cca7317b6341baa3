//! The caller's own account.

use crate::{
    access::own_volunteer,
    auth::{Principal, StaffCaller, password},
    cases,
    dto::volunteer::VolunteerView,
    error::{ApiError, FieldError},
    etag::json_with_etag,
    extract::{IfMatch, Json},
    input::double_option,
    openapi::schemas::{RoleSchema, ServiceScopeSchema},
    state::AppState,
};
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use samspill_domain::{
    auth::{ServiceScope, TenantScope},
    user::{Role, check_password_policy},
    volunteer_draft::{VolunteerDraft, VolunteerEdit},
};
use samspill_persistence::{municipalities, service_accounts, users, volunteers};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Who the caller is.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// `staff_user` (a person) or `service_account` (a municipal system).
    #[schema(example = "staff_user")]
    pub kind: &'static str,
    /// The account id.
    pub id: Uuid,
    /// People: their role.
    #[schema(value_type = Option<RoleSchema>)]
    pub role: Option<Role>,
    /// The municipality; `null` for administrators.
    pub municipality_id: Option<Uuid>,
    /// People: their login email.
    pub email: Option<String>,
    /// People: their display name; service accounts: the integration's name.
    pub display_name: String,
    /// People: whether they should choose a new password (it was generated).
    pub password_change_required: Option<bool>,
    /// People: last password login.
    pub last_login_at: Option<DateTime<Utc>>,
    /// Service accounts: the scopes of this token.
    #[schema(value_type = Option<Vec<ServiceScopeSchema>>)]
    pub scopes: Option<Vec<ServiceScope>>,
}

/// Who is calling: the staff user or volunteer behind the token, or the service account.
#[utoipa::path(tag = "me", responses((status = 200, description = "The caller.", body = Me)))]
#[get("/me")]
pub async fn get_me(
    state: web::Data<AppState>,
    caller: Principal,
) -> Result<HttpResponse, ApiError> {
    let me = match caller {
        Principal::Staff(staff) => {
            let user = state
                .db(move |conn| Ok(users::find(conn, staff.scope(), staff.id)?))
                .await
                .map_err(gone)?;
            Me {
                kind: "staff_user",
                id: user.id.into_uuid(),
                role: Some(user.role),
                municipality_id: user.municipality_id.map(Into::into),
                email: Some(user.email),
                display_name: user.display_name,
                password_change_required: Some(user.password_change_required),
                last_login_at: user.last_login_at,
                scopes: None,
            }
        }
        Principal::Service(service) => {
            let scope = TenantScope::Municipality(service.municipality);
            let account = state
                .db(move |conn| Ok(service_accounts::find(conn, scope, service.id)?))
                .await
                .map_err(gone)?;
            Me {
                kind: "service_account",
                id: account.id.into_uuid(),
                role: None,
                municipality_id: Some(account.municipality_id.into_uuid()),
                email: None,
                display_name: account.name,
                password_change_required: None,
                last_login_at: None,
                scopes: Some(service.scopes),
            }
        }
    };
    Ok(HttpResponse::Ok().json(me))
}

/// A token whose account has been deleted since it was issued no longer authenticates anyone.
fn gone(error: ApiError) -> ApiError {
    match error {
        ApiError::NotFound => {
            ApiError::Unauthorized("The account behind this token no longer exists.".to_owned())
        }
        other => other,
    }
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password in use now.
    pub current_password: String,
    /// The new password: at least 12 characters.
    #[schema(min_length = 12, max_length = 256)]
    pub new_password: String,
}

/// Changes the caller's own password. Every refresh token of the account is revoked, so other
/// sessions must log in again.
#[utoipa::path(
    tag = "me",
    request_body = PasswordChange,
    responses((status = 204, description = "Changed."))
)]
#[post("/me/password")]
pub async fn change_my_password(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Json(body): Json<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    check_password_policy(&body.new_password)
        .map_err(|e| ApiError::Validation(vec![FieldError::parse("new_password", &e)]))?;
    let stored = state
        .db(move |conn| Ok(users::password_hash(conn, caller.id)?))
        .await
        .map_err(gone)?;
    let (current, new_password) = (body.current_password, body.new_password);
    let new_hash = if password::verify(current, stored).await? {
        Some(password::hash(new_password).await?)
    } else {
        None
    }
    .ok_or_else(|| {
        ApiError::invalid(
            "current_password",
            "wrong_password",
            "is not the password in use",
        )
    })?;
    state
        .db(move |conn| {
            users::update(conn, caller.scope(), caller.id, None, |_| {
                Ok::<_, ApiError>(users::StaffUserChanges {
                    password: Some((new_hash, false)),
                    ..Default::default()
                })
            })?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A volunteer's own change: contact details and availability only.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnVolunteerChange {
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
    /// Availability as `weekday:part_of_day` (replaces the list).
    pub availability: Option<Vec<String>>,
}

/// The caller's own volunteer record (volunteer accounts linked to a record by a coordinator).
#[utoipa::path(tag = "me", responses((status = 200, description = "The record.", body = VolunteerView,
    headers(("ETag" = String, description = "The version.")))))]
#[get("/me/volunteer")]
pub async fn get_my_volunteer(
    state: web::Data<AppState>,
    caller: StaffCaller,
) -> Result<HttpResponse, ApiError> {
    let audience = own_volunteer(&caller)?;
    let found = state
        .db(move |conn| Ok(volunteers::find_own(conn, caller.scope(), audience)?))
        .await?;
    let version = found.version;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        version,
        &VolunteerView::for_role(found, caller.role),
    ))
}

/// Changes the caller's own contact details and availability; nothing else.
#[utoipa::path(
    tag = "me",
    params(crate::extract::IfMatchHeader),
    request_body = OwnVolunteerChange,
    responses((status = 200, description = "The changed record.", body = VolunteerView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[patch("/me/volunteer")]
pub async fn update_my_volunteer(
    state: web::Data<AppState>,
    caller: StaffCaller,
    IfMatch(expected): IfMatch,
    Json(body): Json<OwnVolunteerChange>,
) -> Result<HttpResponse, ApiError> {
    let audience = own_volunteer(&caller)?;
    let change = VolunteerEdit {
        email: body.email,
        phone: body.phone,
        street_address: body.street_address,
        postal_code: body.postal_code,
        city: body.city,
        availability: body.availability,
        ..VolunteerEdit::default()
    };
    let updated = state
        .db(move |conn| {
            let own = volunteers::find_own(conn, caller.scope(), audience)?;
            volunteers::update(
                conn,
                caller.scope(),
                audience,
                own.id,
                expected,
                |conn, current| {
                    let country =
                        municipalities::find(conn, caller.scope(), current.municipality_id)?
                            .country;
                    cases::volunteers::apply(VolunteerDraft::of(current), change, country)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_in_the_spec_are_the_domain_roles() {
        let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(
            names,
            ["admin", "coordinator", "contact_person", "volunteer"]
        );
    }
}

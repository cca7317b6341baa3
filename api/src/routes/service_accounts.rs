//! Service accounts: machine clients of municipal systems, with read-only scopes. Coordinators
//! and administrators manage them; the secret is shown once, at creation and at rotation.

use crate::{
    access::{named_municipality, target_municipality},
    input::{field, optional, validate},
};
use crate::{
    auth::{StaffCaller, tokens},
    error::{ApiError, FieldError},
    etag::json_with_etag,
    extract::{IfMatch, Json, Query},
    openapi::schemas::ServiceScopeSchema,
    pagination::{CursorList, page_of, page_request},
    state::AppState,
};
use actix_web::{HttpResponse, delete, get, http::header, patch, post, web};
use chrono::{DateTime, Utc};
use samspill_domain::{
    auth::{ServiceAccount, ServiceAccountName, ServiceScope},
    ids::ServiceAccountId,
};
use samspill_persistence::service_accounts;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A service account.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceAccountView {
    /// Its id.
    pub id: Uuid,
    /// Whose data it reads.
    pub municipality_id: Uuid,
    /// What the integration is.
    #[schema(example = "Fagsystem status sync")]
    pub name: String,
    /// The OAuth 2.0 client id for the `client_credentials` grant.
    pub client_id: String,
    /// What it may read.
    #[schema(value_type = Vec<ServiceScopeSchema>)]
    pub scopes: Vec<ServiceScope>,
    /// Whether it may obtain tokens.
    pub active: bool,
    /// Last time it obtained a token.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Raised by every change; also the ETag.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<ServiceAccount> for ServiceAccountView {
    fn from(a: ServiceAccount) -> Self {
        Self {
            id: a.id.into_uuid(),
            municipality_id: a.municipality_id.into_uuid(),
            name: a.name,
            client_id: a.client_id,
            scopes: a.scopes,
            active: a.active,
            last_used_at: a.last_used_at,
            version: a.version,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

page_of!(
    ServiceAccountPage,
    ServiceAccountView,
    CursorList::ServiceAccounts
);

/// A service account with its secret, shown only in this response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceAccountWithSecret {
    /// The account.
    #[serde(flatten)]
    pub account: ServiceAccountView,
    /// The client secret. Only a hash is stored: keep it now, or rotate to get a new one.
    pub client_secret: String,
}

/// A new service account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewServiceAccount {
    /// Required for administrators; defaults to the coordinator's own municipality.
    pub municipality_id: Option<Uuid>,
    /// What the integration is.
    #[schema(example = "Fagsystem status sync")]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// What it may read; at least one.
    #[schema(value_type = Vec<ServiceScopeSchema>)]
    #[schema(min_items = 1)]
    pub scopes: Vec<ServiceScope>,
}

/// A change to a service account; fields not given keep their values.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccountChange {
    /// A new name.
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// New scopes; at least one.
    #[schema(value_type = Option<Vec<ServiceScopeSchema>>)]
    #[schema(min_items = 1)]
    pub scopes: Option<Vec<ServiceScope>>,
    /// `false` stops it from obtaining tokens.
    pub active: Option<bool>,
}

/// Filters for the list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ServiceAccountQuery {
    /// Only accounts of this municipality (useful for administrators).
    pub municipality_id: Option<Uuid>,
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

fn scopes_field(mut scopes: Vec<ServiceScope>) -> Result<Vec<ServiceScope>, FieldError> {
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(FieldError::new(
            "scopes",
            "required",
            "give at least one scope",
        ));
    }
    Ok(scopes)
}

fn new_client_id() -> String {
    format!("svc-{}", &crate::random::token()[..16])
}

fn with_secret(account: ServiceAccount, secret: String) -> HttpResponse {
    let version = account.version;
    let mut response = HttpResponse::Ok();
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    let mut response = json_with_etag(
        response,
        version,
        &ServiceAccountWithSecret {
            account: account.into(),
            client_secret: secret,
        },
    );
    // The secret is shown once: an answer kept for retries must not hold it.
    response
        .extensions_mut()
        .insert(crate::idempotency::ShownOnce);
    response
}

/// Creates a service account and shows its secret once.
#[utoipa::path(
    tag = "service-accounts",
    request_body = NewServiceAccount,
    responses((status = 201, description = "Created; the body holds the secret.", body = ServiceAccountWithSecret,
        headers(("ETag" = String, description = "The version."), ("Location" = String, description = "The new resource."))))
)]
#[post("/service-accounts")]
pub async fn create_service_account(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Json(body): Json<NewServiceAccount>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    validate! {
        municipality_id = target_municipality(&caller, body.municipality_id);
        name = field("name", ServiceAccountName::parse(&body.name));
        scopes = scopes_field(body.scopes);
    }
    let secret = crate::random::token();
    let new = service_accounts::NewServiceAccount {
        municipality_id,
        name,
        client_id: new_client_id(),
        secret_hash: tokens::secret_hash(&secret),
        scopes,
        created_by: caller.id,
    };
    let created = state
        .db(move |conn| {
            crate::access::check_municipality_wide(conn, &caller)?;
            named_municipality(conn, caller.scope(), new.municipality_id)?;
            Ok(service_accounts::insert(conn, &new)?)
        })
        .await?;
    let location = format!("/api/v1/service-accounts/{}", created.id);
    let mut response = with_secret(created, secret);
    *response.status_mut() = actix_web::http::StatusCode::CREATED;
    response.headers_mut().insert(
        header::LOCATION,
        header::HeaderValue::from_str(&location).map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    Ok(response)
}

/// Lists the service accounts the caller manages.
#[utoipa::path(
    tag = "service-accounts",
    params(ServiceAccountQuery),
    responses((status = 200, description = "A page of service accounts.", body = ServiceAccountPage))
)]
#[get("/service-accounts")]
pub async fn list_service_accounts(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Query(query): Query<ServiceAccountQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let page = page_request(
        CursorList::ServiceAccounts,
        query.limit,
        query.cursor.as_deref(),
    )?;
    let municipality = query.municipality_id.map(Into::into);
    let found = state
        .db(move |conn| {
            Ok(service_accounts::list(
                conn,
                caller.scope(),
                municipality,
                page,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(ServiceAccountPage::from_page(found)))
}

/// Reads one service account (never its secret).
#[utoipa::path(
    tag = "service-accounts",
    params(("id" = Uuid, Path, description = "The service account id.")),
    responses((status = 200, description = "The service account.", body = ServiceAccountView,
        headers(("ETag" = String, description = "The version."))))
)]
#[get("/service-accounts/{id}")]
pub async fn get_service_account(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = ServiceAccountId::from(id.into_inner());
    let found = state
        .db(move |conn| Ok(service_accounts::find(conn, caller.scope(), id)?))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        found.version,
        &ServiceAccountView::from(found),
    ))
}

/// Renames a service account, changes its scopes, or (de)activates it. Tokens already issued
/// keep their scopes until they expire.
#[utoipa::path(
    tag = "service-accounts",
    params(
        ("id" = Uuid, Path, description = "The service account id."),
        crate::extract::IfMatchHeader,
    ),
    request_body = ServiceAccountChange,
    responses((status = 200, description = "The changed service account.", body = ServiceAccountView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[patch("/service-accounts/{id}")]
pub async fn update_service_account(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    Json(body): Json<ServiceAccountChange>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = ServiceAccountId::from(id.into_inner());
    validate! {
        name = optional("name", body.name, |n| ServiceAccountName::parse(&n));
        scopes = body.scopes.map(scopes_field).transpose();
    }
    let changes = service_accounts::ServiceAccountChanges {
        name,
        scopes,
        active: body.active,
        secret_hash: None,
    };
    let updated = state
        .db(move |conn| {
            crate::access::check_municipality_wide(conn, &caller)?;
            Ok(service_accounts::update(
                conn,
                caller.scope(),
                id,
                expected,
                changes,
            )?)
        })
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        updated.version,
        &ServiceAccountView::from(updated),
    ))
}

/// Replaces the secret and shows the new one once; the old secret stops working at once.
#[utoipa::path(
    tag = "service-accounts",
    params(
        ("id" = Uuid, Path, description = "The service account id."),
        crate::extract::IfMatchHeader,
    ),
    responses((status = 200, description = "The account with its new secret.", body = ServiceAccountWithSecret))
)]
#[post("/service-accounts/{id}/secret")]
pub async fn rotate_service_account_secret(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = ServiceAccountId::from(id.into_inner());
    let secret = crate::random::token();
    let changes = service_accounts::ServiceAccountChanges {
        secret_hash: Some(tokens::secret_hash(&secret)),
        ..Default::default()
    };
    let updated = state
        .db(move |conn| {
            crate::access::check_municipality_wide(conn, &caller)?;
            Ok(service_accounts::update(
                conn,
                caller.scope(),
                id,
                expected,
                changes,
            )?)
        })
        .await?;
    Ok(with_secret(updated, secret))
}

/// Deletes a service account. Its access tokens stop at expiry (at most the access-token lifetime).
#[utoipa::path(
    tag = "service-accounts",
    params(
        ("id" = Uuid, Path, description = "The service account id."),
        crate::extract::IfMatchHeader,
    ),
    responses((status = 204, description = "Deleted."))
)]
#[delete("/service-accounts/{id}")]
pub async fn delete_service_account(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = ServiceAccountId::from(id.into_inner());
    state
        .db(move |conn| {
            crate::access::check_municipality_wide(conn, &caller)?;
            Ok(service_accounts::delete(
                conn,
                caller.scope(),
                id,
                expected,
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

//! Who is calling: extractors that read and check the bearer token.

use crate::{auth::tokens::SERVICE_ROLE, error::ApiError, state::AppState};
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, http::header, web};
use futures_util::future::{Ready, ready};
use samspill_domain::{
    auth::{ServiceScope, TenantScope},
    ids::{MunicipalityId, ServiceAccountId, StaffUserId},
    user::Role,
};

/// A logged-in staff user or volunteer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaffCaller {
    /// The account.
    pub id: StaffUserId,
    /// Its role.
    pub role: Role,
    /// Its municipality; `None` for admins.
    pub municipality: Option<MunicipalityId>,
    /// The request it calls in (its `X-Request-Id`), named in the audit log.
    pub request_id: Option<uuid::Uuid>,
}

/// A municipal system calling with a `client_credentials` token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceCaller {
    /// The service account.
    pub id: ServiceAccountId,
    /// Whose data it reads.
    pub municipality: MunicipalityId,
    /// What the token may read.
    pub scopes: Vec<ServiceScope>,
}

/// Any authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A person.
    Staff(StaffCaller),
    /// A machine client.
    Service(ServiceCaller),
}

impl StaffCaller {
    /// The caller as the audit log names it: the account and the request.
    pub fn actor(&self) -> samspill_domain::audit::Actor {
        samspill_domain::audit::Actor::staff(self.id).in_request(self.request_id)
    }

    /// The rows this caller may see.
    pub fn scope(&self) -> TenantScope {
        match self.municipality {
            Some(own) => TenantScope::Municipality(own),
            None => TenantScope::All,
        }
    }

    /// Refuses callers who do not manage municipality data (admins and coordinators do).
    pub fn require_manager(&self) -> Result<(), ApiError> {
        if self.role.is_manager() {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "Only coordinators and administrators may do this.",
            ))
        }
    }

    /// Refuses everyone but administrators.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(ApiError::forbidden("Only administrators may do this."))
        }
    }
}

fn bearer_token(req: &HttpRequest) -> Result<&str, ApiError> {
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::Unauthorized("Send an access token: Authorization: Bearer <token>.".to_owned())
    })?;
    let value = value.to_str().map_err(|_| {
        ApiError::Unauthorized("The Authorization header is not readable.".to_owned())
    })?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim())
        }
        _ => Err(ApiError::Unauthorized(
            "The Authorization header must be: Bearer <token>.".to_owned(),
        )),
    }
}

/// Reads and checks the bearer token of `req`.
pub(crate) fn authenticate(req: &HttpRequest) -> Result<Principal, ApiError> {
    let token = bearer_token(req)?;
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal("application state missing".to_owned()))?;
    let claims = state.tokens.verify(token).map_err(|_| {
        ApiError::Unauthorized("The access token is invalid or has expired.".to_owned())
    })?;
    let invalid = || ApiError::Unauthorized("The access token is invalid.".to_owned());
    if claims.role == SERVICE_ROLE {
        let municipality = claims.municipality.ok_or_else(invalid)?.into();
        let scopes = claims
            .scope
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .map(|scope| scope.parse().map_err(|_| invalid()))
            .collect::<Result<_, _>>()?;
        return Ok(Principal::Service(ServiceCaller {
            id: claims.sub.into(),
            municipality,
            scopes,
        }));
    }
    let role: Role = claims.role.parse().map_err(|_| invalid())?;
    let municipality = claims.municipality.map(MunicipalityId::from);
    if role.belongs_to_municipality() != municipality.is_some() {
        return Err(invalid());
    }
    Ok(Principal::Staff(StaffCaller {
        id: claims.sub.into(),
        role,
        municipality,
        request_id: req
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(|id| **id),
    }))
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

impl FromRequest for StaffCaller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req).and_then(|principal| match principal {
            Principal::Staff(staff) => Ok(staff),
            Principal::Service(_) => Err(ApiError::forbidden(
                "Service accounts cannot use this endpoint.",
            )),
        }))
    }
}

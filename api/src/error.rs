//! The one error type of the API and its RFC 9457 `application/problem+json` form.
//!
//! Policy: bad input is a 4xx that says what is wrong and where (`errors[].field`); a missing
//! or foreign resource is a 404 (never a 403 that would confirm it exists in another
//! municipality); an unreachable database is a 503 with `Retry-After`; anything else is a 500
//! whose body reveals nothing and whose cause is logged once.

use actix_web::{
    HttpResponse, ResponseError,
    http::{StatusCode, header},
};
use samspill_domain::ParseError;
use samspill_persistence::{RepoError, activity_kinds};
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem details object.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:samspill:problem:validation",
    "title": "Unprocessable Content",
    "status": 422,
    "detail": "The request has 1 invalid field.",
    "request_id": "018f0e7e-3c1a-7cc0-9c6b-2b7f4f7c1d10",
    "errors": [{"field": "email", "code": "invalid_email", "message": "must be an email address such as kari@example.no"}]
}))]
pub struct Problem {
    /// A URI naming the kind of problem; `about:blank` when the status code says it all.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// The id of the request, also in the `X-Request-Id` header and in the logs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Per-field validation errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(required = false)]
    pub errors: Vec<FieldError>,
    /// What a refused status change lacks (`suitable_screening`, `contact_person`, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(required = false)]
    pub missing: Vec<String>,
    /// The stored version, when an `If-Match` precondition failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i32>,
    /// The whole clearance answer, when a placement is refused because the volunteer or group
    /// is not cleared (a `ClearanceView` or `GroupClearanceView`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub clearance: Option<serde_json::Value>,
    /// OAuth 2.0 error code (RFC 6749 §5.2), on token-endpoint errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// OAuth 2.0 error description, on token-endpoint errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// Path of the field: `email`, `settings.expiring_soon_days`, `scopes[1]`; query parameters
    /// and headers by their name.
    pub field: String,
    /// Stable, machine-readable reason (`required`, `invalid_email`, `too_long`, `taken`, ...).
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

impl FieldError {
    /// An error on `field`.
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }

    /// An error on `field` from a domain parse error.
    pub fn parse(field: impl Into<String>, error: &ParseError) -> Self {
        Self::new(field, error.code, error.message.clone())
    }
}

/// Everything a handler can answer instead of success.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request cannot be read (malformed JSON, bad query or path value).
    #[error("bad request: {detail}")]
    BadRequest {
        /// What is wrong.
        detail: String,
        /// Which fields, when known.
        errors: Vec<FieldError>,
    },
    /// 401: no valid credentials.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// 403: authenticated, but not allowed.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404: no such resource in the caller's municipality.
    #[error("not found")]
    NotFound,
    /// 408: the body did not arrive in time.
    #[error("request timeout")]
    RequestTimeout,
    /// 409: the request conflicts with stored state.
    #[error("conflict: {detail}")]
    Conflict {
        /// What conflicts.
        detail: String,
        /// Which fields, when known.
        errors: Vec<FieldError>,
    },
    /// 409: a status change refused because requirements are not met.
    #[error("requirements missing: {0:?}")]
    RequirementsMissing(Vec<String>),
    /// 409: a placement refused because clearance does not hold; the whole answer goes along.
    #[error("not cleared: {missing:?}")]
    NotCleared {
        /// The strict requirements that are not met.
        missing: Vec<String>,
        /// The clearance answer as clients see it.
        clearance: serde_json::Value,
    },
    /// 410: what the request refers to existed and is gone for good.
    #[error("gone: {0}")]
    Gone(String),
    /// 412: the `If-Match` version is not the stored one.
    #[error("precondition failed, stored version {current_version}")]
    PreconditionFailed {
        /// The stored version.
        current_version: i32,
    },
    /// 413: the body is larger than allowed.
    #[error("payload too large")]
    PayloadTooLarge(usize),
    /// 415: the body is not in a media type this endpoint reads.
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// 415: the body is sent with a content coding (`Content-Encoding`); bodies are read as sent.
    #[error("unsupported content encoding: {0}")]
    UnsupportedEncoding(String),
    /// 422: the request is readable but its values are not acceptable.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// An OAuth 2.0 token or revocation error (RFC 6749 §5.2): 400, or 401 for `invalid_client`.
    #[error("oauth error {code}: {description}")]
    OAuth {
        /// `invalid_request`, `invalid_grant`, `invalid_client`, ...
        code: &'static str,
        /// What is wrong.
        description: String,
    },
    /// 429: too many attempts; try again after `retry_after` seconds.
    #[error("too many attempts, retry after {retry_after} s")]
    TooManyAttempts {
        /// Seconds to wait.
        retry_after: i64,
        /// What was limited.
        detail: String,
    },
    /// 503: the database cannot be reached; try again shortly.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// 500: a bug. The cause is logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A 422 for one field.
    pub fn invalid(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ApiError::Validation(vec![FieldError::new(field, code, message)])
    }

    /// A 422 for the fields a domain check named.
    pub fn fields(errors: Vec<(String, samspill_domain::ParseError)>) -> Self {
        ApiError::Validation(
            errors
                .into_iter()
                .map(|(field, error)| FieldError::parse(field, &error))
                .collect(),
        )
    }

    /// A 409 with a reason and no field errors.
    pub fn conflict(detail: impl Into<String>) -> Self {
        ApiError::Conflict {
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    /// A 403 with a reason.
    pub fn forbidden(reason: impl Into<String>) -> Self {
        ApiError::Forbidden(reason.into())
    }

    fn kind(&self) -> (&'static str, String) {
        match self {
            ApiError::BadRequest { detail, .. } => ("bad-request", detail.clone()),
            ApiError::Unauthorized(detail) => ("unauthorized", detail.clone()),
            ApiError::Forbidden(detail) => ("forbidden", detail.clone()),
            ApiError::NotFound => (
                "not-found",
                "No such resource, or it belongs to another municipality.".to_owned(),
            ),
            ApiError::RequestTimeout => (
                "request-timeout",
                "The request body did not arrive in time; send it again, at once.".to_owned(),
            ),
            ApiError::Conflict { detail, .. } => ("conflict", detail.clone()),
            ApiError::Gone(detail) => ("gone", detail.clone()),
            ApiError::NotCleared { missing, .. } => (
                "not-cleared",
                format!(
                    "Not cleared for this placement: {} not met. See `clearance` for every requirement.",
                    missing.join(", ")
                ),
            ),
            ApiError::RequirementsMissing(missing) => (
                "requirements-missing",
                format!("Not yet: {} missing. See `missing`.", missing.join(", ")),
            ),
            ApiError::PreconditionFailed { current_version } => (
                "precondition-failed",
                format!(
                    "The resource has changed: its version is now {current_version}. Read it again and retry with its ETag."
                ),
            ),
            ApiError::PayloadTooLarge(limit) => (
                "payload-too-large",
                format!("The request body is larger than {limit} bytes."),
            ),
            ApiError::UnsupportedMediaType(detail) => ("unsupported-media-type", detail.clone()),
            ApiError::UnsupportedEncoding(coding) => (
                "unsupported-encoding",
                format!(
                    "Request bodies are read as sent: Content-Encoding {coding:?} is not \
                     accepted. Send the body without a content coding."
                ),
            ),
            ApiError::TooManyAttempts { detail, .. } => ("rate-limited", detail.clone()),
            ApiError::Validation(errors) => (
                "validation",
                match errors.len() {
                    1 => "The request has 1 invalid field.".to_owned(),
                    n => format!("The request has {n} invalid fields."),
                },
            ),
            ApiError::OAuth { description, .. } => ("oauth", description.clone()),
            ApiError::Unavailable(_) => (
                "unavailable",
                "The service cannot answer right now: the database is not reachable, or the \
                 service is at capacity. Try again in a few seconds."
                    .to_owned(),
            ),
            ApiError::Internal(_) => ("internal", "Something went wrong on our side.".to_owned()),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. }
            | ApiError::RequirementsMissing(_)
            | ApiError::NotCleared { .. } => StatusCode::CONFLICT,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) | ApiError::UnsupportedEncoding(_) => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            ApiError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::OAuth { code, .. } if *code == "invalid_client" => StatusCode::UNAUTHORIZED,
            ApiError::OAuth { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        match self {
            ApiError::Internal(cause) => tracing::error!(%cause, "internal error"),
            ApiError::Unavailable(cause) => tracing::warn!(%cause, "unavailable"),
            _ => {}
        }
        let (slug, detail) = self.kind();
        let mut problem = problem(status, slug, detail);
        match self {
            ApiError::BadRequest { errors, .. }
            | ApiError::Conflict { errors, .. }
            | ApiError::Validation(errors) => problem.errors = errors.clone(),
            ApiError::PreconditionFailed { current_version } => {
                problem.current_version = Some(*current_version);
            }
            ApiError::RequirementsMissing(missing) => problem.missing = missing.clone(),
            ApiError::NotCleared { missing, clearance } => {
                problem.missing = missing.clone();
                problem.clearance = Some(clearance.clone());
            }
            ApiError::OAuth { code, description } => {
                problem.error = Some((*code).to_owned());
                problem.error_description = Some(description.clone());
            }
            _ => {}
        }
        let mut response = HttpResponse::build(status);
        match self {
            ApiError::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"samspill\""));
            }
            ApiError::OAuth {
                code: "invalid_client",
                ..
            } => {
                response.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"samspill\""));
            }
            ApiError::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            ApiError::TooManyAttempts { retry_after, .. } => {
                response.insert_header((header::RETRY_AFTER, retry_after.max(&1).to_string()));
            }
            ApiError::UnsupportedEncoding(_) => {
                // RFC 7694: the codings a request body may use.
                response.insert_header((header::ACCEPT_ENCODING, "identity"));
            }
            _ => {}
        }
        if matches!(self, ApiError::OAuth { .. }) {
            response.insert_header((header::CACHE_CONTROL, "no-store"));
        }
        response.content_type(PROBLEM_JSON).json(problem)
    }
}

/// A problem of kind `slug` (or `about:blank`) with the status's standard title.
pub fn problem(status: StatusCode, slug: &str, detail: String) -> Problem {
    Problem {
        problem_type: if slug.is_empty() {
            "about:blank".to_owned()
        } else {
            format!("urn:samspill:problem:{slug}")
        },
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail,
        request_id: None,
        errors: Vec::new(),
        missing: Vec::new(),
        current_version: None,
        clearance: None,
        error: None,
        error_description: None,
    }
}

impl From<RepoError> for ApiError {
    fn from(error: RepoError) -> Self {
        match error {
            RepoError::NotFound => ApiError::NotFound,
            RepoError::VersionMismatch { current } => ApiError::PreconditionFailed {
                current_version: current,
            },
            RepoError::Duplicate { constraint } => {
                let (field, message) = duplicate_message(&constraint);
                ApiError::Conflict {
                    detail: format!("{message}."),
                    errors: vec![FieldError::new(field, "taken", message)],
                }
            }
            RepoError::Reference { constraint } => ApiError::Conflict {
                detail: reference_message(&constraint),
                errors: Vec::new(),
            },
            RepoError::Invalid(errors) => ApiError::Validation(
                errors
                    .iter()
                    .map(|(field, error)| FieldError::parse(field.clone(), error))
                    .collect(),
            ),
            RepoError::Unavailable(cause) => ApiError::Unavailable(cause),
            RepoError::Internal(cause) => ApiError::Internal(cause),
        }
    }
}

/// Why a record that others still refer to cannot go, by the reference that holds it.
fn reference_message(constraint: &str) -> String {
    match constraint {
        activity_kinds::WANTED_BY_VOLUNTEERS => "Volunteers of the municipality still want this \
            activity kind; remove it from their wanted kinds first."
            .to_owned(),
        activity_kinds::NAMED_BY_RULES => "A requirement rule of the municipality names this \
            activity kind; change or delete the rule first."
            .to_owned(),
        activity_kinds::USED_BY_PLACEMENTS => "A placement that has not ended is for this \
            activity kind; end it first."
            .to_owned(),
        activity_kinds::USED_BY_NEEDS => "A need that is not closed asks for this activity \
            kind; close it first."
            .to_owned(),
        samspill_persistence::placements::DOG_USED_BY_PLACEMENTS => "A placement that has not \
            ended brings this dog; end the placement first."
            .to_owned(),
        activity_kinds::DEFAULT_KIND => "The default activity kinds belong to every municipality \
            and cannot be deleted."
            .to_owned(),
        "follow_ups_unit_fkey" | "contact_log_unit_fkey" => "Follow-ups or logged contacts \
            are about this unit; it stays for their history."
            .to_owned(),
        "time_entries_unit_fkey" => "Hours were given at this unit; it stays so that the hours \
            report can name it."
            .to_owned(),
        _ => format!("Other records still refer to this one ({constraint})."),
    }
}

/// Which field a unique constraint guards, and how to say it is taken.
fn duplicate_message(constraint: &str) -> (&'static str, &'static str) {
    match constraint {
        "municipalities_country_code_key" => {
            ("code", "a municipality with this country and code exists")
        }
        "units_municipality_name_key" => ("name", "the municipality has a unit with this name"),
        "consents_volunteer_in_force_key" | "consents_recipient_in_force_key" => (
            "purpose",
            "a consent for this purpose is in force; withdraw it before recording a new one",
        ),
        "staff_users_email_key" => ("email", "an account with this email exists"),
        "service_accounts_client_id_key" => ("client_id", "this client id is taken"),
        "volunteers_staff_user_key" => (
            "staff_user_id",
            "this account is linked to another volunteer",
        ),
        "volunteers_external_reference_key" => (
            "external_reference",
            "another volunteer of the municipality has this external reference",
        ),
        "activity_kinds_code_key" => (
            "code",
            "the municipality has an activity kind with this code",
        ),
        "groups_external_reference_key" => (
            "external_reference",
            "another group of the municipality has this external reference",
        ),
        "contact_persons_staff_user_key" => (
            "staff_user_id",
            "this account is linked to another contact person",
        ),
        "placements_need_volunteer_key" => (
            "volunteer_id",
            "this volunteer already has a place from this need",
        ),
        "placements_need_group_key" => {
            ("group_id", "this group already has a place from this need")
        }
        "time_entries_visit_key" => ("visit_id", "the visit already has a time entry"),
        _ => ("", "conflicts with an existing record"),
    }
}

impl From<FieldError> for ApiError {
    fn from(error: FieldError) -> Self {
        ApiError::Validation(vec![error])
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        RepoError::from(error).into()
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(format!("blocking task failed: {error}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    fn body_of(error: &ApiError) -> serde_json::Value {
        let response = error.error_response();
        let bytes = response.into_body().try_into_bytes().unwrap_or_default();
        serde_json::from_slice(&bytes).unwrap_or_default()
    }

    #[test]
    fn internal_errors_reveal_nothing() {
        let body = body_of(&ApiError::Internal("password=hunter2 in query".into()));
        assert_eq!(body["status"], 500);
        assert!(!body.to_string().contains("hunter2"));
    }

    #[test]
    fn a_duplicate_names_the_field() {
        let error = ApiError::from(RepoError::Duplicate {
            constraint: "staff_users_email_key".into(),
        });
        let body = body_of(&error);
        assert_eq!(body["status"], 409);
        assert_eq!(body["errors"][0]["field"], "email");
        assert_eq!(body["errors"][0]["code"], "taken");
    }

    #[test]
    fn unavailable_asks_to_retry() {
        let response = ApiError::Unavailable("connection refused".into()).error_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.headers().contains_key(header::RETRY_AFTER));
        assert_eq!(
            response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some(PROBLEM_JSON)
        );
    }
}

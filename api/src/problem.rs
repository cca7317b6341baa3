//! One middleware makes every error leaving the service a problem+json body carrying the
//! request id, whoever produced it: our handlers, actix's router (404, 405), extractors,
//! CORS or the rate limiter. Every response carries `X-Request-Id`.

use crate::error::{PROBLEM_JSON, Problem, problem};
use actix_web::{
    Error, HttpMessage,
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::{
        StatusCode,
        header::{self, HeaderName, HeaderValue},
    },
    middleware::Next,
};
use tracing_actix_web::RequestId;

/// The response header that carries the request id.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Error bodies larger than this are not read back (ours are a few hundred bytes).
const MAX_ERROR_BODY: usize = 64 * 1024;

/// The middleware function; install with `actix_web::middleware::from_fn`.
pub async fn problem_responses(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let request_id = req.extensions().get::<RequestId>().map(ToString::to_string);
    // Inner services answer errors as responses; an `Err` here (none of ours produce one)
    // goes on to actix, which renders it through `ResponseError`.
    let response = next.call(req).await?.map_into_boxed_body();
    let mut response = if response.status().as_u16() >= 400 {
        as_problem(response, request_id.as_deref()).await
    } else {
        response
    };
    if let Some(id) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        response.headers_mut().insert(REQUEST_ID_HEADER, id);
    }
    Ok(response)
}

async fn as_problem(
    response: ServiceResponse<BoxBody>,
    request_id: Option<&str>,
) -> ServiceResponse<BoxBody> {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON));
    let (request, response) = response.into_parts();
    let (mut response, body) = response.into_parts();
    let bytes = actix_web::body::to_bytes_limited(body, MAX_ERROR_BODY)
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    let mut value = if is_problem {
        serde_json::from_slice::<serde_json::Value>(&bytes).ok()
    } else {
        None
    }
    .filter(serde_json::Value::is_object)
    .unwrap_or_else(|| serde_json::to_value(fallback(status)).unwrap_or_default());
    if let (Some(object), Some(id)) = (value.as_object_mut(), request_id) {
        object.entry("request_id").or_insert_with(|| id.into());
    }
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response.headers_mut().remove(header::CONTENT_LENGTH);
    let body = serde_json::to_vec(&value).unwrap_or_default();
    ServiceResponse::new(request, response.set_body(BoxBody::new(body)))
}

/// The problem for an error response that was not written by our handlers.
fn fallback(status: StatusCode) -> Problem {
    let detail = match status {
        StatusCode::NOT_FOUND => "No resource at this path.",
        StatusCode::METHOD_NOT_ALLOWED => "This method is not allowed on this path.",
        StatusCode::TOO_MANY_REQUESTS => "Too many requests. Wait as long as Retry-After says.",
        StatusCode::PAYLOAD_TOO_LARGE => "The request body is too large.",
        StatusCode::BAD_REQUEST => "The request could not be read.",
        s if s.is_server_error() => "Something went wrong on our side.",
        _ => "The request could not be completed.",
    };
    problem(status, "", detail.to_owned())
}

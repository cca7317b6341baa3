//! `Idempotency-Key` on creating requests (the IETF httpapi draft): a retry of a request that
//! was answered, or whose answer was lost, gets the first answer instead of a second record.
//!
//! The operations that take the header are the POSTs that create (201 or 202); the OpenAPI
//! document lists it on each. For a request with a key, the middleware
//! 1. reads the body and fingerprints the request (method, path, query, media type, body);
//! 2. opens a transaction and claims the key for the caller (the account of the token, or
//!    `anonymous` on public endpoints): a stored answer is replayed, a key used for another
//!    request is 422, a key whose first request is still running is 409;
//! 3. runs the handler with every database call of the request inside that transaction
//!    (each in a savepoint, as it would be on its own), and
//! 4. stores the answer in the same transaction and commits, so the record and its answer are
//!    kept together or not at all. Answers a retry should not get again (5xx, 408, 429) are
//!    rolled back with everything the request wrote. An answer marked `Cache-Control:
//!    no-store` (it shows a secret once) is not kept: its retries get 409 naming the record.

use crate::{
    auth::Principal,
    auth::principal::authenticate,
    body::read_limited,
    error::{ApiError, FieldError},
    extract::body_limit,
    routing::RouteTable,
    state::AppState,
};
use actix_web::{
    Error, HttpMessage, HttpResponse, ResponseError,
    body::{BoxBody, MessageBody},
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::{
        Method, StatusCode,
        header::{self, HeaderName, HeaderValue},
    },
    middleware::Next,
    web,
};
use diesel::Connection as _;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use samspill_persistence::{
    PgConnection, RepoError,
    idempotency::{self, Claim, StoredAnswer},
};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};

/// The request header.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// The longest key accepted.
pub const MAX_KEY_LENGTH: usize = 255;

/// Answers larger than this are not kept (ours are a few kilobytes).
const MAX_ANSWER: usize = 1 << 20;

type Connection = diesel::r2d2::PooledConnection<diesel::r2d2::ConnectionManager<PgConnection>>;

/// The connection of the request's transaction, lent to each database call in turn.
#[derive(Default)]
pub struct Lent(Option<Connection>);

/// The request's transaction, shared by the middleware and the handler's database calls.
pub type Transaction = Arc<Mutex<Lent>>;

tokio::task_local! {
    static TRANSACTION: Transaction;
}

/// The request's transaction, when the request runs under an idempotency key.
pub fn current_transaction() -> Option<Transaction> {
    TRANSACTION.try_with(Arc::clone).ok()
}

fn lend(slot: &Transaction) -> Option<Connection> {
    slot.lock().ok().and_then(|mut lent| lent.0.take())
}

fn give_back(slot: &Transaction, conn: Connection) {
    if let Ok(mut lent) = slot.lock() {
        lent.0 = Some(conn);
    }
}

/// Runs `work` in a savepoint of the request's transaction on the blocking pool.
pub async fn run_lent<T, F>(slot: Transaction, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut PgConnection) -> Result<T, ApiError> + Send + 'static,
{
    let mut conn = lend(&slot).ok_or_else(|| {
        ApiError::Internal("the request's transaction is no longer open".to_owned())
    })?;
    let (conn, result) = web::block(move || {
        let result = conn.transaction(|conn| work(conn));
        (conn, result)
    })
    .await?;
    give_back(&slot, conn);
    result
}

/// The middleware; install with `actix_web::middleware::from_fn`.
pub async fn idempotent_creates(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(raw_key) = req.headers().get(IDEMPOTENCY_KEY).cloned() else {
        return pass(req, next).await;
    };
    let takes_key = req.method() == Method::POST
        && req
            .app_data::<web::Data<RouteTable>>()
            .is_some_and(|routes| routes.takes_idempotency_key(req.path()));
    if !takes_key {
        return pass(req, next).await;
    }
    let key = match parse_key(&raw_key) {
        Ok(key) => key,
        Err(error) => return Ok(req.error_response(error)),
    };
    let caller = match req.headers().get(header::AUTHORIZATION) {
        None => "anonymous".to_owned(),
        Some(_) => match authenticate(req.request()) {
            Ok(Principal::Staff(staff)) => format!("user:{}", staff.id),
            Ok(Principal::Service(service)) => format!("service:{}", service.id),
            // The handler answers 401; there is nothing to keep.
            Err(_) => return pass(req, next).await,
        },
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return pass(req, next).await;
    };
    let limit = body_limit(req.request());
    let body = match read_limited(req.take_payload(), limit).await {
        Ok(body) => body,
        Err(error) => return Ok(req.error_response(error)),
    };
    let fingerprint = fingerprint(&req, &body);
    req.set_payload(Payload::from(body));

    let now = chrono::Utc::now();
    let expires_at = now + state.idempotency_ttl;
    let claim_caller = caller.clone();
    let claim_key = key.clone();
    let pool = state.pool.clone();
    let claimed = web::block(move || -> Result<(Claim, Option<Connection>), RepoError> {
        let mut conn = pool.get()?;
        AnsiTransactionManager::begin_transaction(&mut *conn)?;
        match idempotency::claim(
            &mut conn,
            &claim_caller,
            &claim_key,
            &fingerprint,
            now,
            expires_at,
        ) {
            Ok(Claim::Claimed) => Ok((Claim::Claimed, Some(conn))),
            Ok(other) => {
                AnsiTransactionManager::rollback_transaction(&mut *conn)?;
                Ok((other, None))
            }
            Err(error) => {
                let _ = AnsiTransactionManager::rollback_transaction(&mut *conn);
                Err(error)
            }
        }
    })
    .await;
    let (claim, conn) = match claimed {
        Ok(Ok(claimed)) => claimed,
        Ok(Err(error)) => return Ok(req.error_response(ApiError::from(error))),
        Err(error) => return Ok(req.error_response(ApiError::from(error))),
    };
    let conn =
        match (claim, conn) {
            (Claim::Claimed, Some(conn)) => conn,
            (Claim::Replay(answer), _) => {
                crate::metrics::idempotency("replayed");
                return Ok(req.into_response(replay(&answer)));
            }
            (Claim::Mismatch, _) => {
                crate::metrics::idempotency("mismatch");
                return Ok(req.error_response(ApiError::Validation(vec![FieldError::new(
                "Idempotency-Key",
                "key_reused",
                "this key was used for a different request; use a new key for a new request",
            )])));
            }
            (_, _) => {
                crate::metrics::idempotency("in_progress");
                return Ok(req.error_response(ApiError::Conflict {
                    detail: "A request with this Idempotency-Key is still being processed; \
                         retry it in a moment."
                        .to_owned(),
                    errors: vec![FieldError::new(
                        "Idempotency-Key",
                        "in_progress",
                        "the first request with this key has not finished",
                    )],
                }));
            }
        };

    let slot: Transaction = Arc::new(Mutex::new(Lent(Some(conn))));
    let outcome = TRANSACTION.scope(slot.clone(), next.call(req)).await;
    let conn = lend(&slot);
    let response = match outcome {
        Ok(response) => response.map_into_boxed_body(),
        Err(error) => {
            abandon(conn).await;
            return Err(error);
        }
    };
    let status = response.status();
    if status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
    {
        abandon(conn).await;
        return Ok(response);
    }
    let (request, response) = response.into_parts();
    let (response, body) = response.into_parts();
    let Ok(Ok(bytes)) = actix_web::body::to_bytes_limited(body, MAX_ANSWER).await else {
        abandon(conn).await;
        return Ok(ServiceResponse::new(
            request,
            ApiError::Internal("an answer could not be kept".to_owned()).error_response(),
        ));
    };
    let no_store = response
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("no-store"));
    let kept = if no_store {
        not_kept(header_text(response.headers(), header::LOCATION))
    } else {
        StoredAnswer {
            status: status.as_u16(),
            content_type: header_text(response.headers(), header::CONTENT_TYPE),
            location: header_text(response.headers(), header::LOCATION),
            etag: header_text(response.headers(), header::ETAG),
            body: bytes.to_vec(),
        }
    };
    let committed = finish(conn, Some((caller, key, kept))).await;
    let response = match committed {
        Ok(()) => {
            crate::metrics::idempotency(if no_store { "not_kept" } else { "stored" });
            response.set_body(BoxBody::new(bytes))
        }
        // Nothing the request wrote is kept; the client may retry with the same key.
        Err(error) => {
            return Ok(ServiceResponse::new(request, error.error_response()));
        }
    };
    Ok(ServiceResponse::new(request, response))
}

async fn pass(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Rolls the request's transaction back: nothing the request wrote is kept.
async fn abandon(conn: Option<Connection>) {
    if let Err(error) = finish(conn, None).await {
        tracing::warn!(%error, "rolling back a request with an idempotency key failed");
    }
}

/// Commits the request's transaction with the answer to keep, or rolls it back.
async fn finish(
    conn: Option<Connection>,
    keep: Option<(String, String, StoredAnswer)>,
) -> Result<(), ApiError> {
    let Some(mut conn) = conn else {
        return Err(ApiError::Internal(
            "the request's transaction was lost".to_owned(),
        ));
    };
    web::block(move || -> Result<(), RepoError> {
        match keep {
            Some((caller, key, answer)) => {
                let stored = idempotency::store_answer(&mut conn, &caller, &key, &answer);
                if let Err(error) = stored {
                    let _ = AnsiTransactionManager::rollback_transaction(&mut *conn);
                    return Err(error);
                }
                AnsiTransactionManager::commit_transaction(&mut *conn)?;
            }
            None => AnsiTransactionManager::rollback_transaction(&mut *conn)?,
        }
        Ok(())
    })
    .await?
    .map_err(ApiError::from)
}

/// The key: a structured-field string (`"…"`) or bare token of visible ASCII, 1–255 characters.
fn parse_key(raw: &HeaderValue) -> Result<String, ApiError> {
    let bad = |message: &str| ApiError::BadRequest {
        detail: "The Idempotency-Key header is not valid.".to_owned(),
        errors: vec![FieldError::new(
            "Idempotency-Key",
            "invalid_header",
            message,
        )],
    };
    let text = raw.to_str().map_err(|_| bad("must be ASCII"))?.trim();
    let key = text
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or(text);
    if key.is_empty() || key.len() > MAX_KEY_LENGTH {
        return Err(bad("must be 1 to 255 characters, such as a UUID"));
    }
    if !key
        .bytes()
        .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
    {
        return Err(bad("must be visible ASCII characters, such as a UUID"));
    }
    Ok(key.to_owned())
}

fn fingerprint(req: &ServiceRequest, body: &[u8]) -> Vec<u8> {
    let mut hasher = Sha256::new();
    for part in [
        req.method().as_str().as_bytes(),
        req.path().as_bytes(),
        req.query_string().as_bytes(),
        req.headers()
            .get(header::CONTENT_TYPE)
            .map_or(&b""[..], HeaderValue::as_bytes),
    ] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hasher.update(body);
    hasher.finalize().to_vec()
}

fn header_text(headers: &header::HeaderMap, name: HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// What the retries of an answer that showed a secret get instead of it.
fn not_kept(location: Option<String>) -> StoredAnswer {
    let detail = match &location {
        Some(location) => format!(
            "The first request with this Idempotency-Key created {location}. Its answer showed \
             a secret once and is not kept: rotate the secret or reset the password to get a new one."
        ),
        None => "The first request with this Idempotency-Key succeeded. Its answer showed a \
                 secret once and is not kept."
            .to_owned(),
    };
    let problem = crate::error::problem(StatusCode::CONFLICT, "conflict", detail);
    StoredAnswer {
        status: StatusCode::CONFLICT.as_u16(),
        content_type: Some(crate::error::PROBLEM_JSON.to_owned()),
        location,
        etag: None,
        body: serde_json::to_vec(&problem).unwrap_or_default(),
    }
}

/// The stored answer as a response.
fn replay(answer: &StoredAnswer) -> HttpResponse {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    for (name, value) in [
        (header::CONTENT_TYPE, &answer.content_type),
        (header::LOCATION, &answer.location),
        (header::ETAG, &answer.etag),
    ] {
        if let Some(value) = value.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
            response.insert_header((name, value));
        }
    }
    response.body(answer.body.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_structured_strings_or_bare_tokens() {
        let parse = |raw: &'static str| parse_key(&HeaderValue::from_static(raw)).ok();
        assert_eq!(
            parse("\"8e03978e-40d5-43e8-bc93-6894a57f9324\"").as_deref(),
            Some("8e03978e-40d5-43e8-bc93-6894a57f9324")
        );
        assert_eq!(parse("abc-123").as_deref(), Some("abc-123"));
        assert_eq!(parse("\"\""), None);
        assert_eq!(parse("two words"), None);
        let long = Box::leak("k".repeat(256).into_boxed_str());
        assert_eq!(parse(long), None);
    }
}

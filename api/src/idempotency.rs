//! `Idempotency-Key` on creating requests (the IETF httpapi draft): a retry of a request that
//! was answered, or whose answer was lost, gets the first answer instead of a second record.
//!
//! The operations that take the header are the POSTs that create (201 or 202); the OpenAPI
//! document lists it on each. For a request with a key, the middleware
//! 1. reads the body and fingerprints the request (method, path, query, media type, body);
//! 2. lets the handler run; its first database call opens a transaction and claims the key for
//!    the caller (the account of the token, or `anonymous`). A stored answer is replayed, a key
//!    used for another request is 422, a key whose first request is still running is 409: the
//!    handler's own answer is then discarded. A request refused before it reaches the database
//!    (a bad token, a rate limit, a malformed body) claims nothing, so floods of keys cost the
//!    database nothing, and its retry is answered the same way again;
//! 3. every database call of the handler runs in that transaction, each in a savepoint, as it
//!    would on its own;
//! 4. the answer is stored in the same transaction, which then commits, so the record and the
//!    answer that announces it are kept together or not at all. Answers a retry should not get
//!    again (5xx, 408, 429) are rolled back with everything the request wrote. An answer
//!    marked [`ShownOnce`] (it shows a secret once) is not kept: its retries get 409 naming
//!    the record.

use crate::{
    auth::{Principal, principal::authenticate, tokens::keyed_digest},
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
use chrono::{DateTime, Utc};
use diesel::{
    Connection as _,
    connection::{AnsiTransactionManager, TransactionManager},
};
use samspill_persistence::{
    DbPool, PgConnection, RepoError,
    idempotency::{self, Claim, StoredAnswer},
};
use std::sync::Arc;
use tokio::sync::Mutex;

/// The request header.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// The longest key accepted.
pub const MAX_KEY_LENGTH: usize = 255;

/// Answers larger than this are not kept (ours are a few kilobytes).
const MAX_ANSWER: usize = 1 << 20;

/// How the request's transaction begins: it may sit idle (a handler waiting for something
/// else while holding it) for 30 s at most before PostgreSQL ends it.
const BEGIN: &str = "BEGIN; SET LOCAL idle_in_transaction_session_timeout = '30s'";

/// Marks an answer that shows a secret once (a generated password, a client secret): it is
/// not kept for retries, which get 409 naming the created record instead.
#[derive(Debug, Clone, Copy)]
pub struct ShownOnce;

type Connection = diesel::r2d2::PooledConnection<diesel::r2d2::ConnectionManager<PgConnection>>;

/// What a request under a key needs to claim it.
#[derive(Clone)]
struct ClaimRequest {
    caller: String,
    key: String,
    fingerprint: Vec<u8>,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

/// Where a request under a key stands.
enum Stage {
    /// No database call yet.
    Unclaimed(ClaimRequest),
    /// Claimed: the request's transaction, lent to each database call in turn.
    Claimed(Connection),
    /// The key settles the answer (a replay, or a refusal): the handler's is discarded.
    Settled(Settled),
    /// A database call failed so that the transaction is gone.
    Lost,
}

enum Settled {
    Replay(StoredAnswer),
    Mismatch,
    InProgress,
    Forgotten,
}

/// The request's idempotency state, shared by the middleware and the handler's database calls
/// (which take turns: a call waits while another holds the transaction).
#[derive(Clone)]
pub struct Transaction(Arc<Mutex<Stage>>);

tokio::task_local! {
    static TRANSACTION: Transaction;
}

/// The request's transaction, when the request runs under an idempotency key.
pub fn current_transaction() -> Option<Transaction> {
    TRANSACTION.try_with(Transaction::clone).ok()
}

/// What a handler's database call answers once the key has settled the request: the handler
/// stops, and the middleware answers for it.
fn settled() -> ApiError {
    ApiError::Conflict {
        detail: "This request is answered by its Idempotency-Key.".to_owned(),
        errors: Vec::new(),
    }
}

/// Runs `work` in a savepoint of the request's transaction on the blocking pool, claiming the
/// key on the first call.
pub async fn run_lent<T, F>(slot: Transaction, pool: &DbPool, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut PgConnection) -> Result<T, ApiError> + Send + 'static,
{
    let mut stage = slot.0.lock().await;
    match std::mem::replace(&mut *stage, Stage::Lost) {
        Stage::Claimed(mut conn) => {
            let (conn, result) = web::block(move || {
                let result = conn.transaction(|conn| work(conn));
                (conn, result)
            })
            .await?;
            *stage = Stage::Claimed(conn);
            result
        }
        // The first call claims the key and does its work in one trip to the blocking pool.
        Stage::Unclaimed(request) => {
            let pool = pool.clone();
            let asked = request.clone();
            let claimed = web::block(move || {
                claim(&pool, &asked).map(|claimed| match claimed {
                    (Claim::Claimed, Some(mut conn)) => {
                        let result = conn.transaction(|conn| work(conn));
                        Ok((conn, result))
                    }
                    (other, _) => Err(other),
                })
            })
            .await;
            match claimed {
                Ok(Ok(Ok((conn, result)))) => {
                    *stage = Stage::Claimed(conn);
                    result
                }
                Ok(Ok(Err(claim))) => {
                    *stage = Stage::Settled(match claim {
                        Claim::Replay(answer) => Settled::Replay(answer),
                        Claim::Mismatch => Settled::Mismatch,
                        Claim::Forgotten => Settled::Forgotten,
                        Claim::InProgress | Claim::Claimed => Settled::InProgress,
                    });
                    Err(settled())
                }
                // Nothing is claimed: the request answers as it would without a key.
                Ok(Err(error)) => {
                    *stage = Stage::Unclaimed(request);
                    Err(error.into())
                }
                Err(error) => {
                    *stage = Stage::Unclaimed(request);
                    Err(error.into())
                }
            }
        }
        settled_stage @ Stage::Settled(_) => {
            *stage = settled_stage;
            Err(settled())
        }
        Stage::Lost => Err(ApiError::Unavailable(
            "the request's transaction was lost".to_owned(),
        )),
    }
}

/// Opens the request's transaction and claims the key in it; the connection comes back only
/// when the key is claimed (otherwise the transaction is rolled back).
fn claim(pool: &DbPool, request: &ClaimRequest) -> Result<(Claim, Option<Connection>), RepoError> {
    let mut conn = pool.get()?;
    AnsiTransactionManager::begin_transaction_sql(&mut *conn, BEGIN)?;
    let claimed = idempotency::claim(
        &mut conn,
        &request.caller,
        &request.key,
        &request.fingerprint,
        request.now,
        request.expires_at,
    );
    match claimed {
        Ok(Claim::Claimed) => Ok((Claim::Claimed, Some(conn))),
        Ok(other) => {
            AnsiTransactionManager::rollback_transaction(&mut *conn)?;
            Ok((other, None))
        }
        Err(error) => {
            // A failed rollback leaves the connection marked broken; the pool drops it.
            let _ = AnsiTransactionManager::rollback_transaction(&mut *conn);
            Err(error)
        }
    }
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
    let Some(state) = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .filter(|_| takes_key)
    else {
        return pass(req, next).await;
    };
    let key = match parse_key(&raw_key) {
        Ok(key) => key,
        Err(error) => return Ok(req.error_response(error)),
    };
    // Without a valid token the handler answers 401 before any database call (nothing is
    // claimed), except on public endpoints, where the caller is anonymous.
    let caller = match authenticate(req.request()) {
        Ok(Principal::Staff(staff)) => format!("user:{}", staff.id),
        Ok(Principal::Service(service)) => format!("service:{}", service.id),
        Err(_) => "anonymous".to_owned(),
    };
    let limit = body_limit(req.request());
    let body = match read_limited(req.take_payload(), limit).await {
        Ok(body) => body,
        Err(error) => return Ok(req.error_response(error)),
    };
    let fingerprint = fingerprint(&state.digest_key, &req, &body);
    req.set_payload(Payload::from(body));
    let now = Utc::now();
    let slot = Transaction(Arc::new(Mutex::new(Stage::Unclaimed(ClaimRequest {
        caller: caller.clone(),
        key: key.clone(),
        fingerprint,
        now,
        expires_at: now + state.idempotency_ttl,
    }))));

    let outcome = TRANSACTION.scope(slot.clone(), next.call(req)).await;
    let stage = std::mem::replace(&mut *slot.0.lock().await, Stage::Lost);
    let response = match outcome {
        Ok(response) => response.map_into_boxed_body(),
        Err(error) => {
            if let Stage::Claimed(conn) = stage {
                abandon(conn).await;
            }
            return Err(error);
        }
    };
    let conn = match stage {
        // The request never reached the database: nothing to keep.
        Stage::Unclaimed(_) => return Ok(response),
        Stage::Settled(settled) => {
            let (request, _) = response.into_parts();
            return Ok(ServiceResponse::new(request, answer_settled(&settled)));
        }
        Stage::Lost => {
            let (request, _) = response.into_parts();
            return Ok(ServiceResponse::new(
                request,
                ApiError::Unavailable("the request's transaction was lost".to_owned())
                    .error_response(),
            ));
        }
        Stage::Claimed(conn) => conn,
    };
    let status = response.status();
    if status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
    {
        abandon(conn).await;
        return Ok(response);
    }
    let shown_once = response
        .response()
        .extensions()
        .get::<ShownOnce>()
        .is_some();
    let (request, response) = response.into_parts();
    let (response, body) = response.into_parts();
    let Ok(Ok(bytes)) = actix_web::body::to_bytes_limited(body, MAX_ANSWER).await else {
        abandon(conn).await;
        return Ok(ServiceResponse::new(
            request,
            ApiError::Internal("an answer could not be kept".to_owned()).error_response(),
        ));
    };
    let kept = if shown_once {
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
    match commit(conn, caller, key, kept).await {
        Ok(()) => {
            crate::metrics::idempotency(if shown_once { "not_kept" } else { "stored" });
            Ok(ServiceResponse::new(
                request,
                response.set_body(BoxBody::new(bytes)),
            ))
        }
        // Nothing the request wrote is kept; the client may retry with the same key.
        Err(error) => Ok(ServiceResponse::new(request, error.error_response())),
    }
}

async fn pass(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// The answer for a request the key settled.
fn answer_settled(settled: &Settled) -> HttpResponse {
    let (outcome, error) = match settled {
        Settled::Replay(answer) => {
            crate::metrics::idempotency("replayed");
            return replay(answer);
        }
        Settled::Mismatch => (
            "mismatch",
            ApiError::Validation(vec![FieldError::new(
                "Idempotency-Key",
                "key_reused",
                "this key was used for a different request; use a new key for a new request",
            )]),
        ),
        Settled::InProgress => (
            "in_progress",
            ApiError::Conflict {
                detail: "A request with this Idempotency-Key is still being processed; retry \
                         it in a moment."
                    .to_owned(),
                errors: vec![FieldError::new(
                    "Idempotency-Key",
                    "in_progress",
                    "the first request with this key has not finished",
                )],
            },
        ),
        Settled::Forgotten => (
            "forgotten",
            ApiError::Gone(
                "The record the first request with this Idempotency-Key created has since \
                 been erased, and its answer with it; nothing was created again."
                    .to_owned(),
            ),
        ),
    };
    crate::metrics::idempotency(outcome);
    error.error_response()
}

/// Rolls the request's transaction back: nothing the request wrote is kept.
async fn abandon(mut conn: Connection) {
    let rolled_back =
        web::block(move || AnsiTransactionManager::rollback_transaction(&mut *conn)).await;
    if !matches!(rolled_back, Ok(Ok(()))) {
        // The pool drops a connection whose transaction could not be ended.
        tracing::warn!("rolling back a request with an idempotency key failed");
    }
}

/// Stores the answer in the request's transaction and commits it.
async fn commit(
    mut conn: Connection,
    caller: String,
    key: String,
    answer: StoredAnswer,
) -> Result<(), ApiError> {
    web::block(move || -> Result<(), RepoError> {
        if let Err(error) = idempotency::store_answer(&mut conn, &caller, &key, &answer) {
            let _ = AnsiTransactionManager::rollback_transaction(&mut *conn);
            return Err(error);
        }
        Ok(AnsiTransactionManager::commit_transaction(&mut *conn)?)
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

/// The request's fingerprint: keyed, as the body may hold a password.
fn fingerprint(key: &[u8], req: &ServiceRequest, body: &[u8]) -> Vec<u8> {
    keyed_digest(
        key,
        &[
            b"request",
            req.method().as_str().as_bytes(),
            req.path().as_bytes(),
            req.query_string().as_bytes(),
            req.headers()
                .get(header::CONTENT_TYPE)
                .map_or(&b""[..], HeaderValue::as_bytes),
            body,
        ],
    )
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

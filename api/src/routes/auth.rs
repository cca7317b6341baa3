//! The OAuth 2.0 token endpoint (RFC 6749) and token revocation (RFC 7009).
//!
//! Bodies are read as `application/x-www-form-urlencoded` (the standard, and what Swagger UI
//! sends) or as JSON. Errors carry the RFC 6749 `error` code inside the problem+json body.

use crate::{
    auth::{password, tokens},
    error::ApiError,
    extract::RawBody,
    state::AppState,
};
use actix_web::{HttpRequest, HttpResponse, http::header, post, web};
use base64::{Engine, engine::general_purpose::STANDARD};
use samspill_domain::{
    auth::ServiceScope,
    login_throttle::Attempt,
    user::{Email, StaffUser},
};
use samspill_persistence::{
    login_throttles, refresh_tokens, refresh_tokens::Rotation, service_accounts, users,
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

/// A token request. Which fields are needed depends on `grant_type`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// `password`, `refresh_token` or `client_credentials`.
    #[schema(example = "password")]
    pub grant_type: String,
    /// `password` grant: the account's email.
    pub username: Option<String>,
    /// `password` grant: the account's password.
    pub password: Option<String>,
    /// `refresh_token` grant: the refresh token from the last token response.
    pub refresh_token: Option<String>,
    /// `client_credentials` grant (or HTTP Basic): the service account's client id.
    pub client_id: Option<String>,
    /// `client_credentials` grant (or HTTP Basic): the service account's secret.
    pub client_secret: Option<String>,
    /// `client_credentials` grant: space-separated scopes, a subset of the account's.
    pub scope: Option<String>,
}

/// A successful token response (RFC 6749 §5.1).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// The JWT to send as `Authorization: Bearer`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// For people: exchange it once for new tokens (`refresh_token` grant).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// For service accounts: the scopes granted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// A revocation request (RFC 7009).
#[derive(Debug, Deserialize, ToSchema)]
pub struct RevokeRequest {
    /// The refresh token to revoke; its whole family (login session) ends.
    #[schema(min_length = 1)]
    pub token: String,
    /// `refresh_token` or `access_token`; optional.
    pub token_type_hint: Option<String>,
}

fn oauth(code: &'static str, description: impl Into<String>) -> ApiError {
    ApiError::OAuth {
        code,
        description: description.into(),
    }
}

/// Reads a form-encoded or JSON body into `T`.
fn read_body<T: DeserializeOwned>(req: &HttpRequest, body: &[u8]) -> Result<T, ApiError> {
    let media_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match media_type.as_str() {
        "application/x-www-form-urlencoded" => serde_urlencoded::from_bytes(body)
            .map_err(|e| oauth("invalid_request", format!("The form is not valid: {e}."))),
        "application/json" => serde_json::from_slice(body).map_err(|e| {
            oauth(
                "invalid_request",
                format!("The JSON body is not valid: {e}."),
            )
        }),
        _ => Err(ApiError::UnsupportedMediaType(
            "Send the body as application/x-www-form-urlencoded or application/json.".to_owned(),
        )),
    }
}

/// Client id and secret from an HTTP Basic header, if one is sent (RFC 6749 §2.3.1).
fn basic_credentials(req: &HttpRequest) -> Result<Option<(String, String)>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let invalid = || oauth("invalid_client", "The Basic credentials cannot be read.");
    let value = value.to_str().map_err(|_| invalid())?;
    let Some((scheme, encoded)) = value.split_once(' ') else {
        return Err(invalid());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| invalid())?;
    let decoded = String::from_utf8(decoded).map_err(|_| invalid())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(invalid)?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Ok(Some((unescape(id), unescape(secret))))
}

fn required(value: Option<String>, name: &str) -> Result<String, ApiError> {
    value.filter(|v| !v.is_empty()).ok_or_else(|| {
        oauth(
            "invalid_request",
            format!("The {name} parameter is required."),
        )
    })
}

fn token_response(body: TokenResponse) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(body)
}

/// Issues tokens. Grants: `password` (staff and volunteers: `username` = email), `refresh_token`
/// (rotating: each refresh token works once; presenting a used one ends the whole session), and
/// `client_credentials` (service accounts; HTTP Basic or form fields). Rate-limited per client
/// address; password attempts are also counted per login name, and after a few in a row each
/// further one must wait (429 with `Retry-After`), longer each time, until a login succeeds.
#[utoipa::path(
    tag = "auth",
    request_body(
        description = "Form-encoded as RFC 6749 says, or the same fields as JSON.",
        content(
            (TokenRequest = "application/x-www-form-urlencoded"),
            (TokenRequest = "application/json"),
        )
    ),
    responses(
        (status = 200, description = "Tokens issued.", body = TokenResponse),
        (status = 401, description = "invalid_client: the client id or secret is wrong.", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "Basic realm=\"samspill\""))),
        (status = 429, description = "Too many requests from this address, or too many password attempts for this login name (counted whether or not an account has it).", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
#[post("/token")]
pub async fn issue_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    RawBody(body): RawBody,
) -> Result<HttpResponse, ApiError> {
    let request: TokenRequest = read_body(&req, &body)?;
    match request.grant_type.as_str() {
        "password" => password_grant(&state, request).await,
        "refresh_token" => refresh_grant(&state, request).await,
        "client_credentials" => {
            let basic = basic_credentials(&req)?;
            client_credentials_grant(&state, request, basic).await
        }
        other => Err(oauth(
            "unsupported_grant_type",
            format!(
                "Grant type {other:?} is not supported: use password, refresh_token or client_credentials."
            ),
        )),
    }
}

async fn password_grant(state: &AppState, request: TokenRequest) -> Result<HttpResponse, ApiError> {
    let username = required(request.username, "username")?;
    let secret = required(request.password, "password")?;
    let refused = || {
        oauth(
            "invalid_grant",
            "The email or password is wrong, or the account is deactivated.",
        )
    };
    // Attempts count per name as typed, before the password is looked at, so that a guesser
    // learns nothing from the answers, not even whether the account exists.
    let name_hash = tokens::keyed_digest(
        &state.digest_key,
        &[b"login name", username.trim().to_lowercase().as_bytes()],
    );
    let policy = state.login_throttle;
    let now = chrono::Utc::now();
    let counted = name_hash.clone();
    let verdict = state
        .db(move |conn| Ok(login_throttles::attempt(conn, &counted, &policy, now)?))
        .await?;
    if let Attempt::Refused {
        retry_after_seconds,
    } = verdict
    {
        crate::metrics::login_throttled();
        return Err(ApiError::TooManyAttempts {
            retry_after: retry_after_seconds,
            detail: format!(
                "Too many login attempts for this name. Try again in {retry_after_seconds} s."
            ),
        });
    }
    // An unreadable email is answered like a wrong password, after the same work.
    let email = Email::parse(&username).ok();
    let found = match email {
        Some(email) => {
            state
                .db(move |conn| Ok(users::find_for_login(conn, &email)?))
                .await?
        }
        None => None,
    };
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), hash),
        None => (None, password::decoy_hash().to_owned()),
    };
    let matches = password::verify(secret, hash).await?;
    let user = user
        .filter(|user| matches && user.active)
        .ok_or_else(refused)?;
    let refresh_token = crate::random::token();
    let refresh_hash = tokens::secret_hash(&refresh_token);
    let expires_at = chrono::Utc::now() + state.tokens.refresh_ttl;
    let user_id = user.id;
    state
        .db(move |conn| {
            refresh_tokens::insert_new_family(conn, user_id, &refresh_hash, expires_at)?;
            users::record_login(conn, user_id)?;
            login_throttles::forget(conn, &name_hash)?;
            Ok(())
        })
        .await?;
    person_tokens(state, &user, refresh_token)
}

/// The response for a person: a new access token and the refresh token stored for it.
fn person_tokens(
    state: &AppState,
    user: &StaffUser,
    refresh_token: String,
) -> Result<HttpResponse, ApiError> {
    let access_token = state
        .tokens
        .issue(
            user.id.into_uuid(),
            user.role.as_str(),
            user.municipality_id.map(Into::into),
            None,
        )
        .map_err(ApiError::Internal)?;
    Ok(token_response(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: state.tokens.access_ttl.as_secs(),
        refresh_token: Some(refresh_token),
        scope: None,
    }))
}

async fn refresh_grant(state: &AppState, request: TokenRequest) -> Result<HttpResponse, ApiError> {
    let presented = tokens::secret_hash(&required(request.refresh_token, "refresh_token")?);
    let next_token = crate::random::token();
    let next_hash = tokens::secret_hash(&next_token);
    let expires_at = chrono::Utc::now() + state.tokens.refresh_ttl;
    let user = state
        .db(
            move |conn| match refresh_tokens::rotate(conn, &presented, &next_hash, expires_at)? {
                Rotation::Rotated { user_id } => Ok(Some(users::find_for_token(conn, user_id)?)),
                Rotation::Reused | Rotation::Unknown => Ok(None),
            },
        )
        .await?
        .filter(|user| user.active)
        .ok_or_else(|| {
            oauth(
                "invalid_grant",
                "The refresh token is not valid: expired, revoked or already used.",
            )
        })?;
    person_tokens(state, &user, next_token)
}

async fn client_credentials_grant(
    state: &AppState,
    request: TokenRequest,
    basic: Option<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (client_id, secret) = match basic {
        Some(credentials) => credentials,
        None => (
            required(request.client_id, "client_id")?,
            required(request.client_secret, "client_secret")?,
        ),
    };
    let refused = || {
        oauth(
            "invalid_client",
            "The client id or secret is wrong, or the account is deactivated.",
        )
    };
    // Client ids we issue are short and printable; anything else cannot be one of ours.
    if client_id.len() > 100 || client_id.chars().any(char::is_control) {
        return Err(refused());
    }
    let found = state
        .db(move |conn| Ok(service_accounts::find_for_token(conn, &client_id)?))
        .await?;
    let presented = tokens::secret_hash(&secret);
    let account = found
        .filter(|(account, stored)| account.active && bool::from(stored.ct_eq(&presented)))
        .map(|(account, _)| account)
        .ok_or_else(refused)?;
    let granted: Vec<ServiceScope> = match request
        .scope
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => account.scopes.clone(),
        Some(asked) => asked
            .split_whitespace()
            .map(|scope| {
                scope
                    .parse::<ServiceScope>()
                    .ok()
                    .filter(|scope| account.scopes.contains(scope))
                    .ok_or_else(|| {
                        oauth(
                            "invalid_scope",
                            format!("Scope {scope:?} is not granted to this client."),
                        )
                    })
            })
            .collect::<Result<_, _>>()?,
    };
    let scope = granted
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let account_id = account.id;
    state
        .db(move |conn| Ok(service_accounts::record_use(conn, account_id)?))
        .await?;
    let access_token = state
        .tokens
        .issue(
            account.id.into_uuid(),
            tokens::SERVICE_ROLE,
            Some(account.municipality_id.into_uuid()),
            Some(scope.clone()),
        )
        .map_err(ApiError::Internal)?;
    Ok(token_response(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: state.tokens.access_ttl.as_secs(),
        refresh_token: None,
        scope: Some(scope),
    }))
}

/// Revokes a refresh token and every token of its login session (logout). Answers 200 whether
/// or not the token was known (RFC 7009 §2.2). Access tokens are short-lived and expire by themselves.
#[utoipa::path(
    tag = "auth",
    request_body(
        content(
            (RevokeRequest = "application/x-www-form-urlencoded"),
            (RevokeRequest = "application/json"),
        )
    ),
    responses(
        (status = 200, description = "Revoked, or nothing to revoke."),
        (status = 429, description = "Too many requests from this address.", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
#[post("/revoke")]
pub async fn revoke_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    RawBody(body): RawBody,
) -> Result<HttpResponse, ApiError> {
    let request: RevokeRequest = read_body(&req, &body)?;
    if request.token.is_empty() {
        return Err(oauth("invalid_request", "The token parameter is required."));
    }
    let hash = tokens::secret_hash(&request.token);
    state
        .db(move |conn| Ok(refresh_tokens::revoke_by_hash(conn, &hash)?))
        .await?;
    Ok(HttpResponse::Ok().finish())
}

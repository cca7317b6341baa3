//! Extractors whose failures are problem+json with field paths: JSON bodies, query strings,
//! path ids and `If-Match`.

use crate::error::{ApiError, FieldError};
use actix_web::{
    FromRequest, HttpRequest,
    dev::Payload,
    http::header,
    web::{self, Bytes},
};
use futures_util::future::{LocalBoxFuture, Ready, ready};
use serde::de::DeserializeOwned;

/// A JSON request body (`application/json` or any `+json` type), read up to the configured
/// limit and parsed with the path of the first bad field.
#[derive(Debug)]
pub struct Json<T>(pub T);

/// Whether a Content-Type names JSON.
fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .is_some_and(|v| {
            v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
        })
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(req);
        let body = Bytes::from_request(req, payload);
        let limit = body_limit(req);
        Box::pin(async move {
            if !json {
                return Err(ApiError::UnsupportedMediaType(
                    "Send the body as application/json.".to_owned(),
                ));
            }
            let bytes = body.await.map_err(|e| payload_error(&e, limit))?;
            parse_json(&bytes).map(Json)
        })
    }
}

/// The configured body limit.
pub fn body_limit(req: &HttpRequest) -> usize {
    req.app_data::<BodyLimit>().map_or(65_536, |l| l.0)
}

/// The largest body accepted, shared with the payload configuration.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// Maps a failure to read the body.
pub fn payload_error(error: &actix_web::Error, limit: usize) -> ApiError {
    match error.as_error::<actix_web::error::PayloadError>() {
        Some(error) => crate::body::payload_error(error, limit),
        None if error.as_response_error().status_code()
            == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE =>
        {
            ApiError::PayloadTooLarge(limit)
        }
        None => ApiError::BadRequest {
            detail: "The request body could not be read.".to_owned(),
            errors: Vec::new(),
        },
    }
}

/// A request body as bytes (for endpoints that read more than JSON), read up to the configured
/// limit; failures are the same problem+json as everywhere.
#[derive(Debug)]
pub struct RawBody(pub Bytes);

impl FromRequest for RawBody {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = Bytes::from_request(req, payload);
        let limit = body_limit(req);
        Box::pin(async move {
            body.await
                .map(RawBody)
                .map_err(|e| payload_error(&e, limit))
        })
    }
}

/// Parses JSON, telling a syntax error (400) from a value of the wrong shape (422, with its path).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // First into a tree (serde_json's recursion limit stays on: deep nesting is refused, not a
    // stack overflow), so that text PostgreSQL cannot store is refused with its path.
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| ApiError::BadRequest {
            detail: format!("The body is not valid JSON: {e}."),
            errors: Vec::new(),
        })?;
    if let Some(path) = nul_path(&value, String::new()) {
        return Err(ApiError::Validation(vec![FieldError::new(
            path,
            "invalid_characters",
            "text must not contain NUL characters",
        )]));
    }
    serde_path_to_error::deserialize::<_, T>(value).map_err(|error| {
        let path = error.path().to_string();
        ApiError::Validation(vec![data_error(&path, &error.into_inner().to_string())])
    })
}

/// The path of the first string (or key) holding a NUL character.
fn nul_path(value: &serde_json::Value, path: String) -> Option<String> {
    match value {
        serde_json::Value::String(text) => text.contains('\0').then_some(path),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_path(item, format!("{path}[{i}]"))),
        serde_json::Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            let inner = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            if key.contains('\0') {
                Some(inner)
            } else {
                nul_path(item, inner)
            }
        }),
        _ => None,
    }
}

/// A field error from a serde message, with a stable code.
fn data_error(path: &str, message: &str) -> FieldError {
    // serde messages end with " at line L column C"; the position adds nothing for a field path.
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(message)
        .to_owned();
    let code = if message.starts_with("missing field") {
        "required"
    } else if message.starts_with("unknown field") {
        "unknown_field"
    } else if message.starts_with("invalid type") {
        "invalid_type"
    } else {
        "invalid_value"
    };
    let field = match (path, message.strip_prefix("missing field `")) {
        (".", Some(rest)) => rest.split('`').next().unwrap_or("").to_owned(),
        (".", None) if message.starts_with("unknown field `") => message
            .trim_start_matches("unknown field `")
            .split('`')
            .next()
            .unwrap_or("")
            .to_owned(),
        (path, Some(rest)) => format!("{path}.{}", rest.split('`').next().unwrap_or("")),
        (path, None) => path.to_owned(),
    };
    FieldError::new(
        if field == "." { String::new() } else { field },
        code,
        message,
    )
}

/// A query string parsed with the name of the bad parameter.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let pairs = url::form_urlencoded::parse(req.query_string().as_bytes());
        // Decoding replaces bytes that are not UTF-8 with U+FFFD; such a parameter was not
        // text, and is refused rather than silently changed.
        let bad = |text: &str| text.contains('\0') || text.contains('\u{FFFD}');
        if let Some((name, _)) = pairs.clone().find(|(name, value)| bad(name) || bad(value)) {
            return ready(Err(ApiError::BadRequest {
                detail: "A query parameter is not valid.".to_owned(),
                errors: vec![FieldError::new(
                    name.replace(['\0', '\u{FFFD}'], ""),
                    "invalid_characters",
                    "must be UTF-8 text without NUL characters",
                )],
            }));
        }
        let parsed = serde_path_to_error::deserialize(serde_urlencoded::Deserializer::new(pairs));
        ready(parsed.map(Query).map_err(|error| {
            let field = error.path().to_string();
            let message = error.into_inner().to_string();
            ApiError::BadRequest {
                detail: "A query parameter is not valid.".to_owned(),
                errors: vec![data_error(&field, &message)],
            }
        }))
    }
}

/// Documents the `If-Match` header of a conditional change in the OpenAPI document; the
/// handlers read it with [`IfMatch`].
#[derive(utoipa::IntoParams)]
#[into_params(names("If-Match"), parameter_in = Header)]
pub struct IfMatchHeader(
    /// The ETag last read, as sent (`"3"`); 412 if it has changed since. Compared strongly
    /// (RFC 9110 §13.1.1): a weak tag such as `W/"3"` never matches.
    #[expect(dead_code, reason = "exists to be documented, never constructed")]
    Option<String>,
);

/// The version an `If-Match` header asks for: `None` when absent or `*`.
#[derive(Debug, Clone, Copy)]
pub struct IfMatch(pub Option<i32>);

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_if_match(req.headers().get(header::IF_MATCH)).map(IfMatch))
    }
}

fn parse_if_match(value: Option<&header::HeaderValue>) -> Result<Option<i32>, ApiError> {
    let Some(value) = value else { return Ok(None) };
    let bad = |message: &str| ApiError::BadRequest {
        detail: "The If-Match header is not valid.".to_owned(),
        errors: vec![FieldError::new("If-Match", "invalid_header", message)],
    };
    let text = value.to_str().map_err(|_| bad("must be ASCII"))?.trim();
    if text == "*" {
        return Ok(None);
    }
    let tags: Vec<&str> = text
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    match tags.as_slice() {
        [tag] => Ok(Some(
            // A tag that is not one of ours, or a weak one, can never match: If-Match uses the
            // strong comparison (RFC 9110 §13.1.1), so the answer is 412.
            crate::etag::version_of(tag).unwrap_or(-1),
        )),
        [] => Err(bad("must be an entity tag such as \"3\"")),
        _ => Err(bad("give exactly one entity tag")),
    }
}

/// Builds the path-extractor configuration: a malformed id is a 400 naming the parameter.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|error, req| {
        let names: Vec<String> = req
            .match_info()
            .iter()
            .map(|(name, _)| name.to_owned())
            .collect();
        ApiError::BadRequest {
            detail: "A path parameter is not valid.".to_owned(),
            errors: vec![FieldError::new(
                names.join(","),
                "invalid_id",
                format!("must be a UUID ({error})"),
            )],
        }
        .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        settings: Option<Settings>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Settings {
        days: u16,
    }

    fn field_errors(json: &str) -> Vec<(String, String)> {
        match parse_json::<Body>(json.as_bytes()) {
            Err(ApiError::Validation(errors)) => {
                errors.into_iter().map(|e| (e.field, e.code)).collect()
            }
            other => vec![("unexpected".into(), format!("{other:?}"))],
        }
    }

    #[test]
    fn a_wrongly_typed_nested_field_is_named_by_its_path() {
        assert_eq!(
            field_errors(r#"{"name": "a", "settings": {"days": -1}}"#),
            [("settings.days".to_owned(), "invalid_value".to_owned())]
        );
    }

    #[test]
    fn missing_and_unknown_fields_are_named() {
        assert_eq!(
            field_errors("{}"),
            [("name".to_owned(), "required".to_owned())]
        );
        assert_eq!(
            field_errors(r#"{"name": "a", "nmae": "b"}"#),
            [("nmae".to_owned(), "unknown_field".to_owned())]
        );
    }

    #[test]
    fn malformed_and_deeply_nested_json_is_a_bad_request() {
        assert!(matches!(
            parse_json::<Body>(b"{\"name\": "),
            Err(ApiError::BadRequest { .. })
        ));
        let deep = "[".repeat(100_000);
        assert!(matches!(
            parse_json::<serde_json::Value>(deep.as_bytes()),
            Err(ApiError::BadRequest { .. })
        ));
    }

    #[test]
    fn nul_characters_are_refused_with_their_path() {
        let error = parse_json::<Body>(br#"{"name": "a\u0000b"}"#);
        assert!(
            matches!(&error, Err(ApiError::Validation(errors)) if errors[0].field == "name" && errors[0].code == "invalid_characters"),
            "{error:?}"
        );
        let nested = parse_json::<serde_json::Value>(br#"{"a": [1, {"b": "\u0000"}]}"#);
        assert!(
            matches!(&nested, Err(ApiError::Validation(errors)) if errors[0].field == "a[1].b"),
            "{nested:?}"
        );
    }

    #[test]
    fn if_match_reads_our_entity_tags() {
        let parse = |raw: &str| {
            parse_if_match(Some(
                &header::HeaderValue::from_str(raw).unwrap_or(header::HeaderValue::from_static("")),
            ))
            .ok()
            .flatten()
        };
        assert_eq!(parse("\"3\""), Some(3));
        assert_eq!(parse("W/\"3\""), Some(-1), "a weak tag never matches");
        assert_eq!(parse("*"), None);
        assert_eq!(parse("\"abc\""), Some(-1));
        assert!(parse_if_match(Some(&header::HeaderValue::from_static("\"1\", \"2\""))).is_err());
    }
}

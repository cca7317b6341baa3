//! Entity tags: a resource's ETag is its version, so `If-Match` guards against lost updates.

use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, http::header};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The ETag of a version: `"3"`.
pub fn of_version(version: i32) -> String {
    format!("\"{version}\"")
}

/// The version in a strong entity tag we issued, if it is one. A weak tag (`W/"3"`) is none:
/// `If-Match` compares strongly (RFC 9110 §13.1.1), so a weak tag never matches.
pub fn version_of(tag: &str) -> Option<i32> {
    tag.strip_prefix('"')?
        .strip_suffix('"')?
        .parse()
        .ok()
        .filter(|v| *v > 0)
}

/// A JSON response carrying the resource's ETag.
pub fn json_with_etag(
    mut builder: HttpResponseBuilder,
    version: i32,
    body: &impl Serialize,
) -> HttpResponse {
    builder
        .insert_header((header::ETAG, of_version(version)))
        .json(body)
}

/// A public JSON answer that caches may keep for `max_age` seconds, with a weak ETag of its
/// content: a request whose `If-None-Match` names it is answered 304 without the body.
pub fn cacheable_json(request: &HttpRequest, max_age: u32, body: &impl Serialize) -> HttpResponse {
    let bytes = match serde_json::to_vec(body) {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!(%error, "could not serialise a public answer");
            return HttpResponse::InternalServerError().finish();
        }
    };
    let digest = Sha256::digest(&bytes);
    let tag = format!(
        "W/\"{}\"",
        digest[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let cache = format!("public, max-age={max_age}");
    let seen = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|listed| {
            listed
                .split(',')
                .map(str::trim)
                .any(|t| t == "*" || t.trim_start_matches("W/") == tag.trim_start_matches("W/"))
        });
    let mut builder = if seen {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    builder
        .insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::VARY, "Accept-Encoding"));
    if seen {
        builder.finish()
    } else {
        builder.content_type("application/json").body(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_round_trip_through_strong_entity_tags_only() {
        assert_eq!(version_of(&of_version(7)), Some(7));
        assert_eq!(version_of("W/\"7\""), None);
        assert_eq!(version_of("7"), None);
        assert_eq!(version_of("\"-1\""), None);
    }
}

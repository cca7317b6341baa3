//! Entity tags: a resource's ETag is its version, so `If-Match` guards against lost updates.

use actix_web::{HttpResponse, HttpResponseBuilder, http::header};
use serde::Serialize;

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

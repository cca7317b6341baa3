//! Cursor pagination: `?limit=` (default 50, at most 200) and an opaque `?cursor=`.

use crate::error::{ApiError, FieldError};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use samspill_persistence::page::PageRequest;
use uuid::Uuid;

/// Page length when `limit` is not given.
pub const DEFAULT_LIMIT: u32 = 50;
/// Longest page.
pub const MAX_LIMIT: u32 = 200;

const CURSOR_PREFIX: &[u8] = b"c1:";

/// Encodes where the next page starts.
pub fn encode_cursor(after: Uuid) -> String {
    let mut raw = CURSOR_PREFIX.to_vec();
    raw.extend_from_slice(after.as_bytes());
    URL_SAFE_NO_PAD.encode(raw)
}

fn decode_cursor(cursor: &str) -> Option<Uuid> {
    let raw = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let id = raw.strip_prefix(CURSOR_PREFIX)?;
    Uuid::from_slice(id).ok()
}

fn invalid_cursor() -> ApiError {
    ApiError::BadRequest {
        detail: "A query parameter is not valid.".to_owned(),
        errors: vec![FieldError::new(
            "cursor",
            "invalid_cursor",
            "must be a next_cursor value returned by this list",
        )],
    }
}

/// Encodes a position in a list ordered by something other than id: `tag` names the list,
/// `key` is the position's bytes.
pub fn encode_key(tag: &[u8], key: &[u8]) -> String {
    let mut raw = tag.to_vec();
    raw.push(b':');
    raw.extend_from_slice(key);
    URL_SAFE_NO_PAD.encode(raw)
}

/// Decodes a cursor made by [`encode_key`] with the same `tag`; 400 naming `cursor` otherwise.
pub fn decode_key(tag: &[u8], cursor: &str) -> Result<Vec<u8>, ApiError> {
    let raw = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| invalid_cursor())?;
    raw.strip_prefix(tag)
        .and_then(|rest| rest.strip_prefix(b":"))
        .map(<[u8]>::to_vec)
        .ok_or_else(invalid_cursor)
}

/// Checks `limit` alone, for lists with their own cursors.
pub fn checked_limit(limit: Option<u32>) -> Result<i64, ApiError> {
    page_request(limit, None).map(|p| p.limit)
}

/// Checks `limit` and `cursor` from a query string.
pub fn page_request(limit: Option<u32>, cursor: Option<&str>) -> Result<PageRequest, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest {
            detail: "A query parameter is not valid.".to_owned(),
            errors: vec![FieldError::new(
                "limit",
                "out_of_range",
                format!("must be between 1 and {MAX_LIMIT}"),
            )],
        });
    }
    let after = cursor
        .map(|c| decode_cursor(c).ok_or_else(invalid_cursor))
        .transpose()?;
    Ok(PageRequest {
        after,
        limit: i64::from(limit),
    })
}

/// Declares a page response type `{items, next_cursor}` for one item type, named for the spec.
macro_rules! page_of {
    ($name:ident, $item:ty) => {
        #[doc = concat!("A page of `", stringify!($item), "` in id order.")]
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            /// The items of this page.
            pub items: Vec<$item>,
            /// Pass as `cursor` to get the next page; `null` on the last page.
            pub next_cursor: Option<String>,
        }

        impl $name {
            /// Converts a repository page.
            pub fn from_page<T>(page: samspill_persistence::Page<T>) -> Self
            where
                $item: From<T>,
            {
                Self {
                    items: page.items.into_iter().map(<$item>::from).collect(),
                    next_cursor: page.next_after.map($crate::pagination::encode_cursor),
                }
            }
        }
    };
}

pub(crate) use page_of;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let id = Uuid::now_v7();
        assert_eq!(
            page_request(None, Some(&encode_cursor(id)))
                .ok()
                .and_then(|p| p.after),
            Some(id)
        );
        assert!(page_request(None, Some("bm9wZQ")).is_err());
        assert!(page_request(None, Some("!!")).is_err());
    }

    #[test]
    fn keyed_cursors_belong_to_their_list() {
        let cursor = encode_key(b"f1", &[1, 2, 3]);
        assert_eq!(decode_key(b"f1", &cursor).ok(), Some(vec![1, 2, 3]));
        assert!(decode_key(b"w1", &cursor).is_err());
    }

    #[test]
    fn limits_are_bounded() {
        assert_eq!(page_request(None, None).ok().map(|p| p.limit), Some(50));
        assert!(page_request(Some(0), None).is_err());
        assert!(page_request(Some(201), None).is_err());
        assert_eq!(
            page_request(Some(200), None).ok().map(|p| p.limit),
            Some(200)
        );
    }
}

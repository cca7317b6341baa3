//! Keyset pagination: stable order by id, at most `limit` rows, and where to go on from.

use uuid::Uuid;

/// One page of rows in id order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// The id to continue after, when more rows follow.
    pub next_after: Option<Uuid>,
}

/// Where a page starts and how long it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Rows with ids greater than this one.
    pub after: Option<Uuid>,
    /// At most this many rows (1 to 200).
    pub limit: i64,
}

impl<T> Page<T> {
    /// Builds a page from rows fetched with `limit + 1`, so that a next page is known to exist.
    pub(crate) fn from_rows(mut rows: Vec<T>, limit: i64, id_of: impl Fn(&T) -> Uuid) -> Self {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let next_after = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(&id_of)
        } else {
            None
        };
        Self {
            items: rows,
            next_after,
        }
    }

    /// The same page with every item converted.
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_, _>>()?,
            next_after: self.next_after,
        })
    }
}

//! Stored answers of creating requests sent with an `Idempotency-Key`.
//!
//! The caller claims its key inside the transaction that then does the request's work, and the
//! answer is written into the claimed row before that transaction commits: the record and the
//! answer that announces it are kept together or not at all. A retry after a lost answer finds
//! the row; a retry after a rollback finds none and does the work again.

use crate::{error::RepoError, locks, schema::idempotency_keys::dsl as k};
use chrono::{DateTime, Utc};
use diesel::{prelude::*, sql_types::Text};

/// An answer kept for replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    /// The HTTP status.
    pub status: u16,
    /// `Content-Type`, if the answer had one.
    pub content_type: Option<String>,
    /// `Location`, if the answer had one.
    pub location: Option<String>,
    /// `ETag`, if the answer had one.
    pub etag: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is new (or its earlier use has expired): do the work, then [`store_answer`].
    Claimed,
    /// The same request was answered before: send this again.
    Replay(StoredAnswer),
    /// The key was used for a different request.
    Mismatch,
    /// A request with this key is being worked on right now.
    InProgress,
    /// The same request was answered before, but the record it created has since been erased
    /// and its answer with it.
    Forgotten,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = crate::schema::idempotency_keys, check_for_backend(diesel::pg::Pg))]
struct KeyRow {
    fingerprint: Vec<u8>,
    status: Option<i16>,
    content_type: Option<String>,
    location: Option<String>,
    etag: Option<String>,
    body: Option<Vec<u8>>,
    forgotten_at: Option<DateTime<Utc>>,
    expires_at: DateTime<Utc>,
}

/// Claims `key` for `caller` in the current transaction (call it inside one; the claim and the
/// lock on it last until that transaction ends). `fingerprint` identifies the request.
///
/// One statement takes the key's advisory lock (without waiting: a request holding it is still
/// running) and inserts the claim. A key found already stored was committed by a request that
/// has finished, as every claimer holds the lock until it commits.
pub fn claim(
    conn: &mut PgConnection,
    caller: &str,
    key: &str,
    fingerprint: &[u8],
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<Claim, RepoError> {
    #[derive(QueryableByName)]
    struct Claimed {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        locked: bool,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        inserted: bool,
    }
    let claimed: Claimed = diesel::sql_query(
        "WITH lock AS (SELECT pg_try_advisory_xact_lock($1, hashtext($2 || ' ' || $3)) AS got), \
              claim AS (INSERT INTO idempotency_keys (caller, key, fingerprint, created_at, expires_at) \
                        SELECT $2, $3, $4, $5, $6 FROM lock WHERE got \
                        ON CONFLICT (caller, key) DO NOTHING RETURNING 1) \
         SELECT (SELECT got FROM lock) AS locked, EXISTS (SELECT 1 FROM claim) AS inserted",
    )
    .bind::<diesel::sql_types::Integer, _>(locks::IDEMPOTENCY_KEY)
    .bind::<Text, _>(caller)
    .bind::<Text, _>(key)
    .bind::<diesel::sql_types::Bytea, _>(fingerprint)
    .bind::<diesel::sql_types::Timestamptz, _>(now)
    .bind::<diesel::sql_types::Timestamptz, _>(expires_at)
    .get_result(conn)?;
    match claimed {
        Claimed { locked: false, .. } => return Ok(Claim::InProgress),
        Claimed { inserted: true, .. } => return Ok(Claim::Claimed),
        Claimed { .. } => {}
    }
    let this_key = k::idempotency_keys.filter(k::caller.eq(caller).and(k::key.eq(key)));
    let row: KeyRow = this_key.select(KeyRow::as_select()).first(conn)?;
    if row.expires_at <= now {
        // An old use of the key: forget it and claim the key anew.
        diesel::delete(this_key).execute(conn)?;
        diesel::insert_into(k::idempotency_keys)
            .values((
                k::caller.eq(caller),
                k::key.eq(key),
                k::fingerprint.eq(fingerprint),
                k::created_at.eq(now),
                k::expires_at.eq(expires_at),
            ))
            .execute(conn)?;
        return Ok(Claim::Claimed);
    }
    if row.fingerprint != fingerprint {
        return Ok(Claim::Mismatch);
    }
    if row.forgotten_at.is_some() {
        return Ok(Claim::Forgotten);
    }
    Ok(match (row.status, row.body) {
        (Some(status), Some(body)) => Claim::Replay(StoredAnswer {
            status: u16::try_from(status).unwrap_or(500),
            content_type: row.content_type,
            location: row.location,
            etag: row.etag,
            body,
        }),
        // Rows commit with their answer; one without is not ours to replay.
        _ => Claim::InProgress,
    })
}

/// Writes the answer into the row [`claim`] made, in the same transaction.
pub fn store_answer(
    conn: &mut PgConnection,
    caller: &str,
    key: &str,
    answer: &StoredAnswer,
) -> Result<(), RepoError> {
    let updated =
        diesel::update(k::idempotency_keys.filter(k::caller.eq(caller).and(k::key.eq(key))))
            .set((
                k::status.eq(i16::try_from(answer.status).unwrap_or(500)),
                k::content_type.eq(answer.content_type.as_deref()),
                k::location.eq(answer.location.as_deref()),
                k::etag.eq(answer.etag.as_deref()),
                k::body.eq(&answer.body),
            ))
            .execute(conn)?;
    if updated == 1 {
        Ok(())
    } else {
        Err(RepoError::Internal(
            "the claimed idempotency key is gone".to_owned(),
        ))
    }
}

/// Deletes the answers that expired before `now`; returns how many.
pub fn purge_expired(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<usize, RepoError> {
    Ok(diesel::delete(k::idempotency_keys.filter(k::expires_at.le(now))).execute(conn)?)
}

/// Forgets every kept answer that mentions `text` (an id) in its body or location: erasure
/// leaves no copy of a person's data in kept answers. The keys stay, so that a retry of the
/// request that created the person is told it was erased instead of creating them again.
pub fn forget_mentions(conn: &mut PgConnection, text: &str) -> Result<usize, RepoError> {
    Ok(diesel::sql_query(
        "UPDATE idempotency_keys \
            SET forgotten_at = now(), status = NULL, content_type = NULL, location = NULL, \
                etag = NULL, body = NULL \
          WHERE forgotten_at IS NULL \
            AND (position(convert_to($1, 'UTF8') IN coalesce(body, ''::bytea)) > 0 \
                 OR position($1 IN coalesce(location, '')) > 0)",
    )
    .bind::<Text, _>(text)
    .execute(conn)?)
}

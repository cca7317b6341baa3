//! Advisory locks that serialise work between requests and between instances of the service.
//! Each lock is named by a class (what kind of work) and a text (which one), and lasts until
//! the transaction that took it ends.

use crate::error::RepoError;
use diesel::{
    prelude::*,
    sql_types::{Bool, Integer, Text},
};

/// Requests with the same `Idempotency-Key` of the same caller.
pub const IDEMPOTENCY_KEY: i32 = 0x6964; // "id"
/// One run of a scheduled job.
pub const SCHEDULED_JOB: i32 = 0x6a6f; // "jo"
/// One volunteer's or group's day of the hours log (the 24-hour rule).
pub const TIME_ENTRY_DAY: i32 = 0x7465; // "te"

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

/// Takes the lock (`class`, `name`) for the current transaction if nobody holds it; `false`
/// when someone does. Call it inside a transaction: outside one the lock ends at once.
pub fn try_lock(conn: &mut PgConnection, class: i32, name: &str) -> Result<bool, RepoError> {
    let lock: Locked =
        diesel::sql_query("SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS locked")
            .bind::<Integer, _>(class)
            .bind::<Text, _>(name)
            .get_result(conn)?;
    Ok(lock.locked)
}

/// Takes the lock (`class`, `name`) for the current transaction, waiting while someone else
/// holds it. Call it inside a transaction: outside one the lock ends at once.
pub fn lock(conn: &mut PgConnection, class: i32, name: &str) -> Result<(), RepoError> {
    diesel::sql_query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
        .bind::<Integer, _>(class)
        .bind::<Text, _>(name)
        .execute(conn)?;
    Ok(())
}

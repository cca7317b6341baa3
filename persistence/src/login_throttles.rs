//! Password-login attempts per login name, shared by every instance of the service.

use crate::{error::RepoError, schema::login_throttles::dsl as t};
use chrono::{DateTime, Utc};
use diesel::{prelude::*, upsert::excluded};
use samspill_domain::login_throttle::{Attempt, ThrottlePolicy, ThrottleState};

#[derive(Queryable, Selectable)]
#[diesel(table_name = crate::schema::login_throttles, check_for_backend(diesel::pg::Pg))]
struct ThrottleRow {
    attempts: i32,
    last_attempt_at: DateTime<Utc>,
    blocked_until: Option<DateTime<Utc>>,
}

/// Counts an attempt for `name_hash` at `now` under `policy`, before the password is checked.
/// Concurrent attempts for one name are decided one after the other (the row is locked), so a
/// burst of guesses gets no more free attempts than a sequence.
pub fn attempt(
    conn: &mut PgConnection,
    name_hash: &[u8],
    policy: &ThrottlePolicy,
    now: DateTime<Utc>,
) -> Result<Attempt, RepoError> {
    conn.transaction(|conn| {
        // One statement creates the row or locks the one there, and reads it: a row deleted
        // in between (a login succeeding, the purge) cannot make the read miss.
        let row: ThrottleRow = diesel::insert_into(t::login_throttles)
            .values((
                t::name_hash.eq(name_hash),
                t::attempts.eq(0),
                t::last_attempt_at.eq(now),
            ))
            .on_conflict(t::name_hash)
            .do_update()
            .set(t::name_hash.eq(excluded(t::name_hash)))
            .returning(ThrottleRow::as_returning())
            .get_result(conn)?;
        let before = (row.attempts > 0).then(|| ThrottleState {
            attempts: u32::try_from(row.attempts).unwrap_or(0),
            last_attempt_at: row.last_attempt_at,
            blocked_until: row.blocked_until,
        });
        let verdict = policy.attempt(before, now);
        if let Attempt::Allowed(state) = verdict {
            diesel::update(t::login_throttles.find(name_hash))
                .set((
                    t::attempts.eq(i32::try_from(state.attempts).unwrap_or(i32::MAX)),
                    t::last_attempt_at.eq(state.last_attempt_at),
                    t::blocked_until.eq(state.blocked_until),
                ))
                .execute(conn)?;
        }
        Ok(verdict)
    })
}

/// Forgets the attempts for `name_hash` (after a successful login).
pub fn forget(conn: &mut PgConnection, name_hash: &[u8]) -> Result<(), RepoError> {
    diesel::delete(t::login_throttles.find(name_hash)).execute(conn)?;
    Ok(())
}

/// Deletes what is known about names whose last attempt was before `before` and that are not
/// waiting; returns how many.
pub fn purge_stale(conn: &mut PgConnection, before: DateTime<Utc>) -> Result<usize, RepoError> {
    Ok(diesel::delete(
        t::login_throttles.filter(
            t::last_attempt_at
                .lt(before)
                .and(t::blocked_until.is_null().or(t::blocked_until.lt(before))),
        ),
    )
    .execute(conn)?)
}

//! Rotating refresh tokens, stored only as SHA-256 hashes and grouped in families (one per login).

use crate::{error::RepoError, schema::refresh_tokens::dsl as r};
use chrono::{DateTime, Utc};
use diesel::{dsl::now, prelude::*};
use samspill_domain::ids::StaffUserId;
use uuid::Uuid;

/// What presenting a refresh token led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// The token was current: it is now used, and `next` is stored in its place.
    Rotated {
        /// The account the family belongs to.
        user_id: StaffUserId,
    },
    /// The token had been used or revoked before: its whole family is now revoked.
    Reused,
    /// No such token, or it has expired.
    Unknown,
}

/// Stores the first token of a new family (a login).
pub fn insert_new_family(
    conn: &mut PgConnection,
    user: StaffUserId,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> Result<(), RepoError> {
    insert(conn, user, Uuid::now_v7(), token_hash, expires_at)
}

fn insert(
    conn: &mut PgConnection,
    user: StaffUserId,
    family: Uuid,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> Result<(), RepoError> {
    diesel::insert_into(r::refresh_tokens)
        .values((
            r::id.eq(Uuid::now_v7()),
            r::token_hash.eq(token_hash),
            r::family_id.eq(family),
            r::user_id.eq(user.into_uuid()),
            r::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Uses a presented token: marks it used and stores `next_hash` in the same family, all or nothing.
/// Two requests presenting the same token at once: one rotates, the other sees reuse.
///
/// Locks are taken in one order everywhere: the account row (shared, so account changes and
/// rotations serialise), then the family (advisory, so a logout and a rotation serialise), then
/// the token. A deactivation or password change therefore revokes every token a rotation stored,
/// and a logout revokes the token a concurrent rotation stored.
pub fn rotate(
    conn: &mut PgConnection,
    presented_hash: &[u8],
    next_hash: &[u8],
    next_expires_at: DateTime<Utc>,
) -> Result<Rotation, RepoError> {
    conn.transaction(|conn| {
        let Some((user, family, live)): Option<(Uuid, Uuid, bool)> = r::refresh_tokens
            .filter(r::token_hash.eq(presented_hash))
            .select((r::user_id, r::family_id, r::expires_at.gt(now)))
            .first(conn)
            .optional()?
        else {
            return Ok(Rotation::Unknown);
        };
        if !live {
            return Ok(Rotation::Unknown);
        }
        crate::schema::staff_users::table
            .find(user)
            .select(crate::schema::staff_users::id)
            .for_share()
            .first::<Uuid>(conn)?;
        lock_family(conn, family)?;
        let claimed = diesel::update(
            r::refresh_tokens.filter(
                r::token_hash
                    .eq(presented_hash)
                    .and(r::used_at.is_null())
                    .and(r::revoked_at.is_null()),
            ),
        )
        .set(r::used_at.eq(now))
        .execute(conn)?;
        if claimed == 1 {
            insert(conn, user.into(), family, next_hash, next_expires_at)?;
            return Ok(Rotation::Rotated {
                user_id: user.into(),
            });
        }
        revoke_family(conn, family)?;
        Ok(Rotation::Reused)
    })
}

/// Serialises the writers of one token family until the transaction ends.
fn lock_family(conn: &mut PgConnection, family: Uuid) -> Result<(), RepoError> {
    let bytes = family.as_bytes();
    let mut key = [0u8; 8];
    key.copy_from_slice(&bytes[8..16]);
    diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
        .bind::<diesel::sql_types::BigInt, _>(i64::from_be_bytes(key))
        .execute(conn)?;
    Ok(())
}

fn revoke_family(conn: &mut PgConnection, family: Uuid) -> Result<(), RepoError> {
    diesel::update(r::refresh_tokens.filter(r::family_id.eq(family).and(r::revoked_at.is_null())))
        .set(r::revoked_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// Revokes the family of a presented token (logout). Unknown tokens are ignored (RFC 7009).
/// Returns whether a family was found.
pub fn revoke_by_hash(conn: &mut PgConnection, token_hash: &[u8]) -> Result<bool, RepoError> {
    conn.transaction(|conn| {
        let family: Option<Uuid> = r::refresh_tokens
            .filter(r::token_hash.eq(token_hash))
            .select(r::family_id)
            .first(conn)
            .optional()?;
        match family {
            Some(family) => {
                lock_family(conn, family)?;
                revoke_family(conn, family).map(|()| true)
            }
            None => Ok(false),
        }
    })
}

/// Revokes every session of an account (deactivated, or given a new password).
pub fn revoke_for_user(conn: &mut PgConnection, user: StaffUserId) -> Result<(), RepoError> {
    diesel::update(
        r::refresh_tokens.filter(r::user_id.eq(user.into_uuid()).and(r::revoked_at.is_null())),
    )
    .set(r::revoked_at.eq(now))
    .execute(conn)?;
    Ok(())
}

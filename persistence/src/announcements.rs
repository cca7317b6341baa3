//! What other systems were last told of each volunteer's clearance, and how far each
//! municipality's status feed has been read for it, so that `volunteer.clearance_changed` is
//! told exactly when the answer differs from the last one told.

use crate::{
    error::RepoError,
    schema::{
        clearance_announcements::{self, dsl as c},
        clearance_watch::{self, dsl as w},
        municipalities::dsl as m,
    },
};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::{pg::upsert::excluded, prelude::*};
use samspill_domain::ids::{MunicipalityId, VolunteerId};
use std::collections::HashMap;
use uuid::Uuid;

/// Every municipality, in id order.
pub fn municipalities(conn: &mut PgConnection) -> Result<Vec<MunicipalityId>, RepoError> {
    Ok(m::municipalities
        .order(m::id.asc())
        .select(m::id)
        .load::<Uuid>(conn)?
        .into_iter()
        .map(MunicipalityId::from)
        .collect())
}

/// Where reading `municipality`'s feed goes on from: (changed at, id), if it was read before.
pub fn position(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
) -> Result<Option<(DateTime<Utc>, Uuid)>, RepoError> {
    Ok(w::clearance_watch
        .filter(w::municipality_id.eq(municipality.into_uuid()))
        .select((w::read_at, w::read_id))
        .first(conn)
        .optional()?)
}

/// Remembers where reading `municipality`'s feed goes on from.
pub fn set_position(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    (at, id): (DateTime<Utc>, Uuid),
) -> Result<(), RepoError> {
    diesel::insert_into(clearance_watch::table)
        .values((
            w::municipality_id.eq(municipality.into_uuid()),
            w::read_at.eq(at),
            w::read_id.eq(id),
        ))
        .on_conflict(w::municipality_id)
        .do_update()
        .set((w::read_at.eq(at), w::read_id.eq(id)))
        .execute(conn)?;
    Ok(())
}

/// What was last told of each of `volunteers` (those told of before).
pub fn told(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    volunteers: &[Uuid],
) -> Result<HashMap<Uuid, serde_json::Value>, RepoError> {
    Ok(c::clearance_announcements
        .filter(c::municipality_id.eq(municipality.into_uuid()))
        .filter(c::volunteer_id.eq_any(volunteers))
        .select((c::volunteer_id, c::cleared_for))
        .load::<(Uuid, serde_json::Value)>(conn)?
        .into_iter()
        .collect())
}

/// Remembers the answers now known: (volunteer, cleared for, changes on).
pub fn remember(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    answers: &[(VolunteerId, serde_json::Value, Option<NaiveDate>)],
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    if answers.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = answers
        .iter()
        .map(|(volunteer, cleared_for, changes_on)| {
            (
                c::municipality_id.eq(municipality.into_uuid()),
                c::volunteer_id.eq(volunteer.into_uuid()),
                c::cleared_for.eq(cleared_for),
                c::changes_on.eq(changes_on),
                c::announced_at.eq(now),
            )
        })
        .collect();
    diesel::insert_into(clearance_announcements::table)
        .values(rows)
        .on_conflict((c::municipality_id, c::volunteer_id))
        .do_update()
        .set((
            c::cleared_for.eq(excluded(c::cleared_for)),
            c::changes_on.eq(excluded(c::changes_on)),
            c::announced_at.eq(excluded(c::announced_at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Up to `limit` volunteers of `municipality` whose last told answer changes by date alone on
/// or before `today`.
pub fn due_by_date(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    today: NaiveDate,
    limit: i64,
) -> Result<Vec<Uuid>, RepoError> {
    Ok(c::clearance_announcements
        .filter(c::municipality_id.eq(municipality.into_uuid()))
        .filter(c::changes_on.le(today))
        .order(c::changes_on.asc())
        .limit(limit)
        .select(c::volunteer_id)
        .load(conn)?)
}

//! The volunteer status feed: volunteers of a municipality in the order their clearance facts
//! last changed, erased ones included so that consumers learn to forget them.

use crate::{
    clearance::FactSubject,
    error::{RepoError, corrupt},
    schema::volunteers::dsl as v,
};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use samspill_domain::{ids::MunicipalityId, volunteer::VolunteerStatus};
use uuid::Uuid;

/// One volunteer as the feed reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRow {
    /// Who, and what clearance needs to know of them.
    pub subject: FactSubject,
    /// The id a municipal system knows the volunteer by.
    pub external_reference: Option<String>,
    /// Whether the volunteer's personal data was erased.
    pub erased: bool,
    /// When anything deciding the volunteer's clearance last changed.
    pub changed_at: DateTime<Utc>,
}

/// Where a feed page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedStart {
    /// From the beginning, or from changes at or after this moment.
    Since(Option<DateTime<Utc>>),
    /// After this (changed at, id) position of an earlier page.
    After(DateTime<Utc>, Uuid),
}

/// At most `limit` volunteers of `municipality` in (changed at, id) order from `start`, and
/// whether more follow.
pub fn page(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    start: FeedStart,
    limit: i64,
) -> Result<(Vec<FeedRow>, bool), RepoError> {
    let mut query = v::volunteers
        .into_boxed()
        .filter(v::municipality_id.eq(municipality.into_uuid()));
    match start {
        FeedStart::Since(Some(since)) => query = query.filter(v::status_changed_at.ge(since)),
        FeedStart::Since(None) => {}
        FeedStart::After(at, id) => {
            query = query.filter(
                v::status_changed_at
                    .gt(at)
                    .or(v::status_changed_at.eq(at).and(v::id.gt(id))),
            );
        }
    }
    type Row = (
        Uuid,
        String,
        Option<Uuid>,
        Option<String>,
        Option<DateTime<Utc>>,
        DateTime<Utc>,
    );
    let rows: Vec<Row> = query
        .order((v::status_changed_at.asc(), v::id.asc()))
        .limit(limit + 1)
        .select((
            v::id,
            v::status,
            v::contact_person_id,
            v::external_reference,
            v::erased_at,
            v::status_changed_at,
        ))
        .load(conn)?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    let rows = rows
        .into_iter()
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(
            |(id, status, contact, external_reference, erased_at, changed_at)| {
                let status: VolunteerStatus =
                    status.parse().map_err(|e| corrupt("volunteer status", e))?;
                Ok(FeedRow {
                    subject: FactSubject {
                        id: id.into(),
                        status,
                        has_contact_person: contact.is_some(),
                    },
                    external_reference,
                    erased: erased_at.is_some(),
                    changed_at,
                })
            },
        )
        .collect::<Result<_, RepoError>>()?;
    Ok((rows, more))
}

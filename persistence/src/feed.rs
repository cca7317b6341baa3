//! The status feed: a municipality's volunteers and groups in the order their clearance facts
//! last changed, erased volunteers included so that consumers learn to forget them.

use crate::{
    clearance::FactSubject,
    error::{RepoError, corrupt},
};
use chrono::{DateTime, Utc};
use diesel::{prelude::*, sql_types::Bool};
use samspill_domain::{clearance::SubjectKind, ids::MunicipalityId, volunteer::VolunteerStatus};
use uuid::Uuid;

/// One volunteer or group as the feed reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRow {
    /// A volunteer or a group.
    pub kind: SubjectKind,
    /// Its id, and what clearance needs to know of it.
    pub subject: FactSubject,
    /// The id a municipal system knows it by.
    pub external_reference: Option<String>,
    /// Whether the volunteer's personal data was erased.
    pub erased: bool,
    /// When anything deciding its clearance last changed.
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

/// One table's part of a page: rows of `municipality` in (changed at, id) order from
/// `start`, at most `limit`. Each table is read through its (municipality,
/// status_changed_at, id) index; the two parts are merged in memory, so a page costs two
/// short index scans however large the municipality is.
macro_rules! part {
    ($conn:expr, $table:ident, $municipality:expr, $start:expr, $limit:expr, $select:expr) => {{
        use crate::schema::$table::dsl as t;
        let mut query = t::$table
            .into_boxed()
            .filter(t::municipality_id.eq($municipality.into_uuid()));
        match $start {
            FeedStart::Since(Some(since)) => query = query.filter(t::status_changed_at.ge(since)),
            FeedStart::Since(None) => {}
            FeedStart::After(at, id) => {
                query = query.filter(
                    t::status_changed_at
                        .gt(at)
                        .or(t::status_changed_at.eq(at).and(t::id.gt(id))),
                );
            }
        }
        query
            .order((t::status_changed_at.asc(), t::id.asc()))
            .limit($limit)
            .select($select)
            .load::<Row>($conn)?
    }};
}

type Row = (Uuid, String, bool, Option<String>, bool, DateTime<Utc>);

/// At most `limit` records of `municipality` in (changed at, id) order from `start`, and
/// whether more follow.
pub fn page(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    start: FeedStart,
    limit: i64,
) -> Result<(Vec<FeedRow>, bool), RepoError> {
    use crate::schema::{groups::dsl as g, volunteers::dsl as v};
    let volunteers = part!(
        conn,
        volunteers,
        municipality,
        start,
        limit + 1,
        (
            v::id,
            v::status,
            v::contact_person_id.is_not_null(),
            v::external_reference,
            v::erased_at.is_not_null(),
            v::status_changed_at,
        )
    );
    let groups = part!(
        conn,
        groups,
        municipality,
        start,
        limit + 1,
        (
            g::id,
            g::status,
            true.into_sql::<Bool>(),
            g::external_reference,
            false.into_sql::<Bool>(),
            g::status_changed_at,
        )
    );
    let mut rows: Vec<(SubjectKind, Row)> = volunteers
        .into_iter()
        .map(|row| (SubjectKind::Volunteer, row))
        .chain(groups.into_iter().map(|row| (SubjectKind::Group, row)))
        .collect();
    rows.sort_by_key(|(_, row)| (row.5, row.0));
    let wanted = usize::try_from(limit).unwrap_or(usize::MAX);
    let more = rows.len() > wanted;
    let rows = rows
        .into_iter()
        .take(wanted)
        .map(
            |(kind, (id, status, has_contact, external_reference, erased, changed_at))| {
                let status: VolunteerStatus =
                    status.parse().map_err(|e| corrupt("feed status", e))?;
                Ok(FeedRow {
                    kind,
                    subject: FactSubject {
                        id: id.into(),
                        status,
                        has_contact_person: has_contact,
                    },
                    external_reference,
                    erased,
                    changed_at,
                })
            },
        )
        .collect::<Result<_, RepoError>>()?;
    Ok((rows, more))
}

fn volunteer_rows(rows: Vec<Row>) -> Result<Vec<FeedRow>, RepoError> {
    rows.into_iter()
        .map(
            |(id, status, has_contact, external_reference, erased, changed_at)| {
                Ok(FeedRow {
                    kind: SubjectKind::Volunteer,
                    subject: FactSubject {
                        id: id.into(),
                        status: status.parse().map_err(|e| corrupt("feed status", e))?,
                        has_contact_person: has_contact,
                    },
                    external_reference,
                    erased,
                    changed_at,
                })
            },
        )
        .collect()
}

/// The feed's volunteers alone (no groups): at most `limit` of `municipality` in (changed at,
/// id) order from `start`, and whether more follow.
pub fn volunteers_page(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    start: FeedStart,
    limit: i64,
) -> Result<(Vec<FeedRow>, bool), RepoError> {
    use crate::schema::volunteers::dsl as v;
    let mut rows = part!(
        conn,
        volunteers,
        municipality,
        start,
        limit + 1,
        (
            v::id,
            v::status,
            v::contact_person_id.is_not_null(),
            v::external_reference,
            v::erased_at.is_not_null(),
            v::status_changed_at,
        )
    );
    let wanted = usize::try_from(limit).unwrap_or(usize::MAX);
    let more = rows.len() > wanted;
    rows.truncate(wanted);
    Ok((volunteer_rows(rows)?, more))
}

/// The feed's records of the volunteers `ids` of `municipality`.
pub fn volunteers_by_id(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    ids: &[Uuid],
) -> Result<Vec<FeedRow>, RepoError> {
    use crate::schema::volunteers::dsl as v;
    let rows = v::volunteers
        .filter(v::municipality_id.eq(municipality.into_uuid()))
        .filter(v::id.eq_any(ids))
        .select((
            v::id,
            v::status,
            v::contact_person_id.is_not_null(),
            v::external_reference,
            v::erased_at.is_not_null(),
            v::status_changed_at,
        ))
        .load::<Row>(conn)?;
    volunteer_rows(rows)
}

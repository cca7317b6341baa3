//! The status feed: a municipality's volunteers and groups in the order their clearance facts
//! last changed, erased volunteers included so that consumers learn to forget them.

use crate::{
    clearance::FactSubject,
    error::{RepoError, corrupt},
};
use chrono::{DateTime, Utc};
use diesel::{
    prelude::*,
    sql_types::{BigInt, Bool, Nullable, Text, Timestamptz, Uuid as SqlUuid},
};
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

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Bool)]
    has_contact: bool,
    #[diesel(sql_type = Nullable<Text>)]
    external_reference: Option<String>,
    #[diesel(sql_type = Bool)]
    erased: bool,
    #[diesel(sql_type = Timestamptz)]
    changed_at: DateTime<Utc>,
}

/// Both tables, each read through its (municipality, status_changed_at, id) index; PostgreSQL
/// merges the two ordered scans.
const FEED: &str =
    "SELECT kind, id, status, has_contact, external_reference, erased, changed_at FROM (
    SELECT 'volunteer' AS kind, id, status, contact_person_id IS NOT NULL AS has_contact,
           external_reference, erased_at IS NOT NULL AS erased, status_changed_at AS changed_at
      FROM volunteers WHERE municipality_id = $1
    UNION ALL
    SELECT 'group', id, status, true, external_reference, false, status_changed_at
      FROM groups WHERE municipality_id = $1
) feed";

/// At most `limit` records of `municipality` in (changed at, id) order from `start`, and
/// whether more follow.
pub fn page(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    start: FeedStart,
    limit: i64,
) -> Result<(Vec<FeedRow>, bool), RepoError> {
    let order = "ORDER BY changed_at, id LIMIT";
    let rows: Vec<Row> = match start {
        FeedStart::Since(None) => diesel::sql_query(format!("{FEED} {order} $2"))
            .bind::<SqlUuid, _>(municipality.into_uuid())
            .bind::<BigInt, _>(limit + 1)
            .load(conn)?,
        FeedStart::Since(Some(since)) => {
            diesel::sql_query(format!("{FEED} WHERE changed_at >= $2 {order} $3"))
                .bind::<SqlUuid, _>(municipality.into_uuid())
                .bind::<Timestamptz, _>(since)
                .bind::<BigInt, _>(limit + 1)
                .load(conn)?
        }
        FeedStart::After(at, id) => diesel::sql_query(format!(
            "{FEED} WHERE (changed_at, id) > ($2, $3) {order} $4"
        ))
        .bind::<SqlUuid, _>(municipality.into_uuid())
        .bind::<Timestamptz, _>(at)
        .bind::<SqlUuid, _>(id)
        .bind::<BigInt, _>(limit + 1)
        .load(conn)?,
    };
    let wanted = usize::try_from(limit).unwrap_or(usize::MAX);
    let more = rows.len() > wanted;
    let rows = rows
        .into_iter()
        .take(wanted)
        .map(|row| {
            let status: VolunteerStatus =
                row.status.parse().map_err(|e| corrupt("feed status", e))?;
            Ok(FeedRow {
                kind: row.kind.parse().map_err(|e| corrupt("feed kind", e))?,
                subject: FactSubject {
                    id: row.id.into(),
                    status,
                    has_contact_person: row.has_contact,
                },
                external_reference: row.external_reference,
                erased: row.erased,
                changed_at: row.changed_at,
            })
        })
        .collect::<Result<_, RepoError>>()?;
    Ok((rows, more))
}

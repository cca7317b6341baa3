//! Retention: the municipality's periods per category, the extensions coordinators grant, the
//! volunteers whose period runs out, and the rows in bulk (hours, contact-log notes) past it.
//! When something falls due is the domain's rule ([`RetentionPolicy::due_on`]); the queries
//! here only narrow the candidates to those that may be due.

use crate::{
    error::{RepoError, corrupt},
    schema::{retention_extensions::dsl as e, retention_policies::dsl as p},
    versioned::check_version,
};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::{
    pg::Pg,
    prelude::*,
    sql_types::{Array, Date, Integer, Nullable, Text, Uuid as SqlUuid},
};
use samspill_domain::{
    ids::{MunicipalityId, StaffUserId, VolunteerId},
    retention::{RetentionAction, RetentionCategory, RetentionPolicy},
};
use uuid::Uuid;

/// A municipality's policy for one category, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPolicy {
    /// The policy.
    pub policy: RetentionPolicy,
    /// Who set it last.
    pub updated_by: Uuid,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// When it was set last.
    pub updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = crate::schema::retention_policies, check_for_backend(Pg))]
struct PolicyRow {
    category: String,
    months: i16,
    action: String,
    warn_days: i16,
    updated_by: Uuid,
    version: i32,
    updated_at: DateTime<Utc>,
}

impl TryFrom<PolicyRow> for StoredPolicy {
    type Error = RepoError;

    fn try_from(row: PolicyRow) -> Result<Self, RepoError> {
        Ok(StoredPolicy {
            policy: RetentionPolicy {
                category: row
                    .category
                    .parse()
                    .map_err(|e| corrupt("retention category", e))?,
                months: u16::try_from(row.months).map_err(|e| corrupt("retention months", e))?,
                action: row
                    .action
                    .parse()
                    .map_err(|e| corrupt("retention action", e))?,
                warn_days: u16::try_from(row.warn_days)
                    .map_err(|e| corrupt("retention warn days", e))?,
            },
            updated_by: row.updated_by,
            version: row.version,
            updated_at: row.updated_at,
        })
    }
}

/// The municipality's policies, in category order.
pub fn policies(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
) -> Result<Vec<StoredPolicy>, RepoError> {
    p::retention_policies
        .filter(p::municipality_id.eq(municipality.into_uuid()))
        .order(p::category.asc())
        .select(PolicyRow::as_select())
        .load::<PolicyRow>(conn)?
        .into_iter()
        .map(StoredPolicy::try_from)
        .collect()
}

/// Sets the policy of its category. A policy already set is replaced only at
/// `expected_version` (an `If-Match`); a new one is made only without one.
pub fn put_policy(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    policy: RetentionPolicy,
    expected_version: Option<i32>,
    by: StaffUserId,
) -> Result<StoredPolicy, RepoError> {
    conn.transaction(|conn| {
        let current: Option<i32> = p::retention_policies
            .filter(p::municipality_id.eq(municipality.into_uuid()))
            .filter(p::category.eq(policy.category.as_str()))
            .select(p::version)
            .for_update()
            .first(conn)
            .optional()?;
        let months = i16::try_from(policy.months).map_err(|e| corrupt("retention months", e))?;
        let warn = i16::try_from(policy.warn_days).map_err(|e| corrupt("retention warn", e))?;
        let row = match current {
            Some(version) => {
                check_version(version, expected_version)?;
                diesel::update(
                    p::retention_policies
                        .filter(p::municipality_id.eq(municipality.into_uuid()))
                        .filter(p::category.eq(policy.category.as_str())),
                )
                .set((
                    p::months.eq(months),
                    p::action.eq(policy.action.as_str()),
                    p::warn_days.eq(warn),
                    p::updated_by.eq(by.into_uuid()),
                    p::version.eq(p::version + 1),
                ))
                .returning(PolicyRow::as_returning())
                .get_result(conn)?
            }
            None => {
                if expected_version.is_some() {
                    return Err(RepoError::VersionMismatch { current: 0 });
                }
                diesel::insert_into(p::retention_policies)
                    .values((
                        p::municipality_id.eq(municipality.into_uuid()),
                        p::category.eq(policy.category.as_str()),
                        p::months.eq(months),
                        p::action.eq(policy.action.as_str()),
                        p::warn_days.eq(warn),
                        p::updated_by.eq(by.into_uuid()),
                    ))
                    .returning(PolicyRow::as_returning())
                    .get_result(conn)?
            }
        };
        row.try_into()
    })
}

/// Removes the policy of `category` at `expected_version`: its data is then kept until erased.
pub fn remove_policy(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    category: RetentionCategory,
    expected_version: Option<i32>,
) -> Result<(), RepoError> {
    conn.transaction(|conn| {
        let version: i32 = p::retention_policies
            .filter(p::municipality_id.eq(municipality.into_uuid()))
            .filter(p::category.eq(category.as_str()))
            .select(p::version)
            .for_update()
            .first(conn)
            .optional()?
            .ok_or(RepoError::NotFound)?;
        check_version(version, expected_version)?;
        diesel::delete(
            p::retention_policies
                .filter(p::municipality_id.eq(municipality.into_uuid()))
                .filter(p::category.eq(category.as_str())),
        )
        .execute(conn)?;
        Ok(())
    })
}

/// An extension of a volunteer's retention, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = crate::schema::retention_extensions, check_for_backend(Pg))]
pub struct Extension {
    /// Its id.
    pub id: Uuid,
    /// The volunteer.
    pub volunteer_id: Uuid,
    /// Kept until this day (inclusive).
    pub until: NaiveDate,
    /// Why.
    pub reason: String,
    /// Who decided it.
    pub extended_by: Uuid,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Records an extension of a volunteer's retention (found and checked by the caller).
pub fn extend(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    volunteer: VolunteerId,
    until: NaiveDate,
    reason: &str,
    by: StaffUserId,
) -> Result<Extension, RepoError> {
    lock_volunteer(conn, municipality, volunteer)?;
    Ok(diesel::insert_into(e::retention_extensions)
        .values((
            e::municipality_id.eq(municipality.into_uuid()),
            e::id.eq(Uuid::now_v7()),
            e::volunteer_id.eq(volunteer.into_uuid()),
            e::until.eq(until),
            e::reason.eq(reason),
            e::extended_by.eq(by.into_uuid()),
        ))
        .returning(Extension::as_returning())
        .get_result(conn)?)
}

/// Records that the schedule noticed on `today` that `candidate` is due (replacing a notice of
/// another day or category).
pub fn notice(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    candidate: &Candidate,
    today: NaiveDate,
) -> Result<(), RepoError> {
    use crate::schema::retention_notices::dsl as n;
    let values = (
        n::municipality_id.eq(municipality.into_uuid()),
        n::volunteer_id.eq(candidate.volunteer_id.into_uuid()),
        n::category.eq(candidate.policy.category.as_str()),
        n::due_on.eq(candidate.due_on()),
        n::warned_on.eq(today),
    );
    diesel::insert_into(n::retention_notices)
        .values(values)
        .on_conflict((n::municipality_id, n::volunteer_id))
        .do_update()
        .set((
            n::category.eq(candidate.policy.category.as_str()),
            n::due_on.eq(candidate.due_on()),
            n::warned_on.eq(today),
        ))
        .execute(conn)?;
    Ok(())
}

/// Forgets the notice about a volunteer (acted on).
pub fn forget_notice(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    volunteer: VolunteerId,
) -> Result<(), RepoError> {
    use crate::schema::retention_notices::dsl as n;
    diesel::delete(
        n::retention_notices
            .filter(n::municipality_id.eq(municipality.into_uuid()))
            .filter(n::volunteer_id.eq(volunteer.into_uuid())),
    )
    .execute(conn)?;
    Ok(())
}

/// A volunteer's extensions, oldest first.
pub fn extensions_of(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    volunteer: VolunteerId,
) -> Result<Vec<Extension>, RepoError> {
    Ok(e::retention_extensions
        .filter(e::municipality_id.eq(municipality.into_uuid()))
        .filter(e::volunteer_id.eq(volunteer.into_uuid()))
        .order(e::id.asc())
        .select(Extension::as_select())
        .load(conn)?)
}

/// A volunteer whose retention period may run out by the day asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The volunteer.
    pub volunteer_id: VolunteerId,
    /// Their name (`erased` once erased).
    pub name: String,
    /// The policy that applies to them.
    pub policy: RetentionPolicy,
    /// The day the period counts from.
    pub since: NaiveDate,
    /// The last day of the latest extension, if any.
    pub extended_until: Option<NaiveDate>,
    /// Whether the record was erased already.
    pub erased: bool,
    /// The schedule's notice, if any: its category, the day it was for and when it was given.
    pub notice: Option<(RetentionCategory, NaiveDate, NaiveDate)>,
}

impl Candidate {
    /// The day their period runs out (after any extension).
    pub fn due_on(&self) -> NaiveDate {
        self.policy.due_on(self.since, self.extended_until)
    }

    /// When the schedule noticed the day they are due now; `None` when it has not (or noticed
    /// another day or category, which counts for nothing).
    pub fn warned_on(&self) -> Option<NaiveDate> {
        self.notice
            .filter(|(category, due_on, _)| {
                *category == self.policy.category && *due_on == self.due_on()
            })
            .map(|(_, _, warned_on)| warned_on)
    }

    /// The day the job acts on them, as things stand on `today`.
    pub fn acts_on(&self, today: NaiveDate) -> NaiveDate {
        self.policy.acts_on(self.due_on(), self.warned_on(), today)
    }
}

#[derive(QueryableByName)]
struct CandidateRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    category: String,
    #[diesel(sql_type = Integer)]
    months: i32,
    #[diesel(sql_type = Text)]
    action: String,
    #[diesel(sql_type = Integer)]
    warn_days: i32,
    #[diesel(sql_type = Date)]
    since: NaiveDate,
    #[diesel(sql_type = Nullable<Date>)]
    extended_until: Option<NaiveDate>,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    erased: bool,
    #[diesel(sql_type = Nullable<Text>)]
    notice_category: Option<String>,
    #[diesel(sql_type = Nullable<Date>)]
    notice_due_on: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    warned_on: Option<NaiveDate>,
}

/// The category each volunteer status falls under, and the day it counts from: the day they
/// ended or were rejected, or the last day anything happened with them (a status change, hours
/// logged, a visit, a placement of theirs or of a group of theirs ending) while no such
/// placement goes on.
const CANDIDATES_SQL: &str = "
WITH cand AS (
    SELECT v.id, v.given_name || ' ' || v.family_name AS name, v.erased_at IS NOT NULL AS erased,
           p.category, p.months::int AS months, p.action, p.warn_days::int AS warn_days,
           CASE WHEN p.category = 'inactive_volunteers' THEN greatest(
                    (coalesce(sc.last_change, v.created_at) AT TIME ZONE $2)::date,
                    (SELECT max(t.occurred_on) FROM time_entries t
                      WHERE t.municipality_id = v.municipality_id AND t.volunteer_id = v.id),
                    (SELECT max(vi.local_date) FROM visits vi
                       JOIN placements pl ON pl.municipality_id = vi.municipality_id
                                         AND pl.id = vi.placement_id
                      WHERE pl.municipality_id = v.municipality_id AND pl.volunteer_id = v.id
                        AND vi.status = 'completed'),
                    (SELECT max(coalesce(pl.ends_on, (pl.updated_at AT TIME ZONE $2)::date))
                       FROM placements pl
                      WHERE pl.municipality_id = v.municipality_id AND pl.volunteer_id = v.id),
                    (SELECT max(coalesce(pl.ends_on, (pl.updated_at AT TIME ZONE $2)::date))
                       FROM placements pl
                       JOIN group_members gm ON gm.municipality_id = pl.municipality_id
                                            AND gm.group_id = pl.group_id
                      WHERE pl.municipality_id = v.municipality_id AND gm.volunteer_id = v.id))
                ELSE (coalesce(sc.last_into_status, v.updated_at) AT TIME ZONE $2)::date
           END AS since,
           (SELECT max(x.until) FROM retention_extensions x
             WHERE x.municipality_id = v.municipality_id AND x.volunteer_id = v.id) AS extended_until,
           n.category AS notice_category, n.due_on AS notice_due_on, n.warned_on
    FROM volunteers v
    LEFT JOIN retention_notices n ON n.municipality_id = v.municipality_id AND n.volunteer_id = v.id
    JOIN retention_policies p ON p.municipality_id = v.municipality_id
     AND p.category = CASE v.status WHEN 'withdrawn' THEN 'ended_volunteers'
                                    WHEN 'rejected' THEN 'rejected_applications'
                                    ELSE 'inactive_volunteers' END
    CROSS JOIN LATERAL (
        SELECT max(c.changed_at) AS last_change,
               max(c.changed_at) FILTER (WHERE c.to_status = v.status) AS last_into_status
        FROM volunteer_status_changes c WHERE c.volunteer_id = v.id) sc
    WHERE v.municipality_id = $1
      AND (v.erased_at IS NULL OR p.action = 'delete')
      AND ($4::uuid[] IS NULL OR v.id = ANY($4))
      AND ($5::uuid IS NULL OR v.id > $5)
      AND (p.category <> 'inactive_volunteers' OR NOT EXISTS (
            SELECT 1 FROM placements pl
             WHERE pl.municipality_id = v.municipality_id AND pl.status <> 'ended'
               AND (pl.volunteer_id = v.id OR pl.group_id IN (
                     SELECT gm.group_id FROM group_members gm
                      WHERE gm.municipality_id = v.municipality_id AND gm.volunteer_id = v.id))))
)
SELECT * FROM cand
WHERE since + make_interval(months => months) <= $3 + CASE WHEN $7 THEN warn_days ELSE 0 END
ORDER BY id
LIMIT $6";

/// Which volunteers [`candidates`] looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CandidateQuery<'a> {
    /// The day asked about.
    pub horizon: NaiveDate,
    /// Also those due within their policy's warning after `horizon` (for the work list).
    pub with_warning: bool,
    /// Only these volunteers, when given.
    pub only: Option<&'a [Uuid]>,
    /// Ids after this one.
    pub after: Option<Uuid>,
    /// At most this many.
    pub limit: i64,
}

/// Volunteers whose period may run out by the query's horizon (or within the warning after
/// it), not counting extensions, which only move the day later: the caller asks the domain for
/// the day. In id order.
pub fn candidates(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    time_zone: &str,
    query: CandidateQuery<'_>,
) -> Result<Vec<Candidate>, RepoError> {
    diesel::sql_query(CANDIDATES_SQL)
        .bind::<SqlUuid, _>(municipality.into_uuid())
        .bind::<Text, _>(time_zone)
        .bind::<Date, _>(query.horizon)
        .bind::<Nullable<Array<SqlUuid>>, _>(query.only.map(<[Uuid]>::to_vec))
        .bind::<Nullable<SqlUuid>, _>(query.after)
        .bind::<diesel::sql_types::BigInt, _>(query.limit)
        .bind::<diesel::sql_types::Bool, _>(query.with_warning)
        .load::<CandidateRow>(conn)?
        .into_iter()
        .map(|row| {
            Ok(Candidate {
                volunteer_id: row.id.into(),
                name: row.name,
                policy: RetentionPolicy {
                    category: row
                        .category
                        .parse()
                        .map_err(|e| corrupt("retention category", e))?,
                    months: u16::try_from(row.months).map_err(|e| corrupt("months", e))?,
                    action: row
                        .action
                        .parse()
                        .map_err(|e| corrupt("retention action", e))?,
                    warn_days: u16::try_from(row.warn_days).map_err(|e| corrupt("warn", e))?,
                },
                since: row.since,
                extended_until: row.extended_until,
                erased: row.erased,
                notice: match (row.notice_category, row.notice_due_on, row.warned_on) {
                    (Some(category), Some(due_on), Some(warned_on)) => Some((
                        category
                            .parse()
                            .map_err(|e| corrupt("notice category", e))?,
                        due_on,
                        warned_on,
                    )),
                    _ => None,
                },
            })
        })
        .collect()
}

/// How many rows in bulk of `policy`'s category (hours, contact-log notes) date from
/// `cutoff` or earlier and still hold what the policy removes.
pub fn bulk_due(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    time_zone: &str,
    policy: RetentionPolicy,
    cutoff: NaiveDate,
) -> Result<i64, RepoError> {
    let sql = format!("SELECT count(*) AS n FROM ({}) due", bulk_select(policy));
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    Ok(diesel::sql_query(sql)
        .bind::<SqlUuid, _>(municipality.into_uuid())
        .bind::<Date, _>(cutoff)
        .bind::<Text, _>(time_zone)
        .bind::<diesel::sql_types::BigInt, _>(i64::MAX)
        .get_result::<Count>(conn)?
        .n)
}

/// The ids of rows in bulk due under `policy` (at most the limit bound as `$4`).
fn bulk_select(policy: RetentionPolicy) -> &'static str {
    match (policy.category, policy.action) {
        (RetentionCategory::TimeEntries, RetentionAction::Delete) => {
            "SELECT id FROM time_entries WHERE municipality_id = $1 AND occurred_on <= $2 \
             AND $3 = $3 ORDER BY id LIMIT $4"
        }
        (RetentionCategory::TimeEntries, RetentionAction::Anonymise) => {
            "SELECT id FROM time_entries WHERE municipality_id = $1 AND occurred_on <= $2 \
             AND $3 = $3 AND note IS NOT NULL ORDER BY id LIMIT $4"
        }
        (RetentionCategory::ContactLogNotes, RetentionAction::Delete) => {
            "SELECT id FROM contact_log WHERE municipality_id = $1 \
             AND (occurred_at AT TIME ZONE $3)::date <= $2 ORDER BY id LIMIT $4"
        }
        _ => {
            "SELECT id FROM contact_log WHERE municipality_id = $1 \
             AND (occurred_at AT TIME ZONE $3)::date <= $2 AND note IS NOT NULL ORDER BY id LIMIT $4"
        }
    }
}

/// Acts on at most `limit` rows in bulk due under `policy`: deletes them, or removes their
/// notes. Returns how many.
pub fn apply_bulk(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    time_zone: &str,
    policy: RetentionPolicy,
    cutoff: NaiveDate,
    limit: i64,
) -> Result<usize, RepoError> {
    let table = match policy.category {
        RetentionCategory::TimeEntries => "time_entries",
        _ => "contact_log",
    };
    let change = match policy.action {
        RetentionAction::Delete => format!("DELETE FROM {table}"),
        RetentionAction::Anonymise => format!("UPDATE {table} SET note = NULL"),
    };
    let sql = format!(
        "{change} WHERE municipality_id = $1 AND id IN ({})",
        bulk_select(policy)
    );
    Ok(diesel::sql_query(sql)
        .bind::<SqlUuid, _>(municipality.into_uuid())
        .bind::<Date, _>(cutoff)
        .bind::<Text, _>(time_zone)
        .bind::<diesel::sql_types::BigInt, _>(limit)
        .execute(conn)?)
}

/// The municipalities that have set any retention policy.
pub fn municipalities_with_policies(conn: &mut PgConnection) -> Result<Vec<Uuid>, RepoError> {
    Ok(p::retention_policies
        .select(p::municipality_id)
        .distinct()
        .order(p::municipality_id.asc())
        .load(conn)?)
}

/// Locks a volunteer's row for the rest of the transaction: the retention job and an extension
/// of the same volunteer take turns.
pub fn lock_volunteer(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    volunteer: VolunteerId,
) -> Result<(), RepoError> {
    use crate::schema::volunteers::dsl as v;
    v::volunteers
        .filter(v::municipality_id.eq(municipality.into_uuid()))
        .filter(v::id.eq(volunteer.into_uuid()))
        .select(v::id)
        .for_update()
        .first::<Uuid>(conn)
        .optional()?
        .ok_or(RepoError::NotFound)?;
    Ok(())
}

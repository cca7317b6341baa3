//! Care districts: the units a coordinator account is limited to, and the one rule of what such
//! a coordinator sees ([`Audience::Coordinator`]). A district covers its unit and every unit
//! below it (the `district_units` function); the coordinator sees the volunteers and groups
//! whose home unit is covered, the recipients a covered unit is responsible for, the needs of
//! covered units, the placements at covered units or of the volunteers and groups they see, the
//! visits of those placements, and the follow-ups, contacts and hours about any of these. An
//! account with no district sees its whole municipality.
//!
//! Each table's part of the rule is one SQL predicate with the account bound as a parameter; the
//! covered units are read once per query (an uncorrelated subquery), so a district's new or
//! moved sub-unit counts at once.

use crate::{
    error::RepoError,
    schema::{staff_user_districts::dsl as sd, units::dsl as u},
};
use diesel::{
    expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping, is_aggregate},
    pg::Pg,
    prelude::*,
    query_builder::{AstPass, QueryFragment, QueryId},
    sql_types::Bool,
};
use samspill_domain::{
    auth::Audience,
    ids::{MunicipalityId, StaffUserId, UnitId},
};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Where the account is bound in a predicate's SQL.
const ACCOUNT: &str = "$ACCOUNT";

/// The units the account's districts cover.
const COVERED: &str = "(SELECT district_units($ACCOUNT))";

/// A predicate of the district rule, on the table it is written for, with the account bound
/// wherever the SQL names it.
#[derive(Debug, Clone)]
pub(crate) struct Within {
    sql: String,
    account: Uuid,
}

impl Expression for Within {
    type SqlType = Bool;
}

impl<QS> AppearsOnTable<QS> for Within {}

impl<QS> SelectableExpression<QS> for Within {}

impl<GB> ValidGrouping<GB> for Within {
    type IsAggregate = is_aggregate::Never;
}

impl QueryId for Within {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl QueryFragment<Pg> for Within {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        if self.sql.contains(ACCOUNT) {
            out.unsafe_to_cache_prepared();
        }
        let mut parts = self.sql.split(ACCOUNT);
        if let Some(first) = parts.next() {
            out.push_sql(first);
        }
        for part in parts {
            out.push_bind_param::<diesel::sql_types::Uuid, _>(&self.account)?;
            out.push_sql(part);
        }
        Ok(())
    }
}

impl Within {
    /// The predicate as SQL text for a hand-written statement, the account as `param`.
    pub(crate) fn to_sql(&self, param: &str) -> String {
        self.sql.replace(ACCOUNT, param)
    }
}

/// The account whose districts limit what `audience` sees, when it is a coordinator limited
/// to districts (not when it is municipality-wide).
pub fn limiting(
    conn: &mut PgConnection,
    audience: Audience,
) -> Result<Option<StaffUserId>, RepoError> {
    let Audience::Coordinator(account) = audience else {
        return Ok(None);
    };
    let limited: bool = diesel::select(diesel::dsl::exists(
        sd::staff_user_districts.filter(sd::staff_user_id.eq(account.into_uuid())),
    ))
    .get_result(conn)?;
    Ok(limited.then_some(account))
}

/// `seen` (SQL naming the rows of the account's districts), or everything when the account has
/// no district.
fn within(account: StaffUserId, seen: &str) -> Within {
    Within {
        sql: format!(
            "(NOT EXISTS (SELECT 1 FROM staff_user_districts WHERE staff_user_id = {ACCOUNT}) \
             OR ({seen}))"
        ),
        account: account.into_uuid(),
    }
}

fn volunteers_seen() -> String {
    format!("SELECT id FROM volunteers WHERE home_unit_id IN {COVERED}")
}

fn groups_seen() -> String {
    format!("SELECT id FROM groups WHERE home_unit_id IN {COVERED}")
}

fn recipients_seen() -> String {
    format!("SELECT id FROM recipients WHERE responsible_unit_id IN {COVERED}")
}

/// The placements' part, on `table` (the placements table or an alias of it).
fn placement_rule(table: &str) -> String {
    format!(
        "{table}.unit_id IN {COVERED} OR {table}.recipient_id IN ({recipients}) \
         OR {table}.volunteer_id IN ({volunteers}) OR {table}.group_id IN ({groups})",
        recipients = recipients_seen(),
        volunteers = volunteers_seen(),
        groups = groups_seen(),
    )
}

fn placements_seen() -> String {
    format!(
        "SELECT seen.id FROM placements seen WHERE {}",
        placement_rule("seen")
    )
}

/// A subject (volunteer, group, unit, recipient or placement) on `table`, seen.
fn subject_rule(table: &str) -> String {
    format!(
        "{table}.volunteer_id IN ({volunteers}) OR {table}.group_id IN ({groups}) \
         OR {table}.unit_id IN {COVERED} OR {table}.recipient_id IN ({recipients}) \
         OR {table}.placement_id IN ({placements})",
        volunteers = volunteers_seen(),
        groups = groups_seen(),
        recipients = recipients_seen(),
        placements = placements_seen(),
    )
}

/// No limit: what a municipality-wide audience sees of a table.
fn everything() -> Within {
    Within {
        sql: "TRUE".to_owned(),
        account: Uuid::nil(),
    }
}

/// The volunteers `audience` sees by the district rule (every one, unless it is a coordinator
/// limited to districts).
pub(crate) fn volunteers_of(audience: Audience) -> Within {
    match audience {
        Audience::Coordinator(account) => volunteers(account),
        _ => everything(),
    }
}

/// The groups `audience` sees by the district rule.
pub(crate) fn groups_of(audience: Audience) -> Within {
    match audience {
        Audience::Coordinator(account) => groups(account),
        _ => everything(),
    }
}

/// Volunteers whose home unit lies in the districts.
pub(crate) fn volunteers(account: StaffUserId) -> Within {
    within(account, &format!("volunteers.home_unit_id IN {COVERED}"))
}

/// Groups whose home unit lies in the districts.
pub(crate) fn groups(account: StaffUserId) -> Within {
    within(account, &format!("groups.home_unit_id IN {COVERED}"))
}

/// Recipients a unit of the districts is responsible for.
pub(crate) fn recipients(account: StaffUserId) -> Within {
    within(
        account,
        &format!("recipients.responsible_unit_id IN {COVERED}"),
    )
}

/// Needs of units in the districts.
pub(crate) fn needs(account: StaffUserId) -> Within {
    within(account, &format!("needs.unit_id IN {COVERED}"))
}

/// Placements at a unit of the districts (or with a recipient one of them is responsible
/// for), or of a volunteer or group of the districts.
pub(crate) fn placements(account: StaffUserId) -> Within {
    within(account, &placement_rule("placements"))
}

/// Dogs whose handler is a volunteer of the districts.
pub(crate) fn dogs(account: StaffUserId) -> Within {
    within(
        account,
        &format!("dogs.handler_id IN ({})", volunteers_seen()),
    )
}

/// Follow-ups assigned to the account or about a subject seen.
pub(crate) fn follow_ups(account: StaffUserId) -> Within {
    within(
        account,
        &format!(
            "follow_ups.assignee_id = {ACCOUNT} OR {}",
            subject_rule("follow_ups")
        ),
    )
}

/// Contacts the account logged, made for a follow-up assigned to it, or about a subject seen.
pub(crate) fn contacts(account: StaffUserId) -> Within {
    within(
        account,
        &format!(
            "contact_log.logged_by = {ACCOUNT} OR contact_log.follow_up_id IN \
             (SELECT id FROM follow_ups WHERE assignee_id = {ACCOUNT}) OR {}",
            subject_rule("contact_log")
        ),
    )
}

/// Hours of a volunteer or group of the districts, at a unit of them, or on a placement seen.
pub(crate) fn time_entries(account: StaffUserId) -> Within {
    within(
        account,
        &format!(
            "time_entries.volunteer_id IN ({volunteers}) OR time_entries.group_id IN ({groups}) \
             OR time_entries.unit_id IN {COVERED} OR time_entries.placement_id IN ({placements})",
            volunteers = volunteers_seen(),
            groups = groups_seen(),
            placements = placements_seen(),
        ),
    )
}

/// The districts (units) `account` is limited to, in id order; empty when it is
/// municipality-wide.
pub fn of(conn: &mut PgConnection, account: StaffUserId) -> Result<Vec<UnitId>, RepoError> {
    Ok(sd::staff_user_districts
        .filter(sd::staff_user_id.eq(account.into_uuid()))
        .order(sd::unit_id.asc())
        .select(sd::unit_id)
        .load::<Uuid>(conn)?
        .into_iter()
        .map(UnitId::from)
        .collect())
}

/// The districts of each of `accounts`, for a page of accounts.
pub fn of_many(
    conn: &mut PgConnection,
    accounts: &[StaffUserId],
) -> Result<HashMap<StaffUserId, Vec<UnitId>>, RepoError> {
    let ids: Vec<Uuid> = accounts.iter().map(|a| a.into_uuid()).collect();
    let rows: Vec<(Uuid, Uuid)> = sd::staff_user_districts
        .filter(sd::staff_user_id.eq_any(ids))
        .order((sd::staff_user_id.asc(), sd::unit_id.asc()))
        .select((sd::staff_user_id, sd::unit_id))
        .load(conn)?;
    let mut by_account: HashMap<StaffUserId, Vec<UnitId>> = HashMap::new();
    for (account, unit) in rows {
        by_account
            .entry(account.into())
            .or_default()
            .push(unit.into());
    }
    Ok(by_account)
}

/// Replaces the districts of `account` (of `municipality`) with `units`; an empty list makes it
/// municipality-wide. A unit outside the municipality is a field error on `districts`. Call it
/// inside the transaction that holds the account's row lock.
pub fn replace(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    account: StaffUserId,
    units: &[UnitId],
) -> Result<(), RepoError> {
    let wanted: HashSet<Uuid> = units.iter().map(|unit| unit.into_uuid()).collect();
    let known: i64 = u::units
        .filter(u::municipality_id.eq(municipality.into_uuid()))
        .filter(u::id.eq_any(wanted.iter().copied().collect::<Vec<_>>()))
        .count()
        .get_result(conn)?;
    if usize::try_from(known).unwrap_or(0) != wanted.len() {
        return Err(RepoError::invalid(
            "districts",
            samspill_domain::error::ParseError::new(
                "not_found",
                "every district must be a unit of the municipality",
            ),
        ));
    }
    diesel::delete(
        sd::staff_user_districts
            .filter(sd::municipality_id.eq(municipality.into_uuid()))
            .filter(sd::staff_user_id.eq(account.into_uuid())),
    )
    .execute(conn)?;
    let rows: Vec<_> = wanted
        .into_iter()
        .map(|unit| {
            (
                sd::municipality_id.eq(municipality.into_uuid()),
                sd::staff_user_id.eq(account.into_uuid()),
                sd::unit_id.eq(unit),
            )
        })
        .collect();
    diesel::insert_into(sd::staff_user_districts)
        .values(rows)
        .execute(conn)?;
    Ok(())
}

/// Every row the account's districts hold (units, volunteers, groups, recipients, placements
/// and needs), as one `SELECT id`.
fn seen_sql() -> String {
    format!(
        "SELECT id FROM units WHERE id IN {COVERED} \
         UNION ALL {volunteers} UNION ALL {groups} UNION ALL {recipients} \
         UNION ALL {placements} UNION ALL SELECT id FROM needs WHERE unit_id IN {COVERED}",
        volunteers = volunteers_seen(),
        groups = groups_seen(),
        recipients = recipients_seen(),
        placements = placements_seen(),
    )
}

/// What a work list or report of `audience` keeps: `None` when it sees the whole municipality,
/// else the ids of the volunteers, groups, units, recipients, placements and needs of its
/// districts.
pub fn subjects(
    conn: &mut PgConnection,
    audience: Audience,
) -> Result<Option<HashSet<Uuid>>, RepoError> {
    let Some(account) = limiting(conn, audience)? else {
        return Ok(None);
    };
    #[derive(QueryableByName)]
    struct Seen {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        id: Uuid,
    }
    Ok(Some(
        diesel::sql_query(seen_sql().replace(ACCOUNT, "$1"))
            .bind::<diesel::sql_types::Uuid, _>(account.into_uuid())
            .load::<Seen>(conn)?
            .into_iter()
            .map(|seen| seen.id)
            .collect(),
    ))
}

/// Whether `audience` sees any of `ids` (volunteers, groups, units, recipients, placements or
/// needs): always for a municipality-wide audience, else when its districts hold one of them.
/// Asks only about those ids, so it costs a few index lookups, not the districts' whole list.
pub fn covers(
    conn: &mut PgConnection,
    audience: Audience,
    ids: &[Uuid],
) -> Result<bool, RepoError> {
    Ok(match limiting(conn, audience)? {
        None => true,
        Some(account) => outside(conn, account, ids)?.len() < ids.len(),
    })
}

/// Which of `ids` (volunteers, groups, units, recipients, placements or needs) `audience` does
/// not see, in the order given: none for a municipality-wide audience.
pub fn uncovered(
    conn: &mut PgConnection,
    audience: Audience,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, RepoError> {
    match limiting(conn, audience)? {
        None => Ok(Vec::new()),
        Some(account) => outside(conn, account, ids),
    }
}

/// The ids of `ids` outside the districts of `account`, in the order given (one per id asked).
fn outside(
    conn: &mut PgConnection,
    account: StaffUserId,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, RepoError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    #[derive(QueryableByName)]
    struct Outside {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        id: Uuid,
    }
    let sql = format!(
        "SELECT asked.id FROM unnest($2::uuid[]) WITH ORDINALITY AS asked(id, n) \
         WHERE NOT EXISTS (SELECT 1 FROM ({}) seen WHERE seen.id = asked.id) ORDER BY asked.n",
        seen_sql().replace(ACCOUNT, "$1")
    );
    Ok(diesel::sql_query(sql)
        .bind::<diesel::sql_types::Uuid, _>(account.into_uuid())
        .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(ids.to_vec())
        .load::<Outside>(conn)?
        .into_iter()
        .map(|outside| outside.id)
        .collect())
}

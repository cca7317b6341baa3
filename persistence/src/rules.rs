//! A municipality's own requirement rules.

use crate::{
    error::{RepoError, corrupt},
    schema::requirement_rules::{self, dsl as r},
    versioned::check_version,
};
use chrono::{DateTime, Utc};
use diesel::{pg::Pg, prelude::*, sql_types::Bool};
use samspill_domain::{
    auth::TenantScope,
    clearance::{MunicipalRule, Rule, RuleScope},
    ids::{MunicipalityId, RuleId, StaffUserId},
};
use uuid::Uuid;

#[derive(Queryable, Selectable)]
#[diesel(table_name = requirement_rules, check_for_backend(Pg))]
struct RuleRow {
    id: Uuid,
    municipality_id: Uuid,
    name: String,
    activity_kind: Option<String>,
    setting: Option<String>,
    target_group: Option<String>,
    with_dog: Option<bool>,
    requirement: String,
    training: Option<String>,
    max_age_months: Option<i16>,
    strict: bool,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<RuleRow> for MunicipalRule {
    type Error = RepoError;

    fn try_from(row: RuleRow) -> Result<Self, RepoError> {
        Ok(MunicipalRule {
            id: row.id.into(),
            municipality_id: row.municipality_id.into(),
            name: row.name,
            scope: RuleScope {
                activity_kind: row.activity_kind,
                setting: row
                    .setting
                    .map(|s| s.parse().map_err(|e| corrupt("rule setting", e)))
                    .transpose()?,
                target_group: row
                    .target_group
                    .map(|g| g.parse().map_err(|e| corrupt("rule target group", e)))
                    .transpose()?,
                with_dog: row.with_dog,
            },
            requirement: row
                .requirement
                .parse()
                .map_err(|e| corrupt("rule requirement", e))?,
            training: row.training,
            max_age_months: row
                .max_age_months
                .map(|m| u16::try_from(m).map_err(|_| RepoError::Internal("negative age".into())))
                .transpose()?,
            strict: row.strict,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// What a rule says, checked by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDraft {
    /// A name for people.
    pub name: String,
    /// When it applies.
    pub scope: RuleScope,
    /// What it requires.
    pub requirement: samspill_domain::clearance::RequirementKind,
    /// The training credential's code, for a `training` requirement.
    pub training: Option<String>,
    /// The oldest the fact may be, in months.
    pub max_age_months: Option<u16>,
    /// Whether it blocks clearance.
    pub strict: bool,
}

impl RuleDraft {
    /// The draft of a stored rule, to change some of it.
    pub fn of(rule: &MunicipalRule) -> Self {
        Self {
            name: rule.name.clone(),
            scope: rule.scope.clone(),
            requirement: rule.requirement,
            training: rule.training.clone(),
            max_age_months: rule.max_age_months,
            strict: rule.strict,
        }
    }
}

#[derive(AsChangeset, Insertable)]
#[diesel(table_name = requirement_rules, check_for_backend(Pg), treat_none_as_null = true)]
struct DraftRow<'a> {
    name: &'a str,
    activity_kind: Option<&'a str>,
    setting: Option<&'static str>,
    target_group: Option<&'static str>,
    with_dog: Option<bool>,
    requirement: &'static str,
    training: Option<&'a str>,
    max_age_months: Option<i16>,
    strict: bool,
}

impl<'a> From<&'a RuleDraft> for DraftRow<'a> {
    fn from(d: &'a RuleDraft) -> Self {
        Self {
            name: &d.name,
            activity_kind: d.scope.activity_kind.as_deref(),
            setting: d.scope.setting.map(|s| s.as_str()),
            target_group: d.scope.target_group.map(|g| g.as_str()),
            with_dog: d.scope.with_dog,
            requirement: d.requirement.as_str(),
            training: d.training.as_deref(),
            max_age_months: d
                .max_age_months
                .map(|m| i16::try_from(m).unwrap_or(i16::MAX)),
            strict: d.strict,
        }
    }
}

/// The rows `scope` may see.
fn visible(
    scope: TenantScope,
) -> Box<dyn BoxableExpression<requirement_rules::table, Pg, SqlType = Bool>> {
    match scope.municipality() {
        Some(own) => Box::new(r::municipality_id.eq(own.into_uuid())),
        None => Box::new(true.into_sql::<Bool>()),
    }
}

/// Stores a new rule of `municipality`.
pub fn insert(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    draft: &RuleDraft,
    created_by: StaffUserId,
) -> Result<MunicipalRule, RepoError> {
    diesel::insert_into(requirement_rules::table)
        .values((
            r::id.eq(RuleId::generate().into_uuid()),
            r::municipality_id.eq(municipality.into_uuid()),
            r::created_by.eq(created_by.into_uuid()),
            DraftRow::from(draft),
        ))
        .returning(RuleRow::as_returning())
        .get_result(conn)?
        .try_into()
}

/// One rule, if `scope` may see it.
pub fn find(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: RuleId,
) -> Result<MunicipalRule, RepoError> {
    r::requirement_rules
        .filter(visible(scope))
        .filter(r::id.eq(id.into_uuid()))
        .select(RuleRow::as_select())
        .first(conn)?
        .try_into()
}

/// Every rule of `municipality`, oldest first.
pub fn of_municipality(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
) -> Result<Vec<MunicipalRule>, RepoError> {
    r::requirement_rules
        .filter(r::municipality_id.eq(municipality.into_uuid()))
        .order(r::id)
        .select(RuleRow::as_select())
        .load(conn)?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

/// The municipality's rules as the engine reads them.
pub fn engine_rules(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
) -> Result<Vec<Rule>, RepoError> {
    Ok(of_municipality(conn, municipality)?
        .iter()
        .map(MunicipalRule::rule)
        .collect())
}

/// Changes a rule: `change` gets the stored rule and returns the new draft.
pub fn update<E>(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: RuleId,
    expected_version: Option<i32>,
    change: impl FnOnce(&mut PgConnection, &MunicipalRule) -> Result<RuleDraft, E>,
) -> Result<MunicipalRule, E>
where
    E: From<RepoError> + From<diesel::result::Error>,
{
    conn.transaction::<_, E, _>(|conn| {
        let current = locked(conn, scope, id)?;
        let draft = change(conn, &current)?;
        check_version(current.version, expected_version)?;
        if draft == RuleDraft::of(&current) {
            return Ok(current);
        }
        Ok(
            diesel::update(r::requirement_rules.filter(r::id.eq(id.into_uuid())))
                .set((DraftRow::from(&draft), r::version.eq(r::version + 1)))
                .returning(RuleRow::as_returning())
                .get_result(conn)
                .map_err(RepoError::from)?
                .try_into()?,
        )
    })
}

/// Deletes a rule.
pub fn delete(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: RuleId,
    expected_version: Option<i32>,
) -> Result<(), RepoError> {
    conn.transaction(|conn| {
        let current = locked(conn, scope, id)?;
        check_version(current.version, expected_version)?;
        diesel::delete(r::requirement_rules.filter(r::id.eq(id.into_uuid()))).execute(conn)?;
        Ok(())
    })
}

fn locked(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: RuleId,
) -> Result<MunicipalRule, RepoError> {
    r::requirement_rules
        .filter(visible(scope))
        .filter(r::id.eq(id.into_uuid()))
        .select(RuleRow::as_select())
        .for_update()
        .first(conn)?
        .try_into()
}

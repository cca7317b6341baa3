//! Municipalities: the tenants. Coordinators see their own; admins see all.

use crate::{
    error::{RepoError, corrupt},
    page::{Page, PageRequest},
    schema::municipalities::{self, dsl as m},
    versioned::check_version,
};
use chrono::{DateTime, Utc};
use diesel::{pg::Pg, prelude::*, sql_types::Bool};
use samspill_domain::{
    auth::TenantScope,
    ids::MunicipalityId,
    municipality::{
        Country, Municipality, MunicipalityCode, MunicipalityName, MunicipalitySettings,
    },
};
use uuid::Uuid;

#[derive(Queryable, Selectable)]
#[diesel(table_name = municipalities, check_for_backend(Pg))]
struct MunicipalityRow {
    id: Uuid,
    country: String,
    code: String,
    name: String,
    settings: serde_json::Value,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<MunicipalityRow> for Municipality {
    type Error = RepoError;

    fn try_from(row: MunicipalityRow) -> Result<Self, RepoError> {
        Ok(Municipality {
            id: row.id.into(),
            country: row.country.parse().map_err(|e| corrupt("country", e))?,
            code: row.code,
            name: row.name,
            settings: serde_json::from_value(row.settings).map_err(|e| corrupt("settings", e))?,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = municipalities, check_for_backend(Pg))]
struct NewMunicipalityRow<'a> {
    id: Uuid,
    country: &'a str,
    code: &'a str,
    name: &'a str,
    settings: serde_json::Value,
}

#[derive(AsChangeset, Default)]
#[diesel(table_name = municipalities, check_for_backend(Pg))]
struct MunicipalityChangeset {
    name: Option<String>,
    settings: Option<serde_json::Value>,
}

/// A municipality to create.
#[derive(Debug, Clone)]
pub struct NewMunicipality {
    /// Its country.
    pub country: Country,
    /// Its official code (checked against the country).
    pub code: MunicipalityCode,
    /// Its name.
    pub name: MunicipalityName,
    /// Its settings.
    pub settings: MunicipalitySettings,
}

/// What an update changes; `None` keeps the stored value.
#[derive(Debug, Clone, Default)]
pub struct MunicipalityChanges {
    /// A new name.
    pub name: Option<MunicipalityName>,
    /// New settings (already merged and checked).
    pub settings: Option<MunicipalitySettings>,
}

fn settings_json(settings: &MunicipalitySettings) -> Result<serde_json::Value, RepoError> {
    serde_json::to_value(settings).map_err(|e| RepoError::Internal(e.to_string()))
}

/// Stores a new municipality. A second one with the same country and code is a `Duplicate`.
pub fn insert(conn: &mut PgConnection, new: &NewMunicipality) -> Result<Municipality, RepoError> {
    diesel::insert_into(municipalities::table)
        .values(NewMunicipalityRow {
            id: MunicipalityId::generate().into_uuid(),
            country: new.country.as_str(),
            code: new.code.as_str(),
            name: new.name.as_str(),
            settings: settings_json(&new.settings)?,
        })
        .returning(MunicipalityRow::as_returning())
        .get_result(conn)?
        .try_into()
}

/// The rows `scope` may see, as a filter usable in locking and boxed queries alike.
fn visible(
    scope: TenantScope,
) -> Box<dyn BoxableExpression<municipalities::table, Pg, SqlType = Bool>> {
    match scope.municipality() {
        Some(own) => Box::new(m::id.eq(own.into_uuid())),
        None => Box::new(true.into_sql::<Bool>()),
    }
}

/// One municipality, if the scope sees it.
pub fn find(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: MunicipalityId,
) -> Result<Municipality, RepoError> {
    m::municipalities
        .filter(visible(scope))
        .filter(m::id.eq(id.into_uuid()))
        .select(MunicipalityRow::as_select())
        .first(conn)?
        .try_into()
}

/// The municipality named by the first of `candidates` (country and canonical code, as
/// `MunicipalityCode::candidates` gives them) that exists, whoever asks: public
/// self-registration names a municipality by its code alone.
pub fn find_by_code(
    conn: &mut PgConnection,
    candidates: &[(Country, MunicipalityCode)],
) -> Result<Municipality, RepoError> {
    for (country, code) in candidates {
        let found = m::municipalities
            .filter(m::country.eq(country.as_str()))
            .filter(m::code.eq(code.as_str()))
            .select(MunicipalityRow::as_select())
            .first(conn)
            .optional()?;
        if let Some(row) = found {
            return row.try_into();
        }
    }
    Err(RepoError::NotFound)
}

/// A page of the municipalities the scope sees, in id order.
pub fn list(
    conn: &mut PgConnection,
    scope: TenantScope,
    country: Option<Country>,
    page: PageRequest,
) -> Result<Page<Municipality>, RepoError> {
    let mut query = m::municipalities.into_boxed().filter(visible(scope));
    if let Some(country) = country {
        query = query.filter(m::country.eq(country.as_str()));
    }
    if let Some(after) = page.after {
        query = query.filter(m::id.gt(after));
    }
    let rows = query
        .order(m::id.asc())
        .limit(page.limit + 1)
        .select(MunicipalityRow::as_select())
        .load(conn)?;
    Page::from_rows(rows, page.limit, |r| r.id).try_map(Municipality::try_from)
}

/// Changes a municipality under its row lock: `change` sees the current state (to merge
/// settings) and says what to store. A stale `expected_version` is a `VersionMismatch`.
pub fn update<E>(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: MunicipalityId,
    expected_version: Option<i32>,
    change: impl FnOnce(&Municipality) -> Result<MunicipalityChanges, E>,
) -> Result<Municipality, E>
where
    E: From<RepoError> + From<diesel::result::Error>,
{
    conn.transaction::<_, E, _>(|conn| {
        let current: Municipality = m::municipalities
            .filter(visible(scope))
            .filter(m::id.eq(id.into_uuid()))
            .select(MunicipalityRow::as_select())
            .for_update()
            .first(conn)
            .map_err(RepoError::from)?
            .try_into()
            .map_err(E::from)?;
        let changes = change(&current)?;
        check_version(current.version, expected_version).map_err(E::from)?;
        let changeset = MunicipalityChangeset {
            name: changes
                .name
                .map(MunicipalityName::into_inner)
                .filter(|name| *name != current.name),
            settings: match changes.settings {
                Some(settings) if settings != current.settings => Some(settings_json(&settings)?),
                _ => None,
            },
        };
        if changeset.name.is_none() && changeset.settings.is_none() {
            return Ok(current);
        }
        diesel::update(m::municipalities.filter(m::id.eq(id.into_uuid())))
            .set((changeset, m::version.eq(m::version + 1)))
            .returning(MunicipalityRow::as_returning())
            .get_result(conn)
            .map_err(RepoError::from)?
            .try_into()
            .map_err(E::from)
    })
}

//! Units of a municipality, optionally nested (a care district above its nursing homes).

use crate::{
    error::{RepoError, corrupt},
    page::{Page, PageRequest},
    schema::units::{self, dsl as u},
    versioned::check_version,
};
use chrono::{DateTime, Utc};
use diesel::{
    pg::Pg,
    prelude::*,
    sql_types::{BigInt, Bool, Uuid as SqlUuid},
};
use samspill_domain::{
    ParseError,
    auth::TenantScope,
    ids::{MunicipalityId, UnitId},
    unit::{Unit, UnitKind, UnitName, parent_allowed},
};
use uuid::Uuid;

#[derive(Queryable, Selectable)]
#[diesel(table_name = units, check_for_backend(Pg))]
struct UnitRow {
    id: Uuid,
    municipality_id: Uuid,
    name: String,
    kind: String,
    parent_id: Option<Uuid>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<UnitRow> for Unit {
    type Error = RepoError;

    fn try_from(row: UnitRow) -> Result<Self, RepoError> {
        Ok(Unit {
            id: row.id.into(),
            municipality_id: row.municipality_id.into(),
            name: row.name,
            kind: row.kind.parse().map_err(|e| corrupt("unit kind", e))?,
            parent_id: row.parent_id.map(Into::into),
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = units, check_for_backend(Pg))]
struct NewUnitRow<'a> {
    id: Uuid,
    municipality_id: Uuid,
    name: &'a str,
    kind: &'a str,
    parent_id: Option<Uuid>,
}

#[derive(AsChangeset)]
#[diesel(table_name = units, check_for_backend(Pg))]
struct UnitChangeset {
    name: Option<String>,
    kind: Option<&'static str>,
    parent_id: Option<Option<Uuid>>,
}

/// A unit to create.
#[derive(Debug, Clone)]
pub struct NewUnit {
    /// The municipality it belongs to.
    pub municipality_id: MunicipalityId,
    /// Its name.
    pub name: UnitName,
    /// Its kind.
    pub kind: UnitKind,
    /// Its parent unit, of the same municipality.
    pub parent_id: Option<UnitId>,
}

/// What an update changes; `None` keeps the stored value. `parent_id: Some(None)` detaches.
#[derive(Debug, Clone, Default)]
pub struct UnitChanges {
    /// A new name.
    pub name: Option<UnitName>,
    /// A new kind.
    pub kind: Option<UnitKind>,
    /// A new parent, or `Some(None)` for none.
    pub parent_id: Option<Option<UnitId>>,
}

/// Filters for listing units.
#[derive(Debug, Clone, Copy, Default)]
pub struct UnitFilter {
    /// Only units of this municipality (admins may ask for one).
    pub municipality_id: Option<MunicipalityId>,
    /// Only units of this kind.
    pub kind: Option<UnitKind>,
    /// Only direct children of this unit.
    pub parent_id: Option<UnitId>,
}

/// The rows `scope` may see, as a filter usable in locking and boxed queries alike.
fn visible(scope: TenantScope) -> Box<dyn BoxableExpression<units::table, Pg, SqlType = Bool>> {
    match scope.municipality() {
        Some(own) => Box::new(u::municipality_id.eq(own.into_uuid())),
        None => Box::new(true.into_sql::<Bool>()),
    }
}

/// Stores a new unit. The caller has checked that the scope allows the municipality;
/// a parent that is not a unit of the same municipality is `Invalid` on `parent_id`.
pub fn insert(conn: &mut PgConnection, new: &NewUnit) -> Result<Unit, RepoError> {
    diesel::insert_into(units::table)
        .values(NewUnitRow {
            id: UnitId::generate().into_uuid(),
            municipality_id: new.municipality_id.into_uuid(),
            name: new.name.as_str(),
            kind: new.kind.as_str(),
            parent_id: new.parent_id.map(UnitId::into_uuid),
        })
        .returning(UnitRow::as_returning())
        .get_result(conn)
        .map_err(|e| parent_reference(e.into()))?
        .try_into()
}

fn parent_reference(error: RepoError) -> RepoError {
    match error {
        RepoError::Reference { constraint } if constraint == "units_parent_fkey" => {
            RepoError::invalid(
                "parent_id",
                ParseError::new("not_found", "no unit with this id in the same municipality"),
            )
        }
        other => other,
    }
}

/// One unit, if the scope sees it.
pub fn find(conn: &mut PgConnection, scope: TenantScope, id: UnitId) -> Result<Unit, RepoError> {
    u::units
        .filter(visible(scope))
        .filter(u::id.eq(id.into_uuid()))
        .select(UnitRow::as_select())
        .first(conn)?
        .try_into()
}

/// A page of the units the scope sees, in id order.
pub fn list(
    conn: &mut PgConnection,
    scope: TenantScope,
    filter: UnitFilter,
    page: PageRequest,
) -> Result<Page<Unit>, RepoError> {
    let mut query = u::units.into_boxed().filter(visible(scope));
    if let Some(municipality) = filter.municipality_id {
        query = query.filter(u::municipality_id.eq(municipality.into_uuid()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(u::kind.eq(kind.as_str()));
    }
    if let Some(parent) = filter.parent_id {
        query = query.filter(u::parent_id.eq(parent.into_uuid()));
    }
    if let Some(after) = page.after {
        query = query.filter(u::id.gt(after));
    }
    let rows = query
        .order(u::id.asc())
        .limit(page.limit + 1)
        .select(UnitRow::as_select())
        .load(conn)?;
    Page::from_rows(rows, page.limit, |r| r.id).try_map(Unit::try_from)
}

#[derive(QueryableByName)]
struct Ancestor {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// How many levels of ancestors are followed.
const MAX_DEPTH: usize = 64;

/// The chain of ancestors of `unit`, nearest first (bounded, in case a loop was ever stored).
fn ancestors(conn: &mut PgConnection, unit: UnitId) -> Result<Vec<UnitId>, RepoError> {
    let rows: Vec<Ancestor> = diesel::sql_query(
        "WITH RECURSIVE chain (id, parent_id, depth) AS ( \
             SELECT id, parent_id, 0 FROM units WHERE id = $1 \
             UNION ALL \
             SELECT p.id, p.parent_id, c.depth + 1 FROM units p JOIN chain c ON p.id = c.parent_id \
             WHERE c.depth < 64 \
         ) SELECT parent_id AS id FROM chain WHERE parent_id IS NOT NULL ORDER BY depth",
    )
    .bind::<SqlUuid, _>(unit.into_uuid())
    .load(conn)?;
    Ok(rows.into_iter().map(|row| row.id.into()).collect())
}

/// Changes a unit under its row lock. Moving it under a new parent takes the municipality's
/// unit-tree lock, so that two concurrent moves cannot close a loop.
pub fn update(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: UnitId,
    expected_version: Option<i32>,
    changes: UnitChanges,
) -> Result<Unit, RepoError> {
    conn.transaction(|conn| {
        let current: Unit = u::units
            .filter(visible(scope))
            .filter(u::id.eq(id.into_uuid()))
            .select(UnitRow::as_select())
            .for_update()
            .first(conn)?
            .try_into()?;
        let parent_id = changes
            .parent_id
            .filter(|parent| *parent != current.parent_id);
        if let Some(Some(parent)) = parent_id {
            diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
                .bind::<BigInt, _>(tree_lock_key(current.municipality_id))
                .execute(conn)?;
            let chain = ancestors(conn, parent)?;
            // The walk stops at MAX_DEPTH levels; a longer chain is refused rather than trusted.
            if chain.len() >= MAX_DEPTH {
                return Err(RepoError::invalid(
                    "parent_id",
                    ParseError::new("too_deep", "a unit tree is at most 64 levels deep"),
                ));
            }
            if !parent_allowed(id, parent, &chain) {
                return Err(RepoError::invalid(
                    "parent_id",
                    ParseError::new(
                        "cycle",
                        "a unit cannot be placed under itself or under one of its own sub-units",
                    ),
                ));
            }
        }
        // The change is judged before its If-Match: an invalid one is a 422 whatever version.
        check_version(current.version, expected_version)?;
        let changeset = UnitChangeset {
            name: changes
                .name
                .map(UnitName::into_inner)
                .filter(|name| *name != current.name),
            kind: changes
                .kind
                .filter(|kind| *kind != current.kind)
                .map(UnitKind::as_str),
            parent_id: parent_id.map(|parent| parent.map(UnitId::into_uuid)),
        };
        if changeset.name.is_none() && changeset.kind.is_none() && changeset.parent_id.is_none() {
            return Ok(current);
        }
        diesel::update(u::units.filter(u::id.eq(id.into_uuid())))
            .set((changeset, u::version.eq(u::version + 1)))
            .returning(UnitRow::as_returning())
            .get_result(conn)
            .map_err(|e| parent_reference(e.into()))?
            .try_into()
    })
}

/// Deletes a unit. A unit that others refer to (sub-units, later volunteers) is a `Reference` error.
pub fn delete(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: UnitId,
    expected_version: Option<i32>,
) -> Result<(), RepoError> {
    conn.transaction(|conn| {
        let current: Unit = u::units
            .filter(visible(scope))
            .filter(u::id.eq(id.into_uuid()))
            .select(UnitRow::as_select())
            .for_update()
            .first(conn)?
            .try_into()?;
        check_version(current.version, expected_version)?;
        diesel::delete(u::units.filter(u::id.eq(id.into_uuid()))).execute(conn)?;
        Ok(())
    })
}

/// The advisory-lock key of one municipality's unit tree.
fn tree_lock_key(municipality: MunicipalityId) -> i64 {
    let bytes = municipality.into_uuid().into_bytes();
    let mut key = [0u8; 8];
    key.copy_from_slice(&bytes[8..16]);
    i64::from_be_bytes(key)
}

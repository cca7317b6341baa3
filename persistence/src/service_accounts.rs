//! Service accounts of municipal systems: client id plus a secret stored only as a hash.

use crate::{
    error::{RepoError, corrupt},
    page::{Page, PageRequest},
    schema::service_accounts::{self, dsl as a},
    versioned::check_version,
};
use chrono::{DateTime, Utc};
use diesel::{dsl::now, pg::Pg, prelude::*, sql_types::Bool};
use samspill_domain::{
    auth::{ServiceAccount, ServiceAccountName, ServiceScope, TenantScope},
    ids::{MunicipalityId, ServiceAccountId, StaffUserId},
};
use uuid::Uuid;

#[derive(Queryable, Selectable)]
#[diesel(table_name = service_accounts, check_for_backend(Pg))]
struct ServiceAccountRow {
    id: Uuid,
    municipality_id: Uuid,
    name: String,
    client_id: String,
    scopes: Vec<Option<String>>,
    active: bool,
    last_used_at: Option<DateTime<Utc>>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<ServiceAccountRow> for ServiceAccount {
    type Error = RepoError;

    fn try_from(row: ServiceAccountRow) -> Result<Self, RepoError> {
        Ok(ServiceAccount {
            id: row.id.into(),
            municipality_id: row.municipality_id.into(),
            name: row.name,
            client_id: row.client_id,
            scopes: row
                .scopes
                .into_iter()
                .flatten()
                .map(|scope| scope.parse().map_err(|e| corrupt("scope", e)))
                .collect::<Result<_, _>>()?,
            active: row.active,
            last_used_at: row.last_used_at,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

fn scope_names(scopes: &[ServiceScope]) -> Vec<Option<String>> {
    scopes
        .iter()
        .map(|scope| Some(scope.as_str().to_owned()))
        .collect()
}

/// A service account to create.
#[derive(Debug, Clone)]
pub struct NewServiceAccount {
    /// Whose data it reads.
    pub municipality_id: MunicipalityId,
    /// What the integration is.
    pub name: ServiceAccountName,
    /// Its OAuth2 client id (generated, unique).
    pub client_id: String,
    /// SHA-256 of its secret.
    pub secret_hash: Vec<u8>,
    /// What it may read.
    pub scopes: Vec<ServiceScope>,
    /// Who created it.
    pub created_by: StaffUserId,
}

/// What an update changes; `None` keeps the stored value.
#[derive(Debug, Clone, Default)]
pub struct ServiceAccountChanges {
    /// A new name.
    pub name: Option<ServiceAccountName>,
    /// New scopes.
    pub scopes: Option<Vec<ServiceScope>>,
    /// Activate or deactivate.
    pub active: Option<bool>,
    /// A new secret's hash (rotation).
    pub secret_hash: Option<Vec<u8>>,
}

#[derive(AsChangeset)]
#[diesel(table_name = service_accounts, check_for_backend(Pg))]
struct ServiceAccountChangeset {
    name: Option<String>,
    scopes: Option<Vec<Option<String>>>,
    active: Option<bool>,
    secret_hash: Option<Vec<u8>>,
}

/// The rows `scope` may see, as a filter usable in locking and boxed queries alike.
fn visible(
    scope: TenantScope,
) -> Box<dyn BoxableExpression<service_accounts::table, Pg, SqlType = Bool>> {
    match scope.municipality() {
        Some(own) => Box::new(a::municipality_id.eq(own.into_uuid())),
        None => Box::new(true.into_sql::<Bool>()),
    }
}

/// Stores a new service account.
pub fn insert(
    conn: &mut PgConnection,
    new: &NewServiceAccount,
) -> Result<ServiceAccount, RepoError> {
    diesel::insert_into(service_accounts::table)
        .values((
            a::id.eq(ServiceAccountId::generate().into_uuid()),
            a::municipality_id.eq(new.municipality_id.into_uuid()),
            a::name.eq(new.name.as_str()),
            a::client_id.eq(&new.client_id),
            a::secret_hash.eq(&new.secret_hash),
            a::scopes.eq(scope_names(&new.scopes)),
            a::created_by.eq(new.created_by.into_uuid()),
        ))
        .returning(ServiceAccountRow::as_returning())
        .get_result(conn)?
        .try_into()
}

/// One service account, if the scope sees it.
pub fn find(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: ServiceAccountId,
) -> Result<ServiceAccount, RepoError> {
    a::service_accounts
        .filter(visible(scope))
        .filter(a::id.eq(id.into_uuid()))
        .select(ServiceAccountRow::as_select())
        .first(conn)?
        .try_into()
}

/// A page of the service accounts the scope sees, in id order.
pub fn list(
    conn: &mut PgConnection,
    scope: TenantScope,
    municipality: Option<MunicipalityId>,
    page: PageRequest,
) -> Result<Page<ServiceAccount>, RepoError> {
    let mut query = a::service_accounts.into_boxed().filter(visible(scope));
    if let Some(municipality) = municipality {
        query = query.filter(a::municipality_id.eq(municipality.into_uuid()));
    }
    if let Some(after) = page.after {
        query = query.filter(a::id.gt(after));
    }
    let rows = query
        .order(a::id.asc())
        .limit(page.limit + 1)
        .select(ServiceAccountRow::as_select())
        .load(conn)?;
    Page::from_rows(rows, page.limit, |r| r.id).try_map(ServiceAccount::try_from)
}

/// Changes a service account under its row lock.
pub fn update(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: ServiceAccountId,
    expected_version: Option<i32>,
    changes: ServiceAccountChanges,
) -> Result<ServiceAccount, RepoError> {
    conn.transaction(|conn| {
        let current: ServiceAccount = a::service_accounts
            .filter(visible(scope))
            .filter(a::id.eq(id.into_uuid()))
            .select(ServiceAccountRow::as_select())
            .for_update()
            .first(conn)?
            .try_into()?;
        check_version(current.version, expected_version)?;
        let changeset = ServiceAccountChangeset {
            name: changes
                .name
                .map(ServiceAccountName::into_inner)
                .filter(|name| *name != current.name),
            scopes: changes
                .scopes
                .filter(|scopes| *scopes != current.scopes)
                .map(|scopes| scope_names(&scopes)),
            active: changes.active.filter(|active| *active != current.active),
            secret_hash: changes.secret_hash,
        };
        if changeset.name.is_none()
            && changeset.scopes.is_none()
            && changeset.active.is_none()
            && changeset.secret_hash.is_none()
        {
            return Ok(current);
        }
        diesel::update(a::service_accounts.filter(a::id.eq(id.into_uuid())))
            .set((changeset, a::version.eq(a::version + 1)))
            .returning(ServiceAccountRow::as_returning())
            .get_result(conn)?
            .try_into()
    })
}

/// Deletes a service account; its tokens stop working when they expire.
pub fn delete(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: ServiceAccountId,
    expected_version: Option<i32>,
) -> Result<(), RepoError> {
    conn.transaction(|conn| {
        let current: ServiceAccount = a::service_accounts
            .filter(visible(scope))
            .filter(a::id.eq(id.into_uuid()))
            .select(ServiceAccountRow::as_select())
            .for_update()
            .first(conn)?
            .try_into()?;
        check_version(current.version, expected_version)?;
        diesel::delete(a::service_accounts.filter(a::id.eq(id.into_uuid()))).execute(conn)?;
        Ok(())
    })
}

/// The account and its secret hash for a `client_credentials` grant, whatever the municipality.
pub fn find_for_token(
    conn: &mut PgConnection,
    client_id: &str,
) -> Result<Option<(ServiceAccount, Vec<u8>)>, RepoError> {
    let row: Option<(ServiceAccountRow, Vec<u8>)> = a::service_accounts
        .filter(a::client_id.eq(client_id))
        .select((ServiceAccountRow::as_select(), a::secret_hash))
        .first(conn)
        .optional()?;
    row.map(|(row, hash)| Ok((row.try_into()?, hash)))
        .transpose()
}

/// Notes that the account obtained a token.
pub fn record_use(conn: &mut PgConnection, id: ServiceAccountId) -> Result<(), RepoError> {
    diesel::update(a::service_accounts.filter(a::id.eq(id.into_uuid())))
        .set(a::last_used_at.eq(now))
        .execute(conn)?;
    Ok(())
}

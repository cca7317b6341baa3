//! Staff user accounts. Coordinators see the accounts of their municipality; admins see all.

use crate::{
    districts,
    error::{RepoError, corrupt},
    page::{Page, PageRequest},
    refresh_tokens,
    schema::staff_users::{self, dsl as s},
    versioned::check_version,
};
use chrono::{DateTime, Utc};
use diesel::{dsl::now, pg::Pg, prelude::*, sql_types::Bool};
use samspill_domain::{
    auth::TenantScope,
    ids::{MunicipalityId, StaffUserId, UnitId},
    user::{DisplayName, Email, Role, StaffUser},
};
use uuid::Uuid;

#[derive(Queryable, Selectable)]
#[diesel(table_name = staff_users, check_for_backend(Pg))]
struct StaffUserRow {
    id: Uuid,
    municipality_id: Option<Uuid>,
    email: String,
    display_name: String,
    role: String,
    password_change_required: bool,
    active: bool,
    last_login_at: Option<DateTime<Utc>>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<StaffUserRow> for StaffUser {
    type Error = RepoError;

    fn try_from(row: StaffUserRow) -> Result<Self, RepoError> {
        Ok(StaffUser {
            id: row.id.into(),
            municipality_id: row.municipality_id.map(Into::into),
            email: row.email,
            display_name: row.display_name,
            role: row.role.parse().map_err(|e| corrupt("role", e))?,
            password_change_required: row.password_change_required,
            active: row.active,
            last_login_at: row.last_login_at,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = staff_users, check_for_backend(Pg))]
struct NewStaffUserRow<'a> {
    id: Uuid,
    municipality_id: Option<Uuid>,
    email: &'a str,
    display_name: &'a str,
    role: &'a str,
    password_hash: &'a str,
    password_change_required: bool,
}

#[derive(AsChangeset)]
#[diesel(table_name = staff_users, check_for_backend(Pg))]
struct StaffUserChangeset {
    display_name: Option<String>,
    role: Option<&'static str>,
    active: Option<bool>,
    password_hash: Option<String>,
    password_change_required: Option<bool>,
}

/// An account to create. `municipality_id` is `None` exactly for admins.
#[derive(Debug, Clone)]
pub struct NewStaffUser {
    /// The municipality, `None` for admins.
    pub municipality_id: Option<MunicipalityId>,
    /// Login email.
    pub email: Email,
    /// Name shown to others.
    pub display_name: DisplayName,
    /// Role.
    pub role: Role,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Whether the password was generated and must be changed.
    pub password_change_required: bool,
}

/// What an update changes; `None` keeps the stored value.
#[derive(Debug, Clone, Default)]
pub struct StaffUserChanges {
    /// A new display name.
    pub display_name: Option<DisplayName>,
    /// A new role (within the same municipality).
    pub role: Option<Role>,
    /// Activate or deactivate.
    pub active: Option<bool>,
    /// A new password hash, and whether it must be changed at next opportunity.
    pub password: Option<(String, bool)>,
    /// The care districts (units of the account's municipality) a coordinator is limited to;
    /// empty makes them municipality-wide. An account leaving the coordinator role loses its
    /// districts.
    pub districts: Option<Vec<UnitId>>,
}

/// Filters for listing accounts.
#[derive(Debug, Clone, Copy, Default)]
pub struct StaffUserFilter {
    /// Only accounts of this municipality.
    pub municipality_id: Option<MunicipalityId>,
    /// Only accounts with this role.
    pub role: Option<Role>,
    /// Only active (or only inactive) accounts.
    pub active: Option<bool>,
}

/// The rows `scope` may see, as a filter usable in locking and boxed queries alike.
fn visible(
    scope: TenantScope,
) -> Box<dyn BoxableExpression<staff_users::table, Pg, SqlType = Bool>> {
    match scope.municipality() {
        Some(own) => Box::new(s::municipality_id.is_not_distinct_from(own.into_uuid())),
        None => Box::new(true.into_sql::<Bool>()),
    }
}

/// Stores a new account. A taken email is a `Duplicate` on `staff_users_email_key`.
pub fn insert(conn: &mut PgConnection, new: &NewStaffUser) -> Result<StaffUser, RepoError> {
    diesel::insert_into(staff_users::table)
        .values(NewStaffUserRow {
            id: StaffUserId::generate().into_uuid(),
            municipality_id: new.municipality_id.map(MunicipalityId::into_uuid),
            email: new.email.as_str(),
            display_name: new.display_name.as_str(),
            role: new.role.as_str(),
            password_hash: &new.password_hash,
            password_change_required: new.password_change_required,
        })
        .returning(StaffUserRow::as_returning())
        .get_result(conn)?
        .try_into()
}

/// One account, if the scope sees it.
pub fn find(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: StaffUserId,
) -> Result<StaffUser, RepoError> {
    s::staff_users
        .filter(visible(scope))
        .filter(s::id.eq(id.into_uuid()))
        .select(StaffUserRow::as_select())
        .first(conn)?
        .try_into()
}

/// A page of the accounts the scope sees, in id order.
pub fn list(
    conn: &mut PgConnection,
    scope: TenantScope,
    filter: StaffUserFilter,
    page: PageRequest,
) -> Result<Page<StaffUser>, RepoError> {
    let mut query = s::staff_users.into_boxed().filter(visible(scope));
    if let Some(municipality) = filter.municipality_id {
        query = query.filter(s::municipality_id.eq(municipality.into_uuid()));
    }
    if let Some(role) = filter.role {
        query = query.filter(s::role.eq(role.as_str()));
    }
    if let Some(active) = filter.active {
        query = query.filter(s::active.eq(active));
    }
    if let Some(after) = page.after {
        query = query.filter(s::id.gt(after));
    }
    let rows = query
        .order(s::id.asc())
        .limit(page.limit + 1)
        .select(StaffUserRow::as_select())
        .load(conn)?;
    Page::from_rows(rows, page.limit, |r| r.id).try_map(StaffUser::try_from)
}

/// Changes an account under its row lock. `authorize` sees the current state and may refuse.
/// Deactivating an account or setting a new password ends all its refresh-token sessions.
pub fn update<E>(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: StaffUserId,
    expected_version: Option<i32>,
    change: impl FnOnce(&StaffUser) -> Result<StaffUserChanges, E>,
) -> Result<StaffUser, E>
where
    E: From<RepoError> + From<diesel::result::Error>,
{
    conn.transaction::<_, E, _>(|conn| {
        let current: StaffUser = s::staff_users
            .filter(visible(scope))
            .filter(s::id.eq(id.into_uuid()))
            .select(StaffUserRow::as_select())
            .for_update()
            .first(conn)
            .map_err(RepoError::from)?
            .try_into()
            .map_err(E::from)?;
        let changes = change(&current)?;
        check_version(current.version, expected_version).map_err(E::from)?;
        let leaves_coordinators = changes.role.is_some_and(|role| role != Role::Coordinator)
            && current.role == Role::Coordinator;
        let districts = match (changes.districts, leaves_coordinators) {
            (_, true) => Some(Vec::new()),
            (wanted, false) => wanted,
        };
        let districts_change = match (districts, current.municipality_id) {
            (Some(mut wanted), Some(municipality)) => {
                wanted.sort_by_key(|unit| unit.into_uuid());
                wanted.dedup();
                (wanted != districts::of(conn, id).map_err(E::from)?)
                    .then_some((municipality, wanted))
            }
            _ => None,
        };
        let ends_sessions =
            changes.active == Some(false) && current.active || changes.password.is_some();
        let (password_hash, password_change_required) = match changes.password {
            Some((hash, required)) => (Some(hash), Some(required)),
            None => (None, None),
        };
        let changeset = StaffUserChangeset {
            display_name: changes
                .display_name
                .map(DisplayName::into_inner)
                .filter(|name| *name != current.display_name),
            role: changes
                .role
                .filter(|role| *role != current.role)
                .map(Role::as_str),
            active: changes.active.filter(|active| *active != current.active),
            password_hash,
            password_change_required,
        };
        if changeset.display_name.is_none()
            && changeset.role.is_none()
            && changeset.active.is_none()
            && changeset.password_hash.is_none()
            && districts_change.is_none()
        {
            return Ok(current);
        }
        if let Some((municipality, units)) = &districts_change {
            districts::replace(conn, *municipality, id, units).map_err(E::from)?;
        }
        let updated = diesel::update(s::staff_users.filter(s::id.eq(id.into_uuid())))
            .set((changeset, s::version.eq(s::version + 1)))
            .returning(StaffUserRow::as_returning())
            .get_result(conn)
            .map_err(RepoError::from)?
            .try_into()
            .map_err(E::from)?;
        if ends_sessions {
            refresh_tokens::revoke_for_user(conn, id).map_err(E::from)?;
        }
        Ok(updated)
    })
}

/// The account and its password hash for a login by email, whatever the municipality.
pub fn find_for_login(
    conn: &mut PgConnection,
    email: &Email,
) -> Result<Option<(StaffUser, String)>, RepoError> {
    let row: Option<(StaffUserRow, String)> = s::staff_users
        .filter(s::email.eq(email.as_str()))
        .select((StaffUserRow::as_select(), s::password_hash))
        .first(conn)
        .optional()?;
    row.map(|(row, hash)| Ok((row.try_into()?, hash)))
        .transpose()
}

/// The password hash of an account, to check the current password before a change.
pub fn password_hash(conn: &mut PgConnection, id: StaffUserId) -> Result<String, RepoError> {
    Ok(s::staff_users
        .filter(s::id.eq(id.into_uuid()))
        .select(s::password_hash)
        .first(conn)?)
}

/// An account by id whatever the municipality: token refresh re-reads the account it acts for.
pub fn find_for_token(conn: &mut PgConnection, id: StaffUserId) -> Result<StaffUser, RepoError> {
    s::staff_users
        .filter(s::id.eq(id.into_uuid()))
        .select(StaffUserRow::as_select())
        .first(conn)?
        .try_into()
}

/// Notes a successful password login.
pub fn record_login(conn: &mut PgConnection, id: StaffUserId) -> Result<(), RepoError> {
    diesel::update(s::staff_users.filter(s::id.eq(id.into_uuid())))
        .set(s::last_login_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// How many accounts exist at all (zero on a new installation).
pub fn count_all(conn: &mut PgConnection) -> Result<i64, RepoError> {
    Ok(s::staff_users.count().get_result(conn)?)
}

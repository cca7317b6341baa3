//! Contact persons of a municipality.

use crate::{
    error::{RepoError, corrupt},
    page::{Page, PageRequest},
    schema::contact_persons::{self, dsl as c},
    versioned::check_version,
};
use chrono::{DateTime, Utc};
use diesel::{pg::Pg, prelude::*, sql_types::Bool};
use samspill_domain::{
    auth::TenantScope,
    contact::{ContactPerson, ContactPersonKind, ContactPersonName},
    ids::{ContactPersonId, MunicipalityId, StaffUserId},
    phone::PhoneNumber,
    user::Email,
};
use uuid::Uuid;

#[derive(Queryable, Selectable)]
#[diesel(table_name = contact_persons, check_for_backend(Pg))]
struct ContactPersonRow {
    id: Uuid,
    municipality_id: Uuid,
    kind: String,
    name: String,
    email: Option<String>,
    phone: Option<String>,
    staff_user_id: Option<Uuid>,
    active: bool,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<ContactPersonRow> for ContactPerson {
    type Error = RepoError;

    fn try_from(row: ContactPersonRow) -> Result<Self, RepoError> {
        Ok(ContactPerson {
            id: row.id.into(),
            municipality_id: row.municipality_id.into(),
            kind: row
                .kind
                .parse()
                .map_err(|e| corrupt("contact person kind", e))?,
            name: row.name,
            email: row.email,
            phone: row.phone,
            staff_user_id: row.staff_user_id.map(Into::into),
            active: row.active,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A contact person to create.
#[derive(Debug, Clone)]
pub struct NewContactPerson {
    /// The municipality.
    pub municipality_id: MunicipalityId,
    /// Staff or group representative.
    pub kind: ContactPersonKind,
    /// Full name.
    pub name: ContactPersonName,
    /// Email.
    pub email: Option<Email>,
    /// Phone.
    pub phone: Option<PhoneNumber>,
    /// Linked staff account (checked by the caller).
    pub staff_user_id: Option<StaffUserId>,
}

/// What an update changes; `None` keeps the stored value, `Some(None)` clears an optional field.
#[derive(Debug, Clone, Default)]
pub struct ContactPersonChanges {
    /// A new name.
    pub name: Option<ContactPersonName>,
    /// A new email, or none.
    pub email: Option<Option<Email>>,
    /// A new phone, or none.
    pub phone: Option<Option<PhoneNumber>>,
    /// A new linked account, or none.
    pub staff_user_id: Option<Option<StaffUserId>>,
    /// Activate or deactivate.
    pub active: Option<bool>,
}

#[derive(AsChangeset)]
#[diesel(table_name = contact_persons, check_for_backend(Pg))]
struct ContactPersonChangeset {
    name: Option<String>,
    email: Option<Option<String>>,
    phone: Option<Option<String>>,
    staff_user_id: Option<Option<Uuid>>,
    active: Option<bool>,
}

/// Filters for listing.
#[derive(Debug, Clone, Copy, Default)]
pub struct ContactPersonFilter {
    /// Only this municipality.
    pub municipality_id: Option<MunicipalityId>,
    /// Only this kind.
    pub kind: Option<ContactPersonKind>,
    /// Only active (or inactive) ones.
    pub active: Option<bool>,
}

/// The rows `scope` may see.
fn visible(
    scope: TenantScope,
) -> Box<dyn BoxableExpression<contact_persons::table, Pg, SqlType = Bool>> {
    match scope.municipality() {
        Some(own) => Box::new(c::municipality_id.eq(own.into_uuid())),
        None => Box::new(true.into_sql::<Bool>()),
    }
}

/// Stores a new contact person.
pub fn insert(conn: &mut PgConnection, new: &NewContactPerson) -> Result<ContactPerson, RepoError> {
    diesel::insert_into(contact_persons::table)
        .values((
            c::id.eq(ContactPersonId::generate().into_uuid()),
            c::municipality_id.eq(new.municipality_id.into_uuid()),
            c::kind.eq(new.kind.as_str()),
            c::name.eq(new.name.as_str()),
            c::email.eq(new.email.as_ref().map(Email::as_str)),
            c::phone.eq(new.phone.as_ref().map(PhoneNumber::as_str)),
            c::staff_user_id.eq(new.staff_user_id.map(StaffUserId::into_uuid)),
        ))
        .returning(ContactPersonRow::as_returning())
        .get_result(conn)?
        .try_into()
}

/// One contact person, if the scope sees it.
pub fn find(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: ContactPersonId,
) -> Result<ContactPerson, RepoError> {
    c::contact_persons
        .filter(visible(scope))
        .filter(c::id.eq(id.into_uuid()))
        .select(ContactPersonRow::as_select())
        .first(conn)?
        .try_into()
}

/// The contact person linked to the staff account `account`, if the scope sees one.
pub fn of_account(
    conn: &mut PgConnection,
    scope: TenantScope,
    account: StaffUserId,
) -> Result<Option<ContactPerson>, RepoError> {
    c::contact_persons
        .filter(visible(scope))
        .filter(c::staff_user_id.eq(account.into_uuid()))
        .select(ContactPersonRow::as_select())
        .first(conn)
        .optional()?
        .map(ContactPerson::try_from)
        .transpose()
}

/// A page of the contact persons the scope sees, in id order.
pub fn list(
    conn: &mut PgConnection,
    scope: TenantScope,
    filter: ContactPersonFilter,
    page: PageRequest,
) -> Result<Page<ContactPerson>, RepoError> {
    let mut query = c::contact_persons.into_boxed().filter(visible(scope));
    if let Some(municipality) = filter.municipality_id {
        query = query.filter(c::municipality_id.eq(municipality.into_uuid()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(c::kind.eq(kind.as_str()));
    }
    if let Some(active) = filter.active {
        query = query.filter(c::active.eq(active));
    }
    if let Some(after) = page.after {
        query = query.filter(c::id.gt(after));
    }
    let rows = query
        .order(c::id.asc())
        .limit(page.limit + 1)
        .select(ContactPersonRow::as_select())
        .load(conn)?;
    Page::from_rows(rows, page.limit, |r| r.id).try_map(ContactPerson::try_from)
}

/// Changes a contact person under its row lock; `change` sees the current state and may refuse.
pub fn update<E>(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: ContactPersonId,
    expected_version: Option<i32>,
    change: impl FnOnce(&mut PgConnection, &ContactPerson) -> Result<ContactPersonChanges, E>,
) -> Result<ContactPerson, E>
where
    E: From<RepoError> + From<diesel::result::Error>,
{
    conn.transaction::<_, E, _>(|conn| {
        let current: ContactPerson = c::contact_persons
            .filter(visible(scope))
            .filter(c::id.eq(id.into_uuid()))
            .select(ContactPersonRow::as_select())
            .for_update()
            .first(conn)
            .map_err(RepoError::from)?
            .try_into()
            .map_err(E::from)?;
        let changes = change(conn, &current)?;
        check_version(current.version, expected_version).map_err(E::from)?;
        let changeset = ContactPersonChangeset {
            name: changes
                .name
                .map(ContactPersonName::into_inner)
                .filter(|name| *name != current.name),
            email: changes
                .email
                .map(|email| email.map(|e| e.as_str().to_owned()))
                .filter(|email| *email != current.email),
            phone: changes
                .phone
                .map(|phone| phone.map(|p| p.as_str().to_owned()))
                .filter(|phone| *phone != current.phone),
            staff_user_id: changes
                .staff_user_id
                .filter(|link| *link != current.staff_user_id)
                .map(|link| link.map(StaffUserId::into_uuid)),
            active: changes.active.filter(|active| *active != current.active),
        };
        if changeset.name.is_none()
            && changeset.email.is_none()
            && changeset.phone.is_none()
            && changeset.staff_user_id.is_none()
            && changeset.active.is_none()
        {
            return Ok(current);
        }
        diesel::update(c::contact_persons.filter(c::id.eq(id.into_uuid())))
            .set((changeset, c::version.eq(c::version + 1)))
            .returning(ContactPersonRow::as_returning())
            .get_result(conn)
            .map_err(RepoError::from)?
            .try_into()
            .map_err(E::from)
    })
}

/// Deletes a contact person nobody refers to (`Reference` otherwise).
pub fn delete(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: ContactPersonId,
    expected_version: Option<i32>,
) -> Result<(), RepoError> {
    conn.transaction(|conn| {
        let current: ContactPerson = c::contact_persons
            .filter(visible(scope))
            .filter(c::id.eq(id.into_uuid()))
            .select(ContactPersonRow::as_select())
            .for_update()
            .first(conn)?
            .try_into()?;
        check_version(current.version, expected_version)?;
        diesel::delete(c::contact_persons.filter(c::id.eq(id.into_uuid()))).execute(conn)?;
        Ok(())
    })
}

//! Groups and their named members. The group's contact person must be a group representative
//! of the municipality; replacing them sends an approved group back to screening and is kept
//! in the group's status history.

use crate::{
    districts,
    error::{RepoError, corrupt},
    page::{Page, PageRequest},
    schema::{
        contact_persons::dsl as c,
        group_members::dsl as gm,
        group_status_changes::dsl as h,
        groups::{self, dsl as g},
        volunteers::dsl as v,
    },
    versioned::check_version,
};
use chrono::{DateTime, Utc};
use diesel::{pg::Pg, prelude::*, sql_types::Bool};
use samspill_domain::{
    ParseError,
    auth::{Audience, TenantScope},
    contact::ContactPersonKind,
    group::{
        Group, GroupKind, GroupName, OrgNumber, after_contact_person_replaced, check_member_list,
    },
    ids::{ContactPersonId, GroupId, MunicipalityId, StaffUserId, UnitId, VolunteerId},
    volunteer::VolunteerStatus,
};
use std::collections::HashMap;
use uuid::Uuid;

/// The reason kept in the history when the contact person is replaced.
pub const CONTACT_PERSON_REPLACED: &str = "contact person replaced";

#[derive(Queryable, Selectable)]
#[diesel(table_name = groups, check_for_backend(Pg))]
struct GroupRow {
    id: Uuid,
    municipality_id: Uuid,
    name: String,
    kind: String,
    org_number: Option<String>,
    description: Option<String>,
    home_unit_id: Option<Uuid>,
    contact_person_id: Uuid,
    head_count: i32,
    status: String,
    external_reference: Option<String>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl GroupRow {
    fn into_group(self, member_ids: Vec<VolunteerId>) -> Result<Group, RepoError> {
        Ok(Group {
            id: self.id.into(),
            municipality_id: self.municipality_id.into(),
            name: self.name,
            kind: self.kind.parse().map_err(|e| corrupt("group kind", e))?,
            org_number: self.org_number,
            description: self.description,
            home_unit_id: self.home_unit_id.map(Into::into),
            contact_person_id: self.contact_person_id.into(),
            head_count: self.head_count,
            status: self
                .status
                .parse()
                .map_err(|e| corrupt("group status", e))?,
            external_reference: self.external_reference,
            member_ids,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// A group to create (values checked by the caller; references checked here).
#[derive(Debug, Clone)]
pub struct NewGroup {
    /// The municipality.
    pub municipality_id: MunicipalityId,
    /// Its name.
    pub name: GroupName,
    /// What kind.
    pub kind: GroupKind,
    /// Its organisation number.
    pub org_number: Option<OrgNumber>,
    /// What the group is and does.
    pub description: Option<String>,
    /// Its home unit.
    pub home_unit_id: Option<UnitId>,
    /// The group's contact person: an active group representative of the municipality.
    pub contact_person_id: ContactPersonId,
    /// How many people take part.
    pub head_count: i32,
    /// The id a municipal system knows the group by.
    pub external_reference: Option<String>,
}

/// What an update changes; `None` keeps the stored value, `Some(None)` clears an optional field.
#[derive(Debug, Clone, Default)]
pub struct GroupChanges {
    /// A new name.
    pub name: Option<GroupName>,
    /// A new kind.
    pub kind: Option<GroupKind>,
    /// A new organisation number, or none.
    pub org_number: Option<Option<OrgNumber>>,
    /// A new description, or none.
    pub description: Option<Option<String>>,
    /// A new home unit, or none.
    pub home_unit_id: Option<Option<UnitId>>,
    /// A new contact person (the group goes back to screening if it was approved or paused).
    pub contact_person_id: Option<ContactPersonId>,
    /// A new head count.
    pub head_count: Option<i32>,
    /// A new external reference, or none.
    pub external_reference: Option<Option<String>>,
    /// A new member list, replacing the stored one.
    pub member_ids: Option<Vec<VolunteerId>>,
}

#[derive(AsChangeset)]
#[diesel(table_name = groups, check_for_backend(Pg))]
struct GroupChangeset {
    name: Option<String>,
    kind: Option<String>,
    org_number: Option<Option<String>>,
    description: Option<Option<String>>,
    home_unit_id: Option<Option<Uuid>>,
    contact_person_id: Option<Uuid>,
    head_count: Option<i32>,
    status: Option<String>,
    external_reference: Option<Option<String>>,
}

impl GroupChangeset {
    fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.kind.is_none()
            && self.org_number.is_none()
            && self.description.is_none()
            && self.home_unit_id.is_none()
            && self.contact_person_id.is_none()
            && self.head_count.is_none()
            && self.status.is_none()
            && self.external_reference.is_none()
    }
}

/// Filters for listing groups.
#[derive(Debug, Clone, Copy, Default)]
pub struct GroupFilter {
    /// Only this municipality.
    pub municipality_id: Option<MunicipalityId>,
    /// Only this status.
    pub status: Option<VolunteerStatus>,
    /// Only this kind.
    pub kind: Option<GroupKind>,
    /// Only groups with this contact person.
    pub contact_person_id: Option<ContactPersonId>,
}

/// The groups `scope` may see.
fn visible(scope: TenantScope) -> Box<dyn BoxableExpression<groups::table, Pg, SqlType = Bool>> {
    match scope.municipality() {
        Some(own) => Box::new(g::municipality_id.eq(own.into_uuid())),
        None => Box::new(true.into_sql::<Bool>()),
    }
}

/// The members of each of `ids`, in volunteer id order, in one query.
fn members_of(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<VolunteerId>>, RepoError> {
    let rows: Vec<(Uuid, Uuid)> = gm::group_members
        .filter(gm::group_id.eq_any(ids))
        .order((gm::group_id.asc(), gm::volunteer_id.asc()))
        .select((gm::group_id, gm::volunteer_id))
        .load(conn)?;
    let mut members: HashMap<Uuid, Vec<VolunteerId>> = HashMap::new();
    for (group, volunteer) in rows {
        members.entry(group).or_default().push(volunteer.into());
    }
    Ok(members)
}

fn with_members(conn: &mut PgConnection, row: GroupRow) -> Result<Group, RepoError> {
    let members = members_of(conn, &[row.id])?
        .remove(&row.id)
        .unwrap_or_default();
    row.into_group(members)
}

/// A home unit, contact person or member outside the group's municipality is a field error.
fn reference_fields(error: diesel::result::Error) -> RepoError {
    let field = |name: &str, what: &str| {
        RepoError::invalid(
            name,
            ParseError::new(
                "not_found",
                format!("no {what} with this id in the municipality"),
            ),
        )
    };
    match RepoError::from(error) {
        RepoError::Reference { constraint } => match constraint.as_str() {
            "groups_home_unit_fkey" => field("home_unit_id", "unit"),
            "groups_contact_person_fkey" => field("contact_person_id", "contact person"),
            "group_members_volunteer_fkey" => field("member_ids", "volunteer"),
            _ => RepoError::Reference { constraint },
        },
        other => other,
    }
}

/// Checks, under a share lock, that `id` is an active group representative of `municipality`.
fn check_contact_person(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    id: ContactPersonId,
) -> Result<(), RepoError> {
    let found: Option<(String, bool)> = c::contact_persons
        .filter(c::id.eq(id.into_uuid()))
        .filter(c::municipality_id.eq(municipality.into_uuid()))
        .select((c::kind, c::active))
        .for_share()
        .first(conn)
        .optional()?;
    let refuse = |code: &'static str, message: &'static str| {
        Err(RepoError::invalid(
            "contact_person_id",
            ParseError::new(code, message),
        ))
    };
    match found {
        None => refuse(
            "not_found",
            "no contact person with this id in the municipality",
        ),
        Some((kind, _)) if kind != ContactPersonKind::GroupRepresentative.as_str() => refuse(
            "not_group_representative",
            "a group's contact person must be of kind group_representative",
        ),
        Some((_, false)) => refuse(
            "inactive",
            "this contact person is deactivated: activate them or choose another",
        ),
        Some(_) => Ok(()),
    }
}

/// Checks a member list: each volunteer once, at most 500, each a volunteer of `municipality`
/// who has not been erased (share-locked until the transaction ends).
fn check_members(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    members: &[VolunteerId],
) -> Result<(), RepoError> {
    check_member_list(members).map_err(RepoError::Invalid)?;
    let ids: Vec<Uuid> = members.iter().map(|m| m.into_uuid()).collect();
    let found: Vec<Uuid> = v::volunteers
        .filter(v::id.eq_any(&ids))
        .filter(v::municipality_id.eq(municipality.into_uuid()))
        .filter(v::erased_at.is_null())
        .select(v::id)
        .for_share()
        .load(conn)?;
    let missing: Vec<(String, ParseError)> = ids
        .iter()
        .enumerate()
        .filter(|(_, id)| !found.contains(id))
        .map(|(i, _)| {
            (
                format!("member_ids[{i}]"),
                ParseError::new("not_found", "no volunteer with this id in the municipality"),
            )
        })
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(RepoError::Invalid(missing))
    }
}

fn insert_members(
    conn: &mut PgConnection,
    group: Uuid,
    municipality: MunicipalityId,
    members: &[VolunteerId],
) -> Result<(), RepoError> {
    let rows: Vec<_> = members
        .iter()
        .map(|member| {
            (
                gm::group_id.eq(group),
                gm::volunteer_id.eq(member.into_uuid()),
                gm::municipality_id.eq(municipality.into_uuid()),
            )
        })
        .collect();
    if !rows.is_empty() {
        diesel::insert_into(gm::group_members)
            .values(rows)
            .execute(conn)
            .map_err(reference_fields)?;
    }
    Ok(())
}

/// Stores a new group with status `registered` and its members, in one transaction.
pub fn insert(
    conn: &mut PgConnection,
    new: &NewGroup,
    members: &[VolunteerId],
) -> Result<Group, RepoError> {
    conn.transaction(|conn| {
        check_contact_person(conn, new.municipality_id, new.contact_person_id)?;
        check_members(conn, new.municipality_id, members)?;
        let row: GroupRow = diesel::insert_into(g::groups)
            .values((
                g::id.eq(GroupId::generate().into_uuid()),
                g::municipality_id.eq(new.municipality_id.into_uuid()),
                g::name.eq(new.name.as_str()),
                g::kind.eq(new.kind.as_str()),
                g::org_number.eq(new.org_number.as_ref().map(OrgNumber::as_str)),
                g::description.eq(new.description.as_deref()),
                g::home_unit_id.eq(new.home_unit_id.map(UnitId::into_uuid)),
                g::contact_person_id.eq(new.contact_person_id.into_uuid()),
                g::head_count.eq(new.head_count),
                g::external_reference.eq(new.external_reference.as_deref()),
            ))
            .returning(GroupRow::as_returning())
            .get_result(conn)
            .map_err(reference_fields)?;
        insert_members(conn, row.id, new.municipality_id, members)?;
        with_members(conn, row)
    })
}

/// One group with its members, if the scope sees it.
pub fn find(conn: &mut PgConnection, scope: TenantScope, id: GroupId) -> Result<Group, RepoError> {
    let row = g::groups
        .filter(visible(scope))
        .filter(g::id.eq(id.into_uuid()))
        .select(GroupRow::as_select())
        .first(conn)?;
    with_members(conn, row)
}

/// The groups `audience` sees among those of its scope: a coordinator limited to care
/// districts those whose home unit is in them.
fn seen_by(audience: Audience) -> Box<dyn BoxableExpression<groups::table, Pg, SqlType = Bool>> {
    match audience {
        Audience::Coordinator(account) => Box::new(districts::groups(account)),
        _ => Box::new(true.into_sql::<Bool>()),
    }
}

/// One group with its members, if the scope and `audience` see it.
pub fn find_seen(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    id: GroupId,
) -> Result<Group, RepoError> {
    let row = g::groups
        .filter(visible(scope))
        .filter(seen_by(audience))
        .filter(g::id.eq(id.into_uuid()))
        .select(GroupRow::as_select())
        .first(conn)?;
    with_members(conn, row)
}

/// One group with its members, its row locked until the transaction ends.
pub fn locked(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: GroupId,
) -> Result<Group, RepoError> {
    let row = g::groups
        .filter(visible(scope))
        .filter(g::id.eq(id.into_uuid()))
        .select(GroupRow::as_select())
        .for_update()
        .first(conn)?;
    with_members(conn, row)
}

/// A page of the groups the scope and `audience` see, filtered, in id order, with their members.
pub fn list(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    filter: GroupFilter,
    page: PageRequest,
) -> Result<Page<Group>, RepoError> {
    let mut query = g::groups
        .into_boxed()
        .filter(visible(scope))
        .filter(seen_by(audience));
    if let Some(municipality) = filter.municipality_id {
        query = query.filter(g::municipality_id.eq(municipality.into_uuid()));
    }
    if let Some(status) = filter.status {
        query = query.filter(g::status.eq(status.as_str()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(g::kind.eq(kind.as_str()));
    }
    if let Some(contact) = filter.contact_person_id {
        query = query.filter(g::contact_person_id.eq(contact.into_uuid()));
    }
    if let Some(after) = page.after {
        query = query.filter(g::id.gt(after));
    }
    let rows = query
        .order(g::id.asc())
        .limit(page.limit + 1)
        .select(GroupRow::as_select())
        .load(conn)?;
    let page = Page::from_rows(rows, page.limit, |r| r.id);
    let ids: Vec<Uuid> = page.items.iter().map(|r| r.id).collect();
    let mut members = members_of(conn, &ids)?;
    page.try_map(|row| {
        let of_row = members.remove(&row.id).unwrap_or_default();
        row.into_group(of_row)
    })
}

fn record_change(
    conn: &mut PgConnection,
    group: GroupId,
    from: VolunteerStatus,
    to: VolunteerStatus,
    reason: &str,
    actor: StaffUserId,
) -> Result<(), RepoError> {
    diesel::insert_into(h::group_status_changes)
        .values((
            h::id.eq(Uuid::now_v7()),
            h::group_id.eq(group.into_uuid()),
            h::from_status.eq(from.as_str()),
            h::to_status.eq(to.as_str()),
            h::reason.eq(reason),
            h::changed_by.eq(actor.into_uuid()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Moves `group` (found and checked by the caller, ideally under [`locked`]) to `to`, raising
/// its version, and records the change with its reason and actor. Run it in a transaction.
pub fn set_status(
    conn: &mut PgConnection,
    group: &Group,
    to: VolunteerStatus,
    reason: &str,
    actor: StaffUserId,
) -> Result<Group, RepoError> {
    record_change(conn, group.id, group.status, to, reason, actor)?;
    let row = diesel::update(g::groups.filter(g::id.eq(group.id.into_uuid())))
        .set((g::status.eq(to.as_str()), g::version.eq(g::version + 1)))
        .returning(GroupRow::as_returning())
        .get_result(conn)?;
    row.into_group(group.member_ids.clone())
}

/// Changes a group under its row lock: `change` sees the current group and returns what to
/// change. The version rises by one when anything changed. A new member list replaces the old
/// one; a new contact person is checked, and the replacement is recorded in the status history
/// (moving an approved or paused group back to `in_screening`), by `actor`.
pub fn update<E>(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: GroupId,
    expected_version: Option<i32>,
    actor: StaffUserId,
    change: impl FnOnce(&mut PgConnection, &Group) -> Result<GroupChanges, E>,
) -> Result<Group, E>
where
    E: From<RepoError> + From<diesel::result::Error>,
{
    conn.transaction::<_, E, _>(|conn| {
        let current = locked(conn, scope, id)?;
        let changes = change(conn, &current)?;
        let contact_person_id = changes
            .contact_person_id
            .filter(|person| *person != current.contact_person_id);
        if let Some(person) = contact_person_id {
            check_contact_person(conn, current.municipality_id, person)?;
        }
        let replaced_status = contact_person_id.and(after_contact_person_replaced(current.status));
        let members = match changes.member_ids {
            Some(members) => {
                check_members(conn, current.municipality_id, &members)?;
                let mut sorted = members.clone();
                sorted.sort_by_key(|m| m.into_uuid());
                (sorted != current.member_ids).then_some(members)
            }
            None => None,
        };
        // The change is judged before its If-Match: an invalid one is a 422 whatever version.
        check_version(current.version, expected_version)?;
        let changeset = GroupChangeset {
            name: changes
                .name
                .map(GroupName::into_inner)
                .filter(|name| *name != current.name),
            kind: changes
                .kind
                .filter(|kind| *kind != current.kind)
                .map(|kind| kind.as_str().to_owned()),
            org_number: changes
                .org_number
                .map(|number| number.map(|n| n.as_str().to_owned()))
                .filter(|number| *number != current.org_number),
            description: changes
                .description
                .filter(|description| *description != current.description),
            home_unit_id: changes
                .home_unit_id
                .filter(|unit| *unit != current.home_unit_id)
                .map(|unit| unit.map(UnitId::into_uuid)),
            contact_person_id: contact_person_id.map(ContactPersonId::into_uuid),
            head_count: changes
                .head_count
                .filter(|count| *count != current.head_count),
            status: replaced_status.map(|status| status.as_str().to_owned()),
            external_reference: changes
                .external_reference
                .filter(|reference| *reference != current.external_reference),
        };
        if changeset.is_empty() && members.is_none() {
            return Ok(current);
        }
        if contact_person_id.is_some() {
            let to = replaced_status.unwrap_or(current.status);
            record_change(conn, id, current.status, to, CONTACT_PERSON_REPLACED, actor)?;
        }
        if let Some(members) = &members {
            diesel::delete(gm::group_members.filter(gm::group_id.eq(id.into_uuid())))
                .execute(conn)?;
            insert_members(conn, id.into_uuid(), current.municipality_id, members)?;
        }
        let target = g::groups.filter(g::id.eq(id.into_uuid()));
        let row: GroupRow = if changeset.is_empty() {
            diesel::update(target)
                .set(g::version.eq(g::version + 1))
                .returning(GroupRow::as_returning())
                .get_result(conn)
        } else {
            diesel::update(target)
                .set((changeset, g::version.eq(g::version + 1)))
                .returning(GroupRow::as_returning())
                .get_result(conn)
        }
        .map_err(reference_fields)?;
        Ok(with_members(conn, row)?)
    })
}

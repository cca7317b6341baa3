//! The audit log of sensitive reads and changes. Rows hold ids only, so they outlive both the
//! accounts they name and the erasure of the volunteer they concern.

use crate::{
    error::{RepoError, corrupt},
    page::{Page, PageRequest},
    schema::audit_log::{self, dsl as a},
};
use chrono::{DateTime, Utc};
use diesel::{pg::Pg, prelude::*};
use samspill_domain::{
    audit::{Actor, AuditAction, AuditEntry, AuditResource},
    ids::{MunicipalityId, VolunteerId},
    volunteer::Volunteer,
};
use uuid::Uuid;

#[derive(Queryable, Selectable)]
#[diesel(table_name = audit_log, check_for_backend(Pg))]
struct AuditRow {
    id: Uuid,
    municipality_id: Uuid,
    volunteer_id: Option<Uuid>,
    actor_kind: String,
    actor_id: Uuid,
    action: String,
    resource: String,
    resource_id: Option<Uuid>,
    at: DateTime<Utc>,
    request_id: Option<Uuid>,
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = RepoError;

    fn try_from(row: AuditRow) -> Result<Self, RepoError> {
        Ok(AuditEntry {
            id: row.id,
            municipality_id: row.municipality_id.into(),
            volunteer_id: row.volunteer_id.map(Into::into),
            actor_kind: row
                .actor_kind
                .parse()
                .map_err(|e| corrupt("actor kind", e))?,
            actor_id: row.actor_id,
            action: row.action.parse().map_err(|e| corrupt("audit action", e))?,
            resource: row
                .resource
                .parse()
                .map_err(|e| corrupt("audit resource", e))?,
            resource_id: row.resource_id,
            request_id: row.request_id,
            at: row.at,
        })
    }
}

/// What happened, to be written to the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewAuditEntry {
    /// The municipality the record belongs to.
    pub municipality_id: MunicipalityId,
    /// The volunteer the record concerns, if any.
    pub volunteer_id: Option<VolunteerId>,
    /// Who acted.
    pub actor: Actor,
    /// What they did.
    pub action: AuditAction,
    /// To what kind of record.
    pub resource: AuditResource,
    /// The record, when one was named (`None` for a list).
    pub resource_id: Option<Uuid>,
}

impl NewAuditEntry {
    /// An entry about a record of `volunteer`.
    pub fn about(
        volunteer: &Volunteer,
        actor: Actor,
        action: AuditAction,
        resource: AuditResource,
        resource_id: Option<Uuid>,
    ) -> Self {
        Self {
            municipality_id: volunteer.municipality_id,
            volunteer_id: Some(volunteer.id),
            actor,
            action,
            resource,
            resource_id,
        }
    }
}

/// Writes one line to the audit log. Call it inside the transaction of the read or change it
/// records, so that neither happens without the other.
pub fn record(conn: &mut PgConnection, entry: &NewAuditEntry) -> Result<AuditEntry, RepoError> {
    diesel::insert_into(a::audit_log)
        .values((
            a::id.eq(Uuid::now_v7()),
            a::municipality_id.eq(entry.municipality_id.into_uuid()),
            a::volunteer_id.eq(entry.volunteer_id.map(VolunteerId::into_uuid)),
            a::actor_kind.eq(entry.actor.kind.as_str()),
            a::actor_id.eq(entry.actor.id),
            a::action.eq(entry.action.as_str()),
            a::resource.eq(entry.resource.as_str()),
            a::resource_id.eq(entry.resource_id),
            a::request_id.eq(entry.actor.request_id),
        ))
        .returning(AuditRow::as_returning())
        .get_result(conn)?
        .try_into()
}

/// A page of the audit log about a volunteer (found and tenant-checked by the caller), in id
/// order, which is the order the entries were written in.
pub fn for_volunteer(
    conn: &mut PgConnection,
    volunteer: &Volunteer,
    page: PageRequest,
) -> Result<Page<AuditEntry>, RepoError> {
    of_volunteer_id(conn, Some(volunteer.municipality_id), volunteer.id, page)
}

/// A page of the audit log about the volunteer `id` whose record is gone (deleted when its
/// retention ran out): in `municipality`, or in any for an administrator (`None`). `NotFound`
/// when there is no entry about them at all.
pub fn of_deleted(
    conn: &mut PgConnection,
    municipality: Option<MunicipalityId>,
    id: VolunteerId,
    page: PageRequest,
) -> Result<Page<AuditEntry>, RepoError> {
    let mut any = a::audit_log
        .into_boxed()
        .filter(a::volunteer_id.eq(id.into_uuid()));
    if let Some(m) = municipality {
        any = any.filter(a::municipality_id.eq(m.into_uuid()));
    }
    let known: Option<Uuid> = any.select(a::municipality_id).first(conn).optional()?;
    let Some(found_in) = known else {
        return Err(RepoError::NotFound);
    };
    // The record is gone only if no volunteer has the id (an erased one is read as it is).
    use crate::schema::volunteers::dsl as v;
    let exists: bool = diesel::select(diesel::dsl::exists(
        v::volunteers.filter(v::id.eq(id.into_uuid())),
    ))
    .get_result(conn)?;
    if exists {
        return Err(RepoError::NotFound);
    }
    of_volunteer_id(conn, Some(found_in.into()), id, page)
}

fn of_volunteer_id(
    conn: &mut PgConnection,
    municipality: Option<MunicipalityId>,
    id: VolunteerId,
    page: PageRequest,
) -> Result<Page<AuditEntry>, RepoError> {
    let mut query = a::audit_log
        .into_boxed()
        .filter(a::volunteer_id.eq(id.into_uuid()));
    if let Some(m) = municipality {
        query = query.filter(a::municipality_id.eq(m.into_uuid()));
    }
    if let Some(after) = page.after {
        query = query.filter(a::id.gt(after));
    }
    let rows = query
        .order(a::id.asc())
        .limit(page.limit + 1)
        .select(AuditRow::as_select())
        .load(conn)?;
    Page::from_rows(rows, page.limit, |r| r.id).try_map(AuditEntry::try_from)
}

/// What a municipality's audit log is filtered on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only this action.
    pub action: Option<AuditAction>,
    /// Only about this kind of record.
    pub resource: Option<AuditResource>,
    /// Only by this account.
    pub actor_id: Option<Uuid>,
}

/// A page of a municipality's whole audit log, in the order it was written.
pub fn of_municipality(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    filter: AuditFilter,
    page: PageRequest,
) -> Result<Page<AuditEntry>, RepoError> {
    let mut query = a::audit_log
        .into_boxed()
        .filter(a::municipality_id.eq(municipality.into_uuid()));
    if let Some(action) = filter.action {
        query = query.filter(a::action.eq(action.as_str()));
    }
    if let Some(resource) = filter.resource {
        query = query.filter(a::resource.eq(resource.as_str()));
    }
    if let Some(actor) = filter.actor_id {
        query = query.filter(a::actor_id.eq(actor));
    }
    if let Some(after) = page.after {
        query = query.filter(a::id.gt(after));
    }
    let rows = query
        .order(a::id.asc())
        .limit(page.limit + 1)
        .select(AuditRow::as_select())
        .load(conn)?;
    Page::from_rows(rows, page.limit, |r| r.id).try_map(AuditEntry::try_from)
}

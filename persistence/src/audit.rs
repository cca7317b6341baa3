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
    let mut query = a::audit_log
        .into_boxed()
        .filter(a::volunteer_id.eq(volunteer.id.into_uuid()))
        .filter(a::municipality_id.eq(volunteer.municipality_id.into_uuid()));
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

//! The audit log as clients read it: per volunteer (`GET /volunteers/{id}/audit-log`) and per
//! municipality (`GET /audit-log`).

use crate::{
    openapi::schemas::{ActorKindSchema, AuditActionSchema, AuditResourceSchema},
    pagination::{CursorList, page_of},
};
use chrono::{DateTime, Utc};
use samspill_domain::audit::{ActorKind, AuditAction, AuditEntry, AuditResource};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// One line of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryView {
    /// Its id.
    pub id: Uuid,
    /// The volunteer it is about; `null` for an export of a whole list.
    pub volunteer_id: Option<Uuid>,
    /// Who acted: a person's account or a municipal system.
    #[schema(value_type = ActorKindSchema)]
    pub actor_kind: ActorKind,
    /// The account's id (kept after the account is gone).
    pub actor_id: Uuid,
    /// What they did.
    #[schema(value_type = AuditActionSchema)]
    pub action: AuditAction,
    /// To what kind of record.
    #[schema(value_type = AuditResourceSchema)]
    pub resource: AuditResource,
    /// The record; `null` when a list was read.
    pub resource_id: Option<Uuid>,
    /// The request that did it (its `X-Request-Id`); `null` for the service's own schedule.
    pub request_id: Option<Uuid>,
    /// When.
    pub at: DateTime<Utc>,
}

impl From<AuditEntry> for AuditEntryView {
    fn from(e: AuditEntry) -> Self {
        Self {
            id: e.id,
            volunteer_id: e.volunteer_id.map(|v| v.into_uuid()),
            actor_kind: e.actor_kind,
            actor_id: e.actor_id,
            action: e.action,
            resource: e.resource,
            resource_id: e.resource_id,
            request_id: e.request_id,
            at: e.at,
        }
    }
}

page_of!(AuditEntryPage, AuditEntryView, CursorList::AuditLog);

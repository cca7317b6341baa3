//! The audit log: who read or changed sensitive records, and when.

use crate::string_enum::string_enum;

string_enum! {
    /// What was done.
    pub enum AuditAction {
        /// One record was read.
        Read => "read",
        /// A list of records was read.
        List => "list",
        /// A record was created.
        Create => "create",
        /// A record was deleted.
        Delete => "delete",
        /// Everything held about a person was exported.
        Export => "export",
        /// A person's data was erased on request.
        Erase => "erase",
        /// A person's data was anonymised when its retention period ran out.
        Anonymise => "anonymise",
    }
}

string_enum! {
    /// What kind of record.
    pub enum AuditResource {
        /// A police certificate record.
        PoliceCertificate => "police_certificate",
        /// A volunteer's full record.
        Volunteer => "volunteer",
        /// The list of volunteers (a CSV export of it).
        VolunteerList => "volunteer_list",
        /// The list of placements (a CSV export of it).
        PlacementList => "placement_list",
        /// The list of visits (a CSV export of it).
        VisitList => "visit_list",
        /// The hours log (a CSV export of it).
        TimeEntryList => "time_entry_list",
    }
}

string_enum! {
    /// Who acted.
    pub enum ActorKind {
        /// A person's account.
        StaffUser => "staff_user",
        /// A municipal system.
        ServiceAccount => "service_account",
        /// The service itself, acting on a schedule (retention).
        Scheduler => "scheduler",
    }
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Its id.
    pub id: uuid::Uuid,
    /// The municipality.
    pub municipality_id: crate::ids::MunicipalityId,
    /// The volunteer the record belongs to.
    pub volunteer_id: Option<crate::ids::VolunteerId>,
    /// Who acted.
    pub actor_kind: ActorKind,
    /// Their id.
    pub actor_id: uuid::Uuid,
    /// What they did.
    pub action: AuditAction,
    /// To what kind of record.
    pub resource: AuditResource,
    /// The record, when one was named.
    pub resource_id: Option<uuid::Uuid>,
    /// The request that did it (its `X-Request-Id`), when it came from one.
    pub request_id: Option<uuid::Uuid>,
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
}

/// Who acts on a sensitive record: the kind of account and its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// A person's account or a municipal system.
    pub kind: ActorKind,
    /// The account's id.
    pub id: uuid::Uuid,
    /// The request it acted through (its `X-Request-Id`), when it came from one.
    pub request_id: Option<uuid::Uuid>,
}

impl Actor {
    /// The service's own scheduled work.
    pub const SCHEDULER: Self = Self {
        kind: ActorKind::Scheduler,
        id: uuid::Uuid::nil(),
        request_id: None,
    };

    /// The same actor, acting through the request `request_id`.
    pub fn in_request(self, request_id: Option<uuid::Uuid>) -> Self {
        Self { request_id, ..self }
    }

    /// A person's account (staff user or volunteer login).
    pub fn staff(id: crate::ids::StaffUserId) -> Self {
        Self {
            kind: ActorKind::StaffUser,
            id: id.into_uuid(),
            request_id: None,
        }
    }
}

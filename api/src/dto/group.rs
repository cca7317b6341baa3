//! A group as every route that answers with one shows it.

use crate::openapi::schemas::{GroupKindSchema, VolunteerStatusSchema};
use chrono::{DateTime, Utc};
use samspill_domain::{
    group::{Group, GroupKind},
    ids::VolunteerId,
    volunteer::VolunteerStatus,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A group.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupView {
    /// Its id.
    pub id: Uuid,
    /// The municipality.
    pub municipality_id: Uuid,
    /// Its name.
    #[schema(example = "Solstrålen barnehage")]
    pub name: String,
    /// What kind of group.
    #[schema(value_type = GroupKindSchema)]
    pub kind: GroupKind,
    /// Organisation number (NO: 9 digits, DK: CVR, 8 digits), digits only.
    #[schema(example = "974760673")]
    pub org_number: Option<String>,
    /// What the group is and does.
    pub description: Option<String>,
    /// Home unit.
    pub home_unit_id: Option<Uuid>,
    /// The group's contact person (a `group_representative`), vetted on the group's behalf.
    pub contact_person_id: Uuid,
    /// How many people take part.
    #[schema(example = 18)]
    pub head_count: i32,
    /// Where in the vetting lifecycle.
    #[schema(value_type = VolunteerStatusSchema)]
    pub status: VolunteerStatus,
    /// The id a municipal system knows the group by (unique in the municipality).
    pub external_reference: Option<String>,
    /// Named members: volunteers of the municipality, in id order.
    pub member_ids: Vec<Uuid>,
    /// Raised by every change; also the ETag.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Group> for GroupView {
    fn from(g: Group) -> Self {
        Self {
            id: g.id.into_uuid(),
            municipality_id: g.municipality_id.into_uuid(),
            name: g.name,
            kind: g.kind,
            org_number: g.org_number,
            description: g.description,
            home_unit_id: g.home_unit_id.map(Into::into),
            contact_person_id: g.contact_person_id.into_uuid(),
            head_count: g.head_count,
            status: g.status,
            external_reference: g.external_reference,
            member_ids: g
                .member_ids
                .into_iter()
                .map(VolunteerId::into_uuid)
                .collect(),
            version: g.version,
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }
}

//! The shapes vetting shares between volunteers and groups: a status change to make, an entry
//! of the status history, and a signed declaration to record.

use crate::openapi::schemas::{DeclarationKindSchema, VolunteerStatusSchema};
use chrono::{DateTime, NaiveDate, Utc};
use samspill_domain::{vetting::DeclarationKind, volunteer::VolunteerStatus};
use samspill_persistence::volunteers::StatusChange;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A status change to make.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionBody {
    /// The new status.
    #[schema(value_type = VolunteerStatusSchema)]
    pub to: VolunteerStatus,
    /// Why; kept in the history.
    #[schema(min_length = 1, max_length = 1000, example = "Screening call booked")]
    pub reason: String,
}

/// One entry of a volunteer's status history.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusChangeView {
    /// Its id.
    pub id: Uuid,
    /// The status before.
    #[schema(value_type = Option<VolunteerStatusSchema>)]
    pub from_status: Option<String>,
    /// The status after.
    #[schema(value_type = VolunteerStatusSchema)]
    pub to_status: String,
    /// Why.
    pub reason: String,
    /// Who made the change.
    pub changed_by: Option<Uuid>,
    /// When.
    pub changed_at: DateTime<Utc>,
}

impl From<StatusChange> for StatusChangeView {
    fn from(c: StatusChange) -> Self {
        Self {
            id: c.id,
            from_status: c.from_status,
            to_status: c.to_status,
            reason: c.reason,
            changed_by: c.changed_by,
            changed_at: c.changed_at,
        }
    }
}

/// A declaration to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDeclarationBody {
    /// Which document.
    #[schema(value_type = DeclarationKindSchema)]
    pub kind: DeclarationKind,
    /// The version signed, as the municipality labels it: one it has published by today, when
    /// it publishes versions of this document.
    #[schema(min_length = 1, max_length = 50, example = "2026-1")]
    pub document_version: String,
    /// When it was signed (not in the future).
    pub signed_on: NaiveDate,
}

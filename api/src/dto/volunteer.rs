//! A volunteer record as every route that answers with one shows it.

use crate::openapi::schemas::{CommitmentSchema, VolunteerStatusSchema};
use chrono::{DateTime, Utc};
use samspill_domain::{
    user::Role,
    volunteer::{Commitment, Volunteer, VolunteerStatus},
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A volunteer (frivillig).
#[derive(Debug, Serialize, ToSchema)]
pub struct VolunteerView {
    /// Its id.
    pub id: Uuid,
    /// The municipality.
    pub municipality_id: Uuid,
    /// Where in the lifecycle.
    #[schema(value_type = VolunteerStatusSchema)]
    pub status: VolunteerStatus,
    /// Given name.
    #[schema(example = "Ingrid")]
    pub given_name: String,
    /// Family name.
    #[schema(example = "Berg")]
    pub family_name: String,
    /// Email.
    pub email: Option<String>,
    /// Phone, E.164.
    #[schema(example = "+4791234567")]
    pub phone: Option<String>,
    /// Street address.
    pub street_address: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Town.
    pub city: Option<String>,
    /// Birth year (only the year is kept).
    pub birth_year: Option<i16>,
    /// Languages (ISO 639 codes).
    pub languages: Vec<String>,
    /// Interests.
    pub interests: Vec<String>,
    /// Wanted activity kinds.
    #[schema(example = json!(["companionship", "cultural_event"]))]
    pub activity_kinds: Vec<String>,
    /// Availability, as `weekday:part_of_day`.
    #[schema(example = json!(["monday:morning", "thursday:evening"]))]
    pub availability: Vec<String>,
    /// `regular` or `occasional`.
    #[schema(value_type = CommitmentSchema)]
    pub commitment: Commitment,
    /// Home unit (tilhørsforhold).
    pub home_unit_id: Option<Uuid>,
    /// Contact person.
    pub contact_person_id: Option<Uuid>,
    /// Coordinator notes; shown to coordinators and administrators only.
    pub notes: Option<String>,
    /// Whether reference checks are needed before approval.
    pub references_needed: bool,
    /// The volunteer's own login, if any.
    pub staff_user_id: Option<Uuid>,
    /// `coordinator` (entered by staff), `self_registration` or `import` (from a spreadsheet).
    pub source: String,
    /// The privacy-notice version accepted at self-registration.
    pub privacy_notice_version: Option<String>,
    /// Another volunteer of the municipality has the same email or phone: check before approving.
    pub possible_duplicate: bool,
    /// The id a municipal system knows the volunteer by (unique in the municipality).
    pub external_reference: Option<String>,
    /// Raised by every change; also the ETag.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl VolunteerView {
    /// The view for a reader with `role`: coordinator notes only for managers.
    pub fn for_role(v: Volunteer, role: Role) -> Self {
        Self {
            id: v.id.into_uuid(),
            municipality_id: v.municipality_id.into_uuid(),
            status: v.status,
            given_name: v.given_name,
            family_name: v.family_name,
            email: v.email,
            phone: v.phone,
            street_address: v.street_address,
            postal_code: v.postal_code,
            city: v.city,
            birth_year: v.birth_year,
            languages: v.languages,
            interests: v.interests,
            activity_kinds: v.activity_kinds,
            availability: v.availability.iter().map(ToString::to_string).collect(),
            commitment: v.commitment,
            home_unit_id: v.home_unit_id.map(Into::into),
            contact_person_id: v.contact_person_id.map(Into::into),
            notes: if role.is_manager() { v.notes } else { None },
            references_needed: v.references_needed,
            staff_user_id: v.staff_user_id.map(Into::into),
            source: v.source,
            privacy_notice_version: v.privacy_notice_version,
            possible_duplicate: v.possible_duplicate,
            external_reference: v.external_reference,
            version: v.version,
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

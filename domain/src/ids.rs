//! Typed ids, so that a unit id cannot be passed where a user id is meant.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered (UUIDv7) id.
            pub fn generate() -> Self {
                Self(Uuid::now_v7())
            }

            /// The raw UUID.
            pub const fn into_uuid(self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )+};
}

typed_id!(
    /// Identifies a municipality (the tenant).
    MunicipalityId,
    /// Identifies a unit of a municipality.
    UnitId,
    /// Identifies a staff user account.
    StaffUserId,
    /// Identifies a service account of a municipal system.
    ServiceAccountId,
    /// Identifies a contact person.
    ContactPersonId,
    /// Identifies a volunteer.
    VolunteerId,
    /// Identifies a visiting dog.
    DogId,
    /// Identifies a municipality's own requirement rule.
    RuleId,
    /// Identifies a group of volunteers.
    GroupId,
    /// Identifies a person visited in their own home.
    RecipientId,
    /// Identifies a placement (oppdrag).
    PlacementId,
    /// Identifies a placement's recurring schedule.
    ScheduleId,
    /// Identifies a visit.
    VisitId,
    /// Identifies a need (behov) a unit asks volunteers for.
    NeedId,
    /// Identifies a follow-up (oppfølging).
    FollowUpId,
    /// Identifies an entry of the contact log.
    ContactId,
    /// Identifies an entry of the hours log.
    TimeEntryId,
    /// Identifies an event in the outbox (and, as `msg_…`, the `webhook-id` it is sent with).
    EventId,
    /// Identifies a municipality's webhook endpoint.
    WebhookEndpointId,
    /// Identifies one event's delivery to one webhook endpoint.
    WebhookDeliveryId,
    /// Identifies a recognition event, theme training, information meeting or social gathering
    /// for volunteers (and staff).
    VolunteerEventId,
    /// Identifies one session of such an event.
    EventSessionId,
    /// Identifies an invitation to such an event (and the invitee's answer).
    InvitationId,
    /// Identifies a training credential of a volunteer.
    TrainingCredentialId,
    /// Identifies a survey template (its questions, revised in place).
    SurveyTemplateId,
    /// Identifies a round of a survey sent to units or volunteers.
    SurveyRoundId,
    /// Identifies one unit or volunteer a survey round is sent to.
    SurveyRecipientId,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_version_7_and_increase() {
        let a = UnitId::generate();
        let b = UnitId::generate();
        assert_eq!(a.into_uuid().get_version_num(), 7);
        assert!(b > a);
    }
}

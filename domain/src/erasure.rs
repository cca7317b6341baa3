//! Erasing a volunteer: what goes and what the municipality keeps to account for its decisions.
//!
//! Goes: names (replaced by [`ERASED`]), contact details, address, birth year, notes,
//! languages, interests, availability, the login (anonymised and closed), screening notes and
//! interests, referees' names and relations, the reasons written in the status history, police
//! certificate records, the dogs the volunteer handles and dog approvals made with them as
//! handler, group memberships, and every answer kept for a retry that mentions them.
//!
//! Stays: the record's id, municipality, status and dates; the status history (who changed
//! what, when); the dates of signed declarations; screening dates and assessments; reference
//! outcomes; the audit log of who read or changed their certificates. None of it names the
//! person.

use crate::volunteer::VolunteerStatus;

/// What stands where a name or another required text was.
pub const ERASED: &str = "(erased)";

/// The reason of the status change that records the erasure.
pub const ERASURE_REASON: &str = "personal data erased";

/// The status an erased volunteer is left in: a rejection or a withdrawal stays as it was;
/// anyone else is withdrawn.
pub fn status_after_erasure(current: VolunteerStatus) -> VolunteerStatus {
    match current {
        VolunteerStatus::Rejected | VolunteerStatus::Withdrawn => current,
        _ => VolunteerStatus::Withdrawn,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_erased_volunteer_is_withdrawn_unless_rejected_or_withdrawn_before() {
        for (before, after) in [
            (VolunteerStatus::Registered, VolunteerStatus::Withdrawn),
            (VolunteerStatus::InScreening, VolunteerStatus::Withdrawn),
            (VolunteerStatus::Approved, VolunteerStatus::Withdrawn),
            (VolunteerStatus::Paused, VolunteerStatus::Withdrawn),
            (VolunteerStatus::Rejected, VolunteerStatus::Rejected),
            (VolunteerStatus::Withdrawn, VolunteerStatus::Withdrawn),
        ] {
            assert_eq!(status_after_erasure(before), after, "{before:?}");
        }
    }
}

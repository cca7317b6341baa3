//! Erasing a volunteer: what goes and what the municipality keeps to account for its decisions.
//!
//! Goes:
//! - on the record: given and family name (replaced by [`ERASED`]), email, phone, street
//!   address, postal code, town, birth year, languages, interests, availability, coordinator
//!   notes, the link to a login;
//! - the login itself: its email and name anonymised, closed, its sessions ended;
//! - screening notes and the interests found; referees' names, relations and notes;
//! - the reasons written in the status history (replaced by [`ERASED`]);
//! - police certificate records (each deletion written to the audit log), the dogs the
//!   volunteer handles and every dog approval made with them as handler, group memberships;
//! - every answer kept for a retry (`Idempotency-Key`) that mentions the volunteer or the login;
//! - on the volunteer's placements: their descriptions, the kept clearance answers (which name
//!   certificate dates), the reasons in their history and on their visits. The placements
//!   themselves end (and any placement that brings one of the volunteer's dogs), and their
//!   planned visits are cancelled.
//! - on the volunteer's hours (time entries): their notes and the reasons in their history.
//!
//! Stays, naming nobody:
//! - on the record: its id, municipality, status (see [`status_after_erasure`]), dates, wanted
//!   activity kinds, commitment, home unit, contact person, whether references were needed, how
//!   it came in (and the privacy-notice version accepted), and `external_reference`: the id by
//!   which a municipal system knows the person, so that the system can find and delete its own
//!   copy when the status feed says `erased`;
//! - the status history (from, to, who, when), the dates and versions of signed declarations,
//!   screening dates, channels and assessments, reference outcomes, the audit log of who read
//!   or changed the certificates, the placements with their dates, statuses and visits, and
//!   the hours with their dates, minutes and statuses (reports keep counting them).

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

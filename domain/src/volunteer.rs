//! Volunteers' lifecycle: `registered → in_screening → approved ⇄ paused`, and `rejected` or
//! `withdrawn` from any state; and what approval requires at the moment it is given.

use crate::string_enum::string_enum;

string_enum! {
    /// Where a volunteer is in the vetting lifecycle.
    pub enum VolunteerStatus {
        /// Signed up (self-registration or entered by a coordinator); waiting for a screening call.
        Registered => "registered",
        /// Being vetted: screening interview, references, declarations.
        InScreening => "in_screening",
        /// Vetted; the profile is published and the volunteer may be placed.
        Approved => "approved",
        /// Approved, but taking a break.
        Paused => "paused",
        /// Not suitable, or not accepted.
        Rejected => "rejected",
        /// Left on their own wish.
        Withdrawn => "withdrawn",
    }
}

string_enum! {
    /// Something approval requires. The codes are part of the API: a refused approval lists them.
    pub enum ApprovalRequirement {
        /// A screening interview (phone, video or in person) assessed `suitable`.
        SuitableScreening => "suitable_screening",
        /// A signed confidentiality declaration (taushetserklæring) of the current version.
        ConfidentialityDeclaration => "confidentiality_declaration",
        /// Accepted privacy guidelines of the current version.
        PrivacyGuidelines => "privacy_guidelines",
        /// A volunteer agreement (frivilligaftale) reviewed with a coordinator, current version.
        VolunteerAgreement => "volunteer_agreement",
        /// Every reference check the coordinator marked as needed, completed.
        ReferenceChecks => "reference_checks",
        /// An assigned contact person.
        ContactPerson => "contact_person",
        /// An assigned home unit (tilhørsforhold).
        HomeUnit => "home_unit",
    }
}

/// What is known about a volunteer when approval is asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApprovalFacts {
    /// Latest screening interview was assessed `suitable`.
    pub suitable_screening: bool,
    /// A confidentiality declaration of the municipality's current version is signed.
    pub confidentiality_declaration: bool,
    /// The current privacy guidelines are accepted.
    pub privacy_guidelines: bool,
    /// The current volunteer agreement is reviewed and signed.
    pub volunteer_agreement: bool,
    /// The coordinator marked references as needed.
    pub references_needed: bool,
    /// Every needed reference check is completed.
    pub references_completed: bool,
    /// A contact person is assigned.
    pub has_contact_person: bool,
    /// A home unit is assigned.
    pub has_home_unit: bool,
}

/// Everything approval still lacks, in a stable order; empty when approval may be given.
pub fn missing_for_approval(facts: &ApprovalFacts) -> Vec<ApprovalRequirement> {
    use ApprovalRequirement as R;
    [
        (R::SuitableScreening, facts.suitable_screening),
        (
            R::ConfidentialityDeclaration,
            facts.confidentiality_declaration,
        ),
        (R::PrivacyGuidelines, facts.privacy_guidelines),
        (R::VolunteerAgreement, facts.volunteer_agreement),
        (
            R::ReferenceChecks,
            !facts.references_needed || facts.references_completed,
        ),
        (R::ContactPerson, facts.has_contact_person),
        (R::HomeUnit, facts.has_home_unit),
    ]
    .into_iter()
    .filter(|(_, met)| !met)
    .map(|(requirement, _)| requirement)
    .collect()
}

/// Why a transition is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The lifecycle has no such step.
    #[error("a volunteer cannot go from {from} to {to}")]
    NotAllowed {
        /// Current status.
        from: VolunteerStatus,
        /// Asked-for status.
        to: VolunteerStatus,
    },
    /// Approval lacks these requirements.
    #[error("approval requires: {0:?}")]
    Missing(Vec<ApprovalRequirement>),
}

impl VolunteerStatus {
    /// Whether the lifecycle has a step from `self` to `to` (requirements aside).
    pub const fn leads_to(self, to: VolunteerStatus) -> bool {
        use VolunteerStatus as S;
        match (self, to) {
            (S::Rejected, S::Rejected) | (S::Withdrawn, S::Withdrawn) => false,
            (_, S::Rejected | S::Withdrawn) => true,
            (S::Registered, S::InScreening)
            | (S::InScreening, S::Approved)
            | (S::Approved, S::Paused)
            | (S::Paused, S::Approved) => true,
            _ => false,
        }
    }
}

/// Checks a transition. Becoming `approved` (first approval, or back from a pause) requires
/// every approval requirement at that moment; the facts are read only then.
pub fn check_transition(
    from: VolunteerStatus,
    to: VolunteerStatus,
    facts: impl FnOnce() -> ApprovalFacts,
) -> Result<(), TransitionError> {
    if !from.leads_to(to) {
        return Err(TransitionError::NotAllowed { from, to });
    }
    if to == VolunteerStatus::Approved {
        let missing = missing_for_approval(&facts());
        if !missing.is_empty() {
            return Err(TransitionError::Missing(missing));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use VolunteerStatus as S;
    use proptest::prelude::*;

    fn complete() -> ApprovalFacts {
        ApprovalFacts {
            suitable_screening: true,
            confidentiality_declaration: true,
            privacy_guidelines: true,
            volunteer_agreement: true,
            references_needed: true,
            references_completed: true,
            has_contact_person: true,
            has_home_unit: true,
        }
    }

    #[test]
    fn the_lifecycle_walks_forward_and_pauses_both_ways() {
        assert!(S::Registered.leads_to(S::InScreening));
        assert!(S::InScreening.leads_to(S::Approved));
        assert!(S::Approved.leads_to(S::Paused));
        assert!(S::Paused.leads_to(S::Approved));
        assert!(
            !S::Registered.leads_to(S::Approved),
            "no approval without screening"
        );
        assert!(!S::Approved.leads_to(S::InScreening));
        assert!(!S::Rejected.leads_to(S::Approved));
    }

    #[test]
    fn rejection_and_withdrawal_are_open_from_every_other_state() {
        for from in S::ALL {
            for to in [S::Rejected, S::Withdrawn] {
                assert_eq!(from.leads_to(to), *from != to, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn approving_without_anything_lists_every_requirement() {
        let missing = check_transition(S::InScreening, S::Approved, ApprovalFacts::default);
        assert_eq!(
            missing,
            Err(TransitionError::Missing(vec![
                ApprovalRequirement::SuitableScreening,
                ApprovalRequirement::ConfidentialityDeclaration,
                ApprovalRequirement::PrivacyGuidelines,
                ApprovalRequirement::VolunteerAgreement,
                ApprovalRequirement::ContactPerson,
                ApprovalRequirement::HomeUnit,
            ]))
        );
    }

    #[test]
    fn references_count_only_when_marked_as_needed() {
        let not_needed = ApprovalFacts {
            references_needed: false,
            references_completed: false,
            ..complete()
        };
        assert!(missing_for_approval(&not_needed).is_empty());
        let outstanding = ApprovalFacts {
            references_completed: false,
            ..complete()
        };
        assert_eq!(
            missing_for_approval(&outstanding),
            [ApprovalRequirement::ReferenceChecks]
        );
    }

    #[test]
    fn resuming_from_a_pause_checks_the_requirements_again() {
        let expired = ApprovalFacts {
            confidentiality_declaration: false,
            ..complete()
        };
        assert_eq!(
            check_transition(S::Paused, S::Approved, || expired),
            Err(TransitionError::Missing(vec![
                ApprovalRequirement::ConfidentialityDeclaration
            ]))
        );
        assert_eq!(check_transition(S::Paused, S::Approved, complete), Ok(()));
    }

    #[test]
    fn facts_are_read_only_for_approval() {
        let read = std::cell::Cell::new(false);
        let facts = || {
            read.set(true);
            ApprovalFacts::default()
        };
        assert_eq!(
            check_transition(S::Registered, S::InScreening, facts),
            Ok(())
        );
        assert!(!read.get());
    }

    fn any_facts() -> impl Strategy<Value = ApprovalFacts> {
        proptest::array::uniform8(any::<bool>()).prop_map(|b| ApprovalFacts {
            suitable_screening: b[0],
            confidentiality_declaration: b[1],
            privacy_guidelines: b[2],
            volunteer_agreement: b[3],
            references_needed: b[4],
            references_completed: b[5],
            has_contact_person: b[6],
            has_home_unit: b[7],
        })
    }

    proptest! {
        #[test]
        fn meeting_one_more_requirement_never_adds_a_gap(facts in any_facts(), which in 0usize..8) {
            let mut better = facts;
            match which {
                0 => better.suitable_screening = true,
                1 => better.confidentiality_declaration = true,
                2 => better.privacy_guidelines = true,
                3 => better.volunteer_agreement = true,
                4 => better.references_needed = false,
                5 => better.references_completed = true,
                6 => better.has_contact_person = true,
                _ => better.has_home_unit = true,
            }
            let before = missing_for_approval(&facts);
            let after = missing_for_approval(&better);
            prop_assert!(after.iter().all(|gap| before.contains(gap)));
        }

        #[test]
        fn approval_is_granted_exactly_when_nothing_is_missing(facts in any_facts()) {
            let granted = check_transition(S::InScreening, S::Approved, || facts).is_ok();
            prop_assert_eq!(granted, missing_for_approval(&facts).is_empty());
        }
    }
}

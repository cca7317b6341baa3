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

string_enum! {
    /// How often a volunteer wants to contribute.
    pub enum Commitment {
        /// A fixed, recurring contribution (weekly visits).
        Regular => "regular",
        /// Now and then (events, trips).
        Occasional => "occasional",
    }
}

string_enum! {
    /// A day of the week, for availability.
    pub enum Weekday {
        /// Monday.
        Monday => "monday",
        /// Tuesday.
        Tuesday => "tuesday",
        /// Wednesday.
        Wednesday => "wednesday",
        /// Thursday.
        Thursday => "thursday",
        /// Friday.
        Friday => "friday",
        /// Saturday.
        Saturday => "saturday",
        /// Sunday.
        Sunday => "sunday",
    }
}

string_enum! {
    /// A part of the day, for availability.
    pub enum PartOfDay {
        /// Before noon.
        Morning => "morning",
        /// Noon to about five.
        Afternoon => "afternoon",
        /// After about five.
        Evening => "evening",
    }
}

/// When a volunteer is available: a weekday and a part of the day, written `monday:morning`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AvailabilitySlot {
    /// The day.
    pub weekday: Weekday,
    /// The part of the day.
    pub part_of_day: PartOfDay,
}

impl AvailabilitySlot {
    /// Parses `weekday:part_of_day`.
    pub fn parse(raw: &str) -> Result<Self, crate::ParseError> {
        let (day, part) = raw.split_once(':').ok_or_else(|| {
            crate::ParseError::new(
                "invalid_format",
                "must be weekday:part_of_day, such as monday:morning",
            )
        })?;
        Ok(Self {
            weekday: day.parse()?,
            part_of_day: part.parse()?,
        })
    }
}

impl std::fmt::Display for AvailabilitySlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.weekday, self.part_of_day)
    }
}

/// A given or family name: at most 100 characters.
pub type PersonName = crate::text::Name<100>;

/// A language as an ISO 639-1 code (`no`, `da`, `en`, `ar`), lower-cased.
pub fn parse_language(raw: &str) -> Result<String, crate::ParseError> {
    let code = raw.trim().to_ascii_lowercase();
    if (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(code)
    } else {
        Err(crate::ParseError::new(
            "invalid_language",
            "must be an ISO 639 language code such as no, da or en",
        ))
    }
}

/// An activity-kind code (`companionship`, `escort`, or a municipality's own): lower-case
/// letters, digits and underscores, starting with a letter, at most 50 characters.
pub fn parse_activity_kind(raw: &str) -> Result<String, crate::ParseError> {
    let code = raw.trim();
    let valid = code.len() <= 50
        && code.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if valid {
        Ok(code.to_owned())
    } else {
        Err(crate::ParseError::new(
            "invalid_activity_kind",
            "must be an activity-kind code such as companionship",
        ))
    }
}

/// A birth year: only the year is kept (data minimisation). A volunteer is between 12 and 110.
pub fn check_birth_year(year: i16, this_year: i32) -> Result<i16, crate::ParseError> {
    let age = this_year - i32::from(year);
    if (12..=110).contains(&age) {
        Ok(year)
    } else {
        Err(crate::ParseError::new(
            "out_of_range",
            format!("must be between {} and {}", this_year - 110, this_year - 12),
        ))
    }
}

/// Coordinator notes: at most 4 000 characters.
pub type Notes = crate::text::Text<4000>;

/// The reason of a status change, kept in the history: required, at most 1000 characters.
pub fn parse_reason(raw: &str) -> Result<String, crate::ParseError> {
    let reason = crate::text::Text::<1000>::parse(raw)?.into_inner();
    if reason.is_empty() {
        return Err(crate::ParseError::new("required", "say why"));
    }
    Ok(reason)
}

/// A volunteer as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volunteer {
    /// Its id.
    pub id: crate::ids::VolunteerId,
    /// The municipality.
    pub municipality_id: crate::ids::MunicipalityId,
    /// Where in the lifecycle.
    pub status: VolunteerStatus,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Email, normalised.
    pub email: Option<String>,
    /// Phone, E.164.
    pub phone: Option<String>,
    /// Street address.
    pub street_address: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Town.
    pub city: Option<String>,
    /// Birth year (not the date).
    pub birth_year: Option<i16>,
    /// Languages spoken (ISO 639 codes).
    pub languages: Vec<String>,
    /// Interests, as the volunteer words them.
    pub interests: Vec<String>,
    /// Activity kinds the volunteer wants.
    pub activity_kinds: Vec<String>,
    /// When the volunteer is available.
    pub availability: Vec<AvailabilitySlot>,
    /// Regular or occasional.
    pub commitment: Commitment,
    /// Home unit (tilhørsforhold).
    pub home_unit_id: Option<crate::ids::UnitId>,
    /// Contact person.
    pub contact_person_id: Option<crate::ids::ContactPersonId>,
    /// Coordinator notes.
    pub notes: Option<String>,
    /// Whether reference checks are needed before approval.
    pub references_needed: bool,
    /// The volunteer's own login, if any.
    pub staff_user_id: Option<crate::ids::StaffUserId>,
    /// How the record came in.
    pub source: String,
    /// The privacy-notice version accepted at self-registration.
    pub privacy_notice_version: Option<String>,
    /// Another volunteer of the municipality has the same email or phone.
    pub possible_duplicate: bool,
    /// The id a municipal system knows the volunteer by.
    pub external_reference: Option<String>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// When it was created.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it last changed.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[cfg(test)]
mod value_tests {
    use super::*;

    #[test]
    fn availability_reads_day_and_part() {
        let slot = AvailabilitySlot::parse("monday:evening");
        assert_eq!(slot.map(|s| s.to_string()), Ok("monday:evening".to_owned()));
        assert!(AvailabilitySlot::parse("mon:evening").is_err());
        assert!(AvailabilitySlot::parse("monday").is_err());
    }

    #[test]
    fn languages_kinds_and_birth_years_are_checked() {
        assert_eq!(parse_language(" NO "), Ok("no".to_owned()));
        assert!(parse_language("norsk").is_err());
        assert_eq!(
            parse_activity_kind("companionship"),
            Ok("companionship".to_owned())
        );
        assert!(parse_activity_kind("Personal Care").is_err());
        assert_eq!(check_birth_year(1950, 2026), Ok(1950));
        assert!(check_birth_year(2020, 2026).is_err());
        assert!(check_birth_year(1900, 2026).is_err());
    }
}

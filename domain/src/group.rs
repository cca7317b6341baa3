//! Groups (associations, companies, school classes, kindergartens, networks) that volunteer
//! together. The municipality vets a group through the person who answers for it: the
//! screening interview is held with that contact person, who signs on the group's behalf.

use crate::{
    ParseError,
    ids::{ContactPersonId, GroupId, MunicipalityId, UnitId, VolunteerId},
    municipality::Country,
    string_enum::string_enum,
    volunteer::VolunteerStatus,
};

string_enum! {
    /// What kind of group.
    pub enum GroupKind {
        /// A voluntary association (forening, lag).
        Association => "association",
        /// A company volunteering with its staff.
        Company => "company",
        /// A school class.
        SchoolClass => "school_class",
        /// A kindergarten (barnehage, børnehave).
        Kindergarten => "kindergarten",
        /// An informal network.
        Network => "network",
        /// Anything else.
        Other => "other",
    }
}

impl GroupKind {
    /// Whether a group of this kind must give an organisation number: a company always has
    /// one; the others may give one (the school's, the association's) or not.
    pub const fn requires_org_number(self) -> bool {
        matches!(self, GroupKind::Company)
    }
}

/// An organisation number: Norwegian organisasjonsnummer (9 digits, modulus 11 with weights
/// 3 2 7 6 5 4 3 2) or Danish CVR number (8 digits, weights 2 7 6 5 4 3 2 1, sum divisible
/// by 11). Spaces are allowed in the input and dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrgNumber(String);

impl OrgNumber {
    /// Parses `raw` as an organisation number of `country`, checking its check digit.
    pub fn parse(country: Country, raw: &str) -> Result<Self, ParseError> {
        let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        let (length, weights): (usize, &[u32]) = match country {
            Country::Norway => (9, &[3, 2, 7, 6, 5, 4, 3, 2]),
            Country::Denmark => (8, &[2, 7, 6, 5, 4, 3, 2, 1]),
        };
        let values: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
        if values.len() != length || digits.len() != length || !digits.is_ascii() {
            return Err(ParseError::new(
                "invalid_format",
                match country {
                    Country::Norway => "a Norwegian organisation number has 9 digits",
                    Country::Denmark => "a Danish CVR number has 8 digits",
                },
            ));
        }
        let valid = match country {
            Country::Norway => {
                let sum: u32 = weights.iter().zip(&values).map(|(w, d)| w * d).sum();
                match 11 - sum % 11 {
                    11 => values[8] == 0,
                    10 => false,
                    check => values[8] == check,
                }
            }
            Country::Denmark => {
                let sum: u32 = weights.iter().zip(&values).map(|(w, d)| w * d).sum();
                sum.is_multiple_of(11)
            }
        };
        if valid {
            Ok(Self(digits))
        } else {
            Err(ParseError::new(
                "invalid_check_digit",
                "the check digit does not match: check the number",
            ))
        }
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A group name: at most 200 characters.
pub type GroupName = crate::text::Name<200>;

/// Checks a head count: between 1 and 10 000.
pub fn check_head_count(count: i32) -> Result<i32, ParseError> {
    if (1..=10_000).contains(&count) {
        Ok(count)
    } else {
        Err(ParseError::new(
            "out_of_range",
            "must be between 1 and 10000",
        ))
    }
}

/// The most named members a group may list.
pub const MAX_MEMBERS: usize = 500;

/// Checks a member list on its own: at most [`MAX_MEMBERS`] volunteers, each named once.
/// Returns every problem with its field path (`member_ids`, `member_ids[3]`).
pub fn check_member_list(members: &[VolunteerId]) -> Result<(), Vec<(String, ParseError)>> {
    if members.len() > MAX_MEMBERS {
        return Err(vec![(
            "member_ids".to_owned(),
            ParseError::new("too_many", format!("at most {MAX_MEMBERS} members")),
        )]);
    }
    let problems: Vec<(String, ParseError)> = members
        .iter()
        .enumerate()
        .filter(|(i, id)| members[..*i].contains(id))
        .map(|(i, _)| {
            (
                format!("member_ids[{i}]"),
                ParseError::new("duplicate", "this volunteer is already in the list"),
            )
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The status a group moves to when its contact person is replaced: the new person has not
/// been screened, so an approved or paused group goes back to screening. Registered, ongoing
/// and closed groups keep their status.
pub const fn after_contact_person_replaced(status: VolunteerStatus) -> Option<VolunteerStatus> {
    match status {
        VolunteerStatus::Approved | VolunteerStatus::Paused => Some(VolunteerStatus::InScreening),
        _ => None,
    }
}

/// A group as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Its id.
    pub id: GroupId,
    /// The municipality.
    pub municipality_id: MunicipalityId,
    /// Its name.
    pub name: String,
    /// What kind.
    pub kind: GroupKind,
    /// Its organisation number, if it has one.
    pub org_number: Option<String>,
    /// What the group is and does.
    pub description: Option<String>,
    /// Its home unit.
    pub home_unit_id: Option<UnitId>,
    /// The group's contact person (a `group_representative`).
    pub contact_person_id: ContactPersonId,
    /// How many people take part.
    pub head_count: i32,
    /// Where in the vetting lifecycle (the volunteers' lifecycle).
    pub status: VolunteerStatus,
    /// The id a municipal system knows the group by.
    pub external_reference: Option<String>,
    /// Named members, volunteers of the municipality.
    pub member_ids: Vec<VolunteerId>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// When it was created.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it last changed.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norwegian_organisation_numbers_carry_a_modulus_11_check_digit() {
        // Brønnøysundregistrene (974 760 673) and DNB (984 851 006).
        assert!(OrgNumber::parse(Country::Norway, "974 760 673").is_ok());
        assert!(OrgNumber::parse(Country::Norway, "984851006").is_ok());
        let wrong = OrgNumber::parse(Country::Norway, "974760674");
        assert_eq!(wrong.err().map(|e| e.code), Some("invalid_check_digit"));
        assert!(OrgNumber::parse(Country::Norway, "97476067").is_err());
        assert!(OrgNumber::parse(Country::Norway, "97476067x").is_err());
    }

    #[test]
    fn danish_cvr_numbers_sum_to_a_multiple_of_11() {
        // Novo Nordisk A/S (24 25 67 90) and Mærsk (22 75 62 14).
        assert!(OrgNumber::parse(Country::Denmark, "24256790").is_ok());
        assert!(OrgNumber::parse(Country::Denmark, "22 75 62 14").is_ok());
        assert_eq!(
            OrgNumber::parse(Country::Denmark, "24256791")
                .err()
                .map(|e| e.code),
            Some("invalid_check_digit")
        );
        assert!(OrgNumber::parse(Country::Denmark, "974760673").is_err());
    }

    #[test]
    fn a_new_contact_person_sends_an_approved_group_back_to_screening() {
        assert_eq!(
            after_contact_person_replaced(VolunteerStatus::Approved),
            Some(VolunteerStatus::InScreening)
        );
        assert_eq!(
            after_contact_person_replaced(VolunteerStatus::Registered),
            None
        );
        assert_eq!(
            after_contact_person_replaced(VolunteerStatus::Withdrawn),
            None
        );
    }

    #[test]
    fn a_member_list_names_each_volunteer_once_and_is_bounded() {
        let one = VolunteerId::generate();
        let two = VolunteerId::generate();
        assert!(check_member_list(&[one, two]).is_ok());
        let repeated = check_member_list(&[one, two, one])
            .err()
            .unwrap_or_default();
        assert_eq!(repeated.len(), 1);
        assert_eq!(repeated[0].0, "member_ids[2]");
        assert_eq!(repeated[0].1.code, "duplicate");
        let many = vec![one; MAX_MEMBERS + 1];
        assert_eq!(
            check_member_list(&many).err().map(|e| e[0].1.code),
            Some("too_many")
        );
    }

    #[test]
    fn only_companies_must_give_an_organisation_number() {
        assert!(GroupKind::Company.requires_org_number());
        assert!(!GroupKind::Kindergarten.requires_org_number());
        assert_eq!(
            check_head_count(0).err().map(|e| e.code),
            Some("out_of_range")
        );
    }
}

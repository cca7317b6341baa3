//! People visited in their own homes (mottakere), kept data-minimised: a name to address them
//! by, where they live, a phone number, the unit that answers for them, and their consent to
//! the visits. There is no field for health data, a diagnosis or a national identity number.

use crate::{
    ParseError,
    ids::{MunicipalityId, RecipientId, StaffUserId, UnitId},
    string_enum::string_enum,
    text::Name,
};
use chrono::{DateTime, NaiveDate, Utc};

string_enum! {
    /// Who agreed to the visits.
    pub enum ConsentGiver {
        /// The person visited, themselves.
        Recipient => "recipient",
        /// A representative (a guardian, a relative with a power of attorney).
        Representative => "representative",
    }
}

/// The consent to visits, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    /// Who agreed.
    pub given_by: ConsentGiver,
    /// The representative's name, when a representative agreed.
    pub representative: Option<String>,
    /// When.
    pub given_on: NaiveDate,
    /// Who recorded it.
    pub recorded_by: StaffUserId,
}

/// Checks who gave consent: a representative is named, and only then.
pub fn check_consent_giver(
    given_by: ConsentGiver,
    representative: Option<&str>,
) -> Result<Option<String>, ParseError> {
    match (given_by, representative) {
        (ConsentGiver::Representative, Some(name)) => {
            Ok(Some(Name::<200>::parse(name)?.into_inner()))
        }
        (ConsentGiver::Representative, None) => Err(ParseError::new(
            "required",
            "name the representative who gave consent",
        )),
        (ConsentGiver::Recipient, Some(_)) => Err(ParseError::new(
            "not_allowed",
            "a representative is named only when consent_given_by is representative",
        )),
        (ConsentGiver::Recipient, None) => Ok(None),
    }
}

/// A person visited at home, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// Its id.
    pub id: RecipientId,
    /// The municipality.
    pub municipality_id: MunicipalityId,
    /// The name to address them by.
    pub display_name: String,
    /// Where the visits take place.
    pub address: String,
    /// A phone number in E.164.
    pub contact_phone: Option<String>,
    /// The unit or care district that answers for them.
    pub responsible_unit_id: UnitId,
    /// Their consent to the visits.
    pub consent: Consent,
    /// Whether visits may still be placed with them.
    pub active: bool,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_representative_is_named_exactly_when_one_agreed() {
        assert_eq!(
            check_consent_giver(ConsentGiver::Representative, Some(" Ola Hansen ")),
            Ok(Some("Ola Hansen".into()))
        );
        assert_eq!(
            check_consent_giver(ConsentGiver::Representative, None).map_err(|e| e.code),
            Err("required")
        );
        assert_eq!(
            check_consent_giver(ConsentGiver::Recipient, Some("Ola")).map_err(|e| e.code),
            Err("not_allowed")
        );
        assert_eq!(check_consent_giver(ConsentGiver::Recipient, None), Ok(None));
    }
}

//! Consents: what a person agreed to, under which version of the text, given by themselves or
//! a representative, and when it was withdrawn. A consent in force is changed only by its
//! withdrawal; giving it again makes a new one, so the consents are their own history.

use crate::{ParseError, string_enum::string_enum, text::Name};
use chrono::NaiveDate;

string_enum! {
    /// What the consent is for.
    pub enum ConsentPurpose {
        /// A volunteer may be photographed at events and the photos used by the municipality.
        PhotosAtEvents => "photos_at_events",
        /// A volunteer's phone and email may be shared with the unit where they are placed.
        ShareContactWithUnit => "share_contact_with_unit",
        /// A person visited at home agrees to the visits (withdrawing it ends them).
        HomeVisits => "home_visits",
    }
}

string_enum! {
    /// Who gave or withdrew the consent.
    pub enum ConsentBy {
        /// The person themselves.
        Myself => "self",
        /// A representative (a guardian, a relative with a power of attorney).
        Representative => "representative",
    }
}

impl ConsentPurpose {
    /// Whether the purpose is a person visited at home's (otherwise a volunteer's).
    pub fn is_recipients(self) -> bool {
        matches!(self, Self::HomeVisits)
    }
}

/// Checks the version of the consent text: 1 to 50 characters, trimmed.
pub fn check_text_version(text: &str) -> Result<String, ParseError> {
    let text = text.trim();
    if text.is_empty() {
        Err(ParseError::new(
            "required",
            "name the version of the text agreed to",
        ))
    } else if text.chars().count() > 50 {
        Err(ParseError::new("too_long", "must be at most 50 characters"))
    } else {
        Ok(text.to_owned())
    }
}

/// Checks who gave the consent: a representative is named, and only then.
pub fn check_given_by(
    given_by: ConsentBy,
    representative: Option<&str>,
) -> Result<Option<String>, ParseError> {
    match (given_by, representative) {
        (ConsentBy::Representative, Some(name)) => Ok(Some(Name::<200>::parse(name)?.into_inner())),
        (ConsentBy::Representative, None) => Err(ParseError::new(
            "required",
            "name the representative who gave consent",
        )),
        (ConsentBy::Myself, Some(_)) => Err(ParseError::new(
            "not_allowed",
            "a representative is named only when given_by is representative",
        )),
        (ConsentBy::Myself, None) => Ok(None),
    }
}

/// Checks the day a consent was withdrawn: not before it was given and not after today.
pub fn check_withdrawn_on(
    withdrawn_on: NaiveDate,
    given_on: NaiveDate,
    today: NaiveDate,
) -> Result<NaiveDate, ParseError> {
    let day = crate::dates::happened(withdrawn_on, today)?;
    if day < given_on {
        return Err(ParseError::new(
            "before_given",
            "must not be before the day the consent was given",
        ));
    }
    Ok(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn a_representative_is_named_only_when_they_gave_it() {
        assert_eq!(
            check_given_by(ConsentBy::Representative, Some(" Kari Nordmann ")),
            Ok(Some("Kari Nordmann".to_owned()))
        );
        assert_eq!(
            check_given_by(ConsentBy::Representative, None).map_err(|e| e.code),
            Err("required")
        );
        assert_eq!(
            check_given_by(ConsentBy::Myself, Some("Kari")).map_err(|e| e.code),
            Err("not_allowed")
        );
        assert_eq!(check_given_by(ConsentBy::Myself, None), Ok(None));
    }

    #[test]
    fn text_versions_are_short_and_present() {
        assert_eq!(check_text_version(" v2 "), Ok("v2".to_owned()));
        assert_eq!(check_text_version(" ").map_err(|e| e.code), Err("required"));
        assert_eq!(
            check_text_version(&"x".repeat(51)).map_err(|e| e.code),
            Err("too_long")
        );
    }

    #[test]
    fn withdrawal_lies_between_giving_and_today() {
        let today = day(2026, 12, 6);
        assert_eq!(
            check_withdrawn_on(day(2026, 12, 1), day(2026, 11, 1), today),
            Ok(day(2026, 12, 1))
        );
        assert_eq!(
            check_withdrawn_on(day(2026, 10, 1), day(2026, 11, 1), today).map_err(|e| e.code),
            Err("before_given")
        );
        assert!(check_withdrawn_on(day(2026, 12, 7), day(2026, 11, 1), today).is_err());
    }

    #[test]
    fn home_visits_are_a_recipients_consent() {
        assert!(ConsentPurpose::HomeVisits.is_recipients());
        assert!(!ConsentPurpose::PhotosAtEvents.is_recipients());
    }
}

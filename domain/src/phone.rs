//! Phone numbers, checked against libphonenumber's metadata for every country and normalised
//! to E.164 (`+4791234567`).

use crate::{ParseError, municipality::Country};
use phonenumber::{Mode, country::Id};
use serde::Serialize;

/// A valid phone number of any country, in E.164 form. A number without a country code is read
/// as one of the municipality's country.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PhoneNumber(String);

/// Longest input handed to the parser: an E.164 number has at most 15 digits, so this leaves
/// room for any way of grouping them.
const MAX_INPUT: usize = 40;

impl PhoneNumber {
    /// Parses `raw`, reading a number without a country code as one of `home`. Spaces,
    /// dashes, dots, slashes and parentheses are ignored; `00` stands for `+`. Only numbers
    /// that are valid in their country's numbering plan are accepted; extensions and letters
    /// are not.
    pub fn parse(raw: &str, home: Country) -> Result<Self, ParseError> {
        parse_in(raw, Some(home)).map(Self).ok_or_else(|| {
            ParseError::new(
                "invalid_phone",
                "must be a valid phone number such as 912 34 567 or +45 32 12 34 56",
            )
        })
    }

    /// The E.164 form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a search text that looks like (part of) a phone number is to be matched as in stored
/// E.164 numbers, or `None` when it does not look like one (letters, `@`, fewer than three
/// digits). A whole valid number becomes its E.164 form, read as one of `home` when it has no
/// country code; without a `home` (an administrator searching every municipality) only a number
/// with a country code is read that way. Anything else becomes its digits, with the `+` kept,
/// so `412 34` finds `+4741234567`.
pub fn search_form(raw: &str, home: Option<Country>) -> Option<String> {
    let text = raw.trim();
    if !looks_like_phone(text) {
        return None;
    }
    if let Some(e164) = parse_in(text, home) {
        return Some(e164);
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    Some(if text.starts_with('+') {
        format!("+{digits}")
    } else {
        digits
    })
}

/// Whether `text` is made only of what people write phone numbers with, with at least three
/// digits.
fn looks_like_phone(text: &str) -> bool {
    let body = text.strip_prefix('+').unwrap_or(text);
    text.chars().count() <= MAX_INPUT
        && body.chars().all(|c| c.is_ascii_digit() || is_separator(c))
        && body.chars().filter(char::is_ascii_digit).count() >= 3
}

const fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '-' | '.' | '/' | '(' | ')')
}

/// The E.164 form of `raw` if it is a valid number, read as one of `home` when it has no
/// country code (and refused then if there is no `home`).
fn parse_in(raw: &str, home: Option<Country>) -> Option<String> {
    let text = raw.trim();
    // Only digits and separators reach the parser: it reads letters as vanity numbers and
    // words as extensions, neither of which E.164 can store.
    if !looks_like_phone(text) {
        return None;
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let compact = match digits.strip_prefix("00") {
        Some(international) if !text.starts_with('+') => format!("+{international}"),
        _ if text.starts_with('+') => format!("+{digits}"),
        // A national number has no country to be read in without a home.
        _ if home.is_none() => return None,
        _ => digits,
    };
    let region = home.map(|country| match country {
        Country::Norway => Id::NO,
        Country::Denmark => Id::DK,
    });
    // The parser has panicked on odd input in the past; a panic must not turn a bad phone
    // number into a failed request.
    let parsed = std::panic::catch_unwind(|| {
        let number = phonenumber::parse(region, &compact).ok()?;
        (number.is_valid() && number.extension().is_none())
            .then(|| number.format().mode(Mode::E164).to_string())
    });
    parsed.ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(raw: &str, home: Country) -> Result<String, &'static str> {
        PhoneNumber::parse(raw, home)
            .map(|p| p.0)
            .map_err(|e| e.code)
    }

    #[test]
    fn local_numbers_take_the_home_country() {
        assert_eq!(
            parse("912 34 567", Country::Norway),
            Ok("+4791234567".into())
        );
        assert_eq!(
            parse("412 34 567", Country::Norway),
            Ok("+4741234567".into())
        );
        assert_eq!(
            parse("32-12-34-56", Country::Denmark),
            Ok("+4532123456".into())
        );
        assert_eq!(
            parse("20 12 34 56", Country::Denmark),
            Ok("+4520123456".into())
        );
    }

    #[test]
    fn international_forms_of_any_country_are_normalised() {
        for (raw, e164) in [
            ("+47 912 34 567", "+4791234567"),
            ("0045 (32) 12 34 56", "+4532123456"),
            ("+45 20 12 34 56", "+4520123456"),
            ("+46 70 123 45 67", "+46701234567"),
            ("+49 30 12345678", "+493012345678"),
            ("\u{a0}+47\u{a0}22 12 34 56 ", "+4722123456"),
        ] {
            assert_eq!(parse(raw, Country::Denmark), Ok(e164.into()), "{raw:?}");
        }
    }

    #[test]
    fn numbers_outside_every_numbering_plan_are_refused() {
        for bad in [
            "",
            "1234",
            "912 34 5678",
            "+47 912 34 56",
            "+1 000 000 0000",
            "+999 12345678",
            "+45 12 34 56 78",
            "+4a 91234567",
            "++4791234567",
            "+0791234567",
            "912 34 567 ext. 12",
            "+47 912 FLOWER",
        ] {
            assert_eq!(parse(bad, Country::Norway), Err("invalid_phone"), "{bad:?}");
        }
    }

    #[test]
    fn absurdly_long_input_is_refused_without_parsing() {
        let long = "9".repeat(10_000);
        assert_eq!(parse(&long, Country::Norway), Err("invalid_phone"));
    }

    #[test]
    fn a_whole_number_searches_as_its_stored_form() {
        assert_eq!(
            search_form("412 34 567", Some(Country::Norway)),
            Some("+4741234567".into())
        );
        assert_eq!(
            search_form("0047 412 34 567", None),
            Some("+4741234567".into())
        );
        assert_eq!(
            search_form("+45 20 12 34 56", Some(Country::Norway)),
            Some("+4520123456".into())
        );
    }

    #[test]
    fn part_of_a_number_searches_as_its_digits() {
        assert_eq!(
            search_form("412 34", Some(Country::Norway)),
            Some("41234".into())
        );
        assert_eq!(search_form("+47 412", None), Some("+47412".into()));
        // Without a municipality a national number is not read in any country.
        assert_eq!(search_form("412 34 567", None), Some("41234567".into()));
    }

    #[test]
    fn names_and_emails_are_not_phone_numbers() {
        for text in ["Kari", "kari@example.no", "12", "Berg 12", "", "  "] {
            assert_eq!(search_form(text, Some(Country::Norway)), None, "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn a_stored_number_reads_back_as_itself(
            raw in "(\\+|00)?[0-9 ()./-]{0,24}",
            home in proptest::sample::select(Country::ALL.to_vec()),
        ) {
            if let Ok(number) = PhoneNumber::parse(&raw, home) {
                let stored = number.as_str();
                prop_assert!(stored.starts_with('+') && stored[1..].bytes().all(|b| b.is_ascii_digit()));
                prop_assert_eq!(PhoneNumber::parse(stored, home), Ok(number.clone()));
                prop_assert_eq!(search_form(stored, None), Some(stored.to_owned()));
            }
        }
    }
}

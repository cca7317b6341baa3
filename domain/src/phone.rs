//! Phone numbers, normalised to E.164 (`+4791234567`).

use crate::{ParseError, municipality::Country};
use serde::Serialize;

/// A phone number in E.164 form. Norwegian and Danish numbers have 8 national digits; a number
/// without a country code is read as one of the municipality's country.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses `raw`, reading a number without a country code as one of `home`.
    /// Spaces, dashes, dots and parentheses are ignored; `00` stands for `+`.
    pub fn parse(raw: &str, home: Country) -> Result<Self, ParseError> {
        let invalid = || {
            ParseError::new(
                "invalid_phone",
                "must be a phone number such as 912 34 567 or +45 12 34 56 78",
            )
        };
        let compact: String = raw
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '\u{a0}'))
            .collect();
        let international = if let Some(rest) = compact.strip_prefix('+') {
            rest.to_owned()
        } else if let Some(rest) = compact.strip_prefix("00") {
            rest.to_owned()
        } else {
            if compact.len() != 8 {
                return Err(invalid());
            }
            format!("{}{compact}", calling_code(home))
        };
        if !international.bytes().all(|b| b.is_ascii_digit()) || international.starts_with('0') {
            return Err(invalid());
        }
        let wrong_national_length =
            [Country::Norway, Country::Denmark]
                .into_iter()
                .any(|country| {
                    international
                        .strip_prefix(calling_code(country))
                        .is_some_and(|national| national.len() != 8)
                });
        if wrong_national_length {
            return Err(invalid());
        }
        if !(8..=15).contains(&international.len()) {
            return Err(invalid());
        }
        Ok(Self(format!("+{international}")))
    }

    /// The E.164 form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

const fn calling_code(country: Country) -> &'static str {
    match country {
        Country::Norway => "47",
        Country::Denmark => "45",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            parse("12-34-56-78", Country::Denmark),
            Ok("+4512345678".into())
        );
    }

    #[test]
    fn international_forms_are_normalised() {
        assert_eq!(
            parse("+47 912 34 567", Country::Denmark),
            Ok("+4791234567".into())
        );
        assert_eq!(
            parse("0045 (12) 34 56 78", Country::Norway),
            Ok("+4512345678".into())
        );
        assert_eq!(
            parse("+46 70 123 45 67", Country::Norway),
            Ok("+46701234567".into())
        );
    }

    #[test]
    fn malformed_numbers_are_refused() {
        for bad in [
            "",
            "1234",
            "912 34 5678",
            "+47 912 34 56",
            "+4a 91234567",
            "++4791234567",
            "+0791234567",
        ] {
            assert_eq!(parse(bad, Country::Norway), Err("invalid_phone"), "{bad:?}");
        }
    }
}

//! Bounded, trimmed text such as names.

use crate::ParseError;
use serde::Serialize;

/// A trimmed, non-empty single-line text of at most `MAX` characters (a name, a title).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Name<const MAX: usize>(String);

impl<const MAX: usize> Name<MAX> {
    /// Trims and checks `raw`: not empty, at most `MAX` characters, no control characters.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(ParseError::new("required", "must not be empty"));
        }
        if trimmed.chars().count() > MAX {
            return Err(ParseError::new(
                "too_long",
                format!("must be at most {MAX} characters"),
            ));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(ParseError::new(
                "invalid_characters",
                "must not contain control characters or line breaks",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The owned text.
    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_trimmed() {
        assert_eq!(
            Name::<10>::parse("  Solsiden ").map(Name::into_inner),
            Ok("Solsiden".into())
        );
    }

    #[test]
    fn empty_long_and_multiline_names_are_refused() {
        assert_eq!(
            Name::<10>::parse("   ").map_err(|e| e.code),
            Err("required")
        );
        assert_eq!(
            Name::<3>::parse("abcd").map_err(|e| e.code),
            Err("too_long")
        );
        assert_eq!(
            Name::<3>::parse("æøå").map(Name::into_inner),
            Ok("æøå".into())
        );
        assert_eq!(
            Name::<10>::parse("a\nb").map_err(|e| e.code),
            Err("invalid_characters")
        );
    }
}

/// Free text (notes): trimmed, at most `MAX` characters, line breaks allowed, no other control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Text<const MAX: usize>(String);

impl<const MAX: usize> Text<MAX> {
    /// Trims and checks `raw`.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let trimmed = raw.trim();
        if trimmed.chars().count() > MAX {
            return Err(ParseError::new(
                "too_long",
                format!("must be at most {MAX} characters"),
            ));
        }
        if trimmed
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(ParseError::new(
                "invalid_characters",
                "must not contain control characters",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The owned text.
    pub fn into_inner(self) -> String {
        self.0
    }
}

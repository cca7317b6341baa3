//! The one error a parsing constructor returns.

use std::borrow::Cow;

/// Why a value could not be parsed into a domain type.
///
/// `code` is stable and machine-readable (`too_long`, `invalid_format`, ...); `message` is for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    /// Stable, machine-readable reason.
    pub code: &'static str,
    /// Human-readable explanation.
    pub message: Cow<'static, str>,
}

impl ParseError {
    /// A parse error with a code and a message.
    pub fn new(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

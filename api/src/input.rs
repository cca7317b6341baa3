//! Reading request values: the validation helpers every route uses, and the checks of dates
//! and free text that several resources share. Each check names the field it refuses, so that
//! a 422 says where; the rules themselves (what a name or a date may be) live in the domain.

use crate::error::FieldError;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use samspill_domain::{ParseError, text::Text};

/// Parses each `name = result;` (a `Result<T, FieldError>`) and binds `name` to its value, or
/// returns one 422 listing every field that failed.
macro_rules! validate {
    ($($name:ident = $result:expr;)+) => {
        let mut field_errors: Vec<$crate::error::FieldError> = Vec::new();
        $(
            let $name = match $result {
                Ok(value) => Some(value),
                Err(error) => {
                    field_errors.push(error);
                    None
                }
            };
        )+
        let ($(Some($name),)+) = ($($name,)+) else {
            return Err($crate::error::ApiError::Validation(field_errors));
        };
    };
}

pub(crate) use validate;

/// Maps a domain parse result to a field error on `field`.
pub(crate) fn field<T>(
    field: &'static str,
    result: Result<T, ParseError>,
) -> Result<T, FieldError> {
    result.map_err(|error| FieldError::parse(field, &error))
}

/// Parses an optional value, keeping `None` as `None`.
pub(crate) fn optional<T, U>(
    name: &'static str,
    value: Option<T>,
    parse: impl FnOnce(T) -> Result<U, ParseError>,
) -> Result<Option<U>, FieldError> {
    value.map(|v| field(name, parse(v))).transpose()
}

/// Deserializes a field that distinguishes "absent" (`None`) from "null" (`Some(None)`).
pub(crate) fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(deserializer).map(Some)
}

/// Optional free text: blank is none.
pub(crate) fn optional_text<T>(
    raw: Option<String>,
    parse: impl FnOnce(&str) -> Result<T, ParseError>,
) -> Result<Option<T>, ParseError> {
    raw.filter(|t| !t.trim().is_empty())
        .map(|t| parse(&t))
        .transpose()
}

/// The earliest year a recorded date can carry.
const EARLIEST_YEAR: i32 = 1900;
/// The latest.
const LATEST_YEAR: i32 = 2200;

/// Refuses dates PostgreSQL or common sense cannot take (chrono reads years far outside both).
pub(crate) fn plausible(name: &str, date: NaiveDate) -> Result<NaiveDate, FieldError> {
    if (EARLIEST_YEAR..=LATEST_YEAR).contains(&date.year()) {
        Ok(date)
    } else {
        Err(FieldError::new(
            name,
            "out_of_range",
            "must be a date between 1900 and 2200",
        ))
    }
}

/// A plausible date of something that has already happened: not in the future.
pub(crate) fn happened(name: &str, date: NaiveDate) -> Result<NaiveDate, FieldError> {
    if date > Utc::now().date_naive() {
        return Err(FieldError::new(
            name,
            "in_future",
            "must not be in the future",
        ));
    }
    plausible(name, date)
}

/// A plausible moment that has already happened (five minutes of clock difference allowed).
pub(crate) fn not_in_future(name: &str, at: DateTime<Utc>) -> Result<DateTime<Utc>, FieldError> {
    if at > Utc::now() + chrono::Duration::minutes(5) {
        return Err(FieldError::new(
            name,
            "in_future",
            "must not be in the future",
        ));
    }
    plausible(name, at.date_naive()).map(|_| at)
}

/// Notes of a vetting record: at most 4000 characters; blank is none.
pub(crate) fn notes(raw: Option<String>) -> Result<Option<String>, FieldError> {
    raw.map(|n| Text::<4000>::parse(&n).map(Text::into_inner))
        .transpose()
        .map(|n| n.filter(|n| !n.is_empty()))
        .map_err(|e| FieldError::parse("notes", &e))
}

/// The reason of a status change: required, at most 1000 characters.
pub(crate) fn reason(raw: &str) -> Result<String, FieldError> {
    let reason = Text::<1000>::parse(raw)
        .map_err(|e| FieldError::parse("reason", &e))?
        .into_inner();
    if reason.is_empty() {
        return Err(FieldError::new("reason", "required", "say why"));
    }
    Ok(reason)
}

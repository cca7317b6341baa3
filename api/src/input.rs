//! Reading request values: the validation helpers every route uses, and the checks of dates
//! and free text that several resources share, each naming the field it refuses so that a 422
//! says where. What a date, a note or a reason may be is the domain's rule.

use crate::error::FieldError;
use chrono::{DateTime, NaiveDate, Utc};
use samspill_domain::{
    ParseError, dates,
    placement::{Placed, check_head_count},
    volunteer::{Notes, parse_reason},
};

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

/// A date within the years a record can carry ([`dates::plausible`]), as a field.
pub(crate) fn plausible(name: &str, date: NaiveDate) -> Result<NaiveDate, FieldError> {
    dates::plausible(date).map_err(|e| FieldError::parse(name.to_owned(), &e))
}

/// A plausible date of something that has already happened, as a field.
pub(crate) fn happened(name: &str, date: NaiveDate) -> Result<NaiveDate, FieldError> {
    dates::happened(date, Utc::now().date_naive())
        .map_err(|e| FieldError::parse(name.to_owned(), &e))
}

/// A plausible moment that has already happened, as a field.
pub(crate) fn not_in_future(name: &str, at: DateTime<Utc>) -> Result<DateTime<Utc>, FieldError> {
    dates::happened_at(at, Utc::now()).map_err(|e| FieldError::parse(name.to_owned(), &e))
}

/// Notes of a vetting record ([`Notes`]); blank is none.
pub(crate) fn notes(raw: Option<String>) -> Result<Option<String>, FieldError> {
    raw.map(|n| Notes::parse(&n).map(Notes::into_inner))
        .transpose()
        .map(|n| n.filter(|n| !n.is_empty()))
        .map_err(|e| FieldError::parse("notes", &e))
}

/// The reason of a status change ([`parse_reason`]).
pub(crate) fn reason(raw: &str) -> Result<String, FieldError> {
    parse_reason(raw).map_err(|e| FieldError::parse("reason", &e))
}

/// Who a request places: exactly one of `volunteer_id` and `group_id`, a group with its
/// `head_count` (and only a group).
pub(crate) fn placed(
    volunteer: Option<uuid::Uuid>,
    group: Option<uuid::Uuid>,
    head_count: Option<i32>,
) -> Result<Placed, FieldError> {
    match (volunteer, group, head_count) {
        (Some(volunteer), None, None) => Ok(Placed::Volunteer(volunteer.into())),
        (Some(_), None, Some(_)) => Err(FieldError::new(
            "head_count",
            "not_allowed",
            "a head count is given for groups only",
        )),
        (None, Some(group), Some(count)) => Ok(Placed::Group(
            group.into(),
            check_head_count(count).map_err(|e| FieldError::parse("head_count", &e))?,
        )),
        (None, Some(_), None) => Err(FieldError::new(
            "head_count",
            "required",
            "say how many of the group's people take part",
        )),
        _ => Err(FieldError::new(
            "volunteer_id",
            "one_of",
            "name exactly one of volunteer_id and group_id",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_checks_name_the_field_they_refuse() {
        let tomorrow = Utc::now().date_naive().succ_opt().unwrap_or_default();
        let refused = happened("signed_on", tomorrow).map_err(|e| (e.field, e.code));
        assert_eq!(
            refused,
            Err(("signed_on".to_owned(), "in_future".to_owned()))
        );
        let ancient = NaiveDate::from_ymd_opt(1899, 12, 31).unwrap_or_default();
        assert_eq!(
            plausible("issued_on", ancient).map_err(|e| e.code),
            Err("out_of_range".to_owned())
        );
        assert_eq!(
            reason("  ").map_err(|e| (e.field, e.code)),
            Err(("reason".to_owned(), "required".to_owned()))
        );
    }
}

//! Dates people enter: within the years a record can carry (chrono reads years far outside
//! what PostgreSQL or common sense take), and not in the future where they say what has
//! already happened.

use crate::ParseError;
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};

/// The earliest year a recorded date can carry.
pub const EARLIEST_YEAR: i32 = 1900;
/// The latest.
pub const LATEST_YEAR: i32 = 2200;

/// How far a moment may lie ahead of the clock and still count as past (clocks differ).
const CLOCK_SLACK: TimeDelta = TimeDelta::minutes(5);

/// A date within the years a record can carry.
pub fn plausible(date: NaiveDate) -> Result<NaiveDate, ParseError> {
    if (EARLIEST_YEAR..=LATEST_YEAR).contains(&date.year()) {
        Ok(date)
    } else {
        Err(ParseError::new(
            "out_of_range",
            "must be a date between 1900 and 2200",
        ))
    }
}

fn in_future() -> ParseError {
    ParseError::new("in_future", "must not be in the future")
}

/// A plausible date of something that has already happened by `today`.
pub fn happened(date: NaiveDate, today: NaiveDate) -> Result<NaiveDate, ParseError> {
    if date > today {
        return Err(in_future());
    }
    plausible(date)
}

/// A moment within the years a record can carry.
pub fn plausible_at(at: DateTime<Utc>) -> Result<DateTime<Utc>, ParseError> {
    plausible(at.date_naive()).map(|_| at)
}

/// A plausible moment that has already happened by `now` (give or take the clocks' slack).
pub fn happened_at(at: DateTime<Utc>, now: DateTime<Utc>) -> Result<DateTime<Utc>, ParseError> {
    if at > now + CLOCK_SLACK {
        return Err(in_future());
    }
    plausible(at.date_naive()).map(|_| at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn dates_outside_the_plausible_years_or_ahead_are_refused() {
        let today = date(2026, 12, 1);
        assert!(plausible(date(1899, 12, 31)).is_err());
        assert!(plausible(date(2200, 12, 31)).is_ok());
        assert_eq!(happened(today, today), Ok(today));
        assert_eq!(
            happened(date(2026, 12, 2), today).map_err(|e| e.code),
            Err("in_future")
        );
        let now = today.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc();
        assert!(happened_at(now + TimeDelta::minutes(4), now).is_ok());
        assert!(happened_at(now + TimeDelta::minutes(6), now).is_err());
    }
}

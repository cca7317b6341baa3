//! Hours (timer): minutes a volunteer or a group gave on a date, optionally for a visit or a
//! placement, and how they are approved. An entry is `pending` until a coordinator approves or
//! declines it; an approved entry can be revoked back to `pending` with a reason. Entries are
//! never deleted: a wrong one is declined. Only approved entries count in reports.

use crate::{
    ParseError, dates,
    ids::{
        GroupId, MunicipalityId, PlacementId, StaffUserId, TimeEntryId, UnitId, VisitId,
        VolunteerId,
    },
    placement::Placed,
    string_enum::string_enum,
};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};

string_enum! {
    /// Where an entry stands.
    pub enum TimeEntryStatus {
        /// Waiting for a coordinator's approval; not counted.
        Pending => "pending",
        /// Approved by a coordinator (or counted at once by the municipality's setting); counted.
        Approved => "approved",
        /// Declined with a reason: wrong or logged twice. Nothing follows; never counted.
        Declined => "declined",
    }
}

string_enum! {
    /// Who logged an entry.
    pub enum TimeEntrySource {
        /// The volunteer, for themselves.
        Volunteer => "volunteer",
        /// A coordinator or an administrator.
        Coordinator => "coordinator",
        /// The service, when a visit was marked completed.
        Visit => "visit",
    }
}

string_enum! {
    /// What a coordinator decides about an entry.
    pub enum TimeEntryDecision {
        /// A pending entry counts.
        Approve => "approve",
        /// A pending entry is wrong: declined for good, with a reason.
        Decline => "decline",
        /// An approved entry goes back to pending, with a reason.
        Revoke => "revoke",
    }
}

string_enum! {
    /// What the hours report adds up by.
    pub enum HoursGrouping {
        /// The unit the time was given at (for a home visit, the unit answering for the person).
        Unit => "unit",
        /// The activity kind.
        ActivityKind => "activity_kind",
        /// The volunteer or group who gave the time.
        Volunteer => "volunteer",
        /// The calendar month of the date (`YYYY-MM`).
        Month => "month",
    }
}

/// The most minutes in one entry, and in one day for one volunteer or group.
pub const MAX_MINUTES_PER_DAY: i32 = 1440;

/// Checks an entry's minutes: 1 to [`MAX_MINUTES_PER_DAY`].
pub fn check_minutes(minutes: i32) -> Result<i32, ParseError> {
    if (1..=MAX_MINUTES_PER_DAY).contains(&minutes) {
        Ok(minutes)
    } else {
        Err(ParseError::new(
            "out_of_range",
            format!("must be 1 to {MAX_MINUTES_PER_DAY} minutes"),
        ))
    }
}

/// Checks an entry's date: a plausible date not after `today` (the municipality's local date).
pub fn check_occurred_on(date: NaiveDate, today: NaiveDate) -> Result<NaiveDate, ParseError> {
    dates::happened(date, today)
}

/// Checks that `adding` more minutes keep one volunteer's or group's day at most 24 hours,
/// when `already` minutes of entries not declined are logged for it.
pub fn check_day_total(already: i64, adding: i32) -> Result<(), ParseError> {
    let total = already + i64::from(adding);
    if total > i64::from(MAX_MINUTES_PER_DAY) {
        Err(ParseError::new(
            "over_24_hours",
            format!(
                "{already} minutes are already logged on this day: one day holds at most {MAX_MINUTES_PER_DAY} minutes (24 hours)"
            ),
        ))
    } else {
        Ok(())
    }
}

/// The status a new entry starts in: a coordinator's counts at once, one made from a completed
/// visit waits, and a volunteer's own waits when the municipality's setting
/// `own_time_entries_need_approval` says so.
pub const fn initial_status(source: TimeEntrySource, own_need_approval: bool) -> TimeEntryStatus {
    match source {
        TimeEntrySource::Coordinator => TimeEntryStatus::Approved,
        TimeEntrySource::Visit => TimeEntryStatus::Pending,
        TimeEntrySource::Volunteer if own_need_approval => TimeEntryStatus::Pending,
        TimeEntrySource::Volunteer => TimeEntryStatus::Approved,
    }
}

/// Why a decision is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    /// The entry is not in a status the decision applies to.
    #[error("an entry that is {from} cannot be given the decision {decision}")]
    NotAllowed {
        /// Where the entry stands.
        from: TimeEntryStatus,
        /// The decision asked for.
        decision: TimeEntryDecision,
    },
    /// Declining and revoking say why.
    #[error("say why: declining and revoking need a reason")]
    ReasonRequired,
}

/// The status a decision leads to: `approve` and `decline` (with a reason) a pending entry,
/// `revoke` (with a reason) an approved one back to pending.
pub fn decide(
    from: TimeEntryStatus,
    decision: TimeEntryDecision,
    has_reason: bool,
) -> Result<TimeEntryStatus, DecisionError> {
    use TimeEntryDecision as D;
    use TimeEntryStatus as S;
    let to = match (from, decision) {
        (S::Pending, D::Approve) => S::Approved,
        (S::Pending, D::Decline) => S::Declined,
        (S::Approved, D::Revoke) => S::Pending,
        _ => return Err(DecisionError::NotAllowed { from, decision }),
    };
    if matches!(decision, D::Decline | D::Revoke) && !has_reason {
        return Err(DecisionError::ReasonRequired);
    }
    Ok(to)
}

/// Person-minutes: a group's minutes count once for each of its people taking part.
pub fn person_minutes(minutes: i64, head_count: Option<i32>) -> i64 {
    minutes * i64::from(head_count.unwrap_or(1).max(1))
}

/// Minutes as hours with two decimals (90 → 1.5, 20 → 0.33).
pub fn hours(minutes: i64) -> f64 {
    (minutes as f64 / 60.0 * 100.0).round() / 100.0
}

/// The longest window one hours report covers, in years.
pub const MAX_REPORT_YEARS: u32 = 5;

/// Checks a report's window: `from` not after `to`, and at most [`MAX_REPORT_YEARS`] years.
/// Each problem names its field.
pub fn check_report_window(
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), (&'static str, ParseError)> {
    let from = dates::plausible(from).map_err(|e| ("from", e))?;
    let to = dates::plausible(to).map_err(|e| ("to", e))?;
    if to < from {
        return Err((
            "to",
            ParseError::new("before_from", "must not be before from"),
        ));
    }
    let limit = from.checked_add_months(Months::new(12 * MAX_REPORT_YEARS));
    if limit.is_none_or(|last| to >= last) {
        return Err((
            "to",
            ParseError::new(
                "window_too_long",
                format!("a report covers at most {MAX_REPORT_YEARS} years"),
            ),
        ));
    }
    Ok((from, to))
}

/// The default window of a report asked on `today`: the first of January of this year to today.
pub fn default_report_window(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    (first, today)
}

/// What an entry is linked to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeLink {
    /// Nothing: time given outside a placement (a meeting, a training, an event).
    None,
    /// A placement.
    Placement(PlacementId),
    /// A visit of a placement.
    Visit(PlacementId, VisitId),
}

impl TimeLink {
    /// The placement, if any.
    pub const fn placement(self) -> Option<PlacementId> {
        match self {
            TimeLink::None => None,
            TimeLink::Placement(p) | TimeLink::Visit(p, _) => Some(p),
        }
    }

    /// The visit, if any.
    pub const fn visit(self) -> Option<VisitId> {
        match self {
            TimeLink::Visit(_, v) => Some(v),
            _ => None,
        }
    }
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeEntry {
    /// Its id.
    pub id: TimeEntryId,
    /// The municipality.
    pub municipality_id: MunicipalityId,
    /// Who gave the time: a volunteer, or a group with how many of its people.
    pub who: Placed,
    /// The date.
    pub occurred_on: NaiveDate,
    /// Minutes (for a group: of clock time; person-minutes are these times the head count).
    pub minutes: i32,
    /// What it is linked to.
    pub link: TimeLink,
    /// The unit (from the placement when linked).
    pub unit_id: Option<UnitId>,
    /// The activity kind's code (from the placement when linked).
    pub activity_kind: Option<String>,
    /// What was done.
    pub note: Option<String>,
    /// Who logged it.
    pub source: TimeEntrySource,
    /// Where it stands.
    pub status: TimeEntryStatus,
    /// Who approved or declined it; `None` while pending, or when the setting approved it.
    pub decided_by: Option<StaffUserId>,
    /// When.
    pub decided_at: Option<DateTime<Utc>>,
    /// The account that logged it.
    pub created_by: Option<StaffUserId>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl TimeEntry {
    /// The volunteer, if a volunteer gave the time.
    pub const fn volunteer(&self) -> Option<VolunteerId> {
        match self.who {
            Placed::Volunteer(v) => Some(v),
            Placed::Group(..) => None,
        }
    }

    /// The group, if a group gave the time.
    pub const fn group(&self) -> Option<GroupId> {
        match self.who {
            Placed::Group(g, _) => Some(g),
            Placed::Volunteer(_) => None,
        }
    }
}

/// An entry's note: at most 500 characters; blank is none.
pub fn parse_note(raw: &str) -> Result<Option<String>, ParseError> {
    let text = crate::text::Text::<500>::parse(raw)?.into_inner();
    Ok(Some(text).filter(|t| !t.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use TimeEntryDecision as D;
    use TimeEntryStatus as S;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn pending_entries_are_approved_or_declined_and_approved_ones_revoked() {
        assert_eq!(decide(S::Pending, D::Approve, false), Ok(S::Approved));
        assert_eq!(decide(S::Pending, D::Decline, true), Ok(S::Declined));
        assert_eq!(decide(S::Approved, D::Revoke, true), Ok(S::Pending));
        for decision in D::ALL {
            assert!(
                matches!(
                    decide(S::Declined, *decision, true),
                    Err(DecisionError::NotAllowed { .. })
                ),
                "a declined entry stays declined ({decision})"
            );
        }
        assert!(decide(S::Approved, D::Approve, true).is_err());
        assert!(decide(S::Approved, D::Decline, true).is_err());
        assert!(decide(S::Pending, D::Revoke, true).is_err());
    }

    #[test]
    fn declining_and_revoking_say_why() {
        assert_eq!(
            decide(S::Pending, D::Decline, false),
            Err(DecisionError::ReasonRequired)
        );
        assert_eq!(
            decide(S::Approved, D::Revoke, false),
            Err(DecisionError::ReasonRequired)
        );
    }

    #[test]
    fn coordinators_count_at_once_visits_wait_and_volunteers_follow_the_setting() {
        assert_eq!(
            initial_status(TimeEntrySource::Coordinator, true),
            S::Approved
        );
        assert_eq!(initial_status(TimeEntrySource::Visit, false), S::Pending);
        assert_eq!(initial_status(TimeEntrySource::Volunteer, true), S::Pending);
        assert_eq!(
            initial_status(TimeEntrySource::Volunteer, false),
            S::Approved
        );
    }

    #[test]
    fn a_day_holds_24_hours_and_no_date_ahead() {
        assert!(check_day_total(1380, 60).is_ok());
        assert_eq!(
            check_day_total(1380, 61).map_err(|e| e.code),
            Err("over_24_hours")
        );
        assert_eq!(check_minutes(0).map_err(|e| e.code), Err("out_of_range"));
        assert_eq!(check_minutes(1441).map_err(|e| e.code), Err("out_of_range"));
        assert_eq!(check_minutes(1440), Ok(1440));
        let today = day(2027, 3, 10);
        assert_eq!(check_occurred_on(today, today), Ok(today));
        assert_eq!(
            check_occurred_on(day(2027, 3, 11), today).map_err(|e| e.code),
            Err("in_future")
        );
    }

    #[test]
    fn a_report_covers_at_most_five_years_in_order() {
        let from = day(2022, 1, 1);
        assert!(check_report_window(from, day(2026, 12, 31)).is_ok());
        assert_eq!(
            check_report_window(from, day(2027, 1, 1)).map_err(|(f, e)| (f, e.code)),
            Err(("to", "window_too_long"))
        );
        assert_eq!(
            check_report_window(from, day(2021, 12, 31)).map_err(|(f, e)| (f, e.code)),
            Err(("to", "before_from"))
        );
        assert_eq!(
            default_report_window(day(2027, 3, 10)),
            (day(2027, 1, 1), day(2027, 3, 10))
        );
    }

    #[test]
    fn hours_have_two_decimals_and_groups_count_per_person() {
        assert!((hours(90) - 1.5).abs() < f64::EPSILON);
        assert!((hours(20) - 0.33).abs() < f64::EPSILON);
        assert_eq!(person_minutes(90, Some(12)), 1080);
        assert_eq!(person_minutes(90, None), 90);
        assert_eq!(parse_note("  "), Ok(None));
    }
}

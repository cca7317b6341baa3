//! Retention: how long a municipality keeps each kind of personal data, and what happens when
//! the period has run. A volunteer's data falls due a number of months after the date its
//! category counts from (the day they ended, were rejected, or were last active); the work
//! list shows them `warn_days` before, and a coordinator may keep them longer with a reason.

use crate::{ParseError, string_enum::string_enum};
use chrono::{Months, NaiveDate, TimeDelta};

string_enum! {
    /// What kind of data a retention period applies to.
    pub enum RetentionCategory {
        /// Volunteers who have ended (withdrawn), counted from the day they ended.
        EndedVolunteers => "ended_volunteers",
        /// Volunteers not ended or rejected but with no activity (status change, visit, hours),
        /// counted from their last activity.
        InactiveVolunteers => "inactive_volunteers",
        /// Applications that were rejected, counted from the day of the rejection.
        RejectedApplications => "rejected_applications",
        /// Hours logged, counted from the day worked.
        TimeEntries => "time_entries",
        /// The notes written in the contact log, counted from the contact.
        ContactLogNotes => "contact_log_notes",
    }
}

string_enum! {
    /// What happens when the period has run.
    pub enum RetentionAction {
        /// The person's data is anonymised as an erasure does (the record stays without
        /// personal data); hours keep their minutes and dates but lose their notes; contact-log
        /// notes are blanked.
        Anonymise => "anonymise",
        /// The records are deleted.
        Delete => "delete",
    }
}

impl RetentionCategory {
    /// Whether the category is about volunteers one by one (shown in the work list, and kept
    /// longer by an extension), rather than rows in bulk.
    pub fn is_per_volunteer(self) -> bool {
        matches!(
            self,
            Self::EndedVolunteers | Self::InactiveVolunteers | Self::RejectedApplications
        )
    }
}

/// Longest retention period in months.
pub const MAX_MONTHS: u16 = 240;
/// Longest warning ahead of the date, in days.
pub const MAX_WARN_DAYS: u16 = 365;

/// A municipality's retention period for one category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// The category.
    pub category: RetentionCategory,
    /// Months after the date the category counts from.
    pub months: u16,
    /// What happens then.
    pub action: RetentionAction,
    /// Days ahead the work list shows a volunteer falling due.
    pub warn_days: u16,
}

impl RetentionPolicy {
    /// Checks the numbers; errors name the field.
    pub fn check(months: u16, warn_days: u16) -> Result<(), Vec<(&'static str, ParseError)>> {
        let mut errors = Vec::new();
        if months > MAX_MONTHS {
            errors.push((
                "months",
                ParseError::new(
                    "out_of_range",
                    format!("must be between 0 and {MAX_MONTHS}"),
                ),
            ));
        }
        if warn_days > MAX_WARN_DAYS {
            errors.push((
                "warn_days",
                ParseError::new(
                    "out_of_range",
                    format!("must be between 0 and {MAX_WARN_DAYS}"),
                ),
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The day data counted from `since` falls due: `months` later, or, when a coordinator
    /// has kept it until `extended_until`, the day after that if it is later.
    pub fn due_on(&self, since: NaiveDate, extended_until: Option<NaiveDate>) -> NaiveDate {
        let due = since
            .checked_add_months(Months::new(u32::from(self.months)))
            .unwrap_or(NaiveDate::MAX);
        match extended_until.and_then(|until| until.succ_opt()) {
            Some(after) if after > due => after,
            _ => due,
        }
    }

    /// The day the job acts on data due on `due_on` that the schedule first noticed on
    /// `warned_on` (not yet noticed: it will be `today`): never before `warn_days` after the
    /// notice, so that coordinators see it coming.
    pub fn acts_on(
        &self,
        due_on: NaiveDate,
        warned_on: Option<NaiveDate>,
        today: NaiveDate,
    ) -> NaiveDate {
        let warned = warned_on.unwrap_or(today);
        let after_warning = warned
            .checked_add_signed(TimeDelta::days(i64::from(self.warn_days)))
            .unwrap_or(NaiveDate::MAX);
        due_on.max(after_warning)
    }

    /// The first day the work list shows data falling due on `due_on`.
    pub fn warn_from(&self, due_on: NaiveDate) -> NaiveDate {
        due_on
            .checked_sub_signed(TimeDelta::days(i64::from(self.warn_days)))
            .unwrap_or(NaiveDate::MIN)
    }

    /// The last day counted-from dates may have for rows in bulk (hours, notes) to be due on
    /// `today`: rows from this day or earlier are acted on.
    pub fn bulk_cutoff(&self, today: NaiveDate) -> NaiveDate {
        today
            .checked_sub_months(Months::new(u32::from(self.months)))
            .unwrap_or(NaiveDate::MIN)
    }
}

/// Checks an extension: kept until a day after today, with a reason of at most 500 characters.
pub fn check_extension(
    until: NaiveDate,
    reason: &str,
    today: NaiveDate,
) -> Result<(NaiveDate, String), Vec<(&'static str, ParseError)>> {
    let mut errors = Vec::new();
    let until = match crate::dates::plausible(until) {
        Ok(d) if d > today => Some(d),
        Ok(_) => {
            errors.push((
                "until",
                ParseError::new("not_in_future", "must be after today"),
            ));
            None
        }
        Err(e) => {
            errors.push(("until", e));
            None
        }
    };
    let reason = reason.trim();
    if reason.is_empty() {
        errors.push(("reason", ParseError::new("required", "give the reason")));
    } else if reason.chars().count() > 500 {
        errors.push((
            "reason",
            ParseError::new("too_long", "must be at most 500 characters"),
        ));
    }
    match until {
        Some(until) if errors.is_empty() => Ok((until, reason.to_owned())),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn policy(months: u16, warn_days: u16) -> RetentionPolicy {
        RetentionPolicy {
            category: RetentionCategory::EndedVolunteers,
            months,
            action: RetentionAction::Anonymise,
            warn_days,
        }
    }

    #[test]
    fn due_counts_months_from_the_date() {
        assert_eq!(policy(0, 7).due_on(day(2026, 3, 5), None), day(2026, 3, 5));
        assert_eq!(
            policy(6, 7).due_on(day(2026, 8, 31), None),
            day(2027, 2, 28)
        );
        assert_eq!(
            policy(12, 0).due_on(day(2024, 2, 29), None),
            day(2025, 2, 28)
        );
    }

    #[test]
    fn an_extension_moves_the_date_to_the_day_after_it() {
        let p = policy(0, 7);
        assert_eq!(
            p.due_on(day(2026, 3, 5), Some(day(2026, 6, 1))),
            day(2026, 6, 2)
        );
        // An extension that ended before the date changes nothing.
        assert_eq!(
            p.due_on(day(2026, 3, 5), Some(day(2026, 1, 1))),
            day(2026, 3, 5)
        );
    }

    #[test]
    fn the_warning_starts_warn_days_before() {
        assert_eq!(policy(0, 7).warn_from(day(2026, 3, 8)), day(2026, 3, 1));
        assert_eq!(policy(0, 0).warn_from(day(2026, 3, 8)), day(2026, 3, 8));
    }

    #[test]
    fn the_job_acts_no_sooner_than_warn_days_after_the_notice() {
        let p = policy(0, 7);
        let today = day(2026, 12, 6);
        // Due at once, but noticed only today: a week from now.
        assert_eq!(p.acts_on(today, None, today), day(2026, 12, 13));
        assert_eq!(
            p.acts_on(today, Some(today), day(2026, 12, 10)),
            day(2026, 12, 13)
        );
        // Noticed long before the day: on the day.
        assert_eq!(
            p.acts_on(day(2027, 1, 10), Some(day(2026, 12, 1)), today),
            day(2027, 1, 10)
        );
    }

    #[test]
    fn bulk_rows_are_due_from_the_cutoff() {
        assert_eq!(
            policy(24, 0).bulk_cutoff(day(2026, 12, 6)),
            day(2024, 12, 6)
        );
        assert_eq!(policy(0, 0).bulk_cutoff(day(2026, 12, 6)), day(2026, 12, 6));
    }

    #[test]
    fn numbers_are_checked() {
        assert!(RetentionPolicy::check(240, 365).is_ok());
        let errors = RetentionPolicy::check(241, 366).err().unwrap_or_default();
        let fields: Vec<_> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["months", "warn_days"]);
    }

    #[test]
    fn extensions_need_a_later_day_and_a_reason() {
        let today = day(2026, 12, 6);
        assert_eq!(
            check_extension(day(2027, 1, 1), " Archive duty ", today),
            Ok((day(2027, 1, 1), "Archive duty".to_owned()))
        );
        let errors = check_extension(today, "  ", today)
            .err()
            .unwrap_or_default();
        let fields: Vec<_> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["until", "reason"]);
        let long = "x".repeat(501);
        assert_eq!(
            check_extension(day(2027, 1, 1), &long, today)
                .err()
                .and_then(|e| e.first().map(|(_, e)| e.code)),
            Some("too_long")
        );
    }

    #[test]
    fn only_volunteer_categories_are_per_volunteer() {
        assert!(RetentionCategory::EndedVolunteers.is_per_volunteer());
        assert!(RetentionCategory::RejectedApplications.is_per_volunteer());
        assert!(!RetentionCategory::TimeEntries.is_per_volunteer());
        assert!(!RetentionCategory::ContactLogNotes.is_per_volunteer());
    }
}

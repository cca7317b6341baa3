//! Recurring visit schedules: the subset of RFC 5545 recurrence rules that visit rotas use
//! (`FREQ=WEEKLY` with `INTERVAL`, `BYDAY`, `UNTIL` or `COUNT`, and excluded dates), at a local
//! time of the municipality's time zone.
//!
//! Dates are generated here as local calendar dates; turning a local date and time into an
//! instant is [`local_instant`], which decides what happens on the days clocks change.

use crate::{
    ParseError,
    ids::{MunicipalityId, PlacementId, ScheduleId},
    municipality::Country,
    volunteer::Weekday,
};
use chrono::{DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveTime, Offset, TimeZone, Utc};

/// The most visits a schedule may produce by `count`.
pub const MAX_COUNT: u16 = 1000;
/// The most dates a schedule may leave out.
pub const MAX_EXCLUDED: usize = 366;

/// How a recurrence ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecurrenceEnd {
    /// It goes on.
    Never,
    /// Its last possible date.
    Until(NaiveDate),
    /// After this many occurrences (excluded dates count, as in RFC 5545).
    Count(u16),
}

/// A weekly recurrence: on `weekdays` of every `interval_weeks`-th week (weeks start on
/// Monday) counted from the week of `starts_on`, never before `starts_on`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recurrence {
    starts_on: NaiveDate,
    weekdays: Vec<Weekday>,
    interval_weeks: u8,
    end: RecurrenceEnd,
    excluded: Vec<NaiveDate>,
}

fn chrono_weekday(day: Weekday) -> chrono::Weekday {
    match day {
        Weekday::Monday => chrono::Weekday::Mon,
        Weekday::Tuesday => chrono::Weekday::Tue,
        Weekday::Wednesday => chrono::Weekday::Wed,
        Weekday::Thursday => chrono::Weekday::Thu,
        Weekday::Friday => chrono::Weekday::Fri,
        Weekday::Saturday => chrono::Weekday::Sat,
        Weekday::Sunday => chrono::Weekday::Sun,
    }
}

fn rfc5545_day(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "MO",
        Weekday::Tuesday => "TU",
        Weekday::Wednesday => "WE",
        Weekday::Thursday => "TH",
        Weekday::Friday => "FR",
        Weekday::Saturday => "SA",
        Weekday::Sunday => "SU",
    }
}

impl Recurrence {
    /// Checks the parts of a recurrence; each problem is named by its field.
    pub fn new(
        starts_on: NaiveDate,
        weekdays: &[Weekday],
        interval_weeks: u8,
        end: RecurrenceEnd,
        excluded: &[NaiveDate],
    ) -> Result<Self, Vec<(&'static str, ParseError)>> {
        let mut problems = Vec::new();
        let mut days = weekdays.to_vec();
        days.sort();
        days.dedup();
        if days.is_empty() {
            problems.push((
                "weekdays",
                ParseError::new("required", "name at least one weekday"),
            ));
        }
        if !(1..=52).contains(&interval_weeks) {
            problems.push((
                "interval_weeks",
                ParseError::new("out_of_range", "must be 1 to 52"),
            ));
        }
        match end {
            RecurrenceEnd::Until(until) if until < starts_on => problems.push((
                "until",
                ParseError::new("before_start", "must not be before starts_on"),
            )),
            RecurrenceEnd::Count(count) if !(1..=MAX_COUNT).contains(&count) => problems.push((
                "count",
                ParseError::new("out_of_range", format!("must be 1 to {MAX_COUNT}")),
            )),
            _ => {}
        }
        if excluded.len() > MAX_EXCLUDED {
            problems.push((
                "excluded_dates",
                ParseError::new(
                    "too_many",
                    format!("at most {MAX_EXCLUDED} dates may be left out"),
                ),
            ));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let mut excluded = excluded.to_vec();
        excluded.sort();
        excluded.dedup();
        Ok(Self {
            starts_on,
            weekdays: days,
            interval_weeks,
            end,
            excluded,
        })
    }

    /// The first possible date.
    pub fn starts_on(&self) -> NaiveDate {
        self.starts_on
    }

    /// The weekdays, Monday first.
    pub fn weekdays(&self) -> &[Weekday] {
        &self.weekdays
    }

    /// Every how many weeks.
    pub fn interval_weeks(&self) -> u8 {
        self.interval_weeks
    }

    /// How it ends.
    pub fn end(&self) -> RecurrenceEnd {
        self.end
    }

    /// The dates left out, in order.
    pub fn excluded(&self) -> &[NaiveDate] {
        &self.excluded
    }

    /// The Monday of the week `starts_on` falls in.
    fn first_monday(&self) -> NaiveDate {
        let back = u64::from(self.starts_on.weekday().num_days_from_monday());
        self.starts_on - Days::new(back)
    }

    /// Every occurrence from the start, in order, excluded dates included (they count
    /// towards `COUNT`), until `last` or the recurrence's end.
    fn occurrences_until(&self, last: NaiveDate) -> impl Iterator<Item = NaiveDate> + '_ {
        let step = u64::from(self.interval_weeks) * 7;
        let until = match self.end {
            RecurrenceEnd::Until(until) => until.min(last),
            _ => last,
        };
        let limit = match self.end {
            RecurrenceEnd::Count(count) => usize::from(count),
            _ => usize::MAX,
        };
        let first_monday = self.first_monday();
        (0u64..)
            .map_while(move |week| first_monday.checked_add_days(Days::new(week * step)))
            .take_while(move |monday| *monday <= until)
            .flat_map(move |monday| {
                self.weekdays.iter().filter_map(move |day| {
                    monday.checked_add_days(Days::new(u64::from(
                        chrono_weekday(*day).num_days_from_monday(),
                    )))
                })
            })
            .filter(move |date| *date >= self.starts_on && *date <= until)
            .take(limit)
    }

    /// The dates of visits from `from` to `to`, both included, without the excluded ones.
    pub fn dates_between(&self, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
        self.occurrences_until(to)
            .filter(|date| *date >= from && self.excluded.binary_search(date).is_err())
            .collect()
    }

    /// The rule in RFC 5545 form for visits starting at `start_time` in `zone`, e.g.
    /// `FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;WKST=MO;COUNT=10`. With a local start (`DTSTART` with
    /// a `TZID`), RFC 5545 wants `UNTIL` in UTC: the last day's start.
    pub fn rrule<Tz: TimeZone>(&self, zone: &Tz, start_time: NaiveTime) -> String {
        let days: Vec<&str> = self.weekdays.iter().map(|d| rfc5545_day(*d)).collect();
        let mut rule = format!(
            "FREQ=WEEKLY;INTERVAL={};BYDAY={};WKST=MO",
            self.interval_weeks,
            days.join(",")
        );
        match self.end {
            RecurrenceEnd::Never => {}
            RecurrenceEnd::Until(until) => {
                let last = local_instant(zone, until, start_time);
                rule.push_str(&format!(";UNTIL={}", last.format("%Y%m%dT%H%M%SZ")));
            }
            RecurrenceEnd::Count(count) => rule.push_str(&format!(";COUNT={count}")),
        }
        rule
    }
}

/// A placement's schedule as stored: a recurrence, a local start time and a length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// Its id.
    pub id: ScheduleId,
    /// The municipality.
    pub municipality_id: MunicipalityId,
    /// The placement.
    pub placement_id: PlacementId,
    /// Which dates.
    pub recurrence: Recurrence,
    /// The local start time.
    pub start_time: NaiveTime,
    /// How long a visit lasts.
    pub duration_minutes: i32,
    /// Visits exist up to this date.
    pub generated_until: Option<NaiveDate>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// Reads a local start time written `HH:MM` or `HH:MM:SS` (no leap seconds, no fractions).
pub fn parse_start_time(raw: &str) -> Result<NaiveTime, ParseError> {
    let refuse = || ParseError::new("invalid_time", "must be a time of day such as 14:00");
    let parts: Vec<&str> = raw.trim().split(':').collect();
    let numbers: Vec<u32> = parts
        .iter()
        .map(|p| {
            (p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse().ok())
                .flatten()
                .ok_or_else(refuse)
        })
        .collect::<Result<_, _>>()?;
    let (hour, minute, second) = match numbers[..] {
        [h, m] => (h, m, 0),
        [h, m, s] if s < 60 => (h, m, s),
        _ => return Err(refuse()),
    };
    NaiveTime::from_hms_opt(hour, minute, second).ok_or_else(refuse)
}

/// Checks a visit's length in minutes: 5 minutes to a day.
pub fn check_duration(minutes: i32) -> Result<i32, ParseError> {
    if (5..=1440).contains(&minutes) {
        Ok(minutes)
    } else {
        Err(ParseError::new("out_of_range", "must be 5 to 1440 minutes"))
    }
}

/// The IANA time zone of a municipality's country, in which its schedules are kept.
pub const fn time_zone_name(country: Country) -> &'static str {
    match country {
        Country::Norway => "Europe/Oslo",
        Country::Denmark => "Europe/Copenhagen",
    }
}

/// The instant of `time` on `date` in `zone`. On the night clocks go forward a time that does
/// not exist (02:30) is the same length after midnight as it would have been, so it moves an
/// hour on (03:30); on the night they go back a time that happens twice is its first
/// occurrence.
pub fn local_instant<Tz: TimeZone>(zone: &Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let local = date.and_time(time);
    match zone.from_local_datetime(&local) {
        LocalResult::Single(at) => at.with_timezone(&Utc),
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        LocalResult::None => {
            // The offset just before the gap applies to the wall-clock time that was skipped; a
            // day earlier is before the gap in any zone (offsets are at most 14 hours) and after
            // the change before it (they are months apart).
            let before = zone.offset_from_utc_datetime(&(local - chrono::TimeDelta::days(1)));
            let naive_utc = local - before.fix();
            DateTime::from_naive_utc_and_offset(naive_utc, Utc)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn weekly(starts_on: NaiveDate, days: &[Weekday], end: RecurrenceEnd) -> Recurrence {
        Recurrence::new(starts_on, days, 1, end, &[]).unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn weekly_on_tuesdays_gives_every_tuesday_from_the_start() {
        let rule = weekly(day(2027, 3, 18), &[Weekday::Tuesday], RecurrenceEnd::Never);
        assert_eq!(
            rule.dates_between(day(2027, 3, 1), day(2027, 4, 6)),
            vec![day(2027, 3, 23), day(2027, 3, 30), day(2027, 4, 6)]
        );
    }

    #[test]
    fn every_second_week_counts_weeks_from_the_week_of_the_start() {
        let rule = Recurrence::new(
            day(2027, 1, 6),
            &[Weekday::Monday, Weekday::Thursday],
            2,
            RecurrenceEnd::Never,
            &[],
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        // The week of Wednesday 6 January starts on Monday 4 January, which is before the start.
        assert_eq!(
            rule.dates_between(day(2027, 1, 1), day(2027, 1, 31)),
            vec![day(2027, 1, 7), day(2027, 1, 18), day(2027, 1, 21),]
        );
        assert_eq!(
            rule.rrule(&chrono::Utc, NaiveTime::MIN),
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;WKST=MO"
        );
    }

    #[test]
    fn count_includes_excluded_dates_and_until_is_inclusive() {
        let rule = Recurrence::new(
            day(2027, 3, 2),
            &[Weekday::Tuesday],
            1,
            RecurrenceEnd::Count(3),
            &[day(2027, 3, 9)],
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            rule.dates_between(day(2027, 1, 1), day(2028, 1, 1)),
            vec![day(2027, 3, 2), day(2027, 3, 16)]
        );
        let until = weekly(
            day(2027, 3, 2),
            &[Weekday::Tuesday],
            RecurrenceEnd::Until(day(2027, 3, 16)),
        );
        assert_eq!(
            until.dates_between(day(2027, 3, 10), day(2028, 1, 1)),
            vec![day(2027, 3, 16)]
        );
        let two = NaiveTime::from_hms_opt(14, 0, 0).unwrap_or_default();
        assert_eq!(
            until.rrule(&chrono_tz::Europe::Oslo, two),
            "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU;WKST=MO;UNTIL=20270316T130000Z"
        );
    }

    #[test]
    fn start_times_are_hours_and_minutes_and_perhaps_seconds() {
        assert_eq!(
            parse_start_time("14:00"),
            Ok(NaiveTime::from_hms_opt(14, 0, 0).unwrap_or_default())
        );
        assert_eq!(
            parse_start_time("09:30:15"),
            Ok(NaiveTime::from_hms_opt(9, 30, 15).unwrap_or_default())
        );
        for bad in [
            "23:59:60",
            "1:5",
            "14:00:00.5",
            "24:00",
            "14",
            "",
            "14:60",
            "ab:cd",
        ] {
            assert!(parse_start_time(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_parts_are_named() {
        let problems = Recurrence::new(
            day(2027, 3, 2),
            &[],
            0,
            RecurrenceEnd::Until(day(2027, 3, 1)),
            &[],
        )
        .err()
        .unwrap_or_default();
        let fields: Vec<&str> = problems.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, vec!["weekdays", "interval_weeks", "until"]);
        assert!(
            Recurrence::new(
                day(2027, 3, 2),
                &[Weekday::Monday],
                1,
                RecurrenceEnd::Count(0),
                &[]
            )
            .is_err()
        );
    }

    #[test]
    fn a_window_far_ahead_is_generated_without_walking_forever() {
        let rule = weekly(day(2027, 1, 1), &[Weekday::Sunday], RecurrenceEnd::Count(2));
        assert_eq!(
            rule.dates_between(day(2030, 1, 1), day(2030, 2, 1)),
            Vec::<NaiveDate>::new()
        );
    }

    #[test]
    fn local_times_hold_across_the_changes_of_summer_time() {
        use chrono_tz::Europe::Oslo;
        let at = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default();
        let utc = |d: NaiveDate, h, m| Utc.from_utc_datetime(&d.and_time(at(h, m)));
        // Summer time begins on Sunday 28 March 2027 and ends on Sunday 31 October 2027.
        assert_eq!(
            local_instant(&Oslo, day(2027, 3, 23), at(14, 0)),
            utc(day(2027, 3, 23), 13, 0)
        );
        assert_eq!(
            local_instant(&Oslo, day(2027, 3, 30), at(14, 0)),
            utc(day(2027, 3, 30), 12, 0)
        );
        assert_eq!(
            local_instant(&Oslo, day(2027, 10, 26), at(14, 0)),
            utc(day(2027, 10, 26), 12, 0)
        );
        assert_eq!(
            local_instant(&Oslo, day(2027, 11, 2), at(14, 0)),
            utc(day(2027, 11, 2), 13, 0)
        );
        // 02:30 does not exist on 28 March: it is 03:30 summer time.
        assert_eq!(
            local_instant(&Oslo, day(2027, 3, 28), at(2, 30)),
            utc(day(2027, 3, 28), 1, 30)
        );
        // 02:30 happens twice on 31 October: the first, still summer time.
        assert_eq!(
            local_instant(&Oslo, day(2027, 10, 31), at(2, 30)),
            utc(day(2027, 10, 31), 0, 30)
        );
        assert_eq!(time_zone_name(Country::Denmark), "Europe/Copenhagen");
    }
}

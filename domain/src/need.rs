//! Needs (behov): what a unit, or a person visited at home through the coordinator, asks
//! volunteers for — an activity, when, how many — and how candidates are ranked for one.
//!
//! The ranking is a pure function: those who said they are interested come first, then the
//! others by how many of the need's wishes they meet. Meeting one more wish never ranks a
//! candidate lower.

use crate::{
    ParseError,
    clearance::TargetGroup,
    ids::{ContactPersonId, MunicipalityId, NeedId, StaffUserId, UnitId},
    placement::Place,
    schedule::{Recurrence, RecurrenceEnd, check_duration},
    string_enum::string_enum,
    volunteer::{AvailabilitySlot, PartOfDay, Weekday},
};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike, Utc};
use std::cmp::Reverse;

string_enum! {
    /// Where a need stands.
    pub enum NeedStatus {
        /// Being written: not on the board, no interest taken.
        Draft => "draft",
        /// Asking: volunteers may say they are interested, coordinators place from it.
        Open => "open",
        /// Every place is taken.
        Filled => "filled",
        /// Withdrawn or over. Nothing follows.
        Closed => "closed",
    }
}

string_enum! {
    /// Who a need asks for.
    pub enum OpenTo {
        /// Individual volunteers, one per place.
        Volunteers => "volunteers",
        /// A group (a choir, an association), which takes one place.
        Groups => "groups",
        /// Either.
        Both => "both",
    }
}

impl OpenTo {
    /// Whether volunteers may take a place.
    pub const fn volunteers(self) -> bool {
        matches!(self, OpenTo::Volunteers | OpenTo::Both)
    }

    /// Whether groups may take a place.
    pub const fn groups(self) -> bool {
        matches!(self, OpenTo::Groups | OpenTo::Both)
    }
}

string_enum! {
    /// How an interest in a need was said.
    pub enum InterestSource {
        /// By the volunteer, logged in.
        Volunteer => "volunteer",
        /// At self-registration.
        Registration => "registration",
        /// By a coordinator on their behalf (for a group: as its contact person said).
        Coordinator => "coordinator",
    }
}

/// A need's status step that is not allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a need does not go from {from} to {to}")]
pub struct NeedStepError {
    /// Where it stands.
    pub from: NeedStatus,
    /// Where it was asked to go.
    pub to: NeedStatus,
}

/// Checks a status step: `draft → open`, `open → filled`, `filled → open` (a place came free),
/// and `closed` from any other status.
pub fn check_need_step(from: NeedStatus, to: NeedStatus) -> Result<(), NeedStepError> {
    use NeedStatus::{Closed, Draft, Filled, Open};
    let allowed = matches!(
        (from, to),
        (Draft, Open) | (Open, Filled) | (Filled, Open) | (Draft | Open | Filled, Closed)
    );
    if allowed {
        Ok(())
    } else {
        Err(NeedStepError { from, to })
    }
}

/// Checks that a need may show on the public board: a home visit for a particular target group
/// would tell strangers something about the health of the person visited, so a need in a
/// private home is published only for the general target group.
pub fn check_publishable(
    place: Place,
    target_group: TargetGroup,
    published: bool,
) -> Result<(), ParseError> {
    let home = matches!(place, Place::Recipient(_));
    if published && home && target_group != TargetGroup::General {
        Err(ParseError::new(
            "reveals_health",
            "a need in a private home is published only for the general target group: the target group would tell strangers about the person visited",
        ))
    } else {
        Ok(())
    }
}

/// The most places one need asks for.
pub const MAX_PLACES: i32 = 100;

/// Checks how many places a need asks for (1 to [`MAX_PLACES`]).
pub fn check_places(places: i32) -> Result<i32, ParseError> {
    if (1..=MAX_PLACES).contains(&places) {
        Ok(places)
    } else {
        Err(ParseError::new(
            "out_of_range",
            format!("must be 1 to {MAX_PLACES}"),
        ))
    }
}

/// A need's public description: 1 to 500 characters, shown to strangers on the board.
pub fn parse_public_description(raw: &str) -> Result<String, ParseError> {
    let text = crate::text::Text::<500>::parse(raw)?.into_inner();
    if text.is_empty() {
        return Err(ParseError::new("required", "say what the need is about"));
    }
    Ok(text)
}

/// The weekday of a date.
pub fn weekday_of(date: NaiveDate) -> Weekday {
    let index = date.weekday().num_days_from_monday() as usize;
    Weekday::ALL[index]
}

/// The part of the day a local start time falls in: before noon is the morning, noon to five
/// the afternoon, from five the evening.
pub fn part_of_day(time: NaiveTime) -> PartOfDay {
    match time.hour() {
        0..=11 => PartOfDay::Morning,
        12..=16 => PartOfDay::Afternoon,
        _ => PartOfDay::Evening,
    }
}

/// When a need's activity takes place: one date, or weekly on some weekdays (every
/// `interval_weeks`-th week) from a first day until a last one, at a local time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedWhen {
    starts_on: NaiveDate,
    weekdays: Vec<Weekday>,
    interval_weeks: u8,
    until: Option<NaiveDate>,
    start_time: NaiveTime,
    duration_minutes: i32,
}

impl NeedWhen {
    /// Checks the parts; no weekdays means the one date `starts_on` (then no `until` and no
    /// interval other than 1). Each problem is named by its field.
    pub fn new(
        starts_on: NaiveDate,
        weekdays: &[Weekday],
        interval_weeks: u8,
        until: Option<NaiveDate>,
        start_time: NaiveTime,
        duration_minutes: i32,
    ) -> Result<Self, Vec<(&'static str, ParseError)>> {
        let mut problems = Vec::new();
        if let Err(e) = check_duration(duration_minutes) {
            problems.push(("duration_minutes", e));
        }
        let mut days = weekdays.to_vec();
        days.sort();
        days.dedup();
        if days.is_empty() {
            if until.is_some() {
                problems.push((
                    "until",
                    ParseError::new("not_allowed", "a need on one date has no until"),
                ));
            }
            if interval_weeks != 1 {
                problems.push((
                    "interval_weeks",
                    ParseError::new("not_allowed", "a need on one date has no interval"),
                ));
            }
        } else {
            let end = until.map_or(RecurrenceEnd::Never, RecurrenceEnd::Until);
            if let Err(found) = Recurrence::new(starts_on, &days, interval_weeks, end, &[]) {
                problems.extend(found);
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Self {
            starts_on,
            weekdays: days,
            interval_weeks,
            until,
            start_time,
            duration_minutes,
        })
    }

    /// The first day (the only one for a need on one date).
    pub fn starts_on(&self) -> NaiveDate {
        self.starts_on
    }

    /// The weekdays; empty for a need on one date.
    pub fn weekdays(&self) -> &[Weekday] {
        &self.weekdays
    }

    /// Every how many weeks.
    pub fn interval_weeks(&self) -> u8 {
        self.interval_weeks
    }

    /// The last possible day of a weekly need, if it has one.
    pub fn until(&self) -> Option<NaiveDate> {
        self.until
    }

    /// The local start time.
    pub fn start_time(&self) -> NaiveTime {
        self.start_time
    }

    /// How long it lasts each time.
    pub fn duration_minutes(&self) -> i32 {
        self.duration_minutes
    }

    /// Whether the need is for one date.
    pub fn is_one_date(&self) -> bool {
        self.weekdays.is_empty()
    }

    /// The last day anything takes place, when there is one.
    pub fn last_day(&self) -> Option<NaiveDate> {
        if self.is_one_date() {
            Some(self.starts_on)
        } else {
            self.until
        }
    }

    /// The availability slots a volunteer needs to come every time.
    pub fn slots(&self) -> Vec<AvailabilitySlot> {
        let part = part_of_day(self.start_time);
        let days: Vec<Weekday> = if self.is_one_date() {
            vec![weekday_of(self.starts_on)]
        } else {
            self.weekdays.clone()
        };
        days.into_iter()
            .map(|weekday| AvailabilitySlot {
                weekday,
                part_of_day: part,
            })
            .collect()
    }

    /// The recurrence of the visits of a placement made from the need from `from` until `last`
    /// (the placement's last day, if it has one): the need's own dates within those days, in
    /// the need's rhythm (an every-other-week need keeps its weeks), or the one date as a rule
    /// with one occurrence. `None` when none of the need's dates fall within them.
    pub fn recurrence(&self, from: NaiveDate, last: Option<NaiveDate>) -> Option<Recurrence> {
        if self.is_one_date() {
            let on = self.starts_on;
            let within = on >= from && last.is_none_or(|l| on <= l);
            return within
                .then(|| {
                    Recurrence::new(on, &[weekday_of(on)], 1, RecurrenceEnd::Count(1), &[]).ok()
                })
                .flatten();
        }
        let until = match (self.until, last) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let end = until.map_or(RecurrenceEnd::Never, RecurrenceEnd::Until);
        let own = Recurrence::new(
            self.starts_on,
            &self.weekdays,
            self.interval_weeks,
            end,
            &[],
        )
        .ok()?;
        // The first of the need's own dates on or after `from`: the rhythm is counted from its
        // week, which is one of the need's weeks.
        let horizon = from + chrono::Days::new(7 * u64::from(self.interval_weeks) + 7);
        let first = *own.dates_between(from, horizon).first()?;
        Recurrence::new(first, &self.weekdays, self.interval_weeks, end, &[]).ok()
    }
}

/// A need as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    /// Its id.
    pub id: NeedId,
    /// The municipality.
    pub municipality_id: MunicipalityId,
    /// The unit that asks (for a person visited at home: the unit that answers for them).
    pub unit_id: UnitId,
    /// Where the activity takes place: at the unit, or in the home of a person visited.
    pub place: Place,
    /// The activity kind's code.
    pub activity_kind: String,
    /// Who the activity is with.
    pub target_group: TargetGroup,
    /// When.
    pub when: NeedWhen,
    /// How many places (volunteers, or groups taking one place each).
    pub places: i32,
    /// Who may take a place.
    pub open_to: OpenTo,
    /// Languages wished (ISO 639 codes); none means any.
    pub languages: Vec<String>,
    /// What it is about, for strangers on the board.
    pub description: String,
    /// Whether it shows on the public board while open.
    pub published: bool,
    /// Where it stands.
    pub status: NeedStatus,
    /// The unit's contact person, who may manage it with the coordinators.
    pub contact_person_id: Option<ContactPersonId>,
    /// Who wrote it.
    pub created_by: StaffUserId,
    /// When it was last opened.
    pub opened_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl Need {
    /// The day clearance is asked for when someone is placed from the need on `today`: its
    /// first day, or today once that has passed.
    pub fn clearance_date(&self, today: NaiveDate) -> NaiveDate {
        self.when.starts_on().max(today)
    }

    /// Whether its last day has passed by `today` (a need on one date, or a weekly need with an
    /// end).
    pub fn is_over(&self, today: NaiveDate) -> bool {
        self.when.last_day().is_some_and(|last| last < today)
    }

    /// Whether a need with `filled` places taken is full.
    pub fn is_full(&self, filled: i64) -> bool {
        filled >= i64::from(self.places)
    }
}

/// Whether an open need's first day is near: within `days` after `today`, or begun at most
/// `days` ago (places still free when it has begun are worth a look too).
pub fn starts_soon(starts_on: NaiveDate, days: u16, today: NaiveDate) -> bool {
    let window = chrono::Days::new(u64::from(days));
    today - window <= starts_on && starts_on <= today + window
}

/// The day an open need that nobody answered since `opened_on` belongs on the work list, if
/// that day has come by `today`.
pub fn unanswered_since(opened_on: NaiveDate, days: u16, today: NaiveDate) -> Option<NaiveDate> {
    let due = opened_on + chrono::Days::new(u64::from(days));
    (due <= today).then_some(due)
}

/// What a need wishes for, as the ranking reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wishes {
    /// The activity kind.
    pub activity_kind: String,
    /// The slots of its times.
    pub slots: Vec<AvailabilitySlot>,
    /// Languages wished; none means any.
    pub languages: Vec<String>,
    /// The unit asking.
    pub unit_id: UnitId,
}

impl From<&Need> for Wishes {
    fn from(need: &Need) -> Self {
        Self {
            activity_kind: need.activity_kind.clone(),
            slots: need.when.slots(),
            languages: need.languages.clone(),
            unit_id: need.unit_id,
        }
    }
}

/// A volunteer or group as the ranking reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile<K> {
    /// Whoever it is (the caller's key).
    pub key: K,
    /// They said they are interested in this need.
    pub interested: bool,
    /// The activity kinds they want; none known for groups.
    pub activity_kinds: Vec<String>,
    /// When they are available.
    pub availability: Vec<AvailabilitySlot>,
    /// The languages they speak.
    pub languages: Vec<String>,
    /// Their home unit.
    pub home_unit_id: Option<UnitId>,
}

string_enum! {
    /// Why a candidate is listed for a need.
    pub enum MatchReason {
        /// They said they are interested in this need.
        Interested => "interested",
        /// They want this kind of activity.
        WantsActivity => "wants_activity",
        /// They are available every time the need is.
        AvailableEveryTime => "available_every_time",
        /// They are available some of the times the need is.
        AvailableSometimes => "available_sometimes",
        /// They speak a language the need wishes for.
        SpeaksLanguage => "speaks_language",
        /// The unit asking is their home unit.
        HomeUnit => "home_unit",
    }
}

impl MatchReason {
    /// How much the reason weighs among candidates who did not say they are interested.
    const fn weight(self) -> u32 {
        match self {
            MatchReason::Interested => 0,
            MatchReason::WantsActivity => 8,
            MatchReason::AvailableEveryTime => 6,
            MatchReason::AvailableSometimes => 3,
            MatchReason::SpeaksLanguage => 5,
            MatchReason::HomeUnit => 4,
        }
    }
}

/// Which of the need's wishes a candidate meets, in the order [`MatchReason`] declares them.
pub fn reasons<K>(wishes: &Wishes, candidate: &Profile<K>) -> Vec<MatchReason> {
    let mut found = Vec::new();
    if candidate.interested {
        found.push(MatchReason::Interested);
    }
    if candidate.activity_kinds.contains(&wishes.activity_kind) {
        found.push(MatchReason::WantsActivity);
    }
    let covered = wishes
        .slots
        .iter()
        .filter(|slot| candidate.availability.contains(slot))
        .count();
    if !wishes.slots.is_empty() && covered == wishes.slots.len() {
        found.push(MatchReason::AvailableEveryTime);
    } else if covered > 0 {
        found.push(MatchReason::AvailableSometimes);
    }
    if wishes
        .languages
        .iter()
        .any(|wished| candidate.languages.contains(wished))
    {
        found.push(MatchReason::SpeaksLanguage);
    }
    if candidate.home_unit_id == Some(wishes.unit_id) {
        found.push(MatchReason::HomeUnit);
    }
    found
}

/// A candidate's score from its reasons: the sum of their weights.
pub fn score(reasons: &[MatchReason]) -> u32 {
    reasons.iter().map(|r| r.weight()).sum()
}

/// Whether someone who meets `reasons` is a candidate at all: they said they are interested,
/// or they want this kind of activity.
pub fn is_candidate(reasons: &[MatchReason]) -> bool {
    reasons.contains(&MatchReason::Interested) || reasons.contains(&MatchReason::WantsActivity)
}

/// A ranked candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked<K> {
    /// Whoever it is.
    pub key: K,
    /// Why they are listed.
    pub reasons: Vec<MatchReason>,
    /// Their score.
    pub score: u32,
}

impl<K> Ranked<K> {
    /// The order of the list: interested first, then the higher score.
    pub fn rank_key(&self) -> (bool, u32) {
        (self.reasons.contains(&MatchReason::Interested), self.score)
    }
}

/// Ranks the candidates for a need: those who said they are interested first, then by score,
/// then by key (so the order is stable for paging). Who is not a candidate is left out.
pub fn rank<K: Ord + Clone>(wishes: &Wishes, candidates: &[Profile<K>]) -> Vec<Ranked<K>> {
    let mut ranked: Vec<Ranked<K>> = candidates
        .iter()
        .filter_map(|candidate| {
            let found = reasons(wishes, candidate);
            is_candidate(&found).then(|| Ranked {
                key: candidate.key.clone(),
                score: score(&found),
                reasons: found,
            })
        })
        .collect();
    ranked.sort_by(|a, b| {
        let (ai, asc) = a.rank_key();
        let (bi, bsc) = b.rank_key();
        (Reverse(ai), Reverse(asc), &a.key).cmp(&(Reverse(bi), Reverse(bsc), &b.key))
    });
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn time(h: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, 0, 0).unwrap_or_default()
    }

    fn slot(weekday: Weekday, part_of_day: PartOfDay) -> AvailabilitySlot {
        AvailabilitySlot {
            weekday,
            part_of_day,
        }
    }

    fn unit() -> UnitId {
        UnitId::from(uuid::Uuid::from_u128(1))
    }

    fn thursday_afternoons() -> Wishes {
        Wishes {
            activity_kind: "companionship".into(),
            slots: vec![slot(Weekday::Thursday, PartOfDay::Afternoon)],
            languages: vec!["no".into()],
            unit_id: unit(),
        }
    }

    fn nobody(key: u32) -> Profile<u32> {
        Profile {
            key,
            interested: false,
            activity_kinds: Vec::new(),
            availability: Vec::new(),
            languages: Vec::new(),
            home_unit_id: None,
        }
    }

    #[test]
    fn lifecycle_steps() {
        use NeedStatus::*;
        assert!(check_need_step(Draft, Open).is_ok());
        assert!(check_need_step(Open, Filled).is_ok());
        assert!(check_need_step(Filled, Open).is_ok());
        for from in [Draft, Open, Filled] {
            assert!(check_need_step(from, Closed).is_ok());
        }
        assert!(check_need_step(Closed, Open).is_err());
        assert!(check_need_step(Draft, Filled).is_err());
        assert!(check_need_step(Open, Draft).is_err());
        assert!(check_need_step(Open, Open).is_err());
    }

    #[test]
    fn one_date_needs_have_no_until_and_one_slot() {
        let when = NeedWhen::new(date(2027, 1, 7), &[], 1, None, time(14), 90)
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert!(when.is_one_date());
        assert_eq!(when.last_day(), Some(date(2027, 1, 7)));
        assert_eq!(
            when.slots(),
            vec![slot(Weekday::Thursday, PartOfDay::Afternoon)]
        );
        let rule = when
            .recurrence(date(2027, 1, 1), None)
            .unwrap_or_else(|| panic!("no dates"));
        assert!(
            when.recurrence(date(2027, 1, 8), None).is_none(),
            "over by then"
        );
        assert_eq!(
            rule.dates_between(date(2027, 1, 1), date(2027, 12, 31)),
            vec![date(2027, 1, 7)]
        );
        let refused = NeedWhen::new(
            date(2027, 1, 7),
            &[],
            2,
            Some(date(2027, 2, 1)),
            time(14),
            90,
        )
        .err()
        .unwrap_or_default();
        let fields: Vec<_> = refused.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, vec!["until", "interval_weeks"]);
    }

    #[test]
    fn weekly_needs_check_their_rule_and_start_from_the_day_asked() {
        let when = NeedWhen::new(
            date(2027, 1, 4),
            &[Weekday::Thursday, Weekday::Monday, Weekday::Thursday],
            1,
            Some(date(2027, 3, 1)),
            time(18),
            60,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(when.weekdays(), &[Weekday::Monday, Weekday::Thursday]);
        assert_eq!(
            when.slots(),
            vec![
                slot(Weekday::Monday, PartOfDay::Evening),
                slot(Weekday::Thursday, PartOfDay::Evening)
            ]
        );
        let later = when
            .recurrence(date(2027, 2, 20), Some(date(2027, 2, 25)))
            .unwrap_or_else(|| panic!("no dates"));
        assert_eq!(later.starts_on(), date(2027, 2, 22));
        assert_eq!(
            later.dates_between(date(2027, 1, 1), date(2027, 12, 31)),
            vec![date(2027, 2, 22), date(2027, 2, 25)],
            "within the placement's days"
        );
        assert!(
            NeedWhen::new(
                date(2027, 1, 4),
                &[Weekday::Monday],
                1,
                Some(date(2026, 1, 1)),
                time(10),
                60
            )
            .is_err()
        );
        assert!(NeedWhen::new(date(2027, 1, 4), &[Weekday::Monday], 1, None, time(10), 2).is_err());
    }

    #[test]
    fn open_needs_enter_the_work_list_when_unanswered_or_near() {
        let today = date(2027, 3, 15);
        assert_eq!(
            unanswered_since(date(2027, 3, 1), 14, today),
            Some(date(2027, 3, 15))
        );
        assert_eq!(unanswered_since(date(2027, 3, 2), 14, today), None);
        assert!(starts_soon(date(2027, 3, 22), 7, today));
        assert!(
            starts_soon(date(2027, 3, 10), 7, today),
            "one already begun is listed too"
        );
        assert!(!starts_soon(date(2027, 3, 23), 7, today));
    }

    #[test]
    fn a_placement_from_an_every_other_week_need_keeps_the_needs_weeks() {
        // Mondays every other week from 4 January 2027: the 4th, the 18th, 1 and 15 February.
        let when = NeedWhen::new(
            date(2027, 1, 4),
            &[Weekday::Monday],
            2,
            Some(date(2027, 2, 28)),
            time(10),
            60,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        let from_midweek = when
            .recurrence(date(2027, 1, 13), None)
            .unwrap_or_else(|| panic!("no dates"));
        assert_eq!(
            from_midweek.dates_between(date(2027, 1, 1), date(2027, 3, 31)),
            vec![date(2027, 1, 18), date(2027, 2, 1), date(2027, 2, 15)]
        );
        let from_an_off_week = when
            .recurrence(date(2027, 1, 25), None)
            .unwrap_or_else(|| panic!("no dates"));
        assert_eq!(
            from_an_off_week.dates_between(date(2027, 1, 1), date(2027, 3, 31)),
            vec![date(2027, 2, 1), date(2027, 2, 15)]
        );
        assert!(when.recurrence(date(2027, 2, 16), None).is_none());
    }

    #[test]
    fn home_visits_for_a_particular_target_group_stay_off_the_board() {
        let home = Place::Recipient(crate::ids::RecipientId::from(uuid::Uuid::from_u128(2)));
        let unit = Place::Unit(unit());
        assert!(check_publishable(home, TargetGroup::Dementia, true).is_err());
        assert!(check_publishable(home, TargetGroup::Dementia, false).is_ok());
        assert!(check_publishable(home, TargetGroup::General, true).is_ok());
        assert!(check_publishable(unit, TargetGroup::Dementia, true).is_ok());
    }

    #[test]
    fn parts_of_the_day_split_at_noon_and_five() {
        assert_eq!(part_of_day(time(11)), PartOfDay::Morning);
        assert_eq!(part_of_day(time(12)), PartOfDay::Afternoon);
        assert_eq!(part_of_day(time(16)), PartOfDay::Afternoon);
        assert_eq!(part_of_day(time(17)), PartOfDay::Evening);
    }

    #[test]
    fn interested_candidates_come_first_whatever_else_fits() {
        let wishes = thursday_afternoons();
        let perfect = Profile {
            key: 1,
            activity_kinds: vec!["companionship".into()],
            availability: wishes.slots.clone(),
            languages: vec!["no".into()],
            home_unit_id: Some(unit()),
            ..nobody(1)
        };
        let interested = Profile {
            interested: true,
            ..nobody(2)
        };
        let ranked = rank(&wishes, &[perfect, interested, nobody(3)]);
        let keys: Vec<u32> = ranked.iter().map(|r| r.key).collect();
        assert_eq!(keys, vec![2, 1], "nobody(3) fits nothing and is left out");
        assert_eq!(ranked[0].reasons, vec![MatchReason::Interested]);
        assert_eq!(
            ranked[1].reasons,
            vec![
                MatchReason::WantsActivity,
                MatchReason::AvailableEveryTime,
                MatchReason::SpeaksLanguage,
                MatchReason::HomeUnit
            ]
        );
        assert_eq!(ranked[1].score, 23);
    }

    #[test]
    fn availability_counts_every_time_or_sometimes() {
        let mut wishes = thursday_afternoons();
        wishes
            .slots
            .push(slot(Weekday::Monday, PartOfDay::Afternoon));
        let some = Profile {
            activity_kinds: vec!["companionship".into()],
            availability: vec![slot(Weekday::Monday, PartOfDay::Afternoon)],
            ..nobody(1)
        };
        assert_eq!(
            reasons(&wishes, &some),
            vec![MatchReason::WantsActivity, MatchReason::AvailableSometimes]
        );
        let wrong_part = Profile {
            availability: vec![slot(Weekday::Monday, PartOfDay::Morning)],
            ..some
        };
        assert_eq!(
            reasons(&wishes, &wrong_part),
            vec![MatchReason::WantsActivity]
        );
    }

    #[test]
    fn a_need_wishing_no_language_counts_none() {
        let mut wishes = thursday_afternoons();
        wishes.languages.clear();
        let speaker = Profile {
            languages: vec!["no".into()],
            activity_kinds: vec!["companionship".into()],
            ..nobody(1)
        };
        assert_eq!(reasons(&wishes, &speaker), vec![MatchReason::WantsActivity]);
    }

    fn profile() -> impl Strategy<Value = Profile<u32>> {
        let kinds = prop::sample::subsequence(vec!["companionship", "escort", "activity"], 0..=3);
        let days = prop::sample::subsequence(Weekday::ALL.to_vec(), 0..=7);
        let parts = prop::sample::subsequence(PartOfDay::ALL.to_vec(), 0..=3);
        let langs = prop::sample::subsequence(vec!["no", "en", "ar"], 0..=3);
        (
            0u32..1000,
            any::<bool>(),
            kinds,
            days,
            parts,
            langs,
            any::<bool>(),
        )
            .prop_map(
                |(key, interested, kinds, days, parts, langs, home)| Profile {
                    key,
                    interested,
                    activity_kinds: kinds.into_iter().map(String::from).collect(),
                    availability: days
                        .iter()
                        .flat_map(|d| parts.iter().map(move |p| slot(*d, *p)))
                        .collect(),
                    languages: langs.into_iter().map(String::from).collect(),
                    home_unit_id: home.then(unit),
                },
            )
    }

    /// The candidate with one more of the need's wishes met.
    fn meeting_more(wishes: &Wishes, candidate: &Profile<u32>, which: u8) -> Profile<u32> {
        let mut more = candidate.clone();
        match which {
            0 => more.interested = true,
            1 => more.activity_kinds.push(wishes.activity_kind.clone()),
            2 => more.availability.extend(wishes.slots.iter().copied()),
            3 => more.languages.extend(wishes.languages.iter().cloned()),
            _ => more.home_unit_id = Some(wishes.unit_id),
        }
        more
    }

    fn position(ranked: &[Ranked<u32>], key: u32) -> Option<usize> {
        ranked.iter().position(|r| r.key == key)
    }

    proptest! {
        #[test]
        fn meeting_one_more_wish_never_ranks_a_candidate_lower(
            others in prop::collection::vec(profile(), 0..20),
            candidate in profile(),
            which in 0u8..5,
        ) {
            let wishes = Wishes {
                activity_kind: "companionship".into(),
                slots: vec![
                    slot(Weekday::Tuesday, PartOfDay::Afternoon),
                    slot(Weekday::Thursday, PartOfDay::Afternoon),
                ],
                languages: vec!["no".into(), "ar".into()],
                unit_id: unit(),
            };
            let key = 5000;
            let mut before_all = others.clone();
            before_all.push(Profile { key, ..candidate.clone() });
            let mut after_all = others;
            after_all.push(Profile { key, ..meeting_more(&wishes, &candidate, which) });
            let before = rank(&wishes, &before_all);
            let after = rank(&wishes, &after_all);
            let after_at = position(&after, key);
            if let Some(was) = position(&before, key) {
                prop_assert!(after_at.is_some(), "a candidate meeting more wishes stays listed");
                let now = after_at.unwrap_or(usize::MAX);
                prop_assert!(now <= was, "moved from {was} to {now}");
            }
        }

        #[test]
        fn the_interested_always_come_before_the_others(
            candidates in prop::collection::vec(profile(), 0..30),
        ) {
            let ranked = rank(&thursday_afternoons(), &candidates);
            let flags: Vec<bool> = ranked
                .iter()
                .map(|r| r.reasons.contains(&MatchReason::Interested))
                .collect();
            let mut sorted = flags.clone();
            sorted.sort_by_key(|f| Reverse(*f));
            prop_assert_eq!(flags, sorted);
        }
    }
}

//! Placements (oppdrag): a volunteer or a group placed at a unit or with a person visited at
//! home, for one activity, and the lifecycle that keeps them within what clearance allows.

use crate::{
    ParseError,
    clearance::{Setting, TargetGroup},
    ids::{
        ContactPersonId, DogId, GroupId, MunicipalityId, NeedId, PlacementId, RecipientId,
        StaffUserId, UnitId, VolunteerId,
    },
    string_enum::string_enum,
};
use chrono::{DateTime, NaiveDate, Utc};

string_enum! {
    /// Where a placement stands.
    pub enum PlacementStatus {
        /// Agreed on paper: the volunteer was cleared when it was made; visits may be planned
        /// and the accompanied first visit made.
        Proposed => "proposed",
        /// Running: visits take place.
        Active => "active",
        /// Paused by a coordinator (holidays, illness); resuming asks clearance again.
        Paused => "paused",
        /// Stopped by the service because clearance no longer holds (a certificate or dog
        /// approval ran out, the volunteer was paused, a rule was added); resuming asks
        /// clearance again.
        Suspended => "suspended",
        /// Over. Nothing follows.
        Ended => "ended",
    }
}

/// Who is placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placed {
    /// One volunteer.
    Volunteer(VolunteerId),
    /// A group, with how many of its people take part.
    Group(GroupId, i32),
}

/// Where the placement takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// At a unit (a nursing home, a day centre, …).
    Unit(UnitId),
    /// In the home of a person visited.
    Recipient(RecipientId),
}

impl Place {
    /// The setting a clearance question asks about: a unit is an institution, a recipient's
    /// home is a private home.
    pub const fn setting(self) -> Setting {
        match self {
            Place::Unit(_) => Setting::Institution,
            Place::Recipient(_) => Setting::PrivateHome,
        }
    }
}

/// A placement as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// Its id.
    pub id: PlacementId,
    /// The municipality.
    pub municipality_id: MunicipalityId,
    /// Who is placed.
    pub placed: Placed,
    /// Where.
    pub place: Place,
    /// The activity kind's code.
    pub activity_kind: String,
    /// Who the activity is with.
    pub target_group: TargetGroup,
    /// The dog that comes along, if any.
    pub dog_id: Option<DogId>,
    /// The coordinator who answers for the placement.
    pub coordinator_id: StaffUserId,
    /// The unit's contact person.
    pub contact_person_id: Option<ContactPersonId>,
    /// The first day.
    pub starts_on: NaiveDate,
    /// The last day, when known.
    pub ends_on: Option<NaiveDate>,
    /// What the placement is about, for people.
    pub description: Option<String>,
    /// The need it was made from, if any.
    pub need_id: Option<NeedId>,
    /// Where it stands.
    pub status: PlacementStatus,
    /// When clearance was last checked.
    pub clearance_checked_at: DateTime<Utc>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl Placement {
    /// The setting, from where the placement is.
    pub const fn setting(&self) -> Setting {
        self.place.setting()
    }

    /// The date clearance is asked for when the placement is made or resumed on `today`: its
    /// first day, or today once that has passed, but never after its last day.
    pub fn clearance_date(&self, today: NaiveDate) -> NaiveDate {
        let on = self.starts_on.max(today);
        match self.ends_on {
            Some(last) if last >= self.starts_on => on.min(last),
            _ => on,
        }
    }

    /// Whether its last day has passed by `today`, so the service ends it.
    pub fn is_over(&self, today: NaiveDate) -> bool {
        self.ends_on.is_some_and(|last| last < today) && self.status != PlacementStatus::Ended
    }
}

/// Why a placement may not move.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlacementStepError {
    /// The lifecycle has no such step.
    #[error("a placement cannot go from {from} to {to}")]
    NotAllowed {
        /// Current status.
        from: PlacementStatus,
        /// Asked-for status.
        to: PlacementStatus,
    },
    /// Only the service suspends a placement, when clearance no longer holds.
    #[error("a placement is suspended by the service when clearance no longer holds")]
    SuspendedByService,
    /// A placement in a private home starts only after its accompanied first visit.
    #[error(
        "the first visit in a private home must be completed, accompanied by a staff representative, before the placement becomes active"
    )]
    FirstVisitNotCompleted,
}

/// What a permitted step needs checked next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepNeeds {
    /// Nothing more.
    Nothing,
    /// A clearance answer that says cleared (every step into `active`).
    Clearance,
}

impl PlacementStatus {
    /// Whether the lifecycle has a step from `self` to `to`.
    pub const fn leads_to(self, to: PlacementStatus) -> bool {
        use PlacementStatus as S;
        matches!(
            (self, to),
            (S::Proposed, S::Active)
                | (S::Active, S::Paused)
                | (S::Paused, S::Active)
                | (S::Proposed | S::Active | S::Paused, S::Suspended)
                | (S::Suspended, S::Active)
                | (S::Proposed | S::Active | S::Paused | S::Suspended, S::Ended)
        )
    }

    /// Whether visits take place (or are prepared) in this status.
    pub const fn is_open(self) -> bool {
        !matches!(self, PlacementStatus::Ended)
    }
}

/// Checks a step a person asks for. Into `active` the placement must be cleared (the caller
/// asks the clearance engine), and a private-home placement must have had its accompanied
/// first visit (`first_visit_done` is read only then).
pub fn check_step(
    from: PlacementStatus,
    to: PlacementStatus,
    setting: Setting,
    first_visit_done: impl FnOnce() -> bool,
) -> Result<StepNeeds, PlacementStepError> {
    if to == PlacementStatus::Suspended {
        return Err(PlacementStepError::SuspendedByService);
    }
    if !from.leads_to(to) {
        return Err(PlacementStepError::NotAllowed { from, to });
    }
    if to != PlacementStatus::Active {
        return Ok(StepNeeds::Nothing);
    }
    if setting == Setting::PrivateHome && !first_visit_done() {
        return Err(PlacementStepError::FirstVisitNotCompleted);
    }
    Ok(StepNeeds::Clearance)
}

/// Whether the service suspends a placement in `status` that is no longer cleared: every one
/// that has not ended or been suspended already (a proposed one too: its first visit must not
/// take place either).
pub const fn suspends_when_not_cleared(status: PlacementStatus) -> bool {
    matches!(
        status,
        PlacementStatus::Proposed | PlacementStatus::Active | PlacementStatus::Paused
    )
}

/// Checks a placement's dates: the last day, if any, not before the first.
pub fn check_dates(starts_on: NaiveDate, ends_on: Option<NaiveDate>) -> Result<(), ParseError> {
    match ends_on {
        Some(end) if end < starts_on => Err(ParseError::new(
            "before_start",
            "the last day must not be before the first",
        )),
        _ => Ok(()),
    }
}

/// Checks a group's head count for a placement: 1 to 10 000.
pub fn check_head_count(count: i32) -> Result<i32, ParseError> {
    if (1..=10_000).contains(&count) {
        Ok(count)
    } else {
        Err(ParseError::new("out_of_range", "must be 1 to 10000"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PlacementStatus as S;

    #[test]
    fn the_setting_follows_from_where() {
        assert_eq!(
            Place::Unit(UnitId::generate()).setting(),
            Setting::Institution
        );
        assert_eq!(
            Place::Recipient(RecipientId::generate()).setting(),
            Setting::PrivateHome
        );
    }

    #[test]
    fn every_step_into_active_asks_clearance() {
        for from in [S::Proposed, S::Paused, S::Suspended] {
            assert_eq!(
                check_step(from, S::Active, Setting::Institution, || true),
                Ok(StepNeeds::Clearance),
                "{from}"
            );
        }
        assert_eq!(
            check_step(S::Active, S::Paused, Setting::Institution, || true),
            Ok(StepNeeds::Nothing)
        );
    }

    #[test]
    fn a_private_home_placement_waits_for_its_accompanied_first_visit() {
        assert_eq!(
            check_step(S::Proposed, S::Active, Setting::PrivateHome, || false),
            Err(PlacementStepError::FirstVisitNotCompleted)
        );
        assert_eq!(
            check_step(S::Proposed, S::Active, Setting::PrivateHome, || true),
            Ok(StepNeeds::Clearance)
        );
    }

    #[test]
    fn the_first_visit_is_read_only_for_a_step_into_active() {
        let read = std::cell::Cell::new(false);
        let _ = check_step(S::Active, S::Ended, Setting::PrivateHome, || {
            read.set(true);
            true
        });
        assert!(!read.get());
    }

    #[test]
    fn only_the_service_suspends_and_nothing_follows_the_end() {
        assert_eq!(
            check_step(S::Active, S::Suspended, Setting::Institution, || true),
            Err(PlacementStepError::SuspendedByService)
        );
        for to in S::ALL {
            assert!(!S::Ended.leads_to(*to), "ended -> {to}");
        }
        assert!(!S::Proposed.leads_to(S::Paused));
        assert!(S::Active.leads_to(S::Suspended));
        assert!(S::Proposed.leads_to(S::Suspended));
        assert!(suspends_when_not_cleared(S::Active));
        assert!(suspends_when_not_cleared(S::Paused));
        assert!(suspends_when_not_cleared(S::Proposed));
        assert!(!suspends_when_not_cleared(S::Suspended));
        assert!(!suspends_when_not_cleared(S::Ended));
    }

    #[test]
    fn clearance_is_asked_for_the_first_day_or_today() {
        let day = |d| NaiveDate::from_ymd_opt(2027, 3, d).unwrap_or_default();
        let placement = Placement {
            id: PlacementId::generate(),
            municipality_id: MunicipalityId::generate(),
            placed: Placed::Volunteer(VolunteerId::generate()),
            place: Place::Unit(UnitId::generate()),
            activity_kind: "companionship".into(),
            target_group: TargetGroup::General,
            dog_id: None,
            coordinator_id: StaffUserId::generate(),
            contact_person_id: None,
            starts_on: day(10),
            ends_on: None,
            description: None,
            need_id: None,
            status: S::Proposed,
            clearance_checked_at: DateTime::default(),
            version: 1,
            created_at: DateTime::default(),
            updated_at: DateTime::default(),
        };
        assert_eq!(placement.clearance_date(day(4)), day(10));
        assert_eq!(placement.clearance_date(day(12)), day(12));
        let ending = Placement {
            ends_on: Some(day(20)),
            ..placement
        };
        assert_eq!(ending.clearance_date(day(25)), day(20));
        assert!(ending.is_over(day(21)));
        assert!(!ending.is_over(day(20)));
        assert!(check_dates(day(10), Some(day(9))).is_err());
        assert!(check_dates(day(10), Some(day(10))).is_ok());
    }
}

//! Visits of a placement: planned ahead from a schedule or one at a time, then completed, not
//! attended or cancelled; and the first visit in a private home, made with a staff
//! representative.

use crate::{
    ids::{ContactPersonId, MunicipalityId, PlacementId, ScheduleId, StaffUserId, VisitId},
    string_enum::string_enum,
};
use chrono::{DateTime, NaiveDate, Utc};

string_enum! {
    /// Where a visit stands.
    pub enum VisitStatus {
        /// Ahead, or not yet marked.
        Planned => "planned",
        /// It took place.
        Completed => "completed",
        /// The volunteer did not come, or nobody was at home.
        NoShow => "no_show",
        /// Called off beforehand.
        Cancelled => "cancelled",
    }
}

string_enum! {
    /// Why a planned visit may not take place as planned.
    pub enum VisitFlag {
        /// Its placement was suspended because clearance no longer holds.
        PlacementSuspended => "placement_suspended",
        /// Its placement is paused.
        PlacementPaused => "placement_paused",
    }
}

/// The staff representative who comes along.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Companion {
    /// A staff account of the municipality (a coordinator or contact person with a login).
    StaffUser(StaffUserId),
    /// A staff contact person of the municipality.
    ContactPerson(ContactPersonId),
}

/// A visit as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    /// Its id.
    pub id: VisitId,
    /// The municipality.
    pub municipality_id: MunicipalityId,
    /// The placement.
    pub placement_id: PlacementId,
    /// The schedule it was generated from; `None` for a visit added on its own.
    pub schedule_id: Option<ScheduleId>,
    /// The local calendar date.
    pub local_date: NaiveDate,
    /// When it starts.
    pub starts_at: DateTime<Utc>,
    /// When it ends.
    pub ends_at: DateTime<Utc>,
    /// Where it stands.
    pub status: VisitStatus,
    /// The staff representative who comes along.
    pub accompanied_by: Option<Companion>,
    /// Why it may not take place as planned.
    pub flag: Option<VisitFlag>,
    /// Why it was cancelled, or a note on how it went.
    pub status_reason: Option<String>,
    /// Who marked it.
    pub status_changed_by: Option<StaffUserId>,
    /// When it was marked.
    pub status_changed_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// Why a visit may not be marked so.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VisitStepError {
    /// Only a planned visit is marked.
    #[error("a visit cannot go from {from} to {to}")]
    NotAllowed {
        /// Current status.
        from: VisitStatus,
        /// Asked-for status.
        to: VisitStatus,
    },
    /// A visit is completed or missed only once it has begun.
    #[error("the visit has not begun yet")]
    NotYetBegun,
    /// The first visit in a private home is made with a staff representative.
    #[error(
        "the first visit in a private home must be accompanied: name the staff representative in accompanied_by first"
    )]
    CompanionRequired,
    /// A cancellation says why.
    #[error("say why the visit is cancelled")]
    ReasonRequired,
    /// A flagged visit does not take place: its placement is suspended or paused.
    #[error("the visit's placement is suspended or paused: the visit cannot be completed")]
    Flagged,
}

/// What deciding a visit's step needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisitStep {
    /// The visit's status.
    pub from: VisitStatus,
    /// The status asked for.
    pub to: VisitStatus,
    /// When the visit starts.
    pub starts_at: DateTime<Utc>,
    /// Now.
    pub now: DateTime<Utc>,
    /// Whether a staff representative is named on the visit.
    pub accompanied: bool,
    /// Whether a reason was given.
    pub has_reason: bool,
    /// Whether the visit is flagged (its placement suspended or paused).
    pub flagged: bool,
}

/// Checks a step. Only planned visits move; completed and no-show only once the visit has
/// begun; cancelled with a reason; a flagged visit is not completed. Completing a visit of a
/// private-home placement that has no completed visit yet (its first visit,
/// `is_first_home_visit` read only then) needs a named staff representative.
pub fn check_visit_step(
    step: VisitStep,
    is_first_home_visit: impl FnOnce() -> bool,
) -> Result<(), VisitStepError> {
    let VisitStep {
        from,
        to,
        starts_at,
        now,
        accompanied,
        has_reason,
        flagged,
    } = step;
    if from != VisitStatus::Planned || to == VisitStatus::Planned {
        return Err(VisitStepError::NotAllowed { from, to });
    }
    match to {
        VisitStatus::Cancelled if !has_reason => Err(VisitStepError::ReasonRequired),
        VisitStatus::Completed | VisitStatus::NoShow if starts_at > now => {
            Err(VisitStepError::NotYetBegun)
        }
        VisitStatus::Completed if flagged => Err(VisitStepError::Flagged),
        VisitStatus::Completed if !accompanied && is_first_home_visit() => {
            Err(VisitStepError::CompanionRequired)
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use VisitStatus as S;

    fn step(to: VisitStatus) -> VisitStep {
        let now = DateTime::<Utc>::default() + chrono::TimeDelta::days(400);
        VisitStep {
            from: S::Planned,
            to,
            starts_at: now - chrono::TimeDelta::hours(2),
            now,
            accompanied: false,
            has_reason: false,
            flagged: false,
        }
    }

    #[test]
    fn only_planned_visits_are_marked() {
        for from in [S::Completed, S::NoShow, S::Cancelled] {
            let mut s = step(S::Completed);
            s.from = from;
            assert!(matches!(
                check_visit_step(s, || false),
                Err(VisitStepError::NotAllowed { .. })
            ));
        }
        assert_eq!(check_visit_step(step(S::NoShow), || true), Ok(()));
    }

    #[test]
    fn the_first_home_visit_is_completed_only_with_a_companion() {
        assert_eq!(
            check_visit_step(step(S::Completed), || true),
            Err(VisitStepError::CompanionRequired)
        );
        let mut accompanied = step(S::Completed);
        accompanied.accompanied = true;
        assert_eq!(check_visit_step(accompanied, || true), Ok(()));
        assert_eq!(check_visit_step(step(S::Completed), || false), Ok(()));
    }

    #[test]
    fn a_flagged_visit_is_not_completed_but_may_be_cancelled_or_missed() {
        let mut flagged = step(S::Completed);
        flagged.flagged = true;
        flagged.accompanied = true;
        assert_eq!(
            check_visit_step(flagged, || false),
            Err(VisitStepError::Flagged)
        );
        flagged.to = S::NoShow;
        assert_eq!(check_visit_step(flagged, || false), Ok(()));
    }

    #[test]
    fn a_visit_ahead_is_not_completed_and_a_cancellation_says_why() {
        let mut ahead = step(S::Completed);
        ahead.starts_at = ahead.now + chrono::TimeDelta::minutes(1);
        assert_eq!(
            check_visit_step(ahead, || false),
            Err(VisitStepError::NotYetBegun)
        );
        assert_eq!(
            check_visit_step(step(S::Cancelled), || false),
            Err(VisitStepError::ReasonRequired)
        );
        let mut said = step(S::Cancelled);
        said.has_reason = true;
        said.starts_at = said.now + chrono::TimeDelta::days(3);
        assert_eq!(check_visit_step(said, || false), Ok(()));
    }
}

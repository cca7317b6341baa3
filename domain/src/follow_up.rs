//! Follow-up (oppfølging) of volunteers, groups, units, people visited at home and placements:
//! calls and meetings that are due, what came of them, and the log of contacts made or tried.
//!
//! The municipality's follow-up plan (its settings) says when the service puts a follow-up on
//! someone's list by itself: an intro call after approval, a review after the first visit of a
//! new placement, and periodic follow-ups of approved volunteers and of units with active
//! placements. Overdue is derived from the due date, never stored.

use crate::{
    ParseError,
    ids::{GroupId, PlacementId, RecipientId, UnitId, VolunteerId},
    string_enum::string_enum,
    text::{Name, Text},
};
use chrono::{Days, NaiveDate};

string_enum! {
    /// Why a follow-up is held.
    pub enum FollowUpPurpose {
        /// The first call to a newly approved volunteer.
        Intro => "intro",
        /// How the first visit of a new placement went.
        FirstVisitReview => "first_visit_review",
        /// The regular follow-up the plan asks for.
        Periodic => "periodic",
        /// Something worried someone: it is looked into.
        Concern => "concern",
        /// The conversation when a volunteer or a placement ends.
        Exit => "exit",
    }
}

string_enum! {
    /// How a follow-up or a contact is held.
    pub enum ContactChannel {
        /// A phone call.
        Phone => "phone",
        /// A video call.
        Video => "video",
        /// A meeting in person.
        Meeting => "meeting",
        /// A visit in the person's home.
        HomeVisit => "home_visit",
    }
}

string_enum! {
    /// Where a follow-up stands: `scheduled → done | missed | cancelled`.
    pub enum FollowUpStatus {
        /// Due on its date (overdue once the date has passed).
        Scheduled => "scheduled",
        /// Held; it has an outcome.
        Done => "done",
        /// Not held: nobody was reached or the meeting did not happen.
        Missed => "missed",
        /// Not needed after all.
        Cancelled => "cancelled",
    }
}

string_enum! {
    /// What came of a follow-up that was held.
    pub enum FollowUpOutcome {
        /// All is well.
        Ok => "ok",
        /// Something to keep an eye on; nothing to do yet.
        Concern => "concern",
        /// Something must be done: a `concern` follow-up is opened.
        ActionNeeded => "action_needed",
    }
}

string_enum! {
    /// Who made a follow-up.
    pub enum FollowUpSource {
        /// The municipality's follow-up plan, by the service.
        Plan => "plan",
        /// Someone, by hand.
        Manual => "manual",
        /// A follow-up done with `action_needed`, which opened it as a concern.
        Outcome => "outcome",
    }
}

/// Who or what a follow-up or a contact is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FollowUpSubject {
    /// A volunteer.
    Volunteer(VolunteerId),
    /// A group, through its contact person.
    Group(GroupId),
    /// A receiving unit.
    Unit(UnitId),
    /// A person visited at home.
    Recipient(RecipientId),
    /// A placement: the volunteer and the place together.
    Placement(PlacementId),
}

string_enum! {
    /// The kind of a follow-up's subject.
    pub enum FollowUpSubjectKind {
        /// A volunteer.
        Volunteer => "volunteer",
        /// A group.
        Group => "group",
        /// A receiving unit.
        Unit => "unit",
        /// A person visited at home.
        Recipient => "recipient",
        /// A placement.
        Placement => "placement",
    }
}

impl FollowUpSubject {
    /// Builds a subject from its kind and id.
    pub fn new(kind: FollowUpSubjectKind, id: uuid::Uuid) -> Self {
        match kind {
            FollowUpSubjectKind::Volunteer => Self::Volunteer(id.into()),
            FollowUpSubjectKind::Group => Self::Group(id.into()),
            FollowUpSubjectKind::Unit => Self::Unit(id.into()),
            FollowUpSubjectKind::Recipient => Self::Recipient(id.into()),
            FollowUpSubjectKind::Placement => Self::Placement(id.into()),
        }
    }

    /// Its kind.
    pub fn kind(self) -> FollowUpSubjectKind {
        match self {
            Self::Volunteer(_) => FollowUpSubjectKind::Volunteer,
            Self::Group(_) => FollowUpSubjectKind::Group,
            Self::Unit(_) => FollowUpSubjectKind::Unit,
            Self::Recipient(_) => FollowUpSubjectKind::Recipient,
            Self::Placement(_) => FollowUpSubjectKind::Placement,
        }
    }

    /// Its id.
    pub fn id(self) -> uuid::Uuid {
        match self {
            Self::Volunteer(id) => id.into_uuid(),
            Self::Group(id) => id.into_uuid(),
            Self::Unit(id) => id.into_uuid(),
            Self::Recipient(id) => id.into_uuid(),
            Self::Placement(id) => id.into_uuid(),
        }
    }

    /// The volunteer, if the subject is one.
    pub fn volunteer(self) -> Option<VolunteerId> {
        match self {
            Self::Volunteer(id) => Some(id),
            _ => None,
        }
    }
}

/// A follow-up's note or a contact's note: a few lines.
pub type FollowUpNote = Text<2000>;
/// Who a contact reached or tried: "the volunteer", "the ward's head nurse".
pub type Counterpart = Name<120>;

/// Reads a note: a few lines at most.
pub fn parse_note(raw: &str) -> Result<FollowUpNote, ParseError> {
    FollowUpNote::parse(raw)
}

/// The longest contact the log takes, in minutes.
pub const MAX_CONTACT_MINUTES: i32 = 600;

/// Checks a contact's length: 1 to [`MAX_CONTACT_MINUTES`] minutes.
pub fn check_contact_minutes(minutes: i32) -> Result<i32, ParseError> {
    if (1..=MAX_CONTACT_MINUTES).contains(&minutes) {
        Ok(minutes)
    } else {
        Err(ParseError::new(
            "out_of_range",
            format!("must be between 1 and {MAX_CONTACT_MINUTES} minutes"),
        ))
    }
}

/// Why a follow-up cannot move as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUpStepError {
    /// It is closed already (done, missed or cancelled): nothing follows.
    Closed(FollowUpStatus),
    /// `scheduled` is where a follow-up starts, not where it goes.
    NotAStep,
    /// Done needs an outcome.
    OutcomeMissing,
    /// Only a follow-up that was held has an outcome.
    OutcomeNotHeld,
}

/// Checks a status change of a follow-up in `from` to `to` with `outcome`: only a scheduled
/// follow-up moves, to done (with an outcome), missed or cancelled (without one).
pub fn check_follow_up_step(
    from: FollowUpStatus,
    to: FollowUpStatus,
    outcome: Option<FollowUpOutcome>,
) -> Result<(), FollowUpStepError> {
    if from != FollowUpStatus::Scheduled {
        return Err(FollowUpStepError::Closed(from));
    }
    match (to, outcome) {
        (FollowUpStatus::Scheduled, _) => Err(FollowUpStepError::NotAStep),
        (FollowUpStatus::Done, None) => Err(FollowUpStepError::OutcomeMissing),
        (FollowUpStatus::Done, Some(_)) => Ok(()),
        (FollowUpStatus::Missed | FollowUpStatus::Cancelled, Some(_)) => {
            Err(FollowUpStepError::OutcomeNotHeld)
        }
        (FollowUpStatus::Missed | FollowUpStatus::Cancelled, None) => Ok(()),
    }
}

/// Whether a follow-up in `status`, due on `due_on`, is overdue on `today`.
pub fn is_overdue(status: FollowUpStatus, due_on: NaiveDate, today: NaiveDate) -> bool {
    status == FollowUpStatus::Scheduled && due_on < today
}

/// Days after a follow-up done with `action_needed` by which the concern it opens is due.
pub const CONCERN_DUE_DAYS: u64 = 7;

/// When a follow-up that ends as `to` with `outcome` on `today` opens a concern, the day the
/// concern is due.
pub fn concern_due(
    to: FollowUpStatus,
    outcome: Option<FollowUpOutcome>,
    today: NaiveDate,
) -> Option<NaiveDate> {
    (to == FollowUpStatus::Done && outcome == Some(FollowUpOutcome::ActionNeeded))
        .then(|| today + Days::new(CONCERN_DUE_DAYS))
}

/// How long after approval a volunteer counts as new: the plan makes an intro follow-up only for
/// volunteers approved within this many days (those approved earlier get periodic ones).
pub const NEW_VOLUNTEER_DAYS: u64 = 90;
/// How long after a placement's first visit it counts as new: the plan reviews only first
/// visits within this many days (older placements get no review when the plan starts).
pub const NEW_PLACEMENT_DAYS: u64 = 30;

/// The day an intro follow-up is due for a volunteer approved on `approved_on`, if the plan
/// makes one on `today` (the volunteer is still new).
pub fn intro_due(approved_on: NaiveDate, intro_days: u16, today: NaiveDate) -> Option<NaiveDate> {
    (approved_on + Days::new(NEW_VOLUNTEER_DAYS) >= today)
        .then(|| approved_on + Days::new(u64::from(intro_days)))
}

/// The day the review of a placement whose first visit was on `first_visit_on` is due, if the
/// plan makes it on `today`: once that visit's day has come, and while the placement is new.
pub fn first_visit_review_due(
    first_visit_on: NaiveDate,
    review_days: u16,
    today: NaiveDate,
) -> Option<NaiveDate> {
    (first_visit_on <= today && first_visit_on + Days::new(NEW_PLACEMENT_DAYS) >= today)
        .then(|| first_visit_on + Days::new(u64::from(review_days)))
}

/// The day the next periodic follow-up is due, `interval_days` after the last contact (or,
/// before any, after the day the plan counts from: approval, or the unit's first placement).
pub fn periodic_due(last_contact_on: NaiveDate, interval_days: u16) -> NaiveDate {
    last_contact_on + Days::new(u64::from(interval_days))
}

/// The day an approved volunteer last reached on `last_contact_on` enters the work list as
/// "no contact", if that day has come by `today`.
pub fn no_contact_since(
    last_contact_on: NaiveDate,
    no_contact_days: u16,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let due = last_contact_on + Days::new(u64::from(no_contact_days));
    (due <= today).then_some(due)
}

/// A follow-up as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    /// Its id.
    pub id: crate::ids::FollowUpId,
    /// The municipality.
    pub municipality_id: crate::ids::MunicipalityId,
    /// Who or what it is about.
    pub subject: FollowUpSubject,
    /// Why.
    pub purpose: FollowUpPurpose,
    /// How it is held.
    pub channel: ContactChannel,
    /// By when.
    pub due_on: NaiveDate,
    /// Whose list it is on; `None` until someone is assigned.
    pub assignee_id: Option<crate::ids::StaffUserId>,
    /// Where it stands.
    pub status: FollowUpStatus,
    /// What came of it, once done.
    pub outcome: Option<FollowUpOutcome>,
    /// A few lines for coordinators and the assignee.
    pub note: Option<String>,
    /// Who made it.
    pub source: FollowUpSource,
    /// The follow-up done with `action_needed` that opened this concern.
    pub raised_by_id: Option<crate::ids::FollowUpId>,
    /// The account that added it by hand, or that closed the follow-up which opened it.
    pub created_by: Option<crate::ids::StaffUserId>,
    /// When it was done, missed or cancelled.
    pub closed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Who closed it.
    pub closed_by: Option<crate::ids::StaffUserId>,
    /// Raised by every change.
    pub version: i32,
    /// When it was made.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it last changed.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A contact made or tried, as logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Its id.
    pub id: crate::ids::ContactId,
    /// The municipality.
    pub municipality_id: crate::ids::MunicipalityId,
    /// The follow-up it was made for, if one.
    pub follow_up_id: Option<crate::ids::FollowUpId>,
    /// Who or what it was about.
    pub subject: FollowUpSubject,
    /// When.
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    /// Who was reached or tried.
    pub counterpart: String,
    /// How.
    pub channel: ContactChannel,
    /// Whether anyone was reached.
    pub reached: bool,
    /// How long it took, in minutes.
    pub duration_minutes: Option<i32>,
    /// A few lines for coordinators, the one who logged it and the follow-up's assignee.
    pub note: Option<String>,
    /// Who logged it.
    pub logged_by: crate::ids::StaffUserId,
    /// When it was logged.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use FollowUpStatus::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn only_a_scheduled_follow_up_moves_and_done_needs_an_outcome() {
        let ok = Some(FollowUpOutcome::Ok);
        assert_eq!(check_follow_up_step(Scheduled, Done, ok), Ok(()));
        assert_eq!(check_follow_up_step(Scheduled, Missed, None), Ok(()));
        assert_eq!(check_follow_up_step(Scheduled, Cancelled, None), Ok(()));
        assert_eq!(
            check_follow_up_step(Scheduled, Done, None),
            Err(FollowUpStepError::OutcomeMissing)
        );
        assert_eq!(
            check_follow_up_step(Scheduled, Missed, ok),
            Err(FollowUpStepError::OutcomeNotHeld)
        );
        assert_eq!(
            check_follow_up_step(Scheduled, Scheduled, None),
            Err(FollowUpStepError::NotAStep)
        );
        for closed in [Done, Missed, Cancelled] {
            for to in FollowUpStatus::ALL {
                assert_eq!(
                    check_follow_up_step(closed, *to, None),
                    Err(FollowUpStepError::Closed(closed))
                );
            }
        }
    }

    #[test]
    fn overdue_is_scheduled_and_due_before_today() {
        let today = day("2026-12-05");
        assert!(is_overdue(Scheduled, day("2026-12-04"), today));
        assert!(!is_overdue(Scheduled, today, today));
        assert!(!is_overdue(Done, day("2026-12-01"), today));
        assert!(!is_overdue(Missed, day("2026-12-01"), today));
    }

    #[test]
    fn only_action_needed_opens_a_concern_due_in_a_week() {
        let today = day("2026-12-05");
        assert_eq!(
            concern_due(Done, Some(FollowUpOutcome::ActionNeeded), today),
            Some(day("2026-12-12"))
        );
        assert_eq!(
            concern_due(Done, Some(FollowUpOutcome::Concern), today),
            None
        );
        assert_eq!(concern_due(Done, Some(FollowUpOutcome::Ok), today), None);
        assert_eq!(concern_due(Missed, None, today), None);
    }

    #[test]
    fn the_intro_is_due_after_approval_while_the_volunteer_is_new() {
        let approved = day("2026-12-01");
        assert_eq!(intro_due(approved, 14, approved), Some(day("2026-12-15")));
        assert_eq!(
            intro_due(approved, 14, day("2027-03-01")),
            Some(day("2026-12-15"))
        );
        assert_eq!(intro_due(approved, 14, day("2027-03-02")), None);
    }

    #[test]
    fn the_review_follows_the_first_visit_once_it_has_come() {
        let first = day("2026-12-10");
        assert_eq!(first_visit_review_due(first, 7, day("2026-12-09")), None);
        assert_eq!(
            first_visit_review_due(first, 7, first),
            Some(day("2026-12-17"))
        );
        assert_eq!(
            first_visit_review_due(first, 7, day("2027-01-09")),
            Some(day("2026-12-17"))
        );
        assert_eq!(first_visit_review_due(first, 7, day("2027-01-10")), None);
    }

    #[test]
    fn periodic_follow_ups_and_no_contact_count_from_the_last_contact() {
        let last = day("2026-10-01");
        assert_eq!(periodic_due(last, 90), day("2026-12-30"));
        assert_eq!(no_contact_since(last, 60, day("2026-11-29")), None);
        assert_eq!(
            no_contact_since(last, 60, day("2026-11-30")),
            Some(day("2026-11-30"))
        );
    }

    #[test]
    fn a_subject_keeps_its_kind_and_id() {
        for kind in FollowUpSubjectKind::ALL {
            let id = uuid::Uuid::now_v7();
            let subject = FollowUpSubject::new(*kind, id);
            assert_eq!((subject.kind(), subject.id()), (*kind, id));
        }
        assert!(check_contact_minutes(0).is_err());
        assert!(check_contact_minutes(601).is_err());
        assert_eq!(check_contact_minutes(30), Ok(30));
    }
}

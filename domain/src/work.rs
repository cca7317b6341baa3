//! The coordinators' work list: what needs doing, and by when. The dates come from the same
//! rules clearance uses, so the list and the answers agree.

use crate::{
    clearance::{RequirementState, SubjectKind, expiry_state},
    string_enum::string_enum,
};
use chrono::NaiveDate;

string_enum! {
    /// What needs doing.
    pub enum WorkItemKind {
        /// A registration (of a volunteer, or of a group through its contact person) has
        /// waited longer than the municipality allows for a screening call.
        ScreeningOverdue => "screening_overdue",
        /// An approved volunteer's police certificate ends inside the look-ahead window.
        CertificateExpiring => "certificate_expiring",
        /// An approved volunteer's police certificate has ended.
        CertificateExpired => "certificate_expired",
        /// A dog approval of an approved handler ends inside the look-ahead window.
        DogApprovalExpiring => "dog_approval_expiring",
        /// A dog approval of an approved handler has ended.
        DogApprovalExpired => "dog_approval_expired",
        /// An approved volunteer (or a group's contact person) signed a document version that
        /// has been replaced.
        DeclarationOutdated => "declaration_outdated",
        /// An approved volunteer has no contact person, or an approved group's contact person
        /// is no longer active.
        ContactPersonMissing => "contact_person_missing",
        /// A placement was suspended by the service because clearance no longer holds: renew
        /// what ran out and resume it, or end it.
        PlacementSuspended => "placement_suspended",
        /// The first visit of a private-home placement is within a week and no staff
        /// representative is named to come along.
        FirstVisitUnaccompanied => "first_visit_unaccompanied",
        /// A visit was not marked completed or not attended three days after it was due.
        VisitNotMarked => "visit_not_marked",
        /// An open need has had nobody interested and nobody placed for longer than the
        /// municipality allows.
        NeedUnanswered => "need_unanswered",
        /// An open need's first day is near and places are still free.
        NeedStartingSoon => "need_starting_soon",
        /// A follow-up is still scheduled after its due date (`related_id` the follow-up;
        /// `assignee_id` whose list it is on).
        FollowUpOverdue => "follow_up_overdue",
        /// Nobody has reached an approved volunteer for longer than the municipality allows.
        NoRecentContact => "no_recent_contact",
        /// An approved volunteer's training credential, of a training a requirement rule asks
        /// for, ends inside the look-ahead window (`related_id` the credential).
        TrainingExpiring => "training_expiring",
        /// An approved volunteer's training credential, of a training a requirement rule asks
        /// for, has ended and no newer one was completed.
        TrainingExpired => "training_expired",
        /// A theme training is closed and the training credentials it grants wait for the
        /// coordinator to confirm them (`POST /events/{id}/credential-grants`).
        TrainingGrantPending => "training_grant_pending",
        /// A webhook endpoint was disabled because its receiver answered 410, or deliveries to
        /// it failed for good: the municipal system is no longer told of changes.
        WebhookEndpointFailing => "webhook_endpoint_failing",
        /// A survey round closes within three days and fewer than half of those it asks have
        /// answered: send their links again, or give it a later last day.
        SurveyClosingUnanswered => "survey_closing_unanswered",
        /// A volunteer's retention period runs out on the due date: their data will be
        /// anonymised or deleted then, unless a coordinator keeps it longer with a reason
        /// (`POST /volunteers/{id}/retention-extensions`).
        RetentionDue => "retention_due",
    }
}

string_enum! {
    /// What a work item is about.
    pub enum WorkSubject {
        /// A volunteer.
        Volunteer => "volunteer",
        /// A group.
        Group => "group",
        /// A need of a unit.
        Need => "need",
        /// A receiving unit.
        Unit => "unit",
        /// A person visited at home.
        Recipient => "recipient",
        /// A placement.
        Placement => "placement",
        /// A webhook endpoint of a municipal system.
        WebhookEndpoint => "webhook_endpoint",
        /// An event for volunteers.
        Event => "event",
        /// A round of a survey.
        SurveyRound => "survey_round",
    }
}

impl From<crate::follow_up::FollowUpSubjectKind> for WorkSubject {
    fn from(kind: crate::follow_up::FollowUpSubjectKind) -> Self {
        use crate::follow_up::FollowUpSubjectKind as K;
        match kind {
            K::Volunteer => WorkSubject::Volunteer,
            K::Group => WorkSubject::Group,
            K::Unit => WorkSubject::Unit,
            K::Recipient => WorkSubject::Recipient,
            K::Placement => WorkSubject::Placement,
        }
    }
}

impl From<SubjectKind> for WorkSubject {
    fn from(kind: SubjectKind) -> Self {
        match kind {
            SubjectKind::Volunteer => WorkSubject::Volunteer,
            SubjectKind::Group => WorkSubject::Group,
        }
    }
}

/// How many days ahead an unaccompanied first home visit enters the work list.
pub const FIRST_VISIT_LOOK_AHEAD_DAYS: u64 = 7;
/// How many days after its date an unmarked visit enters the work list.
pub const UNMARKED_VISIT_GRACE_DAYS: u64 = 3;

/// Whether a first home visit on `visit_on` with nobody named to come along belongs on the
/// work list of `today` (it is due within the week; one already past is listed too).
pub fn first_visit_needs_companion(visit_on: NaiveDate, today: NaiveDate) -> bool {
    visit_on <= today + chrono::Days::new(FIRST_VISIT_LOOK_AHEAD_DAYS)
}

/// The day a visit on `visit_on` that is still not marked enters the work list, if that day
/// has come by `today`.
pub fn visit_unmarked(visit_on: NaiveDate, today: NaiveDate) -> Option<NaiveDate> {
    let due = visit_on + chrono::Days::new(UNMARKED_VISIT_GRACE_DAYS);
    (due <= today).then_some(due)
}

/// One thing to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkItem {
    /// What.
    pub kind: WorkItemKind,
    /// A volunteer's, a group's or a need's.
    pub subject: WorkSubject,
    /// The volunteer's, group's or need's id.
    pub subject_id: uuid::Uuid,
    /// By when (for expiries: the last valid day; for waits: the day the wait became too long).
    pub due_on: NaiveDate,
    /// The record concerned (certificate, dog, declaration), if one.
    pub related_id: Option<uuid::Uuid>,
    /// A short explanation.
    pub detail: String,
}

/// The day a registration made on `registered_on` has waited too long for its screening call,
/// if that day has come by `today`.
pub fn screening_overdue(
    registered_on: NaiveDate,
    wait_days: u16,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let due = registered_on + chrono::Days::new(u64::from(wait_days));
    (due < today).then_some(due)
}

/// Whether something ending on `last_day` belongs on the work list seen on `today`, and as
/// expiring (`false`) or expired (`true`).
pub fn expiry(last_day: NaiveDate, today: NaiveDate, soon_days: u16) -> Option<bool> {
    match expiry_state(last_day, today, soon_days) {
        RequirementState::Expired => Some(true),
        RequirementState::ExpiringSoon => Some(false),
        RequirementState::Met | RequirementState::Missing => None,
    }
}

/// Orders a work list: earliest due first, then by kind and volunteer, so pages are stable.
pub fn sort(items: &mut [WorkItem]) {
    items.sort_by(|a, b| {
        (a.due_on, a.kind, a.subject_id, a.related_id).cmp(&(
            b.due_on,
            b.kind,
            b.subject_id,
            b.related_id,
        ))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn a_registration_is_overdue_after_the_wait() {
        let today = date(2026, 11, 23);
        assert_eq!(
            screening_overdue(date(2026, 11, 1), 14, today),
            Some(date(2026, 11, 15))
        );
        assert_eq!(screening_overdue(date(2026, 11, 10), 14, today), None);
    }

    #[test]
    fn visits_enter_the_list_a_week_ahead_or_three_days_late() {
        let today = date(2026, 11, 23);
        assert!(first_visit_needs_companion(date(2026, 11, 30), today));
        assert!(!first_visit_needs_companion(date(2026, 12, 1), today));
        assert_eq!(
            visit_unmarked(date(2026, 11, 20), today),
            Some(date(2026, 11, 23))
        );
        assert_eq!(visit_unmarked(date(2026, 11, 21), today), None);
    }

    #[test]
    fn expiries_enter_the_list_inside_the_look_ahead() {
        let today = date(2026, 11, 23);
        assert_eq!(expiry(date(2026, 11, 22), today, 30), Some(true));
        assert_eq!(expiry(date(2026, 12, 10), today, 30), Some(false));
        assert_eq!(expiry(date(2027, 2, 1), today, 30), None);
    }
}

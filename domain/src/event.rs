//! Events for volunteers (and staff): recognition events, theme training, information meetings
//! and social gatherings. An event has one or more sessions, invites people when it is
//! published, takes their answers (a waiting list when it is full, moving up when someone
//! declines), records attendance per session, and a theme training grants a training
//! credential to those who attended, which requirement rules can ask for.
//!
//! `draft → published → held → closed`, and `draft | published | held → cancelled`.

use crate::{
    ParseError,
    certificate::add_months,
    ids::{
        EventSessionId, GroupId, InvitationId, MunicipalityId, StaffUserId, TrainingCredentialId,
        UnitId, VolunteerEventId, VolunteerId,
    },
    string_enum::string_enum,
    text::Name,
};
use chrono::{DateTime, NaiveDate, Utc};

/// The most sessions one event has.
pub const MAX_SESSIONS: usize = 20;
/// The longest one session lasts, in hours.
pub const MAX_SESSION_HOURS: i64 = 24;

string_enum! {
    /// What kind of event.
    pub enum EventKind {
        /// Thanking volunteers: a dinner, an award, a day of celebration.
        Recognition => "recognition",
        /// Training in a theme (dementia, confidentiality, first aid); it may grant a training
        /// credential.
        ThemeTraining => "theme_training",
        /// An information meeting.
        Information => "information",
        /// A social gathering.
        Social => "social",
    }
}

string_enum! {
    /// Where an event stands.
    pub enum EventStatus {
        /// Being prepared; nobody is invited yet.
        Draft => "draft",
        /// Invitations are out and answers are taken.
        Published => "published",
        /// It has taken place; attendance is being recorded.
        Held => "held",
        /// Attendance is final; a theme training's credentials can be granted.
        Closed => "closed",
        /// It will not take place.
        Cancelled => "cancelled",
    }
}

string_enum! {
    /// An invitee's answer.
    pub enum InvitationStatus {
        /// Not answered yet.
        Invited => "invited",
        /// Coming, with a place.
        Registered => "registered",
        /// Coming if a place frees up: on the waiting list, first come first served.
        Waitlisted => "waitlisted",
        /// Not coming.
        Declined => "declined",
    }
}

string_enum! {
    /// Whether someone registered came to a session.
    pub enum AttendanceStatus {
        /// Came.
        Attended => "attended",
        /// Did not come.
        Absent => "absent",
        /// Did not come, and said so in advance.
        Excused => "excused",
    }
}

string_enum! {
    /// Which attendance grants a theme training's credential.
    pub enum GrantMode {
        /// Every session attended.
        AllSessions => "all_sessions",
        /// At least one session attended.
        AnySession => "any_session",
    }
}

string_enum! {
    /// An answer to an invitation.
    pub enum Answer {
        /// Coming.
        Yes => "yes",
        /// Not coming (or no longer coming).
        No => "no",
    }
}

/// A training credential's code, such as `dementia_basics`: lower-case letters, digits and
/// underscores, starting with a letter, 2 to 50 characters.
pub fn parse_training_code(raw: &str) -> Result<String, ParseError> {
    let code = raw.trim();
    let valid = (2..=50).contains(&code.len())
        && code.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if valid {
        Ok(code.to_owned())
    } else {
        Err(ParseError::new(
            "invalid_training",
            "must be a training code such as dementia_basics: lower-case letters, digits and _",
        ))
    }
}

/// What a theme training grants those who attended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingGrant {
    /// The training credential's code.
    pub training: String,
    /// Which attendance counts.
    pub mode: GrantMode,
    /// How long the credential counts, in months; `None`: it does not run out.
    pub validity_months: Option<u16>,
}

/// Who is invited when the event is published.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventAudience {
    /// Every approved volunteer of the municipality.
    pub all_approved: bool,
    /// The municipality's coordinators and contact persons with an account.
    pub staff: bool,
    /// The approved volunteers whose home unit is one of these (or below one of them).
    pub unit_ids: Vec<UnitId>,
    /// These volunteers.
    pub volunteer_ids: Vec<VolunteerId>,
    /// These groups.
    pub group_ids: Vec<GroupId>,
}

impl EventAudience {
    /// Whether publishing would invite nobody at all.
    pub fn is_empty(&self) -> bool {
        !self.all_approved
            && !self.staff
            && self.unit_ids.is_empty()
            && self.volunteer_ids.is_empty()
            && self.group_ids.is_empty()
    }
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolunteerEvent {
    /// Its id.
    pub id: VolunteerEventId,
    /// The municipality.
    pub municipality_id: MunicipalityId,
    /// What kind.
    pub kind: EventKind,
    /// Its title.
    pub title: String,
    /// What it is about.
    pub description: Option<String>,
    /// Where it stands.
    pub status: EventStatus,
    /// Places, in seats; `None`: no limit.
    pub capacity: Option<i32>,
    /// Answers are taken from then; `None`: from publishing.
    pub registration_opens_at: Option<DateTime<Utc>>,
    /// Answers are taken until then; `None`: until the first session starts.
    pub registration_closes_at: Option<DateTime<Utc>>,
    /// Who is invited when it is published.
    pub audience: EventAudience,
    /// What a theme training grants.
    pub grant: Option<TrainingGrant>,
    /// When the credentials were granted.
    pub credentials_granted_at: Option<DateTime<Utc>>,
    /// Who confirmed the grant.
    pub credentials_granted_by: Option<StaffUserId>,
    /// Who made it.
    pub created_by: Option<StaffUserId>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A session of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSession {
    /// Its id.
    pub id: EventSessionId,
    /// Its place in the event, from 1.
    pub position: i16,
    /// When it starts.
    pub starts_at: DateTime<Utc>,
    /// When it ends.
    pub ends_at: DateTime<Utc>,
    /// Where.
    pub place: String,
}

/// A session as given, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDraft {
    /// When it starts.
    pub starts_at: DateTime<Utc>,
    /// When it ends.
    pub ends_at: DateTime<Utc>,
    /// Where.
    pub place: String,
}

/// Checks sessions: one to [`MAX_SESSIONS`], each ending after it starts and lasting at most
/// [`MAX_SESSION_HOURS`], with a place; returns them in time order. Errors name the field
/// (`sessions[i].ends_at`).
pub fn check_sessions(
    sessions: Vec<SessionDraft>,
) -> Result<Vec<SessionDraft>, Vec<(String, ParseError)>> {
    let mut errors = Vec::new();
    if sessions.is_empty() || sessions.len() > MAX_SESSIONS {
        errors.push((
            "sessions".to_owned(),
            ParseError::new("out_of_range", format!("give 1 to {MAX_SESSIONS} sessions")),
        ));
    }
    let mut checked = Vec::with_capacity(sessions.len());
    for (i, session) in sessions.into_iter().enumerate() {
        let mut out_of_range = false;
        for (name, at) in [
            ("starts_at", session.starts_at),
            ("ends_at", session.ends_at),
        ] {
            if let Err(e) = crate::dates::plausible_at(at) {
                errors.push((format!("sessions[{i}].{name}"), e));
                out_of_range = true;
            }
        }
        if out_of_range {
            // Their order and length are only checked for moments in range.
        } else if session.ends_at <= session.starts_at {
            errors.push((
                format!("sessions[{i}].ends_at"),
                ParseError::new("before_start", "must be after starts_at"),
            ));
        } else if session.ends_at - session.starts_at > chrono::Duration::hours(MAX_SESSION_HOURS) {
            errors.push((
                format!("sessions[{i}].ends_at"),
                ParseError::new(
                    "too_long",
                    format!("a session lasts at most {MAX_SESSION_HOURS} hours"),
                ),
            ));
        }
        match Name::<200>::parse(&session.place) {
            Ok(place) => checked.push(SessionDraft {
                place: place.into_inner(),
                ..session
            }),
            Err(e) => errors.push((format!("sessions[{i}].place"), e)),
        }
    }
    if errors.is_empty() {
        checked.sort_by_key(|s| (s.starts_at, s.ends_at));
        Ok(checked)
    } else {
        Err(errors)
    }
}

/// Checks what an event grants: only a theme training grants a credential, for 1 to 240
/// months. The error names its field.
pub fn check_grant(
    kind: EventKind,
    grant: Option<&TrainingGrant>,
) -> Result<(), (&'static str, ParseError)> {
    match grant {
        Some(g) if kind != EventKind::ThemeTraining => Err((
            "grants_training",
            ParseError::new(
                "not_applicable",
                format!(
                    "only a theme_training grants a training credential; leave grants_training ({}) out",
                    g.training
                ),
            ),
        )),
        Some(TrainingGrant {
            validity_months: Some(m),
            ..
        }) if !(1..=240).contains(m) => Err((
            "grant_validity_months",
            ParseError::new("out_of_range", "must be between 1 and 240"),
        )),
        _ => Ok(()),
    }
}

/// Why a status change is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventTransitionError {
    /// The lifecycle has no such step.
    NotAllowed {
        /// Where it stands.
        from: EventStatus,
        /// Where it was asked to go.
        to: EventStatus,
    },
    /// Publishing invites nobody.
    NobodyInvited,
    /// It cannot be held before its last session has started.
    NotYetHeld {
        /// When the last session starts.
        last_session_starts_at: DateTime<Utc>,
    },
    /// It cannot be closed while attendance is missing for people registered.
    AttendanceMissing {
        /// How many (session, registered invitee) pairs have no attendance.
        missing: usize,
    },
}

impl std::fmt::Display for EventTransitionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotAllowed { from, to } => {
                write!(f, "an event that is {from} cannot become {to}")
            }
            Self::NobodyInvited => write!(
                f,
                "publishing would invite nobody: say who is invited (all_approved, staff, unit_ids, volunteer_ids or group_ids)"
            ),
            Self::NotYetHeld {
                last_session_starts_at,
            } => write!(
                f,
                "the last session starts at {last_session_starts_at}: the event is held after that"
            ),
            Self::AttendanceMissing { missing } => write!(
                f,
                "attendance is missing {missing} times for people registered: record attended, absent or excused for every session first"
            ),
        }
    }
}

/// What a status change depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionFacts {
    /// When the last session starts.
    pub last_session_starts_at: DateTime<Utc>,
    /// Whether publishing would invite anybody.
    pub audience_empty: bool,
    /// How many (session, registered invitee) pairs have no attendance.
    pub attendance_missing: usize,
    /// Now.
    pub now: DateTime<Utc>,
}

/// Checks a status change against the lifecycle.
pub fn check_transition(
    from: EventStatus,
    to: EventStatus,
    facts: TransitionFacts,
) -> Result<(), EventTransitionError> {
    use EventStatus as S;
    match (from, to) {
        (S::Draft, S::Published) if facts.audience_empty => {
            Err(EventTransitionError::NobodyInvited)
        }
        (S::Draft, S::Published) => Ok(()),
        (S::Published, S::Held) if facts.now < facts.last_session_starts_at => {
            Err(EventTransitionError::NotYetHeld {
                last_session_starts_at: facts.last_session_starts_at,
            })
        }
        (S::Published, S::Held) => Ok(()),
        (S::Held, S::Closed) if facts.attendance_missing > 0 => {
            Err(EventTransitionError::AttendanceMissing {
                missing: facts.attendance_missing,
            })
        }
        (S::Held, S::Closed) => Ok(()),
        (S::Draft | S::Published | S::Held, S::Cancelled) => Ok(()),
        _ => Err(EventTransitionError::NotAllowed { from, to }),
    }
}

/// Whether answers are taken at `now`: between the window's ends, or from publishing until
/// the first session starts when the window does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Answers are taken.
    Open,
    /// Not yet: from this time.
    NotYetOpen(DateTime<Utc>),
    /// No longer: since this time.
    Closed(DateTime<Utc>),
}

/// The registration window of `event` at `now`; `first_session` is when the first session
/// starts.
pub fn window(event: &VolunteerEvent, first_session: DateTime<Utc>, now: DateTime<Utc>) -> Window {
    let closes = event.registration_closes_at.unwrap_or(first_session);
    match event.registration_opens_at {
        Some(opens) if now < opens => Window::NotYetOpen(opens),
        _ if now >= closes => Window::Closed(closes),
        _ => Window::Open,
    }
}

/// Where a yes lands: a place when one is free and nobody waits before, else the waiting list.
pub fn place_for(
    capacity: Option<i32>,
    seats_taken: i64,
    seats: i32,
    someone_waits: bool,
) -> InvitationStatus {
    match capacity {
        None => InvitationStatus::Registered,
        Some(_) if someone_waits => InvitationStatus::Waitlisted,
        Some(cap) if seats_taken + i64::from(seats) <= i64::from(cap) => {
            InvitationStatus::Registered
        }
        Some(_) => InvitationStatus::Waitlisted,
    }
}

/// Who moves up from the waiting list (in its order, `(invitation, seats)`), first come first
/// served: each in turn while their seats fit; the first who does not fit stops the others.
/// Someone asking for more seats than the event has in all could never move up and is passed
/// over rather than holding everyone behind.
pub fn promotions(
    capacity: Option<i32>,
    seats_taken: i64,
    waiting: &[(InvitationId, i32)],
) -> Vec<InvitationId> {
    let mut taken = seats_taken;
    let mut moved = Vec::new();
    for &(id, seats) in waiting {
        if capacity.is_some_and(|cap| seats > cap) {
            continue;
        }
        if capacity.is_some_and(|cap| taken + i64::from(seats) > i64::from(cap)) {
            break;
        }
        taken += i64::from(seats);
        moved.push(id);
    }
    moved
}

/// The day a training was completed by someone with this attendance, if the grant's mode
/// counts it: `sessions` are the sessions' local dates in order, `attended` whether each was
/// attended. Every session for `all_sessions` (completed on the last), at least one for
/// `any_session` (completed on the last attended).
pub fn completed_on(
    mode: GrantMode,
    sessions: &[NaiveDate],
    attended: &[bool],
) -> Option<NaiveDate> {
    if sessions.is_empty() || sessions.len() != attended.len() {
        return None;
    }
    let last_attended = sessions
        .iter()
        .zip(attended)
        .filter(|(_, a)| **a)
        .map(|(d, _)| *d)
        .max();
    match mode {
        GrantMode::AllSessions if attended.iter().all(|a| *a) => last_attended,
        GrantMode::AllSessions => None,
        GrantMode::AnySession => last_attended,
    }
}

/// The last day a credential completed on `completed_on` counts, for a validity of
/// `validity_months`; `None` when it does not run out.
pub fn credential_valid_until(
    completed_on: NaiveDate,
    validity_months: Option<u16>,
) -> Option<NaiveDate> {
    validity_months.map(|m| {
        add_months(completed_on, m)
            .pred_opt()
            .unwrap_or(completed_on)
    })
}

/// Who an invitation is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Invitee {
    /// A volunteer.
    Volunteer(VolunteerId),
    /// A group (it answers with the seats it needs).
    Group(GroupId),
    /// A staff account.
    Staff(StaffUserId),
}

/// An invitation and its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// Its id.
    pub id: InvitationId,
    /// The municipality.
    pub municipality_id: MunicipalityId,
    /// The event.
    pub event_id: VolunteerEventId,
    /// Who.
    pub invitee: Invitee,
    /// The answer.
    pub status: InvitationStatus,
    /// Seats taken when registered.
    pub seats: i32,
    /// When it was last answered.
    pub answered_at: Option<DateTime<Utc>>,
    /// The staff account that answered on the invitee's behalf, if one did.
    pub answered_by: Option<StaffUserId>,
    /// When it joined the waiting list.
    pub waitlisted_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// When it was sent.
    pub created_at: DateTime<Utc>,
}

/// Attendance of one registered invitee at one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendance {
    /// The session.
    pub session_id: EventSessionId,
    /// The invitation.
    pub invitation_id: InvitationId,
    /// Came or not.
    pub status: AttendanceStatus,
    /// Why not, when excused.
    pub reason: Option<String>,
    /// Who recorded it.
    pub recorded_by: Option<StaffUserId>,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

/// A volunteer's training credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingCredential {
    /// Its id.
    pub id: TrainingCredentialId,
    /// The municipality.
    pub municipality_id: MunicipalityId,
    /// The volunteer.
    pub volunteer_id: VolunteerId,
    /// The training's code.
    pub training: String,
    /// When it was completed.
    pub completed_on: NaiveDate,
    /// The last day it counts; `None`: it does not run out.
    pub valid_until: Option<NaiveDate>,
    /// The theme training that granted it; `None` when recorded for training elsewhere.
    pub event_id: Option<VolunteerEventId>,
    /// A note (where the training was taken).
    pub note: Option<String>,
    /// Who granted or recorded it.
    pub granted_by: Option<StaffUserId>,
    /// When.
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        NaiveDate::from_ymd_opt(2026, 12, day)
            .and_then(|d| d.and_hms_opt(hour, 0, 0))
            .map(|t| t.and_utc())
            .unwrap_or_default()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn training_codes_are_snake_case() {
        assert_eq!(
            parse_training_code(" dementia_basics "),
            Ok("dementia_basics".into())
        );
        for bad in ["", "x", "Dementia", "first aid", "1st_aid", "æ_kurs"] {
            assert!(parse_training_code(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sessions_are_checked_and_ordered() {
        let late = SessionDraft {
            starts_at: at(10, 17),
            ends_at: at(10, 20),
            place: " Kultursalen ".into(),
        };
        let early = SessionDraft {
            starts_at: at(3, 17),
            ends_at: at(3, 20),
            place: "Kultursalen".into(),
        };
        let checked = check_sessions(vec![late, early]).unwrap_or_default();
        assert_eq!(checked.len(), 2);
        assert_eq!(checked[0].starts_at, at(3, 17));
        assert_eq!(checked[1].place, "Kultursalen");

        let backwards = SessionDraft {
            starts_at: at(3, 20),
            ends_at: at(3, 17),
            place: String::new(),
        };
        let errors = check_sessions(vec![backwards]).err().unwrap_or_default();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["sessions[0].ends_at", "sessions[0].place"]);
        assert!(check_sessions(Vec::new()).is_err());
        let long = SessionDraft {
            starts_at: at(3, 8),
            ends_at: at(4, 9),
            place: "Hall".into(),
        };
        assert!(check_sessions(vec![long]).is_err());
    }

    #[test]
    fn only_a_theme_training_grants() {
        let grant = TrainingGrant {
            training: "dementia_basics".into(),
            mode: GrantMode::AllSessions,
            validity_months: Some(24),
        };
        assert!(check_grant(EventKind::ThemeTraining, Some(&grant)).is_ok());
        assert!(check_grant(EventKind::Recognition, Some(&grant)).is_err());
        assert!(check_grant(EventKind::Recognition, None).is_ok());
    }

    #[test]
    fn the_lifecycle_is_followed() {
        let facts = TransitionFacts {
            last_session_starts_at: at(10, 17),
            audience_empty: false,
            attendance_missing: 0,
            now: at(4, 12),
        };
        use EventStatus as S;
        assert!(check_transition(S::Draft, S::Published, facts).is_ok());
        assert_eq!(
            check_transition(
                S::Draft,
                S::Published,
                TransitionFacts {
                    audience_empty: true,
                    ..facts
                }
            ),
            Err(EventTransitionError::NobodyInvited)
        );
        assert!(matches!(
            check_transition(S::Published, S::Held, facts),
            Err(EventTransitionError::NotYetHeld { .. })
        ));
        let later = TransitionFacts {
            now: at(10, 18),
            ..facts
        };
        assert!(check_transition(S::Published, S::Held, later).is_ok());
        assert_eq!(
            check_transition(
                S::Held,
                S::Closed,
                TransitionFacts {
                    attendance_missing: 2,
                    ..later
                }
            ),
            Err(EventTransitionError::AttendanceMissing { missing: 2 })
        );
        assert!(check_transition(S::Held, S::Closed, later).is_ok());
        assert!(check_transition(S::Held, S::Cancelled, later).is_ok());
        assert!(check_transition(S::Closed, S::Cancelled, later).is_err());
        assert!(check_transition(S::Draft, S::Held, later).is_err());
        assert!(check_transition(S::Cancelled, S::Published, later).is_err());
    }

    #[test]
    fn a_full_event_waitlists_and_moves_up_in_order() {
        assert_eq!(place_for(None, 500, 1, true), InvitationStatus::Registered);
        assert_eq!(
            place_for(Some(2), 1, 1, false),
            InvitationStatus::Registered
        );
        assert_eq!(
            place_for(Some(2), 2, 1, false),
            InvitationStatus::Waitlisted
        );
        assert_eq!(place_for(Some(5), 1, 1, true), InvitationStatus::Waitlisted);
        assert_eq!(
            place_for(Some(5), 1, 5, false),
            InvitationStatus::Waitlisted
        );
        let a = InvitationId::generate();
        let b = InvitationId::generate();
        let c = InvitationId::generate();
        assert_eq!(promotions(Some(3), 2, &[(a, 1), (b, 1)]), vec![a]);
        // A group of three that does not fit holds back the single behind it.
        assert!(promotions(Some(3), 1, &[(a, 3), (b, 1)]).is_empty());
        assert_eq!(promotions(None, 100, &[(a, 3), (c, 1)]), vec![a, c]);
        // A group larger than the event holds nobody behind it.
        assert_eq!(promotions(Some(3), 0, &[(a, 4), (b, 1)]), vec![b]);
    }

    #[test]
    fn the_window_defaults_to_the_first_session() {
        let base = VolunteerEvent {
            id: VolunteerEventId::generate(),
            municipality_id: MunicipalityId::generate(),
            kind: EventKind::Social,
            title: "Julebord".into(),
            description: None,
            status: EventStatus::Published,
            capacity: None,
            registration_opens_at: None,
            registration_closes_at: None,
            audience: EventAudience::default(),
            grant: None,
            credentials_granted_at: None,
            credentials_granted_by: None,
            created_by: None,
            version: 1,
            created_at: at(1, 8),
            updated_at: at(1, 8),
        };
        assert_eq!(window(&base, at(10, 17), at(9, 12)), Window::Open);
        assert_eq!(
            window(&base, at(10, 17), at(10, 17)),
            Window::Closed(at(10, 17))
        );
        let windowed = VolunteerEvent {
            registration_opens_at: Some(at(5, 8)),
            registration_closes_at: Some(at(8, 23)),
            ..base
        };
        assert_eq!(
            window(&windowed, at(10, 17), at(4, 12)),
            Window::NotYetOpen(at(5, 8))
        );
        assert_eq!(window(&windowed, at(10, 17), at(6, 12)), Window::Open);
        assert_eq!(
            window(&windowed, at(10, 17), at(9, 12)),
            Window::Closed(at(8, 23))
        );
    }

    #[test]
    fn attendance_grants_by_mode() {
        let days = [date(2026, 12, 3), date(2026, 12, 10)];
        assert_eq!(
            completed_on(GrantMode::AllSessions, &days, &[true, true]),
            Some(date(2026, 12, 10))
        );
        assert_eq!(
            completed_on(GrantMode::AllSessions, &days, &[true, false]),
            None
        );
        assert_eq!(
            completed_on(GrantMode::AnySession, &days, &[true, false]),
            Some(date(2026, 12, 3))
        );
        assert_eq!(
            completed_on(GrantMode::AnySession, &days, &[false, false]),
            None
        );
        assert_eq!(
            credential_valid_until(date(2026, 12, 10), Some(24)),
            Some(date(2028, 12, 9))
        );
        assert_eq!(credential_valid_until(date(2026, 12, 10), None), None);
    }
}

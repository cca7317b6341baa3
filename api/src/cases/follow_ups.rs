//! Follow-ups and the contact log: coordinators add follow-ups by hand (the plan adds the
//! rest), the assignee holds them and says what came of them, a follow-up done with
//! `action_needed` opens a concern, and every contact made or tried is logged.
//!
//! Coordinators and administrators see every follow-up of their scope; a contact person those
//! assigned to them and those about the volunteers, groups and placements they are the contact
//! person of. A follow-up's note is read
//! by coordinators and its assignee only; a contact's note by coordinators and whoever logged it.

use crate::{
    access::{self, audience as staff_audience, check_in_districts, named_municipality},
    auth::StaffCaller,
    error::{ApiError, FieldError},
};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::Connection;
use samspill_domain::{
    auth::Audience,
    follow_up::{
        Contact, ContactChannel, FollowUp, FollowUpOutcome, FollowUpPurpose, FollowUpSource,
        FollowUpStatus, FollowUpStepError, FollowUpSubject, check_follow_up_step, concern_due,
    },
    ids::{FollowUpId, MunicipalityId, StaffUserId},
    user::Role,
};
use samspill_persistence::{
    PgConnection, RepoError,
    follow_ups::{self, ContactFilter, DueKey, FollowUpFilter, NewContact, NewFollowUp},
    users,
    versioned::check_version,
};
use std::collections::HashMap;
use uuid::Uuid;

/// What volunteer accounts are told where staff follow up.
pub const VOLUNTEERS_ARE_FOLLOWED_UP: &str =
    "Follow-ups and the contact log are kept by coordinators and contact persons.";

/// A follow-up as its reader may see it.
#[derive(Debug, Clone)]
pub struct FollowUpRecord {
    /// The follow-up; its note is `None` for a reader who may not read it.
    pub follow_up: FollowUp,
    /// What people call its subject.
    pub subject_name: String,
    /// The concern it opened, if it was done with `action_needed`.
    pub concern_id: Option<FollowUpId>,
}

/// A contact as its reader may see it.
#[derive(Debug, Clone)]
pub struct ContactRecord {
    /// The contact; its note is `None` for a reader who may not read it.
    pub contact: Contact,
    /// What people call its subject.
    pub subject_name: String,
}

fn audience(caller: &StaffCaller) -> Result<Audience, ApiError> {
    staff_audience(caller, VOLUNTEERS_ARE_FOLLOWED_UP)
}

/// Whether `caller` reads the note of `follow_up`: coordinators and its assignee.
fn reads_note(caller: &StaffCaller, audience: Audience, follow_up: &FollowUp) -> bool {
    audience.manages() || follow_up.assignee_id == Some(caller.id)
}

fn names(
    conn: &mut PgConnection,
    subjects: impl IntoIterator<Item = (MunicipalityId, FollowUpSubject)>,
) -> Result<HashMap<Uuid, String>, ApiError> {
    let mut by_municipality: HashMap<MunicipalityId, Vec<FollowUpSubject>> = HashMap::new();
    for (municipality, subject) in subjects {
        by_municipality
            .entry(municipality)
            .or_default()
            .push(subject);
    }
    let mut names = HashMap::new();
    for (municipality, subjects) in by_municipality {
        names.extend(follow_ups::subject_names(conn, municipality, &subjects)?);
    }
    Ok(names)
}

fn records(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    audience: Audience,
    found: Vec<FollowUp>,
) -> Result<Vec<FollowUpRecord>, ApiError> {
    let names = names(conn, found.iter().map(|f| (f.municipality_id, f.subject)))?;
    let concerns = follow_ups::concerns_of(conn, &found)?;
    Ok(found
        .into_iter()
        .map(|mut follow_up| {
            if !reads_note(caller, audience, &follow_up) {
                follow_up.note = None;
            }
            FollowUpRecord {
                subject_name: names
                    .get(&follow_up.subject.id())
                    .cloned()
                    .unwrap_or_default(),
                concern_id: concerns.get(&follow_up.id).copied(),
                follow_up,
            }
        })
        .collect())
}

fn record(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    audience: Audience,
    follow_up: FollowUp,
) -> Result<FollowUpRecord, ApiError> {
    records(conn, caller, audience, vec![follow_up])?
        .pop()
        .ok_or_else(|| ApiError::Internal("a follow-up went missing".into()))
}

/// Checks that `account` may be assigned follow-ups of `municipality`: an active coordinator
/// or contact person of it. Anything else is a 422 on `assignee_id`.
fn check_assignee(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    municipality: MunicipalityId,
    account: StaffUserId,
) -> Result<(), ApiError> {
    match users::find(conn, caller.scope(), account) {
        Ok(user)
            if user.active
                && matches!(user.role, Role::Coordinator | Role::ContactPerson)
                && user.municipality_id == Some(municipality) =>
        {
            Ok(())
        }
        Ok(_) | Err(RepoError::NotFound) => Err(ApiError::invalid(
            "assignee_id",
            "not_found",
            "no active coordinator or contact person account with this id in the municipality",
        )),
        Err(other) => Err(other.into()),
    }
}

fn check_subject(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    subject: FollowUpSubject,
) -> Result<(), ApiError> {
    if follow_ups::subject_exists(conn, municipality, subject)? {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "subject_id",
            "not_found",
            format!("no {} with this id in the municipality", subject.kind()),
        ))
    }
}

/// A follow-up to add by hand.
#[derive(Debug, Clone)]
pub struct FollowUpDraft {
    /// The municipality.
    pub municipality_id: MunicipalityId,
    /// Who or what it is about.
    pub subject: FollowUpSubject,
    /// Why.
    pub purpose: FollowUpPurpose,
    /// How.
    pub channel: ContactChannel,
    /// By when.
    pub due_on: NaiveDate,
    /// Whose list it goes on.
    pub assignee_id: Option<StaffUserId>,
    /// A note.
    pub note: Option<String>,
}

/// Adds a follow-up by hand (coordinators and administrators).
pub fn create(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    draft: FollowUpDraft,
) -> Result<FollowUpRecord, ApiError> {
    caller.require_manager()?;
    conn.transaction(|conn| {
        named_municipality(conn, caller.scope(), draft.municipality_id)?;
        check_subject(conn, draft.municipality_id, draft.subject)?;
        check_in_districts(conn, caller, &[draft.subject.id()], "subject_id")?;
        if let Some(assignee) = draft.assignee_id {
            check_assignee(conn, caller, draft.municipality_id, assignee)?;
        }
        let made = follow_ups::insert(
            conn,
            &NewFollowUp {
                municipality_id: draft.municipality_id,
                subject: draft.subject,
                purpose: draft.purpose,
                channel: draft.channel,
                due_on: draft.due_on,
                assignee_id: draft.assignee_id,
                note: draft.note,
                source: FollowUpSource::Manual,
                raised_by_id: None,
                created_by: Some(caller.id),
            },
        )?;
        crate::metrics::follow_up_event("added", 1);
        record(conn, caller, access::managed(caller)?, made)
    })
}

/// One follow-up the caller sees.
pub fn get(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: FollowUpId,
) -> Result<FollowUpRecord, ApiError> {
    let audience = audience(caller)?;
    let found = follow_ups::find(conn, caller.scope(), audience, id)?;
    record(conn, caller, audience, found)
}

/// A page of the follow-ups the caller sees, earliest due first.
pub fn list(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    filter: &FollowUpFilter,
    after: Option<DueKey>,
    limit: i64,
) -> Result<(Vec<FollowUpRecord>, Option<DueKey>), ApiError> {
    let audience = audience(caller)?;
    let (found, next) = follow_ups::list(conn, caller.scope(), audience, filter, after, limit)?;
    Ok((records(conn, caller, audience, found)?, next))
}

/// A change to a follow-up; `None` keeps a value.
#[derive(Debug, Clone, Default)]
pub struct FollowUpEdit {
    /// Another channel.
    pub channel: Option<ContactChannel>,
    /// Another due date.
    pub due_on: Option<NaiveDate>,
    /// Another assignee, or nobody (coordinators only).
    pub assignee_id: Option<Option<StaffUserId>>,
    /// Another note, or none.
    pub note: Option<Option<String>>,
    /// Done, missed or cancelled.
    pub status: Option<FollowUpStatus>,
    /// What came of it (with `status` `done`).
    pub outcome: Option<FollowUpOutcome>,
}

fn step_error(error: FollowUpStepError) -> ApiError {
    match error {
        FollowUpStepError::Closed(status) => ApiError::Conflict {
            detail: format!("The follow-up is {status}; add a new one instead."),
            errors: vec![FieldError::new(
                "status",
                "closed",
                format!("the follow-up is {status}"),
            )],
        },
        FollowUpStepError::NotAStep => ApiError::invalid(
            "status",
            "not_allowed",
            "a follow-up goes to done, missed or cancelled",
        ),
        FollowUpStepError::OutcomeMissing => ApiError::invalid(
            "outcome",
            "required",
            "say what came of it: ok, concern or action_needed",
        ),
        FollowUpStepError::OutcomeNotHeld => ApiError::invalid(
            "outcome",
            "not_allowed",
            "only a follow-up that was done has an outcome",
        ),
    }
}

/// Changes a follow-up: coordinators any part of it, the assignee all but who it is assigned
/// to. A closed follow-up keeps everything but its note (409). Done with `action_needed`
/// opens a `concern` follow-up of the same subject for the same assignee, due in a week.
pub fn update(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: FollowUpId,
    expected: Option<i32>,
    edit: FollowUpEdit,
    now: DateTime<Utc>,
) -> Result<FollowUpRecord, ApiError> {
    let audience = audience(caller)?;
    let manager = audience.manages();
    let today = now.date_naive();
    conn.transaction(|conn| {
        let current = follow_ups::locked(conn, caller.scope(), audience, id)?;
        if !manager && current.assignee_id != Some(caller.id) {
            return Err(ApiError::forbidden(
                "Only coordinators and the follow-up's assignee change it.",
            ));
        }
        if !manager && edit.assignee_id.is_some() {
            return Err(ApiError::forbidden("Only coordinators assign follow-ups."));
        }
        let mut next = current.clone();
        let only_note = edit.channel.is_none()
            && edit.due_on.is_none()
            && edit.assignee_id.is_none()
            && edit.status.is_none()
            && edit.outcome.is_none();
        if current.status != FollowUpStatus::Scheduled && !only_note {
            return Err(step_error(FollowUpStepError::Closed(current.status)));
        }
        if let Some(channel) = edit.channel {
            next.channel = channel;
        }
        if let Some(due_on) = edit.due_on {
            next.due_on = due_on;
        }
        if let Some(assignee) = edit.assignee_id {
            if let Some(account) = assignee {
                check_assignee(conn, caller, current.municipality_id, account)?;
            }
            next.assignee_id = assignee;
        }
        if let Some(note) = edit.note {
            next.note = note;
        }
        let mut concern = None;
        match (edit.status, edit.outcome) {
            (Some(to), outcome) => {
                check_follow_up_step(current.status, to, outcome).map_err(step_error)?;
                next.status = to;
                next.outcome = outcome;
                next.closed_at = Some(now);
                next.closed_by = Some(caller.id);
                concern = concern_due(to, outcome, today);
            }
            (None, Some(_)) => {
                return Err(ApiError::invalid(
                    "outcome",
                    "not_allowed",
                    "an outcome is given with status done",
                ));
            }
            (None, None) => {}
        }
        // The change is judged before its If-Match, as everywhere.
        check_version(current.version, expected)?;
        let saved = follow_ups::save(conn, &next)?;
        if let Some(due_on) = concern {
            follow_ups::insert(
                conn,
                &NewFollowUp {
                    municipality_id: saved.municipality_id,
                    subject: saved.subject,
                    purpose: FollowUpPurpose::Concern,
                    channel: saved.channel,
                    due_on,
                    assignee_id: saved.assignee_id,
                    note: None,
                    source: FollowUpSource::Outcome,
                    raised_by_id: Some(saved.id),
                    created_by: Some(caller.id),
                },
            )?;
            crate::metrics::follow_up_event("concern_opened", 1);
        }
        if let Some(to) = edit.status {
            crate::metrics::follow_up_event(to.as_str(), 1);
        }
        record(conn, caller, audience, saved)
    })
}

/// A contact to log: under a follow-up (its subject is the follow-up's) or about a subject.
#[derive(Debug, Clone)]
pub struct ContactDraft {
    /// The municipality, when no follow-up names it.
    pub municipality_id: Option<MunicipalityId>,
    /// The follow-up it was made for.
    pub follow_up_id: Option<FollowUpId>,
    /// Who or what it was about, when not under a follow-up.
    pub subject: Option<FollowUpSubject>,
    /// When.
    pub occurred_at: DateTime<Utc>,
    /// Who was reached or tried.
    pub counterpart: String,
    /// How.
    pub channel: ContactChannel,
    /// Whether anyone was reached.
    pub reached: bool,
    /// How long, in minutes.
    pub duration_minutes: Option<i32>,
    /// A note.
    pub note: Option<String>,
}

/// Logs a contact. Coordinators log any; a contact person logs those under the follow-ups
/// assigned to them and those about the volunteers, groups and placements they are the contact
/// person of.
pub fn log_contact(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    draft: ContactDraft,
) -> Result<ContactRecord, ApiError> {
    let audience = audience(caller)?;
    let manager = audience.manages();
    conn.transaction(|conn| {
        let (municipality, subject) = match (draft.follow_up_id, draft.subject) {
            (Some(follow_up), subject) => {
                let found = match follow_ups::find(conn, caller.scope(), audience, follow_up) {
                    Err(RepoError::NotFound) => {
                        return Err(ApiError::invalid(
                            "follow_up_id",
                            "not_found",
                            "no follow-up with this id that you see",
                        ));
                    }
                    other => other?,
                };
                if !manager && found.assignee_id != Some(caller.id) {
                    return Err(ApiError::forbidden(
                        "Only coordinators and the follow-up's assignee log contacts under it.",
                    ));
                }
                if subject.is_some_and(|s| s != found.subject) {
                    return Err(ApiError::invalid(
                        "subject_id",
                        "mismatch",
                        "a contact under a follow-up is about the follow-up's subject; leave subject out",
                    ));
                }
                (found.municipality_id, found.subject)
            }
            (None, Some(subject)) => {
                let municipality = draft.municipality_id.ok_or_else(|| {
                    ApiError::invalid(
                        "municipality_id",
                        "required",
                        "administrators must name the municipality",
                    )
                })?;
                named_municipality(conn, caller.scope(), municipality)?;
                // Whom a contact person answers for is asked before whether the subject exists,
                // so that a refusal tells them nothing about records they do not see.
                if !manager && !follow_ups::answers_for(conn, municipality, subject, caller.id)? {
                    return Err(ApiError::forbidden(
                        "Contact persons log contacts with the volunteers, groups and placements \
                         they are the contact person of, and under the follow-ups assigned to them.",
                    ));
                }
                check_subject(conn, municipality, subject)?;
                check_in_districts(conn, caller, &[subject.id()], "subject_id")?;
                (municipality, subject)
            }
            (None, None) => {
                return Err(ApiError::invalid(
                    "follow_up_id",
                    "required",
                    "name the follow-up, or the subject and subject_id the contact was about",
                ));
            }
        };
        let logged = follow_ups::log_contact(
            conn,
            &NewContact {
                municipality_id: municipality,
                follow_up_id: draft.follow_up_id,
                subject,
                occurred_at: draft.occurred_at,
                counterpart: draft.counterpart,
                channel: draft.channel,
                reached: draft.reached,
                duration_minutes: draft.duration_minutes,
                note: draft.note,
                logged_by: caller.id,
            },
        )?;
        crate::metrics::follow_up_event(
            if logged.reached {
                "contact_reached"
            } else {
                "contact_not_reached"
            },
            1,
        );
        contact_records(conn, caller, audience, vec![logged])?
            .pop()
            .ok_or_else(|| ApiError::Internal("a contact went missing".into()))
    })
}

fn contact_records(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    audience: Audience,
    found: Vec<Contact>,
) -> Result<Vec<ContactRecord>, ApiError> {
    let names = names(conn, found.iter().map(|c| (c.municipality_id, c.subject)))?;
    Ok(found
        .into_iter()
        .map(|mut contact| {
            if !audience.manages() && contact.logged_by != caller.id {
                contact.note = None;
            }
            ContactRecord {
                subject_name: names
                    .get(&contact.subject.id())
                    .cloned()
                    .unwrap_or_default(),
                contact,
            }
        })
        .collect())
}

/// A page of the contact log the caller sees, newest first.
pub fn contacts(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    filter: &ContactFilter,
    after: Option<Uuid>,
    limit: i64,
) -> Result<(Vec<ContactRecord>, Option<Uuid>), ApiError> {
    let audience = audience(caller)?;
    let (found, next) = follow_ups::contacts(conn, caller.scope(), audience, filter, after, limit)?;
    Ok((contact_records(conn, caller, audience, found)?, next))
}

//! Placements: made only when the clearance engine says the volunteer or group is cleared,
//! moved through their lifecycle (every step into `active` asks clearance again), kept true
//! over time by the re-check that suspends those no longer cleared.
//!
//! The answer that allowed a placement is kept with it as clients see it; how it is shown is
//! the routes' concern, so the use cases take a [`Render`] from them.

use crate::{
    access::named_municipality,
    auth::StaffCaller,
    cases::clearance::{ask_group, ask_volunteer},
    cases::visits::{generate_for_schedule, zone_of},
    error::ApiError,
};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::Connection;
use samspill_domain::{
    auth::{Audience, TenantScope},
    clearance::{
        Clearance, ClearanceQuestion, RequirementResult, RequirementState, TargetGroup,
        default_dog_category,
    },
    contact::ContactPersonKind,
    group_clearance::GroupClearance,
    ids::{ContactPersonId, DogId, GroupId, MunicipalityId, PlacementId, StaffUserId, VolunteerId},
    placement::{
        Place, Placed, Placement, PlacementStatus, PlacementStepError, StepNeeds, check_step,
        suspends_when_not_cleared,
    },
    user::Role,
    visit::VisitFlag,
};
use samspill_persistence::{
    PgConnection, RepoError, contact_persons, municipalities,
    placements::{self, Checked, NewPlacement, PlacementChanges, PlacementRecord},
    recipients, units, users, visits,
};

/// A clearance answer about whoever a placement places, with the question asked.
#[derive(Debug, Clone)]
pub enum Answer {
    /// About a volunteer.
    Volunteer(VolunteerId, ClearanceQuestion, Clearance),
    /// About a group.
    Group(GroupId, ClearanceQuestion, GroupClearance),
}

impl Answer {
    /// Whether the volunteer or group is cleared.
    pub fn cleared(&self) -> bool {
        match self {
            Answer::Volunteer(_, _, answer) => answer.cleared,
            Answer::Group(_, _, answer) => answer.cleared,
        }
    }

    /// The first day after the date asked about on which the answer may change by date alone.
    pub fn changes_on(&self) -> Option<NaiveDate> {
        match self {
            Answer::Volunteer(_, _, answer) => answer.changes_on,
            Answer::Group(_, _, answer) => answer.changes_on,
        }
    }

    /// The strict requirements that are not met, by code.
    pub fn missing(&self) -> Vec<String> {
        let blocking = |r: &RequirementResult| {
            r.strict
                && matches!(
                    r.state,
                    RequirementState::Missing | RequirementState::Expired
                )
        };
        let mut missing: Vec<String> = match self {
            Answer::Volunteer(_, _, answer) => answer
                .requirements
                .iter()
                .filter(|r| blocking(r))
                .map(|r| r.requirement.to_string())
                .collect(),
            Answer::Group(_, _, answer) => answer
                .requirements
                .iter()
                .chain(answer.members.iter().flat_map(|m| m.requirements.iter()))
                .filter(|r| blocking(r))
                .map(|r| r.requirement.to_string())
                .collect(),
        };
        missing.dedup();
        missing
    }
}

/// How an answer is shown to clients (and kept with the placement).
pub type Render = fn(&Answer) -> serde_json::Value;

/// The question a placement asks on `on`.
fn question(
    activity_kind: &str,
    place: Place,
    target_group: TargetGroup,
    dog: Option<DogId>,
    on: NaiveDate,
) -> ClearanceQuestion {
    let setting = place.setting();
    ClearanceQuestion {
        activity_kind: activity_kind.to_owned(),
        setting,
        target_group,
        dog,
        dog_category: default_dog_category(setting),
        on,
    }
}

/// Asks the clearance engine about `placed` in `scope`.
fn ask(
    conn: &mut PgConnection,
    scope: TenantScope,
    placed: Placed,
    question: ClearanceQuestion,
) -> Result<Answer, ApiError> {
    match placed {
        Placed::Volunteer(id) => {
            let answer = ask_volunteer(conn, scope, Audience::Everyone, id, &question)?;
            Ok(Answer::Volunteer(id, question, answer))
        }
        Placed::Group(id, _) => {
            let answer = ask_group(conn, scope, id, &question)?;
            Ok(Answer::Group(id, question, answer))
        }
    }
}

/// Asks again about a stored placement, for its first day or `today` once that has passed.
fn ask_again(
    conn: &mut PgConnection,
    placement: &Placement,
    today: NaiveDate,
) -> Result<Answer, ApiError> {
    let asked = question(
        &placement.activity_kind,
        placement.place,
        placement.target_group,
        placement.dog_id,
        placement.clearance_date(today),
    );
    ask(
        conn,
        TenantScope::Municipality(placement.municipality_id),
        placement.placed,
        asked,
    )
}

/// The answer, or a 409 carrying it when it does not clear.
fn cleared(answer: Answer, render: Render) -> Result<(Answer, serde_json::Value), ApiError> {
    let shown = render(&answer);
    if answer.cleared() {
        Ok((answer, shown))
    } else {
        Err(ApiError::NotCleared {
            missing: answer.missing(),
            clearance: shown,
        })
    }
}

/// A placement as asked for (values parsed by the route).
#[derive(Debug, Clone)]
pub struct PlacementDraft {
    /// The municipality.
    pub municipality_id: MunicipalityId,
    /// Who.
    pub placed: Placed,
    /// Where.
    pub place: Place,
    /// The activity kind.
    pub activity_kind: String,
    /// With whom.
    pub target_group: TargetGroup,
    /// The dog that comes along.
    pub dog_id: Option<DogId>,
    /// The responsible coordinator; the calling coordinator when not named.
    pub coordinator_id: Option<StaffUserId>,
    /// The unit's contact person.
    pub contact_person_id: Option<ContactPersonId>,
    /// The first day.
    pub starts_on: NaiveDate,
    /// The last day.
    pub ends_on: Option<NaiveDate>,
    /// What it is about.
    pub description: Option<String>,
}

/// Checks that the place exists in the municipality (422 on its field otherwise) and, for a
/// person visited at home, that they still accept visits.
fn check_place(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    place: Place,
) -> Result<(), ApiError> {
    let scope = TenantScope::Municipality(municipality);
    match place {
        Place::Unit(id) => match units::find(conn, scope, id) {
            Ok(_) => Ok(()),
            Err(RepoError::NotFound) => Err(ApiError::invalid(
                "unit_id",
                "not_found",
                "no unit with this id in the municipality",
            )),
            Err(other) => Err(other.into()),
        },
        Place::Recipient(id) => match recipients::find(conn, scope, id) {
            Ok(found) if found.active => Ok(()),
            Ok(_) => Err(ApiError::invalid(
                "recipient_id",
                "inactive",
                "this person no longer accepts visits (active is false)",
            )),
            Err(RepoError::NotFound) => Err(ApiError::invalid(
                "recipient_id",
                "not_found",
                "no recipient with this id in the municipality",
            )),
            Err(other) => Err(other.into()),
        },
    }
}

/// The responsible coordinator: a named active coordinator of the municipality, or the calling
/// coordinator. Administrators name one.
fn coordinator(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    municipality: MunicipalityId,
    named: Option<StaffUserId>,
) -> Result<StaffUserId, ApiError> {
    let Some(id) = named.or((caller.role == Role::Coordinator).then_some(caller.id)) else {
        return Err(ApiError::invalid(
            "coordinator_id",
            "required",
            "administrators name the responsible coordinator",
        ));
    };
    match users::find(conn, TenantScope::Municipality(municipality), id) {
        Ok(user) if user.active && user.role == Role::Coordinator => Ok(id),
        Ok(_) | Err(RepoError::NotFound) => Err(ApiError::invalid(
            "coordinator_id",
            "not_found",
            "no active coordinator with this id in the municipality",
        )),
        Err(other) => Err(other.into()),
    }
}

/// A contact person for the unit: an active staff contact person of the municipality.
fn check_contact_person(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    id: ContactPersonId,
) -> Result<(), ApiError> {
    match contact_persons::find(conn, TenantScope::Municipality(municipality), id) {
        Ok(found) if found.active && found.kind == ContactPersonKind::Staff => Ok(()),
        Ok(_) | Err(RepoError::NotFound) => Err(ApiError::invalid(
            "contact_person_id",
            "not_found",
            "no active staff contact person with this id in the municipality",
        )),
        Err(other) => Err(other.into()),
    }
}

/// Whoever is placed must exist in the municipality: 422 on their field otherwise.
fn placed_field(error: ApiError, placed: Placed) -> ApiError {
    match error {
        ApiError::NotFound => match placed {
            Placed::Volunteer(_) => ApiError::invalid(
                "volunteer_id",
                "not_found",
                "no volunteer with this id in the municipality",
            ),
            Placed::Group(..) => ApiError::invalid(
                "group_id",
                "not_found",
                "no group with this id in the municipality",
            ),
        },
        other => other,
    }
}

/// Makes a placement as `proposed` when the clearance engine clears the volunteer or group for
/// it on its first day (or today, once that has passed); 409 with the whole answer otherwise.
pub fn create(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    draft: PlacementDraft,
    today: NaiveDate,
    render: Render,
) -> Result<PlacementRecord, ApiError> {
    conn.transaction::<_, ApiError, _>(|conn| {
        let municipality = named_municipality(conn, caller.scope(), draft.municipality_id)?;
        let tenant = TenantScope::Municipality(municipality.id);
        check_place(conn, municipality.id, draft.place)?;
        let coordinator_id = coordinator(conn, caller, municipality.id, draft.coordinator_id)?;
        if let Some(contact) = draft.contact_person_id {
            check_contact_person(conn, municipality.id, contact)?;
        }
        let on = draft.starts_on.max(today);
        let asked = question(
            &draft.activity_kind,
            draft.place,
            draft.target_group,
            draft.dog_id,
            on,
        );
        let answer =
            ask(conn, tenant, draft.placed, asked).map_err(|e| placed_field(e, draft.placed))?;
        let (answer, shown) = cleared(answer, render)?;
        Ok(placements::insert(
            conn,
            &NewPlacement {
                municipality_id: municipality.id,
                placed: draft.placed,
                place: draft.place,
                activity_kind: draft.activity_kind,
                target_group: draft.target_group,
                dog_id: draft.dog_id,
                coordinator_id,
                contact_person_id: draft.contact_person_id,
                starts_on: draft.starts_on,
                ends_on: draft.ends_on,
                description: draft.description,
                clearance: shown,
                checked_on: today,
                changes_on: answer.changes_on(),
            },
            caller.id,
            "proposed",
        )?)
    })
}

/// What a change to a placement asks for.
#[derive(Debug, Clone, Default)]
pub struct PlacementEdit {
    /// Another responsible coordinator.
    pub coordinator_id: Option<StaffUserId>,
    /// Another contact person, or none.
    pub contact_person_id: Option<Option<ContactPersonId>>,
    /// Another last day, or none.
    pub ends_on: Option<Option<NaiveDate>>,
    /// Another description, or none.
    pub description: Option<Option<String>>,
}

/// Changes what may change without asking clearance again: the people who answer for it, its
/// last day and its description. An ended placement does not change (409).
pub fn update(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: PlacementId,
    expected_version: Option<i32>,
    edit: PlacementEdit,
) -> Result<PlacementRecord, ApiError> {
    placements::update(
        conn,
        caller.scope(),
        id,
        expected_version,
        |conn, current| {
            if current.status == PlacementStatus::Ended {
                return Err(ApiError::Conflict {
                    detail: "An ended placement does not change.".to_owned(),
                    errors: Vec::new(),
                });
            }
            let municipality = current.municipality_id;
            if let Some(named) = edit.coordinator_id {
                coordinator(conn, caller, municipality, Some(named))?;
            }
            if let Some(Some(contact)) = edit.contact_person_id {
                check_contact_person(conn, municipality, contact)?;
            }
            if let Some(Some(ends_on)) = edit.ends_on
                && ends_on < current.starts_on
            {
                return Err(ApiError::invalid(
                    "ends_on",
                    "before_start",
                    "the last day must not be before the first",
                ));
            }
            Ok(PlacementChanges {
                coordinator_id: edit.coordinator_id,
                contact_person_id: edit.contact_person_id,
                ends_on: edit.ends_on,
                description: edit.description,
            })
        },
    )
}

fn step_refused(error: PlacementStepError) -> ApiError {
    ApiError::Conflict {
        detail: error.to_string(),
        errors: vec![crate::error::FieldError::new(
            "to",
            match error {
                PlacementStepError::NotAllowed { .. } => "not_allowed",
                PlacementStepError::SuspendedByService => "suspended_by_service",
                PlacementStepError::FirstVisitNotCompleted => "first_visit_not_completed",
            },
            error.to_string(),
        )],
    }
}

/// Moves a placement as a coordinator asks. Every step into `active` asks the clearance engine
/// for the placement's first day (or today) and keeps the answer; a private-home placement
/// becomes active only after its accompanied first visit. Ending a placement cancels its
/// planned visits; resuming it clears their flags.
#[expect(
    clippy::too_many_arguments,
    reason = "a transition names the placement, the step, its reason, the time and how answers are shown"
)]
pub fn transition(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: PlacementId,
    expected_version: Option<i32>,
    to: PlacementStatus,
    reason: &str,
    now: DateTime<Utc>,
    render: Render,
) -> Result<PlacementRecord, ApiError> {
    conn.transaction::<_, ApiError, _>(|conn| {
        let current = placements::locked(conn, caller.scope(), id)?.placement;
        if let Some(expected) = expected_version
            && expected != current.version
        {
            return Err(ApiError::PreconditionFailed {
                current_version: current.version,
            });
        }
        let mut visit_check_error = None;
        let needs = check_step(current.status, to, current.setting(), || {
            placements::first_visit_done(conn, &current).unwrap_or_else(|e| {
                visit_check_error = Some(e);
                false
            })
        });
        if let Some(error) = visit_check_error {
            return Err(error.into());
        }
        let today = now.date_naive();
        let kept = match needs.map_err(step_refused)? {
            StepNeeds::Nothing => None,
            StepNeeds::Clearance => Some(cleared(ask_again(conn, &current, today)?, render)?),
        };
        let record = placements::set_status(
            conn,
            &current,
            to,
            reason,
            Some(caller.id),
            kept.as_ref().map(|(answer, shown)| Checked {
                answer: shown,
                on: current.clearance_date(today),
                changes_on: answer.changes_on(),
            }),
        )?;
        match to {
            PlacementStatus::Ended => {
                visits::cancel_planned(
                    conn,
                    &current,
                    now,
                    "the placement ended",
                    Some(caller.id),
                )?;
            }
            PlacementStatus::Active if current.status == PlacementStatus::Suspended => {
                visits::flag_planned(conn, &current, now, None)?;
            }
            _ => {}
        }
        Ok(record)
    })
}

/// What the service says when it suspends a placement.
fn suspension_reason(missing: &[String]) -> String {
    if missing.is_empty() {
        "clearance no longer holds".to_owned()
    } else {
        format!("clearance no longer holds: {} not met", missing.join(", "))
    }
}

/// Checks the running placements that are due (their last answer may have changed by date, or
/// their volunteer's or group's facts changed since): those no longer cleared are suspended with the reason and
/// their planned visits flagged. At most `batch` placements a call; returns how many were
/// suspended. Safe with several instances: due placements are claimed with `SKIP LOCKED`.
pub fn recheck(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    batch: i32,
    render: Render,
) -> Result<usize, ApiError> {
    let today = now.date_naive();
    let due = placements::due_for_recheck(conn, today, batch)?;
    let mut suspended = 0;
    for record in due {
        let current: Placement = record.placement;
        debug_assert!(suspends_when_not_cleared(current.status));
        let outcome = ask_again(conn, &current, today);
        let (reason, shown, changes_on) = match outcome {
            Ok(answer) if answer.cleared() => {
                placements::mark_checked(conn, &current, today, answer.changes_on())?;
                continue;
            }
            Ok(answer) => (
                suspension_reason(&answer.missing()),
                Some(render(&answer)),
                answer.changes_on(),
            ),
            // The volunteer or group is gone (erased), or the dog is.
            Err(ApiError::NotFound) => (
                "the volunteer or group is no longer on record".to_owned(),
                None,
                None,
            ),
            Err(ApiError::Validation(errors)) => (
                format!(
                    "clearance cannot be asked: {}",
                    errors
                        .iter()
                        .map(|e| format!("{} {}", e.field, e.message))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                None,
                None,
            ),
            Err(other) => return Err(other),
        };
        placements::set_status(
            conn,
            &current,
            PlacementStatus::Suspended,
            &reason,
            None,
            shown.as_ref().map(|answer| Checked {
                answer,
                on: current.clearance_date(today),
                changes_on,
            }),
        )?;
        visits::flag_planned(conn, &current, now, Some(VisitFlag::PlacementSuspended))?;
        suspended += 1;
    }
    Ok(suspended)
}

/// Generates the planned visits of schedules that are behind the horizon (at most `batch`
/// schedules a call); returns how many visits were added.
pub fn generate_visits(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    batch: i32,
) -> Result<usize, ApiError> {
    let today = now.date_naive();
    let behind = placements::schedules_behind(conn, today, batch)?;
    let mut added = 0;
    let mut known: Vec<samspill_domain::municipality::Municipality> = Vec::new();
    for schedule in behind {
        let municipality = match known.iter().find(|m| m.id == schedule.municipality_id) {
            Some(found) => found.clone(),
            None => {
                let found = municipalities::find(conn, TenantScope::All, schedule.municipality_id)?;
                known.push(found.clone());
                found
            }
        };
        let placement = placements::find(
            conn,
            TenantScope::Municipality(municipality.id),
            Audience::Everyone,
            schedule.placement_id,
        )?
        .placement;
        added += generate_for_schedule(
            conn,
            &placement,
            &schedule,
            &zone_of(&municipality),
            municipality.settings.visit_horizon_weeks,
            now,
        )?;
    }
    Ok(added)
}

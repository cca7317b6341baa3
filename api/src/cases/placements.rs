//! Placements: made only when the clearance engine says the volunteer or group is cleared,
//! moved through their lifecycle (every step into `active` asks clearance again), kept true
//! over time by the re-check that suspends those no longer cleared.
//!
//! The answer that allowed a placement is kept with it as clients see it; how it is shown is
//! the routes' concern, so the use cases take a [`Render`] from them.

use crate::{
    access::{check_in_districts, check_staff_contact, named_municipality},
    auth::StaffCaller,
    cases::clearance::{ask_group, ask_volunteer},
    cases::visits::plan,
    error::{ApiError, FieldError},
};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::Connection;
use samspill_domain::{
    auth::{Audience, TenantScope},
    clearance::{
        Clearance, ClearanceQuestion, RequirementResult, RequirementState, TargetGroup,
        default_dog_category,
    },
    group_clearance::GroupClearance,
    ids::{
        ContactPersonId, DogId, GroupId, MunicipalityId, NeedId, PlacementId, StaffUserId,
        VolunteerId,
    },
    placement::{
        Place, Placed, Placement, PlacementStatus, PlacementStepError, StepNeeds, check_dates,
        check_step, suspends_when_not_cleared,
    },
    user::Role,
    visit::VisitFlag,
};
use samspill_persistence::{
    PgConnection, RepoError, municipalities,
    placements::{self, Checked, NewPlacement, PlacementChanges, PlacementRecord},
    recipients, units, users,
    versioned::check_version,
    visits,
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
        let mut once = Vec::with_capacity(missing.len());
        for code in missing.drain(..) {
            if !once.contains(&code) {
                once.push(code);
            }
        }
        once
    }
}

/// How an answer is shown to clients (and kept with the placement).
pub type Render = fn(&Answer) -> serde_json::Value;

/// The question a placement asks on `on`.
pub fn question(
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
            let answer = ask_group(conn, scope, Audience::Everyone, id, &question)?;
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
    /// The need it is made from.
    pub need_id: Option<NeedId>,
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
        // A district coordinator places their districts' volunteers and groups: the clearance
        // answer (kept on the placement) is about them. Someone from another district is placed
        // by a municipality-wide coordinator, and the placement is then seen at its unit too.
        let (placed, field) = match draft.placed {
            Placed::Volunteer(id) => (id.into_uuid(), "volunteer_id"),
            Placed::Group(id, _) => (id.into_uuid(), "group_id"),
        };
        check_in_districts(conn, caller, &[placed], field)?;
        // A home visited is one of theirs too; a unit may be anywhere in the municipality.
        if let Place::Recipient(id) = draft.place {
            check_in_districts(conn, caller, &[id.into_uuid()], "recipient_id")?;
        }
        check_place(conn, municipality.id, draft.place)?;
        let coordinator_id = coordinator(conn, caller, municipality.id, draft.coordinator_id)?;
        if let Some(contact) = draft.contact_person_id {
            check_staff_contact(conn, municipality.id, contact, "contact_person_id")?;
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
                need_id: draft.need_id,
                clearance: shown,
                checked_on: today,
                changes_on: answer.changes_on(),
            },
            caller.id,
            "proposed",
        )?)
    })
}

/// Changes what may change without asking clearance again: the people who answer for it, its
/// last day and its description. An ended placement does not change (409). A last day moved
/// earlier cancels the planned visits after it; moved later (or cleared), the schedules plan
/// ahead again.
pub fn update(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: PlacementId,
    expected_version: Option<i32>,
    changes: PlacementChanges,
    now: DateTime<Utc>,
) -> Result<PlacementRecord, ApiError> {
    conn.transaction(|conn| {
        placements::find(conn, caller.scope(), crate::access::managed(caller)?, id)?;
        let mut before = None;
        let updated = placements::update(
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
                if let Some(named) = changes.coordinator_id {
                    coordinator(conn, caller, municipality, Some(named))?;
                }
                if let Some(Some(contact)) = changes.contact_person_id {
                    check_staff_contact(conn, municipality, contact, "contact_person_id")?;
                }
                if let Some(ends_on) = changes.ends_on {
                    check_dates(current.starts_on, ends_on).map_err(|e| {
                        ApiError::Validation(vec![FieldError::parse("ends_on", &e)])
                    })?;
                }
                before = Some(current.ends_on);
                Ok(changes.clone())
            },
        )?;
        let placement = &updated.placement;
        let Some(old) = before else {
            return Ok(updated);
        };
        let earlier = match (old, placement.ends_on) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(old), Some(new)) => new < old,
        };
        let later = match (old, placement.ends_on) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(old), Some(new)) => new > old,
        };
        if let (true, Some(last)) = (earlier, placement.ends_on) {
            visits::drop_after(
                conn,
                placement,
                last,
                "after the placement's last day",
                caller.id,
            )?;
        }
        if later {
            let municipality =
                municipalities::find(conn, TenantScope::All, placement.municipality_id)?;
            for schedule in placements::replan(conn, placement)? {
                plan(conn, placement, &schedule, &municipality, now)?;
            }
        }
        Ok(updated)
    })
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
        placements::find(conn, caller.scope(), crate::access::managed(caller)?, id)?;
        let current = placements::locked(conn, caller.scope(), id)?.placement;
        check_version(current.version, expected_version)?;
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
            StepNeeds::Clearance => {
                check_place(conn, current.municipality_id, current.place)?;
                Some(cleared(ask_again(conn, &current, today)?, render)?)
            }
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
            PlacementStatus::Active => {
                visits::flag_planned(conn, &current, now, None)?;
            }
            PlacementStatus::Paused => {
                visits::flag_planned(conn, &current, now, Some(VisitFlag::PlacementPaused))?;
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

/// Keeps placements true to clearance: ends those whose last day has passed, then checks
/// those that are due (not checked today, their last answer may have changed by date, or their
/// volunteer's or group's facts changed since). One no longer cleared is suspended with the
/// reason and its planned visits flagged. At most `batch` placements a call, each in its own
/// savepoint: one that fails is logged and left for the next run, the others go on. Returns how
/// many placements were ended or suspended. Safe with several instances: rows are claimed with
/// `SKIP LOCKED`.
pub fn recheck(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    batch: i32,
    render: Render,
) -> Result<usize, ApiError> {
    let today = now.date_naive();
    let mut changed = 0;
    for record in placements::past_their_end(conn, today, i64::from(batch))? {
        let current = record.placement;
        let ended = conn.transaction(|conn| {
            placements::set_status(
                conn,
                &current,
                PlacementStatus::Ended,
                "its last day has passed",
                None,
                None,
            )?;
            visits::cancel_planned(conn, &current, now, "the placement ended", None)
        });
        match ended {
            Ok(_) => changed += 1,
            Err(error) => {
                tracing::warn!(placement = %current.id, %error, "could not end a placement");
            }
        }
    }
    for record in placements::due_for_recheck(conn, today, batch)? {
        let current = record.placement;
        match conn.transaction(|conn| check_one(conn, &current, now, render)) {
            Ok(true) => changed += 1,
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(placement = %current.id, %error, "could not re-check a placement");
            }
        }
    }
    Ok(changed)
}

/// Checks one due placement; `true` when it was suspended.
fn check_one(
    conn: &mut PgConnection,
    current: &Placement,
    now: DateTime<Utc>,
    render: Render,
) -> Result<bool, ApiError> {
    let today = now.date_naive();
    debug_assert!(suspends_when_not_cleared(current.status));
    let (reason, shown, changes_on) = match ask_again(conn, current, today) {
        Ok(answer) if answer.cleared() => {
            placements::mark_checked(conn, current, today, answer.changes_on())?;
            return Ok(false);
        }
        Ok(answer) => (
            suspension_reason(&answer.missing()),
            render(&answer),
            answer.changes_on(),
        ),
        // The volunteer or group is gone (erased), or the dog is.
        Err(ApiError::NotFound) => (
            "the volunteer or group is no longer on record".to_owned(),
            serde_json::json!({"cleared": false}),
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
            serde_json::json!({"cleared": false}),
            None,
        ),
        Err(other) => return Err(other),
    };
    placements::set_status(
        conn,
        current,
        PlacementStatus::Suspended,
        &reason,
        None,
        Some(Checked {
            answer: &shown,
            on: current.clearance_date(today),
            changes_on,
        }),
    )?;
    visits::flag_planned(conn, current, now, Some(VisitFlag::PlacementSuspended))?;
    Ok(true)
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
        // Someone changing the placement right now: it is planned next time.
        let Some(placement) =
            placements::for_planning(conn, municipality.id, schedule.placement_id)?
        else {
            continue;
        };
        added += plan(conn, &placement, &schedule, &municipality, now)?;
    }
    Ok(added)
}

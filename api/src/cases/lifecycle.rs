//! Moving a volunteer or a group through the lifecycle: the domain's rule of which step is
//! allowed, with approval's facts read only when approval is asked for.

use crate::{
    auth::StaffCaller,
    error::{ApiError, FieldError},
    input,
};
use samspill_domain::{
    group::Group,
    ids::{GroupId, VolunteerId},
    volunteer::{ApprovalFacts, TransitionError, Volunteer, VolunteerStatus, check_transition},
};
use samspill_persistence::{
    PgConnection, RepoError, group_vetting, vetting,
    volunteers::{self, Transition},
};

/// The step a caller asks for, checked: the new status and why.
pub fn transition(
    caller: &StaffCaller,
    to: VolunteerStatus,
    reason: &str,
) -> Result<Transition, ApiError> {
    Ok(Transition {
        to,
        reason: input::reason(reason)?,
        actor: caller.id,
    })
}

/// Moves a volunteer the caller manages (`expected`: its version, from `If-Match`); approval
/// needs what [`check_transition`] lists, read at that moment.
pub fn move_volunteer(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: VolunteerId,
    expected: Option<i32>,
    transition: &Transition,
) -> Result<Volunteer, ApiError> {
    crate::access::managed_volunteer(conn, caller, id)?;
    volunteers::transition(
        conn,
        caller.scope(),
        id,
        expected,
        transition,
        |conn, current| {
            allow_step("A volunteer", current.status, transition.to, || {
                vetting::approval_facts(conn, current)
            })
        },
    )
}

/// Moves a group the caller manages, as [`move_volunteer`]; its approval rests on its current
/// contact person's vetting.
pub fn move_group(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: GroupId,
    expected: Option<i32>,
    transition: &Transition,
) -> Result<Group, ApiError> {
    crate::access::managed_group(conn, caller, id)?;
    group_vetting::transition(
        conn,
        caller.scope(),
        id,
        expected,
        transition,
        |conn, current| {
            allow_step("A group", current.status, transition.to, || {
                group_vetting::approval_facts(conn, current)
            })
        },
    )
}

/// Checks a lifecycle step of `who` (a volunteer or a group) with the domain's rule: 409
/// naming `to` for a step the lifecycle does not have, 409 with `missing` when approval lacks
/// something. The rule asks for the facts only when it needs them (approval), so other steps
/// run no vetting queries; a failed read is reported as such.
fn allow_step(
    who: &str,
    from: VolunteerStatus,
    to: VolunteerStatus,
    facts: impl FnOnce() -> Result<ApprovalFacts, RepoError>,
) -> Result<(), ApiError> {
    let mut failed_read = None;
    let outcome = check_transition(from, to, || {
        facts().unwrap_or_else(|error| {
            failed_read = Some(error);
            ApprovalFacts::default()
        })
    });
    if let Some(error) = failed_read {
        return Err(error.into());
    }
    outcome.map_err(|error| match error {
        TransitionError::NotAllowed { from, to } => ApiError::Conflict {
            detail: format!("{who} cannot go from {from} to {to}."),
            errors: vec![FieldError::new(
                "to",
                "not_allowed",
                format!("not reachable from {from}"),
            )],
        },
        TransitionError::Missing(missing) => {
            ApiError::RequirementsMissing(missing.iter().map(|m| m.as_str().to_owned()).collect())
        }
    })
}

//! Moving a volunteer or a group through the lifecycle: the domain's rule of which step is
//! allowed, with approval's facts read only when approval is asked for.

use crate::{
    auth::StaffCaller,
    dto::vetting::TransitionBody,
    error::{ApiError, FieldError},
    input,
};
use samspill_domain::volunteer::{
    ApprovalFacts, TransitionError, VolunteerStatus, check_transition,
};
use samspill_persistence::{RepoError, volunteers::Transition};

/// The step a caller asks for, checked: the new status and why.
pub fn transition(caller: &StaffCaller, body: &TransitionBody) -> Result<Transition, ApiError> {
    Ok(Transition {
        to: body.to,
        reason: input::reason(&body.reason)?,
        actor: caller.id,
    })
}

/// Checks a lifecycle step of `who` (a volunteer or a group) with the domain's rule: 409
/// naming `to` for a step the lifecycle does not have, 409 with `missing` when approval lacks
/// something. The rule asks for the facts only when it needs them (approval), so other steps
/// run no vetting queries; a failed read is reported as such.
pub fn allow_step(
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

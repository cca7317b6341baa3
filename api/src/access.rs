//! Who may read or manage what: the caller's tenant scope, which volunteers (and what hangs off
//! them) the caller sees, which municipality a list or a new record belongs to, and the
//! volunteer or group a coordinator manages. Routes decide these through this module; the rule
//! of which role sees whom is the domain's ([`Audience`]). Plain role gates stay on the caller
//! (`StaffCaller::require_manager`, `require_admin`). A refusal says, in the route's own words,
//! what the caller may not do.

use crate::{
    auth::{Principal, StaffCaller},
    error::{ApiError, FieldError},
};
use samspill_domain::{
    auth::{Audience, ServiceScope, TenantScope},
    contact::ContactPersonKind,
    group::Group,
    ids::{ContactPersonId, GroupId, MunicipalityId, StaffUserId, VolunteerId},
    municipality::Municipality,
    user::Role,
    volunteer::Volunteer,
};
use samspill_persistence::{
    PgConnection, RepoError, contact_persons, districts, groups, municipalities, users, volunteers,
};
use uuid::Uuid;

/// What a volunteer account is told where others read volunteers' records.
pub const VOLUNTEERS_READ_THEIR_OWN: &str =
    "Volunteers read their own record at /api/v1/me/volunteer.";

/// What a volunteer account is told where others read placements and visits.
pub const VOLUNTEERS_READ_THEIR_OWN_PLACEMENTS: &str = "Volunteers read their own placements and visits at /api/v1/me/placements and /api/v1/me/visits.";

/// Whose volunteers a staff caller sees; volunteer accounts are refused with `refusal`.
pub fn audience(caller: &StaffCaller, refusal: &str) -> Result<Audience, ApiError> {
    Audience::of_staff(caller.role, caller.id).ok_or_else(|| ApiError::forbidden(refusal))
}

/// Whose records a coordinator or administrator manages: administrators every one of their
/// scope, a coordinator those of their care districts (all, when the account has none). Other
/// roles are refused.
pub fn managed(caller: &StaffCaller) -> Result<Audience, ApiError> {
    caller.require_manager()?;
    audience(caller, "Only coordinators and administrators may do this.")
}

/// Work done for the whole municipality (events, surveys): municipality-wide coordinators and
/// administrators do it; a coordinator limited to care districts is refused with `refusal`.
pub fn municipality_wide(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    refusal: &str,
) -> Result<(), ApiError> {
    let audience = managed(caller)?;
    match districts::limiting(conn, audience)? {
        Some(_) => Err(ApiError::forbidden(refusal)),
        None => Ok(()),
    }
}

/// A volunteer account's own record; other roles are refused.
pub fn own_volunteer(caller: &StaffCaller) -> Result<Audience, ApiError> {
    Audience::own(caller.role, caller.id).ok_or_else(|| {
        ApiError::forbidden("Only volunteer accounts have a volunteer record of their own.")
    })
}

/// Who may read about volunteers, seeing which of them: staff as [`audience`] says, service
/// accounts of a municipality with `needed` every volunteer of it. Volunteers are refused with
/// `refusal`.
pub fn reader(
    principal: &Principal,
    needed: ServiceScope,
    refusal: &str,
) -> Result<(TenantScope, Audience), ApiError> {
    match principal {
        Principal::Staff(staff) => Ok((staff.scope(), audience(staff, refusal)?)),
        Principal::Service(service) if service.scopes.contains(&needed) => Ok((
            TenantScope::Municipality(service.municipality),
            Audience::Everyone,
        )),
        Principal::Service(_) => Err(ApiError::forbidden(format!(
            "This needs a token with the scope {needed}."
        ))),
    }
}

/// As [`reader`], for what only coordinators, administrators and municipal systems read: a
/// contact person is refused with `refusal` too.
pub fn manager_or_system(
    principal: &Principal,
    needed: ServiceScope,
    refusal: &str,
) -> Result<(TenantScope, Audience), ApiError> {
    match reader(principal, needed, refusal)? {
        (scope, audience) if audience.manages() => Ok((scope, audience)),
        _ => Err(ApiError::forbidden(refusal)),
    }
}

/// Coordinators and administrators only: their scope.
fn manager(caller: &StaffCaller) -> Result<TenantScope, ApiError> {
    caller.require_manager()?;
    Ok(caller.scope())
}

/// Which municipality a caller with `own` (none for administrators) means by `requested`.
enum Named {
    One(MunicipalityId),
    /// Another municipality than the caller's own.
    Foreign,
    /// An administrator named none.
    Unnamed,
}

fn named(own: Option<MunicipalityId>, requested: Option<Uuid>) -> Named {
    match (own, requested) {
        (Some(own), None) => Named::One(own),
        (Some(own), Some(id)) if own.into_uuid() == id => Named::One(own),
        (Some(_), Some(_)) => Named::Foreign,
        (None, Some(id)) => Named::One(id.into()),
        (None, None) => Named::Unnamed,
    }
}

const ADMINISTRATORS_NAME_IT: &str = "administrators must name the municipality";

/// The municipality a feed or list reader reads: the caller's own, or the one an administrator
/// names. Another municipality is reported as not found.
pub fn reader_municipality(
    scope: TenantScope,
    requested: Option<Uuid>,
) -> Result<MunicipalityId, ApiError> {
    match named(scope.municipality(), requested) {
        Named::One(id) => Ok(id),
        Named::Foreign => Err(ApiError::NotFound),
        Named::Unnamed => Err(ApiError::invalid(
            "municipality_id",
            "required",
            ADMINISTRATORS_NAME_IT,
        )),
    }
}

/// The municipality a coordinator or administrator reads a list of.
pub fn managed_municipality(
    caller: &StaffCaller,
    requested: Option<Uuid>,
) -> Result<MunicipalityId, ApiError> {
    reader_municipality(manager(caller)?, requested)
}

/// Resolves the municipality a new record belongs to: admins must name one; others may omit it
/// or name their own. A municipality outside the caller's scope is reported as not found (on
/// the field, as the record is not made).
pub fn target_municipality(
    caller: &StaffCaller,
    requested: Option<Uuid>,
) -> Result<MunicipalityId, FieldError> {
    match named(caller.municipality, requested) {
        Named::One(id) => Ok(id),
        Named::Foreign => Err(FieldError::new(
            "municipality_id",
            "not_found",
            "no such municipality",
        )),
        Named::Unnamed => Err(FieldError::new(
            "municipality_id",
            "required",
            ADMINISTRATORS_NAME_IT,
        )),
    }
}

/// The municipality a record is written to, which the caller must see: 422 on
/// `municipality_id` when it does not exist in the caller's scope.
pub fn named_municipality(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: MunicipalityId,
) -> Result<Municipality, ApiError> {
    match municipalities::find(conn, scope, id) {
        Ok(found) => Ok(found),
        Err(RepoError::NotFound) => Err(ApiError::invalid(
            "municipality_id",
            "not_found",
            "no such municipality",
        )),
        Err(other) => Err(other.into()),
    }
}

/// A volunteer the caller manages (a district coordinator: one of their districts), or 404.
pub fn managed_volunteer(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: VolunteerId,
) -> Result<Volunteer, ApiError> {
    Ok(volunteers::find(
        conn,
        caller.scope(),
        managed(caller)?,
        id,
    )?)
}

/// A group the caller manages (a district coordinator: one of their districts), or 404.
pub fn managed_group(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: GroupId,
) -> Result<Group, ApiError> {
    Ok(groups::find_seen(
        conn,
        caller.scope(),
        managed(caller)?,
        id,
    )?)
}

/// Checks that a district coordinator's districts hold one of `ids` (volunteers, groups, units,
/// recipients, placements or needs) before they record something about it: a 422 on `field`,
/// as for an id that does not exist (or, when nothing is named, as a required field). Everyone
/// else passes.
pub fn check_in_districts(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    ids: &[Uuid],
    field: &str,
) -> Result<(), ApiError> {
    let Some(audience) = Audience::of_staff(caller.role, caller.id) else {
        return Ok(());
    };
    if districts::covers(conn, audience, ids)? {
        return Ok(());
    }
    Err(if ids.is_empty() {
        ApiError::invalid(
            field,
            "required",
            "a coordinator limited to care districts names a unit of their districts",
        )
    } else {
        ApiError::invalid(field, "not_found", "no such record in your care districts")
    })
}

/// Checks that a district coordinator's districts hold every one of `ids` but those in
/// `already` (as [`check_in_districts`] does for one): the first outside is a 422 on
/// `field[i]`, its place in `ids`. Everyone else passes.
pub fn check_each_in_districts(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    ids: &[Uuid],
    already: &[Uuid],
    field: &str,
) -> Result<(), ApiError> {
    let Some(audience) = Audience::of_staff(caller.role, caller.id) else {
        return Ok(());
    };
    let asked: Vec<Uuid> = ids
        .iter()
        .copied()
        .filter(|id| !already.contains(id))
        .collect();
    let outside = districts::uncovered(conn, audience, &asked)?;
    match ids.iter().position(|id| outside.contains(id)) {
        Some(i) => Err(ApiError::invalid(
            format!("{field}[{i}]"),
            "not_found",
            "no such record in your care districts",
        )),
        None => Ok(()),
    }
}

/// Refuses a coordinator limited to care districts what the whole municipality shares:
/// accounts, service accounts, units, requirement rules, activity kinds and the settings.
/// Changing any of them would reach beyond the districts (or lift the limit itself).
pub fn check_municipality_wide(
    conn: &mut PgConnection,
    caller: &StaffCaller,
) -> Result<(), ApiError> {
    caller.require_manager()?;
    match districts::limiting(conn, managed(caller)?)? {
        Some(_) => Err(ApiError::forbidden(
            "A coordinator limited to care districts does not change accounts, units, rules or \
             settings of the whole municipality; a municipality-wide coordinator or an \
             administrator does.",
        )),
        None => Ok(()),
    }
}

/// Checks that `account` may act for `municipality` (interview, check a certificate): an
/// active staff account of that municipality or an administrator, not a volunteer's login.
/// Anything else is a 422 on `field`.
pub fn check_staff_of(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    municipality: MunicipalityId,
    account: StaffUserId,
    field: &str,
) -> Result<(), ApiError> {
    match users::find(conn, caller.scope(), account) {
        Ok(user)
            if user.active
                && user.role != Role::Volunteer
                && user.municipality_id.is_none_or(|m| m == municipality) =>
        {
            Ok(())
        }
        Ok(_) | Err(RepoError::NotFound) => Err(ApiError::invalid(
            field,
            "not_found",
            "no such staff account in the municipality",
        )),
        Err(other) => Err(other.into()),
    }
}

/// Checks that `id` is an active staff contact person of `municipality` (a unit's contact
/// person, a companion on a visit); anything else is a 422 on `field`.
pub fn check_staff_contact(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    id: ContactPersonId,
    field: &str,
) -> Result<(), ApiError> {
    match contact_persons::find(conn, TenantScope::Municipality(municipality), id) {
        Ok(found) if found.active && found.kind == ContactPersonKind::Staff => Ok(()),
        Ok(_) | Err(RepoError::NotFound) => Err(ApiError::invalid(
            field,
            "not_found",
            "no active staff contact person with this id in the municipality",
        )),
        Err(other) => Err(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use samspill_domain::ids::ServiceAccountId;

    fn staff(role: Role) -> StaffCaller {
        StaffCaller {
            id: StaffUserId::generate(),
            role,
            municipality: (role != Role::Admin).then(MunicipalityId::generate),
            request_id: None,
        }
    }

    #[test]
    fn readers_see_by_role_and_systems_by_scope() {
        let contact = staff(Role::ContactPerson);
        assert_eq!(
            reader(&Principal::Staff(contact), ServiceScope::StatusRead, "no")
                .map(|(_, audience)| audience)
                .ok(),
            Some(Audience::AssignedTo(contact.id))
        );
        assert!(
            reader(
                &Principal::Staff(staff(Role::Volunteer)),
                ServiceScope::StatusRead,
                "no"
            )
            .is_err()
        );
        let municipality = MunicipalityId::generate();
        let system = |scopes| {
            Principal::Service(crate::auth::principal::ServiceCaller {
                id: ServiceAccountId::generate(),
                municipality,
                scopes,
            })
        };
        assert_eq!(
            reader(
                &system(vec![ServiceScope::StatusRead]),
                ServiceScope::StatusRead,
                "no"
            )
            .ok(),
            Some((TenantScope::Municipality(municipality), Audience::Everyone))
        );
        assert!(
            reader(
                &system(vec![ServiceScope::ClearanceRead]),
                ServiceScope::StatusRead,
                "no"
            )
            .is_err()
        );
        assert!(
            manager_or_system(&Principal::Staff(contact), ServiceScope::StatusRead, "no").is_err()
        );
    }

    #[test]
    fn an_administrator_names_the_municipality_and_others_read_their_own() {
        let own = MunicipalityId::generate();
        let scope = TenantScope::Municipality(own);
        assert_eq!(reader_municipality(scope, None).ok(), Some(own));
        assert!(matches!(
            reader_municipality(scope, Some(uuid::Uuid::now_v7())),
            Err(ApiError::NotFound)
        ));
        assert!(reader_municipality(TenantScope::All, None).is_err());
    }
}

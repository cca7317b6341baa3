//! Writing volunteer records, for every writer alike (coordinators, the volunteer at
//! `/me/volunteer`, public registrations): the domain's field rules, then the checks that need
//! the database (wanted activity kinds against the municipality's catalogue, a linked login).

use crate::{
    auth::StaffCaller,
    error::{ApiError, FieldError},
};
use chrono::{Datelike, Utc};
use samspill_domain::{
    ids::{MunicipalityId, StaffUserId},
    municipality::{Country, Municipality},
    user::Role,
    volunteer::{Volunteer, parse_activity_kind},
    volunteer_draft::{DraftErrors, MAX_ACTIVITY_KINDS, VolunteerDraft, VolunteerEdit},
};
use samspill_persistence::{PgConnection, RepoError, activity_kinds, users, volunteers};

/// How a volunteer record came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Entered by a coordinator or an administrator.
    Coordinator,
    /// The person registered themselves; they accepted this version of the privacy notice.
    SelfRegistration,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Coordinator => "coordinator",
            Source::SelfRegistration => "self_registration",
        }
    }
}

/// The 422 for what the domain refused.
fn refused(errors: DraftErrors) -> Vec<FieldError> {
    errors
        .iter()
        .map(|(field, error)| FieldError::parse(field.clone(), error))
        .collect()
}

/// Applies `edit` to `draft` with the domain's rules (phone numbers read in `country`); every
/// problem is reported at once.
pub fn apply(
    draft: VolunteerDraft,
    edit: VolunteerEdit,
    country: Country,
) -> Result<VolunteerDraft, ApiError> {
    draft
        .apply(edit, country, Utc::now().year())
        .map_err(|errors| ApiError::Validation(refused(errors)))
}

/// Applies `edit` as [`apply`] does, and checks the wanted activity kinds against the catalogue
/// of `municipality` (the defaults and its own kinds): an unknown code is
/// `unknown_activity_kind` on its position. All problems are reported at once. Run it inside
/// the transaction that stores the result, as the kinds found stay locked until it ends.
pub fn apply_checked(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    draft: VolunteerDraft,
    edit: VolunteerEdit,
    country: Country,
) -> Result<VolunteerDraft, ApiError> {
    let unknown = unknown_kinds(conn, municipality, edit.activity_kinds.as_deref())?;
    match apply(draft, edit, country) {
        Ok(draft) if unknown.is_empty() => Ok(draft),
        Ok(_) => Err(ApiError::Validation(unknown)),
        Err(ApiError::Validation(mut errors)) => {
            errors.extend(unknown);
            Err(ApiError::Validation(errors))
        }
        Err(other) => Err(other),
    }
}

/// Creates a `registered` volunteer of `municipality` from `edit`, checked as
/// [`apply_checked`] does, flagging a possible duplicate; all in one transaction.
pub fn create(
    conn: &mut PgConnection,
    municipality: &Municipality,
    edit: VolunteerEdit,
    source: Source,
    privacy_notice_version: Option<&str>,
) -> Result<Volunteer, ApiError> {
    use diesel::Connection;
    conn.transaction(|conn| {
        let draft = apply_checked(
            conn,
            municipality.id,
            VolunteerDraft::default(),
            edit,
            municipality.country,
        )?;
        Ok(volunteers::insert(
            conn,
            municipality.id,
            &draft,
            source.as_str(),
            privacy_notice_version,
        )?)
    })
}

/// One error per position of `requested` whose code is not in the municipality's catalogue.
/// Malformed codes and overlong lists are left to the domain's rules, which report them.
fn unknown_kinds(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    requested: Option<&[String]>,
) -> Result<Vec<FieldError>, ApiError> {
    let Some(requested) = requested.filter(|r| r.len() <= MAX_ACTIVITY_KINDS) else {
        return Ok(Vec::new());
    };
    let codes: Vec<Option<String>> = requested
        .iter()
        .map(|raw| parse_activity_kind(raw).ok())
        .collect();
    let wellformed: Vec<String> = codes.iter().flatten().cloned().collect();
    let unknown = activity_kinds::unknown_codes(conn, municipality, &wellformed)?;
    Ok(codes
        .iter()
        .enumerate()
        .filter_map(|(i, code)| {
            let code = code.as_ref().filter(|code| unknown.contains(code))?;
            Some(FieldError::new(
                format!("activity_kinds[{i}]"),
                "unknown_activity_kind",
                format!("{code} is not one of the municipality's activity kinds"),
            ))
        })
        .collect())
}

/// Checks that `account` is a volunteer login of `municipality`, to be linked to a record.
pub fn check_volunteer_account(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    municipality: MunicipalityId,
    account: StaffUserId,
) -> Result<(), ApiError> {
    match users::find(conn, caller.scope(), account) {
        Ok(user) if user.role == Role::Volunteer && user.municipality_id == Some(municipality) => {
            Ok(())
        }
        Ok(_) | Err(RepoError::NotFound) => Err(ApiError::invalid(
            "staff_user_id",
            "not_found",
            "no volunteer account with this id in the municipality",
        )),
        Err(other) => Err(other.into()),
    }
}

/// Reads a volunteer's whole record for `actor` and writes the read to the audit log, in one
/// transaction: no read without its line, no line without the read.
pub fn read_full(
    conn: &mut PgConnection,
    scope: samspill_domain::auth::TenantScope,
    audience: samspill_domain::auth::Audience,
    id: samspill_domain::ids::VolunteerId,
    actor: samspill_domain::audit::Actor,
) -> Result<Volunteer, RepoError> {
    use diesel::Connection;
    use samspill_domain::audit::{AuditAction, AuditResource};
    use samspill_persistence::audit;
    conn.transaction(|conn| {
        let found = volunteers::find(conn, scope, audience, id)?;
        audit::record(
            conn,
            &audit::NewAuditEntry::about(
                &found,
                actor,
                AuditAction::Read,
                AuditResource::Volunteer,
                Some(id.into_uuid()),
            ),
        )?;
        Ok(found)
    })
}

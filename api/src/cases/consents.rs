//! Consents: recorded for a volunteer or a person visited at home, listed with their history,
//! and withdrawn. Withdrawing a person's consent to home visits stops the visits in the same
//! transaction, as making them inactive does.

use crate::{auth::StaffCaller, error::ApiError};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::Connection;
use samspill_domain::{
    auth::{Audience, TenantScope},
    consent::{self, ConsentBy, ConsentPurpose},
    ids::MunicipalityId,
};
use samspill_persistence::{
    PgConnection,
    consents::{self as store, Consent, ConsentSubject, NewConsent},
    municipalities,
    page::{Page, PageRequest},
    recipients::{self, RecipientChanges},
};

/// A consent as asked for.
#[derive(Debug, Clone)]
pub struct ConsentInput {
    /// What for.
    pub purpose: ConsentPurpose,
    /// The version of the text agreed to.
    pub text_version: String,
    /// When.
    pub given_on: NaiveDate,
    /// By whom.
    pub given_by: ConsentBy,
    /// The representative, when one gave it.
    pub representative: Option<String>,
}

/// The municipality of a subject the caller manages, or 404.
fn managed_subject(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    subject: ConsentSubject,
) -> Result<MunicipalityId, ApiError> {
    let audience: Audience = crate::access::managed(caller)?;
    Ok(match subject {
        ConsentSubject::Volunteer(id) => {
            crate::access::managed_volunteer(conn, caller, id)?.municipality_id
        }
        ConsentSubject::Recipient(id) => {
            recipients::find_seen(conn, caller.scope(), audience, id)?.municipality_id
        }
    })
}

/// The municipality's local day now.
fn local_day(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    now: DateTime<Utc>,
) -> Result<NaiveDate, ApiError> {
    let found = municipalities::find(conn, TenantScope::All, municipality)?;
    Ok(crate::cases::time_entries::local_today(&found, now))
}

/// Records a consent of `subject` (coordinators and administrators).
pub fn give(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    subject: ConsentSubject,
    input: ConsentInput,
    now: DateTime<Utc>,
) -> Result<Consent, ApiError> {
    conn.transaction(|conn| {
        let municipality = managed_subject(conn, caller, subject)?;
        let today = local_day(conn, municipality, now)?;
        let mut errors = Vec::new();
        let for_recipient = matches!(subject, ConsentSubject::Recipient(_));
        if input.purpose.is_recipients() != for_recipient {
            errors.push((
                "purpose".to_owned(),
                samspill_domain::ParseError::new(
                    "not_allowed",
                    if for_recipient {
                        "a person visited at home consents to home_visits"
                    } else {
                        "home_visits is the consent of a person visited at home"
                    },
                ),
            ));
        }
        let text_version = consent::check_text_version(&input.text_version)
            .map_err(|e| errors.push(("text_version".to_owned(), e)))
            .ok();
        let given_on = samspill_domain::dates::happened(input.given_on, today)
            .map_err(|e| errors.push(("given_on".to_owned(), e)))
            .ok();
        let representative =
            consent::check_given_by(input.given_by, input.representative.as_deref())
                .map_err(|e| errors.push(("representative".to_owned(), e)))
                .ok();
        let (Some(text_version), Some(given_on), Some(representative), true) =
            (text_version, given_on, representative, errors.is_empty())
        else {
            return Err(ApiError::fields(errors));
        };
        let given = store::give(
            conn,
            municipality,
            &NewConsent {
                subject,
                purpose: input.purpose,
                text_version,
                given_on,
                given_by: input.given_by,
                representative,
            },
            caller.id,
        )?;
        crate::metrics::personal_data_action("consent_given", 1);
        Ok(given)
    })
}

/// One consent whose subject the caller manages, or 404.
pub fn find(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: uuid::Uuid,
) -> Result<Consent, ApiError> {
    let municipality = caller.municipality;
    let found = match municipality {
        Some(m) => store::find(conn, m, id)?,
        None => store::find_any(conn, id)?,
    };
    managed_subject(conn, caller, found.subject)?;
    Ok(found)
}

/// A page of the consents of `subject`, withdrawn ones included.
pub fn list(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    subject: ConsentSubject,
    page: PageRequest,
) -> Result<Page<Consent>, ApiError> {
    let municipality = managed_subject(conn, caller, subject)?;
    Ok(store::of_subject(conn, municipality, subject, page)?)
}

/// A withdrawal as recorded: when and by whom.
#[derive(Debug, Clone, Copy)]
pub struct Withdrawal {
    /// The day.
    pub on: NaiveDate,
    /// The person or a representative.
    pub by: ConsentBy,
}

/// Records the withdrawal of a consent at `expected_version`, and stops what depends on it: a
/// person visited at home who withdraws their consent to visits becomes inactive, and their
/// placements are suspended with planned visits flagged.
pub fn withdraw(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: uuid::Uuid,
    expected_version: Option<i32>,
    withdrawal: Withdrawal,
    now: DateTime<Utc>,
) -> Result<Consent, ApiError> {
    conn.transaction(|conn| {
        let found = find(conn, caller, id)?;
        let current = store::locked(conn, found.municipality_id, id)?;
        let today = local_day(conn, found.municipality_id, now)?;
        if current.withdrawn_on.is_some() {
            return Err(ApiError::conflict(
                "The consent was withdrawn already; a new one is recorded with POST.",
            ));
        }
        let day = consent::check_withdrawn_on(withdrawal.on, current.given_on, today)
            .map_err(|e| ApiError::fields(vec![("withdrawn_on".to_owned(), e)]))?;
        let withdrawn = store::withdraw(
            conn,
            &current,
            expected_version,
            day,
            withdrawal.by,
            caller.id,
        )?;
        if let ConsentSubject::Recipient(recipient) = withdrawn.subject
            && withdrawn.purpose == ConsentPurpose::HomeVisits
        {
            crate::cases::recipients::update(
                conn,
                caller,
                recipient,
                None,
                &RecipientChanges {
                    active: Some(false),
                    ..RecipientChanges::default()
                },
                now,
            )?;
        }
        crate::metrics::personal_data_action("consent_withdrawn", 1);
        Ok(withdrawn)
    })
}

/// Of the volunteers `invitations` name, those whose consent to photos at events is in force.
pub fn photos_allowed(
    conn: &mut PgConnection,
    invitations: &[samspill_domain::event::Invitation],
) -> Result<Vec<uuid::Uuid>, ApiError> {
    let Some(municipality) = invitations.first().map(|i| i.municipality_id) else {
        return Ok(Vec::new());
    };
    let volunteers: Vec<uuid::Uuid> = invitations
        .iter()
        .filter_map(|i| match i.invitee {
            samspill_domain::event::Invitee::Volunteer(v) => Some(v.into_uuid()),
            _ => None,
        })
        .collect();
    if volunteers.is_empty() {
        return Ok(Vec::new());
    }
    Ok(store::in_force_among(
        conn,
        municipality,
        ConsentPurpose::PhotosAtEvents,
        &volunteers,
    )?)
}

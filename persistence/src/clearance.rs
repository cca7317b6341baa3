//! Reads the facts the clearance engine rests on, for one volunteer or a page of them at once
//! (one query per kind of fact, whatever the page length). Callers have found the volunteers
//! within their tenant scope.

use crate::{
    dogs::{ApprovalRow, DogRow},
    error::{RepoError, corrupt},
    schema::{
        declarations::dsl as d, dog_approvals::dsl as a, dogs::dsl as g,
        police_certificates::dsl as p, reference_checks::dsl as r, screenings::dsl as s,
        volunteer_status_changes::dsl as h,
    },
    vetting::current_versions,
};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use samspill_domain::{
    clearance::{
        CertificateFact, ClearanceFacts, DeclarationFact, DogFacts, ReferenceFact, ScreeningFact,
        TrainingFact, breaks,
    },
    dog::{Dog, DogApproval},
    ids::{DogId, MunicipalityId, VolunteerId},
    vetting::{DeclarationKind, declaration_is_current, reference_checked_on},
    volunteer::{Volunteer, VolunteerStatus},
};
use std::collections::HashMap;
use uuid::Uuid;

fn parse<T: std::str::FromStr<Err = samspill_domain::ParseError>>(
    what: &'static str,
    raw: &str,
) -> Result<T, RepoError> {
    raw.parse().map_err(|e| corrupt(what, e))
}

/// What the loader needs to know of a volunteer it reads facts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FactSubject {
    /// The volunteer.
    pub id: VolunteerId,
    /// Their status.
    pub status: VolunteerStatus,
    /// Whether they have a contact person.
    pub has_contact_person: bool,
}

impl From<&Volunteer> for FactSubject {
    fn from(v: &Volunteer) -> Self {
        Self {
            id: v.id,
            status: v.status,
            has_contact_person: v.contact_person_id.is_some(),
        }
    }
}

/// The facts of every volunteer in `subjects` (all of `municipality`), without a dog.
/// `with_breaks` reads the status history too, which only the break rule needs.
pub fn facts_for(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    subjects: &[FactSubject],
    with_breaks: bool,
) -> Result<HashMap<VolunteerId, ClearanceFacts>, RepoError> {
    let ids: Vec<Uuid> = subjects.iter().map(|v| v.id.into_uuid()).collect();
    let mut facts: HashMap<VolunteerId, ClearanceFacts> = subjects
        .iter()
        .map(|v| {
            (
                v.id,
                ClearanceFacts {
                    volunteer_id: v.id,
                    status: v.status,
                    has_contact_person: v.has_contact_person,
                    declarations: Vec::new(),
                    screenings: Vec::new(),
                    references: Vec::new(),
                    certificates: Vec::new(),
                    breaks: Vec::new(),
                    trainings: Vec::new(),
                    dog: None,
                },
            )
        })
        .collect();
    if ids.is_empty() {
        return Ok(facts);
    }
    let current = current_versions(conn, municipality)?;
    let declarations: Vec<(Uuid, String, String, NaiveDate)> = d::declarations
        .filter(d::volunteer_id.eq_any(&ids))
        .order((d::signed_on.asc(), d::id.asc()))
        .select((d::volunteer_id, d::kind, d::document_version, d::signed_on))
        .load(conn)?;
    for (volunteer, kind, version, signed_on) in declarations {
        let kind: DeclarationKind = parse("declaration kind", &kind)?;
        if let Some(f) = facts.get_mut(&volunteer.into()) {
            f.declarations.push(DeclarationFact {
                kind,
                signed_on,
                current: declaration_is_current(&version, current.get(&kind).map(String::as_str)),
            });
        }
    }
    let screenings: Vec<(Uuid, DateTime<Utc>, String)> = s::screenings
        .filter(s::volunteer_id.eq_any(&ids))
        .order((s::held_at.asc(), s::id.asc()))
        .select((s::volunteer_id, s::held_at, s::assessment))
        .load(conn)?;
    for (volunteer, held_at, assessment) in screenings {
        if let Some(f) = facts.get_mut(&volunteer.into()) {
            f.screenings.push(ScreeningFact {
                held_on: held_at.date_naive(),
                assessment: parse("screening assessment", &assessment)?,
            });
        }
    }
    type ReferenceRow = (
        Uuid,
        Option<String>,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        DateTime<Utc>,
    );
    let references: Vec<ReferenceRow> = r::reference_checks
        .filter(r::volunteer_id.eq_any(&ids))
        .order(r::id.asc())
        .select((
            r::volunteer_id,
            r::outcome,
            r::contacted_at,
            r::outcome_recorded_at,
            r::created_at,
        ))
        .load(conn)?;
    for (volunteer, outcome, contacted_at, recorded_at, created_at) in references {
        if let Some(f) = facts.get_mut(&volunteer.into()) {
            f.references.push(ReferenceFact {
                outcome: outcome
                    .map(|o| parse("reference outcome", &o))
                    .transpose()?,
                // A pending check without a contact date dates from its recording; it is
                // missing until it has an outcome anyway.
                checked_on: reference_checked_on(contacted_at, recorded_at.unwrap_or(created_at)),
            });
        }
    }
    let certificates: Vec<(Uuid, String, NaiveDate, NaiveDate, String)> = p::police_certificates
        .filter(p::volunteer_id.eq_any(&ids))
        .order((p::presented_on.asc(), p::id.asc()))
        .select((
            p::volunteer_id,
            p::kind,
            p::issued_on,
            p::presented_on,
            p::outcome,
        ))
        .load(conn)?;
    for (volunteer, kind, issued_on, presented_on, outcome) in certificates {
        if let Some(f) = facts.get_mut(&volunteer.into()) {
            f.certificates.push(CertificateFact {
                kind: parse("certificate kind", &kind)?,
                issued_on,
                presented_on,
                outcome: parse("certificate outcome", &outcome)?,
            });
        }
    }
    for credential in crate::events::credentials_for(conn, municipality, &ids)? {
        if let Some(f) = facts.get_mut(&credential.volunteer_id) {
            f.trainings.push(TrainingFact {
                training: credential.training,
                completed_on: credential.completed_on,
                valid_until: credential.valid_until,
            });
        }
    }
    if with_breaks {
        let history: Vec<(Uuid, DateTime<Utc>, String)> = h::volunteer_status_changes
            .filter(h::volunteer_id.eq_any(&ids))
            .order((h::changed_at.asc(), h::id.asc()))
            .select((h::volunteer_id, h::changed_at, h::to_status))
            .load(conn)?;
        let mut by_volunteer: HashMap<VolunteerId, Vec<(DateTime<Utc>, VolunteerStatus)>> =
            HashMap::new();
        for (volunteer, at, status) in history {
            by_volunteer
                .entry(volunteer.into())
                .or_default()
                .push((at, parse("volunteer status", &status)?));
        }
        for (volunteer, history) in by_volunteer {
            if let Some(f) = facts.get_mut(&volunteer) {
                f.breaks = breaks(&history);
            }
        }
    }
    Ok(facts)
}

/// The facts of one volunteer, with the named dog when there is one.
pub fn facts(
    conn: &mut PgConnection,
    volunteer: &Volunteer,
    dog: Option<&DogFacts>,
    with_breaks: bool,
) -> Result<ClearanceFacts, RepoError> {
    let mut found = facts_for(
        conn,
        volunteer.municipality_id,
        &[FactSubject::from(volunteer)],
        with_breaks,
    )?;
    let mut facts = found
        .remove(&volunteer.id)
        .ok_or_else(|| RepoError::Internal("facts of the volunteer missing".into()))?;
    facts.dog = dog.cloned();
    Ok(facts)
}

/// The dog `id` of `municipality` with its approvals, as clearance reads it; `NotFound` when
/// the municipality has no such dog.
pub fn dog_facts(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    id: DogId,
) -> Result<DogFacts, RepoError> {
    let (handler, birth_date): (Uuid, NaiveDate) = g::dogs
        .filter(g::id.eq(id.into_uuid()))
        .filter(g::municipality_id.eq(municipality.into_uuid()))
        .select((g::handler_id, g::birth_date))
        .first(conn)?;
    let approvals = a::dog_approvals
        .filter(a::dog_id.eq(id.into_uuid()))
        .order((a::assessed_on.asc(), a::id.asc()))
        .select(ApprovalRow::as_select())
        .load(conn)?
        .into_iter()
        .map(DogApproval::try_from)
        .collect::<Result<_, _>>()?;
    Ok(DogFacts {
        handler_id: handler.into(),
        birth_date,
        approvals,
    })
}

/// The dogs of approved handlers in `municipality`, each with its approvals: what the work
/// list checks for expiring approvals.
pub fn dogs_of_approved_handlers(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
) -> Result<Vec<(Dog, Vec<DogApproval>)>, RepoError> {
    use crate::schema::volunteers::dsl as v;
    let dogs: Vec<Dog> = g::dogs
        .inner_join(v::volunteers.on(v::id.eq(g::handler_id)))
        .filter(g::municipality_id.eq(municipality.into_uuid()))
        .filter(v::status.eq(VolunteerStatus::Approved.as_str()))
        .filter(v::erased_at.is_null())
        .order(g::id.asc())
        .select(DogRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Dog::from)
        .collect();
    let ids: Vec<Uuid> = dogs.iter().map(|dog| dog.id.into_uuid()).collect();
    let mut approvals: HashMap<Uuid, Vec<DogApproval>> = HashMap::new();
    for row in a::dog_approvals
        .filter(a::dog_id.eq_any(&ids))
        .order((a::assessed_on.asc(), a::id.asc()))
        .select(ApprovalRow::as_select())
        .load(conn)?
    {
        let found = DogApproval::try_from(row)?;
        approvals
            .entry(found.dog_id.into_uuid())
            .or_default()
            .push(found);
    }
    Ok(dogs
        .into_iter()
        .map(|dog| {
            let found = approvals.remove(&dog.id.into_uuid()).unwrap_or_default();
            (dog, found)
        })
        .collect())
}

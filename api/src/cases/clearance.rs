//! The clearance pipeline, once: find who is asked about, check the question against the
//! municipality, read the facts and the rules, and ask the domain's engine. Volunteers, groups
//! and the status feed go through it, as will placements and webhooks.

use crate::error::ApiError;
use chrono::{DateTime, NaiveDate, Utc};
use samspill_domain::webhook::Event;
use samspill_domain::{
    auth::{Audience, TenantScope},
    clearance::{
        Clearance, ClearancePolicy, ClearanceQuestion, ClearedFor, DogFacts, RequirementKey, Rule,
        SubjectKind, cleared_for, cleared_for_by, default_rules, evaluate, strict_requirements,
    },
    group_clearance::{GroupClearance, evaluate_group},
    ids::{GroupId, MunicipalityId, PlacementId, VolunteerId},
    municipality::Municipality,
    volunteer::{Volunteer, VolunteerStatus},
};
use samspill_persistence::{
    PgConnection, RepoError, activity_kinds, announcements,
    clearance::{self, FactSubject},
    feed, group_vetting, groups, municipalities, outbox, placements, rules, volunteers,
};
use std::collections::HashMap;
use uuid::Uuid;

/// Every rule that applies in `municipality`: the defaults for its country, then its own.
fn rules_of(conn: &mut PgConnection, municipality: &Municipality) -> Result<Vec<Rule>, RepoError> {
    let mut all = default_rules(municipality.country);
    all.extend(rules::engine_rules(conn, municipality.id)?);
    Ok(all)
}

/// Checks a question against the municipality: its activity kind must be one of the
/// municipality's, and a named dog one of its dogs; returns that dog's facts.
fn checked_question(
    conn: &mut PgConnection,
    municipality: &Municipality,
    question: &ClearanceQuestion,
) -> Result<Option<DogFacts>, ApiError> {
    let unknown = activity_kinds::unknown_codes(
        conn,
        municipality.id,
        std::slice::from_ref(&question.activity_kind),
    )?;
    if !unknown.is_empty() {
        return Err(ApiError::invalid(
            "activity_kind",
            "unknown_activity_kind",
            "the municipality has no such activity kind",
        ));
    }
    let Some(dog) = question.dog else {
        return Ok(None);
    };
    match clearance::dog_facts(conn, municipality.id, dog) {
        Ok(found) => Ok(Some(found)),
        Err(RepoError::NotFound) => Err(ApiError::invalid(
            "dog_id",
            "not_found",
            "the municipality has no such dog",
        )),
        Err(other) => Err(other.into()),
    }
}

/// Whether the break rule is on, so the status history must be read.
fn needs_breaks(municipality: &Municipality) -> bool {
    municipality.settings.police_certificate_break_months > 0
}

/// The answer about a volunteer whom `scope` and `audience` see (404 otherwise).
pub fn ask_volunteer(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    id: VolunteerId,
    question: &ClearanceQuestion,
) -> Result<Clearance, ApiError> {
    let volunteer = volunteers::find(conn, scope, audience, id)?;
    let municipality = municipalities::find(conn, TenantScope::All, volunteer.municipality_id)?;
    let dog = checked_question(conn, &municipality, question)?;
    let facts = clearance::facts(conn, &volunteer, dog.as_ref(), needs_breaks(&municipality))?;
    let rules = rules_of(conn, &municipality)?;
    Ok(evaluate(
        &rules,
        question,
        &facts,
        ClearancePolicy::from(&municipality.settings),
    ))
}

/// The answers about several volunteers of `municipality` to one question without a dog,
/// their facts read together (as the status feed reads them).
pub fn ask_volunteers(
    conn: &mut PgConnection,
    municipality: &Municipality,
    volunteers: &[Volunteer],
    question: &ClearanceQuestion,
) -> Result<HashMap<VolunteerId, Clearance>, ApiError> {
    debug_assert!(question.dog.is_none());
    checked_question(conn, municipality, question)?;
    let subjects: Vec<FactSubject> = volunteers.iter().map(FactSubject::from).collect();
    let facts = clearance::facts_for(conn, municipality.id, &subjects, needs_breaks(municipality))?;
    let rules = rules_of(conn, municipality)?;
    let policy = ClearancePolicy::from(&municipality.settings);
    Ok(facts
        .into_iter()
        .map(|(id, facts)| (id, evaluate(&rules, question, &facts, policy)))
        .collect())
}

/// What anyone must meet to be cleared for each of `questions` in `municipality`: the strict
/// requirements of the rules that apply (the defaults for its country and its own).
pub fn requirements(
    conn: &mut PgConnection,
    municipality: &Municipality,
    questions: &[ClearanceQuestion],
) -> Result<Vec<Vec<RequirementKey>>, ApiError> {
    let rules = rules_of(conn, municipality)?;
    Ok(questions
        .iter()
        .map(|question| strict_requirements(&rules, question))
        .collect())
}

/// The answer about a group of `scope` that `audience` sees (404 otherwise): the group as a
/// whole through its contact person, per-person requirements for its named members (with the
/// dog, if one is asked about).
pub fn ask_group(
    conn: &mut PgConnection,
    scope: TenantScope,
    audience: Audience,
    id: GroupId,
    question: &ClearanceQuestion,
) -> Result<GroupClearance, ApiError> {
    let group = groups::find_seen(conn, scope, audience, id)?;
    let municipality = municipalities::find(conn, TenantScope::All, group.municipality_id)?;
    let dog = checked_question(conn, &municipality, question)?;
    let (facts, mut members) =
        group_vetting::clearance_facts(conn, &group, needs_breaks(&municipality))?;
    if let Some(dog) = dog {
        for member in &mut members {
            member.dog = Some(dog.clone());
        }
    }
    let rules = rules_of(conn, &municipality)?;
    Ok(evaluate_group(
        &rules,
        question,
        &facts,
        &members,
        ClearancePolicy::from(&municipality.settings),
    ))
}

/// A volunteer's or group's status as the feed tells it.
#[derive(Debug, Clone)]
pub struct StatusLine {
    /// A volunteer or a group.
    pub kind: SubjectKind,
    /// Its id.
    pub id: Uuid,
    /// The id a municipal system knows it by.
    pub external_reference: Option<String>,
    /// The lifecycle status.
    pub status: VolunteerStatus,
    /// Whether the volunteer's personal data was erased.
    pub erased: bool,
    /// What it is cleared for on the day asked about, without a dog.
    pub cleared_for: Vec<ClearedFor>,
    /// The first later day on which that may change without any record changing.
    pub changes_on: Option<NaiveDate>,
    /// Its active placements: ids and activity kinds.
    pub placements: Vec<(PlacementId, String)>,
    /// When anything deciding it last changed: the feed's order.
    pub updated_at: DateTime<Utc>,
}

/// One page of the status feed of `municipality` (of `scope`, 404 otherwise) from `start`, at
/// most `limit` lines, cleared as of `as_of`; and whether more follow.
pub fn status_page(
    conn: &mut PgConnection,
    scope: TenantScope,
    municipality: MunicipalityId,
    start: feed::FeedStart,
    limit: i64,
    as_of: NaiveDate,
) -> Result<(Vec<StatusLine>, bool), ApiError> {
    let municipality = municipalities::find(conn, scope, municipality)?;
    let (rows, more) = feed::page(conn, municipality.id, start, limit)?;
    let subjects: Vec<_> = rows
        .iter()
        .filter(|r| r.kind == SubjectKind::Volunteer)
        .map(|r| r.subject)
        .collect();
    let mut facts = clearance::facts_for(
        conn,
        municipality.id,
        &subjects,
        needs_breaks(&municipality),
    )?;
    let rules = rules_of(conn, &municipality)?;
    let kinds: Vec<String> = activity_kinds::list(conn, scope, municipality.id)?
        .into_iter()
        .map(|k| k.code)
        .collect();
    let policy = ClearancePolicy::from(&municipality.settings);
    let everyone: Vec<Uuid> = rows.iter().map(|r| r.subject.id.into_uuid()).collect();
    let mut placed = placements::active_of(conn, municipality.id, &everyone)?;
    let lines = rows
        .into_iter()
        .map(|row| {
            let (cleared, changes_on) = match row.kind {
                SubjectKind::Volunteer => match facts.remove(&row.subject.id) {
                    Some(f) if !row.erased => cleared_for(&kinds, &rules, &f, policy, as_of),
                    _ => (Vec::new(), None),
                },
                SubjectKind::Group => group_cleared_for(
                    conn,
                    &municipality,
                    GroupId::from(row.subject.id.into_uuid()),
                    (&kinds, &rules),
                    as_of,
                )?,
            };
            Ok(StatusLine {
                kind: row.kind,
                id: row.subject.id.into_uuid(),
                external_reference: row.external_reference,
                status: row.subject.status,
                erased: row.erased,
                cleared_for: cleared,
                changes_on,
                placements: placed
                    .remove(&row.subject.id.into_uuid())
                    .unwrap_or_default(),
                updated_at: row.changed_at,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok((lines, more))
}

/// What a group is cleared for, through the same engine; a group's facts are read one group
/// at a time (groups are few beside volunteers).
fn group_cleared_for(
    conn: &mut PgConnection,
    municipality: &Municipality,
    id: GroupId,
    (kinds, rules): (&[String], &[Rule]),
    as_of: NaiveDate,
) -> Result<(Vec<ClearedFor>, Option<NaiveDate>), ApiError> {
    let group = groups::find(conn, TenantScope::Municipality(municipality.id), id)?;
    let (facts, members) =
        group_vetting::clearance_facts(conn, &group, needs_breaks(municipality))?;
    let policy = ClearancePolicy::from(&municipality.settings);
    Ok(cleared_for_by(kinds, group.status, as_of, |question| {
        let answer = evaluate_group(rules, question, &facts, &members, policy);
        (answer.cleared, answer.changes_on)
    }))
}

/// A volunteer, what they are cleared for, and the day that changes by date alone.
type Answer = (VolunteerId, Vec<ClearedFor>, Option<NaiveDate>);

/// What each volunteer of `rows` is cleared for on `as_of` without a dog (nothing once erased),
/// and the day that changes by date alone.
fn volunteer_answers(
    conn: &mut PgConnection,
    municipality: &Municipality,
    rows: &[feed::FeedRow],
    as_of: NaiveDate,
) -> Result<Vec<Answer>, ApiError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let subjects: Vec<FactSubject> = rows.iter().map(|r| r.subject).collect();
    let mut facts =
        clearance::facts_for(conn, municipality.id, &subjects, needs_breaks(municipality))?;
    let rules = rules_of(conn, municipality)?;
    let kinds: Vec<String> = activity_kinds::list(conn, TenantScope::All, municipality.id)?
        .into_iter()
        .map(|k| k.code)
        .collect();
    let policy = ClearancePolicy::from(&municipality.settings);
    Ok(rows
        .iter()
        .map(|row| {
            let (cleared, changes_on) = match facts.remove(&row.subject.id) {
                Some(f) if !row.erased => cleared_for(&kinds, &rules, &f, policy, as_of),
                _ => (Vec::new(), None),
            };
            (row.subject.id, cleared, changes_on)
        })
        .collect())
}

/// How long after a change the feed is read again: changes committed out of order (a
/// transaction that began earlier committing later) are seen all the same.
const SETTLE: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// Tells other systems whose clearance changed (`volunteer.clearance_changed`): for each
/// municipality it reads up to `batch` volunteers of the status feed from where it stopped, and
/// up to `batch` whose last told answer runs out by date today, works out what each is cleared
/// for, and writes an event for each whose answer differs from the last one told (or, seen for
/// the first time, who is cleared for anything). Returns how many events it wrote.
pub fn announce(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    batch: i64,
) -> Result<usize, ApiError> {
    let today = now.date_naive();
    let mut written = 0;
    for id in announcements::municipalities(conn)? {
        let municipality = municipalities::find(conn, TenantScope::All, id)?;
        let start = match announcements::position(conn, id)? {
            Some((at, volunteer)) => feed::FeedStart::After(at, volunteer),
            None => feed::FeedStart::Since(None),
        };
        let (mut rows, more) = feed::volunteers_page(conn, id, start, batch)?;
        let position = rows.last().map(|last| {
            let read = (last.changed_at, last.subject.id.into_uuid());
            // Caught up: read the last minute again next time.
            let settled = now - SETTLE;
            if !more && read.0 > settled {
                (settled, Uuid::nil())
            } else {
                read
            }
        });
        let seen: Vec<Uuid> = rows.iter().map(|r| r.subject.id.into_uuid()).collect();
        let by_date: Vec<Uuid> = announcements::due_by_date(conn, id, today, batch)?
            .into_iter()
            .filter(|v| !seen.contains(v))
            .collect();
        rows.extend(feed::volunteers_by_id(conn, id, &by_date)?);
        let answers = volunteer_answers(conn, &municipality, &rows, today)?;
        written += tell_clearance(conn, id, answers, now)?;
        if let Some(position) = position {
            announcements::set_position(conn, id, position)?;
        }
    }
    Ok(written)
}

/// Writes `volunteer.clearance_changed` for each answer that differs from the last one told,
/// and remembers every answer.
fn tell_clearance(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    answers: Vec<Answer>,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let ids: Vec<Uuid> = answers.iter().map(|(v, _, _)| v.into_uuid()).collect();
    let before = announcements::told(conn, municipality, &ids)?;
    let mut events = Vec::new();
    let mut remembered = Vec::with_capacity(answers.len());
    for (volunteer, cleared, changes_on) in answers {
        let json = serde_json::to_value(&cleared)
            .map_err(|e| ApiError::from(RepoError::Internal(e.to_string())))?;
        let changed = match before.get(&volunteer.into_uuid()) {
            Some(told) => *told != json,
            None => !cleared.is_empty(),
        };
        if changed {
            events.push(Event::VolunteerClearanceChanged {
                municipality_id: municipality,
                volunteer_id: volunteer,
                cleared_for: cleared,
                changes_on,
            });
        }
        remembered.push((volunteer, json, changes_on));
    }
    outbox::emit_all(conn, &events)?;
    announcements::remember(conn, municipality, &remembered, now)?;
    Ok(events.len())
}

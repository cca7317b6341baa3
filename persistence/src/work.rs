//! The coordinators' work list of a municipality, computed from the stored facts with the
//! domain's dating rules.

use crate::{
    clearance::dogs_of_approved_handlers,
    error::{RepoError, corrupt},
    schema::{
        declarations::dsl as d, municipality_documents::dsl as m, police_certificates::dsl as p,
        screenings::dsl as s, volunteers::dsl as v,
    },
};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use samspill_domain::{
    auth::Audience,
    certificate::CertificateOutcome,
    clearance::{ClearancePolicy, certificate_last_day},
    event::TrainingCredential,
    follow_up::no_contact_since,
    ids::MunicipalityId,
    municipality::MunicipalitySettings,
    need::{starts_soon, unanswered_since},
    vetting::{DeclarationKind, declaration_is_current},
    volunteer::VolunteerStatus,
    work::{WorkItem, WorkItemKind, WorkSubject, expiry, screening_overdue},
};
use std::collections::HashMap;
use uuid::Uuid;

/// A work item with the volunteer's or group's name, for people to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedWorkItem {
    /// The item.
    pub item: WorkItem,
    /// The volunteer's or group's name.
    pub name: String,
    /// Whose list the item is on, when it is someone's (a follow-up's assignee, a volunteer's
    /// contact person).
    pub assignee_id: Option<Uuid>,
    /// The placement the item is about, when it is about one (its visit, say).
    pub placement_id: Option<Uuid>,
}

/// Everything on the work list of `municipality` on `today` that `audience` sees (a district
/// coordinator: about their districts, or assigned to them), unsorted.
pub fn work_items(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    audience: Audience,
    settings: &MunicipalitySettings,
    today: NaiveDate,
) -> Result<Vec<NamedWorkItem>, RepoError> {
    let policy = ClearancePolicy::from(settings);
    let soon = settings.expiring_soon_days;
    let mut items = Vec::new();
    let mut push = |kind, volunteer: Uuid, due_on, related_id, detail: String, name: &str| {
        items.push(NamedWorkItem {
            item: WorkItem {
                kind,
                subject: WorkSubject::Volunteer,
                subject_id: volunteer,
                due_on,
                related_id,
                detail,
            },
            name: name.to_owned(),
            assignee_id: None,
            placement_id: None,
        });
    };

    let waiting: Vec<(Uuid, String, String, DateTime<Utc>)> = v::volunteers
        .filter(v::municipality_id.eq(municipality.into_uuid()))
        .filter(v::erased_at.is_null())
        .filter(v::status.eq_any([
            VolunteerStatus::Registered.as_str(),
            VolunteerStatus::InScreening.as_str(),
        ]))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            s::screenings.filter(s::volunteer_id.eq(v::id)),
        )))
        .select((v::id, v::given_name, v::family_name, v::created_at))
        .load(conn)?;
    for (id, given, family, created_at) in waiting {
        if let Some(due) =
            screening_overdue(created_at.date_naive(), settings.screening_wait_days, today)
        {
            push(
                WorkItemKind::ScreeningOverdue,
                id,
                due,
                None,
                format!(
                    "registered {} and not yet screened",
                    created_at.date_naive()
                ),
                &format!("{given} {family}"),
            );
        }
    }

    let approved: Vec<(Uuid, String, String, Option<Uuid>)> = v::volunteers
        .filter(v::municipality_id.eq(municipality.into_uuid()))
        .filter(v::erased_at.is_null())
        .filter(v::status.eq(VolunteerStatus::Approved.as_str()))
        .select((v::id, v::given_name, v::family_name, v::contact_person_id))
        .load(conn)?;
    let names: HashMap<Uuid, String> = approved
        .iter()
        .map(|(id, given, family, _)| (*id, format!("{given} {family}")))
        .collect();
    let name_of = |id: &Uuid| names.get(id).cloned().unwrap_or_default();
    for (id, _, _, contact) in &approved {
        if contact.is_none() {
            push(
                WorkItemKind::ContactPersonMissing,
                *id,
                today,
                None,
                "approved without a contact person".to_owned(),
                &name_of(id),
            );
        }
    }

    let approved_ids = v::volunteers
        .filter(v::municipality_id.eq(municipality.into_uuid()))
        .filter(v::erased_at.is_null())
        .filter(v::status.eq(VolunteerStatus::Approved.as_str()))
        .select(v::id);

    // The latest certificate of each kind per approved volunteer.
    let certificates: Vec<(Uuid, String, Uuid, NaiveDate, String)> = p::police_certificates
        .filter(p::volunteer_id.eq_any(approved_ids))
        .order((
            p::volunteer_id,
            p::kind,
            p::presented_on.desc(),
            p::id.desc(),
        ))
        .distinct_on((p::volunteer_id, p::kind))
        .select((p::volunteer_id, p::kind, p::id, p::issued_on, p::outcome))
        .load(conn)?;
    for (volunteer, kind, id, issued_on, outcome) in certificates {
        let outcome: CertificateOutcome = outcome.parse().map_err(|e| corrupt("outcome", e))?;
        if !outcome.acceptable() {
            continue;
        }
        let last = certificate_last_day(issued_on, policy);
        if let Some(expired) = expiry(last, today, soon) {
            push(
                if expired {
                    WorkItemKind::CertificateExpired
                } else {
                    WorkItemKind::CertificateExpiring
                },
                volunteer,
                last,
                Some(id),
                format!("{kind} issued {issued_on} counts until {last}"),
                &name_of(&volunteer),
            );
        }
    }

    // The latest signature of each document per approved volunteer, against what is published.
    let current = published_documents(conn, municipality, today)?;
    if !current.is_empty() {
        let signed: Vec<(Uuid, String, Uuid, String)> = d::declarations
            .filter(d::volunteer_id.eq_any(approved_ids))
            .order((d::volunteer_id, d::kind, d::signed_on.desc(), d::id.desc()))
            .distinct_on((d::volunteer_id, d::kind))
            .select((d::volunteer_id, d::kind, d::id, d::document_version))
            .load(conn)?;
        for (volunteer, kind, id, version) in signed {
            let Some((published_version, published_on)) = current.get(&kind) else {
                continue;
            };
            if declaration_is_current(&version, Some(published_version)) {
                continue;
            }
            let kind: DeclarationKind = kind.parse().map_err(|e| corrupt("kind", e))?;
            push(
                WorkItemKind::DeclarationOutdated,
                volunteer,
                *published_on,
                Some(id),
                format!(
                    "{kind} signed for version {version}; version {published_version} is published"
                ),
                &name_of(&volunteer),
            );
        }
    }

    for (dog, approvals) in dogs_of_approved_handlers(conn, municipality)? {
        let best = approvals
            .iter()
            .filter(|a| a.handler_id == dog.handler_id && a.assessed_on <= today)
            .map(|a| (a.last_valid_day(dog.birth_date, policy.dog), a.id))
            .max_by_key(|((day, _), _)| *day);
        if let Some(((last, limit), approval)) = best
            && let Some(expired) = expiry(last, today, soon)
        {
            push(
                if expired {
                    WorkItemKind::DogApprovalExpired
                } else {
                    WorkItemKind::DogApprovalExpiring
                },
                dog.handler_id.into_uuid(),
                last,
                Some(approval),
                format!("{}'s approval counts until {last} ({limit})", dog.name),
                &name_of(&dog.handler_id.into_uuid()),
            );
        }
    }
    for (volunteer, name, last, credential, limit) in training_ends(conn, municipality)? {
        if let Some(expired) = expiry(last, today, soon) {
            push(
                if expired {
                    WorkItemKind::TrainingExpired
                } else {
                    WorkItemKind::TrainingExpiring
                },
                volunteer,
                last,
                Some(credential.id.into_uuid()),
                format!(
                    "{} completed {} counts until {last} ({limit})",
                    credential.training, credential.completed_on
                ),
                &name,
            );
        }
    }
    items.extend(group_items(conn, municipality, settings, &current, today)?);
    items.extend(crate::placement_work::placement_items(
        conn,
        municipality,
        today,
    )?);
    items.extend(need_items(conn, municipality, settings, today)?);
    items.extend(follow_up_items(conn, municipality, settings, today)?);
    if matches!(audience, Audience::Everyone | Audience::Coordinator(_)) {
        items.extend(webhook_items(conn, municipality, today)?);
        items.extend(event_items(conn, municipality, today)?);
        items.extend(survey_items(conn, municipality, today)?);
    }
    items.extend(retention_items(conn, municipality, today)?);
    // A coordinator limited to care districts: what is about their districts (the subject, or
    // the placement of the item, as a placement at a district's unit may be a volunteer's
    // from elsewhere), and what is on their own list.
    if let Some(seen) = crate::districts::subjects(conn, audience)? {
        let own = match audience {
            Audience::Coordinator(account) => Some(account.into_uuid()),
            _ => None,
        };
        items.retain(|named| {
            seen.contains(&named.item.subject_id)
                || named.placement_id.is_some_and(|id| seen.contains(&id))
                || (own.is_some() && named.assignee_id == own)
        });
    }
    Ok(items)
}

/// The follow-ups' part of the work list: follow-ups past their due date, on their assignee's
/// list, and approved volunteers nobody has reached for longer than `no_contact_days`.
fn follow_up_items(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    settings: &MunicipalitySettings,
    today: NaiveDate,
) -> Result<Vec<NamedWorkItem>, RepoError> {
    let overdue = crate::follow_ups::overdue(conn, municipality, today)?;
    let subjects: Vec<_> = overdue.iter().map(|f| f.subject).collect();
    let names = crate::follow_ups::subject_names(conn, municipality, &subjects)?;
    let mut items: Vec<NamedWorkItem> = overdue
        .into_iter()
        .map(|f| NamedWorkItem {
            item: WorkItem {
                kind: WorkItemKind::FollowUpOverdue,
                subject: f.subject.kind().into(),
                subject_id: f.subject.id(),
                due_on: f.due_on,
                related_id: Some(f.id.into_uuid()),
                detail: format!(
                    "{} follow-up by {} was due {}",
                    f.purpose.as_str().replace('_', " "),
                    f.channel.as_str().replace('_', " "),
                    f.due_on
                ),
            },
            name: names.get(&f.subject.id()).cloned().unwrap_or_default(),
            assignee_id: f.assignee_id.map(|a| a.into_uuid()),
            placement_id: None,
        })
        .collect();
    for last in crate::follow_ups::last_contacts(conn, municipality)? {
        if let Some(due) = no_contact_since(last.since, settings.no_contact_days, today) {
            items.push(NamedWorkItem {
                item: WorkItem {
                    kind: WorkItemKind::NoRecentContact,
                    subject: WorkSubject::Volunteer,
                    subject_id: last.id,
                    due_on: due,
                    related_id: None,
                    detail: format!("no contact logged since {}", last.since),
                },
                name: last.name,
                assignee_id: last.assignee_id,
                placement_id: None,
            });
        }
    }
    Ok(items)
}

/// The needs' part of the work list: open needs nobody answered for too long, and open needs
/// with free places whose first day is near.
fn need_items(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    settings: &MunicipalitySettings,
    today: NaiveDate,
) -> Result<Vec<NamedWorkItem>, RepoError> {
    let mut items = Vec::new();
    for need in crate::needs::open_needs(conn, municipality, today)? {
        let name = format!("{} at {}", need.activity_kind, need.unit_name);
        let mut push = |kind, due_on, detail: String| {
            items.push(NamedWorkItem {
                item: WorkItem {
                    kind,
                    subject: WorkSubject::Need,
                    subject_id: need.id.into_uuid(),
                    due_on,
                    related_id: None,
                    detail,
                },
                name: name.clone(),
                assignee_id: None,
                placement_id: None,
            });
        };
        if !need.answered
            && let Some(due) =
                unanswered_since(need.opened_on, settings.need_unanswered_days, today)
        {
            push(
                WorkItemKind::NeedUnanswered,
                due,
                format!(
                    "open since {} with nobody interested or placed",
                    need.opened_on
                ),
            );
        }
        if need.filled < i64::from(need.places)
            && starts_soon(need.starts_on, settings.need_start_look_ahead_days, today)
        {
            push(
                WorkItemKind::NeedStartingSoon,
                need.starts_on,
                format!(
                    "starts on {} with {} of {} places taken",
                    need.starts_on, need.filled, need.places
                ),
            );
        }
    }
    Ok(items)
}

/// The groups' part of the work list: registrations waiting for the screening of their
/// contact person, approved groups whose contact person is no longer active, and declarations
/// signed for approved groups of a replaced document version.
fn group_items(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    settings: &MunicipalitySettings,
    published: &HashMap<String, (String, NaiveDate)>,
    today: NaiveDate,
) -> Result<Vec<NamedWorkItem>, RepoError> {
    use crate::schema::{
        contact_persons::dsl as c, group_declarations::dsl as gd, group_screenings::dsl as gs,
        groups::dsl as g,
    };
    let mut items = Vec::new();
    let mut push = |kind, group: Uuid, due_on, related_id, detail: String, name: &str| {
        items.push(NamedWorkItem {
            item: WorkItem {
                kind,
                subject: WorkSubject::Group,
                subject_id: group,
                due_on,
                related_id,
                detail,
            },
            name: name.to_owned(),
            assignee_id: None,
            placement_id: None,
        });
    };
    let waiting: Vec<(Uuid, String, DateTime<Utc>)> = g::groups
        .filter(g::municipality_id.eq(municipality.into_uuid()))
        .filter(g::status.eq_any([
            VolunteerStatus::Registered.as_str(),
            VolunteerStatus::InScreening.as_str(),
        ]))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            gs::group_screenings.filter(
                gs::group_id
                    .eq(g::id)
                    .and(gs::contact_person_id.eq(g::contact_person_id)),
            ),
        )))
        .select((g::id, g::name, g::created_at))
        .load(conn)?;
    for (id, name, created_at) in waiting {
        if let Some(due) =
            screening_overdue(created_at.date_naive(), settings.screening_wait_days, today)
        {
            push(
                WorkItemKind::ScreeningOverdue,
                id,
                due,
                None,
                "the group's contact person has not been screened".to_owned(),
                &name,
            );
        }
    }
    let approved: Vec<(Uuid, String, Uuid, bool)> = g::groups
        .inner_join(c::contact_persons.on(c::id.eq(g::contact_person_id)))
        .filter(g::municipality_id.eq(municipality.into_uuid()))
        .filter(g::status.eq(VolunteerStatus::Approved.as_str()))
        .select((g::id, g::name, g::contact_person_id, c::active))
        .load(conn)?;
    let names: HashMap<Uuid, (String, Uuid)> = approved
        .iter()
        .map(|(id, name, contact, _)| (*id, (name.clone(), *contact)))
        .collect();
    for (id, name, _, active) in &approved {
        if !active {
            push(
                WorkItemKind::ContactPersonMissing,
                *id,
                today,
                None,
                "the group's contact person is no longer active".to_owned(),
                name,
            );
        }
    }
    if !published.is_empty() && !names.is_empty() {
        let ids: Vec<Uuid> = names.keys().copied().collect();
        let signed: Vec<(Uuid, String, Uuid, String, Uuid)> = gd::group_declarations
            .filter(gd::group_id.eq_any(&ids))
            .order((gd::group_id, gd::kind, gd::signed_on.desc(), gd::id.desc()))
            .distinct_on((gd::group_id, gd::kind))
            .select((
                gd::group_id,
                gd::kind,
                gd::id,
                gd::document_version,
                gd::signed_by,
            ))
            .load(conn)?;
        for (group, kind, id, version, signed_by) in signed {
            let (Some((published_version, published_on)), Some((name, contact))) =
                (published.get(&kind), names.get(&group))
            else {
                continue;
            };
            // A declaration of the previous contact person is the approval's business
            // (the group went back to screening), not an outdated version.
            if signed_by != *contact || declaration_is_current(&version, Some(published_version)) {
                continue;
            }
            push(
                WorkItemKind::DeclarationOutdated,
                group,
                *published_on,
                Some(id),
                format!(
                    "{kind} signed for version {version}; version {published_version} is published"
                ),
                name,
            );
        }
    }
    Ok(items)
}

/// The version of each document the municipality publishes on `today`, with its date, by kind.
fn published_documents(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    today: NaiveDate,
) -> Result<HashMap<String, (String, NaiveDate)>, RepoError> {
    Ok(m::municipality_documents
        .filter(m::municipality_id.eq(municipality.into_uuid()))
        .filter(m::published_on.le(today))
        .order((m::kind.asc(), m::published_on.desc(), m::id.desc()))
        .distinct_on(m::kind)
        .select((m::kind, m::version_label, m::published_on))
        .load::<(String, String, NaiveDate)>(conn)?
        .into_iter()
        .map(|(kind, version, on)| (kind, (version, on)))
        .collect())
}

/// The webhooks' part of the work list: endpoints disabled by a 410 answer, and enabled ones
/// whose deliveries failed for good (for municipality-wide coordinators and administrators; a
/// district coordinator's list leaves them out, as it leaves out anything not about their
/// districts).
/// Theme trainings closed whose credentials wait for the coordinator's confirmation.
fn event_items(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    today: NaiveDate,
) -> Result<Vec<NamedWorkItem>, RepoError> {
    Ok(crate::events::awaiting_grant(conn, municipality)?
        .into_iter()
        .map(|event| NamedWorkItem {
            item: WorkItem {
                kind: WorkItemKind::TrainingGrantPending,
                subject: WorkSubject::Event,
                subject_id: event.id.into_uuid(),
                due_on: event.updated_at.date_naive().min(today),
                related_id: None,
                detail: format!(
                    "closed; confirm the {} credentials with POST /api/v1/events/{}/credential-grants",
                    event.grant.map(|g| g.training).unwrap_or_default(),
                    event.id
                ),
            },
            name: event.title,
            assignee_id: None,
            placement_id: None,
        })
        .collect())
}

/// Volunteers whose retention period runs out within their policy's warning.
fn retention_items(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    today: NaiveDate,
) -> Result<Vec<NamedWorkItem>, RepoError> {
    let found =
        crate::municipalities::find(conn, samspill_domain::auth::TenantScope::All, municipality)?;
    let zone = samspill_domain::schedule::time_zone_name(found.country);
    let candidates = crate::retention::candidates(
        conn,
        municipality,
        zone,
        crate::retention::CandidateQuery {
            horizon: today,
            with_warning: true,
            only: None,
            after: None,
            limit: i64::MAX,
        },
    )?;
    Ok(candidates
        .into_iter()
        .filter(|c| !c.erased && c.policy.warn_from(c.due_on()) <= today)
        .map(|c| {
            let due_on = c.acts_on(today);
            NamedWorkItem {
                item: WorkItem {
                    kind: WorkItemKind::RetentionDue,
                    subject: WorkSubject::Volunteer,
                    subject_id: c.volunteer_id.into_uuid(),
                    due_on,
                    related_id: None,
                    detail: format!(
                        "{} ({} months after {}): {} on {due_on} unless kept longer with POST /api/v1/volunteers/{}/retention-extensions",
                        c.policy.category,
                        c.policy.months,
                        c.since,
                        match c.policy.action {
                            samspill_domain::retention::RetentionAction::Anonymise => "anonymised",
                            samspill_domain::retention::RetentionAction::Delete => "deleted",
                        },
                        c.volunteer_id,
                    ),
                },
                name: c.name,
                assignee_id: None,
                placement_id: None,
            }
        })
        .collect())
}

fn survey_items(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    today: NaiveDate,
) -> Result<Vec<NamedWorkItem>, RepoError> {
    let until = today + chrono::Days::new(3);
    Ok(
        crate::surveys::closing_unanswered(conn, municipality, today, until)?
            .into_iter()
            .map(|(round, asked, answered)| NamedWorkItem {
                item: WorkItem {
                    kind: WorkItemKind::SurveyClosingUnanswered,
                    subject: WorkSubject::SurveyRound,
                    subject_id: round.id.into_uuid(),
                    due_on: round.closes_on,
                    related_id: None,
                    detail: format!(
                        "{answered} of {asked} have answered; send the links again with POST /api/v1/survey-rounds/{}/links or give it a later closes_on",
                        round.id
                    ),
                },
                name: round.title,
                assignee_id: None,
                placement_id: None,
            })
            .collect(),
    )
}

fn webhook_items(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    today: NaiveDate,
) -> Result<Vec<NamedWorkItem>, RepoError> {
    Ok(crate::webhooks::failing(conn, municipality)?
        .into_iter()
        .map(|endpoint| {
            let detail = if endpoint.enabled {
                format!(
                    "{} deliveries in a row failed for good; see its deliveries with status=failed and retry them",
                    endpoint.failure_streak
                )
            } else {
                endpoint.disabled_reason.clone().unwrap_or_default()
            };
            NamedWorkItem {
                item: WorkItem {
                    kind: WorkItemKind::WebhookEndpointFailing,
                    subject: WorkSubject::WebhookEndpoint,
                    subject_id: endpoint.id.into_uuid(),
                    due_on: endpoint.updated_at.date_naive().min(today),
                    related_id: None,
                    detail,
                },
                name: endpoint.description.unwrap_or(endpoint.url),
                assignee_id: None,
                placement_id: None,
            }
        })
        .collect())
}

/// A volunteer, their name, the last day their training counts, the credential, and what sets
/// that day.
type TrainingEnd = (Uuid, String, NaiveDate, TrainingCredential, &'static str);

/// For each approved volunteer and each training a rule requires, the credential that counts
/// longest and its last day, where that runs out: the credential's validity or the strictest
/// maximum age of the rules requiring it, whichever ends first (as clearance counts it).
fn training_ends(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
) -> Result<Vec<TrainingEnd>, RepoError> {
    use samspill_domain::clearance::TrainingFact;
    let mut max_age: HashMap<String, Option<u16>> = HashMap::new();
    for rule in crate::rules::of_municipality(conn, municipality)? {
        if let Some(training) = rule.training {
            let entry = max_age.entry(training).or_insert(rule.max_age_months);
            *entry = match (*entry, rule.max_age_months) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
    }
    if max_age.is_empty() {
        return Ok(Vec::new());
    }
    let trainings: Vec<String> = max_age.keys().cloned().collect();
    // (volunteer, training) -> the best so far; `None` as the day: one never runs out.
    type Best = (String, Option<NaiveDate>, TrainingCredential, &'static str);
    let mut best: HashMap<(Uuid, String), Best> = HashMap::new();
    for (volunteer, name, credential) in crate::events::of_approved(conn, municipality, &trainings)?
    {
        let fact = TrainingFact {
            training: credential.training.clone(),
            completed_on: credential.completed_on,
            valid_until: credential.valid_until,
        };
        let age = max_age.get(&credential.training).copied().flatten();
        let (until, limit) = fact.counts_until(age);
        let key = (volunteer, credential.training.clone());
        let better = best
            .get(&key)
            .is_none_or(|(_, day, _, _)| match (day, until) {
                (None, _) => false,
                (Some(_), None) => true,
                (Some(d), Some(u)) => u > *d,
            });
        if better {
            best.insert(key, (name, until, credential, limit));
        }
    }
    let mut ends: Vec<_> = best
        .into_iter()
        .filter_map(|((volunteer, _), (name, until, credential, limit))| {
            until.map(|last| (volunteer, name, last, credential, limit))
        })
        .collect();
    ends.sort_by_key(|a| (a.0, a.2));
    Ok(ends)
}

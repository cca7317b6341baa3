//! Surveys: templates (two ready ones in the municipality's language), rounds sent to units or
//! volunteers with one-time links, answers by link or signed in, and results per unit, care
//! district or municipality, withheld for small groups, with free text only for coordinators.

use crate::{access, auth::StaffCaller, error::ApiError};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::Connection;
use samspill_domain::{
    ParseError,
    ids::{MunicipalityId, SurveyRoundId, SurveyTemplateId},
    survey::{
        Grouping, QuestionResult, Response, RoundStatus, Suppression, SurveyAudience, SurveyRound,
        SurveyTemplate, check_response, check_round_dates, ready_template, suppress, tally,
    },
    unit::UnitKind,
};
use samspill_persistence::{
    Page, PgConnection, RepoError,
    page::PageRequest,
    surveys::{self, Asked, Recipient, RoundDraft, TemplateDraft, UnitNode},
    units,
    versioned::check_version,
};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

const RUNS_SURVEYS: &str = "Surveys go to units and volunteers across care districts: a \
     municipality-wide coordinator or an administrator makes and sends them.";

/// The municipality's own date at `now`: rounds open and close on local days.
fn today_in(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    now: DateTime<Utc>,
) -> Result<NaiveDate, ApiError> {
    let found = samspill_persistence::municipalities::find(
        conn,
        samspill_domain::auth::TenantScope::All,
        municipality,
    )?;
    Ok(crate::cases::time_entries::local_today(&found, now))
}

/// Where a template comes from.
#[derive(Debug, Clone)]
pub enum TemplateSource {
    /// A copy of a ready template, by code; a name given replaces its own.
    Ready {
        /// The ready template's code.
        code: String,
        /// A name of the municipality's own.
        name: Option<String>,
        /// A description of the municipality's own.
        description: Option<String>,
    },
    /// The caller's own questions (checked).
    Own(TemplateDraft),
}

/// Makes a template of `municipality`.
pub fn create_template(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    municipality: MunicipalityId,
    source: TemplateSource,
    now: DateTime<Utc>,
) -> Result<SurveyTemplate, ApiError> {
    conn.transaction(|conn| {
        access::municipality_wide(conn, caller, RUNS_SURVEYS)?;
        let municipality = access::named_municipality(conn, caller.scope(), municipality)?;
        let draft = match source {
            TemplateSource::Own(draft) => draft,
            TemplateSource::Ready {
                code,
                name,
                description,
            } => {
                let Some(ready) = ready_template(&code, municipality.country) else {
                    return Err(ApiError::invalid(
                        "ready",
                        "not_found",
                        format!(
                            "no ready template with this code; there are: {}",
                            samspill_domain::survey::READY_TEMPLATES.join(", ")
                        ),
                    ));
                };
                TemplateDraft {
                    name: name.unwrap_or_else(|| ready.name.to_owned()),
                    description: description.or_else(|| Some(ready.description.to_owned())),
                    audience: ready.audience,
                    ready_code: Some(ready.code.to_owned()),
                    questions: ready.questions,
                }
            }
        };
        Ok(surveys::insert_template(
            conn,
            municipality.id,
            &draft,
            caller.id,
            now,
        )?)
    })
}

/// One template of the caller's municipality.
pub fn get_template(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: SurveyTemplateId,
) -> Result<SurveyTemplate, ApiError> {
    caller.require_manager()?;
    Ok(surveys::find_template(
        conn,
        caller.municipality,
        id,
        false,
    )?)
}

/// A page of templates.
pub fn list_templates(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    page: PageRequest,
) -> Result<Page<SurveyTemplate>, ApiError> {
    caller.require_manager()?;
    Ok(surveys::list_templates(conn, caller.municipality, page)?)
}

/// Changes a template: `change` edits the stored draft. New questions raise its revision;
/// rounds already sent keep theirs.
pub fn update_template(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: SurveyTemplateId,
    expected: Option<i32>,
    change: impl FnOnce(&mut TemplateDraft),
) -> Result<SurveyTemplate, ApiError> {
    conn.transaction(|conn| {
        access::municipality_wide(conn, caller, RUNS_SURVEYS)?;
        let current = surveys::find_template(conn, caller.municipality, id, true)?;
        check_version(current.version, expected)?;
        let mut draft = TemplateDraft::of(&current);
        change(&mut draft);
        Ok(surveys::update_template(conn, &current, &draft)?)
    })
}

/// A round with how many it asks and how many have answered.
#[derive(Debug, Clone)]
pub struct RoundRecord {
    /// The round.
    pub round: SurveyRound,
    /// How many units or volunteers it asks.
    pub asked: i64,
    /// How many of them have answered.
    pub answered: i64,
    /// Where it stands today.
    pub status: RoundStatus,
}

fn round_records(
    conn: &mut PgConnection,
    found: Vec<SurveyRound>,
    now: DateTime<Utc>,
) -> Result<Vec<RoundRecord>, ApiError> {
    let mut by_municipality: HashMap<MunicipalityId, Vec<SurveyRoundId>> = HashMap::new();
    for round in &found {
        by_municipality
            .entry(round.municipality_id)
            .or_default()
            .push(round.id);
    }
    let mut counts = HashMap::new();
    let mut today = HashMap::new();
    for (municipality, ids) in by_municipality {
        counts.extend(surveys::counts_of(conn, municipality, &ids)?);
        today.insert(municipality, today_in(conn, municipality, now)?);
    }
    Ok(found
        .into_iter()
        .map(|round| {
            let (asked, answered) = counts.get(&round.id).copied().unwrap_or_default();
            let on = today
                .get(&round.municipality_id)
                .copied()
                .unwrap_or_else(|| now.date_naive());
            RoundRecord {
                status: round.status(on),
                round,
                asked,
                answered,
            }
        })
        .collect())
}

fn round_record(
    conn: &mut PgConnection,
    round: SurveyRound,
    now: DateTime<Utc>,
) -> Result<RoundRecord, ApiError> {
    round_records(conn, vec![round], now)?
        .pop()
        .ok_or_else(|| ApiError::Internal("round record missing".into()))
}

/// Who a new round asks.
#[derive(Debug, Clone, Default)]
pub struct RoundAudience {
    /// Every unit (for a unit survey; care districts are not asked) or every approved
    /// volunteer.
    pub all: bool,
    /// These units, or the approved volunteers whose home unit is one of them.
    pub unit_ids: Vec<Uuid>,
    /// These approved volunteers.
    pub volunteer_ids: Vec<Uuid>,
}

/// A round to send.
#[derive(Debug, Clone)]
pub struct RoundRequest {
    /// The template.
    pub template_id: SurveyTemplateId,
    /// Its title; the template's name when not given.
    pub title: Option<String>,
    /// The first day answers are taken.
    pub opens_on: NaiveDate,
    /// The last day answers are taken.
    pub closes_on: NaiveDate,
    /// Results of a group with fewer responses are withheld.
    pub min_group_size: u16,
    /// Who it asks.
    pub audience: RoundAudience,
}

/// Who `audience` names in the municipality, or the fields naming what it does not have.
fn resolve(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    kind: SurveyAudience,
    audience: &RoundAudience,
) -> Result<Vec<Asked>, ApiError> {
    let all_units = surveys::units(conn, municipality)?;
    let mut errors: Vec<(String, ParseError)> = audience
        .unit_ids
        .iter()
        .enumerate()
        .filter(|(_, id)| !all_units.contains_key(id))
        .map(|(n, _)| {
            (
                format!("audience.unit_ids[{n}]"),
                ParseError::new("not_found", "no unit with this id in the municipality"),
            )
        })
        .collect();
    let asked = match kind {
        SurveyAudience::Units => {
            if !audience.volunteer_ids.is_empty() {
                errors.push((
                    "audience.volunteer_ids".to_owned(),
                    ParseError::new(
                        "not_applicable",
                        "this survey is answered by units; name units",
                    ),
                ));
            }
            let mut ids: Vec<Uuid> = if audience.all {
                all_units
                    .iter()
                    .filter(|(_, unit)| unit.kind != UnitKind::CareDistrict)
                    .map(|(id, _)| *id)
                    .collect()
            } else {
                audience.unit_ids.clone()
            };
            ids.sort_unstable();
            ids.dedup();
            ids.into_iter()
                .map(|id| Asked {
                    unit_id: Some(id.into()),
                    volunteer_id: None,
                })
                .collect()
        }
        SurveyAudience::Volunteers => {
            let strangers = surveys::not_approved(conn, municipality, &audience.volunteer_ids)?;
            errors.extend(
                audience
                    .volunteer_ids
                    .iter()
                    .enumerate()
                    .filter(|(_, id)| strangers.contains(id))
                    .map(|(n, _)| {
                        (
                            format!("audience.volunteer_ids[{n}]"),
                            ParseError::new(
                                "not_found",
                                "no approved volunteer with this id in the municipality",
                            ),
                        )
                    }),
            );
            surveys::approved_volunteers(
                conn,
                municipality,
                audience.all,
                &audience.unit_ids,
                &audience.volunteer_ids,
            )?
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    if asked.is_empty() {
        return Err(ApiError::invalid(
            "audience",
            "empty",
            "nobody to ask: name units or volunteers, or ask all",
        ));
    }
    Ok(asked)
}

/// Sends a round of a template to the units or volunteers `request` names.
pub fn create_round(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    request: RoundRequest,
    now: DateTime<Utc>,
) -> Result<RoundRecord, ApiError> {
    conn.transaction(|conn| {
        access::municipality_wide(conn, caller, RUNS_SURVEYS)?;
        let template =
            match surveys::find_template(conn, caller.municipality, request.template_id, false) {
                Ok(t) => t,
                Err(RepoError::NotFound) => {
                    return Err(ApiError::invalid(
                        "template_id",
                        "not_found",
                        "no survey template with this id in the municipality",
                    ));
                }
                Err(e) => return Err(e.into()),
            };
        let today = today_in(conn, template.municipality_id, now)?;
        check_round_dates(request.opens_on, request.closes_on, today).map_err(ApiError::fields)?;
        let asked = resolve(
            conn,
            template.municipality_id,
            template.audience,
            &request.audience,
        )?;
        let draft = RoundDraft {
            title: request.title.unwrap_or_else(|| template.name.clone()),
            opens_on: request.opens_on,
            closes_on: request.closes_on,
            min_group_size: request.min_group_size,
        };
        let round = surveys::insert_round(conn, &template, &draft, &asked, caller.id, now)?;
        round_record(conn, round, now)
    })
}

/// One round of the caller's municipality.
pub fn get_round(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: SurveyRoundId,
    now: DateTime<Utc>,
) -> Result<RoundRecord, ApiError> {
    caller.require_manager()?;
    let round = surveys::find_round(conn, caller.municipality, id, false)?;
    round_record(conn, round, now)
}

/// A page of rounds, of one template when given.
pub fn list_rounds(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    template: Option<SurveyTemplateId>,
    page: PageRequest,
    now: DateTime<Utc>,
) -> Result<Page<RoundRecord>, ApiError> {
    caller.require_manager()?;
    let found = surveys::list_rounds(conn, caller.municipality, template, page)?;
    Ok(Page {
        items: round_records(conn, found.items, now)?,
        next_after: found.next_after,
    })
}

/// What may change on a round.
#[derive(Debug, Clone, Default)]
pub struct RoundChange {
    /// A new title.
    pub title: Option<String>,
    /// A new last day (not before its first day nor before today; not once it has closed).
    pub closes_on: Option<NaiveDate>,
    /// Call it off: no more answers; what came stays.
    pub cancel: bool,
}

/// Changes a round's title or last day, or calls it off.
pub fn update_round(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: SurveyRoundId,
    expected: Option<i32>,
    change: RoundChange,
    now: DateTime<Utc>,
) -> Result<RoundRecord, ApiError> {
    conn.transaction(|conn| {
        access::municipality_wide(conn, caller, RUNS_SURVEYS)?;
        let current = surveys::find_round(conn, caller.municipality, id, true)?;
        check_version(current.version, expected)?;
        let status = current.status(today_in(conn, current.municipality_id, now)?);
        match status {
            RoundStatus::Cancelled => {
                return Err(ApiError::conflict(
                    "the round is cancelled and cannot change",
                ));
            }
            // Reopened, its results could be read again with more answers: send a new round.
            RoundStatus::Closed if change.closes_on.is_some() || change.cancel => {
                return Err(ApiError::conflict(
                    "the round has closed and its results are final; send a new round",
                ));
            }
            _ => {}
        }
        let closes_on = change.closes_on.unwrap_or(current.closes_on);
        if change.closes_on.is_some() {
            let today = today_in(conn, current.municipality_id, now)?;
            check_round_dates(current.opens_on, closes_on, today).map_err(ApiError::fields)?;
        }
        let updated = surveys::update_round(
            conn,
            &current,
            change.title.as_deref().unwrap_or(&current.title),
            closes_on,
            change.cancel.then_some(now),
        )?;
        round_record(conn, updated, now)
    })
}

/// Who a recipient is, for the one who sends the links.
#[derive(Debug, Clone)]
pub struct Link {
    /// The recipient.
    pub recipient: Recipient,
    /// The unit's or the volunteer's name.
    pub name: String,
    /// The volunteer's email address, if they have one.
    pub email: Option<String>,
    /// The one-time token (shown only now).
    pub token: String,
}

/// Makes a new one-time link for everyone the round asks who has not answered (a link made
/// before stops working), while the round is scheduled or open.
pub fn make_links(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: SurveyRoundId,
    now: DateTime<Utc>,
) -> Result<Vec<Link>, ApiError> {
    conn.transaction(|conn| {
        access::municipality_wide(conn, caller, RUNS_SURVEYS)?;
        let round = surveys::find_round(conn, caller.municipality, id, true)?;
        let status = round.status(today_in(conn, round.municipality_id, now)?);
        if !matches!(status, RoundStatus::Scheduled | RoundStatus::Open) {
            return Err(ApiError::conflict(format!(
                "links are made for a round that is scheduled or open; this one is {status}"
            )));
        }
        let pending = surveys::unanswered(conn, &round)?;
        let unit_names = surveys::units(conn, round.municipality_id)?;
        let volunteer_ids: Vec<Uuid> = pending.iter().filter_map(|r| r.volunteer_id).collect();
        let people = surveys::people(conn, round.municipality_id, &volunteer_ids)?;
        let mut links = Vec::with_capacity(pending.len());
        let mut hashes = Vec::with_capacity(pending.len());
        for recipient in pending {
            let token = crate::random::token();
            hashes.push((recipient.id, crate::auth::tokens::secret_hash(&token)));
            let (name, email) = match recipient.volunteer_id {
                Some(v) => people.get(&v).cloned().unwrap_or_default(),
                None => (
                    recipient
                        .unit_id
                        .and_then(|u| unit_names.get(&u))
                        .map(|u| u.name.clone())
                        .unwrap_or_default(),
                    None,
                ),
            };
            links.push(Link {
                recipient,
                name,
                email,
                token,
            });
        }
        surveys::set_links(conn, &round, &hashes, now)?;
        Ok(links)
    })
}

/// A page of the units or volunteers a round asks, with whether they have answered.
pub fn recipients(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: SurveyRoundId,
    page: PageRequest,
) -> Result<Page<Recipient>, ApiError> {
    access::municipality_wide(conn, caller, RUNS_SURVEYS)?;
    let round = surveys::find_round(conn, caller.municipality, id, false)?;
    Ok(surveys::recipients(conn, &round, page)?)
}

/// What someone answering sees: the round and, for a unit, which unit they answer for.
#[derive(Debug, Clone)]
pub struct Form {
    /// The round.
    pub round: SurveyRound,
    /// The unit answered for, in a unit survey.
    pub unit_name: Option<String>,
}

/// Refuses answers to a round that does not take them on `today`.
fn taking_answers(round: &SurveyRound, today: NaiveDate) -> Result<(), ApiError> {
    match round.status(today) {
        RoundStatus::Open => Ok(()),
        RoundStatus::Scheduled => Err(ApiError::conflict(format!(
            "the survey opens on {}",
            round.opens_on
        ))),
        RoundStatus::Closed => Err(ApiError::Gone(format!(
            "the survey closed on {}",
            round.closes_on
        ))),
        RoundStatus::Cancelled => Err(ApiError::Gone("the survey was called off".into())),
    }
}

fn unused(recipient: Recipient) -> Result<Recipient, ApiError> {
    if recipient.answered_at.is_some() {
        return Err(ApiError::Gone(
            "this link has been used: a survey is answered once".into(),
        ));
    }
    Ok(recipient)
}

fn recipient_of_token(conn: &mut PgConnection, token: &str) -> Result<Recipient, ApiError> {
    unused(surveys::by_token(
        conn,
        &crate::auth::tokens::secret_hash(token),
    )?)
}

/// The form of `recipient`'s round; with `lock`, the round is locked until the transaction
/// ends (while an answer is stored, so that none slips in past a cancellation).
fn form_of(
    conn: &mut PgConnection,
    recipient: &Recipient,
    today: NaiveDate,
    lock: bool,
) -> Result<Form, ApiError> {
    let municipality = MunicipalityId::from(recipient.municipality_id);
    let round = surveys::find_round(conn, Some(municipality), recipient.round_id.into(), lock)?;
    taking_answers(&round, today)?;
    let unit_name = match (round.audience, recipient.unit_id) {
        (SurveyAudience::Units, Some(unit)) => Some(
            units::find(
                conn,
                samspill_domain::auth::TenantScope::Municipality(municipality),
                unit.into(),
            )?
            .name,
        ),
        _ => None,
    };
    Ok(Form { round, unit_name })
}

/// The survey a link's token opens (404 for no such link, 410 once used or closed).
pub fn form(conn: &mut PgConnection, token: &str, now: DateTime<Utc>) -> Result<Form, ApiError> {
    conn.transaction(|conn| {
        let recipient = recipient_of_token(conn, token)?;
        let today = today_in(conn, recipient.municipality_id.into(), now)?;
        form_of(conn, &recipient, today, false)
    })
}

fn store(
    conn: &mut PgConnection,
    recipient: &Recipient,
    round: &SurveyRound,
    given: Response,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let answers = check_response(&round.questions, given).map_err(ApiError::fields)?;
    let id = uuid::Builder::from_random_bytes(
        crate::random::bytes(16)
            .try_into()
            .map_err(|_| ApiError::Internal("random bytes".into()))?,
    )
    .into_uuid();
    // The care district the unit is in now is recorded with the response: results group by
    // what was recorded, whatever becomes of the units later.
    let units = surveys::units(conn, recipient.municipality_id.into())?;
    let district = recipient.unit_id.and_then(|u| district_of(&units, u));
    surveys::respond(conn, id, recipient, district, &answers, today, now)?;
    crate::metrics::survey_response();
    Ok(())
}

/// Answers the survey a link's token opens, once.
pub fn answer_by_token(
    conn: &mut PgConnection,
    token: &str,
    given: Response,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    conn.transaction(|conn| {
        let recipient = recipient_of_token(conn, token)?;
        let today = today_in(conn, recipient.municipality_id.into(), now)?;
        let form = form_of(conn, &recipient, today, true)?;
        // Read again under the round's lock: the same link may be answering twice at once.
        let recipient = unused(surveys::locked(
            conn,
            &recipient,
            Some(&crate::auth::tokens::secret_hash(token)),
        )?)?;
        store(conn, &recipient, &form.round, given, today, now)
    })
}

/// A round the signed-in volunteer is asked in.
#[derive(Debug, Clone)]
pub struct OwnSurvey {
    /// Their place in it.
    pub recipient: Recipient,
    /// The round.
    pub round: SurveyRound,
    /// Where the round stands today.
    pub status: RoundStatus,
}

/// A page of the rounds the signed-in volunteer is asked in.
pub fn own(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    page: PageRequest,
    now: DateTime<Utc>,
) -> Result<Page<OwnSurvey>, ApiError> {
    let found = surveys::own(conn, caller.id, caller.municipality, page)?;
    let ids: Vec<SurveyRoundId> = found.items.iter().map(|r| r.round_id.into()).collect();
    let rounds = surveys::rounds_by_id(conn, &ids)?;
    let records: HashMap<SurveyRoundId, RoundRecord> =
        round_records(conn, rounds.into_values().collect(), now)?
            .into_iter()
            .map(|r| (r.round.id, r))
            .collect();
    Ok(Page {
        items: found
            .items
            .into_iter()
            .filter_map(|recipient| {
                records
                    .get(&SurveyRoundId::from(recipient.round_id))
                    .map(|r| OwnSurvey {
                        recipient,
                        round: r.round.clone(),
                        status: r.status,
                    })
            })
            .collect(),
        next_after: found.next_after,
    })
}

/// The signed-in volunteer answers a round they are asked in, once.
pub fn answer_own(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    round: SurveyRoundId,
    given: Response,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    conn.transaction(|conn| {
        let found = surveys::own_in(conn, caller.id, caller.municipality, round)?;
        let found_round =
            surveys::find_round(conn, Some(found.municipality_id.into()), round, true)?;
        let recipient = surveys::locked(conn, &found, None)?;
        if recipient.answered_at.is_some() {
            return Err(ApiError::conflict(
                "you have answered this survey; it is answered once",
            ));
        }
        let found = found_round;
        let today = today_in(conn, found.municipality_id, now)?;
        taking_answers(&found, today)?;
        store(conn, &recipient, &found, given, today, now)
    })
}

/// One group's results.
#[derive(Debug, Clone)]
pub struct GroupResult {
    /// The unit or care district; `None` for the municipality, or for responses with no unit.
    pub id: Option<Uuid>,
    /// Its name.
    pub name: String,
    /// How many responses it has.
    pub responses: usize,
    /// Whether they are withheld: fewer than the round's minimum, or needed to keep a small
    /// group from being worked out by subtracting the others from a total.
    pub withheld: bool,
    /// The results, question by question; empty when withheld.
    pub questions: Vec<QuestionResult>,
}

/// A round's results, grouped.
#[derive(Debug, Clone)]
pub struct Results {
    /// The round.
    pub round: RoundRecord,
    /// How they are grouped.
    pub grouping: Grouping,
    /// The groups, by name.
    pub groups: Vec<GroupResult>,
    /// Whether free texts are shown (to coordinators and administrators only).
    pub texts_shown: bool,
}

/// A group asked for: its id, the positions of its units, whether it is withheld, and whether
/// each question is.
type Shown = (Option<Uuid>, Vec<usize>, bool, Vec<bool>);

/// The nearest care district at or above `unit`.
fn district_of(units: &HashMap<Uuid, UnitNode>, unit: Uuid) -> Option<Uuid> {
    let mut at = Some(unit);
    for _ in 0..=units.len() {
        let id = at?;
        let node = units.get(&id)?;
        if node.kind == UnitKind::CareDistrict {
            return Some(id);
        }
        at = node.parent_id;
    }
    None
}

/// A round's results per unit, care district or the whole municipality: counts and means,
/// withheld for groups with fewer responses than the round's minimum. Coordinators and
/// administrators see free texts; contact persons see the rest.
pub fn results(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: SurveyRoundId,
    grouping: Grouping,
    now: DateTime<Utc>,
) -> Result<Results, ApiError> {
    use samspill_domain::user::Role;
    if !matches!(
        caller.role,
        Role::Admin | Role::Coordinator | Role::ContactPerson
    ) {
        return Err(ApiError::forbidden(
            "Survey results are for coordinators, administrators and contact persons.",
        ));
    }
    let texts_shown = caller.role.is_manager();
    if texts_shown {
        access::municipality_wide(conn, caller, RUNS_SURVEYS)?;
    }
    let round = surveys::find_round(conn, caller.municipality, id, false)?;
    // Results are final once the round has closed: read while it takes answers, two readings
    // apart would show one person's answer in their difference.
    let status = round.status(today_in(conn, round.municipality_id, now)?);
    if matches!(status, RoundStatus::Scheduled | RoundStatus::Open) {
        return Err(ApiError::conflict(format!(
            "results are shown once the round has closed (its last day is {}); until then \
             GET /survey-rounds/{} tells how many have answered",
            round.closes_on, round.id
        )));
    }
    let responses = surveys::responses(conn, &round)?;
    let units = surveys::units(conn, round.municipality_id)?;
    // Every response in its unit, each unit with its care district: what is withheld is
    // decided over units, districts and the municipality at once (for the responses, and for
    // each question's answers), whichever grouping is asked for.
    // (A unit moved to another district while the round was open counts as two groups.)
    let mut by_unit: BTreeMap<(Option<Uuid>, Option<Uuid>), Vec<&Response>> = BTreeMap::new();
    for (unit, district, response) in &responses {
        by_unit
            .entry((*unit, *district))
            .or_default()
            .push(response);
    }
    let by_unit: Vec<(Option<Uuid>, Option<Uuid>, Vec<&Response>)> = by_unit
        .into_iter()
        .map(|((unit, district), group)| (unit, district, group))
        .collect();
    let min = round.min_group_size;
    let sizes: Vec<(Option<Uuid>, usize)> = by_unit.iter().map(|(_, d, g)| (*d, g.len())).collect();
    let whole = suppress(&sizes, min);
    let per_question: Vec<Suppression<Option<Uuid>>> = round
        .questions
        .iter()
        .map(|q| {
            let answered: Vec<(Option<Uuid>, usize)> = by_unit
                .iter()
                .map(|(_, d, g)| (*d, g.iter().filter(|r| r.contains_key(&q.key)).count()))
                .collect();
            suppress(&answered, min)
        })
        .collect();
    let groups: Vec<Shown> = match grouping {
        Grouping::Unit => (0..by_unit.len())
            .map(|i| {
                (
                    by_unit[i].0,
                    vec![i],
                    whole.units[i],
                    per_question.iter().map(|q| q.units[i]).collect(),
                )
            })
            .collect(),
        Grouping::District => whole
            .districts
            .iter()
            .enumerate()
            .map(|(j, (district, _, hidden))| {
                (
                    *district,
                    (0..by_unit.len())
                        .filter(|&i| by_unit[i].1 == *district)
                        .collect(),
                    *hidden,
                    per_question
                        .iter()
                        .map(|q| q.districts.get(j).is_some_and(|d| d.2))
                        .collect(),
                )
            })
            .collect(),
        Grouping::Municipality if by_unit.is_empty() => Vec::new(),
        Grouping::Municipality => vec![(
            None,
            (0..by_unit.len()).collect(),
            whole.municipality,
            per_question.iter().map(|q| q.municipality).collect(),
        )],
    };
    let municipality_name = match grouping {
        Grouping::Municipality => Some(
            samspill_persistence::municipalities::find(
                conn,
                samspill_domain::auth::TenantScope::All,
                round.municipality_id,
            )?
            .name
            .to_string(),
        ),
        _ => None,
    };
    let mut results: Vec<GroupResult> = groups
        .into_iter()
        .map(|(key, members, hidden, questions_hidden)| {
            let group: Vec<&Response> = members
                .iter()
                .flat_map(|&i| by_unit[i].2.iter().copied())
                .collect();
            let mut questions = if hidden {
                Vec::new()
            } else {
                tally(&round.questions, &group)
            };
            for (q, hide) in questions.iter_mut().zip(&questions_hidden) {
                if *hide {
                    q.withhold();
                }
                if !texts_shown {
                    q.texts.clear();
                }
            }
            GroupResult {
                id: key,
                name: municipality_name.clone().unwrap_or_else(|| {
                    match (key, key.and_then(|k| units.get(&k))) {
                        (_, Some(unit)) => unit.name.clone(),
                        (Some(_), None) => "(removed since)".to_owned(),
                        (None, None) if grouping == Grouping::District => {
                            "(no care district)".to_owned()
                        }
                        (None, None) => "(no unit)".to_owned(),
                    }
                }),
                responses: group.len(),
                withheld: hidden,
                questions,
            }
        })
        .collect();
    results.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(Results {
        round: round_record(conn, round, now)?,
        grouping,
        groups: results,
        texts_shown,
    })
}

//! Surveys: templates, rounds, who a round asks (with the hash of each one-time link token),
//! and the responses, which are kept apart from who gave them.

use crate::{
    error::{RepoError, corrupt},
    page::{Page, PageRequest},
    schema::{
        survey_recipients::{self, dsl as r},
        survey_responses::{self, dsl as sr},
        survey_rounds::{self, dsl as sd},
        survey_templates::{self, dsl as st},
        units::dsl as u,
        volunteers::dsl as v,
    },
};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::{pg::Pg, prelude::*};
use samspill_domain::{
    ids::{
        MunicipalityId, StaffUserId, SurveyRecipientId, SurveyRoundId, SurveyTemplateId, UnitId,
        VolunteerId,
    },
    survey::{Question, Response, SurveyAudience, SurveyRound, SurveyTemplate},
    unit::UnitKind,
    volunteer::VolunteerStatus,
};
use std::collections::HashMap;
use uuid::Uuid;

fn questions_from(value: serde_json::Value) -> Result<Vec<Question>, RepoError> {
    serde_json::from_value(value).map_err(|e| corrupt("survey questions", e))
}

fn questions_to(questions: &[Question]) -> Result<serde_json::Value, RepoError> {
    serde_json::to_value(questions).map_err(|e| RepoError::Internal(e.to_string()))
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = survey_templates, check_for_backend(Pg))]
struct TemplateRow {
    municipality_id: Uuid,
    id: Uuid,
    name: String,
    description: Option<String>,
    audience: String,
    ready_code: Option<String>,
    revision: i32,
    questions: serde_json::Value,
    created_by: Option<Uuid>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<TemplateRow> for SurveyTemplate {
    type Error = RepoError;

    fn try_from(row: TemplateRow) -> Result<Self, Self::Error> {
        Ok(SurveyTemplate {
            id: row.id.into(),
            municipality_id: row.municipality_id.into(),
            name: row.name,
            description: row.description,
            audience: row
                .audience
                .parse()
                .map_err(|e| corrupt("survey audience", e))?,
            ready_code: row.ready_code,
            revision: row.revision,
            questions: questions_from(row.questions)?,
            created_by: row.created_by.map(Into::into),
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A template as it is to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateDraft {
    /// Its name.
    pub name: String,
    /// What it is for.
    pub description: Option<String>,
    /// Who answers it.
    pub audience: SurveyAudience,
    /// The ready template it is made from, if one.
    pub ready_code: Option<String>,
    /// Its questions (checked).
    pub questions: Vec<Question>,
}

impl TemplateDraft {
    /// The draft a stored template would give.
    pub fn of(template: &SurveyTemplate) -> Self {
        Self {
            name: template.name.clone(),
            description: template.description.clone(),
            audience: template.audience,
            ready_code: template.ready_code.clone(),
            questions: template.questions.clone(),
        }
    }
}

/// Stores a new template.
pub fn insert_template(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    draft: &TemplateDraft,
    by: StaffUserId,
    at: DateTime<Utc>,
) -> Result<SurveyTemplate, RepoError> {
    diesel::insert_into(survey_templates::table)
        .values((
            st::municipality_id.eq(municipality.into_uuid()),
            st::id.eq(SurveyTemplateId::generate().into_uuid()),
            st::name.eq(&draft.name),
            st::description.eq(&draft.description),
            st::audience.eq(draft.audience.as_str()),
            st::ready_code.eq(&draft.ready_code),
            st::questions.eq(questions_to(&draft.questions)?),
            st::created_by.eq(by.into_uuid()),
            st::created_at.eq(at),
            st::updated_at.eq(at),
        ))
        .returning(TemplateRow::as_returning())
        .get_result::<TemplateRow>(conn)?
        .try_into()
}

/// Writes `draft` over a stored template, raising its version, and its revision when the
/// questions change.
pub fn update_template(
    conn: &mut PgConnection,
    current: &SurveyTemplate,
    draft: &TemplateDraft,
) -> Result<SurveyTemplate, RepoError> {
    let revised = draft.questions != current.questions;
    diesel::update(
        st::survey_templates
            .filter(st::municipality_id.eq(current.municipality_id.into_uuid()))
            .filter(st::id.eq(current.id.into_uuid())),
    )
    .set((
        st::name.eq(&draft.name),
        st::description.eq(&draft.description),
        st::questions.eq(questions_to(&draft.questions)?),
        st::revision.eq(st::revision + i32::from(revised)),
        st::version.eq(st::version + 1),
    ))
    .returning(TemplateRow::as_returning())
    .get_result::<TemplateRow>(conn)?
    .try_into()
}

/// One template; with `lock`, locked until the transaction ends.
pub fn find_template(
    conn: &mut PgConnection,
    municipality: Option<MunicipalityId>,
    id: SurveyTemplateId,
    lock: bool,
) -> Result<SurveyTemplate, RepoError> {
    let mut query = st::survey_templates
        .into_boxed()
        .filter(st::id.eq(id.into_uuid()));
    if let Some(m) = municipality {
        query = query.filter(st::municipality_id.eq(m.into_uuid()));
    }
    let found: SurveyTemplate = query
        .select(TemplateRow::as_select())
        .first::<TemplateRow>(conn)?
        .try_into()?;
    if !lock {
        return Ok(found);
    }
    st::survey_templates
        .filter(st::municipality_id.eq(found.municipality_id.into_uuid()))
        .filter(st::id.eq(found.id.into_uuid()))
        .select(TemplateRow::as_select())
        .for_update()
        .first::<TemplateRow>(conn)?
        .try_into()
}

/// A page of templates, in id order.
pub fn list_templates(
    conn: &mut PgConnection,
    municipality: Option<MunicipalityId>,
    page: PageRequest,
) -> Result<Page<SurveyTemplate>, RepoError> {
    let mut query = st::survey_templates.into_boxed();
    if let Some(m) = municipality {
        query = query.filter(st::municipality_id.eq(m.into_uuid()));
    }
    if let Some(after) = page.after {
        query = query.filter(st::id.gt(after));
    }
    let rows = query
        .order(st::id.asc())
        .limit(page.limit + 1)
        .select(TemplateRow::as_select())
        .load::<TemplateRow>(conn)?;
    Page::from_rows(rows, page.limit, |t| t.id).try_map(SurveyTemplate::try_from)
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = survey_rounds, check_for_backend(Pg))]
struct RoundRow {
    municipality_id: Uuid,
    id: Uuid,
    template_id: Uuid,
    template_revision: i32,
    title: String,
    audience: String,
    questions: serde_json::Value,
    opens_on: NaiveDate,
    closes_on: NaiveDate,
    min_group_size: i16,
    cancelled_at: Option<DateTime<Utc>>,
    created_by: Option<Uuid>,
    version: i32,
    created_at: DateTime<Utc>,
}

impl TryFrom<RoundRow> for SurveyRound {
    type Error = RepoError;

    fn try_from(row: RoundRow) -> Result<Self, Self::Error> {
        Ok(SurveyRound {
            id: row.id.into(),
            municipality_id: row.municipality_id.into(),
            template_id: row.template_id.into(),
            template_revision: row.template_revision,
            title: row.title,
            audience: row
                .audience
                .parse()
                .map_err(|e| corrupt("survey audience", e))?,
            questions: questions_from(row.questions)?,
            opens_on: row.opens_on,
            closes_on: row.closes_on,
            min_group_size: u16::try_from(row.min_group_size)
                .map_err(|e| corrupt("minimum group size", e))?,
            cancelled_at: row.cancelled_at,
            created_by: row.created_by.map(Into::into),
            version: row.version,
            created_at: row.created_at,
        })
    }
}

/// A round as it is to be sent.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundDraft {
    /// Its title.
    pub title: String,
    /// The first day answers are taken.
    pub opens_on: NaiveDate,
    /// The last day answers are taken.
    pub closes_on: NaiveDate,
    /// Results of a group with fewer responses are withheld.
    pub min_group_size: u16,
}

/// One unit or volunteer to ask: the unit, or the volunteer with their home unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asked {
    /// The unit asked, or the volunteer's home unit.
    pub unit_id: Option<UnitId>,
    /// The volunteer asked.
    pub volunteer_id: Option<VolunteerId>,
}

/// Stores a round of `template` (its questions as they are now) and who it asks.
pub fn insert_round(
    conn: &mut PgConnection,
    template: &SurveyTemplate,
    draft: &RoundDraft,
    asked: &[Asked],
    by: StaffUserId,
    at: DateTime<Utc>,
) -> Result<SurveyRound, RepoError> {
    let m = template.municipality_id.into_uuid();
    let round: SurveyRound = diesel::insert_into(survey_rounds::table)
        .values((
            sd::municipality_id.eq(m),
            sd::id.eq(SurveyRoundId::generate().into_uuid()),
            sd::template_id.eq(template.id.into_uuid()),
            sd::template_revision.eq(template.revision),
            sd::title.eq(&draft.title),
            sd::audience.eq(template.audience.as_str()),
            sd::questions.eq(questions_to(&template.questions)?),
            sd::opens_on.eq(draft.opens_on),
            sd::closes_on.eq(draft.closes_on),
            sd::min_group_size.eq(i16::try_from(draft.min_group_size).unwrap_or(i16::MAX)),
            sd::created_by.eq(by.into_uuid()),
            sd::created_at.eq(at),
            sd::updated_at.eq(at),
        ))
        .returning(RoundRow::as_returning())
        .get_result::<RoundRow>(conn)?
        .try_into()?;
    for chunk in asked.chunks(1000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|a| {
                (
                    r::municipality_id.eq(m),
                    r::id.eq(SurveyRecipientId::generate().into_uuid()),
                    r::round_id.eq(round.id.into_uuid()),
                    r::unit_id.eq(a.unit_id.map(UnitId::into_uuid)),
                    r::volunteer_id.eq(a.volunteer_id.map(VolunteerId::into_uuid)),
                )
            })
            .collect();
        diesel::insert_into(survey_recipients::table)
            .values(rows)
            .execute(conn)?;
    }
    Ok(round)
}

/// One round; with `lock`, locked until the transaction ends.
pub fn find_round(
    conn: &mut PgConnection,
    municipality: Option<MunicipalityId>,
    id: SurveyRoundId,
    lock: bool,
) -> Result<SurveyRound, RepoError> {
    let mut query = sd::survey_rounds
        .into_boxed()
        .filter(sd::id.eq(id.into_uuid()));
    if let Some(m) = municipality {
        query = query.filter(sd::municipality_id.eq(m.into_uuid()));
    }
    let found: SurveyRound = query
        .select(RoundRow::as_select())
        .first::<RoundRow>(conn)?
        .try_into()?;
    if !lock {
        return Ok(found);
    }
    sd::survey_rounds
        .filter(sd::municipality_id.eq(found.municipality_id.into_uuid()))
        .filter(sd::id.eq(found.id.into_uuid()))
        .select(RoundRow::as_select())
        .for_update()
        .first::<RoundRow>(conn)?
        .try_into()
}

/// Rounds by id, of any municipality (for the rounds a volunteer is asked in).
pub fn rounds_by_id(
    conn: &mut PgConnection,
    ids: &[SurveyRoundId],
) -> Result<HashMap<SurveyRoundId, SurveyRound>, RepoError> {
    sd::survey_rounds
        .filter(sd::id.eq_any(ids.iter().map(|i| i.into_uuid())))
        .select(RoundRow::as_select())
        .load::<RoundRow>(conn)?
        .into_iter()
        .map(|row| SurveyRound::try_from(row).map(|round| (round.id, round)))
        .collect()
}

/// A page of rounds, in id order; only those of `template` when given.
pub fn list_rounds(
    conn: &mut PgConnection,
    municipality: Option<MunicipalityId>,
    template: Option<SurveyTemplateId>,
    page: PageRequest,
) -> Result<Page<SurveyRound>, RepoError> {
    let mut query = sd::survey_rounds.into_boxed();
    if let Some(m) = municipality {
        query = query.filter(sd::municipality_id.eq(m.into_uuid()));
    }
    if let Some(t) = template {
        query = query.filter(sd::template_id.eq(t.into_uuid()));
    }
    if let Some(after) = page.after {
        query = query.filter(sd::id.gt(after));
    }
    let rows = query
        .order(sd::id.asc())
        .limit(page.limit + 1)
        .select(RoundRow::as_select())
        .load::<RoundRow>(conn)?;
    Page::from_rows(rows, page.limit, |t| t.id).try_map(SurveyRound::try_from)
}

/// Changes a round's title, last day and whether it is called off, raising its version.
pub fn update_round(
    conn: &mut PgConnection,
    current: &SurveyRound,
    title: &str,
    closes_on: NaiveDate,
    cancelled_at: Option<DateTime<Utc>>,
) -> Result<SurveyRound, RepoError> {
    diesel::update(
        sd::survey_rounds
            .filter(sd::municipality_id.eq(current.municipality_id.into_uuid()))
            .filter(sd::id.eq(current.id.into_uuid())),
    )
    .set((
        sd::title.eq(title),
        sd::closes_on.eq(closes_on),
        sd::cancelled_at.eq(cancelled_at),
        sd::version.eq(sd::version + 1),
    ))
    .returning(RoundRow::as_returning())
    .get_result::<RoundRow>(conn)?
    .try_into()
}

/// How many a round asks and how many have answered, by round.
pub fn counts_of(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    rounds: &[SurveyRoundId],
) -> Result<HashMap<SurveyRoundId, (i64, i64)>, RepoError> {
    use diesel::dsl::{count, count_star};
    let rows: Vec<(Uuid, i64, i64)> = r::survey_recipients
        .filter(r::municipality_id.eq(municipality.into_uuid()))
        .filter(r::round_id.eq_any(rounds.iter().map(|i| i.into_uuid())))
        .group_by(r::round_id)
        .select((r::round_id, count_star(), count(r::answered_at)))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, asked, answered)| (id.into(), (asked, answered)))
        .collect())
}

/// Someone a round asks.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = survey_recipients, check_for_backend(Pg))]
pub struct Recipient {
    /// Whose.
    pub municipality_id: Uuid,
    /// Its id.
    pub id: Uuid,
    /// The round.
    pub round_id: Uuid,
    /// The unit asked, or the volunteer's home unit.
    pub unit_id: Option<Uuid>,
    /// The volunteer asked.
    pub volunteer_id: Option<Uuid>,
    /// When their link was last made.
    pub link_made_at: Option<DateTime<Utc>>,
    /// When they answered.
    pub answered_at: Option<DateTime<Utc>>,
}

/// A page of the people or units a round asks, in id order.
pub fn recipients(
    conn: &mut PgConnection,
    round: &SurveyRound,
    page: PageRequest,
) -> Result<Page<Recipient>, RepoError> {
    let mut query = r::survey_recipients
        .into_boxed()
        .filter(r::municipality_id.eq(round.municipality_id.into_uuid()))
        .filter(r::round_id.eq(round.id.into_uuid()));
    if let Some(after) = page.after {
        query = query.filter(r::id.gt(after));
    }
    let rows = query
        .order(r::id.asc())
        .limit(page.limit + 1)
        .select(Recipient::as_select())
        .load(conn)?;
    Ok(Page::from_rows(rows, page.limit, |x| x.id))
}

/// Gives each of `tokens` (recipient, token hash) a new link, replacing an unused one.
/// Recipients who have answered keep theirs (the hash is not written over).
pub fn set_links(
    conn: &mut PgConnection,
    round: &SurveyRound,
    tokens: &[(Uuid, Vec<u8>)],
    at: DateTime<Utc>,
) -> Result<(), RepoError> {
    for (id, hash) in tokens {
        diesel::update(
            r::survey_recipients
                .filter(r::municipality_id.eq(round.municipality_id.into_uuid()))
                .filter(r::id.eq(id))
                .filter(r::answered_at.is_null()),
        )
        .set((r::token_hash.eq(hash), r::link_made_at.eq(at)))
        .execute(conn)?;
    }
    Ok(())
}

/// The recipients of a round who have not answered.
pub fn unanswered(
    conn: &mut PgConnection,
    round: &SurveyRound,
) -> Result<Vec<Recipient>, RepoError> {
    Ok(r::survey_recipients
        .filter(r::municipality_id.eq(round.municipality_id.into_uuid()))
        .filter(r::round_id.eq(round.id.into_uuid()))
        .filter(r::answered_at.is_null())
        .order(r::id.asc())
        .select(Recipient::as_select())
        .load(conn)?)
}

/// The recipient a link token's hash belongs to.
pub fn by_token(conn: &mut PgConnection, hash: &[u8]) -> Result<Recipient, RepoError> {
    Ok(r::survey_recipients
        .filter(r::token_hash.eq(hash))
        .select(Recipient::as_select())
        .first(conn)?)
}

/// `recipient` read again and locked until the transaction ends; with `token_hash`, only
/// while its link is still that one (a new link may have replaced it meanwhile). Answers lock
/// the round first and then the recipient, as making links does, so that the two never wait
/// for each other.
pub fn locked(
    conn: &mut PgConnection,
    recipient: &Recipient,
    token_hash: Option<&[u8]>,
) -> Result<Recipient, RepoError> {
    let (found, hash): (Recipient, Option<Vec<u8>>) = r::survey_recipients
        .filter(r::municipality_id.eq(recipient.municipality_id))
        .filter(r::id.eq(recipient.id))
        .select((Recipient::as_select(), r::token_hash))
        .for_update()
        .first(conn)?;
    match token_hash {
        Some(expected) if hash.as_deref() != Some(expected) => Err(RepoError::NotFound),
        _ => Ok(found),
    }
}

fn own_recipients(
    account: StaffUserId,
    municipality: Option<MunicipalityId>,
) -> survey_recipients::BoxedQuery<'static, Pg> {
    let mut linked = v::volunteers
        .filter(v::staff_user_id.eq(account.into_uuid()))
        .filter(v::erased_at.is_null())
        .select(v::id.nullable())
        .into_boxed();
    let mut query = r::survey_recipients.into_boxed();
    if let Some(m) = municipality {
        linked = linked.filter(v::municipality_id.eq(m.into_uuid()));
        query = query.filter(r::municipality_id.eq(m.into_uuid()));
    }
    query.filter(r::volunteer_id.eq_any(linked))
}

/// A page of the rounds the volunteer signed in with `account` is asked in (as recipients),
/// in id order.
pub fn own(
    conn: &mut PgConnection,
    account: StaffUserId,
    municipality: Option<MunicipalityId>,
    page: PageRequest,
) -> Result<Page<Recipient>, RepoError> {
    let mut query = own_recipients(account, municipality);
    if let Some(after) = page.after {
        query = query.filter(r::id.gt(after));
    }
    let rows = query
        .order(r::id.asc())
        .limit(page.limit + 1)
        .select(Recipient::as_select())
        .load(conn)?;
    Ok(Page::from_rows(rows, page.limit, |x| x.id))
}

/// The signed-in volunteer's place in `round`.
pub fn own_in(
    conn: &mut PgConnection,
    account: StaffUserId,
    municipality: Option<MunicipalityId>,
    round: SurveyRoundId,
) -> Result<Recipient, RepoError> {
    Ok(own_recipients(account, municipality)
        .filter(r::round_id.eq(round.into_uuid()))
        .select(Recipient::as_select())
        .first(conn)?)
}

/// Stores a response as `id` and marks its recipient answered (the two are not linked). The
/// caller gives a random id (not time-ordered), so that its order tells nothing of when it
/// came.
pub fn respond(
    conn: &mut PgConnection,
    id: Uuid,
    recipient: &Recipient,
    district: Option<Uuid>,
    answers: &Response,
    on: NaiveDate,
    at: DateTime<Utc>,
) -> Result<(), RepoError> {
    let answers = serde_json::to_value(answers).map_err(|e| RepoError::Internal(e.to_string()))?;
    diesel::insert_into(survey_responses::table)
        .values((
            sr::municipality_id.eq(recipient.municipality_id),
            sr::id.eq(id),
            sr::round_id.eq(recipient.round_id),
            sr::unit_id.eq(recipient.unit_id),
            sr::district_id.eq(district),
            sr::answers.eq(answers),
            sr::submitted_on.eq(on),
        ))
        .execute(conn)?;
    let marked = diesel::update(
        r::survey_recipients
            .filter(r::municipality_id.eq(recipient.municipality_id))
            .filter(r::id.eq(recipient.id))
            .filter(r::answered_at.is_null()),
    )
    .set(r::answered_at.eq(at))
    .execute(conn)?;
    if marked == 1 {
        Ok(())
    } else {
        Err(RepoError::Internal(
            "the recipient had answered already".into(),
        ))
    }
}

/// A response as results read it: the unit and the care district it counted for when it
/// came, and the answers.
pub type Counted = (Option<Uuid>, Option<Uuid>, Response);

/// A round's responses.
pub fn responses(conn: &mut PgConnection, round: &SurveyRound) -> Result<Vec<Counted>, RepoError> {
    let rows: Vec<(Option<Uuid>, Option<Uuid>, serde_json::Value)> = sr::survey_responses
        .filter(sr::municipality_id.eq(round.municipality_id.into_uuid()))
        .filter(sr::round_id.eq(round.id.into_uuid()))
        // By the random id: the order tells nothing of when each came.
        .order(sr::id.asc())
        .select((sr::unit_id, sr::district_id, sr::answers))
        .load(conn)?;
    rows.into_iter()
        .map(|(unit, district, answers)| {
            serde_json::from_value(answers)
                .map(|a| (unit, district, a))
                .map_err(|e| corrupt("survey response", e))
        })
        .collect()
}

/// A unit of the municipality, for grouping results: its name, kind and parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitNode {
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: UnitKind,
    /// The unit above it.
    pub parent_id: Option<Uuid>,
}

/// Every unit of the municipality, by id.
pub fn units(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
) -> Result<HashMap<Uuid, UnitNode>, RepoError> {
    let rows: Vec<(Uuid, String, String, Option<Uuid>)> = u::units
        .filter(u::municipality_id.eq(municipality.into_uuid()))
        .select((u::id, u::name, u::kind, u::parent_id))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, name, kind, parent_id)| {
            Ok((
                id,
                UnitNode {
                    name,
                    kind: kind.parse().map_err(|e| corrupt("unit kind", e))?,
                    parent_id,
                },
            ))
        })
        .collect()
}

/// Who a round to volunteers asks: the approved volunteers of the municipality (all, those
/// whose home unit is one of `units`, and those named), each with their home unit.
pub fn approved_volunteers(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    all: bool,
    units: &[Uuid],
    named: &[Uuid],
) -> Result<Vec<Asked>, RepoError> {
    let mut query = v::volunteers
        .into_boxed()
        .filter(v::municipality_id.eq(municipality.into_uuid()))
        .filter(v::erased_at.is_null())
        .filter(v::status.eq(VolunteerStatus::Approved.as_str()));
    if !all {
        query = query.filter(
            v::home_unit_id
                .eq_any(units.to_vec())
                .or(v::id.eq_any(named.to_vec())),
        );
    }
    let rows: Vec<(Uuid, Option<Uuid>)> = query
        .order(v::id.asc())
        .select((v::id, v::home_unit_id))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, home)| Asked {
            unit_id: home.map(Into::into),
            volunteer_id: Some(id.into()),
        })
        .collect())
}

/// The named volunteers that are no approved volunteers of the municipality.
pub fn not_approved(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    named: &[Uuid],
) -> Result<Vec<Uuid>, RepoError> {
    let found: Vec<Uuid> = v::volunteers
        .filter(v::municipality_id.eq(municipality.into_uuid()))
        .filter(v::erased_at.is_null())
        .filter(v::status.eq(VolunteerStatus::Approved.as_str()))
        .filter(v::id.eq_any(named))
        .select(v::id)
        .load(conn)?;
    Ok(named
        .iter()
        .filter(|id| !found.contains(id))
        .copied()
        .collect())
}

/// The names and email addresses of volunteers of the municipality, by id.
pub fn people(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, (String, Option<String>)>, RepoError> {
    let rows: Vec<(Uuid, String, String, Option<String>)> = v::volunteers
        .filter(v::municipality_id.eq(municipality.into_uuid()))
        .filter(v::id.eq_any(ids))
        .select((v::id, v::given_name, v::family_name, v::email))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, given, family, email)| (id, (format!("{given} {family}"), email)))
        .collect())
}

/// The rounds of `municipality` open on `today` that close by `until` and that fewer than half
/// of those asked have answered: (round, asked, answered).
pub fn closing_unanswered(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    today: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<(SurveyRound, i64, i64)>, RepoError> {
    let rounds: Vec<SurveyRound> = sd::survey_rounds
        .filter(sd::municipality_id.eq(municipality.into_uuid()))
        .filter(sd::cancelled_at.is_null())
        .filter(sd::opens_on.le(today))
        .filter(sd::closes_on.ge(today))
        .filter(sd::closes_on.le(until))
        .order(sd::id.asc())
        .select(RoundRow::as_select())
        .load::<RoundRow>(conn)?
        .into_iter()
        .map(SurveyRound::try_from)
        .collect::<Result<_, _>>()?;
    let ids: Vec<SurveyRoundId> = rounds.iter().map(|r| r.id).collect();
    let counts = counts_of(conn, municipality, &ids)?;
    Ok(rounds
        .into_iter()
        .filter_map(|round| {
            let (asked, answered) = counts.get(&round.id).copied().unwrap_or_default();
            (answered * 2 < asked).then_some((round, asked, answered))
        })
        .collect())
}

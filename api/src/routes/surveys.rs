//! Surveys of resource use, barriers and motivation: templates, rounds, one-time links,
//! answers (by link without login, or signed in at `/me/surveys`) and results.

use crate::{
    access::target_municipality,
    auth::StaffCaller,
    cases::{
        self,
        surveys::{
            Form, GroupResult, Link, OwnSurvey, Results, RoundAudience, RoundChange, RoundRecord,
            RoundRequest, TemplateSource,
        },
    },
    error::{ApiError, FieldError},
    etag::json_with_etag,
    extract::{IfMatch, Json, Query},
    input::{double_option, field, validate},
    openapi::schemas::{
        GroupingSchema, QuestionKindSchema, RoundStatusSchema, SurveyAudienceSchema,
    },
    pagination::{CursorList, PageQuery, page_of, page_request},
    state::AppState,
};
use actix_web::{HttpRequest, HttpResponse, get, http::header, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use samspill_domain::{
    ids::{SurveyRoundId, SurveyTemplateId},
    survey::{
        AnswerValue, Choice, Grouping, MIN_GROUP_SIZE, Question, QuestionKind, QuestionResult,
        Response, RoundStatus, SurveyAudience, SurveyRound, SurveyTemplate, check_questions,
    },
    text::{Name, Text},
};
use samspill_persistence::surveys::{Recipient, TemplateDraft};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// One choice of a choice question.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChoiceBody {
    /// Its code (lower-case letters, digits and `_`), as answers and results name it.
    pub key: String,
    /// What people read.
    pub label: String,
}

/// One question.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionBody {
    /// Its code (lower-case letters, digits and `_`), unique in the template.
    pub key: String,
    /// What people read.
    pub text: String,
    /// What kind of answer it takes.
    #[schema(value_type = QuestionKindSchema)]
    pub kind: QuestionKind,
    /// For `single_choice` and `multiple_choice`: 2 to 30 choices.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<ChoiceBody>,
    /// Whether an answer must give it.
    #[serde(default)]
    pub required: bool,
    /// For `number`: the smallest number taken (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// For `number`: the largest number taken (default 1 000 000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

impl From<Question> for QuestionBody {
    fn from(q: Question) -> Self {
        Self {
            key: q.key,
            text: q.text,
            kind: q.kind,
            choices: q
                .choices
                .into_iter()
                .map(|c| ChoiceBody {
                    key: c.key,
                    label: c.label,
                })
                .collect(),
            required: q.required,
            min: q.min,
            max: q.max,
        }
    }
}

fn parse_questions(raw: Vec<QuestionBody>) -> Result<Vec<Question>, ApiError> {
    check_questions(
        raw.into_iter()
            .map(|q| Question {
                key: q.key,
                text: q.text,
                kind: q.kind,
                choices: q
                    .choices
                    .into_iter()
                    .map(|c| Choice {
                        key: c.key,
                        label: c.label,
                    })
                    .collect(),
                required: q.required,
                min: q.min,
                max: q.max,
            })
            .collect(),
    )
    .map_err(ApiError::fields)
}

fn parse_name(raw: &str) -> Result<String, FieldError> {
    field("name", Name::<200>::parse(raw).map(Name::into_inner))
}

fn parse_description(raw: Option<String>) -> Result<Option<String>, FieldError> {
    raw.map(|d| field("description", Text::<4000>::parse(&d).map(Text::into_inner)))
        .transpose()
        .map(|d| d.filter(|d| !d.is_empty()))
}

/// A survey template.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyTemplateView {
    /// Its id.
    pub id: Uuid,
    /// Whose it is.
    pub municipality_id: Uuid,
    /// Its name.
    pub name: String,
    /// What it is for.
    pub description: Option<String>,
    /// Who answers it.
    #[schema(value_type = SurveyAudienceSchema)]
    pub audience: SurveyAudience,
    /// The ready template it was made from, if one.
    pub ready_code: Option<String>,
    /// Raised each time the questions change; a round records the revision it was sent with.
    pub revision: i32,
    /// Its questions.
    pub questions: Vec<QuestionBody>,
    /// Send as `If-Match` to change it.
    pub version: i32,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<SurveyTemplate> for SurveyTemplateView {
    fn from(t: SurveyTemplate) -> Self {
        Self {
            id: t.id.into_uuid(),
            municipality_id: t.municipality_id.into_uuid(),
            name: t.name,
            description: t.description,
            audience: t.audience,
            ready_code: t.ready_code,
            revision: t.revision,
            questions: t.questions.into_iter().map(QuestionBody::from).collect(),
            version: t.version,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

page_of!(
    SurveyTemplatePage,
    SurveyTemplateView,
    CursorList::SurveyTemplates
);

/// A new template: a copy of a ready one (`ready`), or questions of your own (`name`,
/// `audience`, `questions`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"ready": "unit_resource_mapping"}))]
pub struct NewSurveyTemplate {
    /// The municipality (administrators; others make templates of their own).
    pub municipality_id: Option<Uuid>,
    /// A ready template to copy, in the municipality's language: `unit_resource_mapping` (a
    /// unit's use of volunteers: activities, hours a month, what it wants more of, barriers)
    /// or `volunteer_motivation` (why volunteers take part, how they fare, what stands in the
    /// way).
    pub ready: Option<String>,
    /// Its name (with `ready`, replaces the ready template's).
    pub name: Option<String>,
    /// What it is for.
    pub description: Option<String>,
    /// Who answers it (not with `ready`).
    #[schema(value_type = Option<SurveyAudienceSchema>)]
    pub audience: Option<SurveyAudience>,
    /// 1 to 50 questions (not with `ready`).
    pub questions: Option<Vec<QuestionBody>>,
}

/// Make a survey template.
///
/// Copy a ready template (`ready`) or write the questions: single choice, multiple choice, a
/// 1-7 scale, a number, free text. The copy is the municipality's own to change. Municipality-
/// wide coordinators and administrators.
#[utoipa::path(
    tag = "surveys",
    request_body(content = NewSurveyTemplate, example = json!({"ready": "unit_resource_mapping", "name": "Kartlegging av frivillig innsats 2027"})),
    responses((status = 201, description = "The template.", body = SurveyTemplateView,
        headers(("ETag" = String, description = "Its version."),
                ("Location" = String, description = "Where it is."))))
)]
#[post("/survey-templates")]
pub async fn create_survey_template(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Json(body): Json<NewSurveyTemplate>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let municipality = target_municipality(&caller, body.municipality_id)
        .map_err(|e| ApiError::Validation(vec![e]))?;
    let source = match body.ready {
        Some(code) => {
            if body.audience.is_some() || body.questions.is_some() {
                return Err(ApiError::invalid(
                    "ready",
                    "not_applicable",
                    "a ready template brings its audience and questions; leave them out",
                ));
            }
            validate! {
                name = body.name.as_deref().map(parse_name).transpose();
                description = parse_description(body.description);
            }
            TemplateSource::Ready {
                code,
                name,
                description,
            }
        }
        None => {
            validate! {
                name = match body.name.as_deref() {
                    Some(raw) => parse_name(raw),
                    None => Err(FieldError::new("name", "required", "name the template")),
                };
                description = parse_description(body.description);
                audience = body.audience.ok_or_else(|| {
                    FieldError::new("audience", "required", "units or volunteers")
                });
            }
            let questions = match body.questions {
                Some(q) => parse_questions(q)?,
                None => {
                    return Err(ApiError::invalid(
                        "questions",
                        "required",
                        "give 1 to 50 questions, or copy a ready template with ready",
                    ));
                }
            };
            TemplateSource::Own(TemplateDraft {
                name,
                description,
                audience,
                ready_code: None,
                questions,
            })
        }
    };
    let now = state.clock.now();
    let created = state
        .db(move |conn| cases::surveys::create_template(conn, &caller, municipality, source, now))
        .await?;
    crate::metrics::survey_action("template_created", 1);
    let mut response = HttpResponse::Created();
    response.insert_header((
        header::LOCATION,
        format!("/api/v1/survey-templates/{}", created.id),
    ));
    Ok(json_with_etag(
        response,
        created.version,
        &SurveyTemplateView::from(created),
    ))
}

/// List survey templates.
///
/// Keyset-paged in id order. Coordinators and administrators.
#[utoipa::path(
    tag = "surveys",
    params(PageQuery),
    responses((status = 200, description = "A page of templates.", body = SurveyTemplatePage))
)]
#[get("/survey-templates")]
pub async fn list_survey_templates(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Query(query): Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let page = page_request(
        CursorList::SurveyTemplates,
        query.limit,
        query.cursor.as_deref(),
    )?;
    let found = state
        .db(move |conn| cases::surveys::list_templates(conn, &caller, page))
        .await?;
    Ok(HttpResponse::Ok().json(SurveyTemplatePage::from_page(found)))
}

/// Read one survey template.
///
/// With its questions. Coordinators and administrators; another municipality's id is 404.
#[utoipa::path(
    tag = "surveys",
    params(("id" = Uuid, Path, description = "The template id.")),
    responses((status = 200, description = "The template.", body = SurveyTemplateView,
        headers(("ETag" = String, description = "The version."))))
)]
#[get("/survey-templates/{id}")]
pub async fn get_survey_template(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = SurveyTemplateId::from(id.into_inner());
    let found = state
        .db(move |conn| cases::surveys::get_template(conn, &caller, id))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        found.version,
        &SurveyTemplateView::from(found),
    ))
}

/// What changes on a template; absent fields stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Kartlegging av frivillig innsats 2027"}))]
pub struct SurveyTemplateChange {
    /// A new name.
    pub name: Option<String>,
    /// A new description, or `null` for none.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub description: Option<Option<String>>,
    /// New questions (raise the revision; rounds already sent keep theirs).
    pub questions: Option<Vec<QuestionBody>>,
}

/// Change a survey template.
///
/// Its name, description or questions; new questions raise its `revision`, and rounds already
/// sent keep the questions they were sent with. Who answers it stays. Municipality-wide
/// coordinators and administrators, with `If-Match`.
#[utoipa::path(
    tag = "surveys",
    params(
        ("id" = Uuid, Path, description = "The template id."),
        crate::extract::IfMatchHeader,
    ),
    request_body(content = SurveyTemplateChange, example = json!({"name": "Kartlegging av frivillig innsats, høsten 2027", "description": "Besvares av enhetsleder innen fristen."})),
    responses((status = 200, description = "The changed template.", body = SurveyTemplateView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[patch("/survey-templates/{id}")]
pub async fn update_survey_template(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    Json(body): Json<SurveyTemplateChange>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = SurveyTemplateId::from(id.into_inner());
    validate! {
        name = body.name.as_deref().map(parse_name).transpose();
        description = body.description.map(parse_description).transpose();
    }
    let questions = body.questions.map(parse_questions).transpose()?;
    let change = move |draft: &mut TemplateDraft| {
        if let Some(name) = name {
            draft.name = name;
        }
        if let Some(description) = description {
            draft.description = description;
        }
        if let Some(questions) = questions {
            draft.questions = questions;
        }
    };
    let updated = state
        .db(move |conn| cases::surveys::update_template(conn, &caller, id, expected, change))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        updated.version,
        &SurveyTemplateView::from(updated),
    ))
}

/// A survey round.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyRoundView {
    /// Its id.
    pub id: Uuid,
    /// Whose it is.
    pub municipality_id: Uuid,
    /// The template.
    pub template_id: Uuid,
    /// The template's revision its questions come from.
    pub template_revision: i32,
    /// Its title.
    pub title: String,
    /// Who answers.
    #[schema(value_type = SurveyAudienceSchema)]
    pub audience: SurveyAudience,
    /// The questions asked.
    pub questions: Vec<QuestionBody>,
    /// The first day answers are taken (the municipality's date).
    pub opens_on: NaiveDate,
    /// The last day answers are taken.
    pub closes_on: NaiveDate,
    /// Where it stands today.
    #[schema(value_type = RoundStatusSchema)]
    pub status: RoundStatus,
    /// Results of a group with fewer responses are withheld.
    pub min_group_size: u16,
    /// How many units or volunteers it asks.
    pub asked: i64,
    /// How many of them have answered.
    pub answered: i64,
    /// When it was called off, if it was.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Send as `If-Match` to change it.
    pub version: i32,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

impl From<RoundRecord> for SurveyRoundView {
    fn from(r: RoundRecord) -> Self {
        let round: SurveyRound = r.round;
        Self {
            id: round.id.into_uuid(),
            municipality_id: round.municipality_id.into_uuid(),
            template_id: round.template_id.into_uuid(),
            template_revision: round.template_revision,
            title: round.title,
            audience: round.audience,
            questions: round
                .questions
                .into_iter()
                .map(QuestionBody::from)
                .collect(),
            opens_on: round.opens_on,
            closes_on: round.closes_on,
            status: r.status,
            min_group_size: round.min_group_size,
            asked: r.asked,
            answered: r.answered,
            cancelled_at: round.cancelled_at,
            version: round.version,
            created_at: round.created_at,
        }
    }
}

page_of!(SurveyRoundPage, SurveyRoundView, CursorList::SurveyRounds);

/// Who a round asks.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundAudienceBody {
    /// Every unit (a unit survey; care districts are not asked), or every approved volunteer.
    #[serde(default)]
    pub all: bool,
    /// These units, or the approved volunteers whose home unit is one of them.
    #[serde(default)]
    pub unit_ids: Vec<Uuid>,
    /// These approved volunteers (a volunteer survey).
    #[serde(default)]
    pub volunteer_ids: Vec<Uuid>,
}

/// A round to send.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "template_id": "0193a0c2-5b1e-7000-8000-000000000010",
    "title": "Motivasjon og hindringer, vår 2027",
    "opens_on": "2027-03-01", "closes_on": "2027-03-21",
    "audience": {"all": true}
}))]
pub struct NewSurveyRound {
    /// The template; its questions as they are now are sent.
    pub template_id: Uuid,
    /// Its title; the template's name when left out.
    pub title: Option<String>,
    /// The first day answers are taken (the municipality's date).
    pub opens_on: NaiveDate,
    /// The last day answers are taken; at most 366 days after `opens_on`.
    pub closes_on: NaiveDate,
    /// Results of a group with fewer responses are withheld: 5 (the least) to 1000.
    #[schema(minimum = 5, maximum = 1000)]
    pub min_group_size: Option<u16>,
    /// Who it asks.
    pub audience: RoundAudienceBody,
}

const MAX_NAMED: usize = 1000;

/// Send a survey round.
///
/// To units or to volunteers, as the template says; its questions are kept as they are now.
/// Links are made with `POST /survey-rounds/{id}/links`; volunteers with a login also find it
/// at `/me/surveys`. A template, unit or volunteer the municipality does not have is 422 on
/// its field; nobody to ask is 422. Municipality-wide coordinators and administrators.
#[utoipa::path(
    tag = "surveys",
    request_body(content = NewSurveyRound, example = json!({"template_id": "0193a0c2-5b1e-7000-8000-000000000010", "title": "Motivasjon og hindringer, vår 2027", "opens_on": "2027-03-01", "closes_on": "2027-03-21", "min_group_size": 5, "audience": {"all": true}})),
    responses((status = 201, description = "The round.", body = SurveyRoundView,
        headers(("ETag" = String, description = "Its version."),
                ("Location" = String, description = "Where it is."))))
)]
#[post("/survey-rounds")]
pub async fn create_survey_round(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Json(body): Json<NewSurveyRound>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    if body.audience.unit_ids.len() + body.audience.volunteer_ids.len() > MAX_NAMED {
        return Err(ApiError::invalid(
            "audience",
            "too_many",
            format!("name at most {MAX_NAMED} units and volunteers"),
        ));
    }
    validate! {
        title = body.title.as_deref().map(|t| field("title", Name::<200>::parse(t).map(Name::into_inner))).transpose();
        min_group_size = match body.min_group_size {
            Some(n) if !(MIN_GROUP_SIZE..=1000).contains(&n) => Err(FieldError::new(
                "min_group_size",
                "out_of_range",
                format!("must be between {MIN_GROUP_SIZE} and 1000"),
            )),
            other => Ok(other.unwrap_or(MIN_GROUP_SIZE)),
        };
    }
    let request = RoundRequest {
        template_id: body.template_id.into(),
        title,
        opens_on: body.opens_on,
        closes_on: body.closes_on,
        min_group_size,
        audience: RoundAudience {
            all: body.audience.all,
            unit_ids: body.audience.unit_ids,
            volunteer_ids: body.audience.volunteer_ids,
        },
    };
    let now = state.clock.now();
    let created = state
        .db(move |conn| cases::surveys::create_round(conn, &caller, request, now))
        .await?;
    crate::metrics::survey_action("round_sent", 1);
    let mut response = HttpResponse::Created();
    response.insert_header((
        header::LOCATION,
        format!("/api/v1/survey-rounds/{}", created.round.id),
    ));
    Ok(json_with_etag(
        response,
        created.round.version,
        &SurveyRoundView::from(created),
    ))
}

/// Which rounds.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SurveyRoundQuery {
    /// Only rounds of this template.
    pub template_id: Option<Uuid>,
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// List survey rounds.
///
/// With how many each asks and how many have answered; keyset-paged in id order.
/// Coordinators and administrators.
#[utoipa::path(
    tag = "surveys",
    params(SurveyRoundQuery),
    responses((status = 200, description = "A page of rounds.", body = SurveyRoundPage))
)]
#[get("/survey-rounds")]
pub async fn list_survey_rounds(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Query(query): Query<SurveyRoundQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let page = page_request(
        CursorList::SurveyRounds,
        query.limit,
        query.cursor.as_deref(),
    )?;
    let template = query.template_id.map(SurveyTemplateId::from);
    let now = state.clock.now();
    let found = state
        .db(move |conn| cases::surveys::list_rounds(conn, &caller, template, page, now))
        .await?;
    Ok(HttpResponse::Ok().json(SurveyRoundPage::from_page(found)))
}

/// Read one survey round.
///
/// With its questions, where it stands, and how many have answered. Coordinators and
/// administrators; another municipality's id is 404.
#[utoipa::path(
    tag = "surveys",
    params(("id" = Uuid, Path, description = "The round id.")),
    responses((status = 200, description = "The round.", body = SurveyRoundView,
        headers(("ETag" = String, description = "The version."))))
)]
#[get("/survey-rounds/{id}")]
pub async fn get_survey_round(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = SurveyRoundId::from(id.into_inner());
    let now = state.clock.now();
    let found = state
        .db(move |conn| cases::surveys::get_round(conn, &caller, id, now))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        found.round.version,
        &SurveyRoundView::from(found),
    ))
}

/// What changes on a round; absent fields stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"closes_on": "2027-03-28"}))]
pub struct SurveyRoundChange {
    /// A new title.
    pub title: Option<String>,
    /// A new last day, while the round is scheduled or open: not before its first day nor
    /// before today.
    pub closes_on: Option<NaiveDate>,
    /// `true` calls the round off: no more answers; what came stays.
    #[serde(default)]
    pub cancelled: bool,
}

/// Change a survey round.
///
/// Its title or last day, or call it off, while it is scheduled or open; a closed round keeps
/// its last day (its results are final: send a new round), and a cancelled one changes no
/// more (409). Municipality-wide coordinators and administrators, with `If-Match`.
#[utoipa::path(
    tag = "surveys",
    params(
        ("id" = Uuid, Path, description = "The round id."),
        crate::extract::IfMatchHeader,
    ),
    request_body(content = SurveyRoundChange, example = json!({"closes_on": "2027-03-28"})),
    responses((status = 200, description = "The changed round.", body = SurveyRoundView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[patch("/survey-rounds/{id}")]
pub async fn update_survey_round(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    Json(body): Json<SurveyRoundChange>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = SurveyRoundId::from(id.into_inner());
    validate! {
        title = body.title.as_deref().map(|t| field("title", Name::<200>::parse(t).map(Name::into_inner))).transpose();
    }
    let change = RoundChange {
        title,
        closes_on: body.closes_on,
        cancel: body.cancelled,
    };
    let now = state.clock.now();
    let updated = state
        .db(move |conn| cases::surveys::update_round(conn, &caller, id, expected, change, now))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        updated.round.version,
        &SurveyRoundView::from(updated),
    ))
}

/// One one-time link.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyLinkView {
    /// Who it is for.
    pub recipient_id: Uuid,
    /// The unit asked (a unit survey), or the volunteer's home unit.
    pub unit_id: Option<Uuid>,
    /// The volunteer asked (a volunteer survey).
    pub volunteer_id: Option<Uuid>,
    /// The unit's or the volunteer's name.
    pub name: String,
    /// The volunteer's email address, if known.
    pub email: Option<String>,
    /// The one-time token, shown only now: the answering page sends it as `Survey-Token` to
    /// `/api/v1/public/survey`. Only its hash is kept.
    pub token: String,
}

impl From<Link> for SurveyLinkView {
    fn from(l: Link) -> Self {
        Self {
            recipient_id: l.recipient.id,
            unit_id: l.recipient.unit_id,
            volunteer_id: l.recipient.volunteer_id,
            name: l.name,
            email: l.email,
            token: l.token,
        }
    }
}

/// The links made.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyLinks {
    /// One per unit or volunteer who has not answered.
    pub links: Vec<SurveyLinkView>,
}

/// Make one-time links.
///
/// A new token for every unit or volunteer the round asks who has not answered, while it is
/// scheduled or open (409 otherwise); a link made before stops working. The tokens are shown
/// only in this answer (only their hashes are kept): send each to its unit or volunteer.
/// Municipality-wide coordinators and administrators.
#[utoipa::path(
    tag = "surveys",
    params(("id" = Uuid, Path, description = "The round id.")),
    responses(
        (status = 200, description = "The links.", body = SurveyLinks),
        (status = 409, description = "The round has closed or was called off.", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/survey-rounds/{id}/links")]
pub async fn create_survey_links(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = SurveyRoundId::from(id.into_inner());
    let now = state.clock.now();
    let links = state
        .db(move |conn| cases::surveys::make_links(conn, &caller, id, now))
        .await?;
    crate::metrics::survey_action("links_made", links.len());
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(SurveyLinks {
            links: links.into_iter().map(SurveyLinkView::from).collect(),
        }))
}

/// A unit or volunteer a round asks.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyRecipientView {
    /// Its id.
    pub id: Uuid,
    /// The unit asked, or the volunteer's home unit.
    pub unit_id: Option<Uuid>,
    /// The volunteer asked.
    pub volunteer_id: Option<Uuid>,
    /// When their link was last made.
    pub link_made_at: Option<DateTime<Utc>>,
    /// Whether they have answered (not when, and not what: their answer is not linked to
    /// them).
    pub answered: bool,
}

impl From<Recipient> for SurveyRecipientView {
    fn from(r: Recipient) -> Self {
        Self {
            id: r.id,
            unit_id: r.unit_id,
            volunteer_id: r.volunteer_id,
            link_made_at: r.link_made_at,
            answered: r.answered_at.is_some(),
        }
    }
}

page_of!(
    SurveyRecipientPage,
    SurveyRecipientView,
    CursorList::SurveyRecipients
);

/// List who a round asks.
///
/// Each unit or volunteer with whether their link is made and whether they have answered
/// (what they answered is not linked to them); keyset-paged in id order. Municipality-wide
/// coordinators and administrators.
#[utoipa::path(
    tag = "surveys",
    params(("id" = Uuid, Path, description = "The round id."), PageQuery),
    responses((status = 200, description = "A page of recipients.", body = SurveyRecipientPage))
)]
#[get("/survey-rounds/{id}/recipients")]
pub async fn list_survey_recipients(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Query(query): Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = SurveyRoundId::from(id.into_inner());
    let page = page_request(
        CursorList::SurveyRecipients,
        query.limit,
        query.cursor.as_deref(),
    )?;
    let found = state
        .db(move |conn| cases::surveys::recipients(conn, &caller, id, page))
        .await?;
    Ok(HttpResponse::Ok().json(SurveyRecipientPage::from_page(found)))
}

/// How often one choice or scale step was given.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountView {
    /// The choice's key, or the scale step (`1` to `7`).
    pub value: String,
    /// How many gave it.
    pub count: u32,
}

/// One question's results in one group.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionResultView {
    /// The question's key.
    pub key: String,
    /// Its kind.
    #[schema(value_type = QuestionKindSchema)]
    pub kind: QuestionKind,
    /// How many responses answered it.
    pub answered: u32,
    /// `true` when fewer than the round's `min_group_size` answered it: then only `answered`
    /// is shown.
    pub withheld: bool,
    /// Choice questions: each choice; a scale: each step; in order.
    pub counts: Vec<CountView>,
    /// Scale and number questions: the mean, to two decimals.
    pub mean: Option<f64>,
    /// Free-text questions: the texts, sorted (municipality-wide coordinators and
    /// administrators only; empty for others).
    pub texts: Vec<String>,
}

impl From<QuestionResult> for QuestionResultView {
    fn from(q: QuestionResult) -> Self {
        Self {
            key: q.key,
            kind: q.kind,
            answered: q.answered,
            withheld: q.withheld,
            counts: q
                .counts
                .into_iter()
                .map(|(value, count)| CountView { value, count })
                .collect(),
            mean: q.mean,
            texts: q.texts,
        }
    }
}

/// One group's results.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupResultView {
    /// The unit or care district; `null` for the municipality, or for responses with no unit.
    pub id: Option<Uuid>,
    /// Its name.
    pub name: String,
    /// How many responses it has.
    pub responses: usize,
    /// `true` when it has fewer responses than the round's `min_group_size`: then nothing but
    /// the count is shown.
    pub withheld: bool,
    /// The results, question by question; empty when withheld.
    pub questions: Vec<QuestionResultView>,
}

impl From<GroupResult> for GroupResultView {
    fn from(g: GroupResult) -> Self {
        Self {
            id: g.id,
            name: g.name,
            responses: g.responses,
            withheld: g.withheld,
            questions: g
                .questions
                .into_iter()
                .map(QuestionResultView::from)
                .collect(),
        }
    }
}

/// A round's results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyResultsView {
    /// The round, with its questions.
    pub round: SurveyRoundView,
    /// How the results are grouped.
    #[schema(value_type = GroupingSchema)]
    pub grouping: Grouping,
    /// Whether free texts are shown (to coordinators and administrators).
    pub texts_shown: bool,
    /// The groups, by name.
    pub groups: Vec<GroupResultView>,
}

impl From<Results> for SurveyResultsView {
    fn from(r: Results) -> Self {
        Self {
            round: SurveyRoundView::from(r.round),
            grouping: r.grouping,
            texts_shown: r.texts_shown,
            groups: r.groups.into_iter().map(GroupResultView::from).collect(),
        }
    }
}

/// How to group results.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// `unit` (the unit answered for, or the volunteer's home unit), `district` (the nearest
    /// care district above it) or `municipality` (default).
    #[param(value_type = Option<GroupingSchema>)]
    pub by: Option<Grouping>,
}

/// Read a round's results.
///
/// Once the round has closed or was called off (409 before: read while answers come in, two
/// readings apart would show one person's answer). Counts per choice and scale step, and means
/// of scales and numbers, per unit, care district or the whole municipality. A group with fewer
/// responses than the round's `min_group_size` (at least 5) is withheld, showing only its
/// count, and so is a larger one beside it when the small one could otherwise be worked out
/// from a total (decided over units, districts and the municipality at once, so that no
/// combination of groupings gives it away); each question is withheld the same way by how
/// many answered it, showing only that number. Free texts,
/// sorted, are shown to municipality-wide coordinators and administrators only; contact
/// persons see the rest.
#[utoipa::path(
    tag = "surveys",
    params(("id" = Uuid, Path, description = "The round id."), ResultsQuery),
    responses(
        (status = 200, description = "The results.", body = SurveyResultsView),
        (status = 409, description = "The round has not closed yet.", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/survey-rounds/{id}/results")]
pub async fn get_survey_results(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Query(query): Query<ResultsQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = SurveyRoundId::from(id.into_inner());
    let grouping = query.by.unwrap_or(Grouping::Municipality);
    let now = state.clock.now();
    let results = state
        .db(move |conn| cases::surveys::results(conn, &caller, id, grouping, now))
        .await?;
    Ok(HttpResponse::Ok().json(SurveyResultsView::from(results)))
}

/// The survey a link opens.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyFormView {
    /// The round's title.
    pub title: String,
    /// Who answers.
    #[schema(value_type = SurveyAudienceSchema)]
    pub audience: SurveyAudience,
    /// The unit answered for, in a unit survey.
    pub unit_name: Option<String>,
    /// The last day answers are taken.
    pub closes_on: NaiveDate,
    /// The questions.
    pub questions: Vec<QuestionBody>,
}

impl From<Form> for SurveyFormView {
    fn from(f: Form) -> Self {
        Self {
            title: f.round.title,
            audience: f.round.audience,
            unit_name: f.unit_name,
            closes_on: f.round.closes_on,
            questions: f
                .round
                .questions
                .into_iter()
                .map(QuestionBody::from)
                .collect(),
        }
    }
}

/// The header a link's token travels in (kept out of URLs, and so out of logs).
const TOKEN_HEADER: &str = "survey-token";

fn token_of(req: &HttpRequest) -> Result<String, ApiError> {
    req.headers()
        .get(TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 200)
        .map(str::to_owned)
        .ok_or_else(|| {
            ApiError::Unauthorized(
                "Send the token of your survey link in the Survey-Token header.".to_owned(),
            )
        })
}

/// Open a survey by its link.
///
/// No login: the one-time token of the link, in the `Survey-Token` header, opens the round's
/// questions. A token that is no link is 404; a used one, or one of a closed or cancelled
/// round, 410; before the round opens, 409. Rate-limited per address.
#[utoipa::path(
    tag = "surveys",
    params(("Survey-Token" = String, Header, description = "The one-time token of the link.")),
    responses(
        (status = 200, description = "The survey.", body = SurveyFormView),
        (status = 401, description = "No Survey-Token header.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The token is no survey link.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The round has not opened yet.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 410, description = "The link was used, or the round closed or was called off.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address.", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
#[get("/survey")]
pub async fn get_public_survey(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let token = token_of(&req)?;
    let now = state.clock.now();
    let form = state
        .db(move |conn| cases::surveys::form(conn, &token, now))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(SurveyFormView::from(form)))
}

/// Answers to a survey, by question key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"answers": {
    "motivation": ["meaning", "social"], "satisfaction": 6, "followed_up": 5,
    "hours_a_month": 8, "barriers": ["time"], "continue": "yes",
    "comments": "Fint å bli kjent med beboerne."
}}))]
pub struct SurveyAnswersBody {
    /// Each question answered, by its key: the key of the choice made (`single_choice`), a list
    /// of keys (`multiple_choice`), a whole number from 1 to 7 (`scale`), a number (`number`)
    /// or text (`free_text`). Required questions must be answered.
    #[schema(value_type = Object)]
    pub answers: BTreeMap<String, serde_json::Value>,
}

fn parse_answers(raw: BTreeMap<String, serde_json::Value>) -> Result<Response, ApiError> {
    let mut errors = Vec::new();
    let mut answers = Response::new();
    if raw.len() > 100 {
        return Err(ApiError::invalid(
            "answers",
            "too_many",
            "at most 100 answers",
        ));
    }
    for (key, value) in raw {
        let parsed = match value {
            serde_json::Value::Number(n) => n.as_f64().map(AnswerValue::Number),
            serde_json::Value::String(s) => Some(AnswerValue::Text(s)),
            serde_json::Value::Array(items) => items
                .into_iter()
                .map(|i| match i {
                    serde_json::Value::String(s) => Some(s),
                    _ => None,
                })
                .collect::<Option<Vec<String>>>()
                .map(AnswerValue::Choices),
            serde_json::Value::Null => continue,
            _ => None,
        };
        match parsed {
            Some(value) => {
                answers.insert(key, value);
            }
            None => errors.push(FieldError::new(
                format!("answers.{key}"),
                "invalid_value",
                "must be a number, a text or a list of choice keys",
            )),
        }
    }
    if errors.is_empty() {
        Ok(answers)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Received.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyReceipt {
    /// Always `received`.
    pub status: &'static str,
}

/// Answer a survey by its link.
///
/// No login: the link's one-time token in the `Survey-Token` header. Once: the token is spent
/// by the answer, and a second answer (a retry included) is 410. The answer is checked against the questions
/// (422 naming `answers.<key>`), and kept apart from who gave it. Rate-limited per address.
#[utoipa::path(
    tag = "surveys",
    params(("Survey-Token" = String, Header, description = "The one-time token of the link.")),
    request_body(content = SurveyAnswersBody, example = json!({"answers": {"motivation": ["meaning", "social"], "satisfaction": 6, "followed_up": 5, "hours_a_month": 8, "barriers": ["time"], "continue": "yes", "comments": "Fint å bli kjent med beboerne."}})),
    responses(
        (status = 200, description = "Received.", body = SurveyReceipt),
        (status = 401, description = "No Survey-Token header.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The token is no survey link.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The round has not opened yet.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 410, description = "The link was used, or the round closed or was called off.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address.", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
#[post("/survey/answers")]
pub async fn answer_public_survey(
    state: web::Data<AppState>,
    req: HttpRequest,
    Json(body): Json<SurveyAnswersBody>,
) -> Result<HttpResponse, ApiError> {
    let token = token_of(&req)?;
    let answers = parse_answers(body.answers)?;
    let now = state.clock.now();
    state
        .db(move |conn| cases::surveys::answer_by_token(conn, &token, answers, now))
        .await?;
    Ok(HttpResponse::Ok().json(SurveyReceipt { status: "received" }))
}

/// A survey I am asked to answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct MySurveyView {
    /// The round's id (answer at `/me/surveys/{id}/answers`).
    pub id: Uuid,
    /// Its title.
    pub title: String,
    /// Where it stands.
    #[schema(value_type = RoundStatusSchema)]
    pub status: RoundStatus,
    /// The first day answers are taken.
    pub opens_on: NaiveDate,
    /// The last day answers are taken.
    pub closes_on: NaiveDate,
    /// When I answered (my answers are not shown, to me or anyone, as mine).
    pub answered_at: Option<DateTime<Utc>>,
    /// The questions.
    pub questions: Vec<QuestionBody>,
}

impl From<OwnSurvey> for MySurveyView {
    fn from(o: OwnSurvey) -> Self {
        Self {
            id: o.round.id.into_uuid(),
            title: o.round.title,
            status: o.status,
            opens_on: o.round.opens_on,
            closes_on: o.round.closes_on,
            answered_at: o.recipient.answered_at,
            questions: o
                .round
                .questions
                .into_iter()
                .map(QuestionBody::from)
                .collect(),
        }
    }
}

page_of!(MySurveyPage, MySurveyView, CursorList::MySurveys);

/// List the surveys I am asked to answer.
///
/// Rounds to volunteers that ask me (through the volunteer record linked to the account), with
/// whether I have answered; keyset-paged. Never anybody else's.
#[utoipa::path(
    tag = "me",
    params(PageQuery),
    responses((status = 200, description = "A page of my surveys.", body = MySurveyPage))
)]
#[get("/me/surveys")]
pub async fn list_my_surveys(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Query(query): Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page_request(CursorList::MySurveys, query.limit, query.cursor.as_deref())?;
    let now = state.clock.now();
    let found = state
        .db(move |conn| cases::surveys::own(conn, &caller, page, now))
        .await?;
    Ok(HttpResponse::Ok().json(MySurveyPage::from_page(found)))
}

/// Answer a survey I am asked to answer.
///
/// Once, while the round is open (409 before, 410 after it closes); a second answer is 409. A
/// round that does not ask me is 404. My answer is kept apart from me.
#[utoipa::path(
    tag = "me",
    params(("id" = Uuid, Path, description = "The round id.")),
    request_body(content = SurveyAnswersBody, example = json!({"answers": {"motivation": ["meaning", "social"], "satisfaction": 6, "followed_up": 5, "hours_a_month": 8, "barriers": ["time"], "continue": "yes", "comments": "Fint å bli kjent med beboerne."}})),
    responses(
        (status = 200, description = "Received.", body = SurveyReceipt),
        (status = 410, description = "The round closed or was called off.", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/surveys/{id}/answers")]
pub async fn answer_my_survey(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Json(body): Json<SurveyAnswersBody>,
) -> Result<HttpResponse, ApiError> {
    let id = SurveyRoundId::from(id.into_inner());
    let answers = parse_answers(body.answers)?;
    let now = state.clock.now();
    state
        .db(move |conn| cases::surveys::answer_own(conn, &caller, id, answers, now))
        .await?;
    Ok(HttpResponse::Ok().json(SurveyReceipt { status: "received" }))
}

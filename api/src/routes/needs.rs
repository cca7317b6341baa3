//! Needs (behov): what a unit, or a person visited at home through the coordinator, asks
//! volunteers for. Moved through `draft → open → filled | closed`; shown to strangers on the
//! public board while open and published; volunteers (and groups, through their contact
//! person) say they are interested; coordinators rank the candidates and place from the need.
//!
//! Coordinators and administrators manage every need of their municipality; a unit's contact
//! person writes and manages the needs they are the contact person of.

use crate::{
    access::target_municipality,
    auth::StaffCaller,
    cases::{
        self,
        needs::{Candidate, NeedDraft, NeedEdit, NeedRecord, Pick, WhenEdit, Who},
    },
    dto::{clearance::render, placement::PlacementView},
    error::{ApiError, FieldError},
    etag::{cacheable_json, json_with_etag},
    extract::{IfMatch, Json, Query},
    input::{double_option, field, placed, plausible, validate},
    openapi::schemas::{
        MatchReasonSchema, NeedStatusSchema, OpenToSchema, RequirementKindSchema, SettingSchema,
        SubjectKindSchema, TargetGroupSchema, VolunteerStatusSchema, WeekdaySchema,
    },
    pagination::{
        CursorList, checked_limit, decode_key, encode_cursor, encode_key, page_of, page_request,
    },
    state::AppState,
};
use actix_web::{HttpRequest, HttpResponse, delete, get, http::header, patch, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use samspill_domain::{
    ParseError,
    clearance::{RequirementKind, Setting, SubjectKind, TargetGroup},
    ids::NeedId,
    municipality::MunicipalityCode,
    need::{MatchReason, NeedStatus, NeedWhen, OpenTo, check_places, parse_public_description},
    schedule::parse_start_time,
    volunteer::{VolunteerStatus, Weekday, parse_activity_kind, parse_language},
};
use samspill_persistence::needs::{Interest, Interested, NeedFilter, NeedTerms};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A need.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedView {
    /// Its id.
    pub id: Uuid,
    /// The municipality.
    pub municipality_id: Uuid,
    /// The unit that asks; for a person visited at home, the unit that answers for them.
    pub unit_id: Uuid,
    /// The person visited at home (or `null` at the unit).
    pub recipient_id: Option<Uuid>,
    /// Where: `institution` at the unit, `private_home` with a recipient.
    #[schema(value_type = SettingSchema)]
    pub setting: Setting,
    /// The activity kind.
    #[schema(example = "companionship")]
    pub activity_kind: String,
    /// Who the activity is with.
    #[schema(value_type = TargetGroupSchema)]
    pub target_group: TargetGroup,
    /// The first day; the only one when `weekdays` is empty.
    pub starts_on: NaiveDate,
    /// The weekdays, Monday first; empty for a need on one date.
    #[schema(value_type = Vec<WeekdaySchema>)]
    pub weekdays: Vec<Weekday>,
    /// Every how many weeks.
    pub interval_weeks: u8,
    /// The last possible day of a weekly need.
    pub until: Option<NaiveDate>,
    /// The local start time, `HH:MM`.
    #[schema(example = "14:00")]
    pub start_time: String,
    /// How long it lasts each time, in minutes.
    pub duration_minutes: i32,
    /// How many places (volunteers, or groups taking one place each).
    pub places: i32,
    /// Places taken by placements from the need that have not ended.
    pub places_filled: i64,
    /// Volunteers and groups who said they are interested.
    pub interested: i64,
    /// Who may take a place.
    #[schema(value_type = OpenToSchema)]
    pub open_to: OpenTo,
    /// Languages wished (ISO 639 codes); empty means any.
    pub languages: Vec<String>,
    /// What it is about, as the public board shows it.
    pub description: String,
    /// Whether it shows on the public board while open.
    pub published: bool,
    /// Where it stands.
    #[schema(value_type = NeedStatusSchema)]
    pub status: NeedStatus,
    /// The unit's contact person, who manages it with the coordinators.
    pub contact_person_id: Option<Uuid>,
    /// Who wrote it.
    pub created_by: Uuid,
    /// When it was last opened.
    pub opened_at: Option<DateTime<Utc>>,
    /// Raised by every change; also the ETag.
    pub version: i32,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<NeedRecord> for NeedView {
    fn from(record: NeedRecord) -> Self {
        let n = record.need;
        Self {
            id: n.id.into_uuid(),
            municipality_id: n.municipality_id.into_uuid(),
            unit_id: n.unit_id.into_uuid(),
            recipient_id: match n.place {
                samspill_domain::placement::Place::Recipient(id) => Some(id.into_uuid()),
                samspill_domain::placement::Place::Unit(_) => None,
            },
            setting: n.place.setting(),
            activity_kind: n.activity_kind,
            target_group: n.target_group,
            starts_on: n.when.starts_on(),
            weekdays: n.when.weekdays().to_vec(),
            interval_weeks: n.when.interval_weeks(),
            until: n.when.until(),
            start_time: n.when.start_time().format("%H:%M").to_string(),
            duration_minutes: n.when.duration_minutes(),
            places: n.places,
            places_filled: record.filled,
            interested: record.interested,
            open_to: n.open_to,
            languages: n.languages,
            description: n.description,
            published: n.published,
            status: n.status,
            contact_person_id: n.contact_person_id.map(|c| c.into_uuid()),
            created_by: n.created_by.into_uuid(),
            opened_at: n.opened_at,
            version: n.version,
            created_at: n.created_at,
            updated_at: n.updated_at,
        }
    }
}

page_of!(NeedPage, NeedView, CursorList::Needs);

/// A new need. Name the `unit_id` asking, or (coordinators) the `recipient_id` of a person
/// visited at home, whose responsible unit then asks. No `weekdays` means the one date
/// `starts_on`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "unit_id": "0193a0c2-5b1e-7000-8000-000000000001",
    "activity_kind": "companionship",
    "starts_on": "2027-01-07",
    "weekdays": ["thursday"],
    "start_time": "14:00",
    "duration_minutes": 90,
    "places": 2,
    "languages": ["no"],
    "description": "Reading aloud for residents on Thursday afternoons.",
    "published": true,
    "status": "open"
}))]
pub struct NewNeed {
    /// Required for administrators; defaults to the caller's own municipality.
    pub municipality_id: Option<Uuid>,
    /// The unit asking (setting `institution`).
    pub unit_id: Option<Uuid>,
    /// The person visited at home (setting `private_home`); coordinators only.
    pub recipient_id: Option<Uuid>,
    /// The activity kind (a default or the municipality's own).
    #[schema(example = "companionship")]
    pub activity_kind: String,
    /// Who the activity is with (default `general`).
    #[schema(value_type = Option<TargetGroupSchema>)]
    pub target_group: Option<TargetGroup>,
    /// The first day; the one date when no `weekdays` are given.
    pub starts_on: NaiveDate,
    /// Weekly on these weekdays; leave out (or empty) for one date.
    #[serde(default)]
    #[schema(value_type = Vec<WeekdaySchema>, max_items = 7)]
    pub weekdays: Vec<Weekday>,
    /// Every how many weeks (default 1).
    #[schema(minimum = 1, maximum = 52)]
    pub interval_weeks: Option<u8>,
    /// The last possible day of a weekly need.
    pub until: Option<NaiveDate>,
    /// The local start time, `HH:MM`.
    #[schema(example = "14:00", pattern = "^[0-2][0-9]:[0-5][0-9](:[0-5][0-9])?$")]
    pub start_time: String,
    /// How long it lasts each time, in minutes (5 to 1440).
    #[schema(minimum = 5, maximum = 1440)]
    pub duration_minutes: i32,
    /// How many places (1 to 100, default 1); a group takes one.
    #[schema(minimum = 1, maximum = 100)]
    pub places: Option<i32>,
    /// Who may take a place (default `volunteers`).
    #[schema(value_type = Option<OpenToSchema>)]
    pub open_to: Option<OpenTo>,
    /// Languages wished, ISO 639 codes.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub languages: Vec<String>,
    /// What it is about, shown to strangers on the board: never a person's name, address or
    /// health.
    #[schema(min_length = 1, max_length = 500)]
    pub description: String,
    /// Shown on the public board while open (default `false`).
    pub published: Option<bool>,
    /// The unit's contact person: an active staff contact person (a contact person asking is
    /// it).
    pub contact_person_id: Option<Uuid>,
    /// `draft` (the default) or `open`.
    #[schema(value_type = Option<NeedStatusSchema>)]
    pub status: Option<NeedStatus>,
}

/// A change to a need; fields not given keep their values. What placements were made for
/// (`activity_kind`, `target_group`) stays once anyone is placed from the need.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"places": 3, "published": true}))]
pub struct NeedChange {
    /// Another activity kind.
    pub activity_kind: Option<String>,
    /// Another target group.
    #[schema(value_type = Option<TargetGroupSchema>)]
    pub target_group: Option<TargetGroup>,
    /// Another first day.
    pub starts_on: Option<NaiveDate>,
    /// Other weekdays; empty makes it a need on one date.
    #[schema(value_type = Option<Vec<WeekdaySchema>>, max_items = 7)]
    pub weekdays: Option<Vec<Weekday>>,
    /// Another interval.
    #[schema(minimum = 1, maximum = 52)]
    pub interval_weeks: Option<u8>,
    /// Another last day, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>, nullable)]
    pub until: Option<Option<NaiveDate>>,
    /// Another start time, `HH:MM`.
    #[schema(pattern = "^[0-2][0-9]:[0-5][0-9](:[0-5][0-9])?$")]
    pub start_time: Option<String>,
    /// Another length, in minutes.
    #[schema(minimum = 5, maximum = 1440)]
    pub duration_minutes: Option<i32>,
    /// Another number of places: more reopen a filled need, no more than are taken fill it.
    #[schema(minimum = 1, maximum = 100)]
    pub places: Option<i32>,
    /// Who else may take a place.
    #[schema(value_type = Option<OpenToSchema>)]
    pub open_to: Option<OpenTo>,
    /// Other languages.
    #[schema(max_items = 10)]
    pub languages: Option<Vec<String>>,
    /// Another public description.
    #[schema(min_length = 1, max_length = 500)]
    pub description: Option<String>,
    /// Shown on the board or not.
    pub published: Option<bool>,
    /// Another contact person, or `null` (coordinators only).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub contact_person_id: Option<Option<Uuid>>,
}

/// Filters for the list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NeedQuery {
    /// Only this municipality (useful for administrators).
    pub municipality_id: Option<Uuid>,
    /// Only in this status.
    #[param(value_type = Option<NeedStatusSchema>)]
    pub status: Option<NeedStatus>,
    /// Only of this unit.
    pub unit_id: Option<Uuid>,
    /// Only for this recipient.
    pub recipient_id: Option<Uuid>,
    /// Only for this activity kind.
    pub activity_kind: Option<String>,
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

const MAX_LANGUAGES: usize = 10;

fn languages(raw: Vec<String>) -> Result<Vec<String>, FieldError> {
    if raw.len() > MAX_LANGUAGES {
        return Err(FieldError::new(
            "languages",
            "too_many",
            format!("at most {MAX_LANGUAGES} languages"),
        ));
    }
    let mut codes = Vec::with_capacity(raw.len());
    for (i, code) in raw.iter().enumerate() {
        let parsed =
            parse_language(code).map_err(|e| FieldError::parse(format!("languages[{i}]"), &e))?;
        if !codes.contains(&parsed) {
            codes.push(parsed);
        }
    }
    Ok(codes)
}

fn when_problems(problems: Vec<(&'static str, ParseError)>) -> FieldError {
    // The first problem names the field; the rest follow in the answer of a second try.
    problems
        .into_iter()
        .next()
        .map(|(f, e)| FieldError::parse(f, &e))
        .unwrap_or_else(|| FieldError::new("starts_on", "invalid", "the times do not fit"))
}

fn new_when(body: &NewNeed) -> Result<NeedWhen, FieldError> {
    plausible("starts_on", body.starts_on)?;
    if let Some(until) = body.until {
        plausible("until", until)?;
    }
    let start_time = field("start_time", parse_start_time(&body.start_time))?;
    NeedWhen::new(
        body.starts_on,
        &body.weekdays,
        body.interval_weeks.unwrap_or(1),
        body.until,
        start_time,
        body.duration_minutes,
    )
    .map_err(when_problems)
}

fn initial_status(status: Option<NeedStatus>) -> Result<NeedStatus, FieldError> {
    match status.unwrap_or(NeedStatus::Draft) {
        s @ (NeedStatus::Draft | NeedStatus::Open) => Ok(s),
        _ => Err(FieldError::new(
            "status",
            "not_allowed",
            "a need starts as draft or open",
        )),
    }
}

/// Ask for volunteers.
///
/// A unit asks for an activity kind, with whom, when (one date, or weekly on some weekdays),
/// how many places, for volunteers or a group, in which languages, with a short description
/// strangers may read on the public board (never a person's name, address or health).
/// Coordinators and administrators ask for any unit, or for a person visited at home (name
/// `recipient_id`; the unit that answers for them asks). A unit's contact person asks for a
/// unit, as its contact person. Starts as `draft` unless `status` is `open`.
#[utoipa::path(
    tag = "needs",
    request_body(content = NewNeed, example = json!({"unit_id": "0193a0c2-5b1e-7000-8000-000000000001", "activity_kind": "companionship", "starts_on": "2027-01-07", "weekdays": ["thursday"], "start_time": "14:00", "duration_minutes": 90, "places": 2, "languages": ["no"], "description": "Reading aloud for residents on Thursday afternoons.", "published": true, "status": "open"})),
    responses((status = 201, description = "Written.", body = NeedView,
        headers(("ETag" = String, description = "The version."), ("Location" = String, description = "The new resource."))))
)]
#[post("/needs")]
pub async fn create_need(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Json(body): Json<NewNeed>,
) -> Result<HttpResponse, ApiError> {
    cases::needs::audience(&caller)?;
    validate! {
        municipality_id = target_municipality(&caller, body.municipality_id);
        activity_kind = field("activity_kind", parse_activity_kind(&body.activity_kind));
        when = new_when(&body);
        places = field("places", check_places(body.places.unwrap_or(1)));
        wished = languages(body.languages.clone());
        description = field("description", parse_public_description(&body.description));
        status = initial_status(body.status);
    }
    let draft = NeedDraft {
        municipality_id,
        unit_id: body.unit_id.map(Into::into),
        recipient_id: body.recipient_id.map(Into::into),
        terms: NeedTerms {
            activity_kind,
            target_group: body.target_group.unwrap_or(TargetGroup::General),
            when,
            places,
            open_to: body.open_to.unwrap_or(OpenTo::Volunteers),
            languages: wished,
            description,
            published: body.published.unwrap_or(false),
        },
        contact_person_id: body.contact_person_id.map(Into::into),
        status,
    };
    let now = state.clock.now();
    let created = state
        .db(move |conn| cases::needs::create(conn, &caller, draft, now))
        .await?;
    let mut response = HttpResponse::Created();
    response.insert_header((
        header::LOCATION,
        format!("/api/v1/needs/{}", created.need.id),
    ));
    Ok(json_with_etag(
        response,
        created.need.version,
        &NeedView::from(created),
    ))
}

/// List needs.
///
/// Filters by status, unit, recipient and activity kind; keyset-paged in id order, each with
/// how many places are taken and how many said they are interested. Coordinators and
/// administrators see every need of their municipality, a contact person those they are the
/// contact person of.
#[utoipa::path(
    tag = "needs",
    params(NeedQuery),
    responses((status = 200, description = "A page of needs.", body = NeedPage))
)]
#[get("/needs")]
pub async fn list_needs(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Query(query): Query<NeedQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page_request(CursorList::Needs, query.limit, query.cursor.as_deref())?;
    let filter = NeedFilter {
        municipality_id: query.municipality_id.map(Into::into),
        status: query.status,
        unit_id: query.unit_id.map(Into::into),
        recipient_id: query.recipient_id.map(Into::into),
        activity_kind: query.activity_kind,
    };
    let found = state
        .db(move |conn| cases::needs::list(conn, &caller, &filter, page))
        .await?;
    Ok(HttpResponse::Ok().json(NeedPage::from_page(found)))
}

/// Read one need.
///
/// With how many places are taken and how many said they are interested. Another
/// municipality's id is 404.
#[utoipa::path(
    tag = "needs",
    params(("id" = Uuid, Path, description = "The need id.")),
    responses((status = 200, description = "The need.", body = NeedView,
        headers(("ETag" = String, description = "The version."))))
)]
#[get("/needs/{id}")]
pub async fn get_need(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = NeedId::from(id.into_inner());
    let found = state
        .db(move |conn| cases::needs::get(conn, &caller, id))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        found.need.version,
        &NeedView::from(found),
    ))
}

/// Change a need.
///
/// Any of its parts but where it takes place; what placements were made for (activity kind,
/// target group) stays once anyone is placed from it. More places reopen a filled need; no
/// more places than are taken fill an open one. A closed need does not change (409).
/// `If-Match` guards lost updates.
#[utoipa::path(
    tag = "needs",
    params(
        ("id" = Uuid, Path, description = "The need id."),
        crate::extract::IfMatchHeader,
    ),
    request_body(content = NeedChange, example = json!({"places": 3, "published": true})),
    responses((status = 200, description = "The changed need.", body = NeedView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[patch("/needs/{id}")]
pub async fn update_need(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    Json(body): Json<NeedChange>,
) -> Result<HttpResponse, ApiError> {
    let id = NeedId::from(id.into_inner());
    validate! {
        activity_kind = body
            .activity_kind
            .as_deref()
            .map(|k| field("activity_kind", parse_activity_kind(k)))
            .transpose();
        starts_on = body.starts_on.map(|d| plausible("starts_on", d)).transpose();
        until = body
            .until
            .map(|u| u.map(|d| plausible("until", d)).transpose())
            .transpose();
        start_time = body
            .start_time
            .as_deref()
            .map(|t| field("start_time", parse_start_time(t)))
            .transpose();
        places = body.places.map(|p| field("places", check_places(p))).transpose();
        wished = body.languages.clone().map(languages).transpose();
        description = body
            .description
            .as_deref()
            .map(|d| field("description", parse_public_description(d)))
            .transpose();
    }
    let edit = NeedEdit {
        activity_kind,
        target_group: body.target_group,
        when: WhenEdit {
            starts_on,
            weekdays: body.weekdays,
            interval_weeks: body.interval_weeks,
            until,
            start_time,
            duration_minutes: body.duration_minutes,
        },
        places,
        open_to: body.open_to,
        languages: wished,
        description,
        published: body.published,
        contact_person_id: body.contact_person_id.map(|c| c.map(Into::into)),
    };
    let now = state.clock.now();
    let updated = state
        .db(move |conn| cases::needs::update(conn, &caller, id, expected, edit, now))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        updated.need.version,
        &NeedView::from(updated),
    ))
}

/// A status change of a need.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"to": "open"}))]
pub struct NeedTransition {
    /// `open`, `filled` or `closed`.
    #[schema(value_type = NeedStatusSchema)]
    pub to: NeedStatus,
}

/// Move a need through its lifecycle.
///
/// `draft → open` (it shows on the board when published), `open → filled` (filled another
/// way; the service fills it when the last place is taken), `filled → open` (a place came
/// free), and `closed` from any other status. Opening a need whose places are all taken is
/// refused (409, raise `places` first). `If-Match` is optional.
#[utoipa::path(
    tag = "needs",
    params(
        ("id" = Uuid, Path, description = "The need id."),
        crate::extract::IfMatchHeader,
    ),
    request_body(content = NeedTransition, example = json!({"to": "open"})),
    responses((status = 200, description = "The moved need.", body = NeedView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[post("/needs/{id}/transitions")]
pub async fn transition_need(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    Json(body): Json<NeedTransition>,
) -> Result<HttpResponse, ApiError> {
    let id = NeedId::from(id.into_inner());
    let now = state.clock.now();
    let moved = state
        .db(move |conn| cases::needs::transition(conn, &caller, id, expected, body.to, now))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        moved.need.version,
        &NeedView::from(moved),
    ))
}

/// Someone interested in a need.
#[derive(Debug, Serialize, ToSchema)]
pub struct InterestView {
    /// Its id.
    pub id: Uuid,
    /// The need.
    pub need_id: Uuid,
    /// The volunteer (or `null` for a group).
    pub volunteer_id: Option<Uuid>,
    /// The group (or `null` for a volunteer).
    pub group_id: Option<Uuid>,
    /// How it was said: `volunteer` (logged in), `registration` or `coordinator`.
    #[schema(example = "volunteer")]
    pub source: String,
    /// The account that said it; `null` at self-registration.
    pub recorded_by: Option<Uuid>,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<Interest> for InterestView {
    fn from(i: Interest) -> Self {
        let (volunteer_id, group_id) = match i.who {
            Interested::Volunteer(v) => (Some(v.into_uuid()), None),
            Interested::Group(g) => (None, Some(g.into_uuid())),
        };
        Self {
            id: i.id,
            need_id: i.need_id.into_uuid(),
            volunteer_id,
            group_id,
            source: i.source.as_str().to_owned(),
            recorded_by: i.recorded_by.map(|b| b.into_uuid()),
            created_at: i.created_at,
        }
    }
}

page_of!(InterestPage, InterestView, CursorList::NeedInterests);

/// Who a coordinator records as interested: a volunteer or a group.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"volunteer_id": "0193a0c2-5b1e-7000-8000-000000000002"}))]
pub struct InterestBody {
    /// The volunteer.
    pub volunteer_id: Option<Uuid>,
    /// The group.
    pub group_id: Option<Uuid>,
}

fn interested(volunteer: Option<Uuid>, group: Option<Uuid>) -> Result<Interested, ApiError> {
    match (volunteer, group) {
        (Some(v), None) => Ok(Interested::Volunteer(v.into())),
        (None, Some(g)) => Ok(Interested::Group(g.into())),
        _ => Err(ApiError::invalid(
            "volunteer_id",
            "one_of",
            "name exactly one of volunteer_id and group_id",
        )),
    }
}

fn interest_answer(interest: Interest, new: bool) -> HttpResponse {
    let view = InterestView::from(interest);
    if new {
        crate::metrics::need_event(&format!("interest_{}", view.source), 1);
        HttpResponse::Created().json(view)
    } else {
        HttpResponse::Ok().json(view)
    }
}

/// List who is interested in a need.
///
/// Oldest first, keyset-paged: volunteers and groups, and how each said it. Coordinators,
/// administrators and the need's contact person.
#[utoipa::path(
    tag = "needs",
    params(
        ("id" = Uuid, Path, description = "The need id."),
        ("limit" = Option<u32>, Query, description = "Page length, 1-200 (default 50)."),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page."),
    ),
    responses((status = 200, description = "A page of interests.", body = InterestPage))
)]
#[get("/needs/{id}/interests")]
pub async fn list_need_interests(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Query(query): Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = NeedId::from(id.into_inner());
    let page = page_request(
        CursorList::NeedInterests,
        query.limit,
        query.cursor.as_deref(),
    )?;
    let found = state
        .db(move |conn| cases::needs::interests(conn, &caller, id, page))
        .await?;
    Ok(HttpResponse::Ok().json(InterestPage::from_page(found)))
}

/// Paging of a list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Page length.
    pub limit: Option<u32>,
    /// Where to go on from.
    pub cursor: Option<String>,
}

/// Record that a volunteer or group is interested.
///
/// On their behalf (a phone call, a meeting): a volunteer or group of the municipality that is
/// registered, in screening or approved, in an open need that takes volunteers or groups. Said
/// again, the first record stands (200 instead of 201). Coordinators and administrators.
#[utoipa::path(
    tag = "needs",
    params(("id" = Uuid, Path, description = "The need id.")),
    request_body(content = InterestBody, example = json!({"volunteer_id": "0193a0c2-5b1e-7000-8000-000000000002"})),
    responses(
        (status = 201, description = "Recorded.", body = InterestView),
        (status = 200, description = "Recorded before.", body = InterestView),
    )
)]
#[post("/needs/{id}/interests")]
pub async fn record_need_interest(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Json(body): Json<InterestBody>,
) -> Result<HttpResponse, ApiError> {
    let id = NeedId::from(id.into_inner());
    let who = interested(body.volunteer_id, body.group_id)?;
    let today = state.clock.today();
    let (interest, new) = state
        .db(move |conn| cases::needs::record_interest(conn, &caller, id, who, today))
        .await?;
    Ok(interest_answer(interest, new))
}

/// Remove an interest.
///
/// Coordinators and administrators, for example when it was recorded by mistake.
#[utoipa::path(
    tag = "needs",
    params(
        ("id" = Uuid, Path, description = "The need id."),
        ("interest_id" = Uuid, Path, description = "The interest id."),
    ),
    responses((status = 204, description = "Removed."))
)]
#[delete("/needs/{id}/interests/{interest_id}")]
pub async fn delete_need_interest(
    state: web::Data<AppState>,
    caller: StaffCaller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, interest) = path.into_inner();
    let id = NeedId::from(id);
    state
        .db(move |conn| cases::needs::remove_interest(conn, &caller, id, interest))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Say I am interested in a need.
///
/// A volunteer account (registered, in screening or approved), in an open need of its
/// municipality that takes volunteers. Said again, the first one stands (200 instead of 201).
/// The coordinator sees it among the need's interests, and the volunteer comes first among its
/// candidates. A group's interest is recorded by the coordinator, as its contact person says.
#[utoipa::path(
    tag = "me",
    params(("id" = Uuid, Path, description = "The need id.")),
    responses(
        (status = 201, description = "Recorded.", body = InterestView),
        (status = 200, description = "Recorded before.", body = InterestView),
    )
)]
#[put("/me/needs/{id}/interest")]
pub async fn offer_interest(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = NeedId::from(id.into_inner());
    let today = state.clock.today();
    let (interest, new) = state
        .db(move |conn| cases::needs::offer(conn, &caller, id, today))
        .await?;
    Ok(interest_answer(interest, new))
}

/// Withdraw my interest in a need.
///
/// A volunteer account for itself. Answers 204 whether or not there was one.
#[utoipa::path(
    tag = "me",
    params(("id" = Uuid, Path, description = "The need id.")),
    responses((status = 204, description = "Withdrawn."))
)]
#[delete("/me/needs/{id}/interest")]
pub async fn withdraw_interest(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = NeedId::from(id.into_inner());
    state
        .db(move |conn| cases::needs::withdraw(conn, &caller, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A candidate for a need.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateView {
    /// A volunteer or a group.
    #[schema(value_type = SubjectKindSchema)]
    pub kind: SubjectKind,
    /// Its id.
    pub id: Uuid,
    /// The volunteer's full name or the group's name.
    pub name: String,
    /// Where in the vetting lifecycle.
    #[schema(value_type = VolunteerStatusSchema)]
    pub status: VolunteerStatus,
    /// Why they are listed: `interested` first, then the need's wishes they meet.
    #[schema(value_type = Vec<MatchReasonSchema>)]
    pub reasons: Vec<MatchReason>,
    /// How many of the need's wishes they meet, weighed (wants the activity 8, available every
    /// time 6 or sometimes 3, speaks a wished language 5, home unit 4); the interested come
    /// first whatever their score.
    pub score: u32,
    /// Whether they are cleared for the need on its first day (or today once that has passed).
    pub cleared: bool,
    /// The strict requirements not met.
    pub missing: Vec<String>,
    /// The whole clearance answer: a `ClearanceView` for a volunteer, a `GroupClearanceView`
    /// for a group.
    #[schema(value_type = Object)]
    pub clearance: serde_json::Value,
}

impl From<Candidate> for CandidateView {
    fn from(c: Candidate) -> Self {
        let (kind, id, name, status) = match c.who {
            Who::Volunteer(v) => (
                SubjectKind::Volunteer,
                v.id.into_uuid(),
                format!("{} {}", v.given_name, v.family_name),
                v.status,
            ),
            Who::Group(g) => (
                SubjectKind::Group,
                g.id.into_uuid(),
                g.name.clone(),
                g.status,
            ),
        };
        Self {
            kind,
            id,
            name,
            status,
            reasons: c.reasons,
            score: c.score,
            cleared: c.answer.cleared(),
            missing: c.answer.missing(),
            clearance: render(&c.answer),
        }
    }
}

/// A page of candidates, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidatePage {
    /// The candidates of this page.
    pub items: Vec<CandidateView>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Rank the candidates for a need.
///
/// Those who said they are interested first (volunteers registered, in screening or approved,
/// and groups through their contact person), then approved volunteers who want the need's
/// activity kind, by how many of its wishes they meet: available at its times, speaking a
/// wished language, belonging to its unit. Each comes with the reasons and the clearance answer
/// for the need on its first day (or today once that has passed): cleared, or what is missing.
/// Whoever is already placed from the need is left out. Keyset-paged in rank order.
/// Coordinators and administrators.
#[utoipa::path(
    tag = "needs",
    params(
        ("id" = Uuid, Path, description = "The need id."),
        ("limit" = Option<u32>, Query, description = "Page length, 1-200 (default 50)."),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page."),
    ),
    responses((status = 200, description = "A page of candidates, best first.", body = CandidatePage))
)]
#[get("/needs/{id}/candidates")]
pub async fn list_need_candidates(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Query(query): Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = NeedId::from(id.into_inner());
    let limit = usize::try_from(checked_limit(query.limit)?).unwrap_or(usize::MAX);
    let after = query
        .cursor
        .as_deref()
        .map(|c| decode_key(CursorList::NeedCandidates, c))
        .transpose()?;
    let today = state.clock.today();
    let cases::needs::CandidatePage { listed, more, last } = state
        .db(move |conn| cases::needs::candidates(conn, &caller, id, today, after, limit))
        .await?;
    let next_cursor = last
        .filter(|_| more)
        .map(|key| encode_key(CursorList::NeedCandidates, &cases::needs::rank_bytes(key)));
    Ok(HttpResponse::Ok().json(CandidatePage {
        items: listed
            .into_iter()
            .map(|(_, c)| CandidateView::from(c))
            .collect(),
        next_cursor,
    }))
}

/// Someone chosen for a need. Name exactly one of `volunteer_id` and `group_id` (a group with
/// `head_count`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"volunteer_id": "0193a0c2-5b1e-7000-8000-000000000002"}))]
pub struct NeedPlacementBody {
    /// The volunteer placed.
    pub volunteer_id: Option<Uuid>,
    /// The group placed.
    pub group_id: Option<Uuid>,
    /// How many of the group's people take part (groups only).
    #[schema(minimum = 1, maximum = 10000)]
    pub head_count: Option<i32>,
    /// A visiting dog of the municipality that comes along.
    pub dog_id: Option<Uuid>,
    /// The responsible coordinator (default: the calling coordinator; administrators name one).
    pub coordinator_id: Option<Uuid>,
    /// The unit's contact person (default: the need's).
    pub contact_person_id: Option<Uuid>,
    /// The first day (default: the need's, or today once that has passed).
    pub starts_on: Option<NaiveDate>,
    /// The last day (default: the need's last day, if it has one).
    pub ends_on: Option<NaiveDate>,
}

/// The placement made from a need, and the need after it.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedPlacementAnswer {
    /// The placement, as proposed, with a schedule of the need's times.
    pub placement: PlacementView,
    /// The need, with the place counted (and `filled` when it was the last).
    pub need: NeedView,
}

/// Place a candidate from a need.
///
/// The placement is made through the same checks as `POST /placements`: the clearance engine
/// is asked about the need's activity kind, setting and target group (and the dog) for the
/// first day, and answers 409 with `missing` and the whole clearance answer when the volunteer
/// or group is not cleared. The placement gets a schedule of the need's times (from its first
/// day) and the need counts the place; when it was the last, the need becomes `filled`. Only
/// an open need places (409 otherwise), and a volunteer or group once. Coordinators and
/// administrators.
#[utoipa::path(
    tag = "needs",
    params(("id" = Uuid, Path, description = "The need id.")),
    request_body(content = NeedPlacementBody, example = json!({"volunteer_id": "0193a0c2-5b1e-7000-8000-000000000002"})),
    responses((status = 201, description = "Placed, as proposed.", body = NeedPlacementAnswer,
        headers(("Location" = String, description = "The new placement."))))
)]
#[post("/needs/{id}/placements")]
pub async fn create_need_placement(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Json(body): Json<NeedPlacementBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = NeedId::from(id.into_inner());
    validate! {
        placed = placed(body.volunteer_id, body.group_id, body.head_count);
        starts_on = body.starts_on.map(|d| plausible("starts_on", d)).transpose();
        ends_on = body.ends_on.map(|d| plausible("ends_on", d)).transpose();
    }
    let pick = Pick {
        placed,
        dog_id: body.dog_id.map(Into::into),
        coordinator_id: body.coordinator_id.map(Into::into),
        contact_person_id: body.contact_person_id.map(Into::into),
        starts_on,
        ends_on,
    };
    let now = state.clock.now();
    let (placement, need) = state
        .db(move |conn| cases::needs::place(conn, &caller, id, pick, now, render))
        .await?;
    crate::metrics::need_event("placed", 1);
    if need.need.status == NeedStatus::Filled {
        crate::metrics::need_event("filled", 1);
    }
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/placements/{}", placement.placement.id),
        ))
        .json(NeedPlacementAnswer {
            placement: PlacementView::from(placement),
            need: NeedView::from(need),
        }))
}

/// What a need asks of anyone who takes it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicRequirement {
    /// The requirement.
    #[schema(value_type = RequirementKindSchema)]
    pub requirement: RequirementKind,
    /// For a `training` requirement, the training credential's code.
    #[schema(example = json!(null))]
    pub training: Option<String>,
    /// What it means.
    #[schema(example = "A Norwegian politiattest assessed as acceptable.")]
    pub description: &'static str,
}

/// A need as strangers see it: the activity, the unit's public name and area, when, and what
/// vetting it will require. Never a person's name or address.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicNeedView {
    /// Its id: name it in a self-registration's `needs`.
    pub id: Uuid,
    /// The activity kind's code.
    #[schema(example = "companionship")]
    pub activity_kind: String,
    /// The activity kind's name.
    pub activity_name: Option<String>,
    /// `institution` at the unit, `private_home` in the home of a person visited.
    #[schema(value_type = SettingSchema)]
    pub setting: Setting,
    /// Who the activity is with.
    #[schema(value_type = TargetGroupSchema)]
    pub target_group: TargetGroup,
    /// The unit that asks (for a home visit: the unit that answers for the person visited).
    pub unit_name: String,
    /// The area (the unit above it), if any.
    pub area: Option<String>,
    /// The first day; the only one when `weekdays` is empty.
    pub starts_on: NaiveDate,
    /// The weekdays, Monday first; empty for one date.
    #[schema(value_type = Vec<WeekdaySchema>)]
    pub weekdays: Vec<Weekday>,
    /// Every how many weeks.
    pub interval_weeks: u8,
    /// The last possible day of a weekly need.
    pub until: Option<NaiveDate>,
    /// The local start time, `HH:MM`.
    pub start_time: String,
    /// How long it lasts each time, in minutes.
    pub duration_minutes: i32,
    /// Places still free.
    pub places_free: i64,
    /// Who may take a place.
    #[schema(value_type = OpenToSchema)]
    pub open_to: OpenTo,
    /// Languages wished; empty means any.
    pub languages: Vec<String>,
    /// What it is about.
    pub description: String,
    /// The vetting anyone who takes it must pass (from the same rules the clearance engine
    /// uses).
    pub requires: Vec<PublicRequirement>,
}

/// The public needs board of a municipality.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicNeedPage {
    /// The municipality's name.
    pub municipality: String,
    /// The needs of this page.
    pub items: Vec<PublicNeedView>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Read a municipality's public needs board.
///
/// No login. The open, published needs of the municipality with this code (four digits in
/// Norway, three in Denmark, also read zero-padded), with only what a stranger may see: the
/// activity, the unit's public name and area, when, how many places are free and what vetting
/// it will require (for example a police certificate). Never a person's name or address.
/// Rate-limited per address; caches may keep an answer for a minute (`ETag`, `If-None-Match`).
/// A self-registration names the needs the person is interested in.
#[utoipa::path(
    tag = "registrations",
    params(
        ("code" = String, Path, description = "The municipality's official code.", example = "0301"),
        ("limit" = Option<u32>, Query, description = "Page length, 1-200 (default 50)."),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page."),
    ),
    responses(
        (status = 200, description = "A page of the board.", body = PublicNeedPage,
            headers(("ETag" = String, description = "A weak tag of the content."),
                ("Cache-Control" = String, description = "public, max-age=60"))),
        (status = 304, description = "Not modified since the tag in `If-None-Match`."),
        (status = 429, description = "Too many requests from this address.", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
#[get("/municipalities/{code}/needs")]
pub async fn list_public_needs(
    state: web::Data<AppState>,
    request: HttpRequest,
    code: web::Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let codes = MunicipalityCode::candidates(&code.into_inner());
    if codes.is_empty() {
        return Err(ApiError::NotFound);
    }
    let page = page_request(CursorList::NeedBoard, query.limit, query.cursor.as_deref())?;
    let today = state.clock.today();
    let (municipality, found) = state
        .db(move |conn| cases::needs::board(conn, &codes, today, page))
        .await?;
    let body = PublicNeedPage {
        municipality: municipality.name,
        next_cursor: found
            .next_after
            .map(|a| encode_cursor(CursorList::NeedBoard, a)),
        items: found
            .items
            .into_iter()
            .map(|b| {
                let n = b.entry.need;
                PublicNeedView {
                    id: n.id.into_uuid(),
                    activity_kind: n.activity_kind,
                    activity_name: b.entry.activity_name,
                    setting: n.place.setting(),
                    target_group: n.target_group,
                    unit_name: b.entry.unit_name,
                    area: b.entry.area,
                    starts_on: n.when.starts_on(),
                    weekdays: n.when.weekdays().to_vec(),
                    interval_weeks: n.when.interval_weeks(),
                    until: n.when.until(),
                    start_time: n.when.start_time().format("%H:%M").to_string(),
                    duration_minutes: n.when.duration_minutes(),
                    places_free: (i64::from(n.places) - b.entry.filled).max(0),
                    open_to: n.open_to,
                    languages: n.languages,
                    description: n.description,
                    requires: b
                        .requires
                        .into_iter()
                        .map(|(requirement, training)| PublicRequirement {
                            requirement,
                            training,
                            description: requirement.description().trim(),
                        })
                        .collect(),
                }
            })
            .collect(),
    };
    Ok(cacheable_json(&request, 60, &body))
}

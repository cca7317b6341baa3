//! Placements (oppdrag): a volunteer or a group placed at a unit or with a person visited at
//! home, for one activity. Made only when clearance says cleared (409 with the whole answer
//! otherwise), moved through `proposed → active ⇄ paused → ended` (and `suspended` by the
//! service when clearance no longer holds), with recurring schedules of visits.
//!
//! Coordinators and administrators manage placements; contact persons read those of their
//! volunteers and those they are the unit's contact person of.

use crate::{
    access::{self, target_municipality},
    auth::StaffCaller,
    cases::{self, placements::PlacementDraft},
    dto::{
        clearance::render,
        placement::{PlacementView, ScheduleView},
    },
    error::{ApiError, FieldError},
    etag::json_with_etag,
    extract::{IfMatch, Json, Query},
    input::{double_option, field, optional, optional_text, placed, plausible, reason, validate},
    openapi::schemas::{PlacementStatusSchema, TargetGroupSchema, WeekdaySchema},
    pagination::{CursorList, page_of, page_request},
    state::AppState,
};
use actix_web::{HttpResponse, delete, get, http::header, patch, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use samspill_domain::{
    ParseError,
    clearance::TargetGroup,
    ids::{PlacementId, ScheduleId},
    placement::{Place, PlacementStatus},
    schedule::{Recurrence, RecurrenceEnd, check_duration, parse_start_time},
    text::Text,
    volunteer::{Weekday, parse_activity_kind},
};
use samspill_persistence::placements::{
    self as repo, PlacementChanges, PlacementFilter, ScheduleParts,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

page_of!(PlacementPage, PlacementView, CursorList::Placements);

/// A new placement. Name exactly one of `volunteer_id` and `group_id` (a group with
/// `head_count`), and exactly one of `unit_id` and `recipient_id`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "volunteer_id": "0193a0c2-5b1e-7000-8000-000000000002",
    "unit_id": "0193a0c2-5b1e-7000-8000-000000000001",
    "activity_kind": "companionship",
    "target_group": "general",
    "starts_on": "2027-01-05",
    "description": "Reads the newspaper aloud with residents on the second floor."
}))]
pub struct NewPlacement {
    /// Required for administrators; defaults to the coordinator's own municipality.
    pub municipality_id: Option<Uuid>,
    /// The volunteer placed.
    pub volunteer_id: Option<Uuid>,
    /// The group placed.
    pub group_id: Option<Uuid>,
    /// How many of the group's people take part (groups only).
    #[schema(minimum = 1, maximum = 10000)]
    pub head_count: Option<i32>,
    /// The unit where the activity takes place (setting `institution`).
    pub unit_id: Option<Uuid>,
    /// The person visited at home (setting `private_home`).
    pub recipient_id: Option<Uuid>,
    /// The activity kind (a default or the municipality's own).
    #[schema(example = "companionship")]
    pub activity_kind: String,
    /// Who the activity is with (default `general`).
    #[schema(value_type = Option<TargetGroupSchema>)]
    pub target_group: Option<TargetGroup>,
    /// A visiting dog of the municipality that comes along.
    pub dog_id: Option<Uuid>,
    /// The responsible coordinator (default: the calling coordinator; administrators name one).
    pub coordinator_id: Option<Uuid>,
    /// The unit's contact person: an active staff contact person of the municipality.
    pub contact_person_id: Option<Uuid>,
    /// The first day.
    pub starts_on: NaiveDate,
    /// The last day, when known.
    pub ends_on: Option<NaiveDate>,
    /// What the placement is about, for the people involved.
    #[schema(max_length = 2000)]
    pub description: Option<String>,
}

/// A change to a placement; fields not given keep their values, `null` clears. Who is placed,
/// where, and for what do not change: end the placement and make a new one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"ends_on": "2027-06-30", "description": "Reading aloud, Tuesdays."}))]
pub struct PlacementChange {
    /// Another responsible coordinator.
    pub coordinator_id: Option<Uuid>,
    /// Another contact person, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub contact_person_id: Option<Option<Uuid>>,
    /// Another last day, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>, nullable)]
    pub ends_on: Option<Option<NaiveDate>>,
    /// Another description, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 2000)]
    pub description: Option<Option<String>>,
}

/// Filters for the list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlacementQuery {
    /// Only this municipality (useful for administrators).
    pub municipality_id: Option<Uuid>,
    /// Only this volunteer's.
    pub volunteer_id: Option<Uuid>,
    /// Only this group's.
    pub group_id: Option<Uuid>,
    /// Only at this unit.
    pub unit_id: Option<Uuid>,
    /// Only with this recipient.
    pub recipient_id: Option<Uuid>,
    /// Only in this status.
    #[param(value_type = Option<PlacementStatusSchema>)]
    pub status: Option<PlacementStatus>,
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
    /// With `Accept: text/csv`: `rfc4180` (`,`, the default) or `excel` (a UTF-8 byte order
    /// mark and `;`, as Nordic spreadsheets read it).
    #[param(inline)]
    pub dialect: Option<crate::csv::Dialect>,
}

fn description(raw: Option<String>) -> Result<Option<String>, ParseError> {
    optional_text(raw, |t| Text::<2000>::parse(t).map(Text::into_inner))
}

fn one_of<T>(
    a: Option<T>,
    b: Option<T>,
    (a_name, b_name): (&str, &str),
) -> Result<(Option<T>, Option<T>), FieldError> {
    match (&a, &b) {
        (Some(_), None) | (None, Some(_)) => Ok((a, b)),
        _ => Err(FieldError::new(
            a_name,
            "one_of",
            format!("name exactly one of {a_name} and {b_name}"),
        )),
    }
}

fn place(body: &NewPlacement) -> Result<Place, FieldError> {
    match one_of(body.unit_id, body.recipient_id, ("unit_id", "recipient_id"))? {
        (Some(unit), _) => Ok(Place::Unit(unit.into())),
        (None, Some(recipient)) => Ok(Place::Recipient(recipient.into())),
        (None, None) => Err(FieldError::new("unit_id", "one_of", "name one")),
    }
}

fn ends_after(
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
) -> Result<Option<NaiveDate>, FieldError> {
    samspill_domain::placement::check_dates(starts_on, ends_on)
        .map_err(|e| FieldError::parse("ends_on", &e))?;
    ends_on.map(|d| plausible("ends_on", d)).transpose()
}

/// Place a volunteer or a group, if clearance allows it.
///
/// The clearance engine is asked about the placement (its activity kind, the setting that
/// follows from where — `institution` at a unit, `private_home` with a recipient — its target
/// group and dog) for its first day, or today once that has passed. When the volunteer or group
/// is not cleared, the answer is 409 with `missing` and the whole clearance answer in
/// `clearance`; when cleared, the placement is made as `proposed` and the answer is kept with
/// it. Coordinators and administrators.
#[utoipa::path(
    tag = "placements",
    request_body(content = NewPlacement, example = json!({"volunteer_id": "0193a0c2-5b1e-7000-8000-000000000002", "unit_id": "0193a0c2-5b1e-7000-8000-000000000001", "activity_kind": "companionship", "target_group": "general", "starts_on": "2027-01-05"})),
    responses((status = 201, description = "Made, as proposed.", body = PlacementView,
        headers(("ETag" = String, description = "The version."), ("Location" = String, description = "The new resource."))))
)]
#[post("/placements")]
pub async fn create_placement(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Json(body): Json<NewPlacement>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    validate! {
        municipality_id = target_municipality(&caller, body.municipality_id);
        placed = placed(body.volunteer_id, body.group_id, body.head_count);
        place = place(&body);
        activity_kind = field("activity_kind", parse_activity_kind(&body.activity_kind));
        starts_on = plausible("starts_on", body.starts_on);
        ends_on = ends_after(body.starts_on, body.ends_on);
        description = field("description", description(body.description.clone()));
    }
    let draft = PlacementDraft {
        municipality_id,
        placed,
        place,
        activity_kind,
        target_group: body.target_group.unwrap_or(TargetGroup::General),
        dog_id: body.dog_id.map(Into::into),
        coordinator_id: body.coordinator_id.map(Into::into),
        contact_person_id: body.contact_person_id.map(Into::into),
        starts_on,
        ends_on,
        description,
        need_id: None,
    };
    let today = state.clock.today();
    let created = state
        .db(move |conn| cases::placements::create(conn, &caller, draft, today, render))
        .await?;
    let mut response = HttpResponse::Created();
    response.insert_header((
        header::LOCATION,
        format!("/api/v1/placements/{}", created.placement.id),
    ));
    Ok(json_with_etag(
        response,
        created.placement.version,
        &PlacementView::from(created),
    ))
}

/// List placements.
///
/// Filters by volunteer, group, unit, recipient and status; keyset-paged in id order.
/// Coordinators and administrators see every placement of their municipality, contact persons
/// those of the volunteers assigned to them and those they are the unit's contact person of
/// (with only `cleared` of the kept clearance answer).
///
/// With `Accept: text/csv` every placement the filters select comes as one CSV download instead
/// (`limit` and `cursor` do not apply), streamed, in the dialect `dialect` asks for; only
/// coordinators and administrators (administrators name `municipality_id`), and each export is
/// written to the municipality's audit log (`GET /audit-log`).
#[utoipa::path(
    tag = "placements",
    params(PlacementQuery),
    responses((status = 200, description = "A page of placements, or all of them as CSV.", content(
        (PlacementPage = "application/json"),
        (String = "text/csv"),
    )))
)]
#[get("/placements")]
pub async fn list_placements(
    state: web::Data<AppState>,
    caller: StaffCaller,
    request: actix_web::HttpRequest,
    Query(query): Query<PlacementQuery>,
) -> Result<HttpResponse, ApiError> {
    let audience = access::audience(&caller, access::VOLUNTEERS_READ_THEIR_OWN_PLACEMENTS)?;
    let page = page_request(CursorList::Placements, query.limit, query.cursor.as_deref())?;
    let filter = PlacementFilter {
        municipality_id: query.municipality_id.map(Into::into),
        volunteer_id: query.volunteer_id.map(Into::into),
        group_id: query.group_id.map(Into::into),
        unit_id: query.unit_id.map(Into::into),
        recipient_id: query.recipient_id.map(Into::into),
        status: query.status,
    };
    if crate::csv::wants_csv(&request) {
        let municipality = cases::exports::begin(
            &state,
            &caller,
            filter.municipality_id,
            samspill_domain::audit::AuditResource::PlacementList,
        )
        .await?;
        return Ok(crate::csv::streamed_response(
            "placements.csv",
            cases::exports::placements_csv(
                state.pool.clone(),
                samspill_domain::auth::TenantScope::Municipality(municipality),
                audience,
                filter,
                query.dialect.unwrap_or_default(),
            ),
        ));
    }
    let found = state
        .db(move |conn| Ok(repo::list(conn, caller.scope(), audience, filter, page)?))
        .await?;
    Ok(HttpResponse::Ok().json(PlacementPage {
        next_cursor: found
            .next_after
            .map(|after| crate::pagination::encode_cursor(CursorList::Placements, after)),
        items: found
            .items
            .into_iter()
            .map(|record| PlacementView::for_audience(record, audience))
            .collect(),
    }))
}

/// Read one placement.
///
/// With the clearance answer that last allowed it (contact persons see only whether it
/// cleared). Another municipality's id is 404.
#[utoipa::path(
    tag = "placements",
    params(("id" = Uuid, Path, description = "The placement id.")),
    responses((status = 200, description = "The placement.", body = PlacementView,
        headers(("ETag" = String, description = "The version."))))
)]
#[get("/placements/{id}")]
pub async fn get_placement(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let audience = access::audience(&caller, access::VOLUNTEERS_READ_THEIR_OWN_PLACEMENTS)?;
    let id = PlacementId::from(id.into_inner());
    let found = state
        .db(move |conn| Ok(repo::find(conn, caller.scope(), audience, id)?))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        found.placement.version,
        &PlacementView::for_audience(found, audience),
    ))
}

/// Change who answers for a placement, its last day or its description.
///
/// Who is placed, where and for what do not change: end the placement and make a new one. A
/// last day moved earlier cancels the planned visits after it; moved later, the schedules plan
/// ahead again. An ended placement does not change (409). Coordinators and administrators.
#[utoipa::path(
    tag = "placements",
    params(
        ("id" = Uuid, Path, description = "The placement id."),
        crate::extract::IfMatchHeader,
    ),
    request_body(content = PlacementChange, example = json!({"ends_on": "2027-06-30", "description": "Reading aloud, Tuesdays."})),
    responses((status = 200, description = "The changed placement.", body = PlacementView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[patch("/placements/{id}")]
pub async fn update_placement(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    Json(body): Json<PlacementChange>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = PlacementId::from(id.into_inner());
    validate! {
        description = optional("description", body.description, description);
        ends_on = body
            .ends_on
            .map(|e| e.map(|d| plausible("ends_on", d)).transpose())
            .transpose();
    }
    let changes = PlacementChanges {
        coordinator_id: body.coordinator_id.map(Into::into),
        contact_person_id: body.contact_person_id.map(|c| c.map(Into::into)),
        ends_on,
        description,
    };
    let now = state.clock.now();
    let updated = state
        .db(move |conn| cases::placements::update(conn, &caller, id, expected, changes, now))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        updated.placement.version,
        &PlacementView::from(updated),
    ))
}

/// A status change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"to": "active", "reason": "The first visit went well."}))]
pub struct PlacementTransition {
    /// The status to move to: `active`, `paused` or `ended` (`suspended` is the service's).
    #[schema(value_type = PlacementStatusSchema)]
    pub to: PlacementStatus,
    /// Why, kept in the history.
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

/// Move a placement through its lifecycle.
///
/// `proposed → active`, `active ⇄ paused`, `suspended → active`, and to `ended` from any other
/// status. Every step into `active` asks the clearance engine again (for the first day, or
/// today once it has passed) and answers 409 with the whole clearance answer when it does not
/// clear; a placement in a private home becomes active only after its first visit was completed
/// with a staff representative (409 naming `to`, code `first_visit_not_completed`), and only
/// while the recipient accepts visits. Pausing flags the planned visits, resuming clears the
/// flags, ending cancels them. Coordinators and administrators; `If-Match` is optional.
#[utoipa::path(
    tag = "placements",
    params(
        ("id" = Uuid, Path, description = "The placement id."),
        crate::extract::IfMatchHeader,
    ),
    request_body(content = PlacementTransition, example = json!({"to": "active", "reason": "The first visit went well."})),
    responses((status = 200, description = "The moved placement.", body = PlacementView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[post("/placements/{id}/transitions")]
pub async fn transition_placement(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    Json(body): Json<PlacementTransition>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = PlacementId::from(id.into_inner());
    validate! {
        why = reason(&body.reason);
    }
    let (to, now) = (body.to, state.clock.now());
    let moved = state
        .db(move |conn| {
            cases::placements::transition(conn, &caller, id, expected, to, &why, now, render)
        })
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        moved.placement.version,
        &PlacementView::from(moved),
    ))
}

/// A step in a placement's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlacementChangeView {
    /// The status before; `null` for the first row.
    #[schema(value_type = Option<PlacementStatusSchema>)]
    pub from_status: Option<PlacementStatus>,
    /// The status after.
    #[schema(value_type = PlacementStatusSchema)]
    pub to_status: PlacementStatus,
    /// Why.
    pub reason: String,
    /// Who; `null` when the service suspended the placement.
    pub changed_by: Option<Uuid>,
    /// When.
    pub changed_at: DateTime<Utc>,
}

/// Read a placement's status history.
///
/// Oldest first: who moved it, when and why; the service's own steps (suspended when clearance
/// ran out, ended after the last day) have no `changed_by`.
#[utoipa::path(
    tag = "placements",
    params(("id" = Uuid, Path, description = "The placement id.")),
    responses((status = 200, description = "The history.", body = Vec<PlacementChangeView>))
)]
#[get("/placements/{id}/history")]
pub async fn get_placement_history(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let audience = access::audience(&caller, access::VOLUNTEERS_READ_THEIR_OWN_PLACEMENTS)?;
    let id = PlacementId::from(id.into_inner());
    let rows = state
        .db(move |conn| {
            let found = repo::find(conn, caller.scope(), audience, id)?;
            Ok(repo::history(conn, &found.placement)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(
        rows.into_iter()
            .map(|r| PlacementChangeView {
                from_status: r.from_status,
                to_status: r.to_status,
                reason: r.reason,
                changed_by: r.changed_by.map(|b| b.into_uuid()),
                changed_at: r.changed_at,
            })
            .collect::<Vec<_>>(),
    ))
}

/// A recurring schedule of visits, in the municipality's time zone.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "starts_on": "2027-01-05",
    "weekdays": ["tuesday"],
    "interval_weeks": 1,
    "start_time": "14:00",
    "duration_minutes": 90,
    "excluded_dates": ["2027-04-13"]
}))]
pub struct ScheduleBody {
    /// The first possible date (not before the placement's first day).
    pub starts_on: NaiveDate,
    /// The weekdays of a visit week.
    #[schema(value_type = Vec<WeekdaySchema>, min_items = 1, max_items = 7)]
    pub weekdays: Vec<Weekday>,
    /// Every how many weeks (1: weekly, 2: every other week), counted from the week of
    /// `starts_on` (weeks start on Monday). Default 1.
    #[schema(minimum = 1, maximum = 52)]
    pub interval_weeks: Option<u8>,
    /// The local start time (`HH:MM`), in `Europe/Oslo` or `Europe/Copenhagen` by the
    /// municipality's country: the same wall-clock time all year, across summer time.
    #[schema(example = "14:00", pattern = "^[0-2][0-9]:[0-5][0-9](:[0-5][0-9])?$")]
    pub start_time: String,
    /// How long a visit lasts, in minutes (5 to 1440).
    #[schema(minimum = 5, maximum = 1440)]
    pub duration_minutes: i32,
    /// The last possible date (not with `count`).
    pub until: Option<NaiveDate>,
    /// How many visits in all (not with `until`); excluded dates count, as in RFC 5545.
    #[schema(minimum = 1, maximum = 1000)]
    pub count: Option<u16>,
    /// Dates with no visit (holidays).
    #[serde(default)]
    #[schema(max_items = 366)]
    pub excluded_dates: Vec<NaiveDate>,
}

fn schedule_parts(body: ScheduleBody) -> Result<ScheduleParts, ApiError> {
    let end = match (body.until, body.count) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "until",
                "one_of",
                "give until or count, not both",
            ));
        }
        (Some(until), None) => RecurrenceEnd::Until(until),
        (None, Some(count)) => RecurrenceEnd::Count(count),
        (None, None) => RecurrenceEnd::Never,
    };
    let mut errors: Vec<FieldError> = Vec::new();
    if let Err(e) = plausible("starts_on", body.starts_on) {
        errors.push(e);
    }
    if let Some(until) = body.until
        && let Err(e) = plausible("until", until)
    {
        errors.push(e);
    }
    for (i, date) in body.excluded_dates.iter().enumerate() {
        if let Err(e) = plausible(&format!("excluded_dates[{i}]"), *date) {
            errors.push(e);
        }
    }
    let duration = check_duration(body.duration_minutes)
        .map_err(|e| errors.push(FieldError::parse("duration_minutes", &e)))
        .ok();
    let start_time = parse_start_time(&body.start_time)
        .map_err(|e| errors.push(FieldError::parse("start_time", &e)))
        .ok();
    let recurrence = Recurrence::new(
        body.starts_on,
        &body.weekdays,
        body.interval_weeks.unwrap_or(1),
        end,
        &body.excluded_dates,
    )
    .map_err(|problems| {
        errors.extend(problems.into_iter().map(|(f, e)| FieldError::parse(f, &e)));
    })
    .ok();
    match (recurrence, duration, start_time) {
        (Some(recurrence), Some(duration_minutes), Some(start_time)) if errors.is_empty() => {
            Ok(ScheduleParts {
                recurrence,
                start_time,
                duration_minutes,
            })
        }
        _ => Err(ApiError::Validation(errors)),
    }
}

/// A schedule and how many visits were planned from it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleAnswer {
    /// The schedule.
    pub schedule: ScheduleView,
    /// How many planned visits were added ahead now.
    pub visits_planned: usize,
}

impl From<cases::visits::Planned> for ScheduleAnswer {
    fn from(planned: cases::visits::Planned) -> Self {
        Self {
            schedule: ScheduleView::new(planned.schedule, planned.time_zone),
            visits_planned: planned.visits_planned,
        }
    }
}

/// Add a recurring schedule of visits to a placement.
///
/// Weekly or every N weeks on given weekdays, at a local time of the municipality's time zone,
/// until a date or for a number of visits, without excluded dates. Its visits are planned
/// ahead at once (the municipality's `visit_horizon_weeks`, 12 by default) and kept planned
/// ahead by the service; only proposed and active placements plan visits. Coordinators and
/// administrators.
#[utoipa::path(
    tag = "placements",
    params(("id" = Uuid, Path, description = "The placement id.")),
    request_body(content = ScheduleBody, example = json!({"starts_on": "2027-01-05", "weekdays": ["tuesday"], "interval_weeks": 1, "start_time": "14:00", "duration_minutes": 90})),
    responses((status = 201, description = "Added.", body = ScheduleAnswer,
        headers(("ETag" = String, description = "The schedule's version."))))
)]
#[post("/placements/{id}/schedules")]
pub async fn create_schedule(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Json(body): Json<ScheduleBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = PlacementId::from(id.into_inner());
    let parts = schedule_parts(body)?;
    let now = state.clock.now();
    let planned = state
        .db(move |conn| cases::visits::add_schedule(conn, &caller, id, parts, now))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Created(),
        planned.schedule.version,
        &ScheduleAnswer::from(planned),
    ))
}

/// List a placement's schedules.
///
/// Oldest first, each with its RFC 5545 rule and how far its visits are planned.
#[utoipa::path(
    tag = "placements",
    params(("id" = Uuid, Path, description = "The placement id.")),
    responses((status = 200, description = "The schedules.", body = Vec<ScheduleView>))
)]
#[get("/placements/{id}/schedules")]
pub async fn list_schedules(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let audience = access::audience(&caller, access::VOLUNTEERS_READ_THEIR_OWN_PLACEMENTS)?;
    let id = PlacementId::from(id.into_inner());
    let (found, zone) = state
        .db(move |conn| cases::visits::schedules(conn, caller.scope(), audience, id))
        .await?;
    Ok(HttpResponse::Ok().json(
        found
            .into_iter()
            .map(|s| ScheduleView::new(s, zone))
            .collect::<Vec<_>>(),
    ))
}

/// Replace a schedule's rule.
///
/// Planned visits from now on move to the new rule: one whose date is still a date of the rule
/// keeps its id and companion and gets the new times, the others go and the new dates are
/// planned. Visits that took place, were missed or were cancelled stay as they are.
/// Coordinators and administrators; `If-Match` guards lost updates.
#[utoipa::path(
    tag = "placements",
    params(
        ("id" = Uuid, Path, description = "The placement id."),
        ("schedule_id" = Uuid, Path, description = "The schedule id."),
        crate::extract::IfMatchHeader,
    ),
    request_body(content = ScheduleBody, example = json!({"starts_on": "2027-01-05", "weekdays": ["tuesday"], "interval_weeks": 1, "start_time": "14:00", "duration_minutes": 90})),
    responses((status = 200, description = "Replaced.", body = ScheduleAnswer,
        headers(("ETag" = String, description = "The schedule's new version."))))
)]
#[put("/placements/{id}/schedules/{schedule_id}")]
pub async fn replace_schedule(
    state: web::Data<AppState>,
    caller: StaffCaller,
    path: web::Path<(Uuid, Uuid)>,
    IfMatch(expected): IfMatch,
    Json(body): Json<ScheduleBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let (id, schedule_id) = path.into_inner();
    let (id, schedule_id) = (PlacementId::from(id), ScheduleId::from(schedule_id));
    let parts = schedule_parts(body)?;
    let now = state.clock.now();
    let planned = state
        .db(move |conn| {
            cases::visits::replace_schedule(conn, &caller, id, schedule_id, expected, parts, now)
        })
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        planned.schedule.version,
        &ScheduleAnswer::from(planned),
    ))
}

/// Remove a schedule.
///
/// Its planned visits from now on go; visits that took place, were missed or were cancelled
/// stay. Coordinators and administrators.
#[utoipa::path(
    tag = "placements",
    params(
        ("id" = Uuid, Path, description = "The placement id."),
        ("schedule_id" = Uuid, Path, description = "The schedule id."),
        crate::extract::IfMatchHeader,
    ),
    responses((status = 204, description = "Removed."))
)]
#[delete("/placements/{id}/schedules/{schedule_id}")]
pub async fn delete_schedule(
    state: web::Data<AppState>,
    caller: StaffCaller,
    path: web::Path<(Uuid, Uuid)>,
    IfMatch(expected): IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let (id, schedule_id) = path.into_inner();
    let (id, schedule_id) = (PlacementId::from(id), ScheduleId::from(schedule_id));
    let now = state.clock.now();
    state
        .db(move |conn| {
            cases::visits::remove_schedule(conn, &caller, id, schedule_id, expected, now)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

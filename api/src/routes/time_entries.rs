//! The hours log (timer): time a volunteer or a group gave on a date, for a placement or a
//! visit or on its own. Coordinators and administrators log it (counted at once) and decide
//! what others logged; volunteers log and read their own under `/me`; a completed visit makes a
//! pending entry by itself. `pending → approved | declined`, and `approved → pending` when
//! revoked, each step kept in the entry's history. Entries are never deleted: a wrong one is
//! declined.

use crate::{
    access::{self, target_municipality},
    auth::StaffCaller,
    cases::{
        self,
        time_entries::{TimeDraft, TimeEntryRecord, VOLUNTEERS_READ_THEIR_OWN_HOURS},
    },
    error::{ApiError, FieldError},
    etag::json_with_etag,
    extract::{IfMatch, Json, Query},
    input::{field, placed, plausible, validate},
    openapi::schemas::{TimeEntryDecisionSchema, TimeEntrySourceSchema, TimeEntryStatusSchema},
    pagination::{CursorList, page_of, page_request},
    state::AppState,
};
use actix_web::{HttpResponse, get, http::header, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use samspill_domain::{
    ids::TimeEntryId,
    placement::Placed,
    text::Text,
    time_entry::{TimeEntryDecision, TimeEntrySource, TimeEntryStatus, parse_note, person_minutes},
    volunteer::parse_activity_kind,
};
use samspill_persistence::time_entries::{TimeEntryChange, TimeEntryFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A step in an entry's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimeEntryChangeView {
    /// The status before; `null` on the first row (the entry logged).
    #[schema(value_type = Option<TimeEntryStatusSchema>)]
    pub from_status: Option<TimeEntryStatus>,
    /// The status after.
    #[schema(value_type = TimeEntryStatusSchema)]
    pub to_status: TimeEntryStatus,
    /// Why (declining and revoking always say).
    pub reason: Option<String>,
    /// The account that made the step; `null` when the service did.
    pub changed_by: Option<Uuid>,
    /// When.
    pub changed_at: DateTime<Utc>,
}

impl From<TimeEntryChange> for TimeEntryChangeView {
    fn from(c: TimeEntryChange) -> Self {
        Self {
            from_status: c.from_status,
            to_status: c.to_status,
            reason: c.reason,
            changed_by: c.changed_by.map(|b| b.into_uuid()),
            changed_at: c.changed_at,
        }
    }
}

/// A time entry with its history.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimeEntryView {
    /// Its id.
    pub id: Uuid,
    /// The municipality.
    pub municipality_id: Uuid,
    /// The volunteer who gave the time (or `null` for a group).
    pub volunteer_id: Option<Uuid>,
    /// The group that gave the time (or `null` for a volunteer).
    pub group_id: Option<Uuid>,
    /// How many of the group's people took part.
    pub head_count: Option<i32>,
    /// The date.
    pub occurred_on: NaiveDate,
    /// Minutes (for a group, of clock time).
    pub minutes: i32,
    /// Person-minutes: `minutes` times the head count for a group, `minutes` for a volunteer.
    pub person_minutes: i64,
    /// The placement it was given for.
    pub placement_id: Option<Uuid>,
    /// The visit it was given on.
    pub visit_id: Option<Uuid>,
    /// The unit it counts for (the placement's; for a home visit the unit answering for the
    /// person visited).
    pub unit_id: Option<Uuid>,
    /// The activity kind it counts for (the placement's).
    #[schema(example = "companionship")]
    pub activity_kind: Option<String>,
    /// What was done.
    pub note: Option<String>,
    /// Who logged it.
    #[schema(value_type = TimeEntrySourceSchema)]
    pub source: TimeEntrySource,
    /// Where it stands; only `approved` time counts in reports.
    #[schema(value_type = TimeEntryStatusSchema)]
    pub status: TimeEntryStatus,
    /// Who approved or declined it; `null` while pending, and when the municipality's setting
    /// counted a volunteer's own entry at once.
    pub decided_by: Option<Uuid>,
    /// When.
    pub decided_at: Option<DateTime<Utc>>,
    /// The account that logged it.
    pub created_by: Option<Uuid>,
    /// Every status step, the first (logged) first.
    pub history: Vec<TimeEntryChangeView>,
    /// Raised by every change; also the ETag.
    pub version: i32,
    /// When it was logged.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<TimeEntryRecord> for TimeEntryView {
    fn from(record: TimeEntryRecord) -> Self {
        let e = record.entry;
        let (volunteer_id, group_id, head_count) = match e.who {
            Placed::Volunteer(v) => (Some(v.into_uuid()), None, None),
            Placed::Group(g, count) => (None, Some(g.into_uuid()), Some(count)),
        };
        Self {
            id: e.id.into_uuid(),
            municipality_id: e.municipality_id.into_uuid(),
            volunteer_id,
            group_id,
            head_count,
            occurred_on: e.occurred_on,
            minutes: e.minutes,
            person_minutes: person_minutes(i64::from(e.minutes), head_count),
            placement_id: e.link.placement().map(|p| p.into_uuid()),
            visit_id: e.link.visit().map(|v| v.into_uuid()),
            unit_id: e.unit_id.map(|u| u.into_uuid()),
            activity_kind: e.activity_kind,
            note: e.note,
            source: e.source,
            status: e.status,
            decided_by: e.decided_by.map(|d| d.into_uuid()),
            decided_at: e.decided_at,
            created_by: e.created_by.map(|c| c.into_uuid()),
            history: record
                .history
                .into_iter()
                .map(TimeEntryChangeView::from)
                .collect(),
            version: e.version,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

page_of!(TimeEntryPage, TimeEntryView, CursorList::TimeEntries);
page_of!(OwnTimeEntryPage, TimeEntryView, CursorList::MyTimeEntries);

/// Time a coordinator logs. Name exactly one of `volunteer_id` and `group_id` (a group with
/// `head_count`). For a visit, `occurred_on` and `minutes` may be left out (the visit's date and
/// length); a placement's time counts for its unit and activity kind.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "volunteer_id": "0193a0c2-5b1e-7000-8000-000000000002",
    "occurred_on": "2026-12-03",
    "minutes": 120,
    "unit_id": "0193a0c2-5b1e-7000-8000-000000000001",
    "activity_kind": "party_or_arrangement",
    "note": "Helped at the Christmas market in the common room."
}))]
pub struct NewTimeEntry {
    /// Required for administrators; defaults to the caller's own municipality.
    pub municipality_id: Option<Uuid>,
    /// The volunteer who gave the time.
    pub volunteer_id: Option<Uuid>,
    /// The group that gave the time.
    pub group_id: Option<Uuid>,
    /// How many of the group's people took part (groups only).
    #[schema(minimum = 1, maximum = 10000)]
    pub head_count: Option<i32>,
    /// The date: not in the future (the municipality's local date). Required unless a visit is
    /// named.
    pub occurred_on: Option<NaiveDate>,
    /// Minutes, 1 to 1440; one day holds at most 1440 for one volunteer or group. Required
    /// unless a visit is named.
    #[schema(minimum = 1, maximum = 1440)]
    pub minutes: Option<i32>,
    /// The placement the time was given for (the volunteer's or group's own).
    pub placement_id: Option<Uuid>,
    /// The visit the time was given on (not cancelled or missed); its placement is implied.
    pub visit_id: Option<Uuid>,
    /// The unit, for time not given for a placement.
    pub unit_id: Option<Uuid>,
    /// The activity kind, for time not given for a placement.
    #[schema(example = "activity")]
    pub activity_kind: Option<String>,
    /// What was done. Never health details of a person visited.
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// Time a volunteer logs for themselves.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"occurred_on": "2026-12-01", "minutes": 60, "note": "Prepared the songs for Thursday."}))]
pub struct OwnTimeEntry {
    /// The date: not in the future. Required unless a visit is named.
    pub occurred_on: Option<NaiveDate>,
    /// Minutes, 1 to 1440; one day holds at most 1440. Required unless a visit is named.
    #[schema(minimum = 1, maximum = 1440)]
    pub minutes: Option<i32>,
    /// One of the caller's own placements.
    pub placement_id: Option<Uuid>,
    /// A visit of the caller's own placements.
    pub visit_id: Option<Uuid>,
    /// What was done. Never health details of a person visited.
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

fn note(raw: Option<String>) -> Result<Option<String>, FieldError> {
    match raw {
        Some(raw) => field("note", parse_note(&raw)),
        None => Ok(None),
    }
}

fn optional_date(name: &str, date: Option<NaiveDate>) -> Result<Option<NaiveDate>, FieldError> {
    date.map(|d| plausible(name, d)).transpose()
}

/// Log time for a volunteer or a group.
///
/// Coordinators and administrators. The entry counts at once (`approved`, decided by the
/// caller). Linked to a placement or a visit of the volunteer or group, it counts for the
/// placement's unit and activity kind (for a home visit: the unit answering for the person
/// visited); otherwise `unit_id` and `activity_kind` may be given. A date in the future, or a
/// day over 24 hours (1440 minutes) for the volunteer or group counting every entry not
/// declined, is 422 naming the field. A visit that already has an entry is 409.
#[utoipa::path(
    tag = "hours",
    request_body(content = NewTimeEntry, example = json!({"volunteer_id": "0193a0c2-5b1e-7000-8000-000000000002", "occurred_on": "2026-12-03", "minutes": 120, "unit_id": "0193a0c2-5b1e-7000-8000-000000000001", "activity_kind": "party_or_arrangement", "note": "Helped at the Christmas market in the common room."})),
    responses((status = 201, description = "Logged, approved.", body = TimeEntryView,
        headers(("ETag" = String, description = "The version."), ("Location" = String, description = "The new resource."))))
)]
#[post("/time-entries")]
pub async fn create_time_entry(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Json(body): Json<NewTimeEntry>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    validate! {
        municipality_id = target_municipality(&caller, body.municipality_id);
        who = placed(body.volunteer_id, body.group_id, body.head_count);
        occurred_on = optional_date("occurred_on", body.occurred_on);
        activity_kind = body
            .activity_kind
            .as_deref()
            .map(|k| field("activity_kind", parse_activity_kind(k)))
            .transpose();
        note = note(body.note);
    }
    let draft = TimeDraft {
        occurred_on,
        minutes: body.minutes,
        placement_id: body.placement_id.map(Into::into),
        visit_id: body.visit_id.map(Into::into),
        unit_id: body.unit_id.map(Into::into),
        activity_kind,
        note,
    };
    let now = state.clock.now();
    let created = state
        .db(move |conn| cases::time_entries::log(conn, &caller, municipality_id, who, draft, now))
        .await?;
    crate::metrics::time_entry_event("logged");
    Ok(created_answer("/api/v1/time-entries", created))
}

fn created_answer(base: &str, created: TimeEntryRecord) -> HttpResponse {
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, format!("{base}/{}", created.entry.id)));
    json_with_etag(
        response,
        created.entry.version,
        &TimeEntryView::from(created),
    )
}

/// Which entries.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimeEntryQuery {
    /// Only this municipality (useful for administrators).
    pub municipality_id: Option<Uuid>,
    /// Only this volunteer's.
    pub volunteer_id: Option<Uuid>,
    /// Only this group's.
    pub group_id: Option<Uuid>,
    /// Only in this status (`pending`: the entries waiting for a decision).
    #[param(value_type = Option<TimeEntryStatusSchema>)]
    pub status: Option<TimeEntryStatus>,
    /// Dated on or after this day.
    pub from: Option<NaiveDate>,
    /// Dated on or before this day.
    pub to: Option<NaiveDate>,
    /// Only counting for this unit.
    pub unit_id: Option<Uuid>,
    /// Only of this placement.
    pub placement_id: Option<Uuid>,
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

fn window(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<(Option<NaiveDate>, Option<NaiveDate>), ApiError> {
    validate! {
        from = optional_date("from", from);
        to = optional_date("to", to);
    }
    Ok((from, to))
}

/// List time entries.
///
/// Filtered by volunteer, group, status, dates, unit and placement; keyset-paged in id order,
/// each with its history. Coordinators and administrators see every entry of their
/// municipality; a contact person those of the volunteers assigned to them and of the
/// placements they are the contact person of. Volunteers read theirs at `/me/time-entries`.
///
/// With `Accept: text/csv` every entry the filters select comes as one CSV download instead
/// (`limit` and `cursor` do not apply), streamed, in the dialect `dialect` asks for; only
/// coordinators and administrators (administrators name `municipality_id`), and each export is
/// written to the municipality's audit log (`GET /audit-log`).
#[utoipa::path(
    tag = "hours",
    params(TimeEntryQuery),
    responses((status = 200, description = "A page of time entries.", body = TimeEntryPage))
)]
#[get("/time-entries")]
pub async fn list_time_entries(
    state: web::Data<AppState>,
    caller: StaffCaller,
    request: actix_web::HttpRequest,
    Query(query): Query<TimeEntryQuery>,
) -> Result<HttpResponse, ApiError> {
    let audience = access::audience(&caller, VOLUNTEERS_READ_THEIR_OWN_HOURS)?;
    let page = page_request(
        CursorList::TimeEntries,
        query.limit,
        query.cursor.as_deref(),
    )?;
    let (from, to) = window(query.from, query.to)?;
    let filter = TimeEntryFilter {
        municipality_id: query.municipality_id.map(Into::into),
        volunteer_id: query.volunteer_id.map(Into::into),
        group_id: query.group_id.map(Into::into),
        status: query.status,
        from,
        to,
        unit_id: query.unit_id.map(Into::into),
        placement_id: query.placement_id.map(Into::into),
    };
    if crate::csv::wants_csv(&request) {
        let municipality = cases::exports::begin(
            &state,
            &caller,
            filter.municipality_id,
            samspill_domain::audit::AuditResource::TimeEntryList,
        )
        .await?;
        return Ok(crate::csv::streamed_response(
            "hours.csv",
            cases::exports::time_entries_csv(
                state.pool.clone(),
                samspill_domain::auth::TenantScope::Municipality(municipality),
                audience,
                filter,
                query.dialect.unwrap_or_default(),
            ),
        ));
    }
    let found = state
        .db(move |conn| cases::time_entries::list(conn, caller.scope(), audience, filter, page))
        .await?;
    Ok(HttpResponse::Ok().json(TimeEntryPage::from_page(found)))
}

/// Read one time entry.
///
/// With its history: every status step, who made it, when and why. Coordinators and
/// administrators, and contact persons for the entries they see; another municipality's id,
/// or one the caller does not see, is 404.
#[utoipa::path(
    tag = "hours",
    params(("id" = Uuid, Path, description = "The time entry id.")),
    responses((status = 200, description = "The time entry.", body = TimeEntryView,
        headers(("ETag" = String, description = "The version."))))
)]
#[get("/time-entries/{id}")]
pub async fn get_time_entry(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let audience = access::audience(&caller, VOLUNTEERS_READ_THEIR_OWN_HOURS)?;
    let id = TimeEntryId::from(id.into_inner());
    let found = state
        .db(move |conn| cases::time_entries::get(conn, caller.scope(), audience, id))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        found.entry.version,
        &TimeEntryView::from(found),
    ))
}

/// A coordinator's decision about an entry.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision": "decline", "reason": "Logged twice: the visit's entry counts."}))]
pub struct TimeEntryDecisionBody {
    /// `approve` or `decline` a pending entry; `revoke` an approved one back to pending.
    #[schema(value_type = TimeEntryDecisionSchema)]
    pub decision: TimeEntryDecision,
    /// Why: required to decline and to revoke.
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
}

/// Approve, decline or revoke a time entry.
///
/// Coordinators and administrators. `approve` a pending entry (it counts in reports);
/// `decline` a pending one with a reason (for good: a wrong entry is declined, never deleted);
/// `revoke` an approved one with a reason (back to pending, out of the reports until approved
/// again). A decision the entry's status does not allow is 409, a missing reason 422. Each step
/// is kept in the entry's history. `If-Match` guards against deciding on a stale read.
#[utoipa::path(
    tag = "hours",
    params(
        ("id" = Uuid, Path, description = "The time entry id."),
        crate::extract::IfMatchHeader,
    ),
    request_body(content = TimeEntryDecisionBody, example = json!({"decision": "approve"})),
    responses((status = 200, description = "The decided entry with its history.", body = TimeEntryView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[post("/time-entries/{id}/decision")]
pub async fn decide_time_entry(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    Json(body): Json<TimeEntryDecisionBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = TimeEntryId::from(id.into_inner());
    let reason = match body.reason {
        Some(raw) => Text::<1000>::parse(&raw)
            .map(Text::into_inner)
            .map(|r| Some(r).filter(|r| !r.is_empty()))
            .map_err(|e| ApiError::Validation(vec![FieldError::parse("reason", &e)]))?,
        None => None,
    };
    let (decision, now) = (body.decision, state.clock.now());
    let decided = state
        .db(move |conn| {
            cases::time_entries::decide(conn, &caller, id, expected, decision, reason, now)
        })
        .await?;
    crate::metrics::time_entry_event(match decision {
        TimeEntryDecision::Approve => "approved",
        TimeEntryDecision::Decline => "declined",
        TimeEntryDecision::Revoke => "revoked",
    });
    Ok(json_with_etag(
        HttpResponse::Ok(),
        decided.entry.version,
        &TimeEntryView::from(decided),
    ))
}

/// Log my own time.
///
/// A volunteer account linked to a volunteer record, for itself only, linking only its own
/// placements and visits (another's is 422 on the field). It waits for a coordinator's approval
/// (`pending`) or counts at once (`approved`), as the municipality's setting
/// `own_time_entries_need_approval` says (default: it waits). A date in the future, or a day
/// over 24 hours counting every entry not declined, is 422 naming the field.
#[utoipa::path(
    tag = "me",
    request_body(content = OwnTimeEntry, example = json!({"occurred_on": "2026-12-01", "minutes": 60, "note": "Prepared the songs for Thursday."})),
    responses((status = 201, description = "Logged.", body = TimeEntryView,
        headers(("ETag" = String, description = "The version."), ("Location" = String, description = "The new resource."))))
)]
#[post("/me/time-entries")]
pub async fn create_my_time_entry(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Json(body): Json<OwnTimeEntry>,
) -> Result<HttpResponse, ApiError> {
    access::own_volunteer(&caller)?;
    validate! {
        occurred_on = optional_date("occurred_on", body.occurred_on);
        note = note(body.note);
    }
    let draft = TimeDraft {
        occurred_on,
        minutes: body.minutes,
        placement_id: body.placement_id.map(Into::into),
        visit_id: body.visit_id.map(Into::into),
        unit_id: None,
        activity_kind: None,
        note,
    };
    let now = state.clock.now();
    let created = state
        .db(move |conn| cases::time_entries::log_own(conn, &caller, draft, now))
        .await?;
    crate::metrics::time_entry_event("logged");
    Ok(created_answer("/api/v1/me/time-entries", created))
}

/// Which of the caller's own entries.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OwnTimeEntryQuery {
    /// Only in this status.
    #[param(value_type = Option<TimeEntryStatusSchema>)]
    pub status: Option<TimeEntryStatus>,
    /// Dated on or after this day.
    pub from: Option<NaiveDate>,
    /// Dated on or before this day.
    pub to: Option<NaiveDate>,
    /// Only of this placement.
    pub placement_id: Option<Uuid>,
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// List my own time entries.
///
/// The entries of the volunteer record linked to the calling volunteer account, in id order,
/// each with its history: whether it waits, counts or was declined, and why. Volunteer accounts
/// only.
#[utoipa::path(
    tag = "me",
    params(OwnTimeEntryQuery),
    responses((status = 200, description = "A page of the caller's time entries.", body = OwnTimeEntryPage))
)]
#[get("/me/time-entries")]
pub async fn list_my_time_entries(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Query(query): Query<OwnTimeEntryQuery>,
) -> Result<HttpResponse, ApiError> {
    let audience = access::own_volunteer(&caller)?;
    let page = page_request(
        CursorList::MyTimeEntries,
        query.limit,
        query.cursor.as_deref(),
    )?;
    let (from, to) = window(query.from, query.to)?;
    let filter = TimeEntryFilter {
        status: query.status,
        from,
        to,
        placement_id: query.placement_id.map(Into::into),
        ..TimeEntryFilter::default()
    };
    let found = state
        .db(move |conn| cases::time_entries::list(conn, caller.scope(), audience, filter, page))
        .await?;
    Ok(HttpResponse::Ok().json(OwnTimeEntryPage::from_page(found)))
}

/// Read one of my own time entries.
///
/// With its history. Volunteer accounts only; another volunteer's entry is 404.
#[utoipa::path(
    tag = "me",
    params(("id" = Uuid, Path, description = "The time entry id.")),
    responses((status = 200, description = "The time entry.", body = TimeEntryView,
        headers(("ETag" = String, description = "The version."))))
)]
#[get("/me/time-entries/{id}")]
pub async fn get_my_time_entry(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let audience = access::own_volunteer(&caller)?;
    let id = TimeEntryId::from(id.into_inner());
    let found = state
        .db(move |conn| cases::time_entries::get(conn, caller.scope(), audience, id))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        found.entry.version,
        &TimeEntryView::from(found),
    ))
}

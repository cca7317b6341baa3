//! Visits of placements: planned ahead from schedules or added one at a time, with the staff
//! representative who comes along, marked completed, not attended or cancelled. Coordinators
//! and administrators manage them; contact persons read the visits of the placements they see.

use crate::{
    access,
    auth::StaffCaller,
    cases::{self, visits::OneVisit},
    dto::placement::{VisitPage, VisitView},
    error::{ApiError, FieldError},
    etag::json_with_etag,
    extract::{IfMatch, Json, Query},
    input::{double_option, plausible, validate},
    openapi::schemas::VisitStatusSchema,
    pagination::{CursorList, checked_limit, decode_timed},
    state::AppState,
};
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::NaiveDate;
use samspill_domain::{
    ids::{PlacementId, VisitId},
    schedule::{check_duration, parse_start_time},
    text::Text,
    visit::{Companion, VisitStatus},
};
use samspill_persistence::visits;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Which visits.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VisitQuery {
    /// From this date (local, included; default today).
    pub from: Option<NaiveDate>,
    /// To this date (local, included; default 4 weeks after `from`; at most a year after it).
    pub to: Option<NaiveDate>,
    /// Only at this unit.
    pub unit_id: Option<Uuid>,
    /// Only this volunteer's.
    pub volunteer_id: Option<Uuid>,
    /// Only with this recipient.
    pub recipient_id: Option<Uuid>,
    /// Only of this placement.
    pub placement_id: Option<Uuid>,
    /// Only in this status.
    #[param(value_type = Option<VisitStatusSchema>)]
    pub status: Option<VisitStatus>,
    /// For a CSV export by an administrator: the municipality.
    pub municipality_id: Option<Uuid>,
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

/// List visits in a window of dates.
///
/// Local dates `from` to `to` (by default four weeks from today, at most a year), in start
/// order and keyset-paged: for one unit, volunteer, recipient or placement, or all the caller
/// sees. Coordinators and administrators see every visit of their municipality, contact persons
/// the visits of the placements they see.
///
/// With `Accept: text/csv` every visit of the window the filters select comes as one CSV download instead
/// (`limit` and `cursor` do not apply), streamed, in the dialect `dialect` asks for; only
/// coordinators and administrators (administrators name `municipality_id`), and each export is
/// written to the municipality's audit log (`GET /audit-log`).
#[utoipa::path(
    tag = "visits",
    params(VisitQuery),
    responses((status = 200, description = "A page of visits, or all of them as CSV.", content(
        (VisitPage = "application/json"),
        (String = "text/csv"),
    )))
)]
#[get("/visits")]
pub async fn list_visits(
    state: web::Data<AppState>,
    caller: StaffCaller,
    request: actix_web::HttpRequest,
    Query(query): Query<VisitQuery>,
) -> Result<HttpResponse, ApiError> {
    let audience = access::audience(&caller, access::VOLUNTEERS_READ_THEIR_OWN_PLACEMENTS)?;
    let limit = checked_limit(query.limit)?;
    let window = cases::visits::window(query.from, query.to, state.clock.today())?;
    let after = query
        .cursor
        .as_deref()
        .map(|c| decode_timed(CursorList::Visits, c))
        .transpose()?;
    let filter = visits::VisitFilter {
        unit_id: query.unit_id.map(Into::into),
        volunteer_id: query.volunteer_id.map(Into::into),
        recipient_id: query.recipient_id.map(Into::into),
        placement_id: query.placement_id.map(Into::into),
        status: query.status,
        ..visits::VisitFilter::default()
    };
    if crate::csv::wants_csv(&request) {
        let municipality = cases::exports::begin(
            &state,
            &caller,
            query.municipality_id.map(Into::into),
            samspill_domain::audit::AuditResource::VisitList,
        )
        .await?;
        return Ok(crate::csv::streamed_response(
            "visits.csv",
            cases::exports::visits_csv(
                state.pool.clone(),
                samspill_domain::auth::TenantScope::Municipality(municipality),
                audience,
                cases::visits::windowed(filter, window),
                query.dialect.unwrap_or_default(),
            ),
        ));
    }
    let (found, more) = state
        .db(move |conn| {
            cases::visits::page(conn, caller.scope(), audience, filter, window, after, limit)
        })
        .await?;
    Ok(HttpResponse::Ok().json(VisitPage::new(CursorList::Visits, found, more)))
}

/// Read one visit.
///
/// Coordinators and administrators, and contact persons for the placements they see.
#[utoipa::path(
    tag = "visits",
    params(("id" = Uuid, Path, description = "The visit id.")),
    responses((status = 200, description = "The visit.", body = VisitView,
        headers(("ETag" = String, description = "The version."))))
)]
#[get("/visits/{id}")]
pub async fn get_visit(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let audience = access::audience(&caller, access::VOLUNTEERS_READ_THEIR_OWN_PLACEMENTS)?;
    let id = VisitId::from(id.into_inner());
    let found = state
        .db(move |conn| Ok(visits::find(conn, caller.scope(), audience, id)?))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        found.version,
        &VisitView::from(found),
    ))
}

/// The staff representative who comes along: exactly one of the two.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanionBody {
    /// A staff account of the municipality (not a volunteer's login).
    pub user_id: Option<Uuid>,
    /// An active staff contact person of the municipality.
    pub contact_person_id: Option<Uuid>,
}

fn companion(body: CompanionBody) -> Result<Companion, FieldError> {
    match (body.user_id, body.contact_person_id) {
        (Some(user), None) => Ok(Companion::StaffUser(user.into())),
        (None, Some(contact)) => Ok(Companion::ContactPerson(contact.into())),
        _ => Err(FieldError::new(
            "accompanied_by",
            "one_of",
            "name exactly one of user_id and contact_person_id",
        )),
    }
}

/// A visit added on its own: the accompanied first visit in a private home, or an extra one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "date": "2027-01-05",
    "start_time": "14:00",
    "duration_minutes": 60,
    "accompanied_by": {"user_id": "0193a0c2-5b1e-7000-8000-000000000003"}
}))]
pub struct NewVisit {
    /// The local date, within the placement's first and last day.
    pub date: NaiveDate,
    /// The local start time (`HH:MM`) in the municipality's time zone.
    #[schema(example = "14:00", pattern = "^[0-2][0-9]:[0-5][0-9](:[0-5][0-9])?$")]
    pub start_time: String,
    /// Minutes, 5 to 1440.
    #[schema(minimum = 5, maximum = 1440)]
    pub duration_minutes: i32,
    /// The staff representative who comes along.
    pub accompanied_by: Option<CompanionBody>,
}

/// Add one visit to a placement.
///
/// Outside its schedules: typically the accompanied first visit in a private home, with
/// `accompanied_by` naming the staff representative. The placement must not have ended; a
/// visit of a suspended or paused placement is flagged. Coordinators and administrators.
#[utoipa::path(
    tag = "visits",
    params(("id" = Uuid, Path, description = "The placement id.")),
    request_body(content = NewVisit, example = json!({"date": "2027-01-05", "start_time": "14:00", "duration_minutes": 60})),
    responses((status = 201, description = "Added.", body = VisitView,
        headers(("ETag" = String, description = "The version."), ("Location" = String, description = "The new resource."))))
)]
#[post("/placements/{id}/visits")]
pub async fn create_visit(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Json(body): Json<NewVisit>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = PlacementId::from(id.into_inner());
    validate! {
        date = plausible("date", body.date);
        duration_minutes = check_duration(body.duration_minutes)
            .map_err(|e| FieldError::parse("duration_minutes", &e));
        accompanied_by = body.accompanied_by.map(companion).transpose();
        start_time = parse_start_time(&body.start_time)
            .map_err(|e| FieldError::parse("start_time", &e));
    }
    let visit = OneVisit {
        date,
        start_time,
        duration_minutes,
        accompanied_by,
    };
    let created = state
        .db(move |conn| cases::visits::add_visit(conn, &caller, id, visit))
        .await?;
    let mut response = HttpResponse::Created();
    response.insert_header((
        actix_web::http::header::LOCATION,
        format!("/api/v1/visits/{}", created.id),
    ));
    Ok(json_with_etag(
        response,
        created.version,
        &VisitView::from(created),
    ))
}

/// A change to a planned visit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"accompanied_by": {"user_id": "0193a0c2-5b1e-7000-8000-000000000003"}}))]
pub struct VisitChange {
    /// The staff representative who comes along, or `null` for none.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<CompanionBody>, nullable)]
    pub accompanied_by: Option<Option<CompanionBody>>,
}

/// Name who comes along on a planned visit.
///
/// `accompanied_by` names a staff account or a staff contact person of the municipality, or is
/// `null` for nobody. Coordinators and administrators; `If-Match` guards lost updates.
#[utoipa::path(
    tag = "visits",
    params(
        ("id" = Uuid, Path, description = "The visit id."),
        crate::extract::IfMatchHeader,
    ),
    request_body(content = VisitChange, example = json!({"accompanied_by": {"user_id": "0193a0c2-5b1e-7000-8000-000000000003"}})),
    responses((status = 200, description = "The changed visit.", body = VisitView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[patch("/visits/{id}")]
pub async fn update_visit(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    Json(body): Json<VisitChange>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = VisitId::from(id.into_inner());
    let Some(asked) = body.accompanied_by else {
        return Err(ApiError::invalid(
            "accompanied_by",
            "required",
            "say who comes along, or null for nobody",
        ));
    };
    let companion = asked.map(companion).transpose()?;
    let updated = state
        .db(move |conn| cases::visits::set_companion(conn, &caller, id, expected, companion))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        updated.version,
        &VisitView::from(updated),
    ))
}

/// How a visit went, or that it is called off.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"to": "cancelled", "reason": "Ingrid has family visiting this week."}))]
pub struct VisitTransition {
    /// `completed`, `no_show` or `cancelled`.
    #[schema(value_type = VisitStatusSchema)]
    pub to: VisitStatus,
    /// Why it was cancelled (required then), or a short note on how it went. Never health
    /// details of the person visited.
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
}

/// Mark a planned visit completed, not attended or cancelled.
///
/// `completed` or `no_show` once the visit has begun, `cancelled` with a reason. The first
/// visit of a private-home placement is completed only with a staff representative named (409
/// naming `accompanied_by`), and a flagged visit (its placement suspended or paused) is not
/// completed. A completed visit gets a pending time entry of its date and length (one per
/// visit; see `/time-entries`). Coordinators and administrators.
#[utoipa::path(
    tag = "visits",
    params(
        ("id" = Uuid, Path, description = "The visit id."),
        crate::extract::IfMatchHeader,
    ),
    request_body(content = VisitTransition, example = json!({"to": "cancelled", "reason": "Ingrid has family visiting this week."})),
    responses((status = 200, description = "The marked visit.", body = VisitView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[post("/visits/{id}/transitions")]
pub async fn transition_visit(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    Json(body): Json<VisitTransition>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = VisitId::from(id.into_inner());
    let reason = match body.reason {
        Some(raw) => Some(
            Text::<1000>::parse(&raw)
                .map(Text::into_inner)
                .map_err(|e| ApiError::Validation(vec![FieldError::parse("reason", &e)]))?,
        )
        .filter(|r| !r.is_empty()),
        None => None,
    };
    let (to, now) = (body.to, state.clock.now());
    let marked = state
        .db(move |conn| cases::visits::mark_visit(conn, &caller, id, expected, to, reason, now))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        marked.version,
        &VisitView::from(marked),
    ))
}

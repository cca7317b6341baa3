//! Calendars of planned visits as `text/calendar` (RFC 5545), for staff to import or
//! subscribe to: a volunteer's and a unit's. A volunteer's own is at `/me/calendar.ics`.

use crate::{
    access,
    auth::StaffCaller,
    cases::{
        self,
        calendars::{self, Subject},
    },
    dto::calendar::{self as calendar, CalendarQuery, response},
    error::ApiError,
    extract::Query,
    state::AppState,
};
use actix_web::{HttpResponse, get, web};
use uuid::Uuid;

/// A volunteer's planned visits as an iCalendar file.
///
/// One event per planned visit of the volunteer on the local dates `from` to `to` (by default
/// from today to 12 weeks ahead, at most a year), in start order: the UID is the visit's id
/// (`{id}@samspill`), stable as long as the visit is planned; times are in UTC; the summary
/// names the activity kind and the place — a unit's name, or for a home visit the person's
/// display name, never their address or phone number; the status is `CONFIRMED` while the
/// placement is active and nothing flags the visit, `TENTATIVE` otherwise. Completed, missed
/// and cancelled visits are left out. Coordinators and administrators of the volunteer's
/// municipality, and contact persons for the volunteers assigned to them; volunteers read
/// their own at `/api/v1/me/calendar.ics`.
#[utoipa::path(
    tag = "visits",
    params(("id" = Uuid, Path, description = "The volunteer id."), CalendarQuery),
    responses((status = 200, description = "The calendar (RFC 5545).",
        content_type = "text/calendar", body = String,
        example = json!(calendar::EXAMPLE)))
)]
#[get("/volunteers/{id}/calendar.ics")]
pub async fn get_volunteer_calendar(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Query(query): Query<CalendarQuery>,
) -> Result<HttpResponse, ApiError> {
    let audience = access::audience(&caller, access::VOLUNTEERS_READ_THEIR_OWN_PLACEMENTS)?;
    let window = cases::visits::window_reaching(
        query.from,
        query.to,
        state.clock.today(),
        cases::visits::CALENDAR_DAYS,
    )?;
    let subject = Subject::Volunteer(id.into_inner().into());
    let calendar = state
        .db(move |conn| calendars::calendar(conn, caller.scope(), audience, subject, window))
        .await?;
    Ok(response(&calendar, state.clock.now()))
}

/// A unit's planned visits as an iCalendar file.
///
/// One event per planned visit at the unit, and in the homes of the people the unit answers
/// for, on the local dates `from` to `to` (by default from today to 12 weeks ahead, at most a
/// year), as in the volunteer's calendar: a home visit names the person by their display
/// name, never their address or phone number. Coordinators and administrators.
#[utoipa::path(
    tag = "visits",
    params(("id" = Uuid, Path, description = "The unit id."), CalendarQuery),
    responses((status = 200, description = "The calendar (RFC 5545).",
        content_type = "text/calendar", body = String,
        example = json!(calendar::EXAMPLE)))
)]
#[get("/units/{id}/calendar.ics")]
pub async fn get_unit_calendar(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Query(query): Query<CalendarQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let window = cases::visits::window_reaching(
        query.from,
        query.to,
        state.clock.today(),
        cases::visits::CALENDAR_DAYS,
    )?;
    let subject = Subject::Unit(id.into_inner().into());
    let calendar = state
        .db(move |conn| {
            let audience = crate::access::managed(&caller)?;
            calendars::calendar(conn, caller.scope(), audience, subject, window)
        })
        .await?;
    Ok(response(&calendar, state.clock.now()))
}

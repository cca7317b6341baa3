//! The caller's own account, and for volunteer accounts their own placements, visits and
//! calendar.

use crate::{
    access::own_volunteer,
    auth::{Principal, StaffCaller, password},
    cases::{self, calendars},
    dto::{
        calendar::{self as calendar, CalendarQuery},
        placement::{PlacementView, VisitPage},
        volunteer::VolunteerView,
    },
    error::{ApiError, FieldError},
    etag::json_with_etag,
    extract::{IfMatch, Json, Query},
    input::double_option,
    openapi::schemas::{
        NotificationKindSchema, PlacementStatusSchema, RoleSchema, ServiceScopeSchema,
        VisitStatusSchema,
    },
    pagination::{CursorList, checked_limit, decode_timed, page_of, page_request},
    state::AppState,
};
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use samspill_domain::{
    auth::{ServiceScope, TenantScope},
    ids::MunicipalityId,
    notification::NotificationKind,
    placement::PlacementStatus,
    user::{Role, check_password_policy},
    visit::VisitStatus,
    volunteer_draft::{VolunteerDraft, VolunteerEdit},
};
use samspill_persistence::{
    municipalities, notifications, placements, service_accounts, users, visits, volunteers,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

page_of!(OwnPlacementPage, PlacementView, CursorList::MyPlacements);

/// Who the caller is.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// `staff_user` (a person) or `service_account` (a municipal system).
    #[schema(example = "staff_user")]
    pub kind: &'static str,
    /// The account id.
    pub id: Uuid,
    /// People: their role.
    #[schema(value_type = Option<RoleSchema>)]
    pub role: Option<Role>,
    /// The municipality; `null` for administrators.
    pub municipality_id: Option<Uuid>,
    /// People: their login email.
    pub email: Option<String>,
    /// People: their display name; service accounts: the integration's name.
    pub display_name: String,
    /// People: whether they should choose a new password (it was generated).
    pub password_change_required: Option<bool>,
    /// People: last password login.
    pub last_login_at: Option<DateTime<Utc>>,
    /// Service accounts: the scopes of this token.
    #[schema(value_type = Option<Vec<ServiceScopeSchema>>)]
    pub scopes: Option<Vec<ServiceScope>>,
}

/// Who is calling: the staff user or volunteer behind the token, or the service account.
#[utoipa::path(tag = "me", responses((status = 200, description = "The caller.", body = Me)))]
#[get("/me")]
pub async fn get_me(
    state: web::Data<AppState>,
    caller: Principal,
) -> Result<HttpResponse, ApiError> {
    let me = match caller {
        Principal::Staff(staff) => {
            let user = state
                .db(move |conn| Ok(users::find(conn, staff.scope(), staff.id)?))
                .await
                .map_err(gone)?;
            Me {
                kind: "staff_user",
                id: user.id.into_uuid(),
                role: Some(user.role),
                municipality_id: user.municipality_id.map(Into::into),
                email: Some(user.email),
                display_name: user.display_name,
                password_change_required: Some(user.password_change_required),
                last_login_at: user.last_login_at,
                scopes: None,
            }
        }
        Principal::Service(service) => {
            let scope = TenantScope::Municipality(service.municipality);
            let account = state
                .db(move |conn| Ok(service_accounts::find(conn, scope, service.id)?))
                .await
                .map_err(gone)?;
            Me {
                kind: "service_account",
                id: account.id.into_uuid(),
                role: None,
                municipality_id: Some(account.municipality_id.into_uuid()),
                email: None,
                display_name: account.name,
                password_change_required: None,
                last_login_at: None,
                scopes: Some(service.scopes),
            }
        }
    };
    Ok(HttpResponse::Ok().json(me))
}

/// A token whose account has been deleted since it was issued no longer authenticates anyone.
fn gone(error: ApiError) -> ApiError {
    match error {
        ApiError::NotFound => {
            ApiError::Unauthorized("The account behind this token no longer exists.".to_owned())
        }
        other => other,
    }
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password in use now.
    pub current_password: String,
    /// The new password: at least 12 characters.
    #[schema(min_length = 12, max_length = 256)]
    pub new_password: String,
}

/// Changes the caller's own password. Every refresh token of the account is revoked, so other
/// sessions must log in again.
#[utoipa::path(
    tag = "me",
    request_body = PasswordChange,
    responses((status = 204, description = "Changed."))
)]
#[post("/me/password")]
pub async fn change_my_password(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Json(body): Json<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    check_password_policy(&body.new_password)
        .map_err(|e| ApiError::Validation(vec![FieldError::parse("new_password", &e)]))?;
    let stored = state
        .db(move |conn| Ok(users::password_hash(conn, caller.id)?))
        .await
        .map_err(gone)?;
    let (current, new_password) = (body.current_password, body.new_password);
    let new_hash = if password::verify(current, stored).await? {
        Some(password::hash(new_password).await?)
    } else {
        None
    }
    .ok_or_else(|| {
        ApiError::invalid(
            "current_password",
            "wrong_password",
            "is not the password in use",
        )
    })?;
    state
        .db(move |conn| {
            users::update(conn, caller.scope(), caller.id, None, |_| {
                Ok::<_, ApiError>(users::StaffUserChanges {
                    password: Some((new_hash, false)),
                    ..Default::default()
                })
            })?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A volunteer's own change: contact details and availability only.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnVolunteerChange {
    /// Email, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub email: Option<Option<String>>,
    /// Phone, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub phone: Option<Option<String>>,
    /// Street address, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub street_address: Option<Option<String>>,
    /// Postal code, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub postal_code: Option<Option<String>>,
    /// Town, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub city: Option<Option<String>>,
    /// Availability as `weekday:part_of_day` (replaces the list).
    pub availability: Option<Vec<String>>,
}

/// The caller's own volunteer record (volunteer accounts linked to a record by a coordinator).
#[utoipa::path(tag = "me", responses((status = 200, description = "The record.", body = VolunteerView,
    headers(("ETag" = String, description = "The version.")))))]
#[get("/me/volunteer")]
pub async fn get_my_volunteer(
    state: web::Data<AppState>,
    caller: StaffCaller,
) -> Result<HttpResponse, ApiError> {
    let audience = own_volunteer(&caller)?;
    let found = state
        .db(move |conn| Ok(volunteers::find_own(conn, caller.scope(), audience)?))
        .await?;
    let version = found.version;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        version,
        &VolunteerView::for_role(found, caller.role),
    ))
}

/// Changes the caller's own contact details and availability; nothing else.
#[utoipa::path(
    tag = "me",
    params(crate::extract::IfMatchHeader),
    request_body = OwnVolunteerChange,
    responses((status = 200, description = "The changed record.", body = VolunteerView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[patch("/me/volunteer")]
pub async fn update_my_volunteer(
    state: web::Data<AppState>,
    caller: StaffCaller,
    IfMatch(expected): IfMatch,
    Json(body): Json<OwnVolunteerChange>,
) -> Result<HttpResponse, ApiError> {
    let audience = own_volunteer(&caller)?;
    let change = VolunteerEdit {
        email: body.email,
        phone: body.phone,
        street_address: body.street_address,
        postal_code: body.postal_code,
        city: body.city,
        availability: body.availability,
        ..VolunteerEdit::default()
    };
    let updated = state
        .db(move |conn| {
            let own = volunteers::find_own(conn, caller.scope(), audience)?;
            volunteers::update(
                conn,
                caller.scope(),
                audience,
                own.id,
                expected,
                |conn, current| {
                    let country =
                        municipalities::find(conn, caller.scope(), current.municipality_id)?
                            .country;
                    cases::volunteers::apply(VolunteerDraft::of(current), change, country)
                },
            )
        })
        .await?;
    let version = updated.version;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        version,
        &VolunteerView::for_role(updated, caller.role),
    ))
}

/// Which of the caller's own placements.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OwnPlacementQuery {
    /// Only in this status.
    #[param(value_type = Option<PlacementStatusSchema>)]
    pub status: Option<PlacementStatus>,
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// The caller's own placements.
///
/// The placements of the volunteer record linked to the calling volunteer account, in id
/// order: where, for which activity, from when, and their status. An account not linked to a
/// record has none. Volunteer accounts only; staff read placements at `/api/v1/placements`.
#[utoipa::path(
    tag = "me",
    params(OwnPlacementQuery),
    responses((status = 200, description = "A page of the caller's placements.", body = OwnPlacementPage))
)]
#[get("/me/placements")]
pub async fn list_my_placements(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Query(query): Query<OwnPlacementQuery>,
) -> Result<HttpResponse, ApiError> {
    let audience = own_volunteer(&caller)?;
    let page = page_request(
        CursorList::MyPlacements,
        query.limit,
        query.cursor.as_deref(),
    )?;
    let filter = placements::PlacementFilter {
        status: query.status,
        ..placements::PlacementFilter::default()
    };
    let found = state
        .db(move |conn| {
            Ok(placements::list(
                conn,
                caller.scope(),
                audience,
                filter,
                page,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(OwnPlacementPage::from_page(found)))
}

/// Which of the caller's own visits.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OwnVisitQuery {
    /// From this date (local, included; default today).
    pub from: Option<NaiveDate>,
    /// To this date (local, included; default 4 weeks after `from`; at most a year after it).
    pub to: Option<NaiveDate>,
    /// Only of this placement.
    pub placement_id: Option<Uuid>,
    /// Only in this status.
    #[param(value_type = Option<VisitStatusSchema>)]
    pub status: Option<VisitStatus>,
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// The caller's own visits.
///
/// The visits of the caller's placements on the local dates `from` to `to` (by default four
/// weeks from today, at most a year), in start order, whatever became of them unless `status`
/// says. Paged as `/api/v1/visits`, with cursors of this list. Volunteer accounts only.
#[utoipa::path(
    tag = "me",
    params(OwnVisitQuery),
    responses((status = 200, description = "A page of the caller's visits.", body = VisitPage))
)]
#[get("/me/visits")]
pub async fn list_my_visits(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Query(query): Query<OwnVisitQuery>,
) -> Result<HttpResponse, ApiError> {
    let audience = own_volunteer(&caller)?;
    let limit = checked_limit(query.limit)?;
    let window = cases::visits::window(query.from, query.to, state.clock.today())?;
    let after = query
        .cursor
        .as_deref()
        .map(|c| decode_timed(CursorList::MyVisits, c))
        .transpose()?;
    let filter = visits::VisitFilter {
        placement_id: query.placement_id.map(Into::into),
        status: query.status,
        ..visits::VisitFilter::default()
    };
    let (found, more) = state
        .db(move |conn| {
            cases::visits::page(conn, caller.scope(), audience, filter, window, after, limit)
        })
        .await?;
    Ok(HttpResponse::Ok().json(VisitPage::new(CursorList::MyVisits, found, more)))
}

/// The caller's own planned visits as an iCalendar file.
///
/// One event per planned visit of the caller's placements on the local dates `from` to `to`
/// (by default from today to 12 weeks ahead, at most a year), for a calendar application: the
/// UID is the visit's id (`{id}@samspill`), times are in UTC, the summary names the activity
/// kind and the place, and a home visit gives the person's display name and, as the location,
/// their address (never their phone number). `CONFIRMED` while the placement is active and
/// nothing flags the visit, `TENTATIVE` otherwise; completed, missed and cancelled visits are
/// left out. Volunteer accounts only.
#[utoipa::path(
    tag = "me",
    params(CalendarQuery),
    responses((status = 200, description = "The calendar (RFC 5545).",
        content_type = "text/calendar", body = String,
        example = json!(calendar::EXAMPLE)))
)]
#[get("/me/calendar.ics")]
pub async fn get_my_calendar(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Query(query): Query<CalendarQuery>,
) -> Result<HttpResponse, ApiError> {
    let audience = own_volunteer(&caller)?;
    let window = cases::visits::window_reaching(
        query.from,
        query.to,
        state.clock.today(),
        cases::visits::CALENDAR_DAYS,
    )?;
    let found = state
        .db(move |conn| {
            calendars::calendar(
                conn,
                caller.scope(),
                audience,
                calendars::Subject::Own,
                window,
            )
        })
        .await?;
    Ok(calendar::response(&found, state.clock.now()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_in_the_spec_are_the_domain_roles() {
        let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(
            names,
            ["admin", "coordinator", "contact_person", "volunteer"]
        );
    }
}

/// One kind of notification and whether the caller receives it.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationPreference {
    /// The kind.
    #[schema(value_type = NotificationKindSchema)]
    pub kind: NotificationKind,
    /// What it is.
    pub description: String,
    /// `false` once the caller has opted out.
    pub receive: bool,
}

/// The caller's notification preferences: every kind, and whether they receive it.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationPreferences {
    /// Every kind there is.
    pub kinds: Vec<NotificationPreference>,
    /// Raised by every change; also the ETag.
    pub version: i32,
}

impl From<notifications::Preferences> for NotificationPreferences {
    fn from(p: notifications::Preferences) -> Self {
        Self {
            kinds: NotificationKind::ALL
                .iter()
                .map(|kind| NotificationPreference {
                    kind: *kind,
                    description: kind.description().trim().to_owned(),
                    receive: !p.opted_out.contains(kind),
                })
                .collect(),
            version: p.version,
        }
    }
}

/// Which notifications to receive from now on; kinds not named stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"visit_reminder": false}))]
pub struct NotificationPreferencesChange {
    /// Reminders before each planned visit (volunteers).
    pub visit_reminder: Option<bool>,
    /// Warnings that a certificate, dog approval or declaration runs out (coordinators).
    pub expiry_warning: Option<bool>,
    /// Reminders of follow-ups past their due date (whoever they are assigned to).
    pub follow_up_overdue: Option<bool>,
    /// Reminders before each session of an event one is registered for.
    pub event_reminder: Option<bool>,
}

/// The caller's municipality, for preferences: administrators (no municipality) receive none.
fn preference_municipality(caller: &StaffCaller) -> Result<MunicipalityId, ApiError> {
    caller.municipality.ok_or_else(|| {
        ApiError::forbidden(
            "Administrators belong to no municipality and receive no reminders; preferences are for the accounts of a municipality.",
        )
    })
}

/// Reads which notifications the caller receives.
///
/// Every account of a municipality (volunteers, contact persons, coordinators) receives every
/// kind that concerns it until it opts out: visit reminders go to volunteers, expiry warnings
/// to coordinators, overdue follow-ups to whoever they are assigned to.
#[utoipa::path(
    tag = "me",
    responses((status = 200, description = "The caller's preferences.", body = NotificationPreferences,
        headers(("ETag" = String, description = "The version."))))
)]
#[get("/me/notification-preferences")]
pub async fn get_my_notification_preferences(
    state: web::Data<AppState>,
    caller: StaffCaller,
) -> Result<HttpResponse, ApiError> {
    let municipality = preference_municipality(&caller)?;
    let found = state
        .db(move |conn| Ok(notifications::preferences(conn, municipality, caller.id)?))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        found.version,
        &NotificationPreferences::from(found),
    ))
}

/// Opts in or out of kinds of notification.
///
/// `false` stops that kind for the caller from now on (notifications already due are skipped
/// with the reason `opted out`); `true` starts it again. Kinds not named stay as they are.
#[utoipa::path(
    tag = "me",
    params(crate::extract::IfMatchHeader),
    request_body = NotificationPreferencesChange,
    responses((status = 200, description = "The caller's preferences now.", body = NotificationPreferences,
        headers(("ETag" = String, description = "The new version."))))
)]
#[patch("/me/notification-preferences")]
pub async fn update_my_notification_preferences(
    state: web::Data<AppState>,
    caller: StaffCaller,
    IfMatch(expected): IfMatch,
    Json(body): Json<NotificationPreferencesChange>,
) -> Result<HttpResponse, ApiError> {
    let municipality = preference_municipality(&caller)?;
    let wanted = [
        (NotificationKind::VisitReminder, body.visit_reminder),
        (NotificationKind::ExpiryWarning, body.expiry_warning),
        (NotificationKind::FollowUpOverdue, body.follow_up_overdue),
        (NotificationKind::EventReminder, body.event_reminder),
    ];
    let changed = state
        .db(move |conn| {
            Ok(notifications::set_preferences(
                conn,
                municipality,
                caller.id,
                expected,
                |current| {
                    NotificationKind::ALL
                        .iter()
                        .copied()
                        .filter(|kind| {
                            match wanted.iter().find(|(k, _)| k == kind).and_then(|(_, w)| *w) {
                                Some(receive) => !receive,
                                None => current.contains(kind),
                            }
                        })
                        .collect()
                },
            )?)
        })
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        changed.version,
        &NotificationPreferences::from(changed),
    ))
}

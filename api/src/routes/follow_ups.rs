//! Follow-ups (oppfølging) of volunteers, groups, units, people visited at home and
//! placements, and the contact log. The municipality's follow-up settings plan most of them
//! (intro after approval, review after a new placement's first visit, periodic follow-ups of
//! volunteers and units); coordinators add more by hand; the assignee holds them.

use crate::{
    access::target_municipality,
    auth::StaffCaller,
    cases::{
        self,
        follow_ups::{ContactDraft, ContactRecord, FollowUpDraft, FollowUpEdit, FollowUpRecord},
    },
    error::{ApiError, FieldError},
    etag::json_with_etag,
    extract::{IfMatch, Json, Query},
    input::{double_option, field, optional_text, plausible, validate},
    openapi::schemas::{
        ContactChannelSchema, FollowUpOutcomeSchema, FollowUpPurposeSchema, FollowUpSourceSchema,
        FollowUpStatusSchema, FollowUpSubjectKindSchema,
    },
    pagination::{CursorList, checked_limit, decode_key, encode_cursor, encode_key},
    state::AppState,
};
use actix_web::{HttpResponse, get, http::header, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use samspill_domain::{
    follow_up::{
        ContactChannel, Counterpart, FollowUpOutcome, FollowUpPurpose, FollowUpSource,
        FollowUpStatus, FollowUpSubject, FollowUpSubjectKind, check_contact_minutes, is_overdue,
        parse_note,
    },
    ids::FollowUpId,
};
use samspill_persistence::follow_ups::{Assignee, ContactFilter, FollowUpFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A follow-up.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpView {
    /// Its id.
    pub id: Uuid,
    /// The municipality.
    pub municipality_id: Uuid,
    /// What kind of subject it is about.
    #[schema(value_type = FollowUpSubjectKindSchema)]
    pub subject: FollowUpSubjectKind,
    /// The volunteer's, group's, unit's, recipient's or placement's id.
    pub subject_id: Uuid,
    /// What people call the subject (a placement by who is placed).
    pub subject_name: String,
    /// Why.
    #[schema(value_type = FollowUpPurposeSchema)]
    pub purpose: FollowUpPurpose,
    /// How it is held.
    #[schema(value_type = ContactChannelSchema)]
    pub channel: ContactChannel,
    /// By when.
    pub due_on: NaiveDate,
    /// Still scheduled and due before today.
    pub overdue: bool,
    /// Whose list it is on (`null`: nobody's yet).
    pub assignee_id: Option<Uuid>,
    /// Where it stands.
    #[schema(value_type = FollowUpStatusSchema)]
    pub status: FollowUpStatus,
    /// What came of it, once done.
    #[schema(value_type = Option<FollowUpOutcomeSchema>)]
    pub outcome: Option<FollowUpOutcome>,
    /// A few lines; `null` for readers other than coordinators and the assignee.
    pub note: Option<String>,
    /// `plan` (the service, by the municipality's settings), `manual`, or `outcome` (a
    /// concern opened by a follow-up done with `action_needed`).
    #[schema(value_type = FollowUpSourceSchema)]
    pub source: FollowUpSource,
    /// The follow-up whose `action_needed` opened this concern.
    pub raised_by_id: Option<Uuid>,
    /// The concern this follow-up opened.
    pub concern_id: Option<Uuid>,
    /// Who added it (`null` when the plan did).
    pub created_by: Option<Uuid>,
    /// When it was done, missed or cancelled.
    pub closed_at: Option<DateTime<Utc>>,
    /// Who closed it.
    pub closed_by: Option<Uuid>,
    /// Raised by every change; also the ETag.
    pub version: i32,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl FollowUpView {
    fn of(record: FollowUpRecord, today: NaiveDate) -> Self {
        let f = record.follow_up;
        Self {
            id: f.id.into_uuid(),
            municipality_id: f.municipality_id.into_uuid(),
            subject: f.subject.kind(),
            subject_id: f.subject.id(),
            subject_name: record.subject_name,
            purpose: f.purpose,
            channel: f.channel,
            due_on: f.due_on,
            overdue: is_overdue(f.status, f.due_on, today),
            assignee_id: f.assignee_id.map(|a| a.into_uuid()),
            status: f.status,
            outcome: f.outcome,
            note: f.note,
            source: f.source,
            raised_by_id: f.raised_by_id.map(FollowUpId::into_uuid),
            concern_id: record.concern_id.map(FollowUpId::into_uuid),
            created_by: f.created_by.map(|a| a.into_uuid()),
            closed_at: f.closed_at,
            closed_by: f.closed_by.map(|a| a.into_uuid()),
            version: f.version,
            created_at: f.created_at,
            updated_at: f.updated_at,
        }
    }
}

/// A page of follow-ups, earliest due first.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpPage {
    /// The follow-ups of this page.
    pub items: Vec<FollowUpView>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A follow-up to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "subject": "volunteer",
    "subject_id": "0193a0c2-5b1e-7000-8000-000000000010",
    "purpose": "periodic",
    "channel": "phone",
    "due_on": "2027-01-15",
    "note": "Ask how the Thursday reading group is going."
}))]
pub struct NewFollowUp {
    /// Required for administrators; defaults to the caller's own municipality.
    pub municipality_id: Option<Uuid>,
    /// What kind of subject it is about.
    #[schema(value_type = FollowUpSubjectKindSchema)]
    pub subject: FollowUpSubjectKind,
    /// The volunteer's, group's, unit's, recipient's or placement's id.
    pub subject_id: Uuid,
    /// Why.
    #[schema(value_type = FollowUpPurposeSchema)]
    pub purpose: FollowUpPurpose,
    /// How (default `phone`).
    #[schema(value_type = Option<ContactChannelSchema>)]
    pub channel: Option<ContactChannel>,
    /// By when.
    pub due_on: NaiveDate,
    /// A coordinator's or contact person's account whose list it goes on.
    pub assignee_id: Option<Uuid>,
    /// A few lines for coordinators and the assignee.
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// A change to a follow-up; fields not given keep their values.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "done", "outcome": "ok", "note": "Enjoys the visits; wants to go on."}))]
pub struct FollowUpChange {
    /// Another channel.
    #[schema(value_type = Option<ContactChannelSchema>)]
    pub channel: Option<ContactChannel>,
    /// Another due date.
    pub due_on: Option<NaiveDate>,
    /// Another assignee, or `null` for nobody (coordinators only).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub assignee_id: Option<Option<Uuid>>,
    /// Another note, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 2000)]
    pub note: Option<Option<String>>,
    /// `done` (with `outcome`), `missed` or `cancelled`.
    #[schema(value_type = Option<FollowUpStatusSchema>)]
    pub status: Option<FollowUpStatus>,
    /// What came of it, with `status` `done`; `action_needed` opens a concern.
    #[schema(value_type = Option<FollowUpOutcomeSchema>)]
    pub outcome: Option<FollowUpOutcome>,
}

/// Filters for the list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FollowUpQuery {
    /// Only this municipality (useful for administrators).
    pub municipality_id: Option<Uuid>,
    /// Only about this kind of subject (with `subject_id`).
    #[param(value_type = Option<FollowUpSubjectKindSchema>)]
    pub subject: Option<FollowUpSubjectKind>,
    /// Only about this subject (with `subject`).
    pub subject_id: Option<Uuid>,
    /// Only in this status.
    #[param(value_type = Option<FollowUpStatusSchema>)]
    pub status: Option<FollowUpStatus>,
    /// Only for this purpose.
    #[param(value_type = Option<FollowUpPurposeSchema>)]
    pub purpose: Option<FollowUpPurpose>,
    /// Only on this list: `me`, `none` (nobody's yet) or an account id.
    #[param(example = "me")]
    pub assignee: Option<String>,
    /// Only due before this day (whatever their status: add `status=scheduled` for those
    /// still to do).
    pub due_before: Option<NaiveDate>,
    /// `true`: only overdue ones (scheduled and due before today); `false` or absent: no
    /// such filter.
    pub overdue: Option<bool>,
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

fn bad_query(name: &str, code: &str, message: &str) -> ApiError {
    ApiError::BadRequest {
        detail: "A query parameter is not valid.".to_owned(),
        errors: vec![FieldError::new(name, code, message)],
    }
}

/// A subject named by its kind and id: both or neither.
fn subject_of(
    kind: Option<FollowUpSubjectKind>,
    id: Option<Uuid>,
) -> Result<Option<FollowUpSubject>, (&'static str, &'static str)> {
    match (kind, id) {
        (Some(kind), Some(id)) => Ok(Some(FollowUpSubject::new(kind, id))),
        (None, None) => Ok(None),
        (Some(_), None) => Err(("subject_id", "name the subject's id with its kind")),
        (None, Some(_)) => Err(("subject", "name the subject's kind with its id")),
    }
}

fn due_key(key: &[u8]) -> Option<(NaiveDate, Uuid)> {
    let (date, id) = key.split_at_checked(10)?;
    let date = std::str::from_utf8(date).ok()?.parse().ok()?;
    Some((date, Uuid::from_slice(id).ok()?))
}

fn encode_due_key((date, id): (NaiveDate, Uuid)) -> String {
    let mut key = date.format("%Y-%m-%d").to_string().into_bytes();
    key.extend_from_slice(id.as_bytes());
    encode_key(CursorList::FollowUps, &key)
}

/// Add a follow-up by hand.
///
/// About a volunteer, a group, a unit, a person visited at home or a placement, for a purpose
/// (`intro`, `first_visit_review`, `periodic`, `concern`, `exit`), by a channel, due on a day,
/// on a coordinator's or contact person's list. Coordinators and administrators. The
/// municipality's follow-up settings make the planned ones by themselves.
#[utoipa::path(
    tag = "follow-ups",
    request_body(content = NewFollowUp, example = json!({"subject": "volunteer", "subject_id": "0193a0c2-5b1e-7000-8000-000000000010", "purpose": "periodic", "channel": "phone", "due_on": "2027-01-15", "note": "Ask how the Thursday reading group is going."})),
    responses((status = 201, description = "Added.", body = FollowUpView,
        headers(("ETag" = String, description = "The version."), ("Location" = String, description = "The new resource."))))
)]
#[post("/follow-ups")]
pub async fn create_follow_up(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Json(body): Json<NewFollowUp>,
) -> Result<HttpResponse, ApiError> {
    validate! {
        municipality_id = target_municipality(&caller, body.municipality_id);
        due_on = plausible("due_on", body.due_on);
        note = field("note", optional_text(body.note.clone(), parse_note))
            .map(|n| n.map(|n| n.into_inner()));
    }
    let draft = FollowUpDraft {
        municipality_id,
        subject: FollowUpSubject::new(body.subject, body.subject_id),
        purpose: body.purpose,
        channel: body.channel.unwrap_or(ContactChannel::Phone),
        due_on,
        assignee_id: body.assignee_id.map(Into::into),
        note,
    };
    let today = state.clock.today();
    let made = state
        .db(move |conn| cases::follow_ups::create(conn, &caller, draft))
        .await?;
    let mut response = HttpResponse::Created();
    response.insert_header((
        header::LOCATION,
        format!("/api/v1/follow-ups/{}", made.follow_up.id),
    ));
    Ok(json_with_etag(
        response,
        made.follow_up.version,
        &FollowUpView::of(made, today),
    ))
}

/// List follow-ups.
///
/// Earliest due first. Filters by subject, status, purpose, assignee (`me` for the caller's
/// own list, `none` for those nobody has yet), `due_before` and `overdue`. Coordinators and
/// administrators see every follow-up of their municipality; a contact person those assigned
/// to them and those about the volunteers assigned to them. Notes show to coordinators and
/// the assignee only.
#[utoipa::path(
    tag = "follow-ups",
    params(FollowUpQuery),
    responses((status = 200, description = "A page of follow-ups.", body = FollowUpPage))
)]
#[get("/follow-ups")]
pub async fn list_follow_ups(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Query(query): Query<FollowUpQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = checked_limit(query.limit)?;
    let after = query
        .cursor
        .as_deref()
        .map(|c| {
            decode_key(CursorList::FollowUps, c).and_then(|key| {
                due_key(&key).ok_or_else(|| {
                    bad_query(
                        "cursor",
                        "invalid_cursor",
                        "must be a next_cursor value returned by this list",
                    )
                })
            })
        })
        .transpose()?;
    let subject = subject_of(query.subject, query.subject_id)
        .map_err(|(name, message)| bad_query(name, "required", message))?;
    let assignee = match query.assignee.as_deref() {
        None => None,
        Some("me") => Some(Assignee::Account(caller.id)),
        Some("none") => Some(Assignee::Nobody),
        Some(other) => Some(Assignee::Account(
            other
                .parse::<Uuid>()
                .map_err(|_| bad_query("assignee", "invalid", "must be me, none or an account id"))?
                .into(),
        )),
    };
    let today = state.clock.today();
    let filter = FollowUpFilter {
        municipality_id: query.municipality_id.map(Into::into),
        subject,
        status: query.status,
        purpose: query.purpose,
        assignee,
        due_before: query.due_before,
        overdue_on: query.overdue.unwrap_or(false).then_some(today),
    };
    let (found, next) = state
        .db(move |conn| cases::follow_ups::list(conn, &caller, &filter, after, limit))
        .await?;
    Ok(HttpResponse::Ok().json(FollowUpPage {
        items: found
            .into_iter()
            .map(|r| FollowUpView::of(r, today))
            .collect(),
        next_cursor: next.map(encode_due_key),
    }))
}

/// Read one follow-up.
///
/// With whether it is overdue and the concern it opened. Another municipality's id, or one the
/// caller does not see, is 404.
#[utoipa::path(
    tag = "follow-ups",
    params(("id" = Uuid, Path, description = "The follow-up id.")),
    responses((status = 200, description = "The follow-up.", body = FollowUpView,
        headers(("ETag" = String, description = "The version."))))
)]
#[get("/follow-ups/{id}")]
pub async fn get_follow_up(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = FollowUpId::from(id.into_inner());
    let today = state.clock.today();
    let found = state
        .db(move |conn| cases::follow_ups::get(conn, &caller, id))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        found.follow_up.version,
        &FollowUpView::of(found, today),
    ))
}

/// Change or close a follow-up.
///
/// Move it to another day, channel or assignee, write its note, or close it: `done` with an
/// `outcome` (`ok`, `concern`, `action_needed`), `missed` or `cancelled`. Done with
/// `action_needed` opens a `concern` follow-up of the same subject for the same assignee, due
/// in a week. A closed follow-up keeps all but its note (409). Coordinators change any part;
/// the assignee all but the assignee. `If-Match` guards lost updates.
#[utoipa::path(
    tag = "follow-ups",
    params(
        ("id" = Uuid, Path, description = "The follow-up id."),
        crate::extract::IfMatchHeader,
    ),
    request_body(content = FollowUpChange, example = json!({"status": "done", "outcome": "ok", "note": "Enjoys the visits; wants to go on."})),
    responses((status = 200, description = "The changed follow-up.", body = FollowUpView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[patch("/follow-ups/{id}")]
pub async fn update_follow_up(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    Json(body): Json<FollowUpChange>,
) -> Result<HttpResponse, ApiError> {
    let id = FollowUpId::from(id.into_inner());
    validate! {
        due_on = body.due_on.map(|d| plausible("due_on", d)).transpose();
        note = body
            .note
            .map(|n| field("note", optional_text(n, parse_note)).map(|n| n.map(|n| n.into_inner())))
            .transpose();
    }
    let edit = FollowUpEdit {
        channel: body.channel,
        due_on,
        assignee_id: body.assignee_id.map(|a| a.map(Into::into)),
        note,
        status: body.status,
        outcome: body.outcome,
    };
    let now = state.clock.now();
    let today = now.date_naive();
    let changed = state
        .db(move |conn| cases::follow_ups::update(conn, &caller, id, expected, edit, now))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        changed.follow_up.version,
        &FollowUpView::of(changed, today),
    ))
}

/// A contact made or tried.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactView {
    /// Its id.
    pub id: Uuid,
    /// The municipality.
    pub municipality_id: Uuid,
    /// The follow-up it was made for, if one.
    pub follow_up_id: Option<Uuid>,
    /// What kind of subject it was about.
    #[schema(value_type = FollowUpSubjectKindSchema)]
    pub subject: FollowUpSubjectKind,
    /// The subject's id.
    pub subject_id: Uuid,
    /// What people call the subject.
    pub subject_name: String,
    /// When.
    pub occurred_at: DateTime<Utc>,
    /// Who was reached or tried.
    #[schema(example = "the volunteer")]
    pub counterpart: String,
    /// How.
    #[schema(value_type = ContactChannelSchema)]
    pub channel: ContactChannel,
    /// Whether anyone was reached: a call nobody answered is `false`.
    pub reached: bool,
    /// How long, in minutes.
    pub duration_minutes: Option<i32>,
    /// A few lines; `null` for readers other than coordinators and whoever logged it.
    pub note: Option<String>,
    /// Who logged it.
    pub logged_by: Uuid,
    /// When it was logged.
    pub created_at: DateTime<Utc>,
}

impl From<ContactRecord> for ContactView {
    fn from(record: ContactRecord) -> Self {
        let c = record.contact;
        Self {
            id: c.id.into_uuid(),
            municipality_id: c.municipality_id.into_uuid(),
            follow_up_id: c.follow_up_id.map(FollowUpId::into_uuid),
            subject: c.subject.kind(),
            subject_id: c.subject.id(),
            subject_name: record.subject_name,
            occurred_at: c.occurred_at,
            counterpart: c.counterpart,
            channel: c.channel,
            reached: c.reached,
            duration_minutes: c.duration_minutes,
            note: c.note,
            logged_by: c.logged_by.into_uuid(),
            created_at: c.created_at,
        }
    }
}

/// A page of the contact log, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactPage {
    /// The contacts of this page.
    pub items: Vec<ContactView>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A contact to log: under a follow-up (`follow_up_id`) or about a subject.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "subject": "volunteer",
    "subject_id": "0193a0c2-5b1e-7000-8000-000000000010",
    "occurred_at": "2026-12-04T10:30:00Z",
    "counterpart": "the volunteer",
    "channel": "phone",
    "reached": false,
    "note": "No answer; will try again on Monday."
}))]
pub struct NewContact {
    /// The municipality, for administrators logging a contact about a subject.
    pub municipality_id: Option<Uuid>,
    /// The follow-up it was made for; its subject is the contact's.
    pub follow_up_id: Option<Uuid>,
    /// What kind of subject it was about (without a follow-up).
    #[schema(value_type = Option<FollowUpSubjectKindSchema>)]
    pub subject: Option<FollowUpSubjectKind>,
    /// The subject's id (without a follow-up).
    pub subject_id: Option<Uuid>,
    /// When (not in the future).
    pub occurred_at: DateTime<Utc>,
    /// Who was reached or tried: "the volunteer", "the ward's head nurse".
    #[schema(min_length = 1, max_length = 120)]
    pub counterpart: String,
    /// How.
    #[schema(value_type = ContactChannelSchema)]
    pub channel: ContactChannel,
    /// Whether anyone was reached.
    pub reached: bool,
    /// How long, in minutes (1 to 600).
    #[schema(minimum = 1, maximum = 600)]
    pub duration_minutes: Option<i32>,
    /// A few lines for coordinators.
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// Filters for the contact log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactQuery {
    /// Only this municipality (useful for administrators).
    pub municipality_id: Option<Uuid>,
    /// Only those made for this follow-up.
    pub follow_up_id: Option<Uuid>,
    /// Only about this kind of subject (with `subject_id`).
    #[param(value_type = Option<FollowUpSubjectKindSchema>)]
    pub subject: Option<FollowUpSubjectKind>,
    /// Only about this subject (with `subject`).
    pub subject_id: Option<Uuid>,
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// Log a contact made or tried.
///
/// Under a follow-up (name `follow_up_id`; the contact is about its subject) or on its own
/// about a subject. A call nobody answered is logged with `reached: false`: the follow-up stays
/// until it is closed. Coordinators log any; a contact person those under the follow-ups
/// assigned to them and about the volunteers assigned to them. Entries are kept as logged.
#[utoipa::path(
    tag = "follow-ups",
    request_body(content = NewContact, example = json!({"subject": "volunteer", "subject_id": "0193a0c2-5b1e-7000-8000-000000000010", "occurred_at": "2026-12-04T10:30:00Z", "counterpart": "the volunteer", "channel": "phone", "reached": false, "note": "No answer; will try again on Monday."})),
    responses((status = 201, description = "Logged.", body = ContactView,
        headers(("Location" = String, description = "The contact log, filtered to its subject."))))
)]
#[post("/contact-log")]
pub async fn log_contact(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Json(body): Json<NewContact>,
) -> Result<HttpResponse, ApiError> {
    let municipality = match (body.follow_up_id, body.municipality_id) {
        (Some(_), _) => Ok(None),
        (None, requested) => target_municipality(&caller, requested).map(Some),
    };
    validate! {
        municipality = municipality;
        subject = subject_of(body.subject, body.subject_id)
            .map_err(|(name, message)| FieldError::new(name, "required", message));
        occurred_at = field(
            "occurred_at",
            samspill_domain::dates::happened_at(body.occurred_at, state.clock.now()),
        );
        counterpart = field("counterpart", Counterpart::parse(&body.counterpart))
            .map(|c| c.into_inner());
        duration = body
            .duration_minutes
            .map(|m| field("duration_minutes", check_contact_minutes(m)))
            .transpose();
        note = field("note", optional_text(body.note.clone(), parse_note))
            .map(|n| n.map(|n| n.into_inner()));
    }
    let draft = ContactDraft {
        municipality_id: municipality,
        follow_up_id: body.follow_up_id.map(Into::into),
        subject,
        occurred_at,
        counterpart,
        channel: body.channel,
        reached: body.reached,
        duration_minutes: duration,
        note,
    };
    let logged = state
        .db(move |conn| cases::follow_ups::log_contact(conn, &caller, draft))
        .await?;
    let view = ContactView::from(logged);
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!(
                "/api/v1/contact-log?subject={}&subject_id={}",
                view.subject, view.subject_id
            ),
        ))
        .json(view))
}

/// List the contact log.
///
/// Newest first; filters by follow-up and by subject. Coordinators and administrators see
/// every contact of their municipality; a contact person those they logged, those under the
/// follow-ups assigned to them and those about the volunteers assigned to them. Notes show to
/// coordinators and whoever logged them.
#[utoipa::path(
    tag = "follow-ups",
    params(ContactQuery),
    responses((status = 200, description = "A page of the contact log.", body = ContactPage))
)]
#[get("/contact-log")]
pub async fn list_contacts(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Query(query): Query<ContactQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = checked_limit(query.limit)?;
    let after = query
        .cursor
        .as_deref()
        .map(|c| {
            decode_key(CursorList::ContactLog, c).and_then(|key| {
                Uuid::from_slice(&key).map_err(|_| {
                    bad_query(
                        "cursor",
                        "invalid_cursor",
                        "must be a next_cursor value returned by this list",
                    )
                })
            })
        })
        .transpose()?;
    let subject = subject_of(query.subject, query.subject_id)
        .map_err(|(name, message)| bad_query(name, "required", message))?;
    let filter = ContactFilter {
        municipality_id: query.municipality_id.map(Into::into),
        follow_up_id: query.follow_up_id.map(Into::into),
        subject,
    };
    let (found, next) = state
        .db(move |conn| cases::follow_ups::contacts(conn, &caller, &filter, after, limit))
        .await?;
    Ok(HttpResponse::Ok().json(ContactPage {
        items: found.into_iter().map(ContactView::from).collect(),
        next_cursor: next.map(|id| encode_cursor(CursorList::ContactLog, id)),
    }))
}

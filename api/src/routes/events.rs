//! Events for volunteers (and staff): recognition events, theme training, information meetings
//! and social gatherings. Coordinators and administrators make and run them; a municipality's
//! events are changed by its municipality-wide coordinators (they invite across districts).
//! Invitees answer at `/me/events`; a theme training grants a training credential to those who
//! attended, which requirement rules can ask for.

use crate::{
    access::target_municipality,
    auth::StaffCaller,
    cases::{
        self,
        events::{EventRecord, OwnInvitation},
    },
    error::{ApiError, FieldError},
    etag::json_with_etag,
    extract::{IfMatch, Json, Query},
    input::{double_option, field, plausible, validate},
    openapi::schemas::{
        AnswerSchema, AttendanceStatusSchema, EventKindSchema, EventStatusSchema, GrantModeSchema,
        InvitationStatusSchema,
    },
    pagination::{CursorList, PageQuery, page_of, page_request},
    state::AppState,
};
use actix_web::{HttpResponse, get, http::header, patch, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use samspill_domain::{
    event::{
        Answer, Attendance, AttendanceStatus, EventAudience, EventKind, EventSession, EventStatus,
        GrantMode, Invitation, InvitationStatus, Invitee, SessionDraft, TrainingCredential,
        TrainingGrant, check_sessions, parse_training_code,
    },
    ids::{EventSessionId, InvitationId, VolunteerEventId, VolunteerId},
    text::{Name, Text},
};
use samspill_persistence::events::{
    AttendanceMark, EventDraft, EventFilter, InvitationFilter, NewCredential,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// One session of an event.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// Its id (attendance is recorded per session).
    pub id: Uuid,
    /// Its place in the event, from 1.
    pub position: i16,
    /// When it starts.
    pub starts_at: DateTime<Utc>,
    /// When it ends.
    pub ends_at: DateTime<Utc>,
    /// Where.
    pub place: String,
}

impl From<EventSession> for SessionView {
    fn from(s: EventSession) -> Self {
        Self {
            id: s.id.into_uuid(),
            position: s.position,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            place: s.place,
        }
    }
}

/// Who is invited when the event is published.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AudienceBody {
    /// Every approved volunteer of the municipality.
    #[serde(default)]
    pub all_approved: bool,
    /// The municipality's coordinators and contact persons with an account.
    #[serde(default)]
    pub staff: bool,
    /// The approved volunteers whose home unit is one of these or below one of them.
    #[serde(default)]
    pub unit_ids: Vec<Uuid>,
    /// These volunteers (whatever their status).
    #[serde(default)]
    pub volunteer_ids: Vec<Uuid>,
    /// These groups (they answer with the seats they need).
    #[serde(default)]
    pub group_ids: Vec<Uuid>,
}

impl From<EventAudience> for AudienceBody {
    fn from(a: EventAudience) -> Self {
        Self {
            all_approved: a.all_approved,
            staff: a.staff,
            unit_ids: a.unit_ids.into_iter().map(|u| u.into_uuid()).collect(),
            volunteer_ids: a.volunteer_ids.into_iter().map(|u| u.into_uuid()).collect(),
            group_ids: a.group_ids.into_iter().map(|u| u.into_uuid()).collect(),
        }
    }
}

const MAX_NAMED: usize = 1000;

fn parse_audience(body: AudienceBody) -> Result<EventAudience, FieldError> {
    if body.unit_ids.len() + body.volunteer_ids.len() + body.group_ids.len() > MAX_NAMED {
        return Err(FieldError::new(
            "audience",
            "too_many",
            format!("name at most {MAX_NAMED} units, volunteers and groups together"),
        ));
    }
    Ok(EventAudience {
        all_approved: body.all_approved,
        staff: body.staff,
        unit_ids: body.unit_ids.into_iter().map(Into::into).collect(),
        volunteer_ids: body.volunteer_ids.into_iter().map(Into::into).collect(),
        group_ids: body.group_ids.into_iter().map(Into::into).collect(),
    })
}

/// How an event's invitations stand.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationCountsView {
    /// Not answered yet.
    pub invited: i64,
    /// Coming, with a place.
    pub registered: i64,
    /// On the waiting list.
    pub waitlisted: i64,
    /// Not coming.
    pub declined: i64,
}

/// An event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    /// Its id.
    pub id: Uuid,
    /// The municipality.
    pub municipality_id: Uuid,
    /// What kind.
    #[schema(value_type = EventKindSchema)]
    pub kind: EventKind,
    /// Its title.
    pub title: String,
    /// What it is about.
    pub description: Option<String>,
    /// Where it stands.
    #[schema(value_type = EventStatusSchema)]
    pub status: EventStatus,
    /// Its sessions, in order.
    pub sessions: Vec<SessionView>,
    /// Places, in seats; `null`: no limit.
    pub capacity: Option<i32>,
    /// Seats taken by those registered.
    pub seats_taken: i64,
    /// Places still free; `null` without a limit.
    pub places_free: Option<i64>,
    /// Answers are taken from then; `null`: from publishing.
    pub registration_opens_at: Option<DateTime<Utc>>,
    /// Answers are taken until then; `null`: until the first session starts.
    pub registration_closes_at: Option<DateTime<Utc>>,
    /// Who is invited when it is published.
    pub audience: AudienceBody,
    /// The training credential a theme training grants those who attended.
    #[schema(example = "dementia_basics")]
    pub grants_training: Option<String>,
    /// Which attendance grants it.
    #[schema(value_type = Option<GrantModeSchema>)]
    pub grant_mode: Option<GrantMode>,
    /// How long the credential counts, in months; `null`: it does not run out.
    pub grant_validity_months: Option<u16>,
    /// When the credentials were granted; `null` until a coordinator confirms.
    pub credentials_granted_at: Option<DateTime<Utc>>,
    /// Who confirmed the grant.
    pub credentials_granted_by: Option<Uuid>,
    /// How its invitations stand.
    pub invitations: InvitationCountsView,
    /// Who made it.
    pub created_by: Option<Uuid>,
    /// Raised by every change (also by answers and attendance); also the ETag.
    pub version: i32,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<EventRecord> for EventView {
    fn from(r: EventRecord) -> Self {
        let e = r.event;
        Self {
            id: e.id.into_uuid(),
            municipality_id: e.municipality_id.into_uuid(),
            kind: e.kind,
            title: e.title,
            description: e.description,
            status: e.status,
            sessions: r.sessions.into_iter().map(SessionView::from).collect(),
            capacity: e.capacity,
            seats_taken: r.counts.seats_taken,
            places_free: e
                .capacity
                .map(|c| (i64::from(c) - r.counts.seats_taken).max(0)),
            registration_opens_at: e.registration_opens_at,
            registration_closes_at: e.registration_closes_at,
            audience: AudienceBody::from(e.audience),
            grants_training: e.grant.as_ref().map(|g| g.training.clone()),
            grant_mode: e.grant.as_ref().map(|g| g.mode),
            grant_validity_months: e.grant.as_ref().and_then(|g| g.validity_months),
            credentials_granted_at: e.credentials_granted_at,
            credentials_granted_by: e.credentials_granted_by.map(|b| b.into_uuid()),
            invitations: InvitationCountsView {
                invited: r.counts.invited,
                registered: r.counts.registered,
                waitlisted: r.counts.waitlisted,
                declined: r.counts.declined,
            },
            created_by: e.created_by.map(|b| b.into_uuid()),
            version: e.version,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

page_of!(EventPage, EventView, CursorList::Events);

/// A session as given.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionBody {
    /// When it starts.
    pub starts_at: DateTime<Utc>,
    /// When it ends (after it starts, at most 24 hours later).
    pub ends_at: DateTime<Utc>,
    /// Where.
    #[schema(
        min_length = 1,
        max_length = 200,
        example = "Kultursalen, Solsiden sykehjem"
    )]
    pub place: String,
}

/// A new event (a draft: nobody is invited until it is published).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "theme_training",
    "title": "Demensomsorg – grunnkurs",
    "description": "Two evenings on meeting people with dementia: communication, calm and confidentiality.",
    "sessions": [
        {"starts_at": "2027-01-12T16:00:00Z", "ends_at": "2027-01-12T19:00:00Z", "place": "Kultursalen, Solsiden sykehjem"},
        {"starts_at": "2027-01-19T16:00:00Z", "ends_at": "2027-01-19T19:00:00Z", "place": "Kultursalen, Solsiden sykehjem"}
    ],
    "capacity": 20,
    "audience": {"all_approved": true},
    "grants_training": "dementia_basics",
    "grant_mode": "all_sessions",
    "grant_validity_months": 36
}))]
pub struct NewEvent {
    /// Required for administrators; defaults to the caller's own municipality.
    pub municipality_id: Option<Uuid>,
    /// What kind.
    #[schema(value_type = EventKindSchema)]
    pub kind: EventKind,
    /// Its title.
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// What it is about.
    #[schema(max_length = 4000)]
    pub description: Option<String>,
    /// One to 20 sessions.
    pub sessions: Vec<SessionBody>,
    /// Places, in seats (1-100000); leave out for no limit. Over it, answers go to a waiting
    /// list.
    #[schema(minimum = 1, maximum = 100000)]
    pub capacity: Option<i32>,
    /// Answers are taken from then (default: from publishing).
    pub registration_opens_at: Option<DateTime<Utc>>,
    /// Answers are taken until then (default: until the first session starts).
    pub registration_closes_at: Option<DateTime<Utc>>,
    /// Who is invited when it is published.
    pub audience: AudienceBody,
    /// For a theme training: the training credential it grants those who attended.
    #[schema(example = "dementia_basics")]
    pub grants_training: Option<String>,
    /// Which attendance grants it (default `all_sessions`).
    #[schema(value_type = Option<GrantModeSchema>)]
    pub grant_mode: Option<GrantMode>,
    /// How long the credential counts, in months (1-240); leave out if it does not run out.
    #[schema(minimum = 1, maximum = 240)]
    pub grant_validity_months: Option<u16>,
}

fn parse_title(raw: &str) -> Result<String, FieldError> {
    field("title", Name::<200>::parse(raw).map(Name::into_inner))
}

fn parse_description(raw: Option<String>) -> Result<Option<String>, FieldError> {
    raw.map(|d| field("description", Text::<4000>::parse(&d).map(Text::into_inner)))
        .transpose()
        .map(|d| d.filter(|d| !d.is_empty()))
}

/// A moment of the registration window, within the years a record can carry.
fn parse_moment(
    name: &'static str,
    at: Option<DateTime<Utc>>,
) -> Result<Option<DateTime<Utc>>, FieldError> {
    at.map(|at| field(name, samspill_domain::dates::plausible_at(at)))
        .transpose()
}

fn parse_capacity(capacity: Option<i32>) -> Result<Option<i32>, FieldError> {
    match capacity {
        Some(c) if !(1..=100_000).contains(&c) => Err(FieldError::new(
            "capacity",
            "out_of_range",
            "must be between 1 and 100000",
        )),
        other => Ok(other),
    }
}

fn parse_sessions(raw: Vec<SessionBody>) -> Result<Vec<SessionDraft>, ApiError> {
    check_sessions(
        raw.into_iter()
            .map(|s| SessionDraft {
                starts_at: s.starts_at,
                ends_at: s.ends_at,
                place: s.place,
            })
            .collect(),
    )
    .map_err(ApiError::fields)
}

fn parse_grant(
    training: Option<String>,
    mode: Option<GrantMode>,
    validity: Option<u16>,
) -> Result<Option<TrainingGrant>, FieldError> {
    match training {
        Some(raw) => Ok(Some(TrainingGrant {
            training: field("grants_training", parse_training_code(&raw))?,
            mode: mode.unwrap_or(GrantMode::AllSessions),
            validity_months: validity,
        })),
        None if mode.is_some() || validity.is_some() => Err(FieldError::new(
            "grants_training",
            "required",
            "grant_mode and grant_validity_months go with grants_training",
        )),
        None => Ok(None),
    }
}

/// Make an event.
///
/// A draft with its sessions: nobody is invited until it is published
/// (`POST /events/{id}/transitions` with `to: published`), when everyone its audience names is
/// invited. Only a `theme_training` grants a training credential. Municipality-wide coordinators
/// and administrators.
#[utoipa::path(
    tag = "events",
    request_body = NewEvent,
    responses((status = 201, description = "The draft event.", body = EventView,
        headers(("ETag" = String, description = "Its version."),
                ("Location" = String, description = "Where it is."))))
)]
#[post("/events")]
pub async fn create_event(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Json(body): Json<NewEvent>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    validate! {
        municipality = target_municipality(&caller, body.municipality_id);
        title = parse_title(&body.title);
        description = parse_description(body.description);
        capacity = parse_capacity(body.capacity);
        audience = parse_audience(body.audience);
        grant = parse_grant(body.grants_training, body.grant_mode, body.grant_validity_months);
        registration_opens_at = parse_moment("registration_opens_at", body.registration_opens_at);
        registration_closes_at =
            parse_moment("registration_closes_at", body.registration_closes_at);
    }
    let sessions = parse_sessions(body.sessions)?;
    let draft = EventDraft {
        kind: body.kind,
        title,
        description,
        capacity,
        registration_opens_at,
        registration_closes_at,
        audience,
        grant,
    };
    let now = state.clock.now();
    let created = state
        .db(move |conn| cases::events::create(conn, &caller, municipality, draft, sessions, now))
        .await?;
    let mut response = HttpResponse::Created();
    response.insert_header((
        header::LOCATION,
        format!("/api/v1/events/{}", created.event.id),
    ));
    Ok(json_with_etag(
        response,
        created.event.version,
        &EventView::from(created),
    ))
}

/// Which events.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Only this municipality (useful for administrators).
    pub municipality_id: Option<Uuid>,
    /// Only of this kind.
    #[param(value_type = Option<EventKindSchema>)]
    pub kind: Option<EventKind>,
    /// Only in this status.
    #[param(value_type = Option<EventStatusSchema>)]
    pub status: Option<EventStatus>,
    /// Only those granting this training credential.
    pub training: Option<String>,
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// List events.
///
/// Filtered by kind, status and the training granted; keyset-paged in id order. Coordinators
/// and administrators. Volunteers and staff read the events they are invited to at
/// `/me/events`.
#[utoipa::path(
    tag = "events",
    params(EventQuery),
    responses((status = 200, description = "A page of events.", body = EventPage))
)]
#[get("/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Query(query): Query<EventQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let page = page_request(CursorList::Events, query.limit, query.cursor.as_deref())?;
    let training = query
        .training
        .map(|t| field("training", parse_training_code(&t)))
        .transpose()
        .map_err(|e| ApiError::Validation(vec![e]))?;
    let filter = EventFilter {
        municipality_id: query.municipality_id.map(Into::into),
        kind: query.kind,
        status: query.status,
        training,
    };
    let found = state
        .db(move |conn| cases::events::list(conn, &caller, &filter, page))
        .await?;
    Ok(HttpResponse::Ok().json(EventPage::from_page(found)))
}

/// Read one event.
///
/// With its sessions and how its invitations stand. Coordinators and administrators; another
/// municipality's id is 404.
#[utoipa::path(
    tag = "events",
    params(("id" = Uuid, Path, description = "The event id.")),
    responses((status = 200, description = "The event.", body = EventView,
        headers(("ETag" = String, description = "The version."))))
)]
#[get("/events/{id}")]
pub async fn get_event(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = VolunteerEventId::from(id.into_inner());
    let found = state
        .db(move |conn| cases::events::get(conn, &caller, id))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        found.event.version,
        &EventView::from(found),
    ))
}

/// A change to an event; fields not given keep their values.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"capacity": 25, "description": "Two evenings; coffee and cake from 17:30."}))]
pub struct EventChangeBody {
    /// What kind (drafts only).
    #[schema(value_type = Option<EventKindSchema>)]
    pub kind: Option<EventKind>,
    /// Its title.
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    /// What it is about, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 4000)]
    pub description: Option<Option<String>>,
    /// The sessions, all of them (drafts only).
    pub sessions: Option<Vec<SessionBody>>,
    /// Places, or `null` for no limit. More places move the waiting list up.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>, nullable, minimum = 1, maximum = 100000)]
    pub capacity: Option<Option<i32>>,
    /// Answers are taken from then, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<DateTime<Utc>>, nullable)]
    pub registration_opens_at: Option<Option<DateTime<Utc>>>,
    /// Answers are taken until then, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<DateTime<Utc>>, nullable)]
    pub registration_closes_at: Option<Option<DateTime<Utc>>>,
    /// Who is invited (drafts only).
    pub audience: Option<AudienceBody>,
    /// The training credential granted, or `null` for none.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub grants_training: Option<Option<String>>,
    /// Which attendance grants it.
    #[schema(value_type = Option<GrantModeSchema>)]
    pub grant_mode: Option<GrantMode>,
    /// How long the credential counts in months, or `null` if it does not run out.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<u16>, nullable, minimum = 1, maximum = 240)]
    pub grant_validity_months: Option<Option<u16>>,
}

/// Change an event.
///
/// A draft may change in everything; a published event in its title, description, capacity
/// and registration window (more places move the waiting list up; fewer than the seats already
/// taken is 422); a held or closed one only in its description and, until its credentials are
/// granted, what it grants. Anything else is 409. Municipality-wide coordinators and
/// administrators, with `If-Match`.
#[utoipa::path(
    tag = "events",
    params(
        ("id" = Uuid, Path, description = "The event id."),
        crate::extract::IfMatchHeader,
    ),
    request_body = EventChangeBody,
    responses((status = 200, description = "The changed event.", body = EventView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[patch("/events/{id}")]
pub async fn update_event(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    Json(body): Json<EventChangeBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = VolunteerEventId::from(id.into_inner());
    validate! {
        title = body.title.as_deref().map(parse_title).transpose();
        description = body.description.map(parse_description).transpose();
        capacity = body.capacity.map(parse_capacity).transpose();
        audience = body.audience.map(parse_audience).transpose();
        training = body
            .grants_training
            .map(|t| t.map(|t| field("grants_training", parse_training_code(&t))).transpose())
            .transpose();
        validity = match body.grant_validity_months {
            Some(Some(m)) if !(1..=240).contains(&m) => Err(FieldError::new(
                "grant_validity_months",
                "out_of_range",
                "must be between 1 and 240",
            )),
            other => Ok(other),
        };
        opens = body
            .registration_opens_at
            .map(|at| parse_moment("registration_opens_at", at))
            .transpose();
        closes = body
            .registration_closes_at
            .map(|at| parse_moment("registration_closes_at", at))
            .transpose();
    }
    let sessions = body.sessions.map(parse_sessions).transpose()?;
    let (kind, mode) = (body.kind, body.grant_mode);
    let grant_details = mode.is_some() || validity.is_some();
    let change = move |draft: &mut EventDraft| {
        if let Some(kind) = kind {
            draft.kind = kind;
        }
        if let Some(title) = title {
            draft.title = title;
        }
        if let Some(description) = description {
            draft.description = description;
        }
        if let Some(capacity) = capacity {
            draft.capacity = capacity;
        }
        if let Some(opens) = opens {
            draft.registration_opens_at = opens;
        }
        if let Some(closes) = closes {
            draft.registration_closes_at = closes;
        }
        if let Some(audience) = audience {
            draft.audience = audience;
        }
        match training {
            Some(None) => draft.grant = None,
            Some(Some(training)) => {
                let current = draft.grant.take();
                draft.grant = Some(TrainingGrant {
                    training,
                    mode: current.as_ref().map_or(GrantMode::AllSessions, |g| g.mode),
                    validity_months: current.and_then(|g| g.validity_months),
                });
            }
            None => {}
        }
        match draft.grant.as_mut() {
            Some(grant) => {
                if let Some(mode) = mode {
                    grant.mode = mode;
                }
                if let Some(validity) = validity {
                    grant.validity_months = validity;
                }
            }
            None if grant_details => {
                return Err(FieldError::new(
                    "grants_training",
                    "required",
                    "grant_mode and grant_validity_months go with grants_training, and this \
                     event grants no training credential",
                ));
            }
            None => {}
        }
        Ok(())
    };
    let updated = state
        .db(move |conn| cases::events::update(conn, &caller, id, expected, change, sessions))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        updated.event.version,
        &EventView::from(updated),
    ))
}

/// A status change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"to": "published"}))]
pub struct EventTransitionBody {
    /// `published` (invites the audience), `held` (once the last session has started),
    /// `closed` (once attendance is recorded for everyone registered at every session) or
    /// `cancelled`.
    #[schema(value_type = EventStatusSchema)]
    pub to: EventStatus,
}

/// Move an event along its lifecycle.
///
/// `draft → published → held → closed`, and `draft | published | held → cancelled`.
/// Publishing invites everyone the audience names at that moment (approved volunteers of all
/// or some units, named volunteers and groups, staff); `held` needs the last session to have
/// started; `closed` needs attendance for everyone registered at every session. A step the
/// lifecycle does not allow is 409. Municipality-wide coordinators and administrators, with
/// `If-Match`.
#[utoipa::path(
    tag = "events",
    params(
        ("id" = Uuid, Path, description = "The event id."),
        crate::extract::IfMatchHeader,
    ),
    request_body = EventTransitionBody,
    responses((status = 200, description = "The event in its new status.", body = EventView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[post("/events/{id}/transitions")]
pub async fn transition_event(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    Json(body): Json<EventTransitionBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = VolunteerEventId::from(id.into_inner());
    let (to, now) = (body.to, state.clock.now());
    let updated = state
        .db(move |conn| cases::events::transition(conn, &caller, id, expected, to, now))
        .await?;
    crate::metrics::event_step(to.as_str());
    Ok(json_with_etag(
        HttpResponse::Ok(),
        updated.event.version,
        &EventView::from(updated),
    ))
}

/// An invitation and its answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationView {
    /// Its id.
    pub id: Uuid,
    /// The event.
    pub event_id: Uuid,
    /// The volunteer invited (or `null`).
    pub volunteer_id: Option<Uuid>,
    /// The group invited (or `null`).
    pub group_id: Option<Uuid>,
    /// The staff account invited (or `null`).
    pub staff_user_id: Option<Uuid>,
    /// The answer.
    #[schema(value_type = InvitationStatusSchema)]
    pub status: InvitationStatus,
    /// Seats taken when registered (a group's as many as it brings).
    pub seats: i32,
    /// When it was last answered.
    pub answered_at: Option<DateTime<Utc>>,
    /// The coordinator who answered on the invitee's behalf; `null` when the invitee did.
    pub answered_by: Option<Uuid>,
    /// When it joined the waiting list (its place in the queue).
    pub waitlisted_at: Option<DateTime<Utc>>,
    /// Raised by every answer.
    pub version: i32,
    /// When it was sent.
    pub created_at: DateTime<Utc>,
    /// In the list of an event's invitations, for a volunteer: whether their consent to be
    /// photographed at events is in force (`false` once withdrawn, or never given). `null`
    /// elsewhere and for groups and staff.
    pub photos_allowed: Option<bool>,
}

impl From<Invitation> for InvitationView {
    fn from(i: Invitation) -> Self {
        let (volunteer_id, group_id, staff_user_id) = match i.invitee {
            Invitee::Volunteer(v) => (Some(v.into_uuid()), None, None),
            Invitee::Group(g) => (None, Some(g.into_uuid()), None),
            Invitee::Staff(s) => (None, None, Some(s.into_uuid())),
        };
        Self {
            id: i.id.into_uuid(),
            event_id: i.event_id.into_uuid(),
            volunteer_id,
            group_id,
            staff_user_id,
            status: i.status,
            seats: i.seats,
            answered_at: i.answered_at,
            answered_by: i.answered_by.map(|b| b.into_uuid()),
            waitlisted_at: i.waitlisted_at,
            version: i.version,
            created_at: i.created_at,
            photos_allowed: None,
        }
    }
}

page_of!(InvitationPage, InvitationView, CursorList::EventInvitations);

/// Which invitations.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InvitationQuery {
    /// Only with this answer (`waitlisted`: the waiting list).
    #[param(value_type = Option<InvitationStatusSchema>)]
    pub status: Option<InvitationStatus>,
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// List an event's invitations.
///
/// Everyone invited and their answers, filtered by answer; keyset-paged in id order.
/// Coordinators and administrators.
#[utoipa::path(
    tag = "events",
    params(("id" = Uuid, Path, description = "The event id."), InvitationQuery),
    responses((status = 200, description = "A page of invitations.", body = InvitationPage))
)]
#[get("/events/{id}/invitations")]
pub async fn list_event_invitations(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Query(query): Query<InvitationQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = VolunteerEventId::from(id.into_inner());
    let page = page_request(
        CursorList::EventInvitations,
        query.limit,
        query.cursor.as_deref(),
    )?;
    let filter = InvitationFilter {
        status: query.status,
    };
    let (found, photos) = state
        .db(move |conn| {
            let found = cases::events::invitations(conn, &caller, id, &filter, page)?;
            let photos = cases::consents::photos_allowed(conn, &found.items)?;
            Ok((found, photos))
        })
        .await?;
    let mut page = InvitationPage::from_page(found);
    for invitation in &mut page.items {
        invitation.photos_allowed = invitation
            .volunteer_id
            .map(|volunteer| photos.contains(&volunteer));
    }
    Ok(HttpResponse::Ok().json(page))
}

/// More people to invite.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"volunteer_ids": ["0193a0c2-5b1e-7000-8000-000000000002"]}))]
pub struct NewInvitations {
    /// Volunteers of the municipality.
    #[serde(default)]
    pub volunteer_ids: Vec<Uuid>,
    /// Groups of the municipality.
    #[serde(default)]
    pub group_ids: Vec<Uuid>,
    /// Staff accounts of the municipality.
    #[serde(default)]
    pub staff_user_ids: Vec<Uuid>,
}

/// The event after inviting more people.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitedView {
    /// How many were newly invited (those already invited are left as they are).
    pub invited: usize,
    /// The event.
    pub event: EventView,
}

/// Invite more people to a published event.
///
/// Volunteers, groups and staff accounts of the municipality; those already invited keep their
/// answer. Someone not of the municipality is 422 on the field. Municipality-wide coordinators
/// and administrators.
#[utoipa::path(
    tag = "events",
    params(("id" = Uuid, Path, description = "The event id.")),
    request_body = NewInvitations,
    responses((status = 200, description = "How many were invited, and the event.", body = InvitedView))
)]
#[post("/events/{id}/invitations")]
pub async fn invite_to_event(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Json(body): Json<NewInvitations>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = VolunteerEventId::from(id.into_inner());
    let total = body.volunteer_ids.len() + body.group_ids.len() + body.staff_user_ids.len();
    if total == 0 || total > MAX_NAMED {
        return Err(ApiError::invalid(
            "volunteer_ids",
            "out_of_range",
            format!("name 1 to {MAX_NAMED} volunteers, groups and staff accounts together"),
        ));
    }
    let invitees: Vec<Invitee> = body
        .volunteer_ids
        .into_iter()
        .map(|v| Invitee::Volunteer(v.into()))
        .chain(body.group_ids.into_iter().map(|g| Invitee::Group(g.into())))
        .chain(
            body.staff_user_ids
                .into_iter()
                .map(|s| Invitee::Staff(s.into())),
        )
        .collect();
    let now = state.clock.now();
    let (event, invited) = state
        .db(move |conn| cases::events::invite(conn, &caller, id, invitees, now))
        .await?;
    Ok(HttpResponse::Ok().json(InvitedView {
        invited,
        event: EventView::from(event),
    }))
}

/// An answer to an invitation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"answer": "yes"}))]
pub struct AnswerBody {
    /// `yes` takes a place, or a place on the waiting list when the event is full; `no` gives
    /// a place up, and the first on the waiting list moves up.
    #[schema(value_type = AnswerSchema)]
    pub answer: Answer,
    /// For a group: the seats it needs (1-1000). A person takes one.
    #[schema(minimum = 1, maximum = 1000)]
    pub seats: Option<i32>,
}

/// Answer an invitation on the invitee's behalf.
///
/// A coordinator records what a volunteer, group or staff member said (by phone, at the
/// door), also outside the registration window, while the event is published. `yes` takes a
/// place or a place on the waiting list (first come, first served); `no` frees the place and
/// moves the waiting list up. A group with a place may ask for fewer seats, or for more while
/// they are free and nobody waits. With `If-Match` (the invitation's version) an answer given
/// meanwhile is not overwritten. Municipality-wide coordinators and administrators.
#[utoipa::path(
    tag = "events",
    params(
        ("id" = Uuid, Path, description = "The event id."),
        ("invitation_id" = Uuid, Path, description = "The invitation id."),
        crate::extract::IfMatchHeader,
    ),
    request_body = AnswerBody,
    responses((status = 200, description = "The invitation with its answer.", body = InvitationView,
        headers(("ETag" = String, description = "The invitation's version."))))
)]
#[post("/events/{id}/invitations/{invitation_id}/answer")]
pub async fn answer_invitation(
    state: web::Data<AppState>,
    caller: StaffCaller,
    path: web::Path<(Uuid, Uuid)>,
    IfMatch(expected): IfMatch,
    Json(body): Json<AnswerBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let (id, invitation) = path.into_inner();
    let (id, invitation) = (VolunteerEventId::from(id), InvitationId::from(invitation));
    let (answer, seats, now) = (body.answer, body.seats, state.clock.now());
    let stored = state
        .db(move |conn| {
            cases::events::answer_for(
                conn,
                &caller,
                id,
                invitation,
                expected,
                (answer, seats),
                now,
            )
        })
        .await?;
    crate::metrics::event_answer(stored.status.as_str());
    Ok(json_with_etag(
        HttpResponse::Ok(),
        stored.version,
        &InvitationView::from(stored),
    ))
}

/// Attendance of one registered invitee at one session.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttendanceView {
    /// The session.
    pub session_id: Uuid,
    /// The invitation.
    pub invitation_id: Uuid,
    /// Came or not.
    #[schema(value_type = AttendanceStatusSchema)]
    pub status: AttendanceStatus,
    /// Why not, when excused.
    pub reason: Option<String>,
    /// Who recorded it.
    pub recorded_by: Option<Uuid>,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

impl From<Attendance> for AttendanceView {
    fn from(a: Attendance) -> Self {
        Self {
            session_id: a.session_id.into_uuid(),
            invitation_id: a.invitation_id.into_uuid(),
            status: a.status,
            reason: a.reason,
            recorded_by: a.recorded_by.map(|b| b.into_uuid()),
            recorded_at: a.recorded_at,
        }
    }
}

/// The attendance just recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttendanceList {
    /// One per person in the request, in invitation order.
    pub items: Vec<AttendanceView>,
}

page_of!(AttendancePage, AttendanceView, CursorList::EventAttendance);

/// Read the attendance at a session.
///
/// The attendance recorded at one session, keyset-paged in invitation order. Municipality-wide
/// coordinators and administrators; a session of another event is 404.
#[utoipa::path(
    tag = "events",
    params(
        ("id" = Uuid, Path, description = "The event id."),
        ("session_id" = Uuid, Path, description = "The session id."),
        PageQuery,
    ),
    responses((status = 200, description = "A page of attendance.", body = AttendancePage))
)]
#[get("/events/{id}/sessions/{session_id}/attendance")]
pub async fn list_event_attendance(
    state: web::Data<AppState>,
    caller: StaffCaller,
    path: web::Path<(Uuid, Uuid)>,
    Query(query): Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let (id, session) = path.into_inner();
    let (id, session) = (VolunteerEventId::from(id), EventSessionId::from(session));
    let page = page_request(
        CursorList::EventAttendance,
        query.limit,
        query.cursor.as_deref(),
    )?;
    let found = state
        .db(move |conn| cases::events::attendance(conn, &caller, id, session, page))
        .await?;
    Ok(HttpResponse::Ok().json(AttendancePage::from_page(found)))
}

/// One person's attendance at the session.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceMarkBody {
    /// The invitation of someone registered.
    pub invitation_id: Uuid,
    /// Came or not.
    #[schema(value_type = AttendanceStatusSchema)]
    pub status: AttendanceStatus,
    /// Why not, when excused (no health details).
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// Attendance at one session.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"attendance": [
    {"invitation_id": "0193a0c2-5b1e-7000-8000-000000000003", "status": "attended"},
    {"invitation_id": "0193a0c2-5b1e-7000-8000-000000000004", "status": "excused", "reason": "Away that week"}
]}))]
pub struct AttendanceBody {
    /// One to 1000 people registered; recording someone again corrects it.
    pub attendance: Vec<AttendanceMarkBody>,
}

/// Record attendance at a session.
///
/// For people registered, once the session has started, while the event is published or held
/// (closing makes it final). Recording someone again corrects it. Someone not registered is
/// 422 on the entry. With `If-Match` (the event's version, which recording raises) nothing
/// recorded meanwhile is overwritten. Municipality-wide coordinators and administrators.
#[utoipa::path(
    tag = "events",
    params(
        ("id" = Uuid, Path, description = "The event id."),
        ("session_id" = Uuid, Path, description = "The session id."),
        crate::extract::IfMatchHeader,
    ),
    request_body = AttendanceBody,
    responses((status = 200, description = "The attendance recorded by this request.", body = AttendanceList))
)]
#[put("/events/{id}/sessions/{session_id}/attendance")]
pub async fn record_event_attendance(
    state: web::Data<AppState>,
    caller: StaffCaller,
    path: web::Path<(Uuid, Uuid)>,
    IfMatch(expected): IfMatch,
    Json(body): Json<AttendanceBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let (id, session) = path.into_inner();
    let (id, session) = (VolunteerEventId::from(id), EventSessionId::from(session));
    if body.attendance.is_empty() || body.attendance.len() > MAX_NAMED {
        return Err(ApiError::invalid(
            "attendance",
            "out_of_range",
            format!("give 1 to {MAX_NAMED} entries"),
        ));
    }
    let mut errors = Vec::new();
    let mut marks = Vec::with_capacity(body.attendance.len());
    for (n, mark) in body.attendance.into_iter().enumerate() {
        let reason = match mark.reason {
            Some(raw) => match Text::<500>::parse(&raw) {
                Ok(text) => Some(text.into_inner()).filter(|r| !r.is_empty()),
                Err(e) => {
                    errors.push(FieldError::parse(format!("attendance[{n}].reason"), &e));
                    None
                }
            },
            None => None,
        };
        marks.push(AttendanceMark {
            invitation_id: mark.invitation_id.into(),
            status: mark.status,
            reason,
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let now = state.clock.now();
    let found = state
        .db(move |conn| {
            cases::events::record_attendance(conn, &caller, id, session, expected, marks, now)
        })
        .await?;
    Ok(HttpResponse::Ok().json(AttendanceList {
        items: found.into_iter().map(AttendanceView::from).collect(),
    }))
}

/// A training credential of a volunteer.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrainingCredentialView {
    /// Its id.
    pub id: Uuid,
    /// The volunteer.
    pub volunteer_id: Uuid,
    /// The training's code.
    #[schema(example = "dementia_basics")]
    pub training: String,
    /// When it was completed.
    pub completed_on: NaiveDate,
    /// The last day it counts; `null`: it does not run out.
    pub valid_until: Option<NaiveDate>,
    /// The theme training that granted it; `null` when recorded for training elsewhere.
    pub event_id: Option<Uuid>,
    /// A note (the event's title, or where the training was taken).
    pub note: Option<String>,
    /// Who granted or recorded it.
    pub granted_by: Option<Uuid>,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<TrainingCredential> for TrainingCredentialView {
    fn from(c: TrainingCredential) -> Self {
        Self {
            id: c.id.into_uuid(),
            volunteer_id: c.volunteer_id.into_uuid(),
            training: c.training,
            completed_on: c.completed_on,
            valid_until: c.valid_until,
            event_id: c.event_id.map(|e| e.into_uuid()),
            note: c.note,
            granted_by: c.granted_by.map(|g| g.into_uuid()),
            created_at: c.created_at,
        }
    }
}

page_of!(
    TrainingCredentialPage,
    TrainingCredentialView,
    CursorList::TrainingCredentials
);

/// The credentials a theme training granted.
#[derive(Debug, Serialize, ToSchema)]
pub struct GrantedView {
    /// The credentials granted, one per volunteer whose attendance counts.
    pub granted: Vec<TrainingCredentialView>,
    /// The event, with `credentials_granted_at` set.
    pub event: EventView,
}

/// Grant a theme training's credentials.
///
/// The coordinator's confirmation, once the event is closed: every volunteer registered whose
/// attendance the grant mode counts (every session, or any) gets the training credential,
/// completed on the last session that counts and valid for the event's validity. Once only
/// (409 after); an event that grants nothing, or is not closed, is 409. Clearance sees the
/// credentials at once. Municipality-wide coordinators and administrators, with `If-Match`.
#[utoipa::path(
    tag = "events",
    params(
        ("id" = Uuid, Path, description = "The event id."),
        crate::extract::IfMatchHeader,
    ),
    responses((status = 200, description = "The credentials granted and the event.", body = GrantedView,
        headers(("ETag" = String, description = "The event's new version."))))
)]
#[post("/events/{id}/credential-grants")]
pub async fn grant_event_credentials(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = VolunteerEventId::from(id.into_inner());
    let now = state.clock.now();
    let (event, granted) = state
        .db(move |conn| cases::events::grant(conn, &caller, id, expected, now))
        .await?;
    crate::metrics::training_credentials_granted(granted.len());
    Ok(json_with_etag(
        HttpResponse::Ok(),
        event.event.version,
        &GrantedView {
            granted: granted
                .into_iter()
                .map(TrainingCredentialView::from)
                .collect(),
            event: EventView::from(event),
        },
    ))
}

/// List a volunteer's training credentials.
///
/// Granted by theme trainings attended or recorded for training elsewhere; keyset-paged in id
/// order. Coordinators and administrators who manage the volunteer.
#[utoipa::path(
    tag = "events",
    params(("id" = Uuid, Path, description = "The volunteer id."), PageQuery),
    responses((status = 200, description = "A page of credentials.", body = TrainingCredentialPage))
)]
#[get("/volunteers/{id}/training-credentials")]
pub async fn list_training_credentials(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Query(query): Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = VolunteerId::from(id.into_inner());
    let page = page_request(
        CursorList::TrainingCredentials,
        query.limit,
        query.cursor.as_deref(),
    )?;
    let found = state
        .db(move |conn| cases::events::credentials(conn, &caller, id, page))
        .await?;
    Ok(HttpResponse::Ok().json(TrainingCredentialPage::from_page(found)))
}

/// Training taken elsewhere.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "training": "first_aid",
    "completed_on": "2026-10-14",
    "valid_until": "2028-10-13",
    "note": "Red Cross first aid course, certificate seen"
}))]
pub struct NewTrainingCredential {
    /// The training's code.
    pub training: String,
    /// When it was completed (not in the future).
    pub completed_on: NaiveDate,
    /// The last day it counts; leave out if it does not run out.
    pub valid_until: Option<NaiveDate>,
    /// Where it was taken.
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// Record a training credential.
///
/// For training a volunteer took elsewhere (a first-aid course, another municipality's
/// dementia course), seen by the coordinator. Clearance sees it at once. Coordinators and
/// administrators who manage the volunteer.
#[utoipa::path(
    tag = "events",
    params(("id" = Uuid, Path, description = "The volunteer id.")),
    request_body = NewTrainingCredential,
    responses((status = 201, description = "The credential.", body = TrainingCredentialView))
)]
#[post("/volunteers/{id}/training-credentials")]
pub async fn create_training_credential(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Json(body): Json<NewTrainingCredential>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = VolunteerId::from(id.into_inner());
    let now = state.clock.now();
    validate! {
        training = field("training", parse_training_code(&body.training));
        note = body
            .note
            .map(|n| field("note", Text::<500>::parse(&n).map(Text::into_inner)))
            .transpose();
        completed_on = if body.completed_on > now.date_naive() + chrono::Days::new(1) {
            Err(FieldError::new("completed_on", "in_future", "must not be in the future"))
        } else {
            plausible("completed_on", body.completed_on)
        };
        valid_until = match body.valid_until {
            Some(until) if until < body.completed_on => Err(FieldError::new(
                "valid_until",
                "before_completed",
                "must not be before completed_on",
            )),
            Some(until) => plausible("valid_until", until).map(Some),
            None => Ok(None),
        };
    }
    let credential = NewCredential {
        volunteer_id: id,
        training,
        completed_on,
        valid_until,
        event_id: None,
        note,
    };
    let stored = state
        .db(move |conn| cases::events::record_credential(conn, &caller, id, credential, now))
        .await?;
    Ok(HttpResponse::Created().json(TrainingCredentialView::from(stored)))
}

/// An event as an invitee sees it: never who else is invited.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitedEventView {
    /// The event's id.
    pub id: Uuid,
    /// What kind.
    #[schema(value_type = EventKindSchema)]
    pub kind: EventKind,
    /// Its title.
    pub title: String,
    /// What it is about.
    pub description: Option<String>,
    /// Where it stands.
    #[schema(value_type = EventStatusSchema)]
    pub status: EventStatus,
    /// Its sessions.
    pub sessions: Vec<SessionView>,
    /// Places still free; `null` without a limit.
    pub places_free: Option<i64>,
    /// Answers are taken from then.
    pub registration_opens_at: Option<DateTime<Utc>>,
    /// Answers are taken until then (`null`: until the first session starts).
    pub registration_closes_at: Option<DateTime<Utc>>,
    /// The training credential it grants those who attend.
    pub grants_training: Option<String>,
}

/// My invitation to an event.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyEventView {
    /// The invitation's id.
    pub invitation_id: Uuid,
    /// My answer.
    #[schema(value_type = InvitationStatusSchema)]
    pub status: InvitationStatus,
    /// When I (or a coordinator for me) last answered.
    pub answered_at: Option<DateTime<Utc>>,
    /// The event.
    pub event: InvitedEventView,
}

impl From<OwnInvitation> for MyEventView {
    fn from(own: OwnInvitation) -> Self {
        let (r, i) = (own.event, own.invitation);
        let e = r.event;
        Self {
            invitation_id: i.id.into_uuid(),
            status: i.status,
            answered_at: i.answered_at,
            event: InvitedEventView {
                id: e.id.into_uuid(),
                kind: e.kind,
                title: e.title,
                description: e.description,
                status: e.status,
                sessions: r.sessions.into_iter().map(SessionView::from).collect(),
                places_free: e
                    .capacity
                    .map(|c| (i64::from(c) - r.counts.seats_taken).max(0)),
                registration_opens_at: e.registration_opens_at,
                registration_closes_at: e.registration_closes_at,
                grants_training: e.grant.map(|g| g.training),
            },
        }
    }
}

page_of!(MyEventPage, MyEventView, CursorList::MyEvents);

/// List the events I am invited to.
///
/// A volunteer's (through the volunteer record linked to the account) and a staff member's own
/// invitations to events that are published, held, closed or cancelled, with my answer;
/// keyset-paged in invitation order. Never anybody else's.
#[utoipa::path(
    tag = "me",
    params(PageQuery),
    responses((status = 200, description = "A page of my invitations.", body = MyEventPage))
)]
#[get("/me/events")]
pub async fn list_my_events(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Query(query): Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page_request(CursorList::MyEvents, query.limit, query.cursor.as_deref())?;
    let found = state
        .db(move |conn| cases::events::own(conn, &caller, page))
        .await?;
    Ok(HttpResponse::Ok().json(MyEventPage::from_page(found)))
}

/// My answer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"answer": "yes"}))]
pub struct MyAnswerBody {
    /// `yes`: I come (a place, or the waiting list when it is full); `no`: I do not (my place
    /// goes to the first on the waiting list).
    #[schema(value_type = AnswerSchema)]
    pub answer: Answer,
}

/// Answer an invitation of mine.
///
/// While the event is published and its registration window is open (409 otherwise). An
/// event I am not invited to is 404.
#[utoipa::path(
    tag = "me",
    params(("id" = Uuid, Path, description = "The event id.")),
    request_body = MyAnswerBody,
    responses((status = 200, description = "My invitation with its answer.", body = MyEventView))
)]
#[post("/me/events/{id}/answer")]
pub async fn answer_my_invitation(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Json(body): Json<MyAnswerBody>,
) -> Result<HttpResponse, ApiError> {
    let id = VolunteerEventId::from(id.into_inner());
    let (answer, now) = (body.answer, state.clock.now());
    let stored = state
        .db(move |conn| cases::events::answer_own(conn, &caller, id, answer, now))
        .await?;
    crate::metrics::event_answer(stored.invitation.status.as_str());
    Ok(HttpResponse::Ok().json(MyEventView::from(stored)))
}

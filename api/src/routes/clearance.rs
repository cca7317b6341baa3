//! Clearance: "may this volunteer (or group) do this, here, with these people, with this dog,
//! on this date?" — and the status feed municipal systems keep in sync with.

use crate::{
    access,
    auth::Principal,
    cases::{self, clearance::StatusLine},
    dto::clearance::{ClearanceView, GroupClearanceView},
    error::{ApiError, FieldError},
    extract::Query,
    input::plausible,
    openapi::schemas::{
        DogCategorySchema, SettingSchema, SubjectKindSchema, TargetGroupSchema,
        VolunteerStatusSchema,
    },
    pagination::{CursorList, checked_limit, decode_key, encode_key},
    state::AppState,
};
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, NaiveDate, Utc};
use samspill_domain::{
    auth::ServiceScope,
    clearance::{
        ClearanceQuestion, ClearedFor, Setting, SubjectKind, TargetGroup, default_dog_category,
    },
    dog::DogCategory,
    ids::{DogId, GroupId, VolunteerId},
    volunteer::{VolunteerStatus, parse_activity_kind},
};
use samspill_persistence::feed;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// What a volunteer account is told here.
const VOLUNTEERS_MAY_NOT_ASK: &str = "Volunteers cannot ask about clearance.";
/// What a contact person (and a volunteer) is told about groups.
const GROUPS_ASKED_BY: &str =
    "Only coordinators, administrators and municipal systems ask about groups.";

/// The clearance question, as query parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClearanceQuery {
    /// The activity kind (a default or the municipality's own).
    #[param(example = "companionship")]
    pub activity_kind: String,
    /// Where it takes place.
    #[param(value_type = SettingSchema)]
    pub setting: Setting,
    /// Who it is with (default `general`).
    #[param(value_type = Option<TargetGroupSchema>)]
    pub target_group: Option<TargetGroup>,
    /// A dog that comes along; a dog of the volunteer's municipality.
    pub dog_id: Option<Uuid>,
    /// What the dog will do (default: `home_visit` in a private home,
    /// `institution_common_room` in an institution).
    #[param(value_type = Option<DogCategorySchema>)]
    pub dog_category: Option<DogCategory>,
    /// The date asked about (default today, UTC).
    pub on: Option<NaiveDate>,
}

/// Whether the volunteer may do this activity, in this setting, for this target group, with
/// this dog, on this date; and if not, what is missing.
///
/// Each requirement is `met`, `expiring_soon` (met, but it ends within the municipality's
/// look-ahead, `expiring_soon_days`), `expired` or `missing`. Strict requirements decide
/// `cleared`; advisory ones are reported only. The answer never says how a police certificate
/// was assessed: a certificate that does not count is reported as missing.
///
/// Coordinators and administrators ask about any volunteer of their municipality, contact
/// persons about the volunteers assigned to them, municipal systems with a token carrying
/// `clearance:read`.
#[utoipa::path(
    tag = "clearance",
    params(("id" = Uuid, Path, description = "The volunteer id."), ClearanceQuery),
    responses((status = 200, description = "The answer.", body = ClearanceView))
)]
#[get("/volunteers/{id}/clearance")]
pub async fn get_volunteer_clearance(
    state: web::Data<AppState>,
    caller: Principal,
    id: web::Path<Uuid>,
    Query(query): Query<ClearanceQuery>,
) -> Result<HttpResponse, ApiError> {
    let (scope, audience) =
        access::reader(&caller, ServiceScope::ClearanceRead, VOLUNTEERS_MAY_NOT_ASK)?;
    let id = VolunteerId::from(id.into_inner());
    let question = question_of(query, state.clock.today())?;
    let (question, answer) = state
        .db(move |conn| {
            let answer = cases::clearance::ask_volunteer(conn, scope, audience, id, &question)?;
            Ok((question, answer))
        })
        .await?;
    Ok(HttpResponse::Ok().json(ClearanceView::new(id, &question, answer)))
}

/// Where to read the feed from.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatusFeedQuery {
    /// Only records that changed at or after this moment (the `updated_at` of the last record
    /// you stored, minus a safety overlap).
    pub updated_since: Option<DateTime<Utc>>,
    /// `next_cursor` of the previous page; when given, `updated_since` is ignored.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The municipality (administrators must name it; others read their own).
    pub municipality_id: Option<Uuid>,
}

/// What a volunteer is cleared for in one setting of one activity kind, without a dog.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClearedForView {
    /// The activity kind.
    pub activity_kind: String,
    /// The setting.
    #[schema(value_type = SettingSchema)]
    pub setting: Setting,
    /// The target groups cleared there.
    #[schema(value_type = Vec<TargetGroupSchema>)]
    pub target_groups: Vec<TargetGroup>,
}

impl From<ClearedFor> for ClearedForView {
    fn from(c: ClearedFor) -> Self {
        Self {
            activity_kind: c.activity_kind,
            setting: c.setting,
            target_groups: c.target_groups,
        }
    }
}

/// A volunteer's status as a municipal system keeps it.
#[derive(Debug, Serialize, ToSchema)]
pub struct VolunteerStatusRecord {
    /// A volunteer, or a group (cleared through its contact person and named members).
    #[schema(value_type = SubjectKindSchema)]
    pub kind: SubjectKind,
    /// The volunteer's or group's id.
    pub id: Uuid,
    /// The id the municipal system knows it by, if a coordinator recorded one.
    pub external_reference: Option<String>,
    /// The lifecycle status.
    #[schema(value_type = VolunteerStatusSchema)]
    pub status: VolunteerStatus,
    /// The volunteer's personal data was erased: delete your copy.
    pub erased: bool,
    /// What the volunteer is cleared for on `as_of`, without a dog (empty unless approved).
    pub cleared_for: Vec<ClearedForView>,
    /// The first day after `as_of` on which `cleared_for` may change without any record
    /// changing (a certificate or declaration running out): read the record again then.
    pub changes_on: Option<NaiveDate>,
    /// The active placements of the volunteer or group: where they work now.
    pub placements: Vec<PlacementRef>,
    /// When anything deciding this record last changed; the feed's order.
    pub updated_at: DateTime<Utc>,
}

/// An active placement, as the status feed names it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlacementRef {
    /// The placement (read it at `GET /api/v1/placements/{id}` with a coordinator's token).
    pub id: Uuid,
    /// Its activity kind.
    #[schema(example = "companionship")]
    pub activity_kind: String,
}

/// A page of the status feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct VolunteerStatusPage {
    /// The date `cleared_for` was worked out for.
    pub as_of: NaiveDate,
    /// Records in `updated_at` order (ties by id).
    pub items: Vec<VolunteerStatusRecord>,
    /// Pass as `cursor` for the next page; `null` when you have caught up.
    pub next_cursor: Option<String>,
}

impl From<StatusLine> for VolunteerStatusRecord {
    fn from(line: StatusLine) -> Self {
        Self {
            kind: line.kind,
            id: line.id,
            external_reference: line.external_reference,
            status: line.status,
            erased: line.erased,
            cleared_for: line.cleared_for.into_iter().map(Into::into).collect(),
            changes_on: line.changes_on,
            placements: line
                .placements
                .into_iter()
                .map(|(id, activity_kind)| PlacementRef {
                    id: id.into_uuid(),
                    activity_kind,
                })
                .collect(),
            updated_at: line.updated_at,
        }
    }
}

fn feed_cursor(at: DateTime<Utc>, id: Uuid) -> String {
    let mut key = at.timestamp_micros().to_be_bytes().to_vec();
    key.extend_from_slice(id.as_bytes());
    encode_key(CursorList::StatusFeed, &key)
}

fn feed_position(cursor: &str) -> Result<feed::FeedStart, ApiError> {
    let key = decode_key(CursorList::StatusFeed, cursor)?;
    let bad = || ApiError::invalid("cursor", "invalid_cursor", "not a cursor of this feed");
    let (micros, id) = key.split_at_checked(8).ok_or_else(bad)?;
    let micros = i64::from_be_bytes(micros.try_into().map_err(|_| bad())?);
    let at = DateTime::from_timestamp_micros(micros).ok_or_else(bad)?;
    let id = Uuid::from_slice(id).map_err(|_| bad())?;
    Ok(feed::FeedStart::After(at, id))
}

/// The volunteer status feed of a municipality, for municipal systems (a `client_credentials`
/// token with `status:read`), coordinators and administrators.
///
/// Records come in the order their `updated_at` moved: any change to a volunteer or to a fact
/// their clearance rests on (vetting records, certificates, dogs, the municipality's rules,
/// documents or settings) moves it. To stay in sync:
/// 1. First run: read without `updated_since`, following `next_cursor` until it is `null`.
///    Store every record, keyed by `volunteer_id`, and remember the greatest `updated_at`.
/// 2. Every later run: read with `updated_since` set to that remembered time minus a safety
///    overlap of a minute (changes committed out of order are then not missed), follow
///    `next_cursor` to the end, and upsert. Records repeat across the overlap; that is harmless.
/// 3. `erased: true`: delete your copy of the person's data.
/// 4. `changes_on`: the day a record's `cleared_for` runs out without any change being made
///    (a certificate reaching its renewal period); treat the record as stale from that day and
///    ask `GET /api/v1/volunteers/{id}/clearance`, or read the feed again.
/// 5. `placements`: the volunteer's or group's active placements (ids and activity kinds). A
///    placement made, activated, paused, suspended or ended moves the record.
#[utoipa::path(
    tag = "clearance",
    params(StatusFeedQuery),
    responses((status = 200, description = "A page of status records.", body = VolunteerStatusPage))
)]
#[get("/volunteer-status")]
pub async fn list_volunteer_status(
    state: web::Data<AppState>,
    caller: Principal,
    Query(query): Query<StatusFeedQuery>,
) -> Result<HttpResponse, ApiError> {
    let (scope, audience) =
        access::reader(&caller, ServiceScope::StatusRead, VOLUNTEERS_MAY_NOT_ASK)?;
    if !audience.manages() {
        return Err(ApiError::forbidden(
            "Only coordinators, administrators and municipal systems read the status feed.",
        ));
    }
    let limit = checked_limit(query.limit)?;
    if let Some(since) = query.updated_since {
        plausible("updated_since", since.date_naive())?;
    }
    let start = match query.cursor.as_deref() {
        Some(cursor) => feed_position(cursor)?,
        None => feed::FeedStart::Since(query.updated_since),
    };
    let municipality_id = access::reader_municipality(scope, query.municipality_id)?;
    let as_of = state.clock.today();
    let (lines, more) = state
        .db(move |conn| {
            // The feed is the municipality's whole record, for its systems: a coordinator
            // limited to care districts lists their volunteers instead.
            if samspill_persistence::districts::limiting(conn, audience)?.is_some() {
                return Err(ApiError::forbidden(
                    "The status feed covers the whole municipality; coordinators limited to \
                     care districts list their volunteers at /api/v1/volunteers.",
                ));
            }
            cases::clearance::status_page(conn, scope, municipality_id, start, limit, as_of)
        })
        .await?;
    let items: Vec<VolunteerStatusRecord> = lines.into_iter().map(Into::into).collect();
    let next_cursor = if more {
        items
            .last()
            .map(|record| feed_cursor(record.updated_at, record.id))
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(VolunteerStatusPage {
        as_of,
        items,
        next_cursor,
    }))
}

/// Whether the group may do this activity, in this setting, for this target group, with this
/// dog, on this date — with the same rules as volunteers. The group is cleared as a whole
/// through its vetted contact person; per-person requirements (police certificates, a dog
/// approval) are checked for its named members and reported per member.
///
/// Coordinators and administrators, and municipal systems with `clearance:read`.
#[utoipa::path(
    tag = "groups",
    params(("id" = Uuid, Path, description = "The group id."), ClearanceQuery),
    responses((status = 200, description = "The answer.", body = GroupClearanceView))
)]
#[get("/groups/{id}/clearance")]
pub async fn get_group_clearance(
    state: web::Data<AppState>,
    caller: Principal,
    id: web::Path<Uuid>,
    Query(query): Query<ClearanceQuery>,
) -> Result<HttpResponse, ApiError> {
    let (scope, audience) =
        access::manager_or_system(&caller, ServiceScope::ClearanceRead, GROUPS_ASKED_BY)?;
    let id = GroupId::from(id.into_inner());
    let question = question_of(query, state.clock.today())?;
    let (question, answer) = state
        .db(move |conn| {
            let answer = cases::clearance::ask_group(conn, scope, audience, id, &question)?;
            Ok((question, answer))
        })
        .await?;
    Ok(HttpResponse::Ok().json(GroupClearanceView::new(id, &question, answer)))
}

/// Reads a clearance question from its query parameters, with the defaults filled in.
fn question_of(query: ClearanceQuery, today: NaiveDate) -> Result<ClearanceQuestion, ApiError> {
    let activity_kind = parse_activity_kind(&query.activity_kind)
        .map_err(|e| ApiError::Validation(vec![FieldError::parse("activity_kind", &e)]))?;
    let on = query.on.unwrap_or(today);
    plausible("on", on)?;
    Ok(ClearanceQuestion {
        activity_kind,
        setting: query.setting,
        target_group: query.target_group.unwrap_or(TargetGroup::General),
        dog: query.dog_id.map(DogId::from),
        dog_category: query
            .dog_category
            .unwrap_or_else(|| default_dog_category(query.setting)),
        on,
    })
}

//! Clearance: "may this volunteer do this, here, with these people, with this dog, on this
//! date?" — and the status feed municipal systems keep in sync with.

use crate::{
    auth::{Principal, StaffCaller},
    error::ApiError,
    extract::Query,
    openapi::schemas::{
        ConditionKindSchema, DogCategorySchema, RequirementKindSchema, RequirementStateSchema,
        SettingSchema, SubjectKindSchema, TargetGroupSchema, VolunteerStatusSchema,
    },
    pagination::{CursorList, checked_limit, decode_key, encode_key},
    state::AppState,
};
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, NaiveDate, Utc};
use samspill_domain::{
    auth::{ServiceScope, TenantScope},
    clearance::{
        Clearance, ClearancePolicy, ClearanceQuestion, ClearedFor, Condition, ConditionKind,
        DogFacts, RequirementKind, RequirementResult, RequirementState, Rule, Setting, SubjectKind,
        TargetGroup, cleared_for, cleared_for_by, default_rules, evaluate,
    },
    dog::DogCategory,
    group_clearance::evaluate_group,
    ids::{DogId, GroupId, MunicipalityId, VolunteerId},
    municipality::Municipality,
    user::Role,
    volunteer::VolunteerStatus,
};
use samspill_persistence::{
    PgConnection, RepoError, activity_kinds, clearance, feed, group_vetting, groups,
    municipalities, rules,
    volunteers::{self, Audience},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Every rule that applies in `municipality`: the defaults for its country, then its own.
pub(crate) fn rules_of(
    conn: &mut PgConnection,
    municipality: &Municipality,
) -> Result<Vec<Rule>, RepoError> {
    let mut all = default_rules(municipality.country);
    all.extend(rules::engine_rules(conn, municipality.id)?);
    Ok(all)
}

/// Checks a question against the municipality: its activity kind must be one of the
/// municipality's, and a named dog one of its dogs; returns that dog's facts.
pub(crate) fn checked_question(
    conn: &mut PgConnection,
    municipality: &Municipality,
    question: &ClearanceQuestion,
) -> Result<Option<DogFacts>, ApiError> {
    let unknown = activity_kinds::unknown_codes(
        conn,
        municipality.id,
        std::slice::from_ref(&question.activity_kind),
    )?;
    if !unknown.is_empty() {
        return Err(ApiError::invalid(
            "activity_kind",
            "unknown_activity_kind",
            "the municipality has no such activity kind",
        ));
    }
    let Some(dog) = question.dog else {
        return Ok(None);
    };
    match clearance::dog_facts(conn, municipality.id, dog) {
        Ok(found) => Ok(Some(found)),
        Err(RepoError::NotFound) => Err(ApiError::invalid(
            "dog_id",
            "not_found",
            "the municipality has no such dog",
        )),
        Err(other) => Err(other.into()),
    }
}

/// Whether the break rule is on, so the status history must be read.
fn needs_breaks(municipality: &Municipality) -> bool {
    municipality.settings.police_certificate_break_months > 0
}

/// Who may ask about volunteers, seeing which of them: coordinators and administrators every
/// volunteer of their scope, contact persons the ones assigned to them, service accounts of a
/// municipality with `needed` every volunteer of it. Volunteers may not ask.
fn reader(
    principal: &Principal,
    needed: ServiceScope,
) -> Result<(TenantScope, Audience), ApiError> {
    match principal {
        Principal::Staff(staff) => match staff.role {
            Role::Admin | Role::Coordinator => Ok((staff.scope(), Audience::Everyone)),
            Role::ContactPerson => Ok((staff.scope(), Audience::AssignedTo(staff.id))),
            Role::Volunteer => Err(ApiError::forbidden(
                "Volunteers cannot ask about clearance.",
            )),
        },
        Principal::Service(service) if service.scopes.contains(&needed) => Ok((
            TenantScope::Municipality(service.municipality),
            Audience::Everyone,
        )),
        Principal::Service(_) => Err(ApiError::forbidden(format!(
            "This needs a token with the scope {needed}."
        ))),
    }
}

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

/// One requirement and its state.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequirementView {
    /// What is required.
    #[schema(value_type = RequirementKindSchema)]
    pub requirement: RequirementKind,
    /// Whether it blocks clearance (`false`: advisory).
    pub strict: bool,
    /// Its state on the date asked about.
    #[schema(value_type = RequirementStateSchema)]
    pub state: RequirementState,
    /// The date of the fact that meets (or met) it.
    pub since: Option<NaiveDate>,
    /// Its last valid day; `null` when it does not end by date.
    pub valid_until: Option<NaiveDate>,
    /// A short explanation for people.
    pub detail: String,
    /// The rules that ask for it (`default:<name>` or a rule id).
    pub rules: Vec<String>,
}

/// A condition to follow.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConditionView {
    /// What kind.
    #[schema(value_type = ConditionKindSchema)]
    pub kind: ConditionKind,
    /// What it asks.
    pub detail: String,
}

/// The question as understood, with its defaults filled in.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionView {
    /// The activity kind.
    pub activity_kind: String,
    /// The setting.
    #[schema(value_type = SettingSchema)]
    pub setting: Setting,
    /// The target group.
    #[schema(value_type = TargetGroupSchema)]
    pub target_group: TargetGroup,
    /// The dog, if one comes along.
    pub dog_id: Option<Uuid>,
    /// What the dog will do.
    #[schema(value_type = DogCategorySchema)]
    pub dog_category: DogCategory,
    /// The date asked about.
    pub on: NaiveDate,
}

/// The answer to a clearance question.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClearanceView {
    /// The volunteer.
    pub volunteer_id: Uuid,
    /// Whether every strict requirement is met (or met but expiring soon).
    pub cleared: bool,
    /// The question.
    pub question: QuestionView,
    /// Every requirement that applies.
    pub requirements: Vec<RequirementView>,
    /// Conditions to follow when cleared, e.g. an accompanied first visit in a private home.
    pub conditions: Vec<ConditionView>,
    /// The first day after `on` on which a requirement's state changes; ask again then.
    pub changes_on: Option<NaiveDate>,
}

impl From<&ClearanceQuestion> for QuestionView {
    fn from(question: &ClearanceQuestion) -> Self {
        Self {
            activity_kind: question.activity_kind.clone(),
            setting: question.setting,
            target_group: question.target_group,
            dog_id: question.dog.map(DogId::into_uuid),
            dog_category: question.dog_category,
            on: question.on,
        }
    }
}

impl From<RequirementResult> for RequirementView {
    fn from(r: RequirementResult) -> Self {
        Self {
            requirement: r.requirement,
            strict: r.strict,
            state: r.state,
            since: r.since,
            valid_until: r.valid_until,
            detail: r.detail,
            rules: r.rules.iter().map(ToString::to_string).collect(),
        }
    }
}

impl From<Condition> for ConditionView {
    fn from(c: Condition) -> Self {
        Self {
            kind: c.kind,
            detail: c.detail,
        }
    }
}

impl ClearanceView {
    fn new(volunteer: VolunteerId, question: &ClearanceQuestion, answer: Clearance) -> Self {
        Self {
            volunteer_id: volunteer.into_uuid(),
            cleared: answer.cleared,
            question: QuestionView::from(question),
            requirements: answer
                .requirements
                .into_iter()
                .map(RequirementView::from)
                .collect(),
            conditions: answer
                .conditions
                .into_iter()
                .map(ConditionView::from)
                .collect(),
            changes_on: answer.changes_on,
        }
    }
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
    let (scope, audience) = reader(&caller, ServiceScope::ClearanceRead)?;
    let id = VolunteerId::from(id.into_inner());
    let question = super::group_vetting::question_of(query)?;
    let (question, answer) = state
        .db(move |conn| {
            let volunteer = volunteers::find(conn, scope, audience, id)?;
            let municipality =
                municipalities::find(conn, TenantScope::All, volunteer.municipality_id)?;
            let dog = checked_question(conn, &municipality, &question)?;
            let facts =
                clearance::facts(conn, &volunteer, dog.as_ref(), needs_breaks(&municipality))?;
            let rules = rules_of(conn, &municipality)?;
            let answer = evaluate(
                &rules,
                &question,
                &facts,
                ClearancePolicy::from(&municipality.settings),
            );
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
    /// When anything deciding this record last changed; the feed's order.
    pub updated_at: DateTime<Utc>,
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

/// The municipality a feed or work-list reader reads: a service account's own, a
/// coordinator's own, or the one an administrator names.
fn reader_municipality(
    scope: TenantScope,
    requested: Option<Uuid>,
) -> Result<MunicipalityId, ApiError> {
    match (scope.municipality(), requested) {
        (Some(own), None) => Ok(own),
        (Some(own), Some(id)) if own.into_uuid() == id => Ok(own),
        (Some(_), Some(_)) => Err(ApiError::NotFound),
        (None, Some(id)) => Ok(id.into()),
        (None, None) => Err(ApiError::invalid(
            "municipality_id",
            "required",
            "administrators must name the municipality",
        )),
    }
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
    let (scope, audience) = reader(&caller, ServiceScope::StatusRead)?;
    if audience != Audience::Everyone {
        return Err(ApiError::forbidden(
            "Only coordinators, administrators and municipal systems read the status feed.",
        ));
    }
    let limit = checked_limit(query.limit)?;
    if let Some(since) = query.updated_since {
        super::vetting::plausible("updated_since", since.date_naive())?;
    }
    let start = match query.cursor.as_deref() {
        Some(cursor) => feed_position(cursor)?,
        None => feed::FeedStart::Since(query.updated_since),
    };
    let municipality_id = reader_municipality(scope, query.municipality_id)?;
    let as_of = Utc::now().date_naive();
    let (items, more) = state
        .db(move |conn| {
            let municipality = municipalities::find(conn, scope, municipality_id)?;
            let (rows, more) = feed::page(conn, municipality.id, start, limit)?;
            let subjects: Vec<_> = rows
                .iter()
                .filter(|r| r.kind == SubjectKind::Volunteer)
                .map(|r| r.subject)
                .collect();
            let mut facts = clearance::facts_for(
                conn,
                municipality.id,
                &subjects,
                needs_breaks(&municipality),
            )?;
            let rules = rules_of(conn, &municipality)?;
            let kinds: Vec<String> = activity_kinds::list(conn, scope, municipality.id)?
                .into_iter()
                .map(|k| k.code)
                .collect();
            let policy = ClearancePolicy::from(&municipality.settings);
            let items: Vec<(VolunteerStatusRecord, Uuid)> = rows
                .into_iter()
                .map(|row| {
                    let (lines, changes_on) = match row.kind {
                        SubjectKind::Volunteer => match facts.remove(&row.subject.id) {
                            Some(f) if !row.erased => {
                                cleared_for(&kinds, &rules, &f, policy, as_of)
                            }
                            _ => (Vec::new(), None),
                        },
                        SubjectKind::Group => group_cleared_for(
                            conn,
                            &municipality,
                            GroupId::from(row.subject.id.into_uuid()),
                            (&kinds, &rules),
                            as_of,
                        )?,
                    };
                    Ok((
                        VolunteerStatusRecord {
                            kind: row.kind,
                            id: row.subject.id.into_uuid(),
                            external_reference: row.external_reference,
                            status: row.subject.status,
                            erased: row.erased,
                            cleared_for: lines.into_iter().map(Into::into).collect(),
                            changes_on,
                            updated_at: row.changed_at,
                        },
                        row.subject.id.into_uuid(),
                    ))
                })
                .collect::<Result<_, ApiError>>()?;
            Ok((items, more))
        })
        .await?;
    let next_cursor = if more {
        items
            .last()
            .map(|(record, id)| feed_cursor(record.updated_at, *id))
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(VolunteerStatusPage {
        as_of,
        items: items.into_iter().map(|(record, _)| record).collect(),
        next_cursor,
    }))
}

/// What a group is cleared for, through the same engine; a group's facts are read one group
/// at a time (groups are few beside volunteers).
fn group_cleared_for(
    conn: &mut PgConnection,
    municipality: &Municipality,
    id: GroupId,
    (kinds, rules): (&[String], &[Rule]),
    as_of: NaiveDate,
) -> Result<(Vec<ClearedFor>, Option<NaiveDate>), ApiError> {
    let group = groups::find(conn, TenantScope::Municipality(municipality.id), id)?;
    let (facts, members) =
        group_vetting::clearance_facts(conn, &group, needs_breaks(municipality))?;
    let policy = ClearancePolicy::from(&municipality.settings);
    Ok(cleared_for_by(kinds, group.status, as_of, |question| {
        let answer = evaluate_group(rules, question, &facts, &members, policy);
        (answer.cleared, answer.changes_on)
    }))
}

/// Coordinators and administrators only.
pub(crate) fn manager(caller: &StaffCaller) -> Result<TenantScope, ApiError> {
    caller.require_manager()?;
    Ok(caller.scope())
}

/// The municipality a coordinator or administrator reads a list of.
pub(crate) fn managed_municipality(
    caller: &StaffCaller,
    requested: Option<Uuid>,
) -> Result<MunicipalityId, ApiError> {
    reader_municipality(manager(caller)?, requested)
}

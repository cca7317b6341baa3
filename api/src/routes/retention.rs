//! Retention periods: the municipality's policy per category, and the dry run of what falls
//! due on a day. The scheduled job `apply_retention` acts on the day.

use crate::{
    access::{self, managed_municipality},
    auth::StaffCaller,
    cases::{self, retention::BulkDue},
    error::{ApiError, FieldError},
    etag::json_with_etag,
    extract::{IfMatch, Json, Query},
    openapi::schemas::{RetentionActionSchema, RetentionCategorySchema},
    pagination::{CursorList, encode_cursor, page_request},
    state::AppState,
};
use actix_web::{HttpResponse, delete, get, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use samspill_domain::retention::{RetentionAction, RetentionCategory, RetentionPolicy};
use samspill_persistence::{municipalities, retention};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A municipality's retention period for one category.
#[derive(Debug, Serialize, ToSchema)]
pub struct RetentionPolicyView {
    /// The category.
    #[schema(value_type = RetentionCategorySchema)]
    pub category: RetentionCategory,
    /// Months after the day the category counts from (0 acts on that day).
    pub months: u16,
    /// What happens then.
    #[schema(value_type = RetentionActionSchema)]
    pub action: RetentionAction,
    /// Days ahead the work list shows a volunteer falling due (`retention_due`).
    pub warn_days: u16,
    /// The account that set it last.
    pub updated_by: Uuid,
    /// Optimistic-concurrency version (also the `ETag`).
    pub version: i32,
    /// When it was set last.
    pub updated_at: DateTime<Utc>,
}

impl From<retention::StoredPolicy> for RetentionPolicyView {
    fn from(s: retention::StoredPolicy) -> Self {
        Self {
            category: s.policy.category,
            months: s.policy.months,
            action: s.policy.action,
            warn_days: s.policy.warn_days,
            updated_by: s.updated_by,
            version: s.version,
            updated_at: s.updated_at,
        }
    }
}

/// The policies a municipality has set; a category without one is kept until erased.
#[derive(Debug, Serialize, ToSchema)]
pub struct RetentionPolicies {
    /// The municipality.
    pub municipality_id: Uuid,
    /// Its policies, by category (at most one each).
    pub items: Vec<RetentionPolicyView>,
}

/// Which municipality (administrators name one).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityQuery {
    /// Required for administrators; others act in their own municipality.
    pub municipality_id: Option<Uuid>,
}

/// A retention period to set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionPolicyBody {
    /// Months after the day the category counts from, 0-240.
    #[schema(minimum = 0, maximum = 240, example = 12)]
    pub months: u16,
    /// What happens then.
    #[schema(value_type = RetentionActionSchema)]
    pub action: RetentionAction,
    /// Days ahead the work list warns, 0-365 (default 30).
    #[schema(minimum = 0, maximum = 365, example = 30)]
    pub warn_days: Option<u16>,
}

/// Read the municipality's retention periods.
///
/// One policy per category at most: ended volunteers, inactive volunteers, rejected
/// applications, hours and contact-log notes. A category without a policy is kept until a
/// coordinator erases it.
#[utoipa::path(
    tag = "retention",
    params(MunicipalityQuery),
    responses((status = 200, description = "The policies.", body = RetentionPolicies))
)]
#[get("/retention-policies")]
pub async fn list_retention_policies(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Query(query): Query<MunicipalityQuery>,
) -> Result<HttpResponse, ApiError> {
    let municipality = managed_municipality(&caller, query.municipality_id)?;
    let items = state
        .db(move |conn| {
            municipalities::find(conn, caller.scope(), municipality)?;
            Ok(retention::policies(conn, municipality)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(RetentionPolicies {
        municipality_id: municipality.into_uuid(),
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// Set the retention period of a category.
///
/// Municipality-wide coordinators and administrators. A policy already set is replaced only
/// with `If-Match` naming its version (412 otherwise); a new one is made without. From the next
/// run of the job `apply_retention`, data past its period is anonymised (as an erasure does) or
/// deleted; volunteers show in the work list `warn_days` before.
#[utoipa::path(
    tag = "retention",
    params(
        ("category" = RetentionCategorySchema, Path, description = "The category."),
        MunicipalityQuery,
        crate::extract::IfMatchHeader,
    ),
    request_body(content = RetentionPolicyBody, example = json!({
        "months": 12,
        "action": "anonymise",
        "warn_days": 30
    })),
    responses((status = 200, description = "The policy.", body = RetentionPolicyView,
        headers(("ETag" = String, description = "The version."))))
)]
#[put("/retention-policies/{category}")]
pub async fn put_retention_policy(
    state: web::Data<AppState>,
    caller: StaffCaller,
    category: web::Path<String>,
    Query(query): Query<MunicipalityQuery>,
    IfMatch(expected): IfMatch,
    Json(body): Json<RetentionPolicyBody>,
) -> Result<HttpResponse, ApiError> {
    let category: RetentionCategory = category.parse().map_err(|_| ApiError::NotFound)?;
    let municipality = managed_municipality(&caller, query.municipality_id)?;
    let warn_days = body.warn_days.unwrap_or(30);
    RetentionPolicy::check(body.months, warn_days).map_err(|errors| {
        ApiError::fields(errors.into_iter().map(|(f, e)| (f.to_owned(), e)).collect())
    })?;
    let policy = RetentionPolicy {
        category,
        months: body.months,
        action: body.action,
        warn_days,
    };
    let stored = state
        .db(move |conn| {
            municipalities::find(conn, caller.scope(), municipality)?;
            access::municipality_wide(
                conn,
                &caller,
                "Retention periods are set for the whole municipality.",
            )?;
            Ok(retention::put_policy(
                conn,
                municipality,
                policy,
                expected,
                caller.id,
            )?)
        })
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        stored.version,
        &RetentionPolicyView::from(stored),
    ))
}

/// Remove the retention period of a category.
///
/// Municipality-wide coordinators and administrators, with `If-Match`. The category's data is
/// then kept until erased.
#[utoipa::path(
    tag = "retention",
    params(
        ("category" = RetentionCategorySchema, Path, description = "The category."),
        MunicipalityQuery,
        crate::extract::IfMatchHeader,
    ),
    responses((status = 204, description = "Removed."))
)]
#[delete("/retention-policies/{category}")]
pub async fn delete_retention_policy(
    state: web::Data<AppState>,
    caller: StaffCaller,
    category: web::Path<String>,
    Query(query): Query<MunicipalityQuery>,
    IfMatch(expected): IfMatch,
) -> Result<HttpResponse, ApiError> {
    let category: RetentionCategory = category.parse().map_err(|_| ApiError::NotFound)?;
    let municipality = managed_municipality(&caller, query.municipality_id)?;
    state
        .db(move |conn| {
            municipalities::find(conn, caller.scope(), municipality)?;
            access::municipality_wide(
                conn,
                &caller,
                "Retention periods are set for the whole municipality.",
            )?;
            Ok(retention::remove_policy(
                conn,
                municipality,
                category,
                expected,
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The dry run's question.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DueQuery {
    /// Required for administrators; others ask about their own municipality.
    pub municipality_id: Option<Uuid>,
    /// The day asked about (default today): what would the job do on it?
    pub on: Option<NaiveDate>,
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A volunteer whose retention period has run by the day asked about.
#[derive(Debug, Serialize, ToSchema)]
pub struct DueVolunteerView {
    /// The volunteer.
    pub volunteer_id: Uuid,
    /// Their name (`erased` when erased already, for a `delete` policy).
    pub name: String,
    /// The policy's category.
    #[schema(value_type = RetentionCategorySchema)]
    pub category: RetentionCategory,
    /// What the job does.
    #[schema(value_type = RetentionActionSchema)]
    pub action: RetentionAction,
    /// The day the period counts from.
    pub since: NaiveDate,
    /// The day the period runs out (after any extension).
    pub due_on: NaiveDate,
    /// The day the job acts: `due_on`, but never sooner than the policy's `warn_days` after
    /// the job first noticed it (`warned_on`; not yet noticed: counted from today).
    pub acts_on: NaiveDate,
    /// When the job noticed that the volunteer falls due on `due_on` (and put them on the
    /// work list), if it has.
    pub warned_on: Option<NaiveDate>,
    /// The last day of the latest extension, if any.
    pub extended_until: Option<NaiveDate>,
}

/// What a period over rows in bulk does on the day asked about.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkDueView {
    /// The category (`time_entries` or `contact_log_notes`).
    #[schema(value_type = RetentionCategorySchema)]
    pub category: RetentionCategory,
    /// What the job does: `delete` the rows, or `anonymise` (remove their notes).
    #[schema(value_type = RetentionActionSchema)]
    pub action: RetentionAction,
    /// Rows dated this day or earlier are acted on.
    pub cutoff: NaiveDate,
    /// How many.
    pub rows: i64,
    /// The first day the job acts on them: the policy's `warn_days` after it was last set.
    pub acts_from: NaiveDate,
}

impl From<BulkDue> for BulkDueView {
    fn from(b: BulkDue) -> Self {
        Self {
            category: b.policy.category,
            action: b.policy.action,
            cutoff: b.cutoff,
            rows: b.rows,
            acts_from: b.acts_from,
        }
    }
}

/// The dry run: what the retention job would do on a day.
#[derive(Debug, Serialize, ToSchema)]
pub struct RetentionDuePage {
    /// The day asked about.
    pub on: NaiveDate,
    /// Rows in bulk acted on that day (the same on every page).
    pub bulk: Vec<BulkDueView>,
    /// Volunteers acted on that day, in id order.
    pub items: Vec<DueVolunteerView>,
    /// Pass as `cursor` to get the next page; `null` on the last page. A page may hold fewer
    /// items than `limit` (volunteers kept by an extension are left out) and still go on.
    pub next_cursor: Option<String>,
}

/// What retention would do on a day (a dry run).
///
/// Lists the volunteers the job `apply_retention` would anonymise or delete by `on` (default
/// today), with the day their period counts from, the day it runs out, any extension and the
/// day the job acts (never sooner than the policy's `warn_days` after it first noticed them), and how many hours and
/// contact-log notes it would act on. Nothing is changed.
#[utoipa::path(
    tag = "retention",
    params(DueQuery),
    responses((status = 200, description = "What would happen.", body = RetentionDuePage))
)]
#[get("/retention/due")]
pub async fn list_retention_due(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Query(query): Query<DueQuery>,
) -> Result<HttpResponse, ApiError> {
    let municipality_id = managed_municipality(&caller, query.municipality_id)?;
    let page = page_request(
        CursorList::RetentionDue,
        query.limit,
        query.cursor.as_deref(),
    )?;
    if let Some(on) = query.on {
        samspill_domain::dates::plausible(on).map_err(|e| ApiError::BadRequest {
            detail: "A query parameter is not valid.".to_owned(),
            errors: vec![FieldError::parse("on", &e)],
        })?;
    }
    let now = state.clock.now();
    let (on, bulk, ((items, next), today)) = state
        .db(move |conn| {
            let municipality = municipalities::find(conn, caller.scope(), municipality_id)?;
            access::municipality_wide(
                conn,
                &caller,
                "Retention is run for the whole municipality.",
            )?;
            let today = cases::time_entries::local_today(&municipality, now);
            let on = query.on.unwrap_or(today);
            let bulk = cases::retention::bulk_due(conn, &municipality, on)?;
            let due = cases::retention::due_volunteers(
                conn,
                &municipality,
                today,
                on,
                page.after,
                page.limit,
            )?;
            Ok((on, bulk, (due, today)))
        })
        .await?;
    Ok(HttpResponse::Ok().json(RetentionDuePage {
        on,
        bulk: bulk.into_iter().map(Into::into).collect(),
        items: items
            .into_iter()
            .map(|c| DueVolunteerView {
                volunteer_id: c.volunteer_id.into_uuid(),
                due_on: c.due_on(),
                acts_on: c.acts_on(today),
                warned_on: c.warned_on(),
                name: c.name,
                category: c.policy.category,
                action: c.policy.action,
                since: c.since,
                extended_until: c.extended_until,
            })
            .collect(),
        next_cursor: next.map(|after| encode_cursor(CursorList::RetentionDue, after)),
    }))
}

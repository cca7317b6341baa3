//! Webhook endpoints: where a municipality's systems want to be told of events as they happen,
//! signed as the Standard Webhooks specification says, with each delivery and its attempts
//! visible and a failed one sent again on request. Municipality-wide coordinators and
//! administrators manage them.

use crate::{
    access::{named_municipality, target_municipality},
    input::{double_option, validate},
    openapi::schemas::{DeliveryStatusSchema, EventTypeSchema},
    webhooks::{guard, signing},
};
use crate::{
    auth::StaffCaller,
    error::{ApiError, FieldError},
    etag::json_with_etag,
    extract::{IfMatch, Json, Query},
    pagination::{CursorList, page_of, page_request},
    state::AppState,
};
use actix_web::{HttpResponse, delete, get, http::header, patch, post, web};
use chrono::{DateTime, TimeDelta, Utc};
use samspill_domain::{
    ids::{WebhookDeliveryId, WebhookEndpointId},
    text::Text,
    webhook::{Attempt, Delivery, DeliveryStatus, EventType, WebhookEndpoint, message_id},
};
use samspill_persistence::webhooks::{self, EndpointChanges, EndpointFilter, NewEndpoint};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// How long a rotated-out secret keeps signing beside the new one.
const ROTATION_OVERLAP: TimeDelta = TimeDelta::hours(24);

/// A webhook endpoint (its secret is shown only when made or rotated).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookEndpointView {
    /// Its id.
    pub id: Uuid,
    /// The municipality whose events it receives.
    pub municipality_id: Uuid,
    /// Where deliveries are POSTed.
    #[schema(example = "https://fagsystem.kommune.no/hooks/samspill")]
    pub url: String,
    /// What it is for.
    pub description: Option<String>,
    /// The events it receives.
    #[schema(value_type = Vec<EventTypeSchema>)]
    pub event_types: Vec<EventType>,
    /// Whether deliveries are made. Events that happen while it is disabled are not kept for
    /// it; deliveries already waiting are sent once it is enabled again.
    pub enabled: bool,
    /// Why it is disabled: by a person, or because the receiver answered 410 Gone.
    pub disabled_reason: Option<String>,
    /// Deliveries that failed for good in a row (reset by a success).
    pub failure_streak: i32,
    /// Until when the secret it had before the last rotation still signs beside the new one.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    /// Raised by every change; also the ETag.
    pub version: i32,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<WebhookEndpoint> for WebhookEndpointView {
    fn from(e: WebhookEndpoint) -> Self {
        Self {
            id: e.id.into_uuid(),
            municipality_id: e.municipality_id.into_uuid(),
            url: e.url,
            description: e.description,
            event_types: e.event_types,
            enabled: e.enabled,
            disabled_reason: e.disabled_reason,
            failure_streak: e.failure_streak,
            previous_secret_expires_at: e.previous_secret_expires_at,
            version: e.version,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

/// An endpoint with its signing secret, answered once: when it is made and when the secret is
/// rotated. Keep the secret where the receiving system verifies signatures; it cannot be read
/// again.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookEndpointWithSecret {
    /// The endpoint.
    #[serde(flatten)]
    pub endpoint: WebhookEndpointView,
    /// The signing secret: `whsec_` and the base64 key. Verify `webhook-signature` with it (any
    /// Standard Webhooks library does).
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

page_of!(
    WebhookEndpointPage,
    WebhookEndpointView,
    CursorList::WebhookEndpoints
);

/// One attempt to deliver.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    /// 1 for the first.
    pub attempt: i32,
    /// When it was made.
    pub attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status; `null` when no answer came.
    pub status_code: Option<i32>,
    /// What went wrong.
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: i32,
}

impl From<Attempt> for AttemptView {
    fn from(a: Attempt) -> Self {
        Self {
            attempt: a.attempt,
            attempted_at: a.attempted_at,
            status_code: a.status_code,
            error: a.error,
            duration_ms: a.duration_ms,
        }
    }
}

/// One event's delivery to an endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// Its id.
    pub id: Uuid,
    /// The endpoint.
    pub endpoint_id: Uuid,
    /// The event.
    pub event_id: Uuid,
    /// The `webhook-id` header it is sent with, the same on every attempt (receivers use it to
    /// recognise a message they already handled).
    #[schema(example = "msg_019af0c4d2b87e5c9a1f3e2d4c5b6a79")]
    pub webhook_id: String,
    /// The event's type.
    #[schema(value_type = EventTypeSchema)]
    pub event_type: EventType,
    /// Where it stands.
    #[schema(value_type = DeliveryStatusSchema)]
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: i32,
    /// When the next attempt is due (pending only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The last HTTP status the receiver answered.
    pub last_status_code: Option<i32>,
    /// The last error.
    pub last_error: Option<String>,
    /// When the receiver answered 2xx.
    pub delivered_at: Option<DateTime<Utc>>,
    /// When the event was handed to this endpoint.
    pub created_at: DateTime<Utc>,
    /// Every attempt, first first.
    pub attempt_log: Vec<AttemptView>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        Self {
            id: d.id.into_uuid(),
            endpoint_id: d.endpoint_id.into_uuid(),
            event_id: d.event_id.into_uuid(),
            webhook_id: message_id(d.event_id),
            event_type: d.event_type,
            status: d.status,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at,
            last_status_code: d.last_status_code,
            last_error: d.last_error,
            delivered_at: d.delivered_at,
            created_at: d.created_at,
            attempt_log: d.attempt_log.into_iter().map(Into::into).collect(),
        }
    }
}

page_of!(DeliveryPage, DeliveryView, CursorList::WebhookDeliveries);

/// A new webhook endpoint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookEndpoint {
    /// Required for administrators; defaults to the coordinator's own municipality.
    pub municipality_id: Option<Uuid>,
    /// Where to POST: an `https` URL on the public internet.
    #[schema(
        max_length = 2000,
        example = "https://fagsystem.kommune.no/hooks/samspill"
    )]
    pub url: String,
    /// What it is for.
    #[schema(max_length = 500, example = "Fagsystemet for helse og omsorg")]
    pub description: Option<String>,
    /// The events to receive (at least one).
    #[schema(value_type = Vec<EventTypeSchema>, min_items = 1,
        example = json!(["volunteer.status_changed", "placement.status_changed"]))]
    pub event_types: Vec<EventType>,
    /// `false` to make it disabled (default `true`).
    pub enabled: Option<bool>,
}

/// A change to an endpoint; fields not given keep their values.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookEndpointChange {
    /// A new URL.
    #[schema(
        max_length = 2000,
        example = "https://fagsystem.kommune.no/hooks/samspill-v2"
    )]
    pub url: Option<String>,
    /// A new description, or `null` to clear it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 500)]
    pub description: Option<Option<String>>,
    /// The events to receive from now on (at least one).
    #[schema(value_type = Option<Vec<EventTypeSchema>>, min_items = 1,
        example = json!(["volunteer.status_changed", "volunteer.clearance_changed"]))]
    pub event_types: Option<Vec<EventType>>,
    /// Enable (clears the reason and the failure streak) or disable.
    pub enabled: Option<bool>,
}

/// Filters for the list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WebhookEndpointQuery {
    /// Only this municipality (useful for administrators).
    pub municipality_id: Option<Uuid>,
    /// Only enabled (`true`) or disabled (`false`) endpoints.
    pub enabled: Option<bool>,
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// Filters for the deliveries.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Only deliveries in this state (`failed` lists what needs looking at).
    #[param(value_type = Option<DeliveryStatusSchema>)]
    pub status: Option<DeliveryStatus>,
    /// Page length, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

fn url_field(raw: &str, allow_private: bool) -> Result<String, FieldError> {
    guard::check_url(raw, allow_private)
        .map(|url| url.to_string())
        .map_err(|(code, message)| FieldError::new("url", code, message))
}

fn description_field(raw: Option<String>) -> Result<Option<String>, FieldError> {
    raw.map(|d| Text::<500>::parse(&d).map(Text::into_inner))
        .transpose()
        .map(|d| d.filter(|d| !d.is_empty()))
        .map_err(|error| FieldError::parse("description", &error))
}

fn event_types_field(mut types: Vec<EventType>) -> Result<Vec<EventType>, FieldError> {
    types.sort_unstable();
    types.dedup();
    if types.is_empty() {
        return Err(FieldError::new(
            "event_types",
            "required",
            "name at least one event type",
        ));
    }
    Ok(types)
}

fn with_secret(
    builder: actix_web::HttpResponseBuilder,
    endpoint: WebhookEndpoint,
    secret: String,
) -> HttpResponse {
    let version = endpoint.version;
    let mut response = json_with_etag(
        builder,
        version,
        &WebhookEndpointWithSecret {
            endpoint: endpoint.into(),
            secret,
        },
    );
    // The secret is shown once: an answer kept for an Idempotency-Key retry must not hold it.
    response
        .extensions_mut()
        .insert(crate::idempotency::ShownOnce);
    response
}

/// Adds a webhook endpoint.
///
/// Municipality-wide coordinators and administrators. The answer carries the endpoint's signing
/// secret, once. From now on each event of the chosen types is POSTed to the URL as
/// `{"type", "timestamp", "data"}` (`data` holds ids and the few fields a consumer needs, never
/// personal details) with the headers `webhook-id` (the same on every attempt), `webhook-timestamp`
/// and `webhook-signature` (`v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`). Only a 2xx
/// answer counts; others are retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 24 h (later if
/// `Retry-After` asks), within a 15 s timeout each; redirects are not followed; 410 disables the
/// endpoint. The URL must be `https` on the public internet: loopback, private and link-local
/// addresses are refused (422 `private_address`), and checked again at every delivery.
#[utoipa::path(
    tag = "webhooks",
    request_body = NewWebhookEndpoint,
    responses((status = 201, description = "Added; the secret is shown only now.", body = WebhookEndpointWithSecret,
        headers(("ETag" = String, description = "The version."), ("Location" = String, description = "The new resource."))))
)]
#[post("/webhook-endpoints")]
pub async fn create_webhook_endpoint(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Json(body): Json<NewWebhookEndpoint>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let allow_private = state.webhooks_allow_private;
    validate! {
        municipality_id = target_municipality(&caller, body.municipality_id);
        url = url_field(&body.url, allow_private);
        description = description_field(body.description);
        event_types = event_types_field(body.event_types);
    }
    let secret = signing::new_secret();
    let new = NewEndpoint {
        municipality_id,
        url,
        description,
        event_types,
        enabled: body.enabled.unwrap_or(true),
        secret: secret.clone(),
        created_by: caller.id,
    };
    let created = state
        .db(move |conn| {
            crate::access::check_municipality_wide(conn, &caller)?;
            named_municipality(conn, caller.scope(), municipality_id)?;
            Ok(webhooks::insert(conn, &new)?)
        })
        .await?;
    let mut response = HttpResponse::Created();
    response.insert_header((
        header::LOCATION,
        format!("/api/v1/webhook-endpoints/{}", created.id),
    ));
    Ok(with_secret(response, created, secret))
}

/// Lists webhook endpoints.
///
/// Municipality-wide coordinators and administrators; in id order, keyset-paged.
#[utoipa::path(
    tag = "webhooks",
    params(WebhookEndpointQuery),
    responses((status = 200, description = "A page of endpoints.", body = WebhookEndpointPage))
)]
#[get("/webhook-endpoints")]
pub async fn list_webhook_endpoints(
    state: web::Data<AppState>,
    caller: StaffCaller,
    Query(query): Query<WebhookEndpointQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let page = page_request(
        CursorList::WebhookEndpoints,
        query.limit,
        query.cursor.as_deref(),
    )?;
    let filter = EndpointFilter {
        municipality_id: query.municipality_id.map(Into::into),
        enabled: query.enabled,
    };
    let found = state
        .db(move |conn| {
            crate::access::check_municipality_wide(conn, &caller)?;
            Ok(webhooks::list(conn, caller.scope(), filter, page)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(WebhookEndpointPage::from_page(found)))
}

/// Reads a webhook endpoint.
///
/// Municipality-wide coordinators and administrators. The secret is not part of it.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The endpoint id.")),
    responses((status = 200, description = "The endpoint.", body = WebhookEndpointView,
        headers(("ETag" = String, description = "The version."))))
)]
#[get("/webhook-endpoints/{id}")]
pub async fn get_webhook_endpoint(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = WebhookEndpointId::from(id.into_inner());
    let found = state
        .db(move |conn| {
            crate::access::check_municipality_wide(conn, &caller)?;
            Ok(webhooks::find(conn, caller.scope(), id)?)
        })
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        found.version,
        &WebhookEndpointView::from(found),
    ))
}

/// Changes a webhook endpoint.
///
/// Municipality-wide coordinators and administrators: the URL (checked as when added), the
/// description, the event types, or whether it is enabled. Enabling an endpoint clears why it
/// was disabled and its failure streak; deliveries that were waiting are then sent.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = Uuid, Path, description = "The endpoint id."),
        crate::extract::IfMatchHeader,
    ),
    request_body = WebhookEndpointChange,
    responses((status = 200, description = "The changed endpoint.", body = WebhookEndpointView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[patch("/webhook-endpoints/{id}")]
pub async fn update_webhook_endpoint(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    Json(body): Json<WebhookEndpointChange>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = WebhookEndpointId::from(id.into_inner());
    let allow_private = state.webhooks_allow_private;
    validate! {
        url = body.url.map(|u| url_field(&u, allow_private)).transpose();
        description = body.description.map(description_field).transpose();
        event_types = body.event_types.map(event_types_field).transpose();
    }
    let changes = EndpointChanges {
        url,
        description,
        event_types,
        enabled: body.enabled,
    };
    let updated = state
        .db(move |conn| {
            crate::access::check_municipality_wide(conn, &caller)?;
            Ok(webhooks::update(
                conn,
                caller.scope(),
                id,
                expected,
                &changes,
            )?)
        })
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        updated.version,
        &WebhookEndpointView::from(updated),
    ))
}

/// Deletes a webhook endpoint.
///
/// Municipality-wide coordinators and administrators. Its deliveries and their attempts go
/// with it; nothing more is sent to it.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = Uuid, Path, description = "The endpoint id."),
        crate::extract::IfMatchHeader,
    ),
    responses((status = 204, description = "Deleted."))
)]
#[delete("/webhook-endpoints/{id}")]
pub async fn delete_webhook_endpoint(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = WebhookEndpointId::from(id.into_inner());
    state
        .db(move |conn| {
            crate::access::check_municipality_wide(conn, &caller)?;
            Ok(webhooks::delete(conn, caller.scope(), id, expected)?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Gives a webhook endpoint a new signing secret.
///
/// Municipality-wide coordinators and administrators. The answer carries the new secret, once.
/// For 24 hours every delivery is signed with both the new and the old secret (two `v1,`
/// signatures in `webhook-signature`), so the receiving system can switch without missing a
/// message; after that only the new one signs.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = Uuid, Path, description = "The endpoint id."),
        crate::extract::IfMatchHeader,
    ),
    responses((status = 200, description = "The endpoint with its new secret, shown only now.", body = WebhookEndpointWithSecret,
        headers(("ETag" = String, description = "The new version."))))
)]
#[post("/webhook-endpoints/{id}/secret-rotations")]
pub async fn rotate_webhook_secret(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = WebhookEndpointId::from(id.into_inner());
    let secret = signing::new_secret();
    let until = state.clock.now() + ROTATION_OVERLAP;
    let stored = secret.clone();
    let rotated = state
        .db(move |conn| {
            crate::access::check_municipality_wide(conn, &caller)?;
            Ok(webhooks::rotate_secret(
                conn,
                caller.scope(),
                id,
                expected,
                &stored,
                until,
            )?)
        })
        .await?;
    Ok(with_secret(HttpResponse::Ok(), rotated, secret))
}

/// Lists an endpoint's deliveries with their attempts.
///
/// Municipality-wide coordinators and administrators; newest first, keyset-paged.
/// `?status=failed` lists what needs looking at; `POST …/retry` sends one again.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The endpoint id."), DeliveryQuery),
    responses((status = 200, description = "A page of deliveries, newest first.", body = DeliveryPage))
)]
#[get("/webhook-endpoints/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Query(query): Query<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = WebhookEndpointId::from(id.into_inner());
    let page = page_request(
        CursorList::WebhookDeliveries,
        query.limit,
        query.cursor.as_deref(),
    )?;
    let status = query.status;
    let found = state
        .db(move |conn| {
            crate::access::check_municipality_wide(conn, &caller)?;
            let endpoint = webhooks::find(conn, caller.scope(), id)?;
            Ok(webhooks::deliveries(conn, &endpoint, status, page)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(DeliveryPage::from_page(found)))
}

/// Sends a delivery again.
///
/// Municipality-wide coordinators and administrators. The delivery, whatever it stands at
/// (failed, or even delivered), is due again at once and sent with the same `webhook-id`; a
/// failure counts as one more attempt. An endpoint that is disabled must be enabled first, and a
/// delivery a worker is sending right now cannot be sent twice at once (409 for both).
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = Uuid, Path, description = "The endpoint id."),
        ("delivery_id" = Uuid, Path, description = "The delivery id."),
    ),
    responses((status = 202, description = "Due again; the worker sends it within a few seconds.", body = DeliveryView))
)]
#[post("/webhook-endpoints/{id}/deliveries/{delivery_id}/retry")]
pub async fn retry_webhook_delivery(
    state: web::Data<AppState>,
    caller: StaffCaller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let (id, delivery) = path.into_inner();
    let (id, delivery) = (
        WebhookEndpointId::from(id),
        WebhookDeliveryId::from(delivery),
    );
    let now = state.clock.now();
    let retried = state
        .db(move |conn| {
            crate::access::check_municipality_wide(conn, &caller)?;
            let endpoint = webhooks::find(conn, caller.scope(), id)?;
            if !endpoint.enabled {
                return Err(ApiError::Conflict {
                    detail:
                        "The endpoint is disabled: enable it first (PATCH with \"enabled\": true)."
                            .to_owned(),
                    errors: Vec::new(),
                });
            }
            match webhooks::retry(conn, &endpoint, delivery, now) {
                Err(samspill_persistence::RepoError::Duplicate { constraint })
                    if constraint == webhooks::BEING_SENT =>
                {
                    Err(ApiError::Conflict {
                        detail: "The delivery is being sent right now; read it again in a minute."
                            .to_owned(),
                        errors: Vec::new(),
                    })
                }
                other => Ok(other?),
            }
        })
        .await?;
    Ok(HttpResponse::Accepted().json(DeliveryView::from(retried)))
}

//! Webhook endpoints, their deliveries and every attempt: what the management API reads and
//! changes, and what the delivery worker claims (`FOR UPDATE SKIP LOCKED`, then a lease) and
//! records.

use crate::{
    error::{RepoError, corrupt},
    page::{Page, PageRequest},
    schema::{
        outbox_events::dsl as o,
        webhook_attempts::{self, dsl as a},
        webhook_deliveries::{self, dsl as d},
        webhook_endpoints::{self, dsl as e},
    },
    versioned::check_version,
};
use chrono::{DateTime, TimeDelta, Utc};
use diesel::{pg::Pg, prelude::*, sql_types::Bool};
use samspill_domain::{
    auth::TenantScope,
    ids::{EventId, MunicipalityId, StaffUserId, WebhookDeliveryId, WebhookEndpointId},
    webhook::{Attempt, Delivery, DeliveryStatus, EventType, Verdict, WebhookEndpoint, judge},
};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Queryable, Selectable)]
#[diesel(table_name = webhook_endpoints, check_for_backend(Pg))]
struct EndpointRow {
    municipality_id: Uuid,
    id: Uuid,
    url: String,
    description: Option<String>,
    event_types: Vec<Option<String>>,
    enabled: bool,
    disabled_reason: Option<String>,
    failure_streak: i32,
    previous_secret_expires_at: Option<DateTime<Utc>>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<EndpointRow> for WebhookEndpoint {
    type Error = RepoError;

    fn try_from(row: EndpointRow) -> Result<Self, RepoError> {
        Ok(Self {
            id: row.id.into(),
            municipality_id: row.municipality_id.into(),
            url: row.url,
            description: row.description,
            event_types: row
                .event_types
                .iter()
                .flatten()
                .map(|t| {
                    t.parse()
                        .map_err(|_| corrupt("webhook_endpoints.event_types", t))
                })
                .collect::<Result<_, _>>()?,
            enabled: row.enabled,
            disabled_reason: row.disabled_reason,
            failure_streak: row.failure_streak,
            previous_secret_expires_at: row.previous_secret_expires_at,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries, check_for_backend(Pg))]
struct DeliveryRow {
    id: Uuid,
    endpoint_id: Uuid,
    event_id: Uuid,
    event_type: String,
    status: String,
    attempts: i32,
    next_attempt_at: Option<DateTime<Utc>>,
    last_status_code: Option<i32>,
    last_error: Option<String>,
    delivered_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl DeliveryRow {
    fn into_delivery(self, attempt_log: Vec<Attempt>) -> Result<Delivery, RepoError> {
        Ok(Delivery {
            id: self.id.into(),
            endpoint_id: self.endpoint_id.into(),
            event_id: self.event_id.into(),
            event_type: self
                .event_type
                .parse()
                .map_err(|_| corrupt("webhook_deliveries.event_type", &self.event_type))?,
            status: self
                .status
                .parse()
                .map_err(|_| corrupt("webhook_deliveries.status", &self.status))?,
            attempts: self.attempts,
            next_attempt_at: self.next_attempt_at,
            last_status_code: self.last_status_code,
            last_error: self.last_error,
            delivered_at: self.delivered_at,
            created_at: self.created_at,
            attempt_log,
        })
    }
}

fn visible(
    scope: TenantScope,
) -> Box<dyn BoxableExpression<webhook_endpoints::table, Pg, SqlType = Bool>> {
    match scope.municipality() {
        Some(own) => Box::new(e::municipality_id.eq(own.into_uuid())),
        None => Box::new(diesel::dsl::sql::<Bool>("true")),
    }
}

fn types_text(types: &[EventType]) -> Vec<Option<String>> {
    types.iter().map(|t| Some(t.as_str().to_owned())).collect()
}

/// A new endpoint.
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    /// The municipality.
    pub municipality_id: MunicipalityId,
    /// Where to POST.
    pub url: String,
    /// What it is for.
    pub description: Option<String>,
    /// What it receives.
    pub event_types: Vec<EventType>,
    /// Whether it starts enabled.
    pub enabled: bool,
    /// Its signing secret.
    pub secret: String,
    /// Who made it.
    pub created_by: StaffUserId,
}

/// Stores a new endpoint.
pub fn insert(conn: &mut PgConnection, new: &NewEndpoint) -> Result<WebhookEndpoint, RepoError> {
    diesel::insert_into(webhook_endpoints::table)
        .values((
            e::municipality_id.eq(new.municipality_id.into_uuid()),
            e::id.eq(WebhookEndpointId::generate().into_uuid()),
            e::url.eq(&new.url),
            e::description.eq(&new.description),
            e::event_types.eq(types_text(&new.event_types)),
            e::enabled.eq(new.enabled),
            e::disabled_reason.eq((!new.enabled).then_some(DISABLED_BY_PERSON)),
            e::secret.eq(&new.secret),
            e::created_by.eq(Some(new.created_by.into_uuid())),
        ))
        .returning(EndpointRow::as_returning())
        .get_result(conn)?
        .try_into()
}

/// Why an endpoint a person disabled is disabled.
pub const DISABLED_BY_PERSON: &str = "Disabled by a coordinator or administrator.";
/// Why an endpoint whose receiver answered 410 is disabled.
pub const DISABLED_GONE: &str = "The receiver answered 410 Gone: it wants no more deliveries.";

/// One endpoint the scope sees.
pub fn find(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: WebhookEndpointId,
) -> Result<WebhookEndpoint, RepoError> {
    e::webhook_endpoints
        .filter(visible(scope))
        .filter(e::id.eq(id.into_uuid()))
        .select(EndpointRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(RepoError::NotFound)?
        .try_into()
}

/// Filters for the list.
#[derive(Debug, Clone, Copy, Default)]
pub struct EndpointFilter {
    /// Only this municipality.
    pub municipality_id: Option<MunicipalityId>,
    /// Only enabled (`true`) or disabled (`false`) endpoints.
    pub enabled: Option<bool>,
}

/// A page of endpoints the scope sees, in id order.
pub fn list(
    conn: &mut PgConnection,
    scope: TenantScope,
    filter: EndpointFilter,
    page: PageRequest,
) -> Result<Page<WebhookEndpoint>, RepoError> {
    let mut query = e::webhook_endpoints.into_boxed().filter(visible(scope));
    if let Some(municipality) = filter.municipality_id {
        query = query.filter(e::municipality_id.eq(municipality.into_uuid()));
    }
    if let Some(enabled) = filter.enabled {
        query = query.filter(e::enabled.eq(enabled));
    }
    if let Some(after) = page.after {
        query = query.filter(e::id.gt(after));
    }
    let rows = query
        .order(e::id.asc())
        .limit(page.limit + 1)
        .select(EndpointRow::as_select())
        .load(conn)?;
    Page::from_rows(rows, page.limit, |r| r.id).try_map(WebhookEndpoint::try_from)
}

/// A change to an endpoint; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct EndpointChanges {
    /// A new URL.
    pub url: Option<String>,
    /// A new description, or `Some(None)` to clear it.
    pub description: Option<Option<String>>,
    /// New event types.
    pub event_types: Option<Vec<EventType>>,
    /// Enable (clears the reason and the failure streak) or disable.
    pub enabled: Option<bool>,
}

fn locked(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: WebhookEndpointId,
) -> Result<WebhookEndpoint, RepoError> {
    e::webhook_endpoints
        .filter(visible(scope))
        .filter(e::id.eq(id.into_uuid()))
        .select(EndpointRow::as_select())
        .for_update()
        .first(conn)
        .optional()?
        .ok_or(RepoError::NotFound)?
        .try_into()
}

fn target(
    endpoint: &WebhookEndpoint,
) -> diesel::dsl::Filter<
    diesel::dsl::Filter<e::webhook_endpoints, diesel::dsl::Eq<e::municipality_id, Uuid>>,
    diesel::dsl::Eq<e::id, Uuid>,
> {
    e::webhook_endpoints
        .filter(e::municipality_id.eq(endpoint.municipality_id.into_uuid()))
        .filter(e::id.eq(endpoint.id.into_uuid()))
}

/// Changes an endpoint under its row lock, if `expected_version` (when given) is current.
pub fn update(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: WebhookEndpointId,
    expected_version: Option<i32>,
    changes: &EndpointChanges,
) -> Result<WebhookEndpoint, RepoError> {
    conn.transaction(|conn| {
        let current = locked(conn, scope, id)?;
        check_version(current.version, expected_version)?;
        let enabled = changes.enabled.unwrap_or(current.enabled);
        let (reason, streak) = match (current.enabled, enabled) {
            (false, true) => (None, 0),
            (true, false) => (Some(DISABLED_BY_PERSON.to_owned()), current.failure_streak),
            _ => (current.disabled_reason.clone(), current.failure_streak),
        };
        diesel::update(target(&current))
            .set((
                e::url.eq(changes.url.as_ref().unwrap_or(&current.url)),
                e::description.eq(changes
                    .description
                    .clone()
                    .unwrap_or_else(|| current.description.clone())),
                e::event_types.eq(types_text(
                    changes
                        .event_types
                        .as_deref()
                        .unwrap_or(&current.event_types),
                )),
                e::enabled.eq(enabled),
                e::disabled_reason.eq(reason),
                e::failure_streak.eq(streak),
                e::version.eq(e::version + 1),
            ))
            .returning(EndpointRow::as_returning())
            .get_result(conn)?
            .try_into()
    })
}

/// Gives an endpoint a new secret; the one it had keeps signing beside it until `overlap_until`.
pub fn rotate_secret(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: WebhookEndpointId,
    expected_version: Option<i32>,
    secret: &str,
    overlap_until: DateTime<Utc>,
) -> Result<WebhookEndpoint, RepoError> {
    conn.transaction(|conn| {
        let current = locked(conn, scope, id)?;
        check_version(current.version, expected_version)?;
        diesel::update(target(&current))
            .set((
                e::previous_secret.eq(e::secret.nullable()),
                e::previous_secret_expires_at.eq(Some(overlap_until)),
                e::secret.eq(secret),
                e::version.eq(e::version + 1),
            ))
            .returning(EndpointRow::as_returning())
            .get_result(conn)?
            .try_into()
    })
}

/// Deletes an endpoint with its deliveries and their attempts.
pub fn delete(
    conn: &mut PgConnection,
    scope: TenantScope,
    id: WebhookEndpointId,
    expected_version: Option<i32>,
) -> Result<(), RepoError> {
    conn.transaction(|conn| {
        let current = locked(conn, scope, id)?;
        check_version(current.version, expected_version)?;
        diesel::delete(target(&current)).execute(conn)?;
        Ok(())
    })
}

fn attempts_of(
    conn: &mut PgConnection,
    municipality: Uuid,
    deliveries: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Attempt>>, RepoError> {
    type AttemptRow = (Uuid, i32, DateTime<Utc>, Option<i32>, Option<String>, i32);
    let rows: Vec<AttemptRow> = a::webhook_attempts
        .filter(a::municipality_id.eq(municipality))
        .filter(a::delivery_id.eq_any(deliveries))
        .order((a::delivery_id.asc(), a::attempt.asc()))
        .select((
            a::delivery_id,
            a::attempt,
            a::attempted_at,
            a::status_code,
            a::error,
            a::duration_ms,
        ))
        .load(conn)?;
    let mut by_delivery: HashMap<Uuid, Vec<Attempt>> = HashMap::new();
    for (delivery, attempt, attempted_at, status_code, error, duration_ms) in rows {
        by_delivery.entry(delivery).or_default().push(Attempt {
            attempt,
            attempted_at,
            status_code,
            error,
            duration_ms,
        });
    }
    Ok(by_delivery)
}

/// A page of an endpoint's deliveries, newest first, optionally only those of `status`.
pub fn deliveries(
    conn: &mut PgConnection,
    endpoint: &WebhookEndpoint,
    status: Option<DeliveryStatus>,
    page: PageRequest,
) -> Result<Page<Delivery>, RepoError> {
    let municipality = endpoint.municipality_id.into_uuid();
    let mut query = d::webhook_deliveries
        .into_boxed()
        .filter(d::municipality_id.eq(municipality))
        .filter(d::endpoint_id.eq(endpoint.id.into_uuid()));
    if let Some(status) = status {
        query = query.filter(d::status.eq(status.as_str()));
    }
    if let Some(after) = page.after {
        query = query.filter(d::id.lt(after));
    }
    let rows = query
        .order(d::id.desc())
        .limit(page.limit + 1)
        .select(DeliveryRow::as_select())
        .load(conn)?;
    let page = Page::from_rows(rows, page.limit, |r| r.id);
    let ids: Vec<Uuid> = page.items.iter().map(|r| r.id).collect();
    let mut attempts = attempts_of(conn, municipality, &ids)?;
    page.try_map(|row| {
        let log = attempts.remove(&row.id).unwrap_or_default();
        row.into_delivery(log)
    })
}

/// The constraint name [`retry`] refuses with while a worker is sending the delivery.
pub const BEING_SENT: &str = "webhook_deliveries_being_sent";

/// Makes one of an endpoint's deliveries due again at `now` (whatever it stood at): it is sent
/// once more with the same `webhook-id`. `NotFound` when the endpoint has no such delivery;
/// `Duplicate` on [`BEING_SENT`] while a worker is sending it.
pub fn retry(
    conn: &mut PgConnection,
    endpoint: &WebhookEndpoint,
    delivery: WebhookDeliveryId,
    now: DateTime<Utc>,
) -> Result<Delivery, RepoError> {
    let municipality = endpoint.municipality_id.into_uuid();
    let target = d::webhook_deliveries
        .filter(d::municipality_id.eq(municipality))
        .filter(d::endpoint_id.eq(endpoint.id.into_uuid()))
        .filter(d::id.eq(delivery.into_uuid()));
    let (status, attempts): (String, i32) = target
        .select((d::status, d::attempts))
        .for_update()
        .first(conn)
        .optional()?
        .ok_or(RepoError::NotFound)?;
    let recorded: i64 = a::webhook_attempts
        .filter(a::municipality_id.eq(municipality))
        .filter(a::delivery_id.eq(delivery.into_uuid()))
        .count()
        .get_result(conn)?;
    if status == DeliveryStatus::Pending.as_str() && i64::from(attempts) > recorded {
        return Err(RepoError::Duplicate {
            constraint: BEING_SENT.to_owned(),
        });
    }
    let row: DeliveryRow = diesel::update(target)
        .set((
            d::status.eq(DeliveryStatus::Pending.as_str()),
            d::next_attempt_at.eq(Some(now)),
        ))
        .returning(DeliveryRow::as_returning())
        .get_result(conn)
        .optional()?
        .ok_or(RepoError::NotFound)?;
    let log = attempts_of(conn, municipality, &[row.id])?
        .remove(&row.id)
        .unwrap_or_default();
    row.into_delivery(log)
}

/// A delivery claimed for sending, with all it takes to send it.
#[derive(Debug, Clone)]
pub struct Due {
    /// The municipality.
    pub municipality_id: Uuid,
    /// The delivery.
    pub delivery_id: Uuid,
    /// The endpoint.
    pub endpoint_id: Uuid,
    /// The event (its `webhook-id`).
    pub event_id: EventId,
    /// This attempt's number (1 for the first).
    pub attempt: i32,
    /// Where to POST.
    pub url: String,
    /// The secrets that sign: the current one, then the previous one while it still does.
    pub secrets: Vec<String>,
    /// The exact body.
    pub body: String,
}

#[derive(QueryableByName)]
struct DueRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    municipality_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    endpoint_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    event_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    attempts: i32,
}

/// Claims up to `batch` deliveries due at `now` for enabled endpoints: each one's next attempt
/// moves to `lease_until` (past the send timeout) and its attempt count goes up, in one
/// committed statement, so no other worker sends it meanwhile. If this worker dies before it
/// records the result, the delivery is due again once the lease runs out, with the same
/// `webhook-id`.
pub fn claim_due(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    batch: i64,
) -> Result<Vec<Due>, RepoError> {
    use diesel::sql_types::{BigInt, Timestamptz};
    let claimed: Vec<DueRow> = diesel::sql_query(
        "UPDATE webhook_deliveries d
            SET next_attempt_at = $2, attempts = d.attempts + 1, last_attempt_at = $1
           FROM (SELECT d2.municipality_id, d2.id
                   FROM webhook_deliveries d2
                   JOIN webhook_endpoints e2
                     ON e2.municipality_id = d2.municipality_id AND e2.id = d2.endpoint_id
                  WHERE d2.status = 'pending' AND d2.next_attempt_at <= $1 AND e2.enabled
                  ORDER BY d2.next_attempt_at
                  LIMIT $3
                    FOR UPDATE OF d2 SKIP LOCKED) c
          WHERE d.municipality_id = c.municipality_id AND d.id = c.id
      RETURNING d.municipality_id, d.id, d.endpoint_id, d.event_id, d.attempts",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(lease_until)
    .bind::<BigInt, _>(batch)
    .load(conn)?;
    if claimed.is_empty() {
        return Ok(Vec::new());
    }
    let endpoint_ids: Vec<Uuid> = claimed.iter().map(|c| c.endpoint_id).collect();
    type Secrets = (
        Uuid,
        Uuid,
        String,
        String,
        Option<String>,
        Option<DateTime<Utc>>,
    );
    let endpoints: HashMap<(Uuid, Uuid), Secrets> = e::webhook_endpoints
        .filter(e::id.eq_any(&endpoint_ids))
        .select((
            e::municipality_id,
            e::id,
            e::url,
            e::secret,
            e::previous_secret,
            e::previous_secret_expires_at,
        ))
        .load::<Secrets>(conn)?
        .into_iter()
        .map(|row| ((row.0, row.1), row))
        .collect();
    // By key (municipality, id), so each read is an index lookup.
    let mut municipalities: Vec<Uuid> = claimed.iter().map(|c| c.municipality_id).collect();
    municipalities.sort_unstable();
    municipalities.dedup();
    let mut bodies: HashMap<(Uuid, Uuid), String> = HashMap::new();
    for municipality in municipalities {
        let ids: Vec<Uuid> = claimed
            .iter()
            .filter(|c| c.municipality_id == municipality)
            .map(|c| c.event_id)
            .collect();
        bodies.extend(
            o::outbox_events
                .filter(o::municipality_id.eq(municipality))
                .filter(o::id.eq_any(&ids))
                .select((o::municipality_id, o::id, o::body))
                .load::<(Uuid, Uuid, String)>(conn)?
                .into_iter()
                .map(|(m, id, body)| ((m, id), body)),
        );
    }
    claimed
        .into_iter()
        .map(|c| {
            let (_, _, url, secret, previous, until) = endpoints
                .get(&(c.municipality_id, c.endpoint_id))
                .cloned()
                .ok_or_else(|| RepoError::Internal("claimed delivery lost its endpoint".into()))?;
            let body = bodies
                .get(&(c.municipality_id, c.event_id))
                .cloned()
                .ok_or_else(|| RepoError::Internal("claimed delivery lost its event".into()))?;
            let mut secrets = vec![secret];
            if let (Some(previous), Some(until)) = (previous, until)
                && until > now
            {
                secrets.push(previous);
            }
            Ok(Due {
                municipality_id: c.municipality_id,
                delivery_id: c.id,
                endpoint_id: c.endpoint_id,
                event_id: c.event_id.into(),
                attempt: c.attempts,
                url,
                secrets,
                body,
            })
        })
        .collect()
}

/// What one attempt got.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The receiver's status, if it answered.
    pub status_code: Option<u16>,
    /// What went wrong (no answer, or the first bytes of an error answer).
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: i32,
    /// The wait a `Retry-After` header asked for, already capped.
    pub retry_after: Option<TimeDelta>,
}

/// What recording an attempt did to its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Delivered.
    Delivered,
    /// Due again later.
    Retrying,
    /// Failed for good (schedule spent).
    Failed,
    /// Failed for good and the endpoint disabled (410).
    Disabled,
    /// The delivery was changed meanwhile (deleted, or claimed again after the lease ran out);
    /// nothing was recorded.
    Stale,
}

/// Records the attempt `due` made and moves its delivery on, as [`judge`] and the retry
/// schedule say (`schedule(failed_attempts)`), in one transaction. A 410 disables the endpoint.
pub fn record(
    conn: &mut PgConnection,
    due: &Due,
    outcome: &Outcome,
    now: DateTime<Utc>,
    schedule: impl Fn(i32) -> Option<TimeDelta>,
) -> Result<Recorded, RepoError> {
    conn.transaction(|conn| {
        let still: Option<(String, i32)> = d::webhook_deliveries
            .filter(d::municipality_id.eq(due.municipality_id))
            .filter(d::id.eq(due.delivery_id))
            .select((d::status, d::attempts))
            .for_update()
            .first(conn)
            .optional()?;
        match still {
            Some((status, attempts)) if status == "pending" && attempts == due.attempt => {}
            _ => return Ok(Recorded::Stale),
        }
        diesel::insert_into(webhook_attempts::table)
            .values((
                a::municipality_id.eq(due.municipality_id),
                a::delivery_id.eq(due.delivery_id),
                a::attempt.eq(due.attempt),
                a::attempted_at.eq(now),
                a::status_code.eq(outcome.status_code.map(i32::from)),
                a::error.eq(&outcome.error),
                a::duration_ms.eq(outcome.duration_ms),
            ))
            .on_conflict_do_nothing()
            .execute(conn)?;
        let delivery = d::webhook_deliveries
            .filter(d::municipality_id.eq(due.municipality_id))
            .filter(d::id.eq(due.delivery_id));
        let endpoint = e::webhook_endpoints
            .filter(e::municipality_id.eq(due.municipality_id))
            .filter(e::id.eq(due.endpoint_id));
        let code = outcome.status_code.map(i32::from);
        let recorded = match judge(outcome.status_code) {
            Verdict::Delivered => {
                diesel::update(delivery)
                    .set((
                        d::status.eq(DeliveryStatus::Delivered.as_str()),
                        d::next_attempt_at.eq(None::<DateTime<Utc>>),
                        d::delivered_at.eq(Some(now)),
                        d::last_status_code.eq(code),
                        d::last_error.eq(None::<String>),
                    ))
                    .execute(conn)?;
                diesel::update(endpoint.filter(e::failure_streak.ne(0)))
                    .set(e::failure_streak.eq(0))
                    .execute(conn)?;
                Recorded::Delivered
            }
            Verdict::Gone => {
                diesel::update(delivery)
                    .set((
                        d::status.eq(DeliveryStatus::Failed.as_str()),
                        d::next_attempt_at.eq(None::<DateTime<Utc>>),
                        d::last_status_code.eq(code),
                        d::last_error.eq(&outcome.error),
                    ))
                    .execute(conn)?;
                diesel::update(endpoint)
                    .set((
                        e::enabled.eq(false),
                        e::disabled_reason.eq(DISABLED_GONE),
                        e::failure_streak.eq(e::failure_streak + 1),
                        e::version.eq(e::version + 1),
                    ))
                    .execute(conn)?;
                Recorded::Disabled
            }
            Verdict::Retry => match schedule(due.attempt) {
                Some(wait) => {
                    let wait = outcome.retry_after.map_or(wait, |asked| asked.max(wait));
                    diesel::update(delivery)
                        .set((
                            d::next_attempt_at.eq(Some(now + wait)),
                            d::last_status_code.eq(code),
                            d::last_error.eq(&outcome.error),
                        ))
                        .execute(conn)?;
                    Recorded::Retrying
                }
                None => {
                    diesel::update(delivery)
                        .set((
                            d::status.eq(DeliveryStatus::Failed.as_str()),
                            d::next_attempt_at.eq(None::<DateTime<Utc>>),
                            d::last_status_code.eq(code),
                            d::last_error.eq(&outcome.error),
                        ))
                        .execute(conn)?;
                    diesel::update(endpoint)
                        .set(e::failure_streak.eq(e::failure_streak + 1))
                        .execute(conn)?;
                    Recorded::Failed
                }
            },
        };
        Ok(recorded)
    })
}

/// The endpoints of `municipality` that need looking at: disabled by a 410 answer, or enabled
/// with deliveries that failed for good since the last success.
pub fn failing(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
) -> Result<Vec<WebhookEndpoint>, RepoError> {
    e::webhook_endpoints
        .filter(e::municipality_id.eq(municipality.into_uuid()))
        .filter(
            e::enabled
                .eq(false)
                .and(e::disabled_reason.eq(DISABLED_GONE))
                .or(e::enabled.eq(true).and(e::failure_streak.gt(0))),
        )
        .order(e::id.asc())
        .select(EndpointRow::as_select())
        .load::<EndpointRow>(conn)?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

//! The outbox: events written in the same transaction as the change that causes them, so an
//! event exists exactly when its change committed, and handed from there to the webhook
//! endpoints that want them. Workers claim rows with `FOR UPDATE SKIP LOCKED`, so several
//! instances can drain it and each event is handed on once.

use crate::{
    error::RepoError,
    schema::{
        outbox_events::{self, dsl as o},
        webhook_deliveries::{self, dsl as d},
        webhook_endpoints::dsl as e,
    },
};
use chrono::{DateTime, Utc};
use diesel::{dsl::count_star, prelude::*};
use samspill_domain::{
    ids::{EventId, MunicipalityId},
    webhook::Event,
};
use std::collections::HashMap;
use uuid::Uuid;

/// The body every endpoint receives for `event`: `{"type", "timestamp", "data"}`.
pub fn body_of(event: &Event, at: DateTime<Utc>) -> Result<String, RepoError> {
    let body = serde_json::json!({
        "type": event.event_type().as_str(),
        "timestamp": at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "data": event,
    });
    serde_json::to_string(&body).map_err(|e| RepoError::Internal(e.to_string()))
}

/// Writes `event` to the outbox on `conn`. Call it inside the transaction that makes the
/// change: if that transaction rolls back, the event was never written.
pub fn emit(conn: &mut PgConnection, event: &Event) -> Result<EventId, RepoError> {
    emit_all(conn, std::slice::from_ref(event))?
        .into_iter()
        .next()
        .ok_or_else(|| RepoError::Internal("no event written".into()))
}

/// Writes several events in one statement (a placement ending cancels its planned visits).
pub fn emit_all(conn: &mut PgConnection, events: &[Event]) -> Result<Vec<EventId>, RepoError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let at = Utc::now();
    let mut ids = Vec::with_capacity(events.len());
    let mut rows = Vec::with_capacity(events.len());
    for event in events {
        let id = EventId::generate();
        ids.push(id);
        rows.push((
            o::municipality_id.eq(event.municipality_id().into_uuid()),
            o::id.eq(id.into_uuid()),
            o::event_type.eq(event.event_type().as_str()),
            o::body.eq(body_of(event, at)?),
            o::created_at.eq(at),
        ));
    }
    diesel::insert_into(outbox_events::table)
        .values(rows)
        .execute(conn)?;
    Ok(ids)
}

/// The event types an endpoint subscribes to, as stored.
type Subscribed = Vec<Option<String>>;

/// Hands up to `batch` events not yet handed on to the enabled endpoints of their municipality
/// that subscribe to their type: one pending delivery each, due at `now`. Events nobody wants
/// are marked handed on all the same. Returns how many events were handled. Rows are claimed
/// with `SKIP LOCKED`: instances running this at once take different events.
pub fn dispatch(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    batch: i64,
) -> Result<usize, RepoError> {
    conn.transaction(|conn| {
        let picked: Vec<(Uuid, Uuid, String)> = o::outbox_events
            .filter(o::dispatched_at.is_null())
            .order((o::created_at.asc(), o::id.asc()))
            .limit(batch)
            .select((o::municipality_id, o::id, o::event_type))
            .for_update()
            .skip_locked()
            .load(conn)?;
        if picked.is_empty() {
            return Ok(0);
        }
        let mut municipalities: Vec<Uuid> = picked.iter().map(|(m, _, _)| *m).collect();
        municipalities.sort_unstable();
        municipalities.dedup();
        let endpoints: Vec<(Uuid, Uuid, Subscribed)> = e::webhook_endpoints
            .filter(e::municipality_id.eq_any(&municipalities))
            .filter(e::enabled.eq(true))
            .select((e::municipality_id, e::id, e::event_types))
            .load(conn)?;
        let mut by_municipality: HashMap<Uuid, Vec<(Uuid, Subscribed)>> = HashMap::new();
        for (municipality, id, types) in endpoints {
            by_municipality
                .entry(municipality)
                .or_default()
                .push((id, types));
        }
        let mut deliveries = Vec::new();
        for (municipality, event, event_type) in &picked {
            for (endpoint, types) in by_municipality.get(municipality).into_iter().flatten() {
                if types.iter().flatten().any(|t| t == event_type) {
                    deliveries.push((
                        d::municipality_id.eq(*municipality),
                        d::id.eq(Uuid::now_v7()),
                        d::endpoint_id.eq(*endpoint),
                        d::event_id.eq(*event),
                        d::event_type.eq(event_type.clone()),
                        d::next_attempt_at.eq(Some(now)),
                        d::created_at.eq(now),
                    ));
                }
            }
        }
        for chunk in deliveries.chunks(1_000) {
            diesel::insert_into(webhook_deliveries::table)
                .values(chunk)
                .on_conflict_do_nothing()
                .execute(conn)?;
        }
        // By key (municipality, id), so each update is an index lookup.
        for municipality in &municipalities {
            let ids: Vec<Uuid> = picked
                .iter()
                .filter(|(m, _, _)| m == municipality)
                .map(|(_, id, _)| *id)
                .collect();
            diesel::update(
                o::outbox_events
                    .filter(o::municipality_id.eq(municipality))
                    .filter(o::id.eq_any(&ids)),
            )
            .set(o::dispatched_at.eq(Some(now)))
            .execute(conn)?;
        }
        Ok(picked.len())
    })
}

/// How the outbox stands, for the metrics: events not yet handed on, deliveries waiting, and
/// the age of the oldest event whose delivery is still outstanding (not handed on, or pending
/// for an enabled endpoint).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Backlog {
    /// Events not yet handed on.
    pub undispatched: i64,
    /// Deliveries pending for enabled endpoints.
    pub pending_deliveries: i64,
    /// When the oldest outstanding event was written.
    pub oldest: Option<DateTime<Utc>>,
}

/// The outbox's backlog across all municipalities.
pub fn backlog(conn: &mut PgConnection) -> Result<Backlog, RepoError> {
    let undispatched: i64 = o::outbox_events
        .filter(o::dispatched_at.is_null())
        .select(count_star())
        .get_result(conn)?;
    let oldest_undispatched: Option<DateTime<Utc>> = o::outbox_events
        .filter(o::dispatched_at.is_null())
        .order((o::created_at.asc(), o::id.asc()))
        .select(o::created_at)
        .first(conn)
        .optional()?;
    let pending = d::webhook_deliveries
        .inner_join(
            e::webhook_endpoints.on(e::municipality_id
                .eq(d::municipality_id)
                .and(e::id.eq(d::endpoint_id))),
        )
        .filter(d::status.eq("pending"))
        .filter(e::enabled.eq(true));
    let pending_deliveries: i64 = pending.select(count_star()).get_result(conn)?;
    let oldest_pending: Option<DateTime<Utc>> = pending
        .inner_join(
            o::outbox_events.on(o::municipality_id
                .eq(d::municipality_id)
                .and(o::id.eq(d::event_id))),
        )
        .select(diesel::dsl::min(o::created_at))
        .first::<Option<DateTime<Utc>>>(conn)?;
    let oldest = match (oldest_undispatched, oldest_pending) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    Ok(Backlog {
        undispatched,
        pending_deliveries,
        oldest,
    })
}

/// How many events of `municipality` the outbox holds (tests and drills count them).
pub fn count(conn: &mut PgConnection, municipality: MunicipalityId) -> Result<i64, RepoError> {
    Ok(o::outbox_events
        .filter(o::municipality_id.eq(municipality.into_uuid()))
        .select(count_star())
        .get_result(conn)?)
}

/// The types of `municipality`'s events, oldest first (tests read what was written).
pub fn types_of(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
) -> Result<Vec<String>, RepoError> {
    Ok(o::outbox_events
        .filter(o::municipality_id.eq(municipality.into_uuid()))
        .order((o::created_at.asc(), o::id.asc()))
        .select(o::event_type)
        .load(conn)?)
}

/// How many days events handed on, and their finished deliveries, are kept.
pub const KEEP_DAYS: i64 = 30;

/// Deletes up to `batch` events handed on before `before` that no delivery to an enabled
/// endpoint still waits for, with their deliveries and attempts (deliveries waiting that long
/// for a disabled endpoint go too). Returns how many events went.
pub fn purge(
    conn: &mut PgConnection,
    before: DateTime<Utc>,
    batch: i64,
) -> Result<usize, RepoError> {
    use diesel::sql_types::{BigInt, Timestamptz};
    conn.transaction(|conn| {
        diesel::sql_query(
            "CREATE TEMPORARY TABLE IF NOT EXISTS purged_events (municipality_id uuid, id uuid) ON COMMIT DROP",
        )
        .execute(conn)?;
        diesel::sql_query(
            "INSERT INTO purged_events
             SELECT o.municipality_id, o.id FROM outbox_events o
              WHERE o.dispatched_at < $1
                AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d
                                  JOIN webhook_endpoints e
                                    ON e.municipality_id = d.municipality_id AND e.id = d.endpoint_id
                                 WHERE d.municipality_id = o.municipality_id
                                   AND d.event_id = o.id AND d.status = 'pending' AND e.enabled)
              ORDER BY o.dispatched_at
              LIMIT $2
                FOR UPDATE SKIP LOCKED",
        )
        .bind::<Timestamptz, _>(before)
        .bind::<BigInt, _>(batch)
        .execute(conn)?;
        diesel::sql_query(
            "DELETE FROM webhook_deliveries d USING purged_events p
              WHERE d.municipality_id = p.municipality_id AND d.event_id = p.id",
        )
        .execute(conn)?;
        Ok(diesel::sql_query(
            "DELETE FROM outbox_events o USING purged_events p
              WHERE o.municipality_id = p.municipality_id AND o.id = p.id",
        )
        .execute(conn)?)
    })
}

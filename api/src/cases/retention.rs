//! Retention: what falls due when (the dry run), and the scheduled job that acts on it. A
//! volunteer falls due a policy's months after the day their category counts from, unless a
//! coordinator has kept them longer; the job then anonymises them as an erasure does (and, for
//! `delete`, removes the record too). Hours and contact-log notes past their period lose their
//! notes or go. Everything the job does to a volunteer is in their audit log, by `scheduler`.

use crate::{cases::time_entries::local_today, error::ApiError};
use chrono::{DateTime, NaiveDate, Utc};
use samspill_domain::{
    audit::{Actor, AuditAction, AuditResource},
    auth::TenantScope,
    ids::MunicipalityId,
    municipality::Municipality,
    retention::{RetentionAction, RetentionPolicy},
    schedule::time_zone_name,
};
use samspill_persistence::{
    PgConnection, audit, municipalities,
    retention::{self, Candidate, CandidateQuery},
    volunteers,
};
use uuid::Uuid;

/// What the period of a category in bulk would do on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkDue {
    /// The policy.
    pub policy: RetentionPolicy,
    /// Rows dated this day or earlier are acted on.
    pub cutoff: NaiveDate,
    /// How many rows.
    pub rows: i64,
}

/// A page of the volunteers the job would act on by `on` as things stand `today`, in id order
/// after `after`, and whether more follow (the id to go on after).
pub fn due_volunteers(
    conn: &mut PgConnection,
    municipality: &Municipality,
    today: NaiveDate,
    on: NaiveDate,
    after: Option<Uuid>,
    limit: i64,
) -> Result<(Vec<Candidate>, Option<Uuid>), ApiError> {
    let found = retention::candidates(
        conn,
        municipality.id,
        time_zone_name(municipality.country),
        CandidateQuery {
            horizon: on,
            with_warning: false,
            only: None,
            after,
            limit: limit + 1,
        },
    )?;
    let next = (found.len() > usize::try_from(limit).unwrap_or(usize::MAX))
        .then(|| found.get(usize::try_from(limit - 1).unwrap_or(0)))
        .flatten()
        .map(|c| c.volunteer_id.into_uuid());
    let due = found
        .into_iter()
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .filter(|c| c.acts_on(today) <= on)
        .collect();
    Ok((due, next))
}

/// What the bulk policies would do on `on`.
pub fn bulk_due(
    conn: &mut PgConnection,
    municipality: &Municipality,
    on: NaiveDate,
) -> Result<Vec<BulkDue>, ApiError> {
    let zone = time_zone_name(municipality.country);
    let mut out = Vec::new();
    for stored in retention::policies(conn, municipality.id)? {
        let policy = stored.policy;
        if policy.category.is_per_volunteer() {
            continue;
        }
        let cutoff = policy.bulk_cutoff(on);
        let rows = retention::bulk_due(conn, municipality.id, zone, policy, cutoff)?;
        out.push(BulkDue {
            policy,
            cutoff,
            rows,
        });
    }
    Ok(out)
}

/// The volunteer's retention now: the policy that applies, the day it counts from and the
/// day it acts; `None` when no policy applies to them.
pub fn status_of(
    conn: &mut PgConnection,
    municipality: &Municipality,
    volunteer: Uuid,
) -> Result<Option<Candidate>, ApiError> {
    let only = [volunteer];
    Ok(retention::candidates(
        conn,
        municipality.id,
        time_zone_name(municipality.country),
        CandidateQuery {
            horizon: NaiveDate::MAX,
            with_warning: false,
            only: Some(&only),
            after: None,
            limit: 1,
        },
    )?
    .into_iter()
    .next())
}

/// The scheduled job: in every municipality with a policy, acts on the volunteers due today
/// (at most `batch` each) and on rows in bulk past their period (at most `batch` per policy).
/// Returns how many volunteers and rows it handled.
pub fn apply(conn: &mut PgConnection, now: DateTime<Utc>, batch: i64) -> Result<usize, ApiError> {
    let mut handled = 0;
    for id in retention::municipalities_with_policies(conn)? {
        let municipality = municipalities::find(conn, TenantScope::All, MunicipalityId::from(id))?;
        handled += apply_in(conn, &municipality, local_today(&municipality, now), batch)?;
    }
    Ok(handled)
}

fn apply_in(
    conn: &mut PgConnection,
    municipality: &Municipality,
    today: NaiveDate,
    batch: i64,
) -> Result<usize, ApiError> {
    let zone = time_zone_name(municipality.country);
    let limit = usize::try_from(batch).unwrap_or(usize::MAX);
    let mut handled = 0;
    // First notice who comes within their warning; then act on those noticed long enough ago.
    for noticing in [true, false] {
        let mut after = None;
        let mut done = 0;
        loop {
            let found = retention::candidates(
                conn,
                municipality.id,
                zone,
                CandidateQuery {
                    horizon: today,
                    with_warning: noticing,
                    only: None,
                    after,
                    limit: batch,
                },
            )?;
            after = found.last().map(|c| c.volunteer_id.into_uuid());
            for candidate in &found {
                if done >= limit {
                    break;
                }
                let due_on = candidate.due_on();
                if noticing {
                    if candidate.warned_on().is_none()
                        && candidate.policy.warn_from(due_on) <= today
                    {
                        retention::notice(conn, municipality.id, candidate, today)?;
                        done += 1;
                    }
                } else if candidate.warned_on().is_some() && candidate.acts_on(today) <= today {
                    act_on(conn, municipality.id, candidate)?;
                    done += 1;
                }
            }
            if found.len() < limit || done >= limit {
                break;
            }
        }
        handled += done;
    }
    for stored in retention::policies(conn, municipality.id)? {
        let policy = stored.policy;
        if !policy.category.is_per_volunteer() {
            let rows = retention::apply_bulk(
                conn,
                municipality.id,
                zone,
                policy,
                policy.bulk_cutoff(today),
                batch,
            )?;
            crate::metrics::personal_data_action("bulk_rows", rows);
            handled += rows;
        }
    }
    Ok(handled)
}

/// Anonymises a volunteer who fell due (unless an erasure did already), and deletes the record
/// when the policy says so; each step is in the audit log.
fn act_on(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    candidate: &Candidate,
) -> Result<(), ApiError> {
    let id = candidate.volunteer_id;
    retention::forget_notice(conn, municipality, id)?;
    if !candidate.erased {
        volunteers::erase(
            conn,
            TenantScope::Municipality(municipality),
            id,
            None,
            Actor::SCHEDULER,
            AuditAction::Anonymise,
        )?;
        crate::metrics::personal_data_action("anonymised", 1);
    }
    if candidate.policy.action == RetentionAction::Delete {
        audit::record(
            conn,
            &audit::NewAuditEntry {
                municipality_id: municipality,
                volunteer_id: Some(id),
                actor: Actor::SCHEDULER,
                action: AuditAction::Delete,
                resource: AuditResource::Volunteer,
                resource_id: Some(id.into_uuid()),
            },
        )?;
        volunteers::delete_erased(conn, municipality, id)?;
        crate::metrics::personal_data_action("deleted", 1);
    }
    Ok(())
}

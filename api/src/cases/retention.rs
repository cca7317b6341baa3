//! Retention: what falls due when (the dry run), and the scheduled job that acts on it. A
//! volunteer falls due a policy's months after the day their category counts from, unless a
//! coordinator has kept them longer; the job then anonymises them as an erasure does (and, for
//! `delete`, removes the record too). Hours and contact-log notes past their period lose their
//! notes or go. Everything the job does to a volunteer is in their audit log, by `scheduler`.

use crate::{auth::StaffCaller, cases::time_entries::local_today, error::ApiError};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::Connection;
use samspill_domain::{
    audit::{Actor, AuditAction, AuditResource},
    auth::TenantScope,
    ids::{MunicipalityId, VolunteerId},
    municipality::Municipality,
    retention::{RetentionAction, RetentionPolicy, check_extension},
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
    /// The first day the job acts on them: `warn_days` after the policy was last set.
    pub acts_from: NaiveDate,
}

/// The first day the job acts under a bulk policy set (last) at `set_at`: no sooner than its
/// `warn_days` after, as for volunteers (the same rule, [`RetentionPolicy::acts_on`]).
fn bulk_acts_from(municipality: &Municipality, stored: &retention::StoredPolicy) -> NaiveDate {
    let set_on = local_today(municipality, stored.updated_at);
    stored.policy.acts_on(set_on, Some(set_on), set_on)
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
            acts_from: bulk_acts_from(municipality, &stored),
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
        // Each municipality in its own savepoint: one that fails is logged and tried again next
        // round, without holding back the others.
        let done = conn.transaction(|conn| {
            let municipality =
                municipalities::find(conn, TenantScope::All, MunicipalityId::from(id))?;
            apply_in(conn, &municipality, local_today(&municipality, now), batch)
        });
        match done {
            Ok(rows) => handled += rows,
            Err(error) => {
                tracing::warn!(municipality = %id, %error, "retention failed in a municipality");
            }
        }
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
                } else if candidate.warned_on().is_some()
                    && candidate.acts_on(today) <= today
                    && act_on(conn, municipality, candidate, today)?
                {
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
        if !policy.category.is_per_volunteer() && bulk_acts_from(municipality, &stored) <= today {
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
    municipality: &Municipality,
    candidate: &Candidate,
    today: NaiveDate,
) -> Result<bool, ApiError> {
    let id = candidate.volunteer_id;
    // Under the volunteer's lock (an extension takes it too), is it still due?
    retention::lock_volunteer(conn, municipality.id, id)?;
    let still = status_of(conn, municipality, id.into_uuid())?;
    let Some(candidate) = still.filter(|c| c.warned_on().is_some() && c.acts_on(today) <= today)
    else {
        return Ok(false);
    };
    let candidate = &candidate;
    let municipality = municipality.id;
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
    Ok(true)
}

/// A volunteer's retention as the caller (who manages them) reads it: the policy that applies
/// now, if any, their extensions, and the municipality's day.
pub fn of_volunteer(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: VolunteerId,
    now: DateTime<Utc>,
) -> Result<(Option<Candidate>, Vec<retention::Extension>, NaiveDate), ApiError> {
    let volunteer = crate::access::managed_volunteer(conn, caller, id)?;
    let municipality = municipalities::find(conn, caller.scope(), volunteer.municipality_id)?;
    let today = local_today(&municipality, now);
    let status = status_of(conn, &municipality, id.into_uuid())?;
    let extensions = retention::extensions_of(conn, municipality.id, id)?;
    Ok((status, extensions, today))
}

/// Keeps a volunteer the caller manages until `until` (after today), for `reason`; recorded
/// with who decided it, under the volunteer's lock (the job takes it too).
pub fn extend(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: VolunteerId,
    (until, reason): (NaiveDate, &str),
    now: DateTime<Utc>,
) -> Result<retention::Extension, ApiError> {
    conn.transaction(|conn| {
        let seen = crate::access::managed_volunteer(conn, caller, id)?;
        // The job takes the same lock; read again under it (anonymised meanwhile: 404).
        retention::lock_volunteer(conn, seen.municipality_id, id)?;
        let volunteer = crate::access::managed_volunteer(conn, caller, id)?;
        let municipality = municipalities::find(conn, caller.scope(), volunteer.municipality_id)?;
        let today = local_today(&municipality, now);
        let (until, reason) = check_extension(until, reason, today).map_err(|errors| {
            ApiError::fields(errors.into_iter().map(|(f, e)| (f.to_owned(), e)).collect())
        })?;
        let made = retention::extend(conn, municipality.id, id, until, &reason, caller.id)?;
        crate::metrics::personal_data_action("retention_extended", 1);
        Ok(made)
    })
}

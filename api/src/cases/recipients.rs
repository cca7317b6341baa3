//! People visited at home: a change that withdraws them from visits (`active: false`, consent
//! withdrawn) suspends their placements and flags the visits planned.

use crate::{auth::StaffCaller, error::ApiError};
use chrono::{DateTime, Utc};
use diesel::Connection;
use samspill_domain::{
    ids::RecipientId, placement::PlacementStatus, recipient::Recipient, visit::VisitFlag,
};
use samspill_persistence::{
    PgConnection, needs, placements,
    recipients::{self, RecipientChanges},
    visits,
};

/// The reason kept in a placement's history when its recipient is withdrawn.
pub const WITHDRAWN: &str = "the person visited no longer accepts visits";

/// Changes a person visited at home. Made inactive, their placements that have not ended are
/// suspended (resuming one asks that they accept visits again), the visits planned from `now`
/// on are flagged, and the needs asked for them are closed and leave the board.
pub fn update(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: RecipientId,
    expected_version: Option<i32>,
    changes: &RecipientChanges,
    now: DateTime<Utc>,
) -> Result<Recipient, ApiError> {
    conn.transaction(|conn| {
        let before =
            recipients::find_seen(conn, caller.scope(), crate::access::managed(caller)?, id)?;
        // A district coordinator keeps the person with a unit of their districts.
        if let Some(unit) = changes
            .responsible_unit_id
            .filter(|unit| *unit != before.responsible_unit_id)
        {
            crate::access::check_in_districts(
                conn,
                caller,
                &[unit.into_uuid()],
                "responsible_unit_id",
            )?;
        }
        let updated = recipients::update(conn, caller.scope(), id, expected_version, changes)?;
        if before.active && !updated.active {
            for placement in placements::open_with_recipient(conn, updated.municipality_id, id)? {
                placements::set_status(
                    conn,
                    &placement,
                    PlacementStatus::Suspended,
                    WITHDRAWN,
                    Some(caller.id),
                    None,
                )?;
                visits::flag_planned(conn, &placement, now, Some(VisitFlag::PlacementSuspended))?;
            }
            needs::close_for_recipient(conn, updated.municipality_id, id)?;
        }
        Ok(updated)
    })
}

/// Erases a person visited at home whom the caller manages (see `recipients::erase`).
pub fn erase(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: RecipientId,
    expected_version: Option<i32>,
) -> Result<(), ApiError> {
    conn.transaction(|conn| {
        recipients::find_seen(conn, caller.scope(), crate::access::managed(caller)?, id)?;
        Ok(recipients::erase(
            conn,
            caller.scope(),
            id,
            expected_version,
            caller.id,
        )?)
    })
}

//! The placements' part of the coordinators' work list: suspended placements, first home
//! visits within the week with nobody named to come along, and visits left unmarked.

use crate::{error::RepoError, work::NamedWorkItem};
use chrono::{DateTime, Days, NaiveDate, Utc};
use diesel::{
    prelude::*,
    sql_types::{Bool, Date, Nullable, Text, Timestamptz, Uuid as SqlUuid},
};
use samspill_domain::{
    ids::MunicipalityId,
    work::{
        FIRST_VISIT_LOOK_AHEAD_DAYS, UNMARKED_VISIT_GRACE_DAYS, WorkItem, WorkItemKind,
        WorkSubject, first_visit_needs_companion, visit_unmarked,
    },
};
use uuid::Uuid;

/// Who a placement places, with their name, joined the same way in every query below.
const PLACED: &str = "coalesce(p.volunteer_id, p.group_id) AS subject_id, \
     (p.group_id IS NOT NULL) AS is_group, \
     coalesce(v.given_name || ' ' || v.family_name, g.name, '') AS name \
     FROM placements p \
     LEFT JOIN volunteers v ON v.municipality_id = p.municipality_id AND v.id = p.volunteer_id \
     LEFT JOIN groups g ON g.municipality_id = p.municipality_id AND g.id = p.group_id";

#[derive(QueryableByName)]
struct Suspended {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    subject_id: Uuid,
    #[diesel(sql_type = Bool)]
    is_group: bool,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Timestamptz)]
    since: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    reason: String,
}

#[derive(QueryableByName)]
struct VisitDue {
    #[diesel(sql_type = SqlUuid)]
    visit_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    placement_id: Uuid,
    #[diesel(sql_type = Date)]
    local_date: NaiveDate,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    companion: Option<Uuid>,
    #[diesel(sql_type = SqlUuid)]
    subject_id: Uuid,
    #[diesel(sql_type = Bool)]
    is_group: bool,
    #[diesel(sql_type = Text)]
    name: String,
}

fn item(
    kind: WorkItemKind,
    (subject_id, is_group, name): (Uuid, bool, String),
    due_on: NaiveDate,
    (placement_id, related_id): (Uuid, Uuid),
    detail: String,
) -> NamedWorkItem {
    NamedWorkItem {
        item: WorkItem {
            kind,
            subject: if is_group {
                WorkSubject::Group
            } else {
                WorkSubject::Volunteer
            },
            subject_id,
            due_on,
            related_id: Some(related_id),
            detail,
        },
        name,
        assignee_id: None,
        placement_id: Some(placement_id),
    }
}

/// The placements' work items of `municipality` on `today`.
pub fn placement_items(
    conn: &mut PgConnection,
    municipality: MunicipalityId,
    today: NaiveDate,
) -> Result<Vec<NamedWorkItem>, RepoError> {
    let tenant = municipality.into_uuid();
    let mut items = Vec::new();

    let suspended: Vec<Suspended> = diesel::sql_query(format!(
        "SELECT p.id, h.changed_at AS since, h.reason, {PLACED} \
         JOIN LATERAL (SELECT changed_at, reason FROM placement_status_changes h \
                       WHERE h.municipality_id = p.municipality_id AND h.placement_id = p.id \
                       ORDER BY h.id DESC LIMIT 1) h ON true \
         WHERE p.municipality_id = $1 AND p.status = 'suspended'"
    ))
    .bind::<SqlUuid, _>(tenant)
    .load(conn)?;
    for row in suspended {
        items.push(item(
            WorkItemKind::PlacementSuspended,
            (row.subject_id, row.is_group, row.name),
            row.since.date_naive(),
            (row.id, row.id),
            format!("placement suspended: {}", row.reason),
        ));
    }

    // The earliest planned visit of each private-home placement that has had no completed
    // visit: its first visit.
    let first: Vec<VisitDue> = diesel::sql_query(format!(
        "SELECT DISTINCT ON (p.id) vi.id AS visit_id, p.id AS placement_id, vi.local_date, \
                coalesce(vi.accompanied_by_user_id, vi.accompanied_by_contact_id) AS companion, \
                {PLACED} \
         JOIN visits vi ON vi.municipality_id = p.municipality_id AND vi.placement_id = p.id \
         WHERE p.municipality_id = $1 AND p.recipient_id IS NOT NULL \
           AND p.status IN ('proposed', 'active') AND vi.status = 'planned' \
           AND vi.local_date <= $2 \
           AND NOT EXISTS (SELECT 1 FROM visits done WHERE done.municipality_id = p.municipality_id \
                           AND done.placement_id = p.id AND done.status = 'completed') \
         ORDER BY p.id, vi.starts_at, vi.id"
    ))
    .bind::<SqlUuid, _>(tenant)
    .bind::<Date, _>(today + Days::new(FIRST_VISIT_LOOK_AHEAD_DAYS))
    .load(conn)?;
    for row in first {
        if row.companion.is_none() && first_visit_needs_companion(row.local_date, today) {
            items.push(item(
                WorkItemKind::FirstVisitUnaccompanied,
                (row.subject_id, row.is_group, row.name),
                row.local_date,
                (row.placement_id, row.visit_id),
                format!(
                    "first home visit of placement {} on {}: name the staff representative who comes along",
                    row.placement_id, row.local_date
                ),
            ));
        }
    }

    let unmarked: Vec<VisitDue> = diesel::sql_query(format!(
        "SELECT vi.id AS visit_id, p.id AS placement_id, vi.local_date, \
                NULL::uuid AS companion, {PLACED} \
         JOIN visits vi ON vi.municipality_id = p.municipality_id AND vi.placement_id = p.id \
         WHERE p.municipality_id = $1 AND vi.status = 'planned' AND vi.local_date <= $2"
    ))
    .bind::<SqlUuid, _>(tenant)
    .bind::<Date, _>(today - Days::new(UNMARKED_VISIT_GRACE_DAYS))
    .load(conn)?;
    for row in unmarked {
        if let Some(due) = visit_unmarked(row.local_date, today) {
            items.push(item(
                WorkItemKind::VisitNotMarked,
                (row.subject_id, row.is_group, row.name),
                due,
                (row.placement_id, row.visit_id),
                format!(
                    "visit of {} (placement {}) is not marked completed or not attended",
                    row.local_date, row.placement_id
                ),
            ));
        }
    }
    Ok(items)
}

//! Bulk hours: a time entry for every completed visit, and as many more entries not linked to
//! a placement as make up the number asked for, each with the history of its status, made by
//! PostgreSQL from `generate_series`.

use super::{SeedReport, SeededMunicipality, step};
use crate::error::RepoError;
use diesel::{
    prelude::*,
    sql_query,
    sql_types::{Array, BigInt, Text, Uuid as SqlUuid},
};

/// Entries of `m`: one per completed visit (from the visit: its date, its length, the
/// placement's unit and activity kind; dated more than a week ago: 97 % approved, 1.5 %
/// declined, the rest pending; the last week pending), then, up to `target` in all, entries of
/// approved or paused volunteers (one in ten of an approved group, with a head count of 2 to
/// 16) on days of the last three years at a unit of the municipality for one of the five
/// default activity kinds, 30 minutes to 4 hours: four in five logged by the volunteer (the last
/// 30 days 70 % pending; before, 92 % approved, 5 % declined, 3 % pending), one in five by the
/// coordinator (approved at once). Then the history: the logged step of each, and the decision
/// of those decided after they waited.
pub(super) fn seed_time_entries(
    conn: &mut PgConnection,
    m: &SeededMunicipality,
    target: u64,
    report: &mut SeedReport,
) -> Result<(), RepoError> {
    let denmark = m.country == "DK";
    let mut from_visits = 0;
    step(conn, report, "time_entries", |conn| {
        from_visits = sql_query(
            "WITH c AS (
                SELECT id FROM staff_users WHERE municipality_id = $1 AND role = 'coordinator'
                ORDER BY id LIMIT 1
            ), src AS (
                SELECT v.id AS visit_id, v.placement_id, v.local_date, v.ends_at,
                       greatest(1, least(1440, (extract(epoch FROM v.ends_at - v.starts_at) / 60)::int)) AS minutes,
                       p.volunteer_id, p.group_id, p.head_count,
                       coalesce(p.unit_id, r.responsible_unit_id) AS unit_id, p.activity_kind,
                       CASE WHEN v.local_date > current_date - 7 THEN 'pending'
                            WHEN random() < 0.97 THEN 'approved'
                            WHEN random() < 0.5 THEN 'declined' ELSE 'pending' END AS status,
                       least(now(), v.ends_at + interval '2 days') AS decided
                FROM visits v
                JOIN placements p ON p.municipality_id = v.municipality_id AND p.id = v.placement_id
                LEFT JOIN recipients r ON r.municipality_id = p.municipality_id AND r.id = p.recipient_id
                WHERE v.municipality_id = $1 AND v.status = 'completed'
            )
            INSERT INTO time_entries (municipality_id, id, volunteer_id, group_id, head_count,
                                      occurred_on, minutes, placement_id, visit_id, unit_id,
                                      activity_kind, source, status, decided_by, decided_at,
                                      created_by, created_at, updated_at)
            SELECT $1, pg_temp.seed_uuid7(s.ends_at), s.volunteer_id, s.group_id, s.head_count,
                   s.local_date, s.minutes, s.placement_id, s.visit_id, s.unit_id, s.activity_kind,
                   'visit', s.status,
                   CASE WHEN s.status <> 'pending' THEN c.id END,
                   CASE WHEN s.status <> 'pending' THEN s.decided END,
                   c.id, s.ends_at,
                   CASE WHEN s.status <> 'pending' THEN s.decided ELSE s.ends_at END
            FROM src s, c",
        )
        .bind::<SqlUuid, _>(m.id)
        .execute(conn)?;
        let extra = target.saturating_sub(u64::try_from(from_visits).unwrap_or(0));
        let extra = i64::try_from(extra).unwrap_or(i64::MAX);
        let added = sql_query(
            "WITH ctx AS (
                SELECT (SELECT id FROM staff_users WHERE municipality_id = $1 AND role = 'coordinator'
                         ORDER BY id LIMIT 1) AS coordinator,
                       (SELECT array_agg(id ORDER BY id) FROM volunteers WHERE municipality_id = $1
                           AND status IN ('approved', 'paused') AND erased_at IS NULL) AS vols,
                       (SELECT array_agg(id ORDER BY id) FROM groups WHERE municipality_id = $1
                           AND status = 'approved') AS grps,
                       (SELECT array_agg(id ORDER BY id) FROM units WHERE municipality_id = $1
                           AND kind <> 'care_district') AS units,
                       ARRAY['companionship', 'activity', 'escort', 'cultural_event',
                             'party_or_arrangement'] AS kinds
            ), x AS (
                SELECT g, random() AS pick, random() AS roll, random() < 0.2 AS by_coordinator,
                       current_date - floor(random() * 1095)::int AS d,
                       (ARRAY[30, 45, 60, 60, 90, 120, 180, 240])[1 + floor(random() * 8)::int] AS minutes
                FROM generate_series(1, $2) g
            ), y AS (
                SELECT x.*, ctx.*,
                       x.pick < 0.1 AND ctx.grps IS NOT NULL AS is_group,
                       least(now(), (x.d + time '20:00')::timestamptz) AS logged,
                       CASE WHEN x.by_coordinator THEN 'approved'
                            WHEN x.d > current_date - 30 AND x.roll < 0.7 THEN 'pending'
                            WHEN x.d > current_date - 30 THEN 'approved'
                            WHEN x.roll < 0.92 THEN 'approved'
                            WHEN x.roll < 0.97 THEN 'declined' ELSE 'pending' END AS status
                FROM x, ctx
                WHERE ctx.vols IS NOT NULL AND ctx.units IS NOT NULL
            )
            INSERT INTO time_entries (municipality_id, id, volunteer_id, group_id, head_count,
                                      occurred_on, minutes, unit_id, activity_kind, note, source,
                                      status, decided_by, decided_at, created_by, created_at,
                                      updated_at)
            SELECT $1, pg_temp.seed_uuid7(y.logged),
                   CASE WHEN NOT y.is_group THEN y.vols[1 + floor(random() * cardinality(y.vols))::int] END,
                   CASE WHEN y.is_group THEN y.grps[1 + floor(random() * cardinality(y.grps))::int] END,
                   CASE WHEN y.is_group THEN 2 + floor(random() * 15)::int END,
                   y.d, y.minutes,
                   y.units[1 + floor(random() * cardinality(y.units))::int],
                   y.kinds[1 + floor(random() * 5)::int],
                   CASE WHEN random() < 0.3 THEN $3[1 + floor(random() * cardinality($3))::int] END,
                   CASE WHEN y.by_coordinator THEN 'coordinator' ELSE 'volunteer' END,
                   y.status,
                   CASE WHEN y.status <> 'pending' THEN y.coordinator END,
                   CASE WHEN y.status <> 'pending' THEN least(now(), y.logged + interval '3 days') END,
                   CASE WHEN y.by_coordinator THEN y.coordinator END,
                   y.logged,
                   CASE WHEN y.status <> 'pending' THEN least(now(), y.logged + interval '3 days')
                        ELSE y.logged END
            FROM y",
        )
        .bind::<SqlUuid, _>(m.id)
        .bind::<BigInt, _>(extra)
        .bind::<Array<Text>, _>(if denmark {
            &["Sang i fællesstuen", "Gåtur i haven", "Hjalp til ved sommerfesten", "Læste avis højt"][..]
        } else {
            &["Sang i fellesstua", "Tur i hagen", "Hjalp til på sommerfesten", "Leste avisen høyt"][..]
        })
        .execute(conn)?;
        Ok(from_visits + added)
    })?;

    step(conn, report, "time_entry_changes", |conn| {
        sql_query(
            "INSERT INTO time_entry_changes (municipality_id, id, time_entry_id, from_status,
                                             to_status, reason, changed_by, changed_at)
             SELECT $1, pg_temp.seed_uuid7(h.at), t.id, h.from_status, h.to_status, h.reason,
                    h.by, h.at
             FROM time_entries t
             CROSS JOIN LATERAL (
                 SELECT NULL AS from_status,
                        CASE WHEN t.source = 'coordinator' THEN 'approved' ELSE 'pending' END AS to_status,
                        NULL AS reason, t.created_by AS by, t.created_at AS at
                 UNION ALL
                 SELECT 'pending', t.status,
                        CASE WHEN t.status = 'declined' THEN $2 END, t.decided_by, t.decided_at
                 WHERE t.source <> 'coordinator' AND t.status <> 'pending'
             ) h
             WHERE t.municipality_id = $1",
        )
        .bind::<SqlUuid, _>(m.id)
        .bind::<Text, _>(if denmark {
            "Registreret to gange"
        } else {
            "Ført to ganger"
        })
        .execute(conn)
    })
}

//! Bulk demo data for measurements: municipalities in Norway and Denmark with units, contact
//! persons, a coordinator, published documents, their own activity kind and requirement rule,
//! and volunteers in a realistic mix of statuses with the vetting facts, police certificates,
//! status history and visiting dogs that go with each status; groups; and about a third of the
//! approved volunteers placed (most at nursing homes, a few with people visited at home), each
//! placement with its history, a weekly schedule and visits twelve weeks back and ahead; and
//! hours: an entry per completed visit and, when asked, more up to a number in all.
//!
//! Rows are made by PostgreSQL itself (`INSERT ... SELECT` over `generate_series`), one
//! transaction per municipality, so a hundred thousand volunteers take seconds, not one round
//! trip per row. Every run creates new municipalities with codes not yet taken, so running it
//! twice adds a second set beside the first and never fails on a duplicate.
//!
//! The triggers that move a volunteer's feed clock when a vetting fact is written would update
//! every volunteer row once per fact; unless [`SeedPlan::fire_triggers`] asks for them, they are
//! disabled within each municipality's transaction (which holds a lock on those tables until it
//! commits) and `status_changed_at` is set on insert to about when the volunteer's last fact
//! was recorded.

mod hours;

use crate::error::RepoError;
use diesel::{
    prelude::*,
    sql_query,
    sql_types::{Array, Integer, Text, Uuid as SqlUuid},
};
use std::{
    collections::HashSet,
    time::{Duration, Instant},
};
use uuid::Uuid;

/// What to create.
#[derive(Debug, Clone)]
pub struct SeedPlan {
    /// Volunteers in all, spread over the municipalities (the first is the largest).
    pub volunteers: u32,
    /// How many municipalities; every third is Danish.
    pub municipalities: u32,
    /// The stored password hash of each municipality's coordinator account.
    pub coordinator_password_hash: String,
    /// Let the fact tables' triggers move each volunteer's feed clock row by row, as the
    /// application's writes do. Without it (the default) those triggers are switched off inside
    /// each municipality's transaction and the clock is set when the volunteer is inserted,
    /// which is several times faster and leaves no dead row versions behind.
    pub fire_triggers: bool,
    /// Time entries in all, shared by the municipalities as their volunteers are (the first
    /// gets the most). Each municipality gets one per completed visit, and entries not linked
    /// to a placement up to its share. `None`: one per completed visit only.
    pub time_entries: Option<u64>,
}

/// One municipality the seeder made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeededMunicipality {
    /// Its id.
    pub id: Uuid,
    /// `NO` or `DK`.
    pub country: &'static str,
    /// Its official code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// The login of its coordinator.
    pub coordinator_email: String,
    /// How many volunteers it got.
    pub volunteers: u32,
}

/// What the seeder did.
#[derive(Debug, Clone, Default)]
pub struct SeedReport {
    /// The municipalities created, the largest first.
    pub municipalities: Vec<SeededMunicipality>,
    /// Rows inserted per table, in insertion order.
    pub rows: Vec<(&'static str, u64)>,
    /// Time spent per step, summed over municipalities, in insertion order.
    pub steps: Vec<(&'static str, Duration)>,
}

impl SeedReport {
    fn add(&mut self, table: &'static str, rows: usize, took: Duration) {
        let rows = u64::try_from(rows).unwrap_or(u64::MAX);
        match self.rows.iter_mut().find(|(t, _)| *t == table) {
            Some((_, n)) => *n += rows,
            None => self.rows.push((table, rows)),
        }
        match self.steps.iter_mut().find(|(t, _)| *t == table) {
            Some((_, d)) => *d += took,
            None => self.steps.push((table, took)),
        }
    }
}

const NO_NAMES: [&str; 8] = [
    "Fjordvik",
    "Nordberg",
    "Solbakken",
    "Elvestad",
    "Havnøy",
    "Skogli",
    "Breivik",
    "Lierdal",
];
const DK_NAMES: [&str; 6] = [
    "Søby", "Vesterå", "Lindholm", "Egeskov", "Strandby", "Højmark",
];
const NO_GIVEN: [&str; 16] = [
    "Kari", "Ola", "Ingrid", "Per", "Siri", "Lars", "Nora", "Emil", "Astrid", "Jonas", "Solveig",
    "Magnus", "Liv", "Henrik", "Marit", "Bjørn",
];
const NO_FAMILY: [&str; 16] = [
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Berg",
    "Haugen",
    "Lie",
    "Moe",
    "Dahl",
    "Bakken",
];
const DK_GIVEN: [&str; 12] = [
    "Mette", "Søren", "Anne", "Jens", "Karen", "Niels", "Freja", "Mads", "Inge", "Lars", "Birgit",
    "Rasmus",
];
const DK_FAMILY: [&str; 12] = [
    "Nielsen",
    "Jensen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Madsen",
    "Kristensen",
];

/// Time-ordered ids like the application's (UUID version 7), made from a timestamp so that
/// seeded rows sort by when they were created. Lives in the session's temporary schema.
const UUID7: &str =
    "CREATE OR REPLACE FUNCTION pg_temp.seed_uuid7(at timestamptz) RETURNS uuid AS $$
    SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
        PLACING substring(int8send(floor(extract(epoch FROM at) * 1000)::bigint) FROM 3)
        FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid
$$ LANGUAGE sql VOLATILE";

/// How many volunteers each of `municipalities` gets: shares falling as 1, 1/2, 1/3, ..., so
/// the first is a city and the rest are smaller towns.
pub fn split(volunteers: u32, municipalities: u32) -> Vec<u32> {
    let count = municipalities.max(1);
    let weights: Vec<f64> = (1..=count).map(|i| 1.0 / f64::from(i)).collect();
    let total: f64 = weights.iter().sum();
    let mut shares: Vec<u32> = weights
        .iter()
        .map(|w| (f64::from(volunteers) * w / total).floor() as u32)
        .collect();
    let given: u32 = shares.iter().sum();
    if let Some(first) = shares.first_mut() {
        *first += volunteers - given;
    }
    shares
}

#[derive(QueryableByName)]
struct CodeRow {
    #[diesel(sql_type = Text)]
    code: String,
}

/// The first `count` codes of `country` not yet taken, counting up from a range no real
/// municipality uses today.
fn free_codes(
    conn: &mut PgConnection,
    country: &str,
    count: usize,
) -> Result<Vec<String>, RepoError> {
    let taken: HashSet<String> = sql_query("SELECT code FROM municipalities WHERE country = $1")
        .bind::<Text, _>(country)
        .load::<CodeRow>(conn)?
        .into_iter()
        .map(|r| r.code)
        .collect();
    let (start, end, width) = if country == "NO" {
        (5801_u32, 9999_u32, 4)
    } else {
        (801_u32, 999_u32, 3)
    };
    let codes: Vec<String> = (start..=end)
        .map(|n| format!("{n:0width$}"))
        .filter(|code| !taken.contains(code))
        .take(count)
        .collect();
    if codes.len() < count {
        return Err(RepoError::Internal(format!(
            "no free municipality codes left in {country} between {start} and {end}"
        )));
    }
    Ok(codes)
}

/// Creates the municipalities and volunteers of `plan`, then refreshes the planner's
/// statistics. Each municipality is one transaction.
pub fn seed(conn: &mut PgConnection, plan: &SeedPlan) -> Result<SeedReport, RepoError> {
    sql_query(UUID7).execute(conn)?;
    let shares = split(plan.volunteers, plan.municipalities);
    let danish = shares
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 3 == 2)
        .count();
    let mut no_codes = free_codes(conn, "NO", shares.len() - danish)?.into_iter();
    let mut dk_codes = free_codes(conn, "DK", danish)?.into_iter();
    let mut report = SeedReport::default();
    for (i, &volunteers) in shares.iter().enumerate() {
        let denmark = i % 3 == 2;
        let (country, code) = if denmark {
            ("DK", dk_codes.next())
        } else {
            ("NO", no_codes.next())
        };
        let code =
            code.ok_or_else(|| RepoError::Internal("ran out of municipality codes".into()))?;
        let name = if denmark {
            format!("{} Kommune", DK_NAMES[(i / 3) % DK_NAMES.len()])
        } else {
            format!("{} kommune", NO_NAMES[(i - i / 3) % NO_NAMES.len()])
        };
        let municipality = SeededMunicipality {
            id: Uuid::now_v7(),
            country,
            coordinator_email: format!(
                "koordinator.{}{}@bench.samspill.no",
                country.to_lowercase(),
                code
            ),
            code,
            name,
            volunteers,
        };
        conn.transaction(|conn| {
            if !plan.fire_triggers {
                set_fact_triggers(conn, "DISABLE")?;
            }
            seed_municipality(
                conn,
                &municipality,
                &plan.coordinator_password_hash,
                &mut report,
            )?;
            let share = plan.time_entries.map_or(0, |all| {
                let total = u64::from(plan.volunteers.max(1));
                all.saturating_mul(u64::from(volunteers)) / total
            });
            hours::seed_time_entries(conn, &municipality, share, &mut report)?;
            if !plan.fire_triggers {
                set_fact_triggers(conn, "ENABLE")?;
            }
            Ok::<_, RepoError>(())
        })?;
        report.municipalities.push(municipality);
    }
    let started = Instant::now();
    sql_query(
        "ANALYZE municipalities, units, staff_users, contact_persons, municipality_documents, \
         activity_kinds, requirement_rules, volunteers, volunteer_status_changes, screenings, \
         declarations, reference_checks, police_certificates, dogs, dog_approvals, recipients, \
         placements, placement_status_changes, placement_schedules, visits, needs, need_interests, \
         time_entry_changes",
    )
    .execute(conn)?;
    // The hours report reads the index alone once the visibility map says its pages are all
    // visible, which a vacuum records (autovacuum does it in time after inserts).
    sql_query("VACUUM (ANALYZE) time_entries").execute(conn)?;
    report.steps.push(("analyze", started.elapsed()));
    Ok(report)
}

/// The triggers that move a volunteer's or group's feed clock when a vetting fact or a
/// placement is written.
const FACT_TRIGGERS: [(&str, &str); 10] = [
    ("screenings", "screenings_status_touch"),
    ("declarations", "declarations_status_touch"),
    ("reference_checks", "reference_checks_status_touch"),
    ("police_certificates", "police_certificates_status_touch"),
    ("dogs", "dogs_status_touch"),
    ("dog_approvals", "dog_approvals_status_touch"),
    ("group_members", "group_members_status_touch"),
    ("group_screenings", "group_screenings_status_touch"),
    ("group_declarations", "group_declarations_status_touch"),
    ("placements", "placements_feed_touch"),
];

/// `DISABLE`s or `ENABLE`s [`FACT_TRIGGERS`] (transactional: a rollback restores them).
fn set_fact_triggers(conn: &mut PgConnection, how: &str) -> Result<(), RepoError> {
    for (table, trigger) in FACT_TRIGGERS {
        sql_query(format!("ALTER TABLE {table} {how} TRIGGER {trigger}")).execute(conn)?;
    }
    Ok(())
}

/// Runs one step and books its rows and time under `table`.
fn step(
    conn: &mut PgConnection,
    report: &mut SeedReport,
    table: &'static str,
    run: impl FnOnce(&mut PgConnection) -> QueryResult<usize>,
) -> Result<(), RepoError> {
    let started = Instant::now();
    let rows = run(conn)?;
    report.add(table, rows, started.elapsed());
    Ok(())
}

fn seed_municipality(
    conn: &mut PgConnection,
    m: &SeededMunicipality,
    password_hash: &str,
    report: &mut SeedReport,
) -> Result<(), RepoError> {
    let denmark = m.country == "DK";
    let n = i32::try_from(m.volunteers).unwrap_or(i32::MAX);
    let coordinator = Uuid::now_v7();
    let (given, family): (&[&str], &[&str]) = if denmark {
        (&DK_GIVEN, &DK_FAMILY)
    } else {
        (&NO_GIVEN, &NO_FAMILY)
    };

    step(conn, report, "municipalities", |conn| {
        sql_query("INSERT INTO municipalities (id, country, code, name) VALUES ($1, $2, $3, $4)")
            .bind::<SqlUuid, _>(m.id)
            .bind::<Text, _>(m.country)
            .bind::<Text, _>(&m.code)
            .bind::<Text, _>(&m.name)
            .execute(conn)
    })?;

    // One care district and, under it, nursing homes, home care and day centres: about one
    // unit per 2 500 volunteers, at least three and at most sixty.
    let units = (n / 2500).clamp(3, 60);
    step(conn, report, "units", |conn| {
        sql_query(
            "WITH district AS (
                INSERT INTO units (id, municipality_id, name, kind)
                VALUES (pg_temp.seed_uuid7(now()), $1, $2, 'care_district') RETURNING id
            ), rest AS (
                INSERT INTO units (id, municipality_id, name, kind, parent_id)
                SELECT pg_temp.seed_uuid7(now()), $1,
                       (ARRAY[$3, $4, $5])[1 + g % 3] || ' ' || g,
                       (ARRAY['nursing_home', 'home_care', 'day_center'])[1 + g % 3],
                       district.id
                FROM generate_series(1, $6) g, district RETURNING 1
            )
            SELECT 1 FROM district UNION ALL SELECT 1 FROM rest",
        )
        .bind::<SqlUuid, _>(m.id)
        .bind::<Text, _>(if denmark {
            "Distrikt Midt"
        } else {
            "Omsorgsdistrikt Sentrum"
        })
        .bind::<Text, _>(if denmark { "Plejecenter" } else { "Sykehjem" })
        .bind::<Text, _>(if denmark {
            "Hjemmeplejen"
        } else {
            "Hjemmetjenesten"
        })
        .bind::<Text, _>(if denmark { "Dagcenter" } else { "Dagsenter" })
        .bind::<Integer, _>(units)
        .execute(conn)
    })?;

    step(conn, report, "staff_users", |conn| {
        sql_query(
            "INSERT INTO staff_users (id, municipality_id, email, display_name, role, password_hash)
             VALUES ($1, $2, $3, $4, 'coordinator', $5)",
        )
        .bind::<SqlUuid, _>(coordinator)
        .bind::<SqlUuid, _>(m.id)
        .bind::<Text, _>(&m.coordinator_email)
        .bind::<Text, _>(format!("Koordinator {}", m.name))
        .bind::<Text, _>(password_hash)
        .execute(conn)
    })?;

    // About one contact person per 40 volunteers; a fifth represent a group.
    let contacts = (n / 40).clamp(5, 500);
    step(conn, report, "contact_persons", |conn| {
        sql_query(
            "INSERT INTO contact_persons (id, municipality_id, kind, name, email)
             SELECT pg_temp.seed_uuid7(now()), $1,
                    CASE WHEN g % 5 = 0 THEN 'group_representative' ELSE 'staff' END,
                    $3[1 + g % cardinality($3)] || ' ' || $4[1 + (g / 7) % cardinality($4)],
                    'kontakt' || g || '@' || $5
             FROM generate_series(1, $2) g",
        )
        .bind::<SqlUuid, _>(m.id)
        .bind::<Integer, _>(contacts)
        .bind::<Array<Text>, _>(given)
        .bind::<Array<Text>, _>(family)
        .bind::<Text, _>(format!("k{}.example.{}", m.code, m.country.to_lowercase()))
        .execute(conn)
    })?;

    // Two versions of each document: declarations signed before 2025 name the older one.
    // These come before the volunteers, whose feed clock they would otherwise move.
    step(conn, report, "municipality_documents", |conn| {
        sql_query(
            "INSERT INTO municipality_documents (id, municipality_id, kind, version_label, published_on, published_by)
             SELECT pg_temp.seed_uuid7(now()), $1, k, v, p, $2
             FROM unnest(ARRAY['confidentiality', 'privacy_guidelines', 'volunteer_agreement']) k,
                  (VALUES ('2023-1', DATE '2023-01-01'), ('2025-1', DATE '2025-01-01')) d(v, p)",
        )
        .bind::<SqlUuid, _>(m.id)
        .bind::<SqlUuid, _>(coordinator)
        .execute(conn)
    })?;
    step(conn, report, "activity_kinds", |conn| {
        sql_query(
            "INSERT INTO activity_kinds (id, municipality_id, code, name, created_by)
             VALUES (pg_temp.seed_uuid7(now()), $1, 'dog_visit', $2, $3)",
        )
        .bind::<SqlUuid, _>(m.id)
        .bind::<Text, _>(if denmark {
            "Besøgshund"
        } else {
            "Besøkshund"
        })
        .bind::<SqlUuid, _>(coordinator)
        .execute(conn)
    })?;
    step(conn, report, "requirement_rules", |conn| {
        sql_query(
            "INSERT INTO requirement_rules (id, municipality_id, name, setting, requirement, strict, created_by)
             VALUES (pg_temp.seed_uuid7(now()), $1, $2, 'private_home', 'reference_checks', true, $3)",
        )
        .bind::<SqlUuid, _>(m.id)
        .bind::<Text, _>(if denmark { "Referencer før besøg i hjemmet" } else { "Referanser før besøk i hjemmet" })
        .bind::<SqlUuid, _>(coordinator)
        .execute(conn)
    })?;

    // Volunteers registered over the last three years, oldest first. The mix: 62 % approved,
    // 8 % registered, 10 % in screening, 7 % paused, 5 % rejected, 8 % withdrawn. The feed
    // clock starts at about the date of the last fact made below, or for those who will be
    // placed, of their placement's activation (the triggers, when they fire, move it to now).
    step(conn, report, "volunteers", |conn| {
        sql_query(format!(
            "WITH ctx AS (
                SELECT (SELECT array_agg(id ORDER BY id) FROM units
                         WHERE municipality_id = $1 AND kind <> 'care_district') AS units,
                       (SELECT array_agg(id ORDER BY id) FROM contact_persons
                         WHERE municipality_id = $1) AS contacts
            ), base AS MATERIALIZED (
                SELECT s.*, pg_temp.seed_uuid7(s.created) AS id FROM (
                SELECT g,
                       now() - make_interval(secs => 94608000 * (1 - g::float8 / $2) + random() * 3600) AS created,
                       CASE WHEN r < 0.62 THEN 'approved' WHEN r < 0.70 THEN 'registered'
                            WHEN r < 0.80 THEN 'in_screening' WHEN r < 0.87 THEN 'paused'
                            WHEN r < 0.92 THEN 'rejected' ELSE 'withdrawn' END AS status,
                       $3[1 + floor(random() * cardinality($3))::int] AS given,
                       $4[1 + floor(random() * cardinality($4))::int] AS family,
                       random() < 0.4 AS self_registered,
                       floor(random() * 5)::int AS kind
                FROM (SELECT g, random() AS r FROM generate_series(1, $2) g) s) s
            )
            INSERT INTO volunteers (id, municipality_id, status, given_name, family_name, email, phone,
                                    birth_year, languages, interests, activity_kinds, availability,
                                    commitment, home_unit_id, contact_person_id, references_needed,
                                    source, privacy_notice_version, created_at, updated_at, status_changed_at)
            SELECT b.id, $1, b.status, b.given, b.family,
                   translate(lower(b.given || '.' || b.family), 'æøåé', 'aoae') || '.' || b.g || '@' || $5,
                   $6 || (40000000 + b.g)::text,
                   (1940 + floor(random() * 66))::smallint,
                   CASE WHEN random() < 0.2 THEN ARRAY[$7, 'en'] ELSE ARRAY[$7] END,
                   ARRAY[(ARRAY['music', 'walks', 'reading', 'cooking', 'gardening', 'crafts', 'chess', 'singing'])[1 + floor(random() * 8)::int]],
                   CASE WHEN random() < 0.3
                        THEN ARRAY[k.kinds[1 + b.kind], k.kinds[1 + (b.kind + 1) % 5]]
                        ELSE ARRAY[k.kinds[1 + b.kind]] END,
                   ARRAY[(ARRAY['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'])[1 + floor(random() * 7)::int]
                         || ':' || (ARRAY['morning', 'afternoon', 'evening'])[1 + floor(random() * 3)::int]],
                   CASE WHEN random() < 0.6 THEN 'regular' ELSE 'occasional' END,
                   CASE WHEN random() < 0.9 THEN ctx.units[1 + floor(random() * cardinality(ctx.units))::int] END,
                   CASE WHEN random() < CASE WHEN b.status IN ('approved', 'paused') THEN 0.9 ELSE 0.2 END
                        THEN ctx.contacts[1 + floor(random() * cardinality(ctx.contacts))::int] END,
                   random() < 0.25,
                   CASE WHEN b.self_registered THEN 'self_registration' ELSE 'coordinator' END,
                   CASE WHEN b.self_registered THEN '2025-1' END,
                   b.created, b.created,
                   least(now(), b.created + make_interval(days => CASE WHEN {placed} THEN 28 ELSE CASE b.status
                       WHEN 'registered' THEN 0 WHEN 'withdrawn' THEN 7 WHEN 'in_screening' THEN 10
                       WHEN 'paused' THEN 21 ELSE 14 END END))
            FROM base b, ctx,
                 (SELECT ARRAY['companionship', 'escort', 'activity', 'cultural_event', 'party_or_arrangement'] AS kinds) k",
            placed = placed("b.id", "b.status", "b.created"),
        ))
        .bind::<SqlUuid, _>(m.id)
        .bind::<Integer, _>(n)
        .bind::<Array<Text>, _>(given)
        .bind::<Array<Text>, _>(family)
        .bind::<Text, _>(format!("example.{}", m.country.to_lowercase()))
        .bind::<Text, _>(if denmark { "+45" } else { "+47" })
        .bind::<Text, _>(if denmark { "da" } else { "no" })
        .execute(conn)
    })?;

    // The transitions that led to each status, a week apart.
    step(conn, report, "volunteer_status_changes", |conn| {
        sql_query(
            "INSERT INTO volunteer_status_changes (id, volunteer_id, from_status, to_status, reason, changed_by, changed_at)
             SELECT pg_temp.seed_uuid7(t.at), v.id, t.from_status, t.to_status, t.reason, $2, t.at
             FROM volunteers v
             CROSS JOIN LATERAL (
                 SELECT c.from_status, c.to_status, c.reason,
                        least(now(), v.created_at + c.step * interval '7 days') AS at
                 FROM (VALUES
                     ('in_screening', 1, 'registered', 'in_screening', 'screening booked'),
                     ('approved', 1, 'registered', 'in_screening', 'screening booked'),
                     ('approved', 2, 'in_screening', 'approved', 'vetting complete'),
                     ('paused', 1, 'registered', 'in_screening', 'screening booked'),
                     ('paused', 2, 'in_screening', 'approved', 'vetting complete'),
                     ('paused', 3, 'approved', 'paused', 'taking a break'),
                     ('rejected', 1, 'registered', 'in_screening', 'screening booked'),
                     ('rejected', 2, 'in_screening', 'rejected', 'not suitable for the role'),
                     ('withdrawn', 1, 'registered', 'withdrawn', 'no longer available')
                 ) c(status, step, from_status, to_status, reason)
                 WHERE c.status = v.status
             ) t
             WHERE v.municipality_id = $1",
        )
        .bind::<SqlUuid, _>(m.id)
        .bind::<SqlUuid, _>(coordinator)
        .execute(conn)
    })?;

    // A screening for everyone past registration (half of those in screening have had theirs).
    step(conn, report, "screenings", |conn| {
        sql_query(
            "INSERT INTO screenings (id, volunteer_id, held_at, channel, interviewer_id, interests_mapped, assessment)
             SELECT pg_temp.seed_uuid7(h), id, h,
                    (ARRAY['phone', 'video', 'in_person'])[1 + floor(random() * 3)::int], $2, interests,
                    CASE status WHEN 'rejected' THEN 'not_suitable'
                                WHEN 'in_screening' THEN 'needs_follow_up' ELSE 'suitable' END
             FROM (SELECT id, status, interests, least(now(), created_at + interval '10 days') AS h
                   FROM volunteers WHERE municipality_id = $1
                     AND (status IN ('approved', 'paused', 'rejected')
                          OR (status = 'in_screening' AND random() < 0.5))) v",
        )
        .bind::<SqlUuid, _>(m.id)
        .bind::<SqlUuid, _>(coordinator)
        .execute(conn)
    })?;

    // The three declarations of every approved or paused volunteer, in the version current when
    // they signed; four in five of those who signed before 2025 have signed the new version.
    step(conn, report, "declarations", |conn| {
        sql_query(
            "INSERT INTO declarations (id, volunteer_id, kind, document_version, signed_on, recorded_by)
             SELECT pg_temp.seed_uuid7(s.signed_on::timestamptz), s.id, k,
                    CASE WHEN s.signed_on >= DATE '2025-01-01' THEN '2025-1' ELSE '2023-1' END,
                    s.signed_on, $2
             FROM (SELECT id,
                          CASE WHEN signed < DATE '2025-01-01' AND random() < 0.8
                               THEN greatest(signed, DATE '2025-01-15') ELSE signed END AS signed_on
                   FROM (SELECT id, least(current_date, (created_at + interval '14 days')::date) AS signed
                         FROM volunteers WHERE municipality_id = $1 AND status IN ('approved', 'paused')) v) s,
                  unnest(ARRAY['confidentiality', 'privacy_guidelines', 'volunteer_agreement']) k",
        )
        .bind::<SqlUuid, _>(m.id)
        .bind::<SqlUuid, _>(coordinator)
        .execute(conn)
    })?;

    // One or two referees where references are needed; those in screening still wait for
    // the answer.
    step(conn, report, "reference_checks", |conn| {
        sql_query(
            "INSERT INTO reference_checks (id, volunteer_id, referee_name, relation, contacted_at, outcome)
             SELECT pg_temp.seed_uuid7(now()), v.id, 'Referanse ' || r, (ARRAY['former employer', 'friend', 'neighbour'])[r],
                    CASE WHEN v.status <> 'in_screening' THEN least(now(), v.created_at + interval '12 days') END,
                    CASE WHEN v.status <> 'in_screening' THEN 'satisfactory' END
             FROM volunteers v, generate_series(1, 2) r
             WHERE v.municipality_id = $1 AND v.references_needed
               AND v.status IN ('in_screening', 'approved', 'paused')
               AND (r = 1 OR random() < 0.5)",
        )
        .bind::<SqlUuid, _>(m.id)
        .execute(conn)
    })?;

    // Six in ten approved or paused volunteers showed a police certificate within two months
    // of its issue (Norway: politiattest; Denmark: straffeattest, and some a børneattest).
    step(conn, report, "police_certificates", |conn| {
        sql_query(
            "INSERT INTO police_certificates (id, volunteer_id, kind, purpose, issued_on, presented_on, checked_by, outcome)
             SELECT pg_temp.seed_uuid7(c.issued::timestamptz), c.id, c.kind, $3, c.issued,
                    least(current_date, c.issued + floor(random() * 60)::int), $2,
                    CASE WHEN random() < 0.95 THEN 'no_remarks' ELSE 'remarks_not_relevant' END
             FROM (SELECT id, least(current_date - 3, (created_at + interval '10 days')::date) AS issued,
                          CASE WHEN $4 = 'NO' THEN 'politiattest'
                               WHEN random() < 0.15 THEN 'boerneattest' ELSE 'straffeattest' END AS kind
                   FROM volunteers
                   WHERE municipality_id = $1 AND status IN ('approved', 'paused') AND random() < 0.6) c",
        )
        .bind::<SqlUuid, _>(m.id)
        .bind::<SqlUuid, _>(coordinator)
        .bind::<Text, _>(if denmark {
            "Frivilligt arbejde med besøg i private hjem"
        } else {
            "Helse- og omsorgstjenesteloven § 5-4"
        })
        .bind::<Text, _>(m.country)
        .execute(conn)
    })?;

    // Four in a hundred approved or paused volunteers handle a visiting dog.
    step(conn, report, "dogs", |conn| {
        sql_query(
            "INSERT INTO dogs (id, municipality_id, handler_id, name, breed, birth_date)
             SELECT pg_temp.seed_uuid7(now()), $1, id,
                    (ARRAY['Bella', 'Luna', 'Max', 'Molly', 'Charlie', 'Rex', 'Bamse', 'Kira'])[1 + floor(random() * 8)::int],
                    (ARRAY['Golden retriever', 'Labrador retriever', 'Cavalier King Charles spaniel', 'Puddel', 'Blandingshund'])[1 + floor(random() * 5)::int],
                    current_date - (730 + floor(random() * 2500))::int
             FROM volunteers
             WHERE municipality_id = $1 AND status IN ('approved', 'paused') AND random() < 0.04",
        )
        .bind::<SqlUuid, _>(m.id)
        .execute(conn)
    })?;

    // One approval per dog, assessed within the last two years; about a quarter have a vet
    // check older than the twelve months the default setting allows.
    step(conn, report, "dog_approvals", |conn| {
        sql_query(
            "INSERT INTO dog_approvals (id, dog_id, handler_id, programme, categories, assessed_on, assessor,
                                        vet_checked_on, vaccinations_valid_until, insurance_valid_until,
                                        valid_until, restrictions, recorded_by)
             SELECT pg_temp.seed_uuid7(a.assessed::timestamptz), a.id, a.handler_id, $3,
                    CASE floor(random() * 4)::int
                        WHEN 0 THEN ARRAY['walk']
                        WHEN 1 THEN ARRAY['walk', 'institution_common_room']
                        WHEN 2 THEN ARRAY['institution_common_room', 'institution_single_room']
                        ELSE ARRAY['walk', 'institution_common_room', 'institution_single_room', 'home_visit'] END,
                    a.assessed, 'Sertifisert vurderer', a.vet, a.vet + 365,
                    (date_trunc('year', current_date) + interval '1 year - 1 day')::date,
                    a.assessed + 730,
                    CASE WHEN random() < 0.1 THEN 'Ikke hos beboere som er redde for hunder' END, $2
             FROM (SELECT id, handler_id, current_date - floor(random() * 700)::int AS assessed,
                          current_date - floor(random() * 500)::int AS vet
                   FROM dogs WHERE municipality_id = $1) a",
        )
        .bind::<SqlUuid, _>(m.id)
        .bind::<SqlUuid, _>(coordinator)
        .bind::<Text, _>(if denmark { "TrygFonden besøgshunde" } else { "Røde Kors besøkshund" })
        .execute(conn)
    })?;

    seed_groups(conn, m, report)?;
    seed_placements(conn, m, coordinator, report)?;
    seed_needs(conn, m, coordinator, report)
}

/// One group per `group_representative` contact person: kindergartens, school classes,
/// associations, companies (with a valid organisation number), networks. Most are approved
/// through a suitable screening of their contact person and the three declarations signed on
/// their behalf; each names up to four approved volunteers as members.
fn seed_groups(
    conn: &mut PgConnection,
    m: &SeededMunicipality,
    report: &mut SeedReport,
) -> Result<(), RepoError> {
    // Valid organisation numbers (check digits hold) for the companies.
    let org_numbers: &[&str] = if m.country == "DK" {
        &["24256790", "22756214"]
    } else {
        &["974760673", "984851006"]
    };
    step(conn, report, "groups", |conn| {
        sql_query(
            "INSERT INTO groups (id, municipality_id, name, kind, org_number, home_unit_id,
                                 contact_person_id, head_count, status, status_changed_at)
             SELECT pg_temp.seed_uuid7(now()), $1, c.kind_name || ' ' || c.k, c.kind,
                    CASE WHEN c.kind = 'company' THEN $2[1 + c.k % cardinality($2)] END,
                    (SELECT id FROM units WHERE municipality_id = $1 ORDER BY id LIMIT 1),
                    c.id, 4 + c.k % 20,
                    CASE WHEN c.k % 10 < 7 THEN 'approved' WHEN c.k % 10 < 9 THEN 'in_screening'
                         ELSE 'registered' END,
                    now()
             FROM (SELECT id, row_number() OVER (ORDER BY id) AS k,
                          (ARRAY['kindergarten', 'school_class', 'association', 'company', 'network'])[1 + (row_number() OVER (ORDER BY id)) % 5] AS kind,
                          (ARRAY['Barnehage', 'Skoleklasse', 'Forening', 'Bedrift', 'Nettverk'])[1 + (row_number() OVER (ORDER BY id)) % 5] AS kind_name
                   FROM contact_persons
                   WHERE municipality_id = $1 AND kind = 'group_representative') c",
        )
        .bind::<SqlUuid, _>(m.id)
        .bind::<Array<Text>, _>(org_numbers)
        .execute(conn)
    })?;
    step(conn, report, "group_screenings", |conn| {
        sql_query(
            "INSERT INTO group_screenings (id, group_id, contact_person_id, held_at, channel,
                                           interviewer_id, assessment)
             SELECT pg_temp.seed_uuid7(now()), g.id, g.contact_person_id, now() - interval '60 days',
                    'in_person',
                    (SELECT id FROM staff_users WHERE municipality_id = $1 AND role = 'coordinator' LIMIT 1),
                    'suitable'
             FROM groups g WHERE g.municipality_id = $1 AND g.status = 'approved'",
        )
        .bind::<SqlUuid, _>(m.id)
        .execute(conn)
    })?;
    step(conn, report, "group_declarations", |conn| {
        sql_query(
            "INSERT INTO group_declarations (id, group_id, kind, document_version, signed_on,
                                             signed_by, recorded_by)
             SELECT pg_temp.seed_uuid7(now()), g.id, k, '2025-1', current_date - 55,
                    g.contact_person_id,
                    (SELECT id FROM staff_users WHERE municipality_id = $1 AND role = 'coordinator' LIMIT 1)
             FROM groups g,
                  unnest(ARRAY['confidentiality', 'privacy_guidelines', 'volunteer_agreement']) k
             WHERE g.municipality_id = $1 AND g.status = 'approved'",
        )
        .bind::<SqlUuid, _>(m.id)
        .execute(conn)
    })?;
    // Approved volunteers are dealt out to the groups in turn, four at the most each.
    step(conn, report, "group_members", |conn| {
        sql_query(
            "WITH g AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k, count(*) OVER () AS n
                        FROM groups WHERE municipality_id = $1),
                  v AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k
                        FROM volunteers WHERE municipality_id = $1 AND status = 'approved')
             INSERT INTO group_members (group_id, volunteer_id, municipality_id)
             SELECT g.id, v.id, $1 FROM g JOIN v ON v.k % g.n = g.k AND v.k < g.n * 4",
        )
        .bind::<SqlUuid, _>(m.id)
        .execute(conn)
    })?;
    Ok(())
}

/// Which volunteers the seeder places, as an SQL condition on the given columns: about one in
/// three approved volunteers registered more than four weeks ago, chosen by a random byte of the
/// id. The same test runs when the volunteer is inserted (its feed clock is the placement's
/// activation) and when the placements are made.
fn placed(id: &str, status: &str, created: &str) -> String {
    format!(
        "({status} = 'approved' AND {created} < now() - interval '28 days' \
         AND get_byte(uuid_send({id}), 15) % 3 = 0)"
    )
}

/// How many people visited at home a municipality of `volunteers` gets: one per 250
/// volunteers, at least three.
pub fn recipients_for(volunteers: u32) -> i32 {
    i32::try_from(volunteers / 250).unwrap_or(i32::MAX).max(3)
}

/// How many weeks of visits lie on either side of today: the past ones marked, the future ones
/// planned (the municipality's default horizon of visit planning).
pub const VISIT_WEEKS: i32 = 12;

/// Placements of the volunteers [`placed`] chooses, active since four weeks after registration:
/// most with companionship or an activity at one of the municipality's nursing homes (their home
/// unit when that is one), a few with a person visited at home (volunteers registered more than
/// four months ago whose references were taken and who showed a police certificate, as a
/// private home asks). Each has the history that led to `active`, one weekly schedule (one or
/// two weekdays in the afternoon, local time) and its visits for [`VISIT_WEEKS`] weeks back and
/// ahead: past ones mostly completed, some not attended or cancelled, future ones planned.
fn seed_placements(
    conn: &mut PgConnection,
    m: &SeededMunicipality,
    coordinator: Uuid,
    report: &mut SeedReport,
) -> Result<(), RepoError> {
    let denmark = m.country == "DK";
    let (given, family): (&[&str], &[&str]) = if denmark {
        (&DK_GIVEN, &DK_FAMILY)
    } else {
        (&NO_GIVEN, &NO_FAMILY)
    };
    let streets: &[&str] = if denmark {
        &[
            "Hovedgaden",
            "Kirkevej",
            "Skolevej",
            "Strandvejen",
            "Møllevej",
            "Parkvej",
        ]
    } else {
        &[
            "Storgata",
            "Kirkeveien",
            "Skolegata",
            "Fjordveien",
            "Møllevegen",
            "Parkveien",
        ]
    };
    let town = m
        .name
        .trim_end_matches(" kommune")
        .trim_end_matches(" Kommune");
    step(conn, report, "recipients", |conn| {
        sql_query(
            "INSERT INTO recipients (municipality_id, id, display_name, address, contact_phone,
                                     responsible_unit_id, consent_given_by, consent_representative,
                                     consent_given_on, consent_recorded_by, created_at, updated_at)
             SELECT $1, pg_temp.seed_uuid7(r.at),
                    $3[1 + floor(random() * cardinality($3))::int] || ' '
                        || left($4[1 + floor(random() * cardinality($4))::int], 1) || '.',
                    $5[1 + r.g % cardinality($5)] || ' ' || (1 + floor(random() * 90)::int) || ', ' || $6,
                    CASE WHEN random() < 0.9 THEN $7 || (90000000 + r.g)::text END,
                    ctx.home_care[1 + r.g % cardinality(ctx.home_care)],
                    CASE WHEN r.g % 5 = 0 THEN 'representative' ELSE 'recipient' END,
                    CASE WHEN r.g % 5 = 0 THEN $3[1 + floor(random() * cardinality($3))::int] || ' '
                        || $4[1 + floor(random() * cardinality($4))::int] END,
                    r.at::date, $8, r.at, r.at
             FROM (SELECT g, now() - make_interval(days => 130 + floor(random() * 900)::int) AS at
                   FROM generate_series(1, $2) g) r,
                  (SELECT array_agg(id ORDER BY id) AS home_care FROM units
                    WHERE municipality_id = $1 AND kind = 'home_care') ctx",
        )
        .bind::<SqlUuid, _>(m.id)
        .bind::<Integer, _>(recipients_for(m.volunteers))
        .bind::<Array<Text>, _>(given)
        .bind::<Array<Text>, _>(family)
        .bind::<Array<Text>, _>(streets)
        .bind::<Text, _>(town)
        .bind::<Text, _>(if denmark { "+45" } else { "+47" })
        .bind::<SqlUuid, _>(coordinator)
        .execute(conn)
    })?;

    // Proposed three weeks after registration, active a week later, when the first visit went
    // well; the stored clearance answer is a marker, checked today.
    step(conn, report, "placements", |conn| {
        sql_query(format!(
            "WITH ctx AS (
                SELECT (SELECT array_agg(id ORDER BY id) FROM units
                         WHERE municipality_id = $1 AND kind = 'nursing_home') AS homes,
                       (SELECT array_agg(id ORDER BY id) FROM recipients
                         WHERE municipality_id = $1 AND active) AS recipients,
                       (SELECT array_agg(id ORDER BY id) FROM contact_persons
                         WHERE municipality_id = $1 AND kind = 'staff') AS contacts
            ), v AS (
                SELECT v.id, v.created_at, v.home_unit_id, v.activity_kinds,
                       v.references_needed AND v.created_at < now() - interval '120 days'
                         AND get_byte(uuid_send(v.id), 14) % 8 = 0
                         AND EXISTS (SELECT 1 FROM police_certificates c WHERE c.volunteer_id = v.id
                                        AND c.kind IN ('politiattest', 'straffeattest')) AS at_home
                FROM volunteers v
                WHERE v.municipality_id = $1 AND {placed}
            ), chosen AS (
                SELECT v.*, row_number() OVER (PARTITION BY v.at_home ORDER BY v.id) AS k
                FROM v
            )
            INSERT INTO placements (municipality_id, id, volunteer_id, unit_id, recipient_id,
                                    activity_kind, target_group, coordinator_id, contact_person_id,
                                    starts_on, status, clearance, clearance_checked_at,
                                    clearance_checked_on, created_at, updated_at)
            SELECT $1, pg_temp.seed_uuid7(c.created_at + interval '21 days'), c.id,
                   CASE WHEN NOT c.at_home THEN
                        CASE WHEN c.home_unit_id = ANY (ctx.homes) THEN c.home_unit_id
                             ELSE ctx.homes[1 + floor(random() * cardinality(ctx.homes))::int] END END,
                   CASE WHEN c.at_home THEN ctx.recipients[1 + (c.k - 1) % cardinality(ctx.recipients)] END,
                   CASE WHEN NOT c.at_home AND 'activity' = ANY (c.activity_kinds) THEN 'activity'
                        ELSE 'companionship' END,
                   'general', $2,
                   CASE WHEN NOT c.at_home AND random() < 0.5
                        THEN ctx.contacts[1 + floor(random() * cardinality(ctx.contacts))::int] END,
                   (c.created_at + interval '28 days')::date, 'active', $3::jsonb, clock_timestamp(),
                   current_date, c.created_at + interval '21 days', c.created_at + interval '28 days'
            FROM chosen c, ctx
            WHERE NOT c.at_home OR cardinality(ctx.recipients) > 0",
            placed = placed("v.id", "v.status", "v.created_at"),
        ))
        .bind::<SqlUuid, _>(m.id)
        .bind::<SqlUuid, _>(coordinator)
        .bind::<Text, _>(r#"{"cleared": true, "seeded": true}"#)
        .execute(conn)
    })?;

    step(conn, report, "placement_status_changes", |conn| {
        sql_query(
            "INSERT INTO placement_status_changes (municipality_id, id, placement_id, from_status,
                                                   to_status, reason, changed_by, changed_at)
             SELECT $1, pg_temp.seed_uuid7(t.at), p.id, t.from_status, t.to_status, t.reason, $2, t.at
             FROM placements p
             CROSS JOIN LATERAL (VALUES
                 (NULL, 'proposed', 'proposed', p.created_at),
                 ('proposed', 'active', $3, p.updated_at)
             ) t(from_status, to_status, reason, at)
             WHERE p.municipality_id = $1",
        )
        .bind::<SqlUuid, _>(m.id)
        .bind::<SqlUuid, _>(coordinator)
        .bind::<Text, _>(if denmark {
            "Første besøg gik godt"
        } else {
            "Første besøk gikk bra"
        })
        .execute(conn)
    })?;

    // One weekly schedule per placement from its first day: one weekday, or two for three in
    // ten, at a full or half hour between 12:00 and 17:30; visits planned to the horizon.
    step(conn, report, "placement_schedules", |conn| {
        sql_query(
            "INSERT INTO placement_schedules (municipality_id, id, placement_id, starts_on, weekdays,
                                              interval_weeks, start_time, duration_minutes,
                                              generated_until, created_at, updated_at)
             SELECT $1, pg_temp.seed_uuid7(p.updated_at), p.id, p.starts_on,
                    CASE WHEN p.two THEN ARRAY[least(p.d1, p.d2), greatest(p.d1, p.d2)]
                         ELSE ARRAY[p.d1] END::smallint[],
                    1, make_time(12 + floor(random() * 6)::int, 30 * floor(random() * 2)::int, 0),
                    (ARRAY[45, 60, 60, 60, 90, 120])[1 + floor(random() * 6)::int],
                    current_date + 7 * $2, p.updated_at, p.updated_at
             FROM (SELECT id, starts_on, updated_at, random() < 0.3 AS two, d1,
                          1 + (d1 + floor(random() * 6)::int) % 7 AS d2
                   FROM (SELECT id, starts_on, updated_at, 1 + floor(random() * 7)::int AS d1
                         FROM placements WHERE municipality_id = $1) p) p",
        )
        .bind::<SqlUuid, _>(m.id)
        .bind::<Integer, _>(VISIT_WEEKS)
        .execute(conn)
    })?;

    // Each schedule's dates from its first day (or the window's) to the horizon, at the local
    // time of the municipality's zone. Past visits: 88 % completed, 4 % not attended, 8 %
    // cancelled the day before; each generated twelve weeks ahead of its date (or when its
    // schedule was made).
    step(conn, report, "visits", |conn| {
        sql_query(
            "INSERT INTO visits (municipality_id, id, placement_id, schedule_id, local_date, starts_at,
                                 ends_at, status, status_reason, status_changed_by, status_changed_at,
                                 created_at, updated_at)
             SELECT $1, pg_temp.seed_uuid7(x.made), x.placement_id, x.schedule_id, x.d, x.at, x.ends,
                    x.status,
                    CASE WHEN x.status = 'cancelled' THEN $4[1 + floor(random() * cardinality($4))::int] END,
                    CASE WHEN x.status <> 'planned' THEN $2::uuid END,
                    x.changed, x.made, coalesce(x.changed, x.made)
             FROM (SELECT y.*,
                          CASE WHEN y.status = 'cancelled' THEN greatest(y.made, y.at - interval '1 day')
                               WHEN y.status <> 'planned' THEN y.ends END AS changed
                   FROM (SELECT s.id AS schedule_id, s.placement_id, dd.d, dd.at,
                                dd.at + make_interval(mins => s.duration_minutes) AS ends,
                                least(now(), greatest(s.created_at, dd.at - make_interval(days => 7 * $3))) AS made,
                                CASE WHEN dd.at + make_interval(mins => s.duration_minutes) >= now() THEN 'planned'
                                     WHEN dd.r < 0.88 THEN 'completed'
                                     WHEN dd.r < 0.92 THEN 'no_show' ELSE 'cancelled' END AS status
                         FROM placement_schedules s
                         CROSS JOIN LATERAL (SELECT greatest(s.starts_on, current_date - 7 * $3) AS first) w
                         CROSS JOIN LATERAL (
                             SELECT date_trunc('week', w.first)::date + 7 * k + wd - 1 AS d, random() AS r
                             FROM generate_series(0, 2 * $3 + 1) k, unnest(s.weekdays) wd
                         ) dd0
                         CROSS JOIN LATERAL (
                             SELECT dd0.d, dd0.r, (dd0.d + s.start_time) AT TIME ZONE $5 AS at
                         ) dd
                         WHERE s.municipality_id = $1
                           AND dd.d BETWEEN w.first AND current_date + 7 * $3) y) x",
        )
        .bind::<SqlUuid, _>(m.id)
        .bind::<SqlUuid, _>(coordinator)
        .bind::<Integer, _>(VISIT_WEEKS)
        .bind::<Array<Text>, _>(if denmark {
            &["Beboeren var syg", "Frivillig forhindret", "Aflyst af afdelingen"][..]
        } else {
            &["Beboeren var syk", "Frivillig forhindret", "Avlyst av avdelingen"][..]
        })
        .bind::<Text, _>(if denmark {
            "Europe/Copenhagen"
        } else {
            "Europe/Oslo"
        })
        .execute(conn)
    })?;
    Ok(())
}

/// How many needs each unit (other than the care district) asks: two.
pub const NEEDS_PER_UNIT: i32 = 2;

/// [`NEEDS_PER_UNIT`] needs at each of the municipality's units (not the care district). The
/// first of each unit is for companionship, for one to three places, and open; the second is for
/// one place and any activity kind (companionship for one in two), open for eight in ten and a
/// draft or closed for the others, with people with dementia for three in ten, open to groups
/// too for two in ten; at a home-care unit it is for one of the people the unit answers for (the
/// first, when it has one). Half of those not drafts are published (never one for a person
/// visited at home); a quarter wish for the country's language. Weekly (a quarter every other
/// week) on one weekday from Monday to Friday or two for three in ten, starting at a full or half
/// hour from 13:00 to 16:30 local time (the afternoon), from two weeks after it was made, three
/// in ten with a last day half a year on; made by the coordinator up to two months ago and
/// opened a day later. Then who said they are interested in each need not a draft: one to five
/// draws from the volunteers (registered, in screening or approved) who want its activity kind,
/// three in four said by themselves and the others recorded by the coordinator, and for a need
/// open to groups one approved group, recorded by the coordinator as its contact person said.
fn seed_needs(
    conn: &mut PgConnection,
    m: &SeededMunicipality,
    coordinator: Uuid,
    report: &mut SeedReport,
) -> Result<(), RepoError> {
    let denmark = m.country == "DK";
    let descriptions: &[&str] = if denmark {
        &[
            "Besøgsven: samtaler, gåture og en kop kaffe",
            "Aktivitet i fællesstuen: sang, spil eller håndarbejde",
            "Følge til læge, frisør eller butik",
            "Følge til koncert, biograf eller teater",
            "Hjælp til sommerfest eller julefrokost",
        ]
    } else {
        &[
            "Besøksvenn: samtaler, turer og en kopp kaffe",
            "Aktivitet i fellesstua: sang, spill eller håndarbeid",
            "Følge til lege, frisør eller butikk",
            "Følge på konsert, kino eller teater",
            "Hjelp til sommerfest eller julebord",
        ]
    };
    step(conn, report, "needs", |conn| {
        sql_query(
            "WITH kinds AS (
                SELECT ARRAY['companionship', 'activity', 'escort', 'cultural_event',
                             'party_or_arrangement'] AS codes
            ), ctx AS (
                SELECT (SELECT array_agg(id ORDER BY id) FROM contact_persons
                         WHERE municipality_id = $1 AND kind = 'staff') AS contacts
            ), r AS (
                SELECT DISTINCT ON (responsible_unit_id) responsible_unit_id, id
                FROM recipients WHERE municipality_id = $1 AND active
                ORDER BY responsible_unit_id, id
            ), made AS (
                SELECT u.id AS unit_id, s,
                       CASE WHEN s = 2 AND u.kind = 'home_care' THEN r.id END AS recipient_id,
                       now() - make_interval(days => 2 + floor(random() * 60)::int) AS at,
                       random() AS roll, 1 + floor(random() * 5)::int AS d1,
                       floor(random() * 4)::int AS shift, random() < 0.3 AS two
                FROM units u
                CROSS JOIN generate_series(1, $2) s
                LEFT JOIN r ON r.responsible_unit_id = u.id
                WHERE u.municipality_id = $1 AND u.kind <> 'care_district'
            ), n AS (
                SELECT made.*, 1 + (made.d1 + made.shift) % 5 AS e,
                       CASE WHEN s = 1 OR roll < 0.8 THEN 'open'
                            WHEN roll < 0.9 THEN 'draft' ELSE 'closed' END AS status,
                       CASE WHEN s = 1 OR recipient_id IS NOT NULL OR random() < 0.5 THEN 1
                            ELSE 2 + floor(random() * 4)::int END AS kind
                FROM made
            )
            INSERT INTO needs (municipality_id, id, unit_id, recipient_id, activity_kind,
                               target_group, starts_on, weekdays, interval_weeks, until,
                               start_time, duration_minutes, places, open_to, languages,
                               description, published, status, contact_person_id, created_by,
                               opened_at, created_at, updated_at)
            SELECT $1, pg_temp.seed_uuid7(n.at), n.unit_id, n.recipient_id, kinds.codes[n.kind],
                   CASE WHEN n.s = 2 AND random() < 0.3 THEN 'dementia' ELSE 'general' END,
                   (n.at + interval '14 days')::date,
                   CASE WHEN n.two THEN ARRAY[least(n.d1, n.e), greatest(n.d1, n.e)]
                        ELSE ARRAY[n.d1] END::smallint[],
                   CASE WHEN random() < 0.25 THEN 2 ELSE 1 END,
                   CASE WHEN n.status = 'closed' OR random() < 0.3
                        THEN (n.at + interval '14 days')::date + 182 END,
                   make_time(13 + floor(random() * 4)::int, 30 * floor(random() * 2)::int, 0),
                   (ARRAY[60, 60, 90, 120])[1 + floor(random() * 4)::int],
                   CASE WHEN n.s = 1 THEN 1 + floor(random() * 3)::int ELSE 1 END,
                   CASE WHEN n.s = 2 AND n.recipient_id IS NULL AND random() < 0.2 THEN 'both'
                        ELSE 'volunteers' END,
                   CASE WHEN random() < 0.25 THEN ARRAY[$4] ELSE '{}' END::text[],
                   $5[n.kind],
                   n.recipient_id IS NULL AND n.status <> 'draft' AND random() < 0.5,
                   n.status,
                   CASE WHEN n.recipient_id IS NULL AND random() < 0.5
                        THEN ctx.contacts[1 + floor(random() * cardinality(ctx.contacts))::int] END,
                   $3,
                   CASE WHEN n.status <> 'draft' THEN n.at + interval '1 day' END,
                   n.at,
                   CASE WHEN n.status = 'closed' THEN now() - interval '1 day'
                        WHEN n.status = 'open' THEN n.at + interval '1 day' ELSE n.at END
            FROM n, kinds, ctx",
        )
        .bind::<SqlUuid, _>(m.id)
        .bind::<Integer, _>(NEEDS_PER_UNIT)
        .bind::<SqlUuid, _>(coordinator)
        .bind::<Text, _>(if denmark { "da" } else { "no" })
        .bind::<Array<Text>, _>(descriptions)
        .execute(conn)
    })?;

    // Volunteers are drawn from those who want the need's kind; a draw that repeats one already
    // drawn for the same need is dropped.
    step(conn, report, "need_interests", |conn| {
        sql_query(
            "WITH pool AS (
                SELECT k.code, array_agg(v.id ORDER BY v.id) AS ids
                FROM volunteers v CROSS JOIN LATERAL unnest(v.activity_kinds) k(code)
                WHERE v.municipality_id = $1 AND v.erased_at IS NULL
                  AND v.status IN ('registered', 'in_screening', 'approved')
                GROUP BY k.code
            ), groups_ready AS (
                SELECT array_agg(id ORDER BY id) AS ids FROM groups
                WHERE municipality_id = $1 AND status = 'approved'
            ), n AS (
                SELECT id, activity_kind, open_to, opened_at,
                       1 + get_byte(uuid_send(id), 15) % 5 AS how_many
                FROM needs WHERE municipality_id = $1 AND status <> 'draft'
            )
            INSERT INTO need_interests (municipality_id, id, need_id, volunteer_id, group_id,
                                        source, recorded_by, created_at)
            SELECT $1, pg_temp.seed_uuid7(x.at), x.need_id, x.volunteer_id, x.group_id, x.source,
                   CASE WHEN x.source = 'coordinator' THEN $2::uuid END, x.at
            FROM (
                SELECT n.id AS need_id,
                       pool.ids[1 + floor(random() * cardinality(pool.ids))::int] AS volunteer_id,
                       NULL::uuid AS group_id,
                       CASE WHEN random() < 0.75 THEN 'volunteer' ELSE 'coordinator' END AS source,
                       least(now(), n.opened_at + random() * interval '10 days') AS at
                FROM n JOIN pool ON pool.code = n.activity_kind
                CROSS JOIN generate_series(1, 5) i
                WHERE i <= n.how_many
                UNION ALL
                SELECT n.id, NULL, g.ids[1 + floor(random() * cardinality(g.ids))::int],
                       'coordinator', least(now(), n.opened_at + random() * interval '10 days')
                FROM n, groups_ready g
                WHERE n.open_to <> 'volunteers' AND g.ids IS NOT NULL
            ) x
            ON CONFLICT DO NOTHING",
        )
        .bind::<SqlUuid, _>(m.id)
        .bind::<SqlUuid, _>(coordinator)
        .execute(conn)
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{recipients_for, split};

    #[test]
    fn split_gives_every_volunteer_and_the_first_municipality_the_most() {
        let shares = split(100_000, 6);
        assert_eq!(shares.iter().sum::<u32>(), 100_000);
        assert!(shares.windows(2).all(|w| w[0] >= w[1]));
        assert_eq!(split(7, 1), vec![7]);
        assert_eq!(split(0, 3).iter().sum::<u32>(), 0);
    }

    #[test]
    fn recipients_come_one_per_250_volunteers_and_at_least_three() {
        assert_eq!(recipients_for(0), 3);
        assert_eq!(recipients_for(1_000), 4);
        assert_eq!(recipients_for(40_818), 163);
        let total: i32 = split(100_000, 6).into_iter().map(recipients_for).sum();
        assert!((300..=500).contains(&total), "{total}");
    }
}

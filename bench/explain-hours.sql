-- The plans of the hours report (GET /api/v1/reports/hours?from=&to=&group_by=) for each
-- grouping, as the API runs it for a coordinator of the municipality with the most time
-- entries: the last 365 days, then the longest window allowed (five years). Run against a
-- database seeded by the bulk seeder, e.g. the benchmark's (BENCH_KEEP=1 bench/run.sh) or:
--   samspill seed-demo --volunteers 100000 --time-entries 1000000   (DATABASE_URL=.../samspill_explain)
--   psql -f bench/explain-hours.sql postgres://postgres@127.0.0.1:5432/samspill_explain
-- The statements are those of persistence/src/time_entries.rs (`report_sql`).
\set ON_ERROR_STOP on

SELECT municipality_id AS municipality FROM time_entries
GROUP BY municipality_id ORDER BY count(*) DESC LIMIT 1 \gset
SELECT (current_date - 365) AS year_ago, current_date AS today,
       (current_date - interval '5 years' + interval '1 day')::date AS five_years_ago \gset

SELECT (SELECT count(*) FROM time_entries) AS entries_in_all,
       (SELECT count(*) FROM time_entries WHERE municipality_id = :'municipality') AS in_municipality,
       (SELECT count(*) FROM time_entries WHERE municipality_id = :'municipality'
           AND status = 'approved' AND occurred_on BETWEEN :'year_ago' AND :'today') AS approved_last_year,
       pg_size_pretty(pg_relation_size('time_entries')) AS heap,
       pg_size_pretty(pg_relation_size('time_entries_report_idx')) AS report_index;

PREPARE hours_by_unit (uuid, date, date) AS
WITH g AS (SELECT unit_id AS k1, NULL::uuid AS k2, count(*) AS entries, sum(minutes)::bigint AS minutes,
                  sum(minutes * coalesce(head_count, 1))::bigint AS person_minutes
           FROM time_entries
           WHERE municipality_id = $1 AND status = 'approved' AND occurred_on BETWEEN $2 AND $3
           GROUP BY 1, 2)
SELECT g.k1::text AS key, u.name AS label, g.entries, g.minutes, g.person_minutes
  FROM g LEFT JOIN units u ON u.municipality_id = $1 AND u.id = g.k1
 ORDER BY u.name NULLS LAST, key NULLS LAST;

PREPARE hours_by_activity_kind (uuid, date, date) AS
WITH g AS (SELECT activity_kind AS k1, NULL::text AS k2, count(*) AS entries, sum(minutes)::bigint AS minutes,
                  sum(minutes * coalesce(head_count, 1))::bigint AS person_minutes
           FROM time_entries
           WHERE municipality_id = $1 AND status = 'approved' AND occurred_on BETWEEN $2 AND $3
           GROUP BY 1, 2)
SELECT g.k1 AS key, a.name AS label, g.entries, g.minutes, g.person_minutes
  FROM g LEFT JOIN activity_kinds a ON a.municipality_id = $1 AND a.code = g.k1
 ORDER BY key NULLS LAST;

PREPARE hours_by_volunteer (uuid, date, date) AS
WITH g AS (SELECT volunteer_id AS k1, group_id AS k2, count(*) AS entries, sum(minutes)::bigint AS minutes,
                  sum(minutes * coalesce(head_count, 1))::bigint AS person_minutes
           FROM time_entries
           WHERE municipality_id = $1 AND status = 'approved' AND occurred_on BETWEEN $2 AND $3
           GROUP BY 1, 2)
SELECT coalesce(g.k1, g.k2)::text AS key,
       CASE WHEN v.erased_at IS NOT NULL THEN v.given_name
            ELSE coalesce(v.given_name || ' ' || v.family_name, gr.name) END AS label,
       g.entries, g.minutes, g.person_minutes
  FROM g LEFT JOIN volunteers v ON v.municipality_id = $1 AND v.id = g.k1
         LEFT JOIN groups gr ON gr.municipality_id = $1 AND gr.id = g.k2
 ORDER BY label, key;

PREPARE hours_by_month (uuid, date, date) AS
WITH g AS (SELECT date_trunc('month', occurred_on) AS k1, NULL::text AS k2, count(*) AS entries,
                  sum(minutes)::bigint AS minutes, sum(minutes * coalesce(head_count, 1))::bigint AS person_minutes
           FROM time_entries
           WHERE municipality_id = $1 AND status = 'approved' AND occurred_on BETWEEN $2 AND $3
           GROUP BY 1, 2)
SELECT to_char(g.k1, 'YYYY-MM') AS key, to_char(g.k1, 'YYYY-MM') AS label, g.entries, g.minutes,
       g.person_minutes
  FROM g ORDER BY key;

SET plan_cache_mode = force_custom_plan;
\echo '=== the last 365 days'
\echo '--- group_by=unit'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE hours_by_unit (:'municipality', :'year_ago', :'today');
\echo '--- group_by=activity_kind'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE hours_by_activity_kind (:'municipality', :'year_ago', :'today');
\echo '--- group_by=volunteer'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE hours_by_volunteer (:'municipality', :'year_ago', :'today');
\echo '--- group_by=month'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE hours_by_month (:'municipality', :'year_ago', :'today');
\echo '=== five years (the longest window)'
\echo '--- group_by=unit'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE hours_by_unit (:'municipality', :'five_years_ago', :'today');
\echo '--- group_by=volunteer'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE hours_by_volunteer (:'municipality', :'five_years_ago', :'today');
\echo '=== the generic plan (diesel keeps prepared statements per connection)'
SET plan_cache_mode = force_generic_plan;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE hours_by_unit (:'municipality', :'year_ago', :'today');
RESET plan_cache_mode;

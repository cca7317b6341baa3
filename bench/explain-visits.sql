-- The plan of the visits list for one nursing home and one week (GET /api/v1/visits?unit_id=
-- &from=<Monday>&to=<Sunday>&limit=200), as the API runs it for a coordinator. Run against a
-- database seeded by the bulk seeder, e.g. the benchmark's (BENCH_KEEP=1 bench/run.sh) or:
--   samspill seed-demo --volunteers 100000          (DATABASE_URL=.../samspill_explain)
--   psql -f bench/explain-visits.sql postgres://postgres@127.0.0.1:5432/samspill_explain
-- It measures the largest seeded municipality, its nursing home with the most visits this week.
\set ON_ERROR_STOP on

SELECT m.id AS municipality FROM municipalities m JOIN volunteers v ON v.municipality_id = m.id
GROUP BY m.id ORDER BY count(*) DESC LIMIT 1 \gset
SELECT (current_date - (extract(isodow FROM current_date)::int - 1)) AS monday \gset
SELECT (:'monday'::date + 6) AS sunday \gset
SELECT p.unit_id AS unit, count(*) AS week_visits FROM visits v
  JOIN placements p ON p.municipality_id = v.municipality_id AND p.id = v.placement_id
  JOIN units u ON u.id = p.unit_id AND u.kind = 'nursing_home'
 WHERE v.municipality_id = :'municipality' AND v.local_date BETWEEN :'monday' AND :'sunday'
 GROUP BY p.unit_id ORDER BY count(*) DESC LIMIT 1 \gset

SELECT (SELECT count(*) FROM visits) AS visits_in_all,
       (SELECT count(*) FROM visits WHERE municipality_id = :'municipality') AS in_municipality,
       (SELECT count(*) FROM placements WHERE municipality_id = :'municipality' AND unit_id = :'unit') AS placements_at_unit,
       :week_visits AS at_unit_this_week, :'monday' AS monday, :'sunday' AS sunday;

-- The statement as diesel sends it (a prepared statement, kept per connection: PostgreSQL
-- plans it for the values of each of its first five runs, then may keep a generic plan).
PREPARE visits_of_unit (uuid, uuid, uuid, timestamptz, timestamptz, date, date, bigint) AS
SELECT "visits"."municipality_id", "visits"."id", "visits"."placement_id", "visits"."schedule_id",
       "visits"."local_date", "visits"."starts_at", "visits"."ends_at", "visits"."status",
       "visits"."accompanied_by_user_id", "visits"."accompanied_by_contact_id", "visits"."flag",
       "visits"."status_reason", "visits"."status_changed_by", "visits"."status_changed_at",
       "visits"."version", "visits"."created_at", "visits"."updated_at"
  FROM "visits"
 WHERE ((((("visits"."placement_id" = ANY(SELECT "placements"."id" FROM "placements"
            WHERE (("placements"."municipality_id" = $1) AND ("placements"."unit_id" = $2))))
        AND ("visits"."municipality_id" = $3)) AND ("visits"."starts_at" >= $4))
        AND ("visits"."starts_at" < $5)) AND ("visits"."local_date" BETWEEN $6 AND $7))
 ORDER BY "visits"."starts_at" ASC, "visits"."id" ASC LIMIT $8;

-- The API bounds start times a day either side of the local dates (UTC midnight), for the index.
SELECT (:'monday'::date - 1)::timestamp AT TIME ZONE 'UTC' AS from_at,
       (:'sunday'::date + 2)::timestamp AT TIME ZONE 'UTC' AS to_at \gset

\echo '--- visits of one unit, one week, first page of 200: the plan for these values'
SET plan_cache_mode = force_custom_plan;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
EXECUTE visits_of_unit (:'municipality', :'unit', :'municipality', :'from_at', :'to_at', :'monday', :'sunday', 201);

\echo '--- the same, the generic plan'
SET plan_cache_mode = force_generic_plan;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
EXECUTE visits_of_unit (:'municipality', :'unit', :'municipality', :'from_at', :'to_at', :'monday', :'sunday', 201);
RESET plan_cache_mode;

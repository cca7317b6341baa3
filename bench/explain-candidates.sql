-- The plan of the candidates query of GET /api/v1/needs/{id}/candidates (persistence/src/needs.rs,
-- `candidates`): the volunteers a need could place, as the API runs it for a coordinator. Run
-- against a database seeded by the bulk seeder, e.g. the benchmark's (BENCH_KEEP=1 bench/run.sh)
-- or:
--   samspill seed-demo --volunteers 100000          (DATABASE_URL=.../samspill_explain)
--   psql -f bench/explain-candidates.sql postgres://postgres@127.0.0.1:5432/samspill_explain
-- It measures the largest seeded municipality, its open companionship need (open to volunteers)
-- with the most interests, as the benchmark asks for.
\set ON_ERROR_STOP on

SELECT m.id AS municipality FROM municipalities m JOIN volunteers v ON v.municipality_id = m.id
GROUP BY m.id ORDER BY count(*) DESC LIMIT 1 \gset
SELECT n.id AS need, n.activity_kind AS kind FROM needs n
 WHERE n.municipality_id = :'municipality' AND n.status = 'open'
   AND n.activity_kind = 'companionship' AND n.open_to <> 'groups'
 ORDER BY (SELECT count(*) FROM need_interests i
            WHERE i.municipality_id = n.municipality_id AND i.need_id = n.id) DESC, n.id
 LIMIT 1 \gset
-- Who said they are interested: the first query of the use case, its answer bound to the second.
SELECT coalesce(array_agg(volunteer_id ORDER BY id) FILTER (WHERE volunteer_id IS NOT NULL), '{}')
       AS interested
  FROM need_interests WHERE municipality_id = :'municipality' AND need_id = :'need' \gset

SELECT (SELECT count(*) FROM volunteers) AS volunteers_in_all,
       (SELECT count(*) FROM volunteers WHERE municipality_id = :'municipality') AS in_municipality,
       (SELECT count(*) FROM volunteers WHERE municipality_id = :'municipality' AND erased_at IS NULL
           AND status = 'approved' AND activity_kinds @> ARRAY[:'kind']) AS approved_wanting_kind,
       cardinality(:'interested'::uuid[]) AS interested,
       :'need' AS need;

-- The statement as diesel sends it (a prepared statement, kept per connection: PostgreSQL
-- plans it for the values of each of its first five runs, then may keep a generic plan).
PREPARE candidates_of_need (uuid, text, text[], uuid[], text[], uuid, uuid, text) AS
SELECT "volunteers"."id", "volunteers"."activity_kinds", "volunteers"."availability",
       "volunteers"."languages", "volunteers"."home_unit_id"
  FROM "volunteers"
 WHERE (((("volunteers"."municipality_id" = $1) AND ("volunteers"."erased_at" IS NULL))
        AND ((("volunteers"."status" = $2) AND ("volunteers"."activity_kinds" @> $3))
             OR (("volunteers"."id" = ANY($4)) AND ("volunteers"."status" = ANY($5)))))
        AND NOT (EXISTS (SELECT "placements"."municipality_id", "placements"."id",
                                "placements"."volunteer_id", "placements"."group_id",
                                "placements"."head_count", "placements"."unit_id",
                                "placements"."recipient_id", "placements"."activity_kind",
                                "placements"."target_group", "placements"."dog_id",
                                "placements"."coordinator_id", "placements"."contact_person_id",
                                "placements"."starts_on", "placements"."ends_on",
                                "placements"."description", "placements"."status",
                                "placements"."clearance", "placements"."clearance_checked_at",
                                "placements"."clearance_checked_on",
                                "placements"."clearance_changes_on", "placements"."version",
                                "placements"."created_at", "placements"."updated_at",
                                "placements"."need_id"
                           FROM "placements"
                          WHERE (((("placements"."municipality_id" = $6)
                                  AND ("placements"."need_id" = $7))
                                  AND ("placements"."status" != $8))
                                  AND ("placements"."volunteer_id" = "volunteers"."id")))));

\echo '--- candidates of one need: the plan for these values'
SET plan_cache_mode = force_custom_plan;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
EXECUTE candidates_of_need (:'municipality', 'approved', ARRAY[:'kind'], :'interested',
                            '{registered,in_screening,approved}', :'municipality', :'need', 'ended');

\echo '--- the same, the generic plan'
SET plan_cache_mode = force_generic_plan;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
EXECUTE candidates_of_need (:'municipality', 'approved', ARRAY[:'kind'], :'interested',
                            '{registered,in_screening,approved}', :'municipality', :'need', 'ended');
RESET plan_cache_mode;

-- Without EXPLAIN's per-node timing: five runs with the rows sent to the client (psql) and
-- dropped there, as the server receives them.
\echo '--- five runs, rows fetched by psql (its \\timing)'
\timing on
\o /dev/null
EXECUTE candidates_of_need (:'municipality', 'approved', ARRAY[:'kind'], :'interested',
                            '{registered,in_screening,approved}', :'municipality', :'need', 'ended');
EXECUTE candidates_of_need (:'municipality', 'approved', ARRAY[:'kind'], :'interested',
                            '{registered,in_screening,approved}', :'municipality', :'need', 'ended');
EXECUTE candidates_of_need (:'municipality', 'approved', ARRAY[:'kind'], :'interested',
                            '{registered,in_screening,approved}', :'municipality', :'need', 'ended');
EXECUTE candidates_of_need (:'municipality', 'approved', ARRAY[:'kind'], :'interested',
                            '{registered,in_screening,approved}', :'municipality', :'need', 'ended');
EXECUTE candidates_of_need (:'municipality', 'approved', ARRAY[:'kind'], :'interested',
                            '{registered,in_screening,approved}', :'municipality', :'need', 'ended');
\o
\timing off

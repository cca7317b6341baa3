-- Seeds N volunteers (default 100 000) across five municipalities in a scratch database and
-- prints the plans of the volunteer-list queries the API runs. Run against a migrated database:
--   psql -v n=100000 -f bench/explain-volunteers.sql postgres://postgres@127.0.0.1:5432/samspill_explain
\set ON_ERROR_STOP on
\if :{?n}
\else
  \set n 100000
\endif

BEGIN;
INSERT INTO municipalities (id, country, code, name)
SELECT gen_random_uuid(), 'NO', lpad((1000 + g)::text, 4, '0'), 'Kommune ' || g FROM generate_series(1, 5) g
ON CONFLICT DO NOTHING;
INSERT INTO units (id, municipality_id, name, kind)
SELECT gen_random_uuid(), m.id, 'Enhet ' || g, 'nursing_home' FROM municipalities m, generate_series(1, 20) g
ON CONFLICT DO NOTHING;
INSERT INTO contact_persons (id, municipality_id, kind, name)
SELECT gen_random_uuid(), m.id, 'staff', 'Kontakt ' || g FROM municipalities m, generate_series(1, 50) g;

WITH m AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM municipalities),
     u AS (SELECT id, municipality_id, row_number() OVER (PARTITION BY municipality_id ORDER BY id) - 1 AS i FROM units),
     c AS (SELECT id, municipality_id, row_number() OVER (PARTITION BY municipality_id ORDER BY id) - 1 AS i FROM contact_persons)
INSERT INTO volunteers (id, municipality_id, status, given_name, family_name, email, phone,
                        activity_kinds, home_unit_id, contact_person_id, commitment)
SELECT gen_random_uuid(), m.id,
       (ARRAY['registered','in_screening','approved','approved','approved','paused','rejected','withdrawn'])[1 + g % 8],
       (ARRAY['Kari','Ola','Ingrid','Per','Siri','Lars','Nora','Emil'])[1 + g % 8] || g,
       (ARRAY['Nordmann','Hansen','Berg','Olsen','Lie','Moe'])[1 + g % 6],
       'frivillig' || g || '@example.no', '+47' || (40000000 + g)::text,
       ARRAY[(ARRAY['companionship','escort','activity','cultural_event','party_or_arrangement'])[1 + (g / 5) % 5]]
         || CASE WHEN g % 997 = 0 THEN ARRAY['dog_visit'] ELSE ARRAY[]::text[] END,
       u.id, c.id, 'regular'
FROM generate_series(1, :n) g
JOIN m ON m.i = g % 5
JOIN u ON u.municipality_id = m.id AND u.i = g % 20
JOIN c ON c.municipality_id = m.id AND c.i = g % 50;
COMMIT;
ANALYZE;

SELECT count(*) AS volunteers FROM volunteers;
SELECT id AS municipality FROM municipalities ORDER BY id LIMIT 1 \gset
SELECT id AS contact FROM contact_persons WHERE municipality_id = :'municipality' ORDER BY id LIMIT 1 \gset
UPDATE contact_persons SET staff_user_id = NULL WHERE id = :'contact';

\echo '--- status filter, first page'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT * FROM volunteers
WHERE municipality_id = :'municipality' AND status = 'approved' ORDER BY id LIMIT 51;

\echo '--- activity kind filter, a common kind'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT * FROM volunteers
WHERE municipality_id = :'municipality' AND activity_kinds @> ARRAY['escort'] ORDER BY id LIMIT 51;

\echo '--- activity kind filter, a rare kind (1 in 997)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT * FROM volunteers
WHERE municipality_id = :'municipality' AND activity_kinds @> ARRAY['dog_visit'] ORDER BY id LIMIT 51;

\echo '--- contact person filter'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT * FROM volunteers
WHERE municipality_id = :'municipality' AND contact_person_id = :'contact' ORDER BY id LIMIT 51;

\echo '--- free-text search on name, email, phone'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT * FROM volunteers
WHERE municipality_id = :'municipality'
  AND lower(given_name || ' ' || family_name || ' ' || coalesce(email, '') || ' ' || coalesce(phone, '')) LIKE '%ingrid1234%'
ORDER BY id LIMIT 51;

\echo '--- a deep page (keyset cursor)'
SELECT id AS deep FROM volunteers WHERE municipality_id = :'municipality' ORDER BY id OFFSET 15000 LIMIT 1 \gset
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT * FROM volunteers
WHERE municipality_id = :'municipality' AND status = 'approved' AND id > :'deep' ORDER BY id LIMIT 51;

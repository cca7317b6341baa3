#!/usr/bin/env bash
# Benchmarks the release build against pgbench on the same PostgreSQL. See docs/PERFORMANCE.md.
#
#   bench/run.sh            the full run: 100 000 volunteers, 1 000 000 time entries, 64
#                           connections, 20 s per endpoint
#   bench/run.sh --small    seconds long (CI): 2 000 volunteers, 20 000 time entries, 8
#                           connections, 2 s per endpoint
#   bench/run.sh scale      the list page's p99 at 10 000 and at 1 000 000 volunteers
#   bench/run.sh hours      the full seed, but only the hours report (EXPLAIN ANALYZE and wrk
#                           at BENCH_HOURS_CONNECTIONS, with pgbench -S at the same count)
#
# Settings (environment): BENCH_VOLUNTEERS, BENCH_TIME_ENTRIES, BENCH_MUNICIPALITIES, BENCH_CONNECTIONS,
# BENCH_HOURS_CONNECTIONS (the hours report's, 8),
# BENCH_THREADS, BENCH_DURATION (seconds), BENCH_PGBENCH_SCALE, BENCH_SCALE_SIZES,
# BENCH_DATABASE, BENCH_OUT (where outputs go), BENCH_PG (server URL without database),
# SAMSPILL_DB_POOL_SIZE and SAMSPILL_WORKERS (passed to the server), BENCH_KEEP=1 keeps the
# database afterwards. BENCH_SMALL=1 is the same as --small.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh

mode=full
small="${BENCH_SMALL:-0}"
for arg in "$@"; do
  case "$arg" in
    --small) small=1 ;;
    scale) mode=scale ;;
    hours) mode=hours ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *) fail "unknown argument ${arg} (see --help)" ;;
  esac
done
if [[ "$small" == 1 && "$mode" == full ]]; then mode=small; fi

if [[ "$mode" == small ]]; then
  volunteers="${BENCH_VOLUNTEERS:-2000}"
  time_entries="${BENCH_TIME_ENTRIES:-20000}"
  connections="${BENCH_CONNECTIONS:-8}"
  duration="${BENCH_DURATION:-2}"
  pgbench_scale="${BENCH_PGBENCH_SCALE:-1}"
else
  volunteers="${BENCH_VOLUNTEERS:-100000}"
  time_entries="${BENCH_TIME_ENTRIES:-1000000}"
  connections="${BENCH_CONNECTIONS:-64}"
  duration="${BENCH_DURATION:-20}"
  pgbench_scale="${BENCH_PGBENCH_SCALE:-10}"
fi
# The hours report is asked now and then by a coordinator, not by 64 at once (see below).
if [[ "$mode" == hours ]]; then connections="${BENCH_HOURS_CONNECTIONS:-8}"; fi
threads="${BENCH_THREADS:-2}"
municipalities="${BENCH_MUNICIPALITIES:-6}"
database="${BENCH_DATABASE:-samspill_bench}"
out="${BENCH_OUT:-target/bench/${mode}}"
profile="${BENCH_PROFILE:-release}"
binary="target/${profile}/samspill"
server_pid=""
sampler_pid=""

cleanup() {
  local status=$?
  [[ -n "$sampler_pid" ]] && kill "$sampler_pid" 2>/dev/null || true
  if [[ -n "$server_pid" ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ "${BENCH_KEEP:-0}" != 1 ]]; then
    drop_database "$database" || echo "warning: could not drop ${database}" >&2
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

need_postgres
need wrk
need pgbench postgresql-contrib
need curl
rm -rf "$out"
mkdir -p "$out"

say "Building the ${profile} binary"
if [[ "$profile" == release ]]; then cargo build -q --release -p samspill; else cargo build -q -p samspill; fi

# A fresh database seeded with $1 volunteers; prints the seeder's report to $out/seed-$1.txt.
seed_database() {
  local count="$1"
  drop_database "$database"
  local url="${BENCH_PG}/${database}"
  DATABASE_URL="$url" SAMSPILL_LOG=warn \
  SAMSPILL_ADMIN_EMAIL=bench-admin@samspill.invalid SAMSPILL_ADMIN_PASSWORD="$DEMO_PASSWORD" \
    "$binary" seed-demo --volunteers "$count" --municipalities "$municipalities" \
      ${seed_time_entries:+--time-entries "$seed_time_entries"} >"${out}/seed-${count}.txt"
  sed -n '/^Seeded/,$p' "${out}/seed-${count}.txt"
}

# Starts the server on the bench database; sets base and server_pid.
start_server() {
  local port
  port="$(free_port)"
  base="http://127.0.0.1:${port}"
  # The token endpoint's per-address rate limit is raised: every wrk connection comes from
  # 127.0.0.1. So is the per-name login throttle: 64 connections logging one account in at
  # once look like guessing to it (each attempt counts until one succeeds). Access tokens
  # outlive the run.
  DATABASE_URL="${BENCH_PG}/${database}" \
  SAMSPILL_BIND="127.0.0.1:${port}" \
  SAMSPILL_JWT_SECRET="$BENCH_JWT_SECRET" \
  SAMSPILL_ACCESS_TOKEN_TTL_SECONDS=3600 \
  SAMSPILL_RATE_LIMIT_PER_MINUTE=1000000 \
  SAMSPILL_RATE_LIMIT_BURST=1000000 \
  SAMSPILL_LOGIN_FREE_ATTEMPTS=1000 \
  SAMSPILL_LOG="${SAMSPILL_LOG:-warn}" \
    "$binary" serve >"${out}/server.log" 2>&1 &
  server_pid=$!
  wait_ready "$base" "$server_pid" "${out}/server.log"
}

stop_server() {
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

# The coordinator login and id of the municipality with the most volunteers, as "email id".
largest_municipality() {
  psql -X -A -t -F ' ' "${BENCH_PG}/${database}" -c "
    SELECT s.email, m.id, count(*) FROM municipalities m
      JOIN staff_users s ON s.municipality_id = m.id AND s.role = 'coordinator'
      JOIN volunteers v ON v.municipality_id = m.id
     WHERE s.email LIKE 'koordinator.%@bench.samspill.no'
     GROUP BY s.email, m.id ORDER BY count(*) DESC LIMIT 1"
}

# Runs wrk for endpoint $1; the request comes from the BENCH_* variables set by the caller.
# First one request with curl (with the first id, if any) must answer 2xx (its status goes to
# $1.probe); the server's largest resident size during the run goes to $1.rss.
measure() {
  local name="$1" first
  first="$(head -n 1 "${BENCH_IDS:-/dev/null}" 2>/dev/null || true)"
  local url="${base}${BENCH_PATH//\{id\}/$first}"
  local probe=(-sS -o "${out}/${name}.body" -w '%{http_code}' --max-time 30 -X "${BENCH_METHOD:-GET}")
  [[ -n "${BENCH_TOKEN:-}" ]] && probe+=(-H "Authorization: Bearer ${BENCH_TOKEN}")
  [[ -n "${BENCH_BODY:-}" ]] && probe+=(-H "Content-Type: ${BENCH_CONTENT_TYPE}" --data-raw "${BENCH_BODY//\{id\}/$first}")
  curl "${probe[@]}" "$url" >"${out}/${name}.probe" 2>/dev/null || echo "no answer" >"${out}/${name}.probe"
  printf '  %-16s probe %s, wrk -t%s -c%s -d%ss\n' "$name" "$(cat "${out}/${name}.probe")" "$threads" "$connections" "$duration"
  echo "$connections" >"${out}/${name}.connections"
  (
    peak=0
    while sleep 0.2; do
      rss=$(awk '/^VmRSS:/ {print int($2 / 1024)}' "/proc/${server_pid}/status" 2>/dev/null || echo 0)
      (( rss > peak )) && peak=$rss && echo "$peak" >"${out}/${name}.rss"
    done
  ) &
  sampler_pid=$!
  wrk -t"$threads" -c"$connections" -d"${duration}s" --timeout 10s --latency \
    -s bench/wrk/request.lua "$base" >"${out}/${name}.wrk" 2>&1 || true
  kill "$sampler_pid" 2>/dev/null || true
  wait "$sampler_pid" 2>/dev/null || true
  sampler_pid=""
}
# Sets the BENCH_* request variables: $1 method, $2 path, $3 ids file, $4 token, $5 body,
# $6 its content type (default form-encoded), $7 1 to give every request an Idempotency-Key.
# "{id}" in the path and the body is replaced by an id from the ids file.
request() {
  BENCH_METHOD="$1" BENCH_PATH="$2" BENCH_IDS="$3" BENCH_TOKEN="$4" BENCH_BODY="${5:-}"
  BENCH_CONTENT_TYPE=""
  [[ -n "$BENCH_BODY" ]] && BENCH_CONTENT_TYPE="${6:-application/x-www-form-urlencoded}"
  BENCH_KEYED="${7:-0}"
  export BENCH_PATH BENCH_IDS BENCH_TOKEN BENCH_METHOD BENCH_BODY BENCH_CONTENT_TYPE BENCH_KEYED
}

if [[ "$mode" == scale ]]; then
  read -r -a sizes <<<"${BENCH_SCALE_SIZES:-10000 1000000}"
  say "List page p99 by size (${connections} connections, ${duration} s each): ${sizes[*]}"
  for size in "${sizes[@]}"; do
    say "--- ${size} volunteers"
    seeded_at=$(date +%s)
    seed_database "$size"
    say "  seeded in $(( $(date +%s) - seeded_at )) s"
    read -r email municipality count <<<"$(largest_municipality)"
    echo "$count" >"${out}/list_${size}.largest"
    start_server
    token="$(login "$base" "$email")"
    request GET "/api/v1/volunteers?status=approved&limit=50" "" "$token"
    measure "list_${size}"
    cp "${out}/list_${size}.wrk" "${out}/list_${size}.txt"
    stop_server
  done
  say ""
  python3 bench/report.py scale "$out" "${sizes[@]}"
  exit $?
fi

say "Seeding ${volunteers} volunteers and ${time_entries} time entries in ${municipalities} municipalities (database ${database})"
seed_time_entries="$time_entries"
seed_database "$volunteers"
read -r email municipality count <<<"$(largest_municipality)"
say "Measuring as ${email} (municipality ${municipality}, ${count} volunteers)"

say "pgbench -S on the same database: initialising scale ${pgbench_scale} (unlogged tables)"
pgbench -i -q -s "$pgbench_scale" --unlogged-tables "${BENCH_PG}/${database}" >"${out}/pgbench-init.txt" 2>&1 \
  || { cat "${out}/pgbench-init.txt" >&2; fail "pgbench -i failed"; }
pgbench -S -n -c "$connections" -j "$threads" -T "$duration" "${BENCH_PG}/${database}" >"${out}/pgbench.txt" 2>&1 \
  || { cat "${out}/pgbench.txt" >&2; fail "pgbench failed"; }
grep -E '^(tps|latency average)' "${out}/pgbench.txt" | sed 's/^/  /'

if [[ "$mode" != hours ]]; then
  psql -X -A -t "${BENCH_PG}/${database}" -c "
    SELECT id FROM volunteers WHERE municipality_id = '${municipality}' AND erased_at IS NULL
    ORDER BY random() LIMIT 2000" >"${out}/ids.txt"

  # The visits of one week (Monday to Sunday, this week, by PostgreSQL's date as the seeder's) at
  # the nursing home of the municipality with the most visits in it.
  read -r monday sunday <<<"$(psql -X -A -t -F ' ' "${BENCH_PG}/${database}" -c "
    SELECT current_date - (extract(isodow FROM current_date)::int - 1),
           current_date - (extract(isodow FROM current_date)::int - 1) + 6")"
  read -r busy_unit week_visits <<<"$(psql -X -A -t -F ' ' "${BENCH_PG}/${database}" -c "
    SELECT p.unit_id, count(*) FROM visits v
      JOIN placements p ON p.municipality_id = v.municipality_id AND p.id = v.placement_id
      JOIN units u ON u.id = p.unit_id AND u.kind = 'nursing_home'
     WHERE v.municipality_id = '${municipality}' AND v.local_date BETWEEN '${monday}' AND '${sunday}'
     GROUP BY p.unit_id ORDER BY count(*) DESC LIMIT 1")"
  [[ -n "${busy_unit:-}" ]] || fail "no nursing home of ${municipality} has visits between ${monday} and ${sunday}"
  say "Visits: nursing home ${busy_unit}, ${week_visits} visits from ${monday} to ${sunday}"

  # Needs to rank candidates for: the municipality's open companionship needs that volunteers may
  # take (the kind the seeder gives a quarter of the volunteers; its first need at every unit).
  psql -X -A -t "${BENCH_PG}/${database}" -c "
    SELECT id FROM needs WHERE municipality_id = '${municipality}' AND status = 'open'
       AND activity_kind = 'companionship' AND open_to <> 'groups'
    ORDER BY id" >"${out}/needs.txt"
  [[ -s "${out}/needs.txt" ]] || fail "${municipality} has no open companionship need"
  read -r want_kind interested <<<"$(psql -X -A -t -F ' ' "${BENCH_PG}/${database}" -c "
    SELECT (SELECT count(*) FROM volunteers WHERE municipality_id = '${municipality}' AND erased_at IS NULL
               AND status = 'approved' AND activity_kinds @> ARRAY['companionship']),
           (SELECT count(*) FROM need_interests WHERE municipality_id = '${municipality}'
               AND need_id IN (SELECT id FROM needs WHERE municipality_id = '${municipality}'
                                  AND status = 'open' AND activity_kind = 'companionship'))")"
  say "Needs: $(wc -l <"${out}/needs.txt") open companionship needs, ${want_kind} approved volunteers want companionship, ${interested} interests in those needs"

  # Candidates to place: approved volunteers of the municipality; the clearance engine picks
  # those cleared for companionship at an institution (below, once the server runs).
  psql -X -A -t "${BENCH_PG}/${database}" -c "
    SELECT id FROM volunteers WHERE municipality_id = '${municipality}' AND erased_at IS NULL
       AND status = 'approved'
    ORDER BY random() LIMIT $([[ "$mode" == small ]] && echo 200 || echo 1000)" >"${out}/candidates.txt"

fi

# Hours: the report over the last 365 days of the municipality with the most time entries (the
# largest one), and the plans PostgreSQL runs for it.
read -r hours_entries hours_year <<<"$(psql -X -A -t -F ' ' "${BENCH_PG}/${database}" -c "
  SELECT count(*), count(*) FILTER (WHERE status = 'approved' AND occurred_on > current_date - 366)
  FROM time_entries WHERE municipality_id = '${municipality}'")"
say "Hours: $(psql -X -A -t "${BENCH_PG}/${database}" -c 'SELECT count(*) FROM time_entries') time entries, ${hours_entries} in ${municipality}, ${hours_year} of them approved in the last 365 days"
psql -X -q -f bench/explain-hours.sql "${BENCH_PG}/${database}" >"${out}/explain-hours.txt" 2>&1 \
  || { cat "${out}/explain-hours.txt" >&2; fail "bench/explain-hours.sql failed"; }
say "  EXPLAIN ANALYZE execution times (ms; the last 365 days by unit, activity kind, volunteer, month; five years by unit, volunteer; generic plan): $(grep -o 'Execution Time: [0-9.]*' "${out}/explain-hours.txt" | awk '{print $3}' | paste -sd' ')"
hours_window="from=$(date -u -d '365 days ago' +%F)&to=$(date -u +%F)"

start_server
read -r rss _ <<<"$(rss_of "$server_pid")"
echo "$rss" >"${out}/rss_idle.txt"
token="$(login "$base" "$email")"
if [[ "$mode" != hours ]]; then
  placement_question="activity_kind=companionship&setting=institution&target_group=general"
  asked="$(python3 bench/cleared.py "$base" "$token" "$placement_question" "${out}/candidates.txt" "${out}/placeable.txt")" \
    || fail "asking the clearance of the approved volunteers failed or none is cleared (${asked:-no answer})"
  say "Placements: ${asked} approved volunteers asked are cleared for companionship at an institution"
  say "Endpoints:"
  request GET "/api/v1/volunteers/{id}" "${out}/ids.txt" "$token"
  measure get_volunteer
  request GET "/api/v1/volunteers?status=approved&limit=50" "" "$token"
  measure list_volunteers
  request GET "/api/v1/volunteers/{id}/clearance?${placement_question}" "${out}/ids.txt" "$token"
  measure clearance
  request GET "/api/v1/volunteer-status?limit=50" "" "$token"
  measure status_feed
  request GET "/api/v1/visits?unit_id=${busy_unit}&from=${monday}&to=${sunday}&limit=200" "" "$token"
  measure visits_week
  # The first page (50) of a need's ranked candidates, each with its clearance answer.
  request GET "/api/v1/needs/{id}/candidates" "${out}/needs.txt" "$token"
  measure need_candidates
  # The same, one request at a time: how long one answer takes when it need not wait for a core.
  connections=1 threads=1 measure need_candidates_alone
fi
# A report is asked by a coordinator now and then, not by 64 at once: each takes tens of
# milliseconds of PostgreSQL's time, so 64 in flight queue for the two cores until the pool's
# wait for a connection ends in 503 (see docs/PERFORMANCE.md). Measured with
# BENCH_HOURS_CONNECTIONS (8).
# Each grouping also one request at a time: how long one answer takes (the target).
for grouping in unit activity_kind volunteer month; do
  request GET "/api/v1/reports/hours?group_by=${grouping}&${hours_window}" "" "$token"
  connections="${BENCH_HOURS_CONNECTIONS:-8}" measure "hours_${grouping}"
  connections=1 threads=1 measure "hours_${grouping}_alone"
done
if [[ "$mode" != hours ]]; then
  request POST "/api/v1/auth/token" "" "" "grant_type=password&username=${email}&password=${DEMO_PASSWORD}"
  measure token
  # Creates, plain and with an Idempotency-Key each (claimed, kept and committed with the record).
  new_volunteer='{"given_name":"Bench","family_name":"Nyregistrert","email":"bench@example.no"}'
  request POST "/api/v1/volunteers" "" "$token" "$new_volunteer" application/json
  measure create
  request POST "/api/v1/volunteers" "" "$token" "$new_volunteer" application/json 1
  measure create_keyed
  # Each request places a cleared volunteer at the nursing home from today (201, as proposed; the
  # clearance engine is asked first, and a volunteer it does not clear would answer 409).
  new_placement="{\"volunteer_id\":\"{id}\",\"unit_id\":\"${busy_unit}\",\"activity_kind\":\"companionship\",\"target_group\":\"general\",\"starts_on\":\"$(date -u +%F)\"}"
  request POST "/api/v1/placements" "${out}/placeable.txt" "$token" "$new_placement" application/json
  measure create_placement
fi
read -r _ hwm <<<"$(rss_of "$server_pid")"
echo "$hwm" >"${out}/rss_peak.txt"

say ""
say "Results ($(nproc) cores shared by the server, wrk and PostgreSQL; mode ${mode}; outputs in ${out}):"
python3 bench/report.py endpoints "$out" --mode "$mode" --connections "$connections" \
  $([[ "$mode" == hours ]] && echo --only hours_)

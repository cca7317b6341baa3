#!/usr/bin/env bash
# Reliability drills against the release build. See docs/RELIABILITY.md.
#
#   bench/drills.sh           the full drills (about two minutes)
#   bench/drills.sh --small   seconds long (CI): shorter writes, fewer rounds
#
# 1. Compression bombs (zstd, gzip) to the public endpoints, watching peak memory.
# 2. Writes under load while PostgreSQL restarts: a throwaway cluster (initdb as the postgres
#    user, on a spare port, in a temporary folder) is restarted cleanly and then crashed
#    (pg_ctl stop -m immediate) while writers create volunteers with Idempotency-Keys,
#    retrying what was not answered 2xx.
# 3. 50 concurrent PATCHes of one volunteer with the same If-Match, several rounds.
# 4. Malformed, oversized and hostile input.
# 5. Hundreds of requests whose bodies trickle in, while /health/live and logins are timed.
# 6. The service killed (SIGKILL) while 1 000 webhook events are pending, and restarted: every
#    event is delivered, none answered 2xx twice (counted by webhook-id at a real receiver).
# Prints what it tried and what survived; exits 1 when anything failed. Settings
# (environment): DRILL_WRITE_SECONDS, DRILL_DOWN_SECONDS, DRILL_ROUNDS, DRILL_WRITERS,
# DRILL_SLOW_CONNECTIONS, DRILL_SLOW_SECONDS, DRILL_OUTBOX_EVENTS, DRILL_OUT (outputs), DRILL_KEEP=1 keeps the
# temporary cluster's folder.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh

small="${BENCH_SMALL:-0}"
for arg in "$@"; do
  case "$arg" in
    --small) small=1 ;;
    -h | --help) sed -n '2,21p' "$0"; exit 0 ;;
    *) fail "unknown argument ${arg} (see --help)" ;;
  esac
done
# Writes run for write_seconds before the stop, down_seconds while the cluster is away, and
# write_seconds again after it is back.
if [[ "$small" == 1 ]]; then
  write_seconds="${DRILL_WRITE_SECONDS:-2}"
  down_seconds="${DRILL_DOWN_SECONDS:-2}"
  rounds="${DRILL_ROUNDS:-3}"
  slow_seconds="${DRILL_SLOW_SECONDS:-15}"
else
  write_seconds="${DRILL_WRITE_SECONDS:-10}"
  down_seconds="${DRILL_DOWN_SECONDS:-5}"
  rounds="${DRILL_ROUNDS:-10}"
  slow_seconds="${DRILL_SLOW_SECONDS:-30}"
fi
slow_connections="${DRILL_SLOW_CONNECTIONS:-300}"
outbox_events="${DRILL_OUTBOX_EVENTS:-1000}"
writers="${DRILL_WRITERS:-50}"
out="${DRILL_OUT:-target/drills}"
profile="${BENCH_PROFILE:-release}"
binary="target/${profile}/samspill"
cluster=""
server_pid=""
receiver_pid=""
pg_port=""

pg_ctl_bin="$(command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | tail -n 1)"
initdb_bin="$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | tail -n 1)"
as_postgres() { runuser -u postgres -- "$@"; }

cleanup() {
  local status=$?
  [[ -z "$receiver_pid" ]] || kill "$receiver_pid" 2>/dev/null || true
  if [[ -n "$server_pid" ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ -n "$cluster" ]]; then
    as_postgres "$pg_ctl_bin" -D "${cluster}/data" -m immediate stop >/dev/null 2>&1 || true
    [[ "${DRILL_KEEP:-0}" == 1 ]] || rm -rf "$cluster"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[[ -x "$initdb_bin" && -x "$pg_ctl_bin" ]] || fail "initdb and pg_ctl of PostgreSQL are needed"
id postgres >/dev/null 2>&1 || fail "the drills run initdb as the postgres user, which does not exist"
need curl
rm -rf "$out"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

say "Building the ${profile} binary"
if [[ "$profile" == release ]]; then cargo build -q --release -p samspill; else cargo build -q -p samspill; fi

started=$(date +%s)
cluster="$(mktemp -d /tmp/samspill-drill.XXXXXX)"
chown postgres "$cluster"
pg_port="$(free_port)"
say "Throwaway PostgreSQL cluster in ${cluster} on port ${pg_port}"
as_postgres "$initdb_bin" -D "${cluster}/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"${out}/initdb.log" 2>&1 \
  || { cat "${out}/initdb.log" >&2; fail "initdb failed"; }
pg_options="-p ${pg_port} -k ${cluster} -c listen_addresses=127.0.0.1 -c max_connections=200"
start_cluster() {
  as_postgres "$pg_ctl_bin" -D "${cluster}/data" -o "$pg_options" -l "${cluster}/postgres.log" -w -t 60 start >/dev/null \
    || { tail -n 20 "${cluster}/postgres.log" >&2; fail "the throwaway cluster did not start"; }
}
start_cluster

port="$(free_port)"
base="http://127.0.0.1:${port}"
drill_db="postgres://postgres@127.0.0.1:${pg_port}/samspill_drill"
# A short pool checkout timeout, so that answers during the outage come quickly. Webhooks may
# go to the drill's receiver on loopback.
start_server() {
  DATABASE_URL="$drill_db" \
  SAMSPILL_BIND="127.0.0.1:${port}" \
  SAMSPILL_JWT_SECRET="$BENCH_JWT_SECRET" \
  SAMSPILL_ACCESS_TOKEN_TTL_SECONDS=3600 \
  SAMSPILL_DB_TIMEOUT_MS=500 \
  SAMSPILL_RATE_LIMIT_PER_MINUTE=1000000 \
  SAMSPILL_RATE_LIMIT_BURST=1000000 \
  SAMSPILL_ADMIN_EMAIL=drill-admin@samspill.invalid \
  SAMSPILL_ADMIN_PASSWORD="$DEMO_PASSWORD" \
  SAMSPILL_WEBHOOKS_ALLOW_PRIVATE=true \
  SAMSPILL_OUTBOX_POLL_MS=200 \
  SAMSPILL_LOG="${SAMSPILL_LOG:-warn}" \
    "$binary" serve --demo >>"${out}/server.log" 2>&1 &
  server_pid=$!
  wait_ready "$base" "$server_pid" "${out}/server.log"
}
start_server
token="$(login "$base" koordinator@demo.samspill.no)"

results=()
record() { results+=("$(printf '%-58s %s' "$1" "$2")"); }

# --- 1. compression bombs -------------------------------------------------------------------
say ""
say "1. Compression bombs to the public endpoints (first, so that the peak memory is theirs)"
verdict=ok
python3 bench/drills.py bombs "$base" "$server_pid" || verdict=FAILED
record "zstd and gzip bombs: 415 problem+json, peak RSS under 150 MiB" "$verdict"

# --- 2. writes while the database restarts -------------------------------------------------
say ""
say "2. Writes under load while PostgreSQL restarts (4 writers: ${write_seconds} s, ${down_seconds} s down, ${write_seconds} s after)"
for how in fast immediate; do
  tag="Restart${how^}"
  say "  pg_ctl stop -m ${how}, ${down_seconds} s down, start; server pid ${server_pid} keeps running"
  python3 bench/drills.py writes "$base" "$token" 300 "$tag" "${out}/writes-${how}.json" &
  writer_pid=$!
  sleep "$write_seconds"
  as_postgres "$pg_ctl_bin" -D "${cluster}/data" -m "$how" -w stop >/dev/null
  sleep "$down_seconds"
  start_cluster
  sleep "$write_seconds"
  touch "${out}/writes-${how}.json.stop"
  wait "$writer_pid" || true
  verdict=ok
  python3 bench/drills.py outage "${out}/writes-${how}.json" || verdict=FAILED
  kill -0 "$server_pid" 2>/dev/null || { verdict=FAILED; say "    FAILED: the server process died"; }
  missing=$(psql -X -q -A -t -v ON_ERROR_STOP=1 "postgres://postgres@127.0.0.1:${pg_port}/samspill_drill" <<SQL
CREATE TEMP TABLE acked (id uuid);
\copy acked FROM '${out}/writes-${how}.json.acked'
SELECT count(*) FROM acked a LEFT JOIN volunteers v USING (id) WHERE v.id IS NULL;
SQL
  ) || missing="unknown"
  stored=$(psql -X -A -t "postgres://postgres@127.0.0.1:${pg_port}/samspill_drill" \
    -c "SELECT count(*) FROM volunteers WHERE family_name = '${tag}'")
  acked=$(grep -c . "${out}/writes-${how}.json.acked" || true)
  say "    acknowledged ${acked}, missing from the database afterwards: ${missing}; rows stored: ${stored}" \
      "($(( stored - acked )) stored although no answer for them was a 2xx: duplicates of retried creates)"
  [[ "$missing" == 0 ]] || verdict=FAILED
  [[ "$stored" == "$acked" ]] || verdict=FAILED
  record "restart (-m ${how}): acked writes kept, retries make no duplicate, recovers" "$verdict"
done

# --- 3. concurrent updates with If-Match ----------------------------------------------------
say ""
say "3. ${writers} concurrent PATCHes of one volunteer with the same If-Match, ${rounds} rounds"
verdict=ok
python3 bench/drills.py race "$base" "$token" "$rounds" "$writers" || verdict=FAILED
record "${writers} concurrent If-Match updates: one 200, the rest 412, no lost update" "$verdict"

# --- 4. hostile input ---------------------------------------------------------------------------
say ""
say "4. Malformed, oversized and hostile input"
verdict=ok
python3 bench/drills.py hostile "$base" "$token" || verdict=FAILED
kill -0 "$server_pid" 2>/dev/null || { verdict=FAILED; say "    FAILED: the server process died"; }
record "hostile input: 4xx problem+json (or stored verbatim), healthy after" "$verdict"

# --- 5. slow bodies ---------------------------------------------------------------------------
say ""
say "5. ${slow_connections} requests whose bodies trickle in (1 byte every 2 s), held for ${slow_seconds} s"
verdict=ok
python3 bench/drills.py slow "$base" "$slow_connections" "$slow_seconds" || verdict=FAILED
kill -0 "$server_pid" 2>/dev/null || { verdict=FAILED; say "    FAILED: the server process died"; }
record "${slow_connections} slow bodies held: 408 and closed, health under 1 s, logins work" "$verdict"

# --- 6. the outbox when the service is killed -------------------------------------------------
say ""
say "6. The service killed (SIGKILL) while ${outbox_events} webhook events are pending, then restarted"
verdict=ok
receiver_port="$(free_port)"
printf 'hang\n' > "${out}/receiver.mode"
: > "${out}/receiver.log"
python3 bench/drills.py receiver "$receiver_port" "${out}/receiver.log" "${out}/receiver.mode" &
receiver_pid=$!
endpoint_status=$(curl -sS -o "${out}/endpoint.json" -w '%{http_code}' -X POST "${base}/api/v1/webhook-endpoints" \
  -H "Authorization: Bearer ${token}" -H 'Content-Type: application/json' \
  -d "{\"url\": \"http://127.0.0.1:${receiver_port}/hooks\", \"event_types\": [\"volunteer.status_changed\"]}")
[[ "$endpoint_status" == 201 ]] || { verdict=FAILED; say "    FAILED: adding the endpoint answered ${endpoint_status}"; }
python3 bench/drills.py events "$base" "$token" "$outbox_events" OutboxDrill || verdict=FAILED
# The receiver holds what arrives without answering; once sending has begun and every request
# of that round has reached it (a request still in the receiver's socket buffer when the sender
# dies may be answered to nobody, which no sender can know), kill the service.
for _ in $(seq 100); do [[ -s "${out}/receiver.log" ]] && break; sleep 0.1; done
# Then wait until no further request has arrived for three seconds (at most 30 s): on a loaded
# machine the last requests of a round can reach the receiver well after the first.
held=-1; quiet=0
for _ in $(seq 60); do
  now_held=$(grep -c . "${out}/receiver.log" || true)
  if [[ "$now_held" == "$held" ]]; then quiet=$((quiet + 1)); else quiet=0; held=$now_held; fi
  (( quiet >= 6 )) && break
  sleep 0.5
done
waiting=$(psql -X -A -t "$drill_db" -c "SELECT (SELECT count(*) FROM outbox_events WHERE dispatched_at IS NULL) \
  + (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending')")
in_flight=$(grep -c . "${out}/receiver.log" || true)
kill -KILL "$server_pid"
wait "$server_pid" 2>/dev/null || true
say "    killed with ${waiting} events not yet delivered, ${in_flight} of them held by the receiver"
printf '200\n' > "${out}/receiver.mode"
killed_at=$(date +%s)
start_server
for _ in $(seq 600); do
  left=$(psql -X -A -t "$drill_db" -c "SELECT (SELECT count(*) FROM outbox_events WHERE dispatched_at IS NULL) \
    + (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending')")
  [[ "$left" == 0 ]] && break
  sleep 0.25
done
say "    restarted; everything delivered $(( $(date +%s) - killed_at )) s after the kill (held deliveries wait for their 60 s lease); left: ${left}"
[[ "$left" == 0 ]] || verdict=FAILED
# Every status change since the drill's endpoint was added (earlier ones had nobody to go to).
psql -X -A -t "$drill_db" -c "SELECT 'msg_' || replace(id::text, '-', '') FROM outbox_events \
  WHERE event_type = 'volunteer.status_changed' AND created_at >= (SELECT created_at FROM webhook_endpoints \
  WHERE url = 'http://127.0.0.1:${receiver_port}/hooks')" > "${out}/expected-ids.txt"
python3 bench/drills.py delivered "${out}/receiver.log" "${out}/expected-ids.txt" || verdict=FAILED
kill "$receiver_pid" 2>/dev/null || true
record "killed with ${outbox_events} events pending: all delivered, none twice" "$verdict"

say ""
say "Drills ($(( $(date +%s) - started )) s; outputs in ${out}):"
failed=0
for line in "${results[@]}"; do
  say "  ${line}"
  [[ "$line" == *FAILED ]] && failed=1
done
unexpected=$(grep 'ERROR' "${out}/server.log" | grep -v 'r2d2' | grep -cv 'Unavailable(' || true)
say "  server log: $(grep -c 'ERROR' "${out}/server.log" || true) error lines, ${unexpected} of them other than a 503 or" \
    "the pool's failed connections while the database was away (${out}/server.log)"
exit "$failed"

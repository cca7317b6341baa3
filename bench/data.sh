#!/usr/bin/env bash
# Data in and out at volume (see docs/PERFORMANCE.md, "Import and export"): the release build
# imports a CSV of 100 000 new volunteers (a dry run, then a commit) and exports every
# volunteer of a municipality of 1 000 000 as CSV, sampling the server's resident memory all
# the while. Prints PASS/MISS against the targets: the import under 60 s and 200 MB, the
# export at constant memory (its peak no more than 64 MB over the server's resident size
# before it, whatever the number of rows).
#
#   bench/data.sh            1 000 000 volunteers exported, 100 000 rows imported
#   bench/data.sh --small    seconds long (CI): 20 000 exported, 5 000 imported
#
# Settings (environment): BENCH_EXPORT_VOLUNTEERS, BENCH_IMPORT_ROWS, BENCH_DATABASE,
# BENCH_OUT, BENCH_PG, BENCH_KEEP=1 keeps the database afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh

small=0
for arg in "$@"; do
  case "$arg" in
    --small) small=1 ;;
    -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
    *) fail "unknown argument ${arg} (see --help)" ;;
  esac
done
if [[ "$small" == 1 ]]; then
  exported="${BENCH_EXPORT_VOLUNTEERS:-20000}"
  imported="${BENCH_IMPORT_ROWS:-5000}"
else
  exported="${BENCH_EXPORT_VOLUNTEERS:-1000000}"
  imported="${BENCH_IMPORT_ROWS:-100000}"
fi
database="${BENCH_DATABASE:-samspill_bench_data}"
out="${BENCH_OUT:-target/bench/data}"
binary=target/release/samspill
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
need curl
rm -rf "$out"
mkdir -p "$out"

say "Building the release binary"
cargo build -q --release -p samspill

say "Seeding one municipality with ${exported} volunteers (database ${database})"
drop_database "$database"
seeded_at=$(date +%s)
DATABASE_URL="${BENCH_PG}/${database}" SAMSPILL_LOG=warn \
SAMSPILL_ADMIN_EMAIL=bench-admin@samspill.invalid SAMSPILL_ADMIN_PASSWORD="$DEMO_PASSWORD" \
  "$binary" seed-demo --volunteers "$exported" --municipalities 1 >"${out}/seed.txt"
say "  seeded in $(( $(date +%s) - seeded_at )) s"
read -r email municipality <<<"$(psql -X -A -t -F ' ' "${BENCH_PG}/${database}" -c "
  SELECT s.email, m.id FROM municipalities m
    JOIN staff_users s ON s.municipality_id = m.id AND s.role = 'coordinator'
   WHERE s.email LIKE 'koordinator.%@bench.samspill.no' LIMIT 1")"

port="$(free_port)"
base="http://127.0.0.1:${port}"
DATABASE_URL="${BENCH_PG}/${database}" \
SAMSPILL_BIND="127.0.0.1:${port}" \
SAMSPILL_JWT_SECRET="$BENCH_JWT_SECRET" \
SAMSPILL_ACCESS_TOKEN_TTL_SECONDS=3600 \
SAMSPILL_BODY_TIMEOUT_SECONDS=120 \
SAMSPILL_LOG="${SAMSPILL_LOG:-warn}" \
  "$binary" serve >"${out}/server.log" 2>&1 &
server_pid=$!
wait_ready "$base" "$server_pid" "${out}/server.log"
token="$(login "$base" "$email")"

# Samples the server's resident size every 100 ms into $1 until stopped.
sample() {
  while sleep 0.1; do
    awk '/^VmRSS:/ {print int($2 / 1024)}' "/proc/${server_pid}/status" 2>/dev/null || break
  done >"$1"
}
peak() { sort -n "$1" | tail -n 1; }
now_ms() { date +%s%3N; }

# --- export ---------------------------------------------------------------------------------
before="$(rss_of "$server_pid" | cut -d' ' -f1)"
sample "${out}/export.rss" & sampler_pid=$!
started=$(now_ms)
status="$(curl -sS -o "${out}/volunteers.csv" -w '%{http_code}' --max-time 1800 \
  -H "Authorization: Bearer ${token}" -H 'Accept: text/csv' \
  "${base}/api/v1/volunteers?dialect=excel")"
export_ms=$(( $(now_ms) - started ))
kill "$sampler_pid" 2>/dev/null || true; wait "$sampler_pid" 2>/dev/null || true; sampler_pid=""
[[ "$status" == 200 ]] || fail "the export answered ${status}"
export_rows=$(( $(wc -l <"${out}/volunteers.csv") - 1 ))
export_mb=$(( $(stat -c %s "${out}/volunteers.csv") / 1048576 ))
export_peak="$(peak "${out}/export.rss")"
[[ "$export_rows" == "$exported" ]] || fail "the export has ${export_rows} rows, not ${exported}"

# --- import ---------------------------------------------------------------------------------
python3 - "$imported" >"${out}/import.csv" <<'PY'
import sys
rows = int(sys.argv[1])
out = sys.stdout
out.write("\ufeffFornavn;Etternavn;E-post;Mobil;Postnr;Poststed;Fødselsår;Språk;Aktiviteter\r\n")
for n in range(rows):
    out.write(f"Import {n};Nordmann;import.{n}@bench-import.no;9{n % 10000000:07d};{1000 + n % 9000};"
              f"Bergen;{1940 + n % 60};no|en;companionship\r\n")
PY
import_mb=$(( $(stat -c %s "${out}/import.csv") / 1048576 ))
run_import() {
  local mode="$1"
  before="$(rss_of "$server_pid" | cut -d' ' -f1)"
  sample "${out}/import-${mode}.rss" & sampler_pid=$!
  started=$(now_ms)
  status="$(curl -sS -o "${out}/import-${mode}.json" -w '%{http_code}' --max-time 600 \
    -H "Authorization: Bearer ${token}" -H 'Content-Type: text/csv' \
    --data-binary "@${out}/import.csv" "${base}/api/v1/imports/volunteers?mode=${mode}")"
  elapsed=$(( $(now_ms) - started ))
  kill "$sampler_pid" 2>/dev/null || true; wait "$sampler_pid" 2>/dev/null || true; sampler_pid=""
  [[ "$status" == 201 ]] || fail "the ${mode} import answered ${status}: $(head -c 400 "${out}/import-${mode}.json")"
  echo "$elapsed $(peak "${out}/import-${mode}.rss") $before"
}
read -r dry_ms dry_peak dry_before <<<"$(run_import dry_run)"
read -r commit_ms commit_peak commit_before <<<"$(run_import commit)"
created="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["counts"]["create"])' "${out}/import-commit.json")"
[[ "$created" == "$imported" ]] || fail "the commit created ${created} volunteers, not ${imported}"

verdict() { if (( $1 )); then echo PASS; else echo MISS; fi; }
say ""
say "Export of ${export_rows} volunteers as CSV (${export_mb} MiB, excel dialect):"
say "  $(awk "BEGIN {printf \"%.1f\", ${export_ms} / 1000}") s, $(( export_rows * 1000 / (export_ms > 0 ? export_ms : 1) )) rows/s"
say "  server resident size: $(head -n 1 "${out}/export.rss") MiB at the start, peak ${export_peak} MiB"
grow=$(( export_peak - $(head -n 1 "${out}/export.rss") ))
say "  growth during the export ${grow} MiB for ${export_mb} MiB sent ($(awk "BEGIN {printf \"%.2f\", ${grow} / (${export_mb} > 0 ? ${export_mb} : 1)}")x the file)"
say "  $(verdict $(( grow <= 64 ))) constant memory: growth <= 64 MiB"
say ""
say "Import of ${imported} new volunteers (${import_mb} MiB, ';' with a byte order mark):"
say "  dry run ${dry_ms} ms, peak ${dry_peak} MiB (${dry_before} MiB before)"
say "  commit  ${commit_ms} ms, peak ${commit_peak} MiB (${commit_before} MiB before), $(( imported * 1000 / (commit_ms > 0 ? commit_ms : 1) )) rows/s"
say "  $(verdict $(( commit_ms < 60000 && dry_ms < 60000 ))) under 60 s"
say "  $(verdict $(( commit_peak < 200 && dry_peak < 200 ))) under 200 MB resident"
if (( grow > 64 || commit_ms >= 60000 || dry_ms >= 60000 || commit_peak >= 200 || dry_peak >= 200 )); then
  exit 1
fi

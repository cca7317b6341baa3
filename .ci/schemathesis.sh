#!/usr/bin/env bash
# schemathesis against the live server: every generated request, valid or not, must be answered
# without a 5xx and as the served OpenAPI document says (status code, content type, headers, body).
#
# For each role (the demo admin, then the demo coordinator) this starts target/debug/samspill
# `serve --demo` on a fresh throwaway database and a free loopback port, logs in with the password
# grant, and runs schemathesis with that bearer token against /api-docs/openapi.json. The server
# is stopped and the database dropped after each role and on any exit. Exits non-zero on any
# failure, on a schemathesis error, and when the server logged a panic.
#
# Build first: cargo build -p samspill
#
# Knobs (environment):
#   SCHEMATHESIS_MAX_TIME      seconds per role (default 80): schemathesis shares this budget
#                              among phases and operations, and repeats fuzzing and stateful
#                              tests while time remains, so the script takes about 3 minutes
#                              however many operations the API grows to (watch the summary's
#                              "Tested: N" and raise it if operations go untested)
#   SCHEMATHESIS_MAX_EXAMPLES  test cases per operation in one fuzzing round (default 100)
#   SCHEMATHESIS_WORKERS       concurrent workers (default 2)
#   SCHEMATHESIS_SEED          seed (default 20261123, so a CI failure can be replayed; `random`
#                              for a new one each run, which schemathesis prints)
#   SCHEMATHESIS_CHECKS        comma-separated checks (default: the list below; `all` for every one)
#   SCHEMATHESIS_ROLES         demo accounts to run as (default "admin coordinator"; also
#                              contact_person, volunteer)
#   SAMSPILL_CI_VENV           the virtualenv (default target/ci-venv)
# Left in target/schemathesis/: per role a JUnit report, a VCR cassette with every request and
# response, and the server log.
set -euo pipefail
# The braces make bash read the whole script before running it: editing this file while a run is
# under way (minutes) cannot derail that run.
{
ci_dir="$(cd "$(dirname "$0")" && pwd)"
CI_ROOT="$(cd "${ci_dir}/.." && pwd)"
cd "$CI_ROOT"

fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }

binary="${CI_ROOT}/target/debug/samspill"
[[ -x "$binary" ]] || fail "${binary} is missing: build it first with 'cargo build -p samspill'"
for tool in psql curl; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is needed"
done

# shellcheck source=.ci/venv.sh
source "${ci_dir}/venv.sh"
ci_venv_ensure
schemathesis="${CI_VENV}/bin/schemathesis"
python="${CI_VENV}/bin/python"

workers="${SCHEMATHESIS_WORKERS:-2}"
if [[ "$CI_PYTHON_THREAD_SAFE" != 1 && "$workers" != 1 ]]; then
  echo "note: $("$python" -V) has CPython gh-106905 (ast.parse racing in threads): using one worker" >&2
  workers=1
fi
max_examples="${SCHEMATHESIS_MAX_EXAMPLES:-100}"
max_time="${SCHEMATHESIS_MAX_TIME:-80}"
roles="${SCHEMATHESIS_ROLES:-admin coordinator}"
seed="${SCHEMATHESIS_SEED:-20261123}"
seed_args=(--seed "$seed")
[[ "$seed" == random ]] && seed_args=()

# Every check of schemathesis 4.32 but one:
# - the contract: not_a_server_error, status_code_conformance, content_type_conformance,
#   response_headers_conformance, response_schema_conformance;
# - HTTP semantics: unsupported_method (405 with Allow for undocumented methods),
#   allow_header_conformance, missing_required_header;
# - input handling: negative_data_rejection (a schema-invalid request must get a 4xx);
# - auth and state: ignored_auth (no or a bad token must get 401), use_after_free and
#   ensure_resource_availability (stateful phase: a deleted resource is gone, a created one is
#   there).
# Left out:
# - positive_data_acceptance. It expects every request the schema admits to get a 2xx (or
#   401/403/404/409), but the API rightly refuses schema-valid requests for reasons a JSON schema
#   cannot carry: an If-Match naming another version (412), cross-field rules (a Danish code has
#   3 digits, an admin has no municipality), ids of rows that do not exist (422), a wrong current
#   password. `SCHEMATHESIS_CHECKS=all` shows those.
# - object_level_authorization: it needs two identities as `peers` in a WFC auth file and does
#   nothing (but warn) with one bearer token. Tenancy is covered by the black-box tests.
checks="${SCHEMATHESIS_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,unsupported_method,allow_header_conformance,missing_required_header,negative_data_rejection,ignored_auth,use_after_free,ensure_resource_availability}"

out="${CI_ROOT}/target/schemathesis"
rm -rf "$out"
mkdir -p "$out"

database="samspill_schemathesis_$$"
drop_database() {
  psql -q -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c "DROP DATABASE IF EXISTS ${database} WITH (FORCE)" >/dev/null 2>&1
}

server_pid=""
runner_pid=""
stop_server() {
  if [[ -n "$server_pid" ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  local status=$?
  if [[ -n "$runner_pid" ]]; then
    kill -TERM "$runner_pid" 2>/dev/null || true
    wait "$runner_pid" 2>/dev/null || true
  fi
  stop_server
  drop_database || echo "warning: could not drop the database ${database}" >&2
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Starts the server on a fresh database; sets base and server_log.
start_server() {
  local role="$1" port
  drop_database || fail "cannot reach PostgreSQL on 127.0.0.1:5432 as user postgres"
  port="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  base="http://127.0.0.1:${port}"
  server_log="${out}/${role}/server.log"
  echo "Starting ${binary} serve --demo on ${base} (database ${database})"
  # The rate limit is raised so that 429s do not crowd out what is tested (the limiter has its
  # own black-box tests); the access token outlives the run.
  DATABASE_URL="postgres://postgres@127.0.0.1:5432/${database}" \
  SAMSPILL_BIND="127.0.0.1:${port}" \
  SAMSPILL_JWT_SECRET="$("$python" -c 'import secrets; print(secrets.token_hex(32))')" \
  SAMSPILL_ACCESS_TOKEN_TTL_SECONDS=3600 \
  SAMSPILL_RATE_LIMIT_PER_MINUTE=1000000 \
  SAMSPILL_RATE_LIMIT_BURST=1000000 \
  SAMSPILL_ADMIN_EMAIL=first-admin@schemathesis.invalid \
  SAMSPILL_ADMIN_PASSWORD="$("$python" -c 'import secrets; print(secrets.token_urlsafe(24))')" \
  SAMSPILL_LOG="${SAMSPILL_LOG:-warn}" \
  SAMSPILL_LOG_FORMAT=json \
    "$binary" serve --demo >"$server_log" 2>&1 &
  server_pid=$!
  for _ in $(seq 120); do
    kill -0 "$server_pid" 2>/dev/null || { cat "$server_log" >&2; fail "the server exited before it was ready"; }
    if curl -fsS -o /dev/null --max-time 2 "${base}/health/ready" 2>/dev/null; then return 0; fi
    sleep 0.5
  done
  cat "$server_log" >&2
  fail "${base}/health/ready did not answer 200 within 60 s"
}

# Prints an access token for a demo account.
login() {
  local email="$1" response status body
  response="$(curl -sS --max-time 30 -w '\n%{http_code}' -X POST "${base}/api/v1/auth/token" \
    --data-urlencode grant_type=password \
    --data-urlencode "username=${email}" \
    --data-urlencode password=samspill-demo-2026)" || fail "token request for ${email} failed"
  status="${response##*$'\n'}"
  body="${response%$'\n'*}"
  [[ "$status" == 200 ]] || fail "token request for ${email} answered ${status}: ${body}"
  printf '%s' "$body" | "$python" -c 'import json, sys; print(json.load(sys.stdin)["access_token"])' \
    || fail "no access_token in the token response for ${email}: ${body}"
}

# Nothing is excluded: every operation in the spec, every phase (examples, coverage, fuzzing,
# stateful), positive and negative data.
failed=()
for role in $roles; do
  case "$role" in
    admin) email=admin@demo.samspill.no ;;
    coordinator) email=koordinator@demo.samspill.no ;;
    contact_person) email=kontaktperson@demo.samspill.no ;;
    volunteer) email=frivillig@demo.samspill.no ;;
    *) fail "unknown role ${role}" ;;
  esac
  report="${out}/${role}"
  mkdir -p "$report"
  printf '\n=== schemathesis as the demo %s (%s)\n' "$role" "$email"
  start_server "$role"
  token="$(login "$email")"
  command=("$schemathesis" run "${base}/api-docs/openapi.json"
    --url "$base"
    --header "Authorization: Bearer ${token}"
    --checks "$checks"
    --max-examples "$max_examples"
    --max-time "$max_time"
    --workers "$workers"
    --request-timeout 30
    --suppress-health-check all
    --generation-database "${CI_ROOT}/target/schemathesis-examples/${role}"
    --report "junit,vcr"
    --report-dir "$report"
    --no-color
    "${seed_args[@]}")
  printf '%q ' "${command[@]}" | sed -E 's/Bearer\\ [A-Za-z0-9._-]+/Bearer\\ <token>/'
  echo
  # schemathesis keeps a response cache in ./.schemathesis: run it inside target/. In the
  # background, so that an interrupt stops the run at once rather than when schemathesis ends.
  (cd "$report" && exec "${command[@]}") &
  runner_pid=$!
  if ! wait "$runner_pid"; then
    failed+=("$role")
  fi
  runner_pid=""
  kill -0 "$server_pid" 2>/dev/null || { tail -n 50 "$server_log" >&2; fail "the server died during the ${role} run"; }
  stop_server
  if grep -q 'panicked' "$server_log"; then
    grep -m 5 'panicked' "$server_log" >&2
    echo "the server panicked during the ${role} run (log: ${server_log})" >&2
    failed+=("${role} (panic)")
  fi
  drop_database || true
done

if ((${#failed[@]})); then
  fail "schemathesis: failures as ${failed[*]}; server logs and reports in ${out}/<role>/"
fi
echo "schemathesis: no failures as ${roles}"
exit 0
}

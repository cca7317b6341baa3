# Shared by bench/run.sh and bench/drills.sh (sourced, not run).
# shellcheck shell=bash

BENCH_PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
BENCH_JWT_SECRET="${BENCH_JWT_SECRET:-bench-secret-0123456789abcdef0123456789abcdef}"
DEMO_PASSWORD=samspill-demo-2026

say() { printf '%s\n' "$*"; }
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }

# A TCP port nobody listens on right now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Installs a Debian package when its command is missing (the machines run as root).
need() {
  local command="$1" package="${2:-$1}"
  command -v "$command" >/dev/null 2>&1 && return 0
  say "Installing ${package} (for ${command})"
  if ! apt-get install -y -qq "$package" >/dev/null 2>&1; then
    apt-get update -qq >/dev/null 2>&1 || true
    apt-get install -y -qq "$package" >/dev/null 2>&1 || fail "cannot install ${package}"
  fi
  command -v "$command" >/dev/null 2>&1 || fail "${command} is still missing after installing ${package}"
}

# Makes sure the machine's PostgreSQL answers on 127.0.0.1:5432.
need_postgres() {
  if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    for _ in $(seq 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
  pg_isready -h 127.0.0.1 -p 5432 -q || fail "PostgreSQL is not reachable on 127.0.0.1:5432"
}

# psql against the maintenance database, stopping on the first error.
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 "${BENCH_PG}/postgres" "$@"; }

drop_database() {
  psql_admin -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null 2>&1
}

# Waits until GET $1/health/ready answers 200 while process $2 lives; $3 is its log.
wait_ready() {
  local base="$1" pid="$2" log="$3"
  for _ in $(seq 240); do
    kill -0 "$pid" 2>/dev/null || { tail -n 40 "$log" >&2; fail "the server exited before it was ready"; }
    if curl -fsS -o /dev/null --max-time 2 "${base}/health/ready" 2>/dev/null; then return 0; fi
    sleep 0.25
  done
  tail -n 40 "$log" >&2
  fail "${base}/health/ready did not answer 200 within 60 s"
}

# Prints an access token for the account $2 (password $3, default the demo password).
login() {
  local base="$1" email="$2" password="${3:-$DEMO_PASSWORD}" response status body
  response="$(curl -sS --max-time 30 -w '\n%{http_code}' -X POST "${base}/api/v1/auth/token" \
    --data-urlencode grant_type=password \
    --data-urlencode "username=${email}" \
    --data-urlencode "password=${password}")" || fail "token request for ${email} failed"
  status="${response##*$'\n'}"
  body="${response%$'\n'*}"
  [[ "$status" == 200 ]] || fail "token request for ${email} answered ${status}: ${body}"
  printf '%s' "$body" | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])' \
    || fail "no access_token in the token response for ${email}"
}

# Peak and current resident size of process $1 in MiB, as "VmRSS VmHWM".
rss_of() {
  awk '/^VmRSS:/ {r = $2} /^VmHWM:/ {h = $2} END {printf "%.0f %.0f\n", r / 1024, h / 1024}' "/proc/$1/status" 2>/dev/null \
    || echo "0 0"
}

#!/usr/bin/env bash
# Runs schemathesis against the live server: every generated request, valid or not, must be
# answered without a 5xx and as the spec says (status, content type, headers, body schema).
# Runs once as an administrator and once as a coordinator, each on a fresh database.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(bash .ci/venv.sh)
binary=target/debug/samspill
[ -x "$binary" ] || { echo "build first: cargo build -p samspill" >&2; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
db="samspill_schemathesis_$$"
base="http://127.0.0.1:${port}"
server=""
drop_db() { psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS ${db} WITH (FORCE)" >/dev/null; }
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  drop_db || true
}
trap cleanup EXIT

checks=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,unsupported_method,allow_header_conformance,missing_required_header
failed=0
for login in admin@demo.samspill.no koordinator@demo.samspill.no; do
  drop_db
  DATABASE_URL="postgres://postgres@127.0.0.1:5432/${db}" SAMSPILL_BIND="127.0.0.1:${port}" \
  SAMSPILL_JWT_SECRET=schemathesis-secret-0123456789abcdef SAMSPILL_LOG=warn \
  SAMSPILL_RATE_LIMIT_PER_MINUTE=100000 SAMSPILL_RATE_LIMIT_BURST=100000 \
    "$binary" serve --demo > "target/schemathesis-server.log" 2>&1 &
  server=$!
  for _ in $(seq 60); do curl -fs "${base}/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
  curl -fs "${base}/health/ready" >/dev/null || { cat target/schemathesis-server.log; exit 1; }
  token=$(curl -fs -d "grant_type=password&username=${login}&password=samspill-demo-2026" "${base}/api/v1/auth/token" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
  echo "--- schemathesis as ${login}"
  if ! "$bin/schemathesis" run "${base}/api-docs/openapi.json" \
      --url "$base" \
      -H "Authorization: Bearer ${token}" \
      --checks "$checks" \
      --phases examples,coverage,fuzzing \
      --max-examples 40 \
      --workers 1 \
      --request-timeout 10 \
      --suppress-health-check all \
      --seed 20261123 \
      --no-color; then
    failed=1
  fi
  if grep -q "panicked" target/schemathesis-server.log; then
    echo "the server panicked:"; grep -A5 panicked target/schemathesis-server.log | head -40
    failed=1
  fi
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
done
exit "$failed"

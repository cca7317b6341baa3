#!/usr/bin/env bash
# Validates the committed OpenAPI document with an external validator.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(bash .ci/venv.sh)
"$bin/openapi-spec-validator" openapi/openapi.json

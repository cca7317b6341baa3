#!/usr/bin/env bash
# Validates the committed OpenAPI document (openapi/openapi.json, or the file given) with
# openapi-spec-validator, an implementation independent of utoipa. Exits non-zero when invalid.
set -euo pipefail
ci_dir="$(cd "$(dirname "$0")" && pwd)"
CI_ROOT="$(cd "${ci_dir}/.." && pwd)"
cd "$CI_ROOT"
# shellcheck source=.ci/venv.sh
source "${ci_dir}/venv.sh"
ci_venv_ensure

spec="${1:-openapi/openapi.json}"
[[ -f "$spec" ]] || { echo "FAILED: $spec does not exist" >&2; exit 1; }
if ! "${CI_VENV}/bin/openapi-spec-validator" "$spec"; then
  echo "FAILED: $spec is not a valid OpenAPI document (openapi-spec-validator)" >&2
  exit 1
fi

#!/usr/bin/env bash
# Creates (or reuses) the CI virtualenv with the pinned Python tools; prints its bin directory.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/ci-venv
if [ ! -x "$venv/bin/schemathesis" ] || ! "$venv/bin/pip" freeze 2>/dev/null | grep -qxF -f .ci/requirements.txt; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q -r .ci/requirements.txt >&2
fi
echo "$PWD/$venv/bin"

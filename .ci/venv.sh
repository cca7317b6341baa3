# shellcheck shell=bash
# Sourced by .ci/schemathesis.sh and .ci/validate-spec.sh. ci_venv_ensure makes sure the virtualenv
# (target/ci-venv, or $SAMSPILL_CI_VENV) holds what .ci/requirements.txt pins and sets CI_VENV and
# CI_PYTHON_THREAD_SAFE. The venv is reused while the pins and the interpreter are unchanged.
#
# Interpreter: the first of python3.13, python3.12, python3.11, python3 and pyenv's installed
# versions (newest first) that schemathesis supports (>= 3.10) and that is free of CPython
# gh-106905: before 3.11.8 and 3.12.2, ast.parse() racing in two threads fails with "SystemError:
# AST constructor recursion depth mismatch", which hypothesis hits when schemathesis runs with more
# than one worker (the run then ends in a schemathesis "Runtime Error", not an API failure). With
# only an affected Python at hand it is used anyway, and schemathesis.sh runs one worker.
ci_python_pick() {
  local candidate fallback=""
  local candidates=(python3.13 python3.12 python3.11 python3)
  # pyenv's shims answer only for the selected version: look at its other installs directly.
  local pyenv_root="${PYENV_ROOT:-${HOME}/.pyenv}"
  if [[ -d "${pyenv_root}/versions" ]]; then
    while IFS= read -r candidate; do candidates+=("$candidate"); done < <(
      printf '%s\n' "${pyenv_root}"/versions/3.*/bin/python3 | sort -V -r)
  fi
  for candidate in "${candidates[@]}"; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 13) or (3, 12, 2) <= v < (3, 13) or (3, 11, 8) <= v < (3, 12) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
    if [[ -z "$fallback" ]] && "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' 2>/dev/null; then
      fallback="$candidate"
    fi
  done
  [[ -n "$fallback" ]] || return 1
  echo "$fallback"
}

ci_venv_ensure() {
  local requirements stamp python wanted
  CI_VENV="${SAMSPILL_CI_VENV:-${CI_ROOT}/target/ci-venv}"
  requirements="${CI_ROOT}/.ci/requirements.txt"
  stamp="${CI_VENV}/.ci-requirements.txt"
  python="$(ci_python_pick)" || { echo "FAILED: python3 (>= 3.10) is needed for ${CI_VENV}" >&2; return 1; }
  wanted="$(cat "$requirements"; "$python" -VV)"
  if [[ -x "${CI_VENV}/bin/python" && -f "$stamp" && "$wanted" == "$(cat "$stamp")" ]]; then
    ci_thread_safe
    return 0
  fi
  echo "Installing .ci/requirements.txt into ${CI_VENV} with $("$python" -V)" >&2
  if [[ -e "$CI_VENV" && ! -f "${CI_VENV}/pyvenv.cfg" ]]; then
    echo "FAILED: ${CI_VENV} exists and is not a virtualenv; not replacing it" >&2
    return 1
  fi
  rm -rf "$CI_VENV"
  mkdir -p "$(dirname "$CI_VENV")"
  "$python" -m venv "$CI_VENV" || return 1
  "${CI_VENV}/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2 || return 1
  printf '%s\n' "$wanted" > "$stamp"
  ci_thread_safe
}

# Sets CI_PYTHON_THREAD_SAFE=1 when the venv's Python is free of gh-106905, else 0.
# shellcheck disable=SC2034
ci_thread_safe() {
  if "${CI_VENV}/bin/python" -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 13) or (3, 12, 2) <= v < (3, 13) or (3, 11, 8) <= v < (3, 12) else 1)'; then
    CI_PYTHON_THREAD_SAFE=1
  else
    CI_PYTHON_THREAD_SAFE=0
  fi
}

# Ensures the Python test environment (.venv, git-ignored) and exports MLOOP_TEST_PYTHON.
#
# Sourced by scripts/test.sh (then call ensure_test_python), or run directly to prepare it.
# The tests drive real Python peers (the mlflow client, our Python client) against mloop, so the
# versions are pinned in scripts/requirements-test.txt. pip runs only when that file changes: its
# sha256 is stamped into the venv after a successful install.

# Debian's own python3 ships venv/ensurepip in a separate package.
py_install_venv_support() {
  if [[ $EUID -ne 0 ]]; then
    echo "python3 cannot create virtual environments; install the 'python3-venv' package." >&2
    return 1
  fi
  local versioned
  versioned="$(python3 -c 'import sys; print(f"python{sys.version_info[0]}.{sys.version_info[1]}-venv")')"
  echo "== installing python3-venv (apt-get)"
  apt-get update -qq </dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv "$versioned" </dev/null >/dev/null
}

# A venv is tied to the interpreter that made it: recreate it when python3 changed or it is broken.
py_venv_usable() {
  local venv="$1" want have
  want="$(python3 -c 'import sys; print(sys.version)')"
  have="$("$venv/bin/python" -c 'import sys; print(sys.version)' 2>/dev/null)" || return 1
  [[ "$want" == "$have" ]] && "$venv/bin/python" -m pip --version >/dev/null 2>&1
}

py_create_venv() {
  local venv="$1"
  echo "== creating Python virtual environment in .venv"
  rm -rf "$venv"
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    rm -rf "$venv"
    py_install_venv_support
    python3 -m venv "$venv"
  fi
}

ensure_test_python() {
  local repo_root venv requirements stamp want
  repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  venv="$repo_root/.venv"
  requirements="$repo_root/scripts/requirements-test.txt"
  stamp="$venv/.requirements-sha256"

  py_venv_usable "$venv" || py_create_venv "$venv"
  want="$(sha256sum "$requirements" | cut -d ' ' -f 1)"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    echo "== installing Python test packages (scripts/requirements-test.txt)"
    # -q hides progress but still prints errors; the stamp is written only after success.
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements"
    echo "$want" >"$stamp"
  else
    echo "== Python test packages up to date"
  fi
  export MLOOP_TEST_PYTHON="$venv/bin/python"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  ensure_test_python
  echo "$MLOOP_TEST_PYTHON"
fi

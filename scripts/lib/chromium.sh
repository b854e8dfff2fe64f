# Ensures Debian's chromium for the dashboard's browser tests and exports MLOOP_TEST_CHROMIUM.
#
# Sourced by scripts/test.sh (then call ensure_test_chromium), or run directly:
#   bash scripts/lib/chromium.sh          install it (if needed, as root) and print its path
#
# Why the distribution's chromium and not playwright's download: the tests must run offline from
# the package mirrors only, and playwright-core drives any Chromium through its DevTools protocol.

chromium_find() {
  local candidate
  for candidate in "${MLOOP_TEST_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [[ -n "$candidate" && -x "$candidate" ]]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

chromium_install_if_missing() {
  chromium_find >/dev/null && return 0
  if [[ $EUID -ne 0 ]]; then
    echo "chromium not found; install the 'chromium' package (needs root) for the dashboard tests." >&2
    return 1
  fi
  echo "== installing chromium (apt-get)"
  apt-get update -qq </dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium </dev/null >/dev/null
  chromium_find >/dev/null
}

ensure_test_chromium() {
  local path
  if chromium_install_if_missing && path="$(chromium_find)"; then
    export MLOOP_TEST_CHROMIUM="$path"
  else
    echo "warning: no chromium; the dashboard's browser tests cannot run" >&2
  fi
}

if [[ "${BASH_SOURCE[0]}" == "${0}" ]]; then
  set -euo pipefail
  chromium_install_if_missing
  chromium_find
fi

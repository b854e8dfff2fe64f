# Installs the npm packages a fresh clone needs, the same way for `npm test`, `npm run demo` and
# `npm run bench`. Sourced; then call ensure_npm_packages.

# Native addons (better-sqlite3) compile from source when no prebuilt binary can be downloaded.
# That needs a compiler, and node-gyp must use the headers installed with node instead of
# downloading them.
prepare_native_builds() {
  if ! command -v make >/dev/null || ! command -v g++ >/dev/null; then
    if [[ $EUID -eq 0 ]]; then
      echo "== installing build-essential (apt-get) for native npm packages"
      apt-get update -qq </dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq build-essential </dev/null >/dev/null
    else
      echo "warning: make/g++ not found; native npm packages may fail to build" >&2
    fi
  fi
  local node_prefix
  node_prefix="$(dirname "$(dirname "$(command -v node)")")"
  if [[ -z "${npm_config_nodedir:-}" && -f "$node_prefix/include/node/node_version.h" ]]; then
    export npm_config_nodedir="$node_prefix"
  fi
}

# A plain `npm ci`, and nothing else: package-lock.json lists every platform's optional packages
# (as npm writes it where the registry serves them all), so no fallback is needed, and one would
# hide a lockfile that drifted from package.json. Besides its exit code, the install fails on the
# warnings that mean the project's own files are out of date: an engine the README's Node does not
# satisfy, an install script package.json's allowScripts does not cover, an npmrc key npm does not
# know.
install_npm_packages() {
  local log status=0
  log="$(mktemp)"
  npm ci --no-audit --no-fund >"$log" 2>&1 || status=$?
  cat "$log"
  if [[ $status -ne 0 ]]; then
    rm -f "$log"
    echo "error: npm ci failed (exit $status); package-lock.json must install as it is" >&2
    return 1
  fi
  if grep -qE 'EBADENGINE|not yet covered by allowScripts|Unknown (project|user|global) config' "$log"; then
    rm -f "$log"
    echo "error: npm ci warned about the project's own set-up (above); fix package.json or the lockfile" >&2
    return 1
  fi
  rm -f "$log"
}

# npm ci wipes node_modules, so only install when the lockfile changed since the last install.
ensure_npm_packages() {
  local install_stamp=node_modules/.install-stamp
  if [[ ! -d node_modules || ! -f "$install_stamp" || package-lock.json -nt "$install_stamp" ]]; then
    echo "== installing npm packages"
    prepare_native_builds
    install_npm_packages
    touch "$install_stamp"
  else
    echo "== npm packages up to date"
  fi
}

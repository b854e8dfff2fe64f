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

# `npm ci`, except for one known npm behaviour: when the registry does not serve some
# platform-specific optional packages (say rollup's builds for other systems), the lockfile cannot
# list them and `npm ci` rejects it ("Missing: name@ from lock file", with no version). Then the
# locked versions are installed with `npm install --no-save`, which leaves package-lock.json alone.
# Any other mismatch (a versioned "Missing:", "Invalid:") is a real lockfile problem and fails.
install_npm_packages() {
  local log
  log="$(mktemp)"
  # npm ci prints little on success; its output is shown unless the known case below applies.
  if npm ci --no-audit --no-fund >"$log" 2>&1; then
    grep -v '^npm warn' "$log" || true
    rm -f "$log"
    return 0
  fi
  if grep -q 'code EUSAGE' "$log" && grep -q 'Missing: .*@ from lock file' "$log" &&
    ! grep -qE 'Missing: .+@[^ ]+ from lock file|Invalid: ' "$log"; then
    rm -f "$log"
    echo "== npm ci rejected the lockfile only for optional packages this registry lacks;" \
      "installing the locked versions with npm install --no-save"
    npm install --no-save --no-audit --no-fund
    return 0
  fi
  cat "$log" >&2
  rm -f "$log"
  return 1
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

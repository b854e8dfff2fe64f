# Ensures a private PostgreSQL server for the test suite and exports MLOOP_TEST_POSTGRES_URL.
#
# Sourced by scripts/test.sh (then call ensure_test_postgres), or run directly:
#   bash scripts/lib/postgres.sh          start it (if needed) and print the URL
#   bash scripts/lib/postgres.sh stop     stop it
#
# Why a private cluster and not the distribution's one: tests need trust auth, a fixed port and a
# throwaway data directory, and CI machines have no systemd. The cluster lives in
# .test-services/postgres (git-ignored) and stays running between runs so the next run is fast.
# MLOOP_TEST_PG_PORT overrides the port (default 55432), e.g. to run two checkouts side by side.

MLOOP_TEST_PG_PORT="${MLOOP_TEST_PG_PORT:-55432}"

# Newest installed server binaries: Debian puts each major version under /usr/lib/postgresql/N/bin.
pg_find_bin() {
  local initdb
  initdb="$( (ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null || true) | sort -V | tail -n 1)"
  if [[ -z "$initdb" ]] && command -v initdb >/dev/null; then initdb="$(command -v initdb)"; fi
  [[ -n "$initdb" ]] && dirname "$initdb"
}

pg_install_if_missing() {
  pg_find_bin >/dev/null && return 0
  if [[ $EUID -ne 0 ]]; then
    echo "PostgreSQL server binaries not found; install the 'postgresql' package (needs root)." >&2
    return 1
  fi
  echo "== installing PostgreSQL (apt-get)"
  apt-get update -qq </dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql </dev/null >/dev/null
  pg_find_bin >/dev/null
}

# PostgreSQL refuses to run as root, so as root everything server-side runs as the 'postgres' user.
pg_run_user() {
  if [[ $EUID -ne 0 ]]; then
    id -un
    return
  fi
  if ! id -u postgres >/dev/null 2>&1; then
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin postgres
  fi
  echo postgres
}

# Runs a command as the server user. `cd /` because the caller's directory may be unreadable to it.
pg_as_user() {
  if [[ $EUID -eq 0 ]]; then
    (cd / && LC_ALL=C runuser -u "$(pg_run_user)" -- "$@")
  else
    LC_ALL=C "$@"
  fi
}

# Where the cluster lives. Preferred: inside the repo. Fallback: /tmp/mloop-test-pg-<uid>, used when
# the server user cannot reach the repo (e.g. a checkout under /root) or the path is too long for a
# unix socket (the kernel limits socket paths to 107 bytes).
pg_base_dir() {
  local repo_root="$1" user="$2" dir
  dir="$repo_root/.test-services/postgres"
  if (( ${#dir} < 90 )) && mkdir -p "$dir" 2>/dev/null; then
    if [[ $EUID -ne 0 ]]; then
      echo "$dir"
      return
    fi
    if chown "$user:" "$dir" 2>/dev/null && pg_as_user test -w "$dir" -a -x "$dir"; then
      echo "$dir"
      return
    fi
  fi
  rmdir "$dir" "$repo_root/.test-services" 2>/dev/null || true
  dir="/tmp/mloop-test-pg-$(id -u)"
  mkdir -p "$dir"
  [[ $EUID -eq 0 ]] && chown "$user:" "$dir"
  echo "$dir"
}

# A postmaster.pid left by a killed server (or a container restart, where its PID may now belong
# to an unrelated process) makes postgres refuse to start. It is stale unless that PID is a
# postgres process serving this very data directory.
pg_clear_stale_pid() {
  local data="$1" sock_dir="$2" pid
  [[ -f "$data/postmaster.pid" ]] || return 0
  pid="$(head -n 1 "$data/postmaster.pid")"
  if [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] && tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qxF "$data"; then
    return 0
  fi
  echo "== removing stale postmaster.pid (PID $pid is not this server)"
  rm -f "$data/postmaster.pid" "$sock_dir/.s.PGSQL.$MLOOP_TEST_PG_PORT.lock"
}

# Settings are rewritten at every start, so changing them here takes effect on the next start.
pg_write_config() {
  local data="$1" sock_dir="$2"
  pg_as_user tee "$data/mloop-test.conf" >/dev/null <<CONF
# Written by scripts/lib/postgres.sh at every start; edit that script instead.
listen_addresses = '127.0.0.1'
port = $MLOOP_TEST_PG_PORT
unix_socket_directories = '$sock_dir'
fsync = on
max_connections = 200
CONF
  pg_as_user tee "$data/pg_hba.conf" >/dev/null <<'CONF'
# Test cluster: reachable only from this machine, no passwords.
local all all trust
host  all all 127.0.0.1/32 trust
CONF
}

# initdb into a temporary directory and rename it, so an interrupted initdb never leaves a
# half-made cluster behind. A cluster from another major version is test data: recreate it.
pg_init_cluster() {
  local bin="$1" data="$2" major
  major="$("$bin/postgres" --version | sed -E 's/^[^0-9]*([0-9]+).*/\1/')"
  if [[ -f "$data/PG_VERSION" && "$(cat "$data/PG_VERSION")" == "$major" ]]; then return 0; fi
  echo "== creating PostgreSQL $major test cluster in $data"
  rm -rf "$data" "$data.new"
  pg_as_user "$bin/initdb" -D "$data.new" -U postgres --auth=trust --encoding=UTF8 --locale=C >/dev/null
  echo "include_if_exists = 'mloop-test.conf'" | pg_as_user tee -a "$data.new/postgresql.conf" >/dev/null
  mv "$data.new" "$data"
}

pg_psql() {
  local bin="$1"
  shift
  PGCONNECT_TIMEOUT=5 "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$MLOOP_TEST_PG_PORT" -U postgres -d postgres "$@"
}

# Starts the server unless something already answers on the port. Runs under a lock so two test
# runs started together do not race on initdb or pg_ctl.
pg_start_locked() {
  local bin="$1" base="$2" data="$2/data" state=0
  "$bin/pg_isready" -q -h 127.0.0.1 -p "$MLOOP_TEST_PG_PORT" || state=$?
  if [[ $state -eq 1 ]]; then
    # Rejecting connections: our server is starting up or recovering; give it time.
    echo "== waiting for PostgreSQL on port $MLOOP_TEST_PG_PORT to accept connections"
    for _ in $(seq 60); do
      sleep 1
      "$bin/pg_isready" -q -h 127.0.0.1 -p "$MLOOP_TEST_PG_PORT" && { state=0; break; }
    done
  fi
  if [[ $state -eq 0 ]]; then
    echo "== PostgreSQL already running on port $MLOOP_TEST_PG_PORT"
  else
    [[ $EUID -eq 0 && -d "$data" ]] && chown -R "$(pg_run_user):" "$data"
    pg_init_cluster "$bin" "$data"
    pg_write_config "$data" "$base"
    pg_clear_stale_pid "$data" "$base"
    echo "== starting PostgreSQL on 127.0.0.1:$MLOOP_TEST_PG_PORT (data in $data)"
    # 9>&- : the server must not inherit the lock, or it would hold it for as long as it runs.
    if ! pg_as_user "$bin/pg_ctl" start -w -t 60 -D "$data" -l "$base/server.log" >/dev/null 9>&-; then
      echo "PostgreSQL did not start; last lines of $base/server.log:" >&2
      tail -n 20 "$base/server.log" >&2 || true
      return 1
    fi
    # Nobody can be using test databases of a server that was just started: drop what crashed
    # runs left behind (test/helpers/postgres.ts names them mloop_t_*).
    pg_psql "$bin" -At -c "select datname from pg_database where datname like 'mloop\_t\_%'" |
      while read -r db; do pg_psql "$bin" -c "drop database if exists \"$db\""; done
  fi
  if ! pg_psql "$bin" -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mloop') THEN CREATE ROLE mloop SUPERUSER LOGIN; END IF;
    END \$\$;"; then
    echo "Cannot use the PostgreSQL server on port $MLOOP_TEST_PG_PORT as user postgres without a password." >&2
    echo "If another server holds that port, set MLOOP_TEST_PG_PORT to a free port." >&2
    return 1
  fi
}

ensure_test_postgres() {
  local repo_root bin user base
  repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  pg_install_if_missing
  bin="$(pg_find_bin)"
  user="$(pg_run_user)"
  base="$(pg_base_dir "$repo_root" "$user")"
  (
    flock 9
    pg_start_locked "$bin" "$base"
  ) 9>"$base/.lock"
  export MLOOP_TEST_POSTGRES_URL="postgres://mloop@127.0.0.1:$MLOOP_TEST_PG_PORT/postgres"
}

stop_test_postgres() {
  local repo_root bin base
  repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  bin="$(pg_find_bin)" || return 0
  base="$(pg_base_dir "$repo_root" "$(pg_run_user)")"
  if [[ -f "$base/data/postmaster.pid" ]]; then
    pg_as_user "$bin/pg_ctl" stop -D "$base/data" -m fast
  fi
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  case "${1:-start}" in
    start) ensure_test_postgres && echo "$MLOOP_TEST_POSTGRES_URL" ;;
    stop) stop_test_postgres ;;
    *) echo "usage: $0 [start|stop]" >&2 && exit 2 ;;
  esac
fi

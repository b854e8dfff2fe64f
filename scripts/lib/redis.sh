# Ensures a private Redis server for the test suite and exports MLOOP_TEST_REDIS_URL.
#
# Sourced by scripts/test.sh (then call ensure_test_redis), or run directly:
#   bash scripts/lib/redis.sh          start it (if needed) and print the URL
#   bash scripts/lib/redis.sh stop     stop it
#
# The pipelines' BullMQ executor is tested against it. Like the PostgreSQL one it is private (a
# fixed port, data under .test-services/redis, git-ignored) and keeps running between runs.
# MLOOP_TEST_REDIS_PORT overrides the port (default 56379).

MLOOP_TEST_REDIS_PORT="${MLOOP_TEST_REDIS_PORT:-56379}"

redis_install_if_missing() {
  command -v redis-server >/dev/null && return 0
  if [[ $EUID -ne 0 ]]; then
    echo "redis-server not found; install the 'redis-server' package (needs root)." >&2
    return 1
  fi
  echo "== installing Redis (apt-get)"
  apt-get update -qq </dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server </dev/null >/dev/null
  command -v redis-server >/dev/null
}

redis_ping() {
  redis-cli -h 127.0.0.1 -p "$MLOOP_TEST_REDIS_PORT" ping 2>/dev/null | grep -q PONG
}

# Starts the server unless one already answers on the port; under a lock so two runs do not race.
redis_start_locked() {
  local base="$1"
  if redis_ping; then
    echo "== Redis already running on port $MLOOP_TEST_REDIS_PORT"
    return 0
  fi
  echo "== starting Redis on 127.0.0.1:$MLOOP_TEST_REDIS_PORT (data in $base)"
  # No persistence: queues of a test run are throwaway. 9>&- : the server must not hold the lock.
  redis-server --bind 127.0.0.1 --port "$MLOOP_TEST_REDIS_PORT" --dir "$base" \
    --daemonize yes --pidfile "$base/redis.pid" --logfile "$base/server.log" \
    --save '' --appendonly no 9>&-
  for _ in $(seq 50); do
    redis_ping && return 0
    sleep 0.1
  done
  echo "Redis did not start; last lines of $base/server.log:" >&2
  tail -n 20 "$base/server.log" >&2 || true
  return 1
}

redis_base_dir() {
  local repo_root
  repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  mkdir -p "$repo_root/.test-services/redis"
  echo "$repo_root/.test-services/redis"
}

ensure_test_redis() {
  local base
  redis_install_if_missing
  base="$(redis_base_dir)"
  (
    flock 9
    redis_start_locked "$base"
  ) 9>"$base/.lock"
  export MLOOP_TEST_REDIS_URL="redis://127.0.0.1:$MLOOP_TEST_REDIS_PORT"
}

stop_test_redis() {
  redis_ping || return 0
  redis-cli -h 127.0.0.1 -p "$MLOOP_TEST_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  case "${1:-start}" in
    start) ensure_test_redis && echo "$MLOOP_TEST_REDIS_URL" ;;
    stop) stop_test_redis ;;
    *) echo "usage: $0 [start|stop]" >&2 && exit 2 ;;
  esac
fi

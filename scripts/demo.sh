#!/usr/bin/env bash
# `npm run demo`: builds mloop, starts `mloop server` on the embedded store (./.mloop, git-ignored),
# trains a small classifier against it through the SDK (examples/train-classifier.ts), lists the
# runs, then stops the server. Works on a fresh clone.
#
#   npm run demo                      # stop the server at the end
#   npm run demo -- --keep-running    # leave it running (its pid and how to stop it are printed)
#
# MLOOP_HOME (default .mloop) and MLOOP_PORT (default 5050, or a free port when 5050 is taken)
# are honoured. Arguments after `--` that are not --keep-running go to the example, e.g.
# `npm run demo -- --epochs 50 --learning-rate 0.05`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

keep_running=false
example_args=()
for arg in "$@"; do
  case "$arg" in
    --keep-running) keep_running=true ;;
    -h | --help)
      sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) example_args+=("$arg") ;;
  esac
done

if [[ ! -d node_modules || ! -x node_modules/.bin/tsx ]]; then
  echo "== installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
fi

echo "== building (npm run build)"
npm run build --silent

export MLOOP_HOME="${MLOOP_HOME:-.mloop}"
mkdir -p "$MLOOP_HOME"
log="$MLOOP_HOME/demo-server.log"

# 5050 when it is free, else a port the OS picks (the server prints the one it got).
port="${MLOOP_PORT:-5050}"
if ! node -e "const s = require('node:net').createServer(); s.once('error', () => process.exit(1)); s.listen(Number(process.argv[1]), '127.0.0.1', () => s.close());" "$port"; then
  echo "   port $port is taken: using a free one"
  port=0
fi

echo "== starting mloop server (MLOOP_HOME=$MLOOP_HOME, log in $log)"
node dist/cli/main.js server --host 127.0.0.1 --port "$port" >"$log" 2>&1 &
server_pid=$!

stop_server() {
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
}
# Never leave a server behind when something fails; --keep-running disarms this at the end.
trap stop_server EXIT

url=""
for _ in $(seq 1 300); do
  url="$(grep -o 'listening on http://[^[:space:]"]*' "$log" | head -n 1 | sed 's/^listening on //' || true)"
  [[ -n "$url" ]] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "the server exited before it was ready; its output:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ -z "$url" ]]; then
  echo "the server did not report 'listening on' within 30 s; its output:" >&2
  cat "$log" >&2
  exit 1
fi
echo "   listening on $url"

echo "== training examples/train-classifier.ts against it (MLOOP_URL=$url)"
MLOOP_URL="$url" npx tsx examples/train-classifier.ts "${example_args[@]}"

echo "== mloop runs list --experiment train-classifier"
node dist/cli/main.js runs list --experiment train-classifier --max-results 10 --url "$url"

if [[ "$keep_running" == true ]]; then
  trap - EXIT
  echo
  echo "The server keeps running at $url (pid $server_pid); stop it with: kill $server_pid"
  echo "Try: curl -s $url/api/v1/experiments  |  MLOOP_URL=$url node dist/cli/main.js runs list"
else
  stop_server
  trap - EXIT
  echo
  echo "Stopped the server. Start it again on the same data with:"
  echo "  MLOOP_HOME=$MLOOP_HOME node dist/cli/main.js server --port 5050"
  echo "or keep it running next time with: npm run demo -- --keep-running"
  echo "Without a server, the CLI reads the same store directly: MLOOP_HOME=$MLOOP_HOME node dist/cli/main.js runs list"
fi

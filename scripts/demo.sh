#!/usr/bin/env bash
# `npm run demo`: the closed loop on the embedded default, told step by step. Builds mloop, starts
# `mloop server` on a fresh ./.mloop-demo (git-ignored) and runs examples/closed-loop/main.ts
# against it: seeded churn data → tuned GBDT → evaluation gate → production → deployment →
# traffic → a seasonal shift with delayed labels → drift and accuracy alerts → retraining on the
# labelled predictions → the new version's gate → canary → promotion. Each step prints its URLs.
#
#   npm run demo                      # stop the server at the end
#   npm run demo -- --keep-running    # leave it running to explore (its pid is printed)
#   npm run demo -- --seed 11         # another seeded world
#
# MLOOP_DEMO_HOME (default .mloop-demo) is honoured; MLOOP_DATABASE_URL=postgres://… runs the same
# loop on PostgreSQL (give it an empty database: the story starts from nothing). The earlier
# example, a training run logged over HTTP through the SDK, still runs by hand:
# MLOOP_URL=… npx tsx examples/train-classifier.ts
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

for arg in "$@"; do
  case "$arg" in
    -h | --help)
      sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
  esac
done

source scripts/lib/npm-packages.sh
ensure_npm_packages

echo "== building (npm run build)"
npm run build --silent

echo "== the closed loop (examples/closed-loop), on ${MLOOP_DEMO_HOME:-.mloop-demo}"
exec npx tsx examples/closed-loop/main.ts --home "${MLOOP_DEMO_HOME:-.mloop-demo}" "$@"

#!/usr/bin/env bash
# `npm test`: installs what the suite needs, starts its services, builds, and runs vitest.
# Arguments go to vitest, e.g. `npm test -- test/infra.test.ts`.
# Works on a fresh clone; later runs reuse node_modules, .venv and the running PostgreSQL.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

source scripts/lib/npm-packages.sh
ensure_npm_packages

source scripts/lib/postgres.sh
ensure_test_postgres
source scripts/lib/python-env.sh
ensure_test_python
source scripts/lib/chromium.sh
ensure_test_chromium
source scripts/lib/redis.sh
ensure_test_redis
# After the Python environment: its pip fetches the Kubernetes schemas.
source scripts/lib/kubernetes-tools.sh
ensure_test_kubernetes_tools

# Tests that need a service fail (instead of skipping) when it is missing: here it never should be.
export MLOOP_TEST_REQUIRE_ALL=1

echo "== building (npm run build)"
npm run build --silent

echo "== running tests"
# exec: vitest's exit code is the script's.
exec npx vitest run "$@"

#!/usr/bin/env bash
# `npm run fuzz`: the API fuzz test (test/governance/fuzz.test.ts) at a size of your choosing,
# outside CI. CI runs it with a few examples per operation; a nightly run takes more:
#
#   npm run fuzz                          # 25 examples per operation
#   npm run fuzz -- --max-examples 200    # nightly size
#   npm run fuzz -- --seed 7              # another seed (the default reproduces CI's)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export MLOOP_FUZZ_EXAMPLES=25
while [[ $# -gt 0 ]]; do
  case "$1" in
    --max-examples) MLOOP_FUZZ_EXAMPLES="$2"; shift 2 ;;
    --seed) export MLOOP_FUZZ_SEED="$2"; shift 2 ;;
    -h | --help) sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see npm run fuzz -- --help)" >&2; exit 2 ;;
  esac
done
if ! [[ "$MLOOP_FUZZ_EXAMPLES" =~ ^[1-9][0-9]*$ ]]; then
  echo "--max-examples must be a positive whole number, got '$MLOOP_FUZZ_EXAMPLES'" >&2
  exit 2
fi

source scripts/lib/npm-packages.sh
ensure_npm_packages
source scripts/lib/python-env.sh
ensure_test_python
export MLOOP_TEST_REQUIRE_ALL=1

echo "== building (npm run build)"
npm run build --silent
# Hours, not minutes: the test's own time limit grows with the examples asked for.
exec npx vitest run test/governance/fuzz.test.ts --testTimeout=0

#!/usr/bin/env bash
# `npm run bench -- <name>`: installs what the benchmarks need (npm packages, the Python venv with
# mlflow), builds mloop, and runs bench/<name>/main.ts. Works on a fresh clone.
#
#   npm run bench -- tracking              # mloop vs MLflow: ingest and search
#   BENCH_RUNS=10000 npm run bench -- tracking
#   npm run bench -- tracking --help       # the benchmark's knobs
#   npm run bench -- serving               # mloop vs mlflow models serve: one ONNX model under load
#   npm run bench -- dashboard             # the dashboard's runs table over 100,000 runs, in chromium
#   npm run bench -- replicas              # 1 vs 3 servers on one PostgreSQL: serving, ingest, alias moves
#   npm run bench -- scale --runs 20000    # 1,000,000 runs on PostgreSQL by default: search and ingest vs MLflow
#   npm run bench -- artifacts             # a 1 GiB file through the artifact store: local directory vs S3
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

name="${1:-}"
if [[ -z "$name" || ! -f "bench/$name/main.ts" ]]; then
  echo "usage: npm run bench -- <name> [args]; benchmarks:" >&2
  for main in bench/*/main.ts; do echo "  $(basename "$(dirname "$main")")" >&2; done
  exit 2
fi
shift

source scripts/lib/npm-packages.sh
ensure_npm_packages

source scripts/lib/python-env.sh
ensure_test_python
if [[ "$name" == replicas || "$name" == scale ]]; then
  # The same private PostgreSQL server npm test starts; the benchmark creates a database on it.
  source scripts/lib/postgres.sh
  ensure_test_postgres
fi
if [[ "$name" == dashboard ]]; then
  source scripts/lib/chromium.sh
  ensure_test_chromium
fi

echo "== building (npm run build)"
npm run build --silent

echo "== running bench/$name"
exec node --import tsx "bench/$name/main.ts" "$@"

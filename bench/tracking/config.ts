import type { MloopPopulateMethod } from './populate-mloop.js';
import type { ServerName } from './servers.js';

/** What one run of the benchmark does; every knob is an environment variable with a default. */
export interface BenchConfig {
  servers: ServerName[];
  ingest: {
    clients: number;
    /** log-batch requests each client sends, one at a time. */
    requestsPerClient: number;
    metricKeys: number;
    stepsPerRequest: number;
  };
  search: {
    runs: number;
    /** Most timed repetitions of each search, sent one after another. */
    requests: number;
    warmup: number;
    /**
     * Time budget of each search's timing: it stops at `requests` or when the budget is spent,
     * after at least 3 samples (one search can take minutes on a database without statistics).
     */
    budgetSeconds: number;
    /** The search is `metrics.acc > threshold` (acc is uniform in [0, 1): 0.9 matches ~10%). */
    threshold: number;
    filter: string;
    maxResults: number;
  };
  /** The interpreter of the venv with mlflow (exported by the Python environment script). */
  python: string | undefined;
  mlflowWorkers: string | undefined;
  /** How the search runs get into mloop: its store in-process (default) or its REST API. */
  mloopPopulate: MloopPopulateMethod;
  /** Run SQLite's ANALYZE on both databases after populating (neither server does by itself). */
  analyze: boolean;
  keepData: boolean;
}

function intFromEnv(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  }
  return value;
}

function serversFromEnv(): ServerName[] {
  const raw = process.env.BENCH_SERVERS ?? 'mloop,mlflow';
  const names = raw.split(',').map((s) => s.trim());
  for (const name of names) {
    if (name !== 'mloop' && name !== 'mlflow') {
      throw new Error(`BENCH_SERVERS lists "${name}"; expected mloop and/or mlflow, comma-separated`);
    }
  }
  return names as ServerName[];
}

function populateMethodFromEnv(): MloopPopulateMethod {
  const raw = process.env.BENCH_MLOOP_POPULATE || 'store';
  if (raw !== 'store' && raw !== 'rest') {
    throw new Error(`BENCH_MLOOP_POPULATE must be "store" or "rest", got "${raw}"`);
  }
  return raw;
}

export function loadConfig(): BenchConfig {
  const metricKeys = 10;
  const stepsPerRequest = 100;
  const threshold = 0.9;
  return {
    servers: serversFromEnv(),
    ingest: {
      clients: intFromEnv('BENCH_INGEST_CLIENTS', 8),
      requestsPerClient: intFromEnv('BENCH_INGEST_REQUESTS', 25),
      // 10 keys x 100 steps = 1000 metrics, MLflow's limit for one log-batch request.
      metricKeys,
      stepsPerRequest,
    },
    search: {
      runs: intFromEnv('BENCH_RUNS', 100_000, 100),
      requests: intFromEnv('BENCH_SEARCH_REQUESTS', 200),
      warmup: intFromEnv('BENCH_SEARCH_WARMUP', 10, 0),
      budgetSeconds: intFromEnv('BENCH_SEARCH_SECONDS', 120),
      threshold,
      filter: `metrics.acc > ${threshold}`,
      maxResults: 100,
    },
    python: process.env.MLOOP_TEST_PYTHON || undefined,
    mlflowWorkers: process.env.BENCH_MLFLOW_WORKERS || undefined,
    mloopPopulate: populateMethodFromEnv(),
    analyze: process.env.BENCH_ANALYZE === '1',
    keepData: process.env.BENCH_KEEP_DATA === '1',
  };
}

/** The help text of `npm run bench -- tracking --help`. */
export const USAGE = `npm run bench -- tracking

Runs the same MLflow REST workload against mloop and against MLflow's tracking server, both on
SQLite on this machine, and prints a comparison (JSON in bench/results/tracking.json).

Environment:
  BENCH_SERVERS          mloop,mlflow (default) or just one of them
  BENCH_RUNS             runs in the search experiment (default 100000)
  BENCH_SEARCH_REQUESTS  timed repetitions of each search (default 200), after BENCH_SEARCH_WARMUP (10)
  BENCH_SEARCH_SECONDS   time budget of each search's timing (default 120; at least 3 samples)
  BENCH_INGEST_CLIENTS   concurrent ingest clients, one run each (default 8)
  BENCH_INGEST_REQUESTS  log-batch requests of 1000 metrics per client (default 25)
  BENCH_MLFLOW_WORKERS   mlflow server --workers (default: MLflow's own default)
  BENCH_MLOOP_POPULATE   store (default: mloop's RunService in-process) or rest (its REST API; slow)
  BENCH_ANALYZE=1        run SQLite's ANALYZE on both databases after populating them
  BENCH_KEEP_DATA=1      keep the servers' data directories and logs
  MLOOP_TEST_PYTHON      Python with mlflow installed (set by scripts/bench.sh)`;

/** What one run of the scale benchmark does: flags, with environment variables for the PostgreSQL and Python. */
export interface ScaleBenchConfig {
  /** Runs loaded into the one search experiment of each server (--runs, default 1,000,000). */
  runs: number;
  /** Runs loaded per transaction, and how often progress is printed. */
  chunkRuns: number;
  servers: Array<'mloop' | 'mlflow'>;
  search: {
    /** Most timed requests of each search and page; fewer when the time budget runs out first. */
    requests: number;
    warmup: number;
    /** Seconds one search-and-page may take to time (at least 3 samples are taken regardless). */
    budgetSeconds: number;
    /** Runs on a page (max_results). */
    pageSize: number;
    /** The deep page timed beside page 1. */
    deepPage: number;
  };
  ingest: {
    /** Runs created through REST (runs/create, then one log-batch of 10 metrics, 10 params, 2 tags). */
    runs: number;
    /** Concurrent clients, one request in flight each. */
    clients: number;
  };
  /** Print the report as JSON on stdout (the table goes to stderr then). */
  json: boolean;
  keepData: boolean;
  /** The PostgreSQL server (its maintenance database) the databases are created on. */
  postgresUrl: string | undefined;
  /** The interpreter of the venv with mlflow and psycopg2 (set by scripts/bench.sh). */
  python: string | undefined;
}

export const USAGE = `npm run bench -- scale [--runs N] [--json] [options]

On one PostgreSQL server (a database per system, created and dropped by the benchmark), loads N runs
into one experiment of mloop and of MLflow's tracking server (10 metrics, 10 params and 3 tags per
run, the same values in both), then times runs/search through each server's MLflow REST API:
  metric-order    metrics.m0 > 0.9 ordered by metrics.m1 DESC
  same-metric     metrics.m0 > 0.9 ordered by metrics.m0 DESC
  param-equals    params.p0 = 'v-7' (2% of the runs), default order
  tag-like        tags.sweep LIKE 'lr-sweep-4%' (11% of the runs), default order
each at page 1 and at page ${100} (its offset token, in the server's own format), and REST ingest on a
sample of runs (runs/create + log-batch). The bulk is written straight into each system's own tables
(schema from mloop's migrations and from MLflow's own upgrade), not through REST: see README.md.

Options:
  --runs N               runs in the search experiment (default 1000000)
  --servers a,b          mloop,mlflow (default) or one of them
  --search-requests N    timed requests per search and page (default 100), after --warmup (5)
  --search-seconds S     time budget per search and page (default 30; at least 3 samples)
  --ingest-runs N        runs created through REST for the ingest figure (default 2000)
  --ingest-clients N     concurrent ingest clients (default 8)
  --json                 print the report as JSON on stdout
  --keep-data            keep the databases and server logs
Environment: MLOOP_TEST_POSTGRES_URL, MLOOP_TEST_PYTHON (set by scripts/bench.sh).

Quick run: npm run bench -- scale --runs 20000 --search-requests 20`;

function intFlag(args: string[], name: string, fallback: number, min = 1): number {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const raw = args[at + 1] ?? '';
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  return value;
}

export function loadConfig(args: string[]): ScaleBenchConfig {
  const serversAt = args.indexOf('--servers');
  const servers = (serversAt < 0 ? 'mloop,mlflow' : (args[serversAt + 1] ?? ''))
    .split(',')
    .map((s) => s.trim());
  for (const name of servers) {
    if (name !== 'mloop' && name !== 'mlflow')
      throw new Error(`--servers lists "${name}"; expected mloop and/or mlflow`);
  }
  return {
    runs: intFlag(args, '--runs', 1_000_000, 1000),
    chunkRuns: 50_000,
    servers: servers as ScaleBenchConfig['servers'],
    search: {
      requests: intFlag(args, '--search-requests', 100),
      warmup: intFlag(args, '--warmup', 5, 0),
      budgetSeconds: intFlag(args, '--search-seconds', 30),
      pageSize: 100,
      deepPage: 100,
    },
    ingest: {
      runs: intFlag(args, '--ingest-runs', 2000),
      clients: intFlag(args, '--ingest-clients', 8),
    },
    json: args.includes('--json'),
    keepData: args.includes('--keep-data'),
    postgresUrl: process.env.MLOOP_TEST_POSTGRES_URL || undefined,
    python: process.env.MLOOP_TEST_PYTHON || undefined,
  };
}

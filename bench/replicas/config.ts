/** What one run of the replicas benchmark does; every knob is an environment variable with a default. */
export interface ReplicasBenchConfig {
  /** Server processes of the scaled-out phase (the first phase always runs one). */
  replicas: number;
  /** Keep-alive connections loading /predict, one request in flight on each, spread over the replicas. */
  connections: number;
  warmupSeconds: number;
  /** Seconds of /predict load measured in each phase. */
  seconds: number;
  ingest: {
    /** Concurrent clients, each logging to its own run, one log-batch request in flight. */
    clients: number;
    requestsPerClient: number;
    metricKeys: number;
    stepsPerRequest: number;
  };
  /** Alias moves timed until every replica serves the new version. */
  aliasMoves: number;
  /** The interpreter of the venv with mlflow, scikit-learn and skl2onnx (set by scripts/bench.sh). */
  python: string | undefined;
  /** The PostgreSQL server (its maintenance database) the benchmark creates its database on. */
  postgresUrl: string | undefined;
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

export function loadConfig(): ReplicasBenchConfig {
  return {
    replicas: intFromEnv('BENCH_REPLICAS', 3, 2),
    connections: intFromEnv('BENCH_CONNECTIONS', 12),
    warmupSeconds: intFromEnv('BENCH_WARMUP_SECONDS', 2, 0),
    seconds: intFromEnv('BENCH_SECONDS', 10),
    ingest: {
      clients: intFromEnv('BENCH_INGEST_CLIENTS', 12),
      requestsPerClient: intFromEnv('BENCH_INGEST_REQUESTS', 40),
      metricKeys: 10,
      stepsPerRequest: 10,
    },
    aliasMoves: intFromEnv('BENCH_ALIAS_MOVES', 6),
    python: process.env.MLOOP_TEST_PYTHON || undefined,
    postgresUrl: process.env.MLOOP_TEST_POSTGRES_URL || undefined,
    keepData: process.env.BENCH_KEEP_DATA === '1',
  };
}

/** The help text of `npm run bench -- replicas --help`. */
export const USAGE = `npm run bench -- replicas

Runs \`mloop server\` processes on one PostgreSQL (a fresh database on the server scripts/bench.sh
starts, as npm test does) with one artifact directory, first one server, then BENCH_REPLICAS:
  serving   POST /api/v1/serving/NAME/predict?alias=champion, single records over keep-alive
            connections spread over the servers: throughput, p50 and p99
  tracking  MLflow runs/log-batch from concurrent clients, each request to the next server in
            turn: metrics per second, every point read back
then moves the alias champion between two versions and times how long until every server answers
/predict with the new version. Prints the figures, the N-vs-1 ratios and the CPU each party used
(servers, PostgreSQL, the load generator), and writes bench/results/replicas.json.

Environment:
  BENCH_REPLICAS         servers in the scaled-out phase (default 3)
  BENCH_CONNECTIONS      /predict connections in each phase (default 12)
  BENCH_SECONDS          seconds of /predict load measured per phase (default 10)
  BENCH_WARMUP_SECONDS   seconds of unmeasured load before (default 2)
  BENCH_INGEST_CLIENTS   concurrent log-batch clients (default 12)
  BENCH_INGEST_REQUESTS  log-batch requests per client, 100 metrics each (default 40)
  BENCH_ALIAS_MOVES      alias moves timed (default 6)
  BENCH_KEEP_DATA=1      keep the servers' directories and logs, and the database
  MLOOP_TEST_POSTGRES_URL, MLOOP_TEST_PYTHON   set by scripts/bench.sh

Quick run: BENCH_SECONDS=5 BENCH_INGEST_REQUESTS=20 npm run bench -- replicas`;

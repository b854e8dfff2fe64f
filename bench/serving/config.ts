/** What one run of the serving benchmark does; every knob is an environment variable with a default. */
export interface ServingBenchConfig {
  /** Concurrent keep-alive connections of each load level, one request in flight on each. */
  connections: number[];
  /** Seconds of load before measuring, at each level (not measured, but checked). */
  warmupSeconds: number;
  /** Seconds measured at each level. */
  seconds: number;
  /** Which servers to load, one at a time. */
  servers: Array<'mloop' | 'mlflow'>;
  /** `mlflow models serve --workers` (MLflow's default is 1; mloop is one Node process). */
  mlflowWorkers: number;
  /** Calls timed one after another in the in-process comparison, after as many tenths as warm-up. */
  inProcessCalls: number;
  /** The interpreter of the venv with mlflow, scikit-learn and skl2onnx (set by scripts/bench.sh). */
  python: string | undefined;
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

function connectionsFromEnv(): number[] {
  const raw = process.env.BENCH_CONNECTIONS || '1,16,64';
  const levels = raw.split(',').map((s) => Number(s.trim()));
  if (levels.some((n) => !Number.isInteger(n) || n < 1 || n > 1024)) {
    throw new Error(`BENCH_CONNECTIONS must list integers from 1 to 1024, comma-separated, got "${raw}"`);
  }
  return levels;
}

function serversFromEnv(): Array<'mloop' | 'mlflow'> {
  const raw = process.env.BENCH_SERVERS || 'mloop,mlflow';
  const names = raw.split(',').map((s) => s.trim());
  for (const name of names) {
    if (name !== 'mloop' && name !== 'mlflow') {
      throw new Error(`BENCH_SERVERS lists "${name}"; expected mloop and/or mlflow, comma-separated`);
    }
  }
  return names as Array<'mloop' | 'mlflow'>;
}

export function loadConfig(): ServingBenchConfig {
  return {
    connections: connectionsFromEnv(),
    warmupSeconds: intFromEnv('BENCH_WARMUP_SECONDS', 3, 0),
    seconds: intFromEnv('BENCH_SECONDS', 15),
    servers: serversFromEnv(),
    mlflowWorkers: intFromEnv('BENCH_MLFLOW_WORKERS', 1),
    inProcessCalls: intFromEnv('BENCH_INPROCESS_CALLS', 20_000, 100),
    python: process.env.MLOOP_TEST_PYTHON || undefined,
    keepData: process.env.BENCH_KEEP_DATA === '1',
  };
}

/** The help text of `npm run bench -- serving --help`. */
export const USAGE = `npm run bench -- serving

Trains a small scikit-learn classifier, converts it to ONNX, logs the same bytes to a local MLflow
store and to mloop (alias champion), and sends single-record requests over keep-alive HTTP/1.1 to:
  mloop  POST /api/v1/serving/NAME/predict       (named features)
  mloop  POST /api/v1/serving/NAME/invocations   (dataframe_split)
  MLflow POST /invocations of \`mlflow models serve\` (the same dataframe_split body)
one server at a time, at each connection count. Then times, in this process, a bare onnxruntime
call against mloop's prediction service on the same record. Prints a table and writes
bench/results/serving.json.

Environment:
  BENCH_CONNECTIONS      concurrent connections, one load level each (default 1,16,64)
  BENCH_SECONDS          seconds measured per level and route (default 15)
  BENCH_WARMUP_SECONDS   seconds of unmeasured load before each (default 3)
  BENCH_SERVERS          mloop,mlflow (default) or just one of them
  BENCH_MLFLOW_WORKERS   mlflow models serve --workers (default 1, MLflow's default)
  BENCH_INPROCESS_CALLS  calls timed in the in-process comparison (default 20000)
  BENCH_KEEP_DATA=1      keep the servers' data directories and logs
  MLOOP_TEST_PYTHON      Python with mlflow, scikit-learn and skl2onnx (set by scripts/bench.sh)

Quick run: BENCH_SECONDS=5 BENCH_WARMUP_SECONDS=1 npm run bench -- serving`;

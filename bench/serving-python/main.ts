/**
 * `npm run bench -- serving-python`: the same scikit-learn RandomForest served three ways, with
 * single-record requests over keep-alive HTTP/1.1, one server at a time:
 *   1. mloop's Python runtime (supervised mlflow.pyfunc workers, adaptive batching): /predict;
 *   2. mloop's onnxruntime, on the forest converted with skl2onnx: /predict;
 *   3. `mlflow models serve --env-manager local` (the peer): /invocations.
 * Prints throughput, p50/p99 and server CPU per request (every process of the server, Python
 * workers included) at each connection count, the ratios against MLflow, and writes
 * bench/results/serving-python.json. Knobs: see USAGE.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { LoadResult, LoadTarget } from '../serving/load.js';
import { loadEveryLevel } from '../serving/load-levels.js';
import { startMlflowModelServer } from '../serving/mlflow-model-server.js';
import type { StartedProcess } from '../tracking/child-processes.js';
import { describeMachine } from '../tracking/machine.js';
import { startMloop } from '../tracking/servers.js';

const TRAIN_SCRIPT = fileURLToPath(new URL('./train_forest.py', import.meta.url));
const RESULTS_PATH = fileURLToPath(new URL('../results/serving-python.json', import.meta.url));

const USAGE = `npm run bench -- serving-python

The same scikit-learn RandomForest served by mloop's Python runtime (batching on), by mloop's
onnxruntime (the forest converted with skl2onnx) and by \`mlflow models serve --env-manager local\`,
single-record requests at each connection count, one server at a time.

Environment:
  BENCH_CONNECTIONS      concurrent connections, one load level each (default 1,16,64)
  BENCH_SECONDS          seconds measured per level and server (default 15)
  BENCH_WARMUP_SECONDS   seconds of unmeasured load before each (default 3)
  BENCH_WORKERS          Python workers of mloop (--python-workers) and of MLflow (--workers) (default 2)
  BENCH_TREES            trees in the forest (default 100)
  MLOOP_TEST_PYTHON      Python with mlflow, scikit-learn and skl2onnx (set by scripts/bench.sh)

Quick run: BENCH_SECONDS=3 BENCH_WARMUP_SECONDS=1 npm run bench -- serving-python`;

interface Forest {
  columns: string[];
  records: Array<{ values: number[]; label: number }>;
  testAccuracy: number;
  trees: number;
  mlflow: { trackingUri: string; modelUri: string };
  versions: Record<string, string>;
}

const ROUTES = {
  python: 'mloop Python /predict',
  onnx: 'mloop ONNX /predict',
  mlflow: 'MLflow /invocations',
} as const;

function log(message: string): void {
  console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
}

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, got "${raw}"`);
  return value;
}

const config = {
  connections: (process.env.BENCH_CONNECTIONS || '1,16,64').split(',').map((s) => Number(s.trim())),
  seconds: intFromEnv('BENCH_SECONDS', 15),
  warmupSeconds: intFromEnv('BENCH_WARMUP_SECONDS', 3),
  workers: intFromEnv('BENCH_WORKERS', 2),
  trees: intFromEnv('BENCH_TREES', 100),
};

function mloopTarget(label: string, url: string, model: string, forest: Forest): LoadTarget {
  return {
    label,
    baseUrl: url,
    path: `/api/v1/serving/${model}/predict`,
    bodies: forest.records.map((r) =>
      Buffer.from(
        JSON.stringify({
          record: Object.fromEntries(forest.columns.map((c, i) => [c, r.values[i]])),
        }),
      ),
    ),
    expected: forest.records.map((r) => r.label),
    labelOf: (answer) => (answer as { predictions?: Array<{ label?: unknown }> }).predictions?.[0]?.label,
  };
}

function mlflowTarget(url: string, forest: Forest): LoadTarget {
  return {
    label: ROUTES.mlflow,
    baseUrl: url,
    path: '/invocations',
    bodies: forest.records.map((r) =>
      Buffer.from(JSON.stringify({ dataframe_split: { columns: forest.columns, data: [r.values] } })),
    ),
    expected: forest.records.map((r) => r.label),
    labelOf: (answer) => (answer as { predictions?: unknown[] }).predictions?.[0],
  };
}

/**
 * Sends one request until it is answered 200: the first request to a model loads it (Python
 * workers take seconds to import mlflow), which must not fall in a measured window.
 */
async function warm(target: LoadTarget): Promise<void> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      const response = await fetch(`${String(target.baseUrl)}${target.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new Uint8Array(target.bodies[0] as Buffer),
        signal: AbortSignal.timeout(300_000),
      });
      if (response.ok) return;
      if (Date.now() > deadline)
        throw new Error(`${target.label} answers ${response.status}: ${await response.text()}`);
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function loadAll(targets: LoadTarget[], server: StartedProcess): Promise<LoadResult[]> {
  for (const target of targets) await warm(target);
  return loadEveryLevel(targets, config, server, log);
}

/** One line per route and level, then throughput and CPU ratios against MLflow. */
function formatReport(results: LoadResult[]): string {
  const lines = [
    '',
    'route                    conn    req/s    p50 ms    p99 ms  CPU ms/req  failed',
    ...results.map(
      (r) =>
        `${r.target.padEnd(24)} ${String(r.connections).padStart(4)} ${r.requestsPerSecond.toFixed(0).padStart(8)} ` +
        `${r.latencyMs.p50.toFixed(2).padStart(9)} ${r.latencyMs.p99.toFixed(2).padStart(9)} ` +
        `${(r.cpu.serverMsPerRequest?.toFixed(3) ?? '-').padStart(11)} ${String(r.failed).padStart(7)}`,
    ),
    '',
    'vs MLflow (throughput x, server CPU per request x):',
  ];
  for (const [connections, ratio] of Object.entries(ratios(results))) {
    lines.push(
      `  ${connections.padStart(3)} conn: Python ${ratio.python.throughput?.toFixed(1) ?? '-'}x (CPU ${ratio.python.cpu?.toFixed(2) ?? '-'}x), ` +
        `ONNX ${ratio.onnx.throughput?.toFixed(1) ?? '-'}x (CPU ${ratio.onnx.cpu?.toFixed(2) ?? '-'}x)`,
    );
  }
  return lines.join('\n');
}

type Ratio = { throughput: number | undefined; cpu: number | undefined };

function ratios(results: LoadResult[]): Record<string, { python: Ratio; onnx: Ratio }> {
  const out: Record<string, { python: Ratio; onnx: Ratio }> = {};
  for (const connections of config.connections) {
    const at = (label: string) => results.find((r) => r.target === label && r.connections === connections);
    const peer = at(ROUTES.mlflow);
    const versus = (label: string): Ratio => {
      const own = at(label);
      const cpu = own?.cpu.serverMsPerRequest;
      const peerCpu = peer?.cpu.serverMsPerRequest;
      return {
        throughput: own && peer ? own.requestsPerSecond / peer.requestsPerSecond : undefined,
        cpu: cpu !== undefined && peerCpu ? cpu / peerCpu : undefined,
      };
    };
    out[String(connections)] = { python: versus(ROUTES.python), onnx: versus(ROUTES.onnx) };
  }
  return out;
}

async function main(): Promise<number> {
  if (process.argv.includes('--help')) {
    console.log(USAGE);
    return 0;
  }
  const python = process.env.MLOOP_TEST_PYTHON;
  if (!python) throw new Error('MLOOP_TEST_PYTHON is not set: run through `npm run bench -- serving-python`');
  const root = mkdtempSync(join(tmpdir(), 'mloop-bench-serving-python-'));
  process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  const loadAtStart = loadavg();
  const errors: string[] = [];
  const results: LoadResult[] = [];

  log(`mloop: starting the server with ${config.workers} Python workers per model`);
  const server = await startMloop(join(root, 'mloop'), {
    MLOOP_PYTHON: python,
    MLOOP_PYTHON_WORKERS: String(config.workers),
  });
  let forest: Forest;
  try {
    log(`training a ${config.trees}-tree forest, logging it to MLflow's store and to mloop`);
    const store = join(root, 'mlflow-store');
    mkdirSync(store, { recursive: true });
    const out = join(root, 'forest.json');
    await promisify(execFile)(
      python,
      [
        TRAIN_SCRIPT,
        '--mlflow-store',
        store,
        '--mloop-url',
        server.url,
        '--trees',
        String(config.trees),
        '--out',
        out,
      ],
      { cwd: root, maxBuffer: 16 * 1024 * 1024 },
    );
    forest = JSON.parse(readFileSync(out, 'utf8')) as Forest;
    results.push(
      ...(await loadAll(
        [
          mloopTarget(ROUTES.python, server.url, 'forest-python', forest),
          mloopTarget(ROUTES.onnx, server.url, 'forest-onnx', forest),
        ],
        server.process,
      )),
    );
  } catch (error) {
    log(`mloop FAILED: ${(error as Error).message}\n${server.process.logTail(20)}`);
    throw error;
  } finally {
    await server.process.stop();
  }

  log(`MLflow: starting mlflow models serve --env-manager local --workers ${config.workers}`);
  const mlflow = await startMlflowModelServer(python, forest, config.workers, root);
  try {
    results.push(...(await loadAll([mlflowTarget(mlflow.url, forest)], mlflow.process)));
  } catch (error) {
    errors.push(`MLflow: ${(error as Error).message}`);
  } finally {
    await mlflow.process.stop();
  }

  console.log(formatReport(results));
  mkdirSync(fileURLToPath(new URL('../results/', import.meta.url)), { recursive: true });
  writeFileSync(
    RESULTS_PATH,
    `${JSON.stringify(
      {
        benchmark: 'serving-python',
        date: new Date().toISOString(),
        machine: describeMachine(forest.versions.mlflow, loadAtStart),
        config,
        model: { trees: forest.trees, testAccuracy: forest.testAccuracy, versions: forest.versions },
        load: results,
        ratios: ratios(results),
        errors,
      },
      null,
      2,
    )}\n`,
  );
  console.log('\nresults: bench/results/serving-python.json');
  return errors.length === 0 && results.every((r) => r.failed === 0) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.stack ?? error.message);
    process.exit(1);
  },
);

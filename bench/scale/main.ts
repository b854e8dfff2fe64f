/**
 * `npm run bench -- scale`: mloop and MLflow's tracking server, each on its own
 * database of one PostgreSQL server:
 *   1. the server starts on an empty database (its own schema: mloop's migrations, MLflow's upgrade);
 *   2. --runs runs are written straight into its tables (see bulk-load.ts), then VACUUM ANALYZE
 *      (both systems at once);
 *   3. runs/search is timed for each search of workload.ts at page 1 and page 100;
 *   4. runs and metrics are ingested through its REST API, on a sample
 *   (3 and 4 on one system at a time).
 * Prints a comparison (or JSON with --json) and writes bench/results/scale.json. See config.ts.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase, type BenchDatabase } from '../replicas/cluster.js';
import { HttpClient } from '../tracking/http-client.js';
import { runIngest } from '../tracking/ingest.js';
import { describeMachine } from '../tracking/machine.js';
import { startMlflow, startMloop, type BenchServer } from '../tracking/servers.js';
import { API, createExperiment } from '../tracking/tracking-api.js';
import { bulkLoad } from './bulk-load.js';
import { loadConfig, USAGE, type ScaleBenchConfig } from './config.js';
import { ingestRuns } from './ingest.js';
import {
  checkGoals,
  computeRatios,
  formatReport,
  writeReport,
  type ScaleReport,
  type SystemResult,
} from './report.js';
import { runSearches } from './search.js';

const RESULTS_PATH = fileURLToPath(new URL('../results/scale.json', import.meta.url));

function log(message: string): void {
  console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
}

/** SQLAlchemy wants its driver named; the same database as `url`. */
function sqlalchemyUrl(url: string): string {
  return url.replace(/^postgres(ql)?:\/\//, 'postgresql+psycopg2://');
}

async function startServer(
  system: 'mloop' | 'mlflow',
  config: ScaleBenchConfig,
  dir: string,
  databaseUrl: string,
): Promise<BenchServer> {
  mkdirSync(dir, { recursive: true });
  if (system === 'mloop') {
    return startMloop(dir, { MLOOP_DATABASE_URL: databaseUrl, MLOOP_ARTIFACT_ROOT: join(dir, 'artifacts') });
  }
  return startMlflow(dir, {
    python: config.python ?? '',
    workers: undefined,
    backendStoreUri: sqlalchemyUrl(databaseUrl),
  });
}

async function artifactLocation(client: HttpClient, experimentId: string): Promise<string> {
  const response = await client.get(`${API}/experiments/get`, { experiment_id: experimentId });
  if (response.status !== 200)
    throw new Error(`experiments/get answered ${response.status}: ${response.body}`);
  return (JSON.parse(response.body) as { experiment: { artifact_location: string } }).experiment
    .artifact_location;
}

/** One system under test: its database, its server, and what was measured on it. */
interface System {
  result: SystemResult;
  database: BenchDatabase;
  server?: BenchServer;
  client?: HttpClient;
  experimentId?: string;
  version?: string;
  say(message: string): void;
}

/** Creates the system's database, applies its schema, starts its server and its search experiment. */
async function prepare(name: 'mloop' | 'mlflow', config: ScaleBenchConfig, root: string): Promise<System> {
  const say = (message: string) => log(`${name}: ${message}`);
  const system: System = {
    result: { system: name },
    database: await createDatabase(config.postgresUrl ?? ''),
    say,
  };
  try {
    if (name === 'mlflow') {
      say('mlflow db upgrade (its schema)');
      await mlflowUpgrade(config.python ?? '', sqlalchemyUrl(system.database.url));
    }
    say('starting the server');
    system.server = await startServer(name, config, join(root, name), system.database.url);
    system.client = new HttpClient(system.server.url);
    const client = system.client;
    if (name === 'mlflow') system.version = (await untilAnswered(() => client.get('/version'))).body.trim();
    system.experimentId = await untilAnswered(() => createExperiment(client, 'scale-search'));
  } catch (error) {
    fail(system, error);
  }
  return system;
}

/**
 * MLflow's uvicorn workers come up one by one after /health first answers, and on a busy machine
 * a connection may be dropped meanwhile: the first requests are retried for up to two minutes.
 */
async function untilAnswered<T>(request: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      return await request();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const dropped =
        code === 'ECONNRESET' || code === 'ECONNREFUSED' || /socket hang up/.test((error as Error).message);
      if (!dropped || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

function fail(system: System, error: unknown): void {
  system.result.error = (error as Error).message;
  const tail = system.server ? `\n--- server log (tail) ---\n${system.server.process.logTail(20)}` : '';
  system.say(`FAILED: ${system.result.error}${tail}`);
}

async function load(system: System, config: ScaleBenchConfig): Promise<void> {
  if (system.result.error || !system.client || !system.experimentId) return;
  const { say } = system;
  try {
    const target = {
      system: system.result.system,
      databaseUrl: system.database.url,
      experimentId: system.experimentId,
      artifactLocation: await artifactLocation(system.client, system.experimentId),
    };
    say(`loading ${config.runs.toLocaleString('en-US')} runs into its tables`);
    system.result.load = await bulkLoad(target, config.runs, config.chunkRuns, (done, rate) =>
      say(
        `${done.toLocaleString('en-US')} / ${config.runs.toLocaleString('en-US')} runs (${Math.round(rate)} runs/s)`,
      ),
    );
    const { seconds, indexSeconds, analyzeSeconds } = system.result.load;
    say(
      `loaded in ${seconds.toFixed(0)} s (indexes ${indexSeconds.toFixed(0)} s), VACUUM ANALYZE ${analyzeSeconds.toFixed(0)} s`,
    );
  } catch (error) {
    fail(system, error);
  }
}

/** Searches, then REST ingest, on a loaded system (while the other system's server sits idle). */
async function measure(system: System, config: ScaleBenchConfig): Promise<void> {
  if (system.result.error || !system.client || !system.experimentId) return;
  const { say, client, result } = system;
  try {
    result.searches = await runSearches(client, system.experimentId, config.runs, config.search, say);
    say(`REST ingest: ${config.ingest.runs} runs from ${config.ingest.clients} clients`);
    result.runIngest = await ingestRuns(client, config.ingest);
    say(
      `${Math.round(result.runIngest.runsPerSecond)} runs/s, ${Math.round(result.runIngest.metricsPerSecond)} metrics/s`,
    );
    result.metricIngest = await runIngest(client, {
      clients: config.ingest.clients,
      requestsPerClient: 5,
      metricKeys: 10,
      stepsPerRequest: 100,
    });
    say(`log-batch of 1000 metrics: ${Math.round(result.metricIngest.metricsPerSecond)} metrics/s`);
  } catch (error) {
    fail(system, error);
  }
}

async function finish(system: System, config: ScaleBenchConfig): Promise<void> {
  system.client?.close();
  await system.server?.process.stop();
  if (config.keepData) system.say(`database kept: ${system.database.url}`);
  else
    await system.database
      .drop()
      .catch((error: Error) => system.say(`could not drop the database: ${error.message}`));
}

/** `mlflow db upgrade`: MLflow's own schema, before its server starts (which would take minutes to). */
function mlflowUpgrade(python: string, uri: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(dirname(python), 'mlflow'), ['db', 'upgrade', uri], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`mlflow db upgrade exited with ${code}: ${output.slice(-2000)}`)),
    );
  });
}

function systemErrors(result: SystemResult): string[] {
  const errors = result.error ? [`${result.system}: ${result.error}`] : [];
  for (const search of result.searches ?? []) {
    for (const page of search.pages) {
      if (!page.answersOk) errors.push(`${result.system}: ${search.name} page ${page.page}: ${page.problem}`);
    }
  }
  if (result.runIngest && result.runIngest.stored !== result.runIngest.runs) {
    errors.push(
      `${result.system}: ingested ${result.runIngest.runs} runs, the server lists ${result.runIngest.stored}`,
    );
  }
  const metrics = result.metricIngest;
  if (metrics && (metrics.requestsFailed > 0 || !metrics.verification.ok)) {
    errors.push(
      `${result.system}: log-batch: ${metrics.requestsFailed} failed; ${metrics.verification.problems.join('; ') || 'read back ok'}`,
    );
  }
  return errors;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig(args);
  if (!config.postgresUrl || !config.python) {
    throw new Error(
      'MLOOP_TEST_POSTGRES_URL or MLOOP_TEST_PYTHON is not set: run through `npm run bench -- scale`',
    );
  }
  const root = mkdtempSync(join(tmpdir(), 'mloop-bench-scale-'));
  if (config.keepData) log(`server directories and logs kept in ${root}`);
  else process.once('exit', () => rmSync(root, { recursive: true, force: true }));

  const loadAtStart = loadavg();
  const results: ScaleReport['results'] = {};
  let mlflowVersion: string | undefined;
  // Both systems are loaded at once (each load is one PostgreSQL backend; together they finish in
  // about half the time on two cores), then measured one at a time.
  const systems = await Promise.all(config.servers.map((name) => prepare(name, config, root)));
  try {
    await Promise.all(systems.map((system) => load(system, config)));
    for (const system of systems) await measure(system, config);
  } finally {
    for (const system of systems) await finish(system, config);
  }
  for (const system of systems) {
    results[system.result.system] = system.result;
    mlflowVersion ??= system.version;
  }
  const ratios = computeRatios(results);
  const { python: _python, postgresUrl: _postgresUrl, ...publicConfig } = config;
  const report: ScaleReport = {
    benchmark: 'scale',
    date: new Date().toISOString(),
    machine: describeMachine(mlflowVersion, loadAtStart),
    config: publicConfig,
    results,
    ratios,
    goals: checkGoals(results, ratios),
    errors: Object.values(results).flatMap(systemErrors),
  };
  writeReport(RESULTS_PATH, report);
  if (config.json) {
    console.error(formatReport(report));
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.log(formatReport(report));
    console.log('\nresults: bench/results/scale.json');
  }
  return report.errors.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.stack ?? error.message);
    process.exit(1);
  },
);

/**
 * `npm run bench -- tracking`: the same MLflow REST workload against mloop and against MLflow's
 * tracking server, one server at a time on this machine, each on a fresh SQLite database:
 *   1. ingest: concurrent clients sending log-batch requests of 1000 metrics, then a read-back;
 *   2. search: runs/search with a metric filter (with and without a metric order) over BENCH_RUNS
 *      runs, one request at a time.
 * Prints a comparison table and writes bench/results/tracking.json. See config.ts for the knobs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeDatabase } from './analyze.js';
import { loadConfig, USAGE, type BenchConfig } from './config.js';
import { HttpClient } from './http-client.js';
import { runIngest } from './ingest.js';
import { describeMachine } from './machine.js';
import { populateMlflow } from './populate-mlflow.js';
import { populateMloop } from './populate-mloop.js';
import { computeRatios, formatReport, writeReport, type BenchReport, type ServerResult } from './report.js';
import { runSearch } from './search.js';
import { startMlflow, startMloop, type BenchServer, type ServerName } from './servers.js';
import { createExperiment } from './tracking-api.js';

const RESULTS_PATH = fileURLToPath(new URL('../results/tracking.json', import.meta.url));

function log(message: string): void {
  console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
}

async function startServer(name: ServerName, config: BenchConfig, dataDir: string): Promise<BenchServer> {
  if (name === 'mloop') return startMloop(dataDir);
  if (!config.python) {
    throw new Error('MLOOP_TEST_PYTHON is not set: run through `npm run bench -- tracking`');
  }
  return startMlflow(dataDir, { python: config.python, workers: config.mlflowWorkers });
}

/** Both scenarios on one server, ingest first; a failure is recorded in the result, not thrown. */
async function benchServer(
  name: ServerName,
  config: BenchConfig,
  dataDir: string,
): Promise<{ result: ServerResult; version?: string }> {
  const result: ServerResult = { server: name };
  const say = (message: string) => log(`${name}: ${message}`);
  say('starting the server');
  let server: BenchServer;
  try {
    server = await startServer(name, config, dataDir);
  } catch (error) {
    result.error = (error as Error).message;
    return { result };
  }
  say(`listening on ${server.url}`);
  const client = new HttpClient(server.url);
  let version: string | undefined;
  try {
    if (name === 'mlflow') version = (await client.get('/version')).body.trim();
    const { clients, requestsPerClient } = config.ingest;
    say(`ingest, ${clients} clients x ${requestsPerClient} log-batch requests of 1000 metrics`);
    result.ingest = await runIngest(client, config.ingest);
    say(`ingest ${Math.round(result.ingest.metricsPerSecond)} metrics/s`);

    const experimentId = await createExperiment(client, 'bench-search');
    say(`populating ${config.search.runs} runs`);
    result.populate =
      name === 'mloop'
        ? await populateMloop(
            config.mloopPopulate,
            { server, client },
            experimentId,
            config.search.runs,
            (n) => say(`${n} runs`),
          )
        : await populateMlflow(server, config.python ?? '', experimentId, config.search.runs);
    say(`populated in ${result.populate.seconds.toFixed(1)} s`);
    if (config.analyze) {
      result.analyzeSeconds = analyzeDatabase(server);
      say(`ANALYZE took ${result.analyzeSeconds.toFixed(1)} s`);
    }
    result.search = await runSearch(client, experimentId, config.search, say);
  } catch (error) {
    result.error = (error as Error).message;
    say(`FAILED: ${result.error}\n--- server log (tail) ---\n${server.process.logTail(20)}`);
  } finally {
    client.close();
    await server.process.stop();
  }
  return { result, version };
}

function passed(result: ServerResult): boolean {
  return (
    !result.error &&
    result.ingest?.verification.ok === true &&
    result.ingest.requestsFailed === 0 &&
    result.search?.ok === true
  );
}

async function main(): Promise<number> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig();
  const root = mkdtempSync(join(tmpdir(), 'mloop-bench-tracking-'));
  if (config.keepData) log(`data and server logs kept in ${root}`);
  else process.once('exit', () => rmSync(root, { recursive: true, force: true }));

  const loadAtStart = loadavg();
  const results: BenchReport['results'] = {};
  let mlflowVersion: string | undefined;
  for (const name of config.servers) {
    const { result, version } = await benchServer(name, config, join(root, name));
    results[name] = result;
    mlflowVersion ??= version;
  }

  const { python: _python, ...publicConfig } = config;
  const report: BenchReport = {
    benchmark: 'tracking',
    date: new Date().toISOString(),
    machine: describeMachine(mlflowVersion, loadAtStart),
    config: publicConfig,
    results,
    ratios: computeRatios(results),
  };
  console.log(formatReport(report));
  writeReport(RESULTS_PATH, report);
  console.log(`\nresults: bench/results/tracking.json`);
  return Object.values(results).every(passed) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.stack ?? error.message);
    process.exit(1);
  },
);

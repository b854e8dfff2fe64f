/**
 * `npm run bench -- replicas`: `mloop server` processes on one PostgreSQL and one artifact
 * directory, first one, then BENCH_REPLICAS (3):
 *   1. train a scikit-learn model, convert it to ONNX, log it through the first server (alias
 *      champion), as the serving benchmark does;
 *   2. each phase: /predict under load over connections spread across the servers, then MLflow
 *      log-batch from concurrent clients sending each request to the next server, every point
 *      read back; the CPU each party used is measured alongside;
 *   3. with every server up: moves the alias between two versions and times until every server
 *      answers with the new one.
 * Prints the figures and the N-vs-1 ratios and writes bench/results/replicas.json. See config.ts.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runIngest } from '../tracking/ingest.js';
import { describeMachine } from '../tracking/machine.js';
import { runLoad, type LoadTarget } from '../serving/load.js';
import { predictBody, trainAndLogModel, type BenchModel } from '../serving/model.js';
import { registerSecondVersion, timeAliasMoves, type AliasMove } from './alias-move.js';
import { createDatabase, Replicas, RoundRobinClient, startCpuMeter } from './cluster.js';
import { loadConfig, USAGE, type ReplicasBenchConfig } from './config.js';
import { formatReport, writeReport, type PhaseResult, type ReplicasBenchReport } from './report.js';

const RESULTS_PATH = fileURLToPath(new URL('../results/replicas.json', import.meta.url));

function log(message: string): void {
  console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
}

function predictTarget(urls: string[], model: BenchModel): LoadTarget {
  return {
    label: `/predict on ${urls.length}`,
    baseUrl: urls,
    path: `/api/v1/serving/${encodeURIComponent(model.mloop.modelName)}/predict?alias=champion`,
    bodies: model.records.map((r) => Buffer.from(predictBody(model, r))),
    expected: model.records.map((r) => r.label),
    labelOf: (answer) =>
      ((answer as { predictions?: Array<{ label?: unknown }> }).predictions?.[0] ?? {}).label,
  };
}

async function runPhase(
  replicas: Replicas,
  model: BenchModel,
  config: ReplicasBenchConfig,
): Promise<PhaseResult> {
  const servers = replicas.servers.length;
  let meter = startCpuMeter(replicas);
  const serving = await runLoad(predictTarget(replicas.urls, model), {
    connections: config.connections,
    warmupSeconds: config.warmupSeconds,
    seconds: config.seconds,
    serverCpuSeconds: () => replicas.cpuSeconds(),
  });
  const servingCores = meter();
  log(
    `${servers} server(s): /predict ${Math.round(serving.requestsPerSecond)} req/s, p50 ${serving.latencyMs.p50.toFixed(2)} ms, ` +
      `p99 ${serving.latencyMs.p99.toFixed(2)} ms, ${serving.failed} failed`,
  );
  const client = new RoundRobinClient(replicas.urls);
  meter = startCpuMeter(replicas);
  try {
    const ingest = await runIngest(client, config.ingest, `bench-ingest-${servers}`);
    const ingestCores = meter();
    log(
      `${servers} server(s): log-batch ${Math.round(ingest.metricsPerSecond)} metrics/s, ` +
        `${ingest.requestsFailed} failed, read back ${ingest.verification.ok ? 'ok' : 'WRONG'}`,
    );
    return { servers, serving, servingCores, ingest, ingestCores };
  } finally {
    client.close();
  }
}

function phaseErrors(phase: PhaseResult): string[] {
  const errors: string[] = [];
  if (phase.serving.failed > 0) {
    errors.push(
      `${phase.servers} server(s): ${phase.serving.failed} /predict failures, e.g. ${JSON.stringify(phase.serving.failures[0])}`,
    );
  }
  if (phase.ingest.requestsFailed > 0 || !phase.ingest.verification.ok) {
    errors.push(
      `${phase.servers} server(s): ${phase.ingest.requestsFailed} log-batch failures ${JSON.stringify(phase.ingest.failures[0] ?? '')}, ` +
        `read back: ${phase.ingest.verification.problems.join('; ') || 'ok'}`,
    );
  }
  return errors;
}

async function main(): Promise<number> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig();
  if (!config.python || !config.postgresUrl) {
    throw new Error(
      'MLOOP_TEST_PYTHON or MLOOP_TEST_POSTGRES_URL is not set: run through `npm run bench -- replicas`',
    );
  }
  const root = mkdtempSync(join(tmpdir(), 'mloop-bench-replicas-'));
  if (config.keepData) log(`server directories and logs kept in ${root}`);
  else process.once('exit', () => rmSync(root, { recursive: true, force: true }));

  const loadAtStart = loadavg();
  const errors: string[] = [];
  const phases: PhaseResult[] = [];
  let aliasMoves: AliasMove[] = [];
  let model: BenchModel | undefined;
  const database = await createDatabase(config.postgresUrl);
  const replicas = new Replicas(root, database.url);
  try {
    log('starting one server on PostgreSQL');
    await replicas.scaleTo(1);
    log('training the model and logging it through the server (alias champion)');
    const mlflowStore = join(root, 'mlflow-store');
    mkdirSync(mlflowStore, { recursive: true });
    model = await trainAndLogModel(config.python, mlflowStore, replicas.urls[0] as string, root);
    phases.push(await runPhase(replicas, model, config));
    log(`starting ${config.replicas - 1} more servers`);
    await replicas.scaleTo(config.replicas);
    phases.push(await runPhase(replicas, model, config));
    errors.push(...phases.flatMap(phaseErrors));

    const name = model.mloop.modelName;
    const second = await registerSecondVersion(replicas.urls[0] as string, name);
    const versions = Array.from({ length: config.aliasMoves }, (_, i) =>
      i % 2 === 0 ? second : model!.mloop.version,
    );
    log(`moving ${name}@champion ${config.aliasMoves} times between v${model.mloop.version} and v${second}`);
    const body = predictBody(model, model.records[0]!);
    aliasMoves = await timeAliasMoves(replicas.urls, name, 'champion', body, versions);
  } catch (error) {
    errors.push((error as Error).message);
    for (const server of replicas.servers)
      log(`--- ${server.url} log (tail) ---\n${server.process.logTail(15)}`);
  } finally {
    await replicas.stop();
    if (!config.keepData)
      await database.drop().catch((error: Error) => log(`could not drop the database: ${error.message}`));
  }

  const { python: _python, postgresUrl: _postgresUrl, ...publicConfig } = config;
  const report: ReplicasBenchReport = {
    benchmark: 'replicas',
    date: new Date().toISOString(),
    machine: describeMachine(model?.versions.mlflow, loadAtStart),
    config: publicConfig,
    phases,
    aliasMoves,
    errors,
  };
  console.log(formatReport(report));
  writeReport(RESULTS_PATH, report);
  console.log('\nresults: bench/results/replicas.json');
  return errors.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.stack ?? error.message);
    process.exit(1);
  },
);

/**
 * `npm run bench -- serving`: the same ONNX classifier served by mloop and by `mlflow models
 * serve`, loaded with single-record requests over keep-alive HTTP/1.1, one server at a time:
 *   1. train a scikit-learn model, convert it with skl2onnx, log the same bytes to a local MLflow
 *      store and to `mloop server` (alias champion);
 *   2. mloop: /predict and /invocations at each connection count, then the prediction log is
 *      read back through the API (one row per successful request);
 *   3. MLflow: /invocations with the same dataframe_split bodies;
 *   4. in process: a bare onnxruntime call against mloop's ModelRuntime and PredictionService.
 * Prints tables and ratios and writes bench/results/serving.json. See config.ts for the knobs.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine } from '../tracking/machine.js';
import { databaseFile, startMloop, type BenchServer } from '../tracking/servers.js';
import { loadConfig, USAGE, type ServingBenchConfig } from './config.js';
import { runInProcess, type InProcessResult } from './in-process.js';
import type { LoadResult, LoadTarget } from './load.js';
import { loadEveryLevel } from './load-levels.js';
import { startMlflowModelServer } from './mlflow-model-server.js';
import { dataframeSplitBody, predictBody, trainAndLogModel, type BenchModel } from './model.js';
import { checkPredictionLog, type PredictionLogCheck } from './prediction-log-check.js';
import { computeRatios, formatReport, ROUTES, writeReport, type ServingBenchReport } from './report.js';

const RESULTS_PATH = fileURLToPath(new URL('../results/serving.json', import.meta.url));

function log(message: string): void {
  console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
}

type Answer = { predictions?: unknown[] };
const first = (answer: unknown) => (answer as Answer).predictions?.[0];

function mloopTargets(url: string, model: BenchModel): LoadTarget[] {
  const prefix = `/api/v1/serving/${encodeURIComponent(model.mloop.modelName)}`;
  const expected = model.records.map((r) => r.label);
  return [
    {
      label: ROUTES.mloopPredict,
      baseUrl: url,
      path: `${prefix}/predict?alias=champion`,
      bodies: model.records.map((r) => Buffer.from(predictBody(model, r))),
      expected,
      labelOf: (answer) => (first(answer) as { label?: unknown } | undefined)?.label,
    },
    {
      label: ROUTES.mloopInvocations,
      baseUrl: url,
      path: `${prefix}/invocations?alias=champion`,
      bodies: model.records.map((r) => Buffer.from(dataframeSplitBody(model, r))),
      expected,
      labelOf: first,
    },
  ];
}

function mlflowTarget(url: string, model: BenchModel): LoadTarget {
  return {
    label: ROUTES.mlflowInvocations,
    baseUrl: url,
    path: '/invocations',
    bodies: model.records.map((r) => Buffer.from(dataframeSplitBody(model, r))),
    expected: model.records.map((r) => r.label),
    // MLflow's ONNX flavor answers a DataFrame: one object per row, a key per graph output.
    labelOf: (answer) => (first(answer) as { label?: unknown } | undefined)?.label,
  };
}

interface MloopPhase {
  model?: BenchModel;
  load: LoadResult[];
  predictionLog?: PredictionLogCheck;
}

/** Starts mloop, trains and logs the model through it, loads it, checks its prediction log. */
async function mloopPhase(
  config: ServingBenchConfig,
  python: string,
  root: string,
  errors: string[],
): Promise<MloopPhase> {
  const phase: MloopPhase = { load: [] };
  log('mloop: starting the server');
  const server: BenchServer = await startMloop(join(root, 'mloop'));
  try {
    log(`mloop: listening on ${server.url}; training and logging the model to MLflow's store and to mloop`);
    const mlflowStore = join(root, 'mlflow-store');
    mkdirSync(mlflowStore, { recursive: true });
    const model = await trainAndLogModel(python, mlflowStore, server.url, root);
    phase.model = model;
    log(`model ${model.mloop.modelName} v${model.mloop.version}, same ONNX bytes in both stores`);
    if (!config.servers.includes('mloop')) return phase;
    phase.load = await loadEveryLevel(mloopTargets(server.url, model), config, server.process, log);
    const answered = phase.load.reduce((n, r) => n + r.answered200, 0);
    log('mloop: reading the prediction log back');
    phase.predictionLog = await checkPredictionLog(server.url, model.mloop.modelName, answered);
    if (!phase.predictionLog.ok) {
      errors.push(
        `mloop's prediction log holds ${phase.predictionLog.logged} rows for ${answered} successful requests`,
      );
    }
  } catch (error) {
    errors.push(`mloop: ${(error as Error).message}`);
    log(
      `mloop FAILED: ${(error as Error).message}\n--- server log (tail) ---\n${server.process.logTail(20)}`,
    );
  } finally {
    await server.process.stop();
  }
  return phase;
}

async function mlflowPhase(
  config: ServingBenchConfig,
  python: string,
  model: BenchModel,
  root: string,
  errors: string[],
): Promise<LoadResult[]> {
  log('MLflow: starting mlflow models serve');
  let server;
  try {
    server = await startMlflowModelServer(python, model, config.mlflowWorkers, root);
  } catch (error) {
    errors.push(`MLflow: ${(error as Error).message}`);
    return [];
  }
  try {
    log(`MLflow: listening on ${server.url}`);
    return await loadEveryLevel([mlflowTarget(server.url, model)], config, server.process, log);
  } catch (error) {
    errors.push(`MLflow: ${(error as Error).message}`);
    return [];
  } finally {
    await server.process.stop();
  }
}

async function main(): Promise<number> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig();
  if (!config.python) throw new Error('MLOOP_TEST_PYTHON is not set: run through `npm run bench -- serving`');
  const root = mkdtempSync(join(tmpdir(), 'mloop-bench-serving-'));
  if (config.keepData) log(`data and server logs kept in ${root}`);
  else process.once('exit', () => rmSync(root, { recursive: true, force: true }));

  const loadAtStart = loadavg();
  const errors: string[] = [];
  const mloop = await mloopPhase(config, config.python, root, errors);
  const model = mloop.model;
  const load = [...mloop.load];
  let inProcess: InProcessResult | undefined;
  if (model) {
    if (config.servers.includes('mlflow')) {
      load.push(...(await mlflowPhase(config, config.python, model, root, errors)));
    }
    log(`in process: ${config.inProcessCalls} calls each to onnxruntime, ModelRuntime, PredictionService`);
    try {
      const home = join(root, 'mloop');
      inProcess = await runInProcess(
        model,
        home,
        `sqlite:${databaseFile('mloop', home)}`,
        config.inProcessCalls,
      );
    } catch (error) {
      errors.push(`in process: ${(error as Error).message}`);
    }
  }

  const { python: _python, ...publicConfig } = config;
  const report: ServingBenchReport = {
    benchmark: 'serving',
    date: new Date().toISOString(),
    machine: describeMachine(model?.versions.mlflow, loadAtStart),
    config: publicConfig,
    model: {
      features: model?.columns.length ?? 0,
      testAccuracy: model?.testAccuracy ?? Number.NaN,
      knownRecords: model?.records.length ?? 0,
      onnxSha256: model?.onnxSha256 ?? '',
      versions: model?.versions ?? {},
    },
    load,
    ...(mloop.predictionLog ? { predictionLog: mloop.predictionLog } : {}),
    ...(inProcess ? { inProcess } : {}),
    ratios: computeRatios(load, config.connections),
    errors,
  };
  console.log(formatReport(report));
  writeReport(RESULTS_PATH, report);
  console.log('\nresults: bench/results/serving.json');
  const allRight = load.every((r) => r.failed === 0);
  return errors.length === 0 && allRight ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.stack ?? error.message);
    process.exit(1);
  },
);

/**
 * `npm run bench -- training`: mloop's GBDT against scikit-learn's HistGradientBoostingClassifier
 * with matched settings on breast-cancer, wine (from the pinned scikit-learn) and a synthetic
 * fraud-like set (BENCH_TRAINING_ROWS rows, default 1,000,000, generated once with a seed). Both
 * train on the same rows and are scored on the same holdout with the same metric code; fit times
 * are wall seconds of the fit alone. Prints a table and writes bench/results/training.json.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom, shuffledIndices } from '../../src/core/random.js';
import { classificationMetrics } from '../../src/training/evaluation/metrics.js';
import { fitGbdt } from '../../src/training/gbdt/gbdt.js';
import { predictProbabilities } from '../../src/training/gbdt/model.js';
import { densePaths, ensureFraudDataset, readDense, type DenseDataset } from './fraud-data.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const RESULTS = fileURLToPath(new URL('../results/', import.meta.url));
const DATA_DIR = join(RESULTS, 'training');
const SEED = 42;
const HOLDOUT = 0.2;

interface Settings {
  learning_rate: number;
  max_iter: number;
  max_leaf_nodes: number;
  min_samples_leaf: number;
  l2_regularization: number;
  max_bins: number;
  seed: number;
}

interface Side {
  auc: number;
  accuracy: number;
  fitSeconds: number;
  iterations: number;
  threads: number;
}

interface Row {
  dataset: string;
  rows: number;
  trainRows: number;
  holdoutRows: number;
  features: number;
  classes: number;
  mloop: Side;
  sklearn: Side;
  aucDifferencePoints: number;
  accuracyDifferencePoints: number;
  timeRatio: number;
}

function log(message: string): void {
  console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
}

function intFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name] ?? String(fallback);
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} must be an integer >= ${min}, got ${raw}`);
  return value;
}

function python(): string {
  const path = process.env.MLOOP_TEST_PYTHON;
  if (!path) throw new Error('MLOOP_TEST_PYTHON is not set; run through `npm run bench -- training`.');
  return path;
}

/** A seeded holdout (1 = holdout row), stratified by nothing: the same flags go to both tools. */
function holdoutFlags(dataset: DenseDataset): Uint8Array {
  const path = join(DATA_DIR, `${dataset.name}.holdout.u8`);
  const rows = dataset.target.length;
  const flags = new Uint8Array(rows);
  const order = shuffledIndices(rows, seededRandom(SEED));
  const held = Math.round(rows * HOLDOUT);
  for (let j = 0; j < held; j++) flags[order[j] as number] = 1;
  writeFileSync(path, flags);
  return flags;
}

function rowsOf(dataset: DenseDataset, flags: Uint8Array, flag: number) {
  const indices: number[] = [];
  for (let i = 0; i < flags.length; i++) if (flags[i] === flag) indices.push(i);
  return {
    columns: dataset.columns.map((c) => Float64Array.from(indices, (i) => c[i] as number)),
    y: Float64Array.from(indices, (i) => dataset.target[i] as number),
  };
}

function runMloop(
  dataset: DenseDataset,
  flags: Uint8Array,
  settings: Settings,
): { side: Side; probabilities: Float64Array } {
  const train = rowsOf(dataset, flags, 0);
  const holdout = rowsOf(dataset, flags, 1);
  const started = performance.now();
  let lastLogged = started;
  const { model, iterations, threads } = fitGbdt(
    {
      columns: train.columns,
      featureNames: dataset.featureNames,
      target: train.y,
      objective: dataset.classes === 2 ? 'binary' : 'multiclass',
      classes: dataset.classes,
    },
    {
      learningRate: settings.learning_rate,
      maxIter: settings.max_iter,
      maxLeafNodes: settings.max_leaf_nodes,
      minSamplesLeaf: settings.min_samples_leaf,
      l2: settings.l2_regularization,
      maxBins: settings.max_bins,
      earlyStopping: false,
      seed: settings.seed,
      // Histogram threads (default: every core); BENCH_MLOOP_THREADS=1 compares one core to one.
      ...(process.env.BENCH_MLOOP_THREADS ? { threads: Number(process.env.BENCH_MLOOP_THREADS) } : {}),
      onIteration: (done, total) => {
        if (performance.now() - lastLogged > 15_000) {
          lastLogged = performance.now();
          log(`  mloop: ${done}/${total} iterations`);
        }
      },
    },
  );
  const fitSeconds = (performance.now() - started) / 1000;
  const probabilities = predictProbabilities(model, holdout.columns);
  const metrics = classificationMetrics(holdout.y, probabilities, dataset.classes);
  return {
    side: {
      auc: metrics.roc_auc as number,
      accuracy: metrics.accuracy as number,
      fitSeconds,
      iterations,
      threads,
    },
    probabilities,
  };
}

function runSklearn(dataset: DenseDataset, flags: Uint8Array, settings: Settings): Side {
  const output = execFileSync(
    python(),
    [join(HERE, 'sklearn_peer.py'), 'fit', DATA_DIR, dataset.name, JSON.stringify(settings)],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      // scikit-learn uses every core through OpenMP; BENCH_SKLEARN_THREADS=1 compares one core to one.
      env: process.env.BENCH_SKLEARN_THREADS
        ? { ...process.env, OMP_NUM_THREADS: process.env.BENCH_SKLEARN_THREADS }
        : process.env,
    },
  );
  const result = JSON.parse(output) as { fitSeconds: number; iterations: number; threads: number };
  const bytes = readFileSync(join(DATA_DIR, `${dataset.name}.sklearn.f64`));
  const probabilities = new Float64Array(Uint8Array.prototype.slice.call(bytes).buffer);
  const holdoutY = Float64Array.from(dataset.target.filter((_, i) => flags[i] === 1));
  const metrics = classificationMetrics(holdoutY, probabilities, dataset.classes);
  return { auc: metrics.roc_auc as number, accuracy: metrics.accuracy as number, ...result };
}

function compare(dataset: DenseDataset, settings: Settings): Row {
  const flags = holdoutFlags(dataset);
  const holdoutRows = flags.reduce((a, b) => a + b, 0);
  log(`${dataset.name}: mloop GBDT (${dataset.target.length} rows, ${dataset.columns.length} features)`);
  const mloop = runMloop(dataset, flags, settings).side;
  log(`${dataset.name}: scikit-learn HistGradientBoostingClassifier`);
  const sklearn = runSklearn(dataset, flags, settings);
  return {
    dataset: dataset.name,
    rows: dataset.target.length,
    trainRows: dataset.target.length - holdoutRows,
    holdoutRows,
    features: dataset.columns.length,
    classes: dataset.classes,
    mloop,
    sklearn,
    aucDifferencePoints: 100 * (mloop.auc - sklearn.auc),
    accuracyDifferencePoints: 100 * (mloop.accuracy - sklearn.accuracy),
    timeRatio: mloop.fitSeconds / sklearn.fitSeconds,
  };
}

function printTable(rows: Row[]): void {
  const header = [
    'dataset',
    'rows',
    'AUC mloop',
    'AUC sklearn',
    'Δ pts',
    'acc mloop',
    'acc sklearn',
    'Δ pts',
    'fit s mloop',
    'fit s sklearn',
    'ratio',
    'threads mloop/sklearn',
  ];
  const lines = rows.map((r) => [
    r.dataset,
    String(r.rows),
    r.mloop.auc.toFixed(4),
    r.sklearn.auc.toFixed(4),
    r.aucDifferencePoints.toFixed(2),
    r.mloop.accuracy.toFixed(4),
    r.sklearn.accuracy.toFixed(4),
    r.accuracyDifferencePoints.toFixed(2),
    r.mloop.fitSeconds.toFixed(2),
    r.sklearn.fitSeconds.toFixed(2),
    `${r.timeRatio.toFixed(2)}x`,
    `${r.mloop.threads}/${r.sklearn.threads}`,
  ]);
  const widths = header.map((h, j) => Math.max(h.length, ...lines.map((l) => (l[j] as string).length)));
  const format = (cells: string[]) => cells.map((c, j) => c.padStart(widths[j] as number)).join('  ');
  console.log(format(header));
  for (const line of lines) console.log(format(line));
}

function main(): void {
  if (process.argv.includes('--help')) {
    console.log(`npm run bench -- training
  BENCH_TRAINING_ROWS=1000000   rows of the synthetic fraud-like set
  BENCH_TRAINING_ITERS=100      boosting iterations (max_iter) for both tools
  BENCH_SKLEARN_THREADS=N       OpenMP threads for scikit-learn (default: all cores)
  BENCH_MLOOP_THREADS=N         histogram threads for mloop (default: all cores, at most 4)`);
    return;
  }
  const rows = intFromEnv('BENCH_TRAINING_ROWS', 1_000_000, 1000);
  const settings: Settings = {
    learning_rate: 0.1,
    max_iter: intFromEnv('BENCH_TRAINING_ITERS', 100, 1),
    max_leaf_nodes: 31,
    min_samples_leaf: 20,
    l2_regularization: 0,
    max_bins: 255,
    seed: SEED,
  };
  mkdirSync(DATA_DIR, { recursive: true });
  if (!existsSync(densePaths(DATA_DIR, 'wine').data)) {
    log('exporting breast_cancer and wine from scikit-learn');
    execFileSync(python(), [join(HERE, 'sklearn_peer.py'), 'export', DATA_DIR], { stdio: 'inherit' });
  }
  log(`fraud-like data: ${rows} rows (generated once, then reused)`);
  const datasets = [
    readDense(DATA_DIR, 'breast_cancer'),
    readDense(DATA_DIR, 'wine'),
    ensureFraudDataset(DATA_DIR, rows, SEED),
  ];
  const results = datasets.map((d) => compare(d, settings));
  printTable(results);
  const report = {
    settings: { ...settings, early_stopping: false, holdout: HOLDOUT },
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGiB: totalmem() / 2 ** 30,
      node: process.version,
    },
    results,
  };
  writeFileSync(join(RESULTS, 'training.json'), `${JSON.stringify(report, null, 2)}\n`);
  log('wrote bench/results/training.json');
}

main();

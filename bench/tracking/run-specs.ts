import type { KeyValue, WireMetric } from './tracking-api.js';

/**
 * The runs of the search experiment, generated from their index alone so both servers get the
 * same data: mloop through its REST API, MLflow through its own SQL store (see populate.ts).
 */
export interface RunSpec {
  name: string;
  startTime: number;
  /** Set at creation (MLflow adds mlflow.runName itself, and so does mloop). */
  tags: KeyValue[];
  params: KeyValue[];
  metrics: WireMetric[];
}

/** How a server's search experiment was filled (the two servers are filled differently). */
export interface PopulateResult {
  runs: number;
  seconds: number;
  method: string;
}

/** Who created the runs, on both servers. */
export const USER_ID = 'bench';

const BASE_TIME = Date.UTC(2025, 0, 1);
const TWO_POW_32 = 2 ** 32;

/**
 * A value in [0, 1) spread evenly over the indexes: Knuth's multiplicative hash is a bijection
 * modulo 2^32, so no two runs tie (a tie would leave the order of equal values to each server).
 * The product stays below 2^53, so the arithmetic is exact in a double.
 */
function spread(index: number, salt: number): number {
  return ((index * 2654435761 + salt) % TWO_POW_32) / TWO_POW_32;
}

const optimizers = ['adam', 'sgd', 'rmsprop', 'adagrad'];
const datasets = ['mnist', 'cifar10', 'imagenet-subset'];

/** The `acc` metric of run `index`, the one the benchmark's search filters and sorts on. */
export function runAccuracy(index: number): number {
  return spread(index, 0);
}

export function runSpec(index: number): RunSpec {
  const acc = runAccuracy(index);
  const startTime = BASE_TIME + index * 1000;
  return {
    name: `run-${String(index).padStart(6, '0')}`,
    startTime,
    tags: [
      { key: 'team', value: `team-${index % 7}` },
      { key: 'dataset', value: datasets[index % datasets.length] as string },
    ],
    params: [
      { key: 'learning_rate', value: String(10 ** -(1 + (index % 4))) },
      { key: 'batch_size', value: String(32 << (index % 4)) },
      { key: 'optimizer', value: optimizers[index % optimizers.length] as string },
      { key: 'layers', value: String(2 + (index % 6)) },
    ],
    metrics: [
      { key: 'acc', value: acc, timestamp: startTime + 500, step: 0 },
      { key: 'loss', value: 1 - acc + spread(index, 12345) * 0.1, timestamp: startTime + 500, step: 0 },
      { key: 'f1', value: acc * 0.95, timestamp: startTime + 500, step: 0 },
    ],
  };
}

/**
 * What a correct server answers to `metrics.acc > threshold`: how many runs match, and the names
 * on the first page, ordered by `metrics.acc DESC` or else by MLflow's default (start_time DESC).
 */
export function expectedSearch(
  runs: number,
  threshold: number,
  maxResults: number,
  order: 'acc' | 'default',
): { matches: number; firstPage: string[] } {
  const matching: { index: number; acc: number }[] = [];
  for (let index = 0; index < runs; index++) {
    const acc = runAccuracy(index);
    if (acc > threshold) matching.push({ index, acc });
  }
  // Start times grow with the index, so the default order is the index, descending.
  matching.sort(order === 'acc' ? (a, b) => b.acc - a.acc : (a, b) => b.index - a.index);
  return {
    matches: matching.length,
    firstPage: matching.slice(0, maxResults).map((m) => runSpec(m.index).name),
  };
}

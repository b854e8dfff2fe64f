/**
 * A synthetic, fraud-like binary task: imbalanced (~2% positive), 26 numeric features and 4
 * categorical ones (as ordinal codes), missing values in a few columns, and a label whose log-odds
 * depend on thresholds and interactions (large amounts at night, new accounts with many
 * transactions, risky countries on some devices), so a linear model does not suffice.
 *
 * Written once per seed and size as column-major float64 (`<name>.f64`, NaN = missing) with a JSON
 * header, a format both TypeScript (a Float64Array view) and numpy (`fromfile`) read directly.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom, type RandomSource } from '../../src/core/random.js';

export interface DenseDataset {
  name: string;
  featureNames: string[];
  /** Ordinal-coded categorical columns (a subset of featureNames). */
  categorical: string[];
  columns: Float64Array[];
  target: Float64Array;
  classes: number;
}

interface Header {
  rows: number;
  featureNames: string[];
  categorical: string[];
  classes: number;
}

function normal(random: RandomSource): number {
  // Box–Muller; 1 − u keeps the logarithm finite.
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function categoryOf(random: RandomSource, weights: readonly number[]): number {
  let u = random() * weights.reduce((a, b) => a + b, 0);
  for (let k = 0; k < weights.length; k++) {
    u -= weights[k] as number;
    if (u < 0) return k;
  }
  return weights.length - 1;
}

const NOISE_FEATURES = 18;

function generate(rows: number, seed: number): DenseDataset {
  const random = seededRandom(seed);
  const named = [
    'amount',
    'hour',
    'account_age_days',
    'transactions_24h',
    'distance_km',
    'amount_vs_average',
    'failed_logins_7d',
    'card_age_days',
    ...Array.from({ length: NOISE_FEATURES }, (_, j) => `signal_${j}`),
  ];
  const categorical = ['merchant_category', 'country', 'device', 'channel'];
  const featureNames = [...named, ...categorical];
  const columns = featureNames.map(() => new Float64Array(rows));
  const logits = new Float64Array(rows);
  const countryRisk = Array.from({ length: 30 }, (_, k) => (k % 7 === 3 ? 1.2 : k % 5 === 1 ? 0.5 : 0));
  const merchantRisk = Array.from({ length: 20 }, (_, k) => (k === 4 || k === 11 ? 0.9 : 0));
  const col = (name: string) => columns[featureNames.indexOf(name)] as Float64Array;
  const [amount, hour, age, tx, distance, ratio, failed, cardAge] = named
    .slice(0, 8)
    .map(col) as Float64Array[];
  const [merchant, country, device, channel] = categorical.map(col) as Float64Array[];
  const signals = Array.from({ length: NOISE_FEATURES }, (_, j) => col(`signal_${j}`));
  for (let i = 0; i < rows; i++) {
    const a = Math.exp(3.5 + 1.1 * normal(random));
    const h = Math.floor(random() * 24);
    const ageDays = Math.floor(Math.exp(5 + 1.5 * normal(random)));
    const t = Math.floor(-Math.log(1 - random()) * 3);
    const d = Math.exp(2 + 1.4 * normal(random));
    const m = categoryOf(random, [5, 4, 4, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    const c = categoryOf(
      random,
      Array.from({ length: 30 }, (_, k) => 30 - k),
    );
    const dev = categoryOf(random, [6, 3, 1, 1]);
    const ch = categoryOf(random, [5, 3, 2]);
    const f = Math.floor(-Math.log(1 - random()) * 0.5);
    amount![i] = Math.round(a * 100) / 100;
    hour![i] = h;
    age![i] = ageDays;
    tx![i] = t;
    distance![i] = d;
    ratio![i] = a / Math.exp(3.5 + 0.3 * normal(random));
    failed![i] = f;
    cardAge![i] = Math.floor(random() * 2000);
    merchant![i] = m;
    country![i] = c;
    device![i] = dev;
    channel![i] = ch;
    let z = 0;
    for (let j = 0; j < NOISE_FEATURES; j++) {
      const s = normal(random);
      (signals[j] as Float64Array)[i] = s;
      // A few weak linear signals; the rest is noise.
      if (j < 4) z += 0.35 * s;
    }
    const night = h < 5 || h >= 23;
    z += night && a > 150 ? 3 : 0;
    z += ageDays < 30 && t >= 5 ? 3.2 : 0;
    z += (countryRisk[c] as number) * (dev >= 2 ? 2.5 : 0.6);
    z += 1.5 * (merchantRisk[m] as number);
    z += d > 300 && ch === 2 ? 2.5 : 0;
    z += 0.9 * Math.min(f, 4);
    z += 0.6 * Math.log1p(a / (1 + ageDays));
    logits[i] = z;
  }
  // Missing values where real data has them: unknown distance and account age for some rows.
  for (let i = 0; i < rows; i++) {
    if (random() < 0.05) distance![i] = NaN;
    if (random() < 0.02) age![i] = NaN;
  }
  const intercept = interceptFor(logits, 0.02);
  const target = new Float64Array(rows);
  for (let i = 0; i < rows; i++)
    target[i] = random() < 1 / (1 + Math.exp(-((logits[i] as number) + intercept))) ? 1 : 0;
  return { name: 'fraud', featureNames, categorical, columns, target, classes: 2 };
}

/** The intercept that makes the mean probability `rate` (bisection; the mean is monotone in it). */
function interceptFor(logits: Float64Array, rate: number): number {
  let lo = -30;
  let hi = 10;
  for (let step = 0; step < 60; step++) {
    const mid = (lo + hi) / 2;
    let sum = 0;
    for (let i = 0; i < logits.length; i++) sum += 1 / (1 + Math.exp(-((logits[i] as number) + mid)));
    if (sum / logits.length > rate) hi = mid;
    else lo = mid;
  }
  return (lo + hi) / 2;
}

/** Paths of a dataset written by `writeDense`. */
export function densePaths(dir: string, name: string): { data: string; header: string } {
  return { data: join(dir, `${name}.f64`), header: join(dir, `${name}.json`) };
}

/** Writes features then target, column after column, as float64. */
export function writeDense(dir: string, dataset: DenseDataset): void {
  const paths = densePaths(dir, dataset.name);
  const rows = dataset.target.length;
  const all = new Float64Array(rows * (dataset.columns.length + 1));
  dataset.columns.forEach((c, f) => all.set(c, f * rows));
  all.set(dataset.target, dataset.columns.length * rows);
  writeFileSync(`${paths.data}.partial`, new Uint8Array(all.buffer));
  renameSync(`${paths.data}.partial`, paths.data);
  const header: Header = {
    rows,
    featureNames: dataset.featureNames,
    categorical: dataset.categorical,
    classes: dataset.classes,
  };
  writeFileSync(paths.header, JSON.stringify(header));
}

export function readDense(dir: string, name: string): DenseDataset {
  const paths = densePaths(dir, name);
  const header = JSON.parse(readFileSync(paths.header, 'utf8')) as Header;
  const bytes = readFileSync(paths.data);
  // A view needs 8-byte alignment; a small file may sit inside Node's shared buffer pool.
  const aligned = bytes.byteOffset % 8 === 0 ? bytes : Uint8Array.prototype.slice.call(bytes);
  const all = new Float64Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 8);
  const { rows } = header;
  const columns = header.featureNames.map((_, f) => all.subarray(f * rows, (f + 1) * rows));
  const target = all.subarray(header.featureNames.length * rows, (header.featureNames.length + 1) * rows);
  return { name, ...header, columns, target };
}

/** The fraud-like set for `rows` and `seed`, generated on first use and read back afterwards. */
export function ensureFraudDataset(dir: string, rows: number, seed: number): DenseDataset {
  const name = `fraud-${rows}-seed${seed}`;
  const paths = densePaths(dir, name);
  if (existsSync(paths.data) && existsSync(paths.header)) return readDense(dir, name);
  const dataset = { ...generate(rows, seed), name };
  writeDense(dir, dataset);
  return dataset;
}

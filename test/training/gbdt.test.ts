import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/random.js';
import { classificationMetrics, regressionMetrics } from '../../src/training/evaluation/metrics.js';
import { fitGbdt, type GbdtOptions, type GbdtTrainingSet } from '../../src/training/gbdt/gbdt.js';
import { predictProbabilities } from '../../src/training/gbdt/model.js';
import { describeWithPython, pythonPath } from '../helpers/python.js';

const REFERENCE = join(dirname(fileURLToPath(import.meta.url)), 'gbdt_reference.py');

/** `rows` rows of `features` uniform features in [-1, 1] and a target computed from them. */
function synthetic(
  rows: number,
  features: number,
  seed: number,
  target: (x: number[], random: () => number) => number,
): { columns: Float64Array[]; y: Float64Array } {
  const random = seededRandom(seed);
  const columns = Array.from({ length: features }, () => new Float64Array(rows));
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const x = columns.map((c) => (c[i] = random() * 2 - 1));
    y[i] = target(x, random);
  }
  return { columns, y };
}

function names(count: number): string[] {
  return Array.from({ length: count }, (_, j) => `x${j}`);
}

const fixed: GbdtOptions = { earlyStopping: false, seed: 3 };

describe('GBDT', () => {
  it('learns an XOR interaction that no single feature explains', () => {
    const xor = (x: number[]) => ((x[0] as number) > 0 !== (x[1] as number) > 0 ? 1 : 0);
    const train = synthetic(4000, 4, 1, xor);
    const test = synthetic(2000, 4, 2, xor);
    const { model } = fitGbdt(
      { columns: train.columns, featureNames: names(4), target: train.y, objective: 'binary' },
      fixed,
    );
    const metrics = classificationMetrics(test.y, predictProbabilities(model, test.columns), 2);
    expect(metrics.roc_auc).toBeGreaterThan(0.99);
    expect(metrics.accuracy).toBeGreaterThan(0.97);
  });

  it('fits a smooth regression with a small error', () => {
    const f = (x: number[], random: () => number) =>
      3 * Math.sin(3 * (x[0] as number)) + 2 * (x[1] as number) ** 2 + 0.1 * (random() - 0.5);
    const train = synthetic(4000, 3, 3, f);
    const test = synthetic(2000, 3, 4, f);
    const { model } = fitGbdt(
      { columns: train.columns, featureNames: names(3), target: train.y, objective: 'regression' },
      fixed,
    );
    const { rmse, r2 } = regressionMetrics(test.y, predictProbabilities(model, test.columns));
    expect(rmse).toBeLessThan(0.25); // the target's standard deviation is about 2.4
    expect(r2).toBeGreaterThan(0.98);
  });

  it('learns where missing values go, in training and at prediction', () => {
    // Positive when x0 is missing or large: missing values carry the signal.
    const make = (rows: number, seed: number) => {
      const random = seededRandom(seed);
      const x0 = new Float64Array(rows);
      const x1 = new Float64Array(rows);
      const y = new Float64Array(rows);
      for (let i = 0; i < rows; i++) {
        const missing = random() < 0.2;
        x0[i] = missing ? NaN : random();
        x1[i] = random();
        y[i] = missing || (x0[i] as number) > 0.7 ? 1 : 0;
      }
      return { columns: [x0, x1], y };
    };
    const train = make(3000, 5);
    const test = make(1000, 6);
    const { model } = fitGbdt(
      { columns: train.columns, featureNames: names(2), target: train.y, objective: 'binary' },
      fixed,
    );
    const probabilities = predictProbabilities(model, test.columns);
    expect(classificationMetrics(test.y, probabilities, 2).accuracy).toBeGreaterThan(0.99);
    const onlyMissing = predictProbabilities(model, [Float64Array.of(NaN), Float64Array.of(0.5)]);
    expect(onlyMissing[1]).toBeGreaterThan(0.95);
  });

  it('gives the same model for the same seed, early stopping split included', () => {
    const f = (x: number[], random: () => number) =>
      (x[0] as number) + (x[1] as number) * (x[2] as number) + 0.5 * random() > 0.3 ? 1 : 0;
    const data = synthetic(3000, 3, 7, f);
    const set: GbdtTrainingSet = {
      columns: data.columns,
      featureNames: names(3),
      target: data.y,
      objective: 'binary',
    };
    const options: GbdtOptions = { earlyStopping: true, maxIter: 300, seed: 9 };
    const first = fitGbdt(set, options);
    const second = fitGbdt(set, options);
    expect(first.iterations).toBeLessThan(300);
    expect(second.iterations).toBe(first.iterations);
    expect(predictProbabilities(second.model, data.columns)).toEqual(
      predictProbabilities(first.model, data.columns),
    );
    const other = fitGbdt(set, { ...options, seed: 10 });
    expect(predictProbabilities(other.model, data.columns)).not.toEqual(
      predictProbabilities(first.model, data.columns),
    );
  });

  it('builds the same trees on several threads as on one, for every objective', () => {
    // 25,000 rows: above the size where histograms are built on helper threads. Nine features
    // split unevenly (two groups of four and one left over), and some values are missing.
    const data = synthetic(
      25_000,
      9,
      11,
      (x, random) => (x[0] as number) * (x[4] as number) + 0.3 * random(),
    );
    data.columns[8]!.forEach((_, i, c) => {
      if (i % 7 === 0) c[i] = NaN;
    });
    const sets: GbdtTrainingSet[] = [
      {
        columns: data.columns,
        featureNames: names(9),
        target: data.y.map((v) => (v > 0 ? 1 : 0)),
        objective: 'binary',
      },
      { columns: data.columns, featureNames: names(9), target: data.y, objective: 'regression' },
      {
        columns: data.columns,
        featureNames: names(9),
        target: data.y.map((v) => (v < -0.2 ? 0 : v < 0.2 ? 1 : 2)),
        objective: 'multiclass',
        classes: 3,
      },
    ];
    for (const set of sets) {
      const options: GbdtOptions = { ...fixed, maxIter: 8 };
      const one = fitGbdt(set, { ...options, threads: 1 });
      const three = fitGbdt(set, { ...options, threads: 3 });
      expect(three.model.trees, set.objective).toEqual(one.model.trees);
    }
  });

  it('rejects settings out of range, naming the parameter', () => {
    const set: GbdtTrainingSet = {
      columns: [Float64Array.of(1, 2, 3)],
      featureNames: ['x'],
      target: Float64Array.of(0, 1, 0),
      objective: 'binary',
    };
    expect(() => fitGbdt(set, { maxBins: 300 })).toThrow(expect.objectContaining({ field: 'max_bins' }));
    expect(() => fitGbdt(set, { learningRate: 0 })).toThrow(
      expect.objectContaining({ field: 'learning_rate' }),
    );
    expect(() => fitGbdt(set, { threads: 0 })).toThrow(expect.objectContaining({ field: 'threads' }));
  });
});

interface Reference {
  x: number[][];
  y: number[];
  train: number[];
  holdout: number[];
  probabilities: number[];
}

describeWithPython('GBDT against scikit-learn HistGradientBoostingClassifier', () => {
  let reference: Record<'breast_cancer' | 'wine', Reference>;
  beforeAll(() => {
    const output = execFileSync(pythonPath(), [REFERENCE], {
      input: JSON.stringify({ max_iter: 100, seed: 0 }),
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    reference = JSON.parse(output) as typeof reference;
  }, 60_000);

  function compare(name: 'breast_cancer' | 'wine') {
    const data = reference[name];
    const classes = new Set(data.y).size;
    const features = (data.x[0] as number[]).length;
    const take = (rows: number[]) => ({
      columns: Array.from({ length: features }, (_, f) =>
        Float64Array.from(rows, (i) => (data.x[i] as number[])[f] as number),
      ),
      y: Float64Array.from(rows, (i) => data.y[i] as number),
    });
    const train = take(data.train);
    const holdout = take(data.holdout);
    const { model } = fitGbdt(
      {
        columns: train.columns,
        featureNames: names(features),
        target: train.y,
        objective: classes === 2 ? 'binary' : 'multiclass',
        classes,
      },
      { earlyStopping: false, maxIter: 100, seed: 0 },
    );
    return {
      mloop: classificationMetrics(holdout.y, predictProbabilities(model, holdout.columns), classes),
      sklearn: classificationMetrics(holdout.y, data.probabilities, classes),
      holdoutRows: data.holdout.length,
    };
  }

  it('breast cancer: holdout AUC within 1 point of scikit-learn', () => {
    const { mloop, sklearn } = compare('breast_cancer');
    expect(Math.abs((mloop.roc_auc as number) - (sklearn.roc_auc as number))).toBeLessThanOrEqual(0.01);
    expect(mloop.roc_auc).toBeGreaterThan(0.98);
  });

  it('wine (3 classes): one-vs-rest AUC within 1 point, accuracy within one holdout row', () => {
    const { mloop, sklearn, holdoutRows } = compare('wine');
    expect(Math.abs((mloop.roc_auc as number) - (sklearn.roc_auc as number))).toBeLessThanOrEqual(0.01);
    // 54 holdout rows: one row is 1.85 points of accuracy.
    expect(mloop.accuracy).toBeGreaterThanOrEqual((sklearn.accuracy as number) - 1 / holdoutRows - 1e-12);
  });
});

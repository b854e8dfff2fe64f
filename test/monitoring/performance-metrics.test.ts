import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  classificationMetrics,
  type ClassifiedPair,
} from '../../src/monitoring/performance/classification-metrics.js';
import { regressionMetrics } from '../../src/monitoring/performance/regression-metrics.js';
import { rocAuc } from '../../src/training/evaluation/metrics.js';
import { describeWithPython, pythonPath } from '../helpers/python.js';
import { tempDir } from '../helpers/tmp.js';
import { normalSample, seededRandom } from './drift-samples.js';

/** mloop's performance metrics against scikit-learn's on the same seeded data, to 1e-9. */
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'performance_reference.py');

interface ClassificationCase {
  name: string;
  classes: string[];
  actual: string[];
  predicted: string[];
  probabilities: number[][];
}
interface RegressionCase {
  name: string;
  actual: number[];
  predicted: number[];
}

/**
 * A noisy classifier: each row's probabilities are a softmax of random scores with a bonus on the
 * true class (`skill`), its prediction the most probable class. Rounding the scores to `ties`
 * decimals makes tied probabilities, which AUC must count as halves.
 */
function classificationCase(
  name: string,
  seed: number,
  classes: string[],
  n: number,
  skill: number,
  ties?: number,
): ClassificationCase {
  const random = seededRandom(seed);
  const actual: string[] = [];
  const predicted: string[] = [];
  const probabilities: number[][] = [];
  for (let i = 0; i < n; i++) {
    const truth = Math.floor(random() * classes.length);
    let scores = classes.map((_, k) => random() * 2 + (k === truth ? skill : 0));
    if (ties !== undefined) scores = scores.map((s) => Number(s.toFixed(ties)));
    const exp = scores.map(Math.exp);
    const total = exp.reduce((a, b) => a + b, 0);
    const p = exp.map((e) => e / total);
    actual.push(classes[truth]!);
    predicted.push(classes[p.indexOf(Math.max(...p))]!);
    probabilities.push(p);
  }
  return { name, classes, actual, predicted, probabilities };
}

function classificationCases(): ClassificationCase[] {
  return [
    classificationCase('binary, string classes', 1, ['no', 'yes'], 400, 1.2),
    classificationCase('binary, heavy ties in probabilities', 2, ['0', '1'], 300, 0.8, 1),
    classificationCase('three classes', 3, ['setosa', 'versicolor', 'virginica'], 500, 1.5),
    classificationCase('five classes, weak model', 4, ['a', 'b', 'c', 'd', 'e'], 700, 0.3),
    classificationCase('three classes, small', 5, ['x', 'y', 'z'], 30, 0.6),
  ];
}

function regressionCases(): RegressionCase[] {
  const r = seededRandom(11);
  const actual = [...normalSample(r, 500, 10, 3)];
  const noise = [...normalSample(r, 500, 0, 1)];
  return [
    { name: 'noisy', actual, predicted: actual.map((a, i) => a + noise[i]!) },
    { name: 'biased', actual, predicted: actual.map((a, i) => 0.8 * a + 3 + 0.2 * noise[i]!) },
    { name: 'small', actual: [1, 2, 3], predicted: [1.5, 1.5, 3.5] },
    { name: 'worse than the mean', actual: [1, 2, 3, 4], predicted: [4, 1, 4, 0] },
  ];
}

interface SklearnClassification {
  accuracy: number;
  macroF1: number;
  perClass: Record<string, { precision: number; recall: number; f1: number; support: number }>;
  rocAuc: number;
  logLoss: number;
}
interface SklearnRegression {
  rmse: number;
  mae: number;
  r2: number;
}

const close = (label: string, actual: number | undefined, expected: number) =>
  expect(
    Math.abs((actual ?? NaN) - expected),
    `${label}: mloop ${actual}, sklearn ${expected}`,
  ).toBeLessThanOrEqual(1e-9);

function pairsOf(c: ClassificationCase): ClassifiedPair[] {
  return c.actual.map((actual, i) => ({
    actual,
    predicted: c.predicted[i]!,
    probabilities: Object.fromEntries(c.classes.map((k, j) => [k, c.probabilities[i]![j]!])),
  }));
}

describeWithPython('performance metrics agree with scikit-learn', () => {
  const classification = classificationCases();
  const regression = regressionCases();
  let sklearn: { classification: SklearnClassification[]; regression: SklearnRegression[] };

  beforeAll(() => {
    const dir = tempDir();
    const input = join(dir, 'cases.json');
    const output = join(dir, 'sklearn.json');
    writeFileSync(input, JSON.stringify({ classification, regression }));
    execFileSync(pythonPath(), [SCRIPT, input, output], { stdio: ['ignore', 'ignore', 'inherit'] });
    sklearn = JSON.parse(readFileSync(output, 'utf8')) as typeof sklearn;
  }, 120_000);

  it.each(classification.map((c, i) => [c.name, i] as const))('classification: %s', (_name, i) => {
    const c = classification[i]!;
    const expected = sklearn.classification[i]!;
    const m = classificationMetrics(pairsOf(c), c.classes)!;
    close('accuracy', m.accuracy, expected.accuracy);
    close('macro F1', m.macroF1, expected.macroF1);
    close('ROC AUC', m.rocAuc, expected.rocAuc);
    close('log loss', m.logLoss, expected.logLoss);
    expect(Object.keys(m.perClass).sort()).toEqual(Object.keys(expected.perClass).sort());
    for (const [k, e] of Object.entries(expected.perClass)) {
      close(`precision ${k}`, m.perClass[k]!.precision, e.precision);
      close(`recall ${k}`, m.perClass[k]!.recall, e.recall);
      close(`f1 ${k}`, m.perClass[k]!.f1, e.f1);
      expect(m.perClass[k]!.support).toBe(e.support);
    }
  });

  it.each(regression.map((c, i) => [c.name, i] as const))('regression: %s', (_name, i) => {
    const c = regression[i]!;
    const expected = sklearn.regression[i]!;
    const m = regressionMetrics(c.actual, c.predicted)!;
    close('RMSE', m.rmse, expected.rmse);
    close('MAE', m.mae, expected.mae);
    close('R²', m.r2, expected.r2);
  });
});

describe('performance metrics at the edges', () => {
  it('has no AUC when every label is the same class, and none without probabilities', () => {
    expect(rocAuc([0.1, 0.7, 0.4], [true, true, true])).toBeNaN();
    const m = classificationMetrics([{ actual: 'a', predicted: 'b' }], ['a', 'b'])!;
    expect(m.rocAuc).toBeUndefined();
    expect(m.logLoss).toBeUndefined();
    expect(m.accuracy).toBe(0);
  });

  it('averages one-vs-rest AUC over the classes a window has both outcomes for', () => {
    const pairs: ClassifiedPair[] = [
      { actual: 'a', predicted: 'a', probabilities: { a: 0.8, b: 0.1, c: 0.1 } },
      { actual: 'b', predicted: 'a', probabilities: { a: 0.5, b: 0.4, c: 0.1 } },
      { actual: 'a', predicted: 'c', probabilities: { a: 0.3, b: 0.2, c: 0.5 } },
    ];
    // No true "c": its AUC is undefined and left out; a: 0.5 (one of two pairs ranked right), b: 1.
    expect(classificationMetrics(pairs, ['a', 'b', 'c'])!.rocAuc).toBeCloseTo(0.75, 12);
  });

  it('gives R² as scikit-learn does for constant true values, and none for one pair', () => {
    expect(regressionMetrics([2, 2, 2], [2, 2, 2])!.r2).toBe(1);
    expect(regressionMetrics([2, 2, 2], [2, 3, 2])!.r2).toBe(0);
    expect(regressionMetrics([2], [3])!.r2).toBeUndefined();
    expect(regressionMetrics([], [])).toBeUndefined();
  });
});

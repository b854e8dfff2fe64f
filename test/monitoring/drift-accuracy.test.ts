import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { categoricalOutcome, numericOutcome } from '../../src/monitoring/drift/column-tests.js';
import { kolmogorovSf } from '../../src/monitoring/drift/kolmogorov-distribution.js';
import { smirnovSf } from '../../src/monitoring/drift/smirnov.js';
import { describeWithPython, pythonPath } from '../helpers/python.js';
import { tempDir } from '../helpers/tmp.js';
import {
  categorySample,
  countsOf,
  integerSample,
  normalSample,
  seededRandom,
  sorted,
  uniformSample,
} from './drift-samples.js';

/**
 * mloop's drift statistics against scipy's (and numpy's, for Evidently's binned statistics) on the
 * same seeded data. Agreement means |mloop − scipy| <= 1e-12, or a relative difference <= 1e-6:
 * relative, so that tiny p-values are held to the same standard as large ones.
 */
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'drift_reference.py');

function agrees(actual: number, expected: number): boolean {
  if (actual === expected) return true; // also ±Infinity
  const difference = Math.abs(actual - expected);
  return difference <= 1e-12 || difference / Math.abs(expected) <= 1e-6;
}

function expectAgreement(label: string, actual: number, expected: number): void {
  expect(agrees(actual, expected), `${label}: mloop ${actual}, scipy ${expected}`).toBe(true);
}

interface NumericCase {
  name: string;
  reference: Float64Array;
  current: Float64Array;
}
interface CategoricalCase {
  name: string;
  reference: Map<string, number>;
  current: Map<string, number>;
}

function numericCases(): NumericCase[] {
  const r = seededRandom(42);
  const same = normalSample(r, 120);
  const cases: NumericCase[] = [
    {
      name: 'small, unequal sizes, shifted',
      reference: normalSample(r, 50),
      current: normalSample(r, 60, 0.4),
    },
    {
      name: 'equal sizes (square lattice)',
      reference: normalSample(r, 200),
      current: normalSample(r, 200, 0.1, 1.2),
    },
    {
      name: 'heavy ties',
      reference: integerSample(r, 300, [5, 4, 3, 3, 2, 2, 1, 1, 1, 1]),
      current: integerSample(r, 500, [4, 4, 4, 3, 2, 2, 1, 1, 1, 1]),
    },
    { name: 'identical samples', reference: same, current: Float64Array.from(same) },
    { name: 'disjoint samples', reference: uniformSample(r, 30, 0, 1), current: uniformSample(r, 40, 5, 6) },
    {
      name: 'exact at the 10,000 boundary',
      reference: normalSample(r, 1000),
      current: normalSample(r, 10_000, 0.05),
    },
    { name: 'equal sizes, no drift', reference: normalSample(r, 3000), current: normalSample(r, 3000) },
    {
      name: 'asymptotic, mid sizes',
      reference: normalSample(r, 12_000),
      current: normalSample(r, 15_000, 0.03),
    },
    {
      name: 'asymptotic, tiny effective n',
      reference: normalSample(r, 7, 0.5),
      current: normalSample(r, 20_000),
    },
    {
      name: 'asymptotic, large, small shift',
      reference: normalSample(r, 150_000),
      current: normalSample(r, 120_000, 0.012),
    },
    {
      name: 'asymptotic, large, no shift',
      reference: normalSample(r, 200_000),
      current: normalSample(r, 210_000),
    },
    { name: 'constant reference', reference: new Float64Array(80).fill(3), current: normalSample(r, 90, 3) },
  ];
  return cases.map((c) => ({ ...c, reference: sorted(c.reference), current: sorted(c.current) }));
}

function categoricalCases(): CategoricalCase[] {
  const r = seededRandom(7);
  const abc = ['a', 'b', 'c'];
  const five = ['north', 'south', 'east', 'west', 'centre'];
  const many = Array.from({ length: 40 }, (_, i) => `k${i}`);
  const sample = (n: number, labels: string[], weights: number[]) =>
    countsOf(categorySample(r, n, labels, weights));
  const same = sample(400, five, [1, 2, 3, 4, 5]);
  return [
    {
      name: 'three categories, similar',
      reference: sample(500, abc, [1, 1, 1]),
      current: sample(400, abc, [1.1, 1, 0.9]),
    },
    {
      name: 'five categories, shifted',
      reference: sample(800, five, [5, 4, 3, 2, 1]),
      current: sample(600, five, [1, 2, 3, 4, 5]),
    },
    {
      name: 'category only in current',
      reference: sample(300, abc, [1, 1, 1]),
      current: sample(300, [...abc, 'new'], [1, 1, 1, 0.2]),
    },
    {
      name: 'category only in reference',
      reference: sample(300, [...abc, 'gone'], [1, 1, 1, 0.5]),
      current: sample(250, abc, [1, 1, 1]),
    },
    {
      name: 'binary',
      reference: sample(700, ['no', 'yes'], [3, 1]),
      current: sample(900, ['no', 'yes'], [2.6, 1]),
    },
    {
      name: 'binary, one value on both sides',
      reference: new Map([['yes', 50]]),
      current: new Map([['yes', 70]]),
    },
    { name: 'identical', reference: same, current: new Map(same) },
    {
      name: 'many categories, large',
      reference: sample(
        5000,
        many,
        many.map((_, i) => 1 + (i % 7)),
      ),
      current: sample(
        8000,
        many,
        many.map((_, i) => 1 + (i % 5)),
      ),
    },
  ];
}

function kolmogorovGrid(): [number, number][] {
  const grid: [number, number][] = [];
  for (const n of [1, 2, 5, 13, 60, 140, 141, 2000, 20_000, 100_001, 400_000, 2_000_000]) {
    for (const x of [0.0004, 0.001, 0.002, 0.004, 0.01, 0.03, 0.06, 0.1, 0.2, 0.35, 0.5, 0.7, 0.95])
      grid.push([n, x]);
  }
  return grid;
}

interface ScipyNumeric {
  ksStatistic: number;
  ksPValue: number;
  wassersteinNormed: number;
  jensenShannon: number;
  psi: number;
}
interface ScipyCategorical {
  chiSquareStatistic: number;
  chiSquarePValue: number;
  jensenShannon: number;
  psi: number;
  zPValue: number;
}
interface ScipyResults {
  numeric: ScipyNumeric[];
  categorical: ScipyCategorical[];
  kolmogorov: number[];
  smirnov: number[];
}

describeWithPython('drift statistics agree with scipy', () => {
  const numeric = numericCases();
  const categorical = categoricalCases();
  const grid = kolmogorovGrid();
  let scipy: ScipyResults;

  beforeAll(() => {
    const dir = tempDir();
    const input = join(dir, 'cases.json');
    const output = join(dir, 'scipy.json');
    writeFileSync(
      input,
      JSON.stringify({
        numeric: numeric.map((c) => ({ reference: [...c.reference], current: [...c.current] })),
        categorical: categorical.map((c) => ({
          reference: Object.fromEntries(c.reference),
          current: Object.fromEntries(c.current),
        })),
        kolmogorov: grid,
      }),
    );
    execFileSync(pythonPath(), [SCRIPT, input, output], { stdio: ['ignore', 'ignore', 'inherit'] });
    // Non-finite numbers arrive as strings ("Infinity", "NaN"), which Number() reads back.
    scipy = JSON.parse(readFileSync(output, 'utf8'), (_key, value: unknown) =>
      typeof value === 'string' ? Number(value) : value,
    ) as ScipyResults;
  }, 120_000);

  it.each(numericCases().map((c, i) => [c.name, i] as const))('numeric: %s', (_name, i) => {
    const c = numeric[i]!;
    const expected = scipy.numeric[i]!;
    const ks = numericOutcome('ks', c.reference, c.current);
    expectAgreement('KS statistic', ks.statistic, expected.ksStatistic);
    expectAgreement('KS p-value', ks.pValue ?? NaN, expected.ksPValue);
    expectAgreement(
      'Wasserstein (normed)',
      numericOutcome('wasserstein', c.reference, c.current).statistic,
      expected.wassersteinNormed,
    );
    expectAgreement(
      'Jensen-Shannon',
      numericOutcome('jensenshannon', c.reference, c.current).statistic,
      expected.jensenShannon,
    );
    expectAgreement('PSI', numericOutcome('psi', c.reference, c.current).statistic, expected.psi);
  });

  it.each(categoricalCases().map((c, i) => [c.name, i] as const))('categorical: %s', (_name, i) => {
    const c = categorical[i]!;
    const expected = scipy.categorical[i]!;
    const chi = categoricalOutcome('chisquare', c.reference, c.current);
    if (Number.isNaN(expected.chiSquarePValue)) {
      expect(chi.pValue).toBeNaN(); // a single category: no degrees of freedom
    } else {
      expectAgreement('chi-square statistic', chi.statistic, expected.chiSquareStatistic);
      expectAgreement('chi-square p-value', chi.pValue ?? NaN, expected.chiSquarePValue);
    }
    expectAgreement(
      'Jensen-Shannon',
      categoricalOutcome('jensenshannon', c.reference, c.current).statistic,
      expected.jensenShannon,
    );
    expectAgreement('PSI', categoricalOutcome('psi', c.reference, c.current).statistic, expected.psi);
    expectAgreement(
      'Z-test p-value',
      categoricalOutcome('z', c.reference, c.current).pValue ?? NaN,
      expected.zPValue,
    );
  });

  it('Kolmogorov distribution (kstwo.sf) and one-sided smirnov agree over a grid of n and x', () => {
    grid.forEach(([n, x], i) => {
      expectAgreement(`kstwo.sf(${x}, ${n})`, kolmogorovSf(n, x), scipy.kolmogorov[i]!);
      expectAgreement(`smirnov(${n}, ${x})`, smirnovSf(n, x), scipy.smirnov[i]!);
    });
  });
});

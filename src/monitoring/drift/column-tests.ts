import { chiSquareTest } from './chi-square.js';
import type { DriftTestName } from './default-test.js';
import { histogramOfSorted, sturgesEdges } from './histogram.js';
import { jensenShannonDistance } from './jensen-shannon.js';
import { ksTwoSample } from './ks-two-sample.js';
import { toProportions } from './proportions.js';
import { psi } from './psi.js';
import { wassersteinDistanceNormed } from './wasserstein.js';
import { twoProportionZTest } from './z-test.js';

/** One test's outcome on one column, before the threshold is applied. */
export interface TestOutcome {
  statistic: number;
  pValue?: number;
}

/** Category → count, for one side of a categorical column. */
export type CategoryCounts = ReadonlyMap<string, number>;

/** The union of both sides' categories, in sorted order, with each side's counts aligned to it. */
export function alignCounts(
  reference: CategoryCounts,
  current: CategoryCounts,
): { keys: string[]; reference: Float64Array; current: Float64Array } {
  const keys = [...new Set([...reference.keys(), ...current.keys()])].sort(compareKeys);
  return {
    keys,
    reference: Float64Array.from(keys, (k) => reference.get(k) ?? 0),
    current: Float64Array.from(keys, (k) => current.get(k) ?? 0),
  };
}

/** Numbers (as labels of a numeric column's values) in numeric order, other labels by code unit. */
function compareKeys(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (a !== '' && b !== '' && !Number.isNaN(x) && !Number.isNaN(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Runs a test that works on category counts (chi-square, Z, Jensen–Shannon, PSI). */
export function categoricalOutcome(
  test: DriftTestName,
  reference: CategoryCounts,
  current: CategoryCounts,
): TestOutcome {
  const aligned = alignCounts(reference, current);
  switch (test) {
    case 'chisquare': {
      const { statistic, pValue } = chiSquareTest(aligned.reference, aligned.current);
      return { statistic, pValue };
    }
    case 'z': {
      const nReference = sum(aligned.reference);
      const nCurrent = sum(aligned.current);
      const { statistic, pValue } = twoProportionZTest(
        aligned.reference[0] ?? 0,
        nReference,
        aligned.current[0] ?? 0,
        nCurrent,
      );
      return { statistic, pValue };
    }
    case 'jensenshannon':
      return {
        statistic: jensenShannonDistance(toProportions(aligned.reference), toProportions(aligned.current)),
      };
    case 'psi':
      return { statistic: psi(aligned.reference, aligned.current) };
    default:
      throw new RangeError(`test ${test} does not apply to categories`);
  }
}

/**
 * Runs a test on a numeric column given both samples sorted. Tests on categories use one category
 * per distinct value; binned distances (Jensen–Shannon, PSI) bin like Evidently: Sturges bins over
 * the pooled range when the reference has more than 20 distinct values, else one bin per value.
 */
export function numericOutcome(
  test: DriftTestName,
  reference: Float64Array,
  current: Float64Array,
): TestOutcome {
  switch (test) {
    case 'ks': {
      const { statistic, pValue } = ksTwoSample(reference, current);
      return { statistic, pValue };
    }
    case 'wasserstein':
      return { statistic: wassersteinDistanceNormed(reference, current) };
    case 'chisquare':
    case 'z':
      return categoricalOutcome(test, valueCounts(reference), valueCounts(current));
    case 'jensenshannon':
    case 'psi': {
      if (distinctSorted(reference) <= 20) {
        return categoricalOutcome(test, valueCounts(reference), valueCounts(current));
      }
      const edges = pooledSturgesEdges(reference, current);
      const r = histogramOfSorted(reference, edges);
      const c = histogramOfSorted(current, edges);
      return {
        statistic: test === 'psi' ? psi(r, c) : jensenShannonDistance(toProportions(r), toProportions(c)),
      };
    }
  }
}

/** Sturges edges over the union of two sorted samples. */
export function pooledSturgesEdges(reference: Float64Array, current: Float64Array): Float64Array {
  const min = Math.min(reference[0] ?? Infinity, current[0] ?? Infinity);
  const max = Math.max(
    reference[reference.length - 1] ?? -Infinity,
    current[current.length - 1] ?? -Infinity,
  );
  return sturgesEdges(min, max, reference.length + current.length);
}

/** Distinct values of a sorted array. */
export function distinctSorted(sorted: Float64Array): number {
  let count = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) count++;
  return count;
}

/** Distinct values over two sorted arrays, by merging. */
export function distinctMerged(a: Float64Array, b: Float64Array): number {
  let i = 0;
  let j = 0;
  let count = 0;
  while (i < a.length || j < b.length) {
    const value = Math.min(i < a.length ? (a[i] ?? 0) : Infinity, j < b.length ? (b[j] ?? 0) : Infinity);
    while (i < a.length && a[i] === value) i++;
    while (j < b.length && b[j] === value) j++;
    count++;
  }
  return count;
}

/** Value → count of a sorted numeric sample, labels as JavaScript prints the numbers. */
export function valueCounts(sorted: Float64Array): Map<string, number> {
  const counts = new Map<string, number>();
  let i = 0;
  while (i < sorted.length) {
    const value = sorted[i] ?? 0;
    let j = i;
    while (j < sorted.length && sorted[j] === value) j++;
    counts.set(String(value), j - i);
    i = j;
  }
  return counts;
}

function sum(values: Float64Array): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

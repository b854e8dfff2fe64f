/**
 * Which test judges a column when the user names none, and its default threshold: Evidently's
 * rule (evidently `stattests/registry.py`, `_get_default_stattest`), by column kind, reference size
 * and the number of distinct values over both samples:
 *
 * | kind        | reference <= 1000 rows                         | reference > 1000 rows        |
 * |-------------|------------------------------------------------|------------------------------|
 * | numeric     | KS; chi-square if <= 5 values (Z-test if <= 2) | Wasserstein (normed); J–S if <= 5 values |
 * | categorical | chi-square; Z-test if <= 2 values              | Jensen–Shannon               |
 *
 * p-value tests drift below 0.05, distances at or above 0.1.
 */
export type ColumnKind = 'numeric' | 'categorical';

export type DriftTestName = 'ks' | 'wasserstein' | 'psi' | 'chisquare' | 'z' | 'jensenshannon';

export const driftTestNames: readonly DriftTestName[] = [
  'ks',
  'wasserstein',
  'psi',
  'chisquare',
  'z',
  'jensenshannon',
];

/** Tests that answer with a p-value (drift when it is small); the others are distances. */
export function isPValueTest(test: DriftTestName): boolean {
  return test === 'ks' || test === 'chisquare' || test === 'z';
}

export function defaultThreshold(test: DriftTestName): number {
  return isPValueTest(test) ? 0.05 : 0.1;
}

/** Tests that make sense for a column kind: categorical columns have no order for KS or W₁. */
export function testsFor(kind: ColumnKind): readonly DriftTestName[] {
  return kind === 'numeric' ? driftTestNames : ['psi', 'chisquare', 'z', 'jensenshannon'];
}

export function defaultTest(kind: ColumnKind, referenceSize: number, distinctValues: number): DriftTestName {
  const small = referenceSize <= 1000;
  const fewValues = distinctValues <= 5;
  if (kind === 'categorical' || fewValues) {
    if (!small) return 'jensenshannon';
    return distinctValues > 2 ? 'chisquare' : 'z';
  }
  return small ? 'ks' : 'wasserstein';
}

/**
 * The verdict: KS drifts when p <= threshold, chi-square and Z when p < threshold (as Evidently
 * compares them), distances when the value >= threshold.
 */
export function isDrifted(test: DriftTestName, score: number, threshold: number): boolean {
  if (Number.isNaN(score)) return false;
  if (test === 'ks') return score <= threshold;
  if (isPValueTest(test)) return score < threshold;
  return score >= threshold;
}

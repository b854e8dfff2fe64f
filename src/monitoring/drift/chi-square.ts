import { chiSquareSf } from './special-functions.js';

/**
 * Pearson's chi-square goodness-of-fit of the current category counts against the reference
 * proportions, as Evidently runs `scipy.stats.chisquare(f_obs, f_exp)`: f_exp = reference counts ×
 * (n_current / n_reference), statistic Σ (o − e)² / e, p-value = chi2.sf(statistic, k − 1) for k
 * categories seen on either side. A category absent from the reference has e = 0 and makes the
 * statistic infinite (p-value 0): a value never seen before is drift. Drift when p < threshold.
 */
export function chiSquareTest(
  referenceCounts: Float64Array,
  currentCounts: Float64Array,
): { statistic: number; pValue: number } {
  let nReference = 0;
  let nCurrent = 0;
  for (const c of referenceCounts) nReference += c;
  for (const c of currentCounts) nCurrent += c;
  const scale = nCurrent / nReference;
  let statistic = 0;
  for (let i = 0; i < referenceCounts.length; i++) {
    const expected = (referenceCounts[i] ?? 0) * scale;
    const observed = currentCounts[i] ?? 0;
    statistic += expected === 0 ? (observed === 0 ? 0 : Infinity) : (observed - expected) ** 2 / expected;
  }
  const degreesOfFreedom = referenceCounts.length - 1;
  const pValue = degreesOfFreedom > 0 ? chiSquareSf(statistic, degreesOfFreedom) : Number.NaN;
  return { statistic, pValue };
}

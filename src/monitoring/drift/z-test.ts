import { normalSf } from './special-functions.js';

/**
 * Two-proportion Z-test for a binary column, Evidently's default for categorical columns with two
 * values and a small reference: with p₁, p₂ the shares of the non-first category (keys sorted) in
 * reference and current and P the pooled share,
 *   z = (p₁ − p₂) / sqrt(P(1 − P)(1/n₁ + 1/n₂)),   p-value = 2 · (1 − Φ(|z|)).
 * When both samples hold the same single value the p-value is 1. Drift when p < threshold.
 * `firstCount*` count the first category (in sorted key order) of each sample.
 */
export function twoProportionZTest(
  firstCountReference: number,
  nReference: number,
  firstCountCurrent: number,
  nCurrent: number,
): { statistic: number; pValue: number } {
  const p1 = (nReference - firstCountReference) / nReference;
  const p2 = (nCurrent - firstCountCurrent) / nCurrent;
  const pooled = (p1 * nReference + p2 * nCurrent) / (nReference + nCurrent);
  if (pooled === 0 || pooled === 1) return { statistic: 0, pValue: 1 };
  const z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / nReference + 1 / nCurrent));
  return { statistic: z, pValue: 2 * normalSf(Math.abs(z)) };
}

import { fillEmptyBins, toProportions } from './proportions.js';

/**
 * Population Stability Index: PSI = Σᵢ (rᵢ − cᵢ) · ln(rᵢ / cᵢ) over aligned bins, rᵢ and cᵢ the
 * reference and current proportions (Yurdakul, "Statistical properties of population stability
 * index", 2018). Bins follow Evidently: numeric columns with more than 20 distinct reference values
 * use Sturges equal-width bins over the pooled range (histogram.ts), others one bin per value;
 * empty bins get Evidently's small fill (proportions.ts) so the logarithm stays finite.
 * Drift when PSI >= threshold (0.1 by default).
 */
export function psi(referenceCounts: Float64Array, currentCounts: Float64Array): number {
  const r = fillEmptyBins(toProportions(referenceCounts));
  const c = fillEmptyBins(toProportions(currentCounts));
  let sum = 0;
  for (let i = 0; i < r.length; i++) {
    const ri = r[i] ?? 0;
    const ci = c[i] ?? 0;
    sum += (ri - ci) * Math.log(ri / ci);
  }
  return sum;
}

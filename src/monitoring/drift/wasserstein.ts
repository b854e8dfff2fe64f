/**
 * First Wasserstein distance between two empirical distributions, as
 * `scipy.stats.wasserstein_distance(u, v)`: W₁ = ∫ |U(x) − V(x)| dx, the area between the two
 * empirical CDFs, summed over the gaps between consecutive pooled values. Evidently's
 * "Wasserstein distance (normed)" divides it by the reference's population standard deviation
 * (numpy's default ddof = 0), floored at 0.001 so that a constant reference does not divide by zero.
 * Inputs must be sorted ascending and free of NaN; O(n₁ + n₂).
 */
export function wassersteinDistance(sortedU: Float64Array, sortedV: Float64Array): number {
  const nu = sortedU.length;
  const nv = sortedV.length;
  if (nu === 0 || nv === 0) throw new RangeError('wassersteinDistance needs two non-empty samples');
  let i = 0;
  let j = 0;
  // Neumaier-compensated sum: millions of small areas.
  let sum = 0;
  let compensation = 0;
  let current = Math.min(sortedU[0] ?? 0, sortedV[0] ?? 0);
  while (i < nu || j < nv) {
    while (i < nu && sortedU[i] === current) i++;
    while (j < nv && sortedV[j] === current) j++;
    if (i === nu && j === nv) break;
    const nextValue = Math.min(i < nu ? (sortedU[i] ?? 0) : Infinity, j < nv ? (sortedV[j] ?? 0) : Infinity);
    const area = Math.abs(i / nu - j / nv) * (nextValue - current);
    const total = sum + area;
    compensation += Math.abs(sum) >= Math.abs(area) ? sum - total + area : area - total + sum;
    sum = total;
    current = nextValue;
  }
  return sum + compensation;
}

/** Population standard deviation (ddof = 0), two-pass. */
export function populationStd(values: Float64Array): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i] ?? 0;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = (values[i] ?? 0) - mean;
    squares += d * d;
  }
  return Math.sqrt(squares / n);
}

/** Evidently's normed Wasserstein distance: W₁ / max(std(reference), 0.001). */
export function wassersteinDistanceNormed(
  sortedReference: Float64Array,
  sortedCurrent: Float64Array,
): number {
  const norm = Math.max(populationStd(sortedReference), 0.001);
  return wassersteinDistance(sortedReference, sortedCurrent) / norm;
}

/**
 * Equal-width histograms as numpy builds them, so that binned statistics (PSI, Jensen–Shannon on
 * numeric columns) reproduce Evidently's, which bins with
 * `np.histogram_bin_edges(concat(reference, current), bins='sturges')`:
 * - Sturges' rule: width = (max − min) / (log₂(n) + 1), bins = ⌈(max − min) / width⌉;
 *   when max = min the range is widened to [min − 0.5, max + 0.5] with one bin;
 * - edges as `np.linspace(min, max, bins + 1)`: start + i·step, the last edge exactly max;
 * - a value falls in [eᵢ, eᵢ₊₁), the last bin closed on the right.
 */
export function sturgesEdges(min: number, max: number, count: number): Float64Array {
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const width = (max - min) / (Math.log2(count) + 1);
  const bins = width > 0 ? Math.ceil((last - first) / width) : 1;
  return linspace(first, last, bins + 1);
}

export function linspace(start: number, stop: number, num: number): Float64Array {
  const edges = new Float64Array(num);
  const div = num - 1;
  const step = (stop - start) / div;
  for (let i = 0; i < num; i++) edges[i] = i * step + start;
  if (num > 1) edges[num - 1] = stop;
  return edges;
}

/** Counts per bin of a sorted sample, by binary search for each edge: O(bins · log n). */
export function histogramOfSorted(sorted: Float64Array, edges: Float64Array): Float64Array {
  const bins = edges.length - 1;
  const counts = new Float64Array(bins);
  if (bins <= 0) return counts;
  const firstEdge = edges[0] ?? 0;
  const lastEdge = edges[bins] ?? 0;
  let start = lowerBound(sorted, firstEdge);
  for (let b = 0; b < bins; b++) {
    const end = b === bins - 1 ? upperBound(sorted, lastEdge) : lowerBound(sorted, edges[b + 1] ?? 0);
    counts[b] = Math.max(0, end - start);
    start = Math.max(start, end);
  }
  return counts;
}

/** First index whose value is >= target. */
export function lowerBound(sorted: Float64Array, target: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? 0) < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose value is > target. */
export function upperBound(sorted: Float64Array, target: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? 0) <= target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

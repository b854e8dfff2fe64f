/**
 * The two aligned frequency vectors every binned or categorical test starts from, built the way
 * Evidently's `get_binned_data` does: one entry per bin (or per category seen on either side),
 * each divided by its sample's size.
 */
export interface AlignedCounts {
  /** Bin or category labels, in a stable order. */
  keys: string[];
  reference: Float64Array;
  current: Float64Array;
}

export function toProportions(counts: Float64Array): Float64Array {
  let total = 0;
  for (const c of counts) total += c;
  return counts.map((c) => c / total);
}

/**
 * Evidently's fill for empty bins before taking logarithms: a zero proportion becomes
 * (smallest non-zero proportion of that vector) / 10⁶ when that smallest one is <= 0.0001,
 * else 0.0001. The vector is not renormalised afterwards.
 */
export function fillEmptyBins(proportions: Float64Array): Float64Array {
  let smallest = Infinity;
  for (const p of proportions) if (p !== 0 && p < smallest) smallest = p;
  const fill = smallest <= 0.0001 ? smallest / 1e6 : 0.0001;
  return proportions.map((p) => (p === 0 ? fill : p));
}

import { seededRandom, shuffledIndices } from '../../core/random.js';

/**
 * Per-feature quantile bins, as scikit-learn's HistGradientBoosting makes them
 * (`_find_binning_thresholds`): with at most `maxBins` distinct values, thresholds are the
 * midpoints between consecutive values; otherwise the distinct values among the `maxBins − 1`
 * inner quantiles. Missing values (NaN) get a bin of their own,
 * the last one (`missingBin = maxBins`), so each split can learn where they go.
 *
 * Trees compare float32 values, as the exported ONNX TreeEnsemble does: thresholds are rounded
 * to float32 and values are rounded to float32 before they are compared, so a bin seen in
 * training and a threshold in the exported graph send a value the same way.
 */
export interface BinMapper {
  maxBins: number;
  /** Index of the missing-value bin; value bins are `0..maxBins-1`. */
  missingBin: number;
  /** Per feature: ascending thresholds; a value `x` goes to the number of thresholds `< x`. */
  thresholds: Float64Array[];
  /** Per feature: how many value bins it uses (thresholds + 1). */
  valueBins: Int32Array;
  /** Per feature: whether the training data had missing values. */
  hasMissing: Uint8Array;
}

/**
 * scikit-learn caps thresholds (at 1e300) so that +Infinity only marks a "split on missing"; the
 * float32 equivalent is the largest finite float32.
 */
const ALMOST_INF = 3.4028234663852886e38;

/**
 * Learns thresholds from at most `subsample` rows (scikit-learn uses 200,000: quantiles from a
 * sample that size are as good as from all rows, for a fraction of the sorting).
 */
export function fitBinMapper(
  columns: readonly Float64Array[],
  options: { maxBins: number; subsample?: number; seed?: number },
): BinMapper {
  const { maxBins } = options;
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > 255) {
    throw new RangeError(`maxBins must be an integer in [2, 255], got ${maxBins}`);
  }
  const n = columns[0]?.length ?? 0;
  const subsample = options.subsample ?? 200_000;
  const rows =
    n > subsample ? shuffledIndices(n, seededRandom(options.seed ?? 0)).subarray(0, subsample) : undefined;
  const thresholds: Float64Array[] = [];
  const valueBins = new Int32Array(columns.length);
  const hasMissing = new Uint8Array(columns.length);
  columns.forEach((column, f) => {
    hasMissing[f] = column.some(Number.isNaN) ? 1 : 0;
    const values = sortedValues(column, rows);
    const cuts = featureThresholds(values, maxBins);
    thresholds.push(cuts);
    valueBins[f] = cuts.length + 1;
  });
  return { maxBins, missingBin: maxBins, thresholds, valueBins, hasMissing };
}

function sortedValues(column: Float64Array, rows: Uint32Array | undefined): Float64Array {
  const size = rows ? rows.length : column.length;
  const values = new Float64Array(size);
  let count = 0;
  for (let i = 0; i < size; i++) {
    const v = column[rows ? (rows[i] as number) : i] as number;
    if (!Number.isNaN(v)) values[count++] = Math.fround(v);
  }
  return values.subarray(0, count).sort();
}

function featureThresholds(sorted: Float64Array, maxBins: number): Float64Array {
  const distinct = distinctOf(sorted);
  let cuts: Float64Array;
  if (distinct.length <= maxBins) {
    cuts = new Float64Array(Math.max(0, distinct.length - 1));
    for (let i = 0; i < cuts.length; i++)
      cuts[i] = ((distinct[i] as number) + (distinct[i + 1] as number)) / 2;
  } else {
    cuts = new Float64Array(maxBins - 1);
    const step = 100 / maxBins; // np.linspace(0, 100, maxBins + 1)[1:-1]
    for (let k = 1; k < maxBins; k++) cuts[k - 1] = averagedInvertedCdf(sorted, (k * step) / 100);
    // Heavy ties give equal quantiles; scikit-learn keeps each threshold once.
    cuts = distinctOf(cuts);
  }
  for (let i = 0; i < cuts.length; i++) cuts[i] = Math.fround(Math.min(cuts[i] as number, ALMOST_INF));
  return cuts;
}

function distinctOf(sorted: Float64Array): Float64Array {
  const out = new Float64Array(sorted.length);
  let count = 0;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i] as number;
    if (count === 0 || out[count - 1] !== v) out[count++] = v;
  }
  return out.subarray(0, count);
}

/**
 * numpy's `percentile(method="averaged_inverted_cdf")`, scikit-learn's choice since 1.8: the
 * value above the quantile's position, or the mean of both neighbours when it falls on one.
 */
function averagedInvertedCdf(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  const index = n * q - 1;
  if (index >= n - 1) return sorted[n - 1] as number;
  if (index < 0) return sorted[0] as number;
  const below = Math.floor(index);
  const a = sorted[below] as number;
  const b = sorted[below + 1] as number;
  return index === below ? b - (b - a) * 0.5 : b;
}

/** Maps rows to bins: a column-major `Uint8Array` (`bins[f * n + i]`), one byte per value. */
export function binColumns(mapper: BinMapper, columns: readonly Float64Array[]): Uint8Array {
  const n = columns[0]?.length ?? 0;
  const bins = new Uint8Array(n * columns.length);
  const { missingBin } = mapper;
  // Thresholds padded with +Infinity to 256 entries: a fixed 8-step search with no early exit,
  // which the compiler turns into conditional moves instead of mispredicted branches.
  const padded = new Float64Array(256);
  columns.forEach((column, f) => {
    const offset = f * n;
    padded.fill(Infinity);
    padded.set(mapper.thresholds[f] as Float64Array);
    for (let i = 0; i < n; i++) {
      const value = column[i] as number;
      if (value !== value) {
        bins[offset + i] = missingBin;
        continue;
      }
      const x = Math.fround(value);
      let lo = 0;
      for (let step = 128; step >= 1; step >>= 1) lo += (padded[lo + step - 1] as number) < x ? step : 0;
      bins[offset + i] = lo;
    }
  });
  return bins;
}

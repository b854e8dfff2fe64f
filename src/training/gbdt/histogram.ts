/**
 * Gradient histograms: per feature and bin, the sum of gradients, the sum of hessians and the
 * number of rows, interleaved (`hist[((f * binsPerFeature) + b) * 3 + k]`) so one bin's three
 * sums share a cache line. Building is the hot loop of training (rows × features per node), so
 * these functions take typed arrays and plain numbers only.
 */
export const FIELDS = 3;
export const SUM_G = 0;
export const SUM_H = 1;
export const COUNT = 2;

/** Where a tree's rows live: the bin matrix and the per-row gradients of the current tree. */
export interface HistogramInputs {
  /** Column-major bins, `bins[f * rows + i]`. */
  bins: Uint8Array;
  rows: number;
  features: number;
  /** Bins per feature in the histogram (value bins plus the missing bin). */
  binsPerFeature: number;
  gradients: Float64Array;
  hessians: Float64Array;
}

export function newHistogram(inputs: HistogramInputs): Float64Array {
  return new Float64Array(inputs.features * inputs.binsPerFeature * FIELDS);
}

/** The histogram of all rows (the root): no index indirection, a straight pass per column. */
export function buildRootHistogram(inputs: HistogramInputs, hist: Float64Array): void {
  const { bins, rows, features, binsPerFeature, gradients, hessians } = inputs;
  hist.fill(0);
  for (let f = 0; f < features; f++) {
    const column = f * rows;
    const base = f * binsPerFeature * FIELDS;
    for (let i = 0; i < rows; i++) {
      const at = base + (bins[column + i] as number) * FIELDS;
      hist[at] = (hist[at] as number) + (gradients[i] as number);
      hist[at + 1] = (hist[at + 1] as number) + (hessians[i] as number);
      hist[at + 2] = (hist[at + 2] as number) + 1;
    }
  }
}

/**
 * The histogram of the rows `indices[start..end)`. Their gradients are first gathered into
 * `scratchG`/`scratchH` (once per node, not once per feature); the indices are ascending, so the
 * reads of each bin column move forward through memory.
 */
export function buildNodeHistogram(
  inputs: HistogramInputs,
  hist: Float64Array,
  indices: Uint32Array,
  start: number,
  end: number,
  scratchG: Float64Array,
  scratchH: Float64Array,
): void {
  const { bins, rows, features, binsPerFeature, gradients, hessians } = inputs;
  hist.fill(0);
  const size = end - start;
  for (let k = 0; k < size; k++) {
    const i = indices[start + k] as number;
    scratchG[k] = gradients[i] as number;
    scratchH[k] = hessians[i] as number;
  }
  for (let f = 0; f < features; f++) {
    const column = f * rows;
    const base = f * binsPerFeature * FIELDS;
    for (let k = 0; k < size; k++) {
      const at = base + (bins[column + (indices[start + k] as number)] as number) * FIELDS;
      hist[at] = (hist[at] as number) + (scratchG[k] as number);
      hist[at + 1] = (hist[at + 1] as number) + (scratchH[k] as number);
      hist[at + 2] = (hist[at + 2] as number) + 1;
    }
  }
}

/** The subtraction trick: a sibling's histogram is its parent's minus the other child's. */
export function subtractHistogram(parent: Float64Array, child: Float64Array, out: Float64Array): void {
  for (let j = 0; j < out.length; j++) out[j] = (parent[j] as number) - (child[j] as number);
}

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

/** The histogram of all rows (the root): no index indirection, straight passes over the columns. */
export function buildRootHistogram(inputs: HistogramInputs, hist: Float64Array): void {
  const { rows, features } = inputs;
  hist.fill(0);
  let f = 0;
  for (; f + 3 < features; f += 4)
    accumulateQuad(inputs, hist, f, undefined, 0, rows, inputs.gradients, inputs.hessians);
  for (; f + 1 < features; f += 2)
    accumulatePair(inputs, hist, f, undefined, 0, rows, inputs.gradients, inputs.hessians);
  if (f < features) accumulateOne(inputs, hist, f, undefined, 0, rows, inputs.gradients, inputs.hessians);
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
  const { features, gradients, hessians } = inputs;
  hist.fill(0);
  const size = end - start;
  for (let k = 0; k < size; k++) {
    const i = indices[start + k] as number;
    scratchG[k] = gradients[i] as number;
    scratchH[k] = hessians[i] as number;
  }
  const rows = indices.subarray(start, end);
  let f = 0;
  for (; f + 3 < features; f += 4) accumulateQuad(inputs, hist, f, rows, 0, size, scratchG, scratchH);
  for (; f + 1 < features; f += 2) accumulatePair(inputs, hist, f, rows, 0, size, scratchG, scratchH);
  if (f < features) accumulateOne(inputs, hist, f, rows, 0, size, scratchG, scratchH);
}

/**
 * Adds rows `k in [from, to)` (row `rows[k]`, or `k` itself without `rows`) with gradients
 * `g[k]`/`h[k]` to features `f` and `f + 1` in one pass: each row's index and gradients are read
 * once for two features, which halves the loads of the hot loop (about 2× faster measured).
 * Each bin still sums its rows in row order, so results do not change.
 */
function accumulatePair(
  inputs: HistogramInputs,
  hist: Float64Array,
  f: number,
  rows: Uint32Array | undefined,
  from: number,
  to: number,
  g: Float64Array,
  h: Float64Array,
): void {
  const { bins, rows: n, binsPerFeature } = inputs;
  const c0 = f * n;
  const c1 = c0 + n;
  const b0 = f * binsPerFeature * FIELDS;
  const b1 = b0 + binsPerFeature * FIELDS;
  for (let k = from; k < to; k++) {
    const i = rows ? (rows[k] as number) : k;
    const gv = g[k] as number;
    const hv = h[k] as number;
    const a0 = b0 + (bins[c0 + i] as number) * FIELDS;
    const a1 = b1 + (bins[c1 + i] as number) * FIELDS;
    hist[a0] = (hist[a0] as number) + gv;
    hist[a0 + 1] = (hist[a0 + 1] as number) + hv;
    hist[a0 + 2] = (hist[a0 + 2] as number) + 1;
    hist[a1] = (hist[a1] as number) + gv;
    hist[a1 + 1] = (hist[a1 + 1] as number) + hv;
    hist[a1 + 2] = (hist[a1 + 2] as number) + 1;
  }
}

/** As `accumulatePair`, for four features per pass (another ~15% on 1M rows × 30 features). */
function accumulateQuad(
  inputs: HistogramInputs,
  hist: Float64Array,
  f: number,
  rows: Uint32Array | undefined,
  from: number,
  to: number,
  g: Float64Array,
  h: Float64Array,
): void {
  const { bins, rows: n, binsPerFeature } = inputs;
  const c0 = f * n;
  const stride = binsPerFeature * FIELDS;
  const b0 = f * stride;
  for (let k = from; k < to; k++) {
    const i = rows ? (rows[k] as number) : k;
    const gv = g[k] as number;
    const hv = h[k] as number;
    const a0 = b0 + (bins[c0 + i] as number) * FIELDS;
    const a1 = b0 + stride + (bins[c0 + n + i] as number) * FIELDS;
    const a2 = b0 + 2 * stride + (bins[c0 + 2 * n + i] as number) * FIELDS;
    const a3 = b0 + 3 * stride + (bins[c0 + 3 * n + i] as number) * FIELDS;
    hist[a0] = (hist[a0] as number) + gv;
    hist[a0 + 1] = (hist[a0 + 1] as number) + hv;
    hist[a0 + 2] = (hist[a0 + 2] as number) + 1;
    hist[a1] = (hist[a1] as number) + gv;
    hist[a1 + 1] = (hist[a1 + 1] as number) + hv;
    hist[a1 + 2] = (hist[a1 + 2] as number) + 1;
    hist[a2] = (hist[a2] as number) + gv;
    hist[a2 + 1] = (hist[a2 + 1] as number) + hv;
    hist[a2 + 2] = (hist[a2 + 2] as number) + 1;
    hist[a3] = (hist[a3] as number) + gv;
    hist[a3 + 1] = (hist[a3 + 1] as number) + hv;
    hist[a3 + 2] = (hist[a3 + 2] as number) + 1;
  }
}

function accumulateOne(
  inputs: HistogramInputs,
  hist: Float64Array,
  f: number,
  rows: Uint32Array | undefined,
  from: number,
  to: number,
  g: Float64Array,
  h: Float64Array,
): void {
  const { bins, rows: n, binsPerFeature } = inputs;
  const column = f * n;
  const base = f * binsPerFeature * FIELDS;
  for (let k = from; k < to; k++) {
    const at = base + (bins[column + (rows ? (rows[k] as number) : k)] as number) * FIELDS;
    hist[at] = (hist[at] as number) + (g[k] as number);
    hist[at + 1] = (hist[at + 1] as number) + (h[k] as number);
    hist[at + 2] = (hist[at + 2] as number) + 1;
  }
}

/** The subtraction trick: a sibling's histogram is its parent's minus the other child's. */
export function subtractHistogram(parent: Float64Array, child: Float64Array, out: Float64Array): void {
  for (let j = 0; j < out.length; j++) out[j] = (parent[j] as number) - (child[j] as number);
}

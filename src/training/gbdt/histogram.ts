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

/** Builds gradient histograms for a tree grower. */
export interface HistogramBuilder {
  /** Threads that build each histogram (the caller's included). */
  readonly threads: number;
  newHistogram(): Float64Array;
  /** The histogram of all rows (the root) on the current gradients. */
  root(hist: Float64Array): void;
  /** The histogram of the rows `indices[start..end)` (ascending within the range). */
  node(hist: Float64Array, indices: Uint32Array, start: number, end: number): void;
  /** Stops any threads; the builder is not used afterwards. */
  close(): void;
}

/** Builds every histogram on the calling thread. */
export class SerialHistograms implements HistogramBuilder {
  readonly threads = 1;
  private readonly scratchG: Float64Array;
  private readonly scratchH: Float64Array;

  constructor(private readonly inputs: HistogramInputs) {
    this.scratchG = new Float64Array(inputs.rows);
    this.scratchH = new Float64Array(inputs.rows);
  }

  newHistogram(): Float64Array {
    return new Float64Array(this.inputs.features * this.inputs.binsPerFeature * FIELDS);
  }

  root(hist: Float64Array): void {
    const { inputs } = this;
    accumulateFeatures(
      inputs,
      hist,
      0,
      inputs.features,
      undefined,
      inputs.rows,
      inputs.gradients,
      inputs.hessians,
    );
  }

  node(hist: Float64Array, indices: Uint32Array, start: number, end: number): void {
    const size = gatherGradients(this.inputs, indices, start, end, this.scratchG, this.scratchH);
    const rows = indices.subarray(start, end);
    accumulateFeatures(this.inputs, hist, 0, this.inputs.features, rows, size, this.scratchG, this.scratchH);
  }

  close(): void {}
}

/**
 * Copies the gradients of rows `indices[start..end)` into `g`/`h` at positions `0..size)`, once per
 * node rather than once per feature; the indices ascend, so the reads move forward through memory.
 */
export function gatherGradients(
  inputs: HistogramInputs,
  indices: Uint32Array,
  start: number,
  end: number,
  g: Float64Array,
  h: Float64Array,
): number {
  const { gradients, hessians } = inputs;
  const size = end - start;
  for (let k = 0; k < size; k++) {
    const i = indices[start + k] as number;
    g[k] = gradients[i] as number;
    h[k] = hessians[i] as number;
  }
  return size;
}

/**
 * Zeroes features `[from, to)` of `hist` and adds rows `k in [0, size)` (row `rows[k]`, or `k`
 * itself without `rows`) with gradients `g[k]`/`h[k]`, four features per pass while it can. Each
 * feature's bins sum their rows in row order whichever pass or thread handles it, so a histogram
 * split across threads is bit-for-bit the serial one.
 */
export function accumulateFeatures(
  inputs: HistogramInputs,
  hist: Float64Array,
  from: number,
  to: number,
  rows: Uint32Array | undefined,
  size: number,
  g: Float64Array,
  h: Float64Array,
): void {
  const stride = inputs.binsPerFeature * FIELDS;
  hist.fill(0, from * stride, to * stride);
  let f = from;
  for (; f + 3 < to; f += 4) accumulateQuad(inputs, hist, f, rows, 0, size, g, h);
  for (; f + 1 < to; f += 2) accumulatePair(inputs, hist, f, rows, 0, size, g, h);
  if (f < to) accumulateOne(inputs, hist, f, rows, 0, size, g, h);
}

/**
 * Adds rows `k in [from, to)` (row `rows[k]`, or `k` itself without `rows`) with gradients
 * `g[k]`/`h[k]` to features `f` and `f + 1` in one pass: each row's index and gradients are read
 * once for two features, which halves the loads of the hot loop (about 2× faster measured).
 * Each bin still sums its rows in row order, so results do not change.
 */
export function accumulatePair(
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
export function accumulateQuad(
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

export function accumulateOne(
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

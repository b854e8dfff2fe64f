import { Worker } from 'node:worker_threads';
import {
  accumulateFeatures,
  accumulateOne,
  accumulatePair,
  accumulateQuad,
  FIELDS,
  gatherGradients,
  type HistogramBuilder,
  type HistogramInputs,
} from './histogram.js';

// One control block per helper thread, in shared memory (Int32 slots).
const GENERATION = 0; // bumped by the main thread to hand out a job
const DONE = 1; // set by the helper to the generation it finished
const SLOT = 2; // histogram slot in the arena
const SIZE = 3; // rows in the node
const FEATURE_FROM = 4;
const FEATURE_TO = 5;
const ROOT = 6; // 1: all rows in order (no index indirection)
const QUIT = 7;
const READY = 8; // set by the helper once it runs
const FAILED = 9; // set by the helper when its kernel threw
const CONTROL_SLOTS = 10;
/** A helper that has not started by then is taken as unable to start. */
const START_TIMEOUT_MS = 10_000;

/**
 * Helper threads run the very kernels of `histogram.ts`: their source is the compiled functions'
 * text, so there is no second copy to drift and no separate worker file to resolve at run time
 * (under the TypeScript loader in development, or compiled in the package). A helper waits on its
 * control block, builds its share of features into the shared histogram, and signals back.
 */
const helperSource = `
const { workerData } = require('node:worker_threads');
const FIELDS = ${FIELDS};
${accumulateQuad.toString()}
${accumulatePair.toString()}
${accumulateOne.toString()}
${accumulateFeatures.toString()}
const d = workerData;
const control = new Int32Array(d.control);
const inputs = { bins: new Uint8Array(d.bins), rows: d.rows, features: d.features, binsPerFeature: d.binsPerFeature };
const indices = new Uint32Array(d.indices);
const g = new Float64Array(d.scratchG);
const h = new Float64Array(d.scratchH);
const histLength = d.features * d.binsPerFeature * FIELDS;
let seen = 0;
Atomics.store(control, ${READY}, 1);
Atomics.notify(control, ${READY});
for (;;) {
  Atomics.wait(control, ${GENERATION}, seen);
  seen = Atomics.load(control, ${GENERATION});
  if (control[${QUIT}] === 1) break;
  try {
    const hist = new Float64Array(d.arena, control[${SLOT}] * histLength * 8, histLength);
    const size = control[${SIZE}];
    const rows = control[${ROOT}] === 1 ? undefined : indices.subarray(0, size);
    accumulateFeatures(inputs, hist, control[${FEATURE_FROM}], control[${FEATURE_TO}], rows, size, g, h);
  } catch (error) {
    Atomics.store(control, ${FAILED}, 1);
  }
  Atomics.store(control, ${DONE}, seen);
  Atomics.notify(control, ${DONE});
}
`;

/**
 * Builds each histogram on several threads, each taking a contiguous share of the features (the
 * calling thread takes the first). The bins, row indices, gathered gradients and histograms live
 * in shared memory; the calling thread blocks on `Atomics.wait` for its helpers, so training stays
 * one synchronous call. Results are bit-for-bit those of `SerialHistograms`.
 */
export class ThreadedHistograms implements HistogramBuilder {
  readonly threads: number;
  /** The rows of the node being built, copied where the helpers see them. */
  private readonly nodeRows: Uint32Array;
  private readonly scratchG: Float64Array;
  private readonly scratchH: Float64Array;
  private readonly arena: SharedArrayBuffer;
  private readonly histLength: number;
  private readonly free: number[] = [];
  private readonly slots = new Map<Float64Array, number>();
  private readonly helpers: Array<{ worker: Worker; control: Int32Array; from: number; to: number }> = [];
  private readonly ownFeatures: number;
  private generation = 0;

  /**
   * `maxHistograms` bounds how many histograms are alive at once (a grower holds one per
   * splittable node, so at most its leaf budget plus two).
   */
  constructor(
    /** Read, not copied: the caller swaps in each tree's gradients. */
    private readonly inputs: HistogramInputs,
    threads: number,
    maxHistograms: number,
  ) {
    // The helpers read a shared copy of the bins; this thread reads the caller's.
    const shared = new SharedArrayBuffer(inputs.bins.length);
    new Uint8Array(shared).set(inputs.bins);
    const { rows, features, binsPerFeature } = inputs;
    this.nodeRows = new Uint32Array(new SharedArrayBuffer(rows * 4));
    this.scratchG = new Float64Array(new SharedArrayBuffer(rows * 8));
    this.scratchH = new Float64Array(new SharedArrayBuffer(rows * 8));
    this.histLength = features * binsPerFeature * FIELDS;
    this.arena = new SharedArrayBuffer(maxHistograms * this.histLength * 8);
    for (let slot = maxHistograms - 1; slot >= 0; slot--) this.free.push(slot);

    // Shares in whole groups of four features where possible: the kernel's widest pass.
    const shares = Math.min(threads, Math.ceil(features / 4));
    const per = Math.ceil(features / shares / 4) * 4;
    this.ownFeatures = Math.min(per, features);
    for (let from = per; from < features; from += per) {
      const control = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * 4));
      const worker = new Worker(helperSource, {
        eval: true,
        workerData: {
          control: control.buffer,
          bins: shared,
          rows,
          features,
          binsPerFeature,
          indices: this.nodeRows.buffer,
          scratchG: this.scratchG.buffer,
          scratchH: this.scratchH.buffer,
          arena: this.arena,
        },
      });
      worker.unref();
      this.helpers.push({ worker, control, from, to: Math.min(from + per, features) });
    }
    this.threads = this.helpers.length + 1;
    for (const { control } of this.helpers) {
      if (Atomics.wait(control, READY, 0, START_TIMEOUT_MS) === 'timed-out') {
        this.close();
        throw new Error(`a histogram thread did not start within ${START_TIMEOUT_MS / 1000} s`);
      }
    }
  }

  newHistogram(): Float64Array {
    const slot = this.free.pop();
    if (slot === undefined) throw new Error('histogram arena exhausted: more histograms alive than allotted');
    const hist = new Float64Array(this.arena, slot * this.histLength * 8, this.histLength);
    this.slots.set(hist, slot);
    return hist;
  }

  root(hist: Float64Array): void {
    this.scratchG.set(this.inputs.gradients);
    this.scratchH.set(this.inputs.hessians);
    this.build(hist, this.inputs.rows, undefined);
  }

  node(hist: Float64Array, indices: Uint32Array, start: number, end: number): void {
    const size = gatherGradients(this.inputs, indices, start, end, this.scratchG, this.scratchH);
    const rows = indices.subarray(start, end);
    this.nodeRows.set(rows);
    this.build(hist, size, rows);
  }

  close(): void {
    for (const { worker, control } of this.helpers) {
      Atomics.store(control, QUIT, 1);
      Atomics.add(control, GENERATION, 1);
      Atomics.notify(control, GENERATION);
      void worker.terminate();
    }
    this.helpers.length = 0;
  }

  /**
   * `rows`: this thread's view of the node's rows, undefined for the root (all rows in order); the
   * helpers read their shared copy.
   */
  private build(hist: Float64Array, size: number, rows: Uint32Array | undefined): void {
    const slot = this.slots.get(hist);
    if (slot === undefined) throw new Error('histogram not from this builder');
    this.generation += 1;
    for (const { control, from, to } of this.helpers) {
      control[SLOT] = slot;
      control[SIZE] = size;
      control[FEATURE_FROM] = from;
      control[FEATURE_TO] = to;
      control[ROOT] = rows === undefined ? 1 : 0;
      Atomics.store(control, GENERATION, this.generation);
      Atomics.notify(control, GENERATION);
    }
    accumulateFeatures(this.inputs, hist, 0, this.ownFeatures, rows, size, this.scratchG, this.scratchH);
    for (const { control } of this.helpers) {
      for (
        let done = Atomics.load(control, DONE);
        done !== this.generation;
        done = Atomics.load(control, DONE)
      )
        Atomics.wait(control, DONE, done);
      if (control[FAILED] === 1) throw new Error('a histogram thread failed');
    }
  }
}

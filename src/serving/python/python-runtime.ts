import { isMloopError, MloopError } from '../../core/errors.js';
import type { Logger } from '../../core/logging.js';
import type { FeatureSpec, ModelMetadata } from '../../registry/model-metadata.js';
import { defaultBatchLimits, parseRecords, type BatchLimits, type FeatureColumn } from '../feature-batch.js';
import type { OutputDescription, Prediction } from '../model-runtime.js';
import type { ScoringRuntime } from '../scoring-runtime.js';
import { PythonWorker, type WorkerAnswer, type WorkerReady } from './python-worker.js';

export interface PythonRuntimeOptions {
  /** The interpreter of the model's environment. */
  python: string;
  /** Local directory of the MLflow model. */
  modelDir: string;
  /** `NAME/VERSION`, for messages and logs. */
  label: string;
  /** Worker processes (default 1). */
  workers?: number;
  /**
   * Most records one batch sends to a worker (default 64). Requests are never split, so a request
   * larger than this goes alone.
   */
  maxBatchRecords?: number;
  /**
   * How long queued records may wait for more to fill a batch while other workers are busy
   * (default 2 ms). With a worker idle and the others idle too, a request goes at once.
   */
  maxWaitMs?: number;
  limits?: BatchLimits;
  logger?: Logger | undefined;
  /** Told each time a worker that died is replaced. */
  onRestart?: () => void;
}

/** Requests waiting for a worker. */
interface Queued {
  size: number;
  columns: Record<string, unknown[]>;
  enqueued: number;
  /** Score this request in a batch of its own (its batch failed, and one record may be why). */
  alone: boolean;
  resolve: (answer: WorkerAnswer) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: PythonWorker;
  ready: boolean;
  /** Workers of this slot that died before getting ready, in a row (backs off restarts). */
  failedStarts: number;
}

/**
 * A model served by supervised Python worker processes. Concurrent requests are batched
 * adaptively: a worker that comes free takes every queued request up to `maxBatchRecords`, so
 * under load each call to the model scores many records while a lone caller is answered at
 * once. A worker that dies is replaced (and counted); the requests it was scoring fail with 503.
 */
export class PythonRuntime implements ScoringRuntime {
  readonly metadata: ModelMetadata;
  readonly outputs: OutputDescription[];
  readonly classLabels: Array<string | number> | undefined;
  private readonly queue: Queued[] = [];
  private readonly maxBatch: number;
  private readonly maxWaitMs: number;
  private readonly limits: BatchLimits;
  private timer: NodeJS.Timeout | undefined;
  private released = false;

  private constructor(
    private readonly options: PythonRuntimeOptions,
    private readonly slots: Slot[],
    ready: WorkerReady,
  ) {
    this.maxBatch = options.maxBatchRecords ?? 64;
    this.maxWaitMs = options.maxWaitMs ?? 2;
    this.limits = options.limits ?? defaultBatchLimits;
    this.metadata = metadataOf(ready);
    this.classLabels = ready.classes ?? undefined;
    this.outputs = [
      {
        name: 'predictions',
        role: ready.task === 'regression' ? 'value' : 'label',
        type:
          ready.task === 'regression'
            ? 'float64'
            : ready.classes?.every((c) => typeof c === 'number')
              ? 'int64'
              : 'string',
      },
      ...(ready.classes ? [{ name: 'probabilities', role: 'probabilities' as const, type: 'float64' }] : []),
    ];
  }

  /** Starts the workers and resolves once every one has loaded the model. */
  static async load(options: PythonRuntimeOptions): Promise<PythonRuntime> {
    const count = Math.max(1, options.workers ?? 1);
    const slots: Slot[] = [];
    // Workers that die before the runtime exists fail the load instead; after, they are replaced.
    const started: { runtime?: PythonRuntime } = {};
    for (let i = 0; i < count; i++)
      slots.push({
        worker: startWorker(options, (w) => started.runtime?.replace(w)),
        ready: false,
        failedStarts: 0,
      });
    let ready: WorkerReady[];
    try {
      ready = await Promise.all(slots.map((s) => s.worker.ready));
    } catch (error) {
      for (const s of slots) s.worker.stop();
      throw error;
    }
    for (const s of slots) s.ready = true;
    const runtime = new PythonRuntime(options, slots, ready[0] as WorkerReady);
    started.runtime = runtime;
    // A worker that died between getting ready and now is replaced like any other.
    for (const s of slots) if (!s.worker.alive) runtime.replace(s.worker);
    return runtime;
  }

  /** Process ids of the live workers, for tools and tests. */
  workerPids(): number[] {
    return this.slots.filter((s) => s.ready && s.worker.alive).flatMap((s) => s.worker.pid ?? []);
  }

  async predict(records: readonly unknown[]): Promise<Prediction[]> {
    if (this.released) throw new MloopError('INTERNAL_ERROR', 'Python model used after release');
    const batch = parseRecords(this.metadata.inputs, records, this.limits);
    const columns: Record<string, unknown[]> = {};
    batch.features.forEach((f, i) => (columns[f.name] = plainValues(batch.columns[i] as FeatureColumn)));
    if (!this.slots.some((s) => s.ready)) throw this.restarting();
    const answer = await new Promise<WorkerAnswer>((resolve, reject) => {
      this.queue.push({
        size: batch.size,
        columns,
        enqueued: performance.now(),
        alone: false,
        resolve,
        reject,
      });
      this.dispatch();
    });
    return this.decode(batch.size, answer);
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.timer) clearTimeout(this.timer);
    for (const q of this.queue.splice(0))
      q.reject(new MloopError('TEMPORARILY_UNAVAILABLE', `${this.options.label} was unloaded`));
    for (const s of this.slots) s.worker.stop();
  }

  /** Sends queued requests to idle workers, as batches. */
  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => s.ready && s.worker.alive && !s.worker.busy);
      if (!slot) return;
      const queued = this.queue.reduce((n, q) => n + q.size, 0);
      const othersBusy = this.slots.some((s) => s.worker.busy);
      const waited = performance.now() - (this.queue[0] as Queued).enqueued;
      // Under load, a short wait fills the batch; alone, waiting would only add latency.
      if (queued < this.maxBatch && othersBusy && waited < this.maxWaitMs) {
        this.timer ??= setTimeout(
          () => {
            this.timer = undefined;
            this.dispatch();
          },
          Math.max(0, this.maxWaitMs - waited),
        );
        return;
      }
      this.run(slot.worker, this.takeBatch());
    }
  }

  private takeBatch(): Queued[] {
    const first = this.queue.shift() as Queued;
    const batch = [first];
    if (first.alone) return batch;
    let size = first.size;
    while (this.queue.length > 0) {
      const next = this.queue[0] as Queued;
      if (next.alone || size + next.size > this.maxBatch) break;
      batch.push(this.queue.shift() as Queued);
      size += next.size;
    }
    return batch;
  }

  private run(worker: PythonWorker, batch: Queued[]): void {
    const columns: Record<string, unknown[]> = {};
    for (const f of this.metadata.inputs) {
      columns[f.name] =
        batch.length === 1
          ? ((batch[0] as Queued).columns[f.name] ?? [])
          : batch.flatMap((q) => q.columns[f.name] ?? []);
    }
    worker.score(columns).then(
      (answer) => {
        let offset = 0;
        for (const q of batch) {
          q.resolve({
            predictions: answer.predictions.slice(offset, offset + q.size),
            ...(answer.probabilities
              ? { probabilities: answer.probabilities.slice(offset, offset + q.size) }
              : {}),
          });
          offset += q.size;
        }
        this.dispatch();
      },
      (error: Error) => {
        const died = isMloopError(error) && error.code === 'TEMPORARILY_UNAVAILABLE';
        if (batch.length > 1 && !died) {
          // One request's records may have failed the whole batch: score each alone, so only
          // that request fails.
          this.queue.unshift(...batch.map((q) => ({ ...q, alone: true })));
        } else {
          for (const q of batch) q.reject(error);
        }
        this.dispatch();
      },
    );
  }

  /** Replaces a worker that ended, unless the model is being released. */
  private replace(worker: PythonWorker): void {
    const slot = this.slots.find((s) => s.worker === worker);
    if (!slot || this.released) return;
    if (!slot.ready) slot.failedStarts += 1;
    slot.ready = false;
    if (!this.slots.some((s) => s.ready)) {
      // No worker left to take them: fail the waiting requests now rather than hold them.
      for (const q of this.queue.splice(0)) q.reject(this.restarting());
    }
    // Back off a worker that keeps dying before it is ready (a model that crashes on load).
    const delay = Math.min(10_000, slot.failedStarts === 0 ? 0 : 250 * 2 ** slot.failedStarts);
    setTimeout(() => {
      if (this.released) return;
      const next = startWorker(this.options, (w) => this.replace(w));
      slot.worker = next;
      this.options.onRestart?.();
      next.ready.then(
        () => {
          if (slot.worker !== next) return;
          slot.ready = true;
          slot.failedStarts = 0;
          this.dispatch();
        },
        () => undefined,
      );
    }, delay).unref();
  }

  private restarting(): MloopError {
    return new MloopError(
      'TEMPORARILY_UNAVAILABLE',
      `the Python workers serving ${this.options.label} are restarting; retry`,
    );
  }

  private decode(n: number, answer: WorkerAnswer): Prediction[] {
    const { predictions, probabilities } = answer;
    if (predictions.length !== n)
      throw new MloopError(
        'INTERNAL_ERROR',
        `${this.options.label} returned ${predictions.length} predictions for ${n} records`,
      );
    const regression = this.metadata.task === 'regression';
    const keys = this.classLabels?.map(String);
    return predictions.map((raw, i) => {
      const prediction: Prediction = regression
        ? { value: raw === null ? Number.NaN : Number(raw) }
        : { label: typeof raw === 'number' || typeof raw === 'string' ? raw : String(raw) };
      const row = probabilities?.[i];
      if (row && keys) {
        const byClass: Record<string, number> = {};
        keys.forEach((k, j) => (byClass[k] = row[j] as number));
        prediction.probabilities = byClass;
      }
      return prediction;
    });
  }
}

function startWorker(options: PythonRuntimeOptions, onExit: (worker: PythonWorker) => void): PythonWorker {
  const { python, modelDir, label, logger } = options;
  return new PythonWorker({ python, modelDir, label, logger, onExit });
}

function metadataOf(ready: WorkerReady): ModelMetadata {
  const inputs: FeatureSpec[] = ready.inputs.map((f) => ({
    name: f.name,
    type: f.type,
    // pandas takes a missing float as NaN, so a float column may be null as in MLflow's serving.
    ...(f.optional ? { optional: true } : {}),
    ...(f.type === 'float32' || f.type === 'float64' ? { nullable: true } : {}),
  }));
  return {
    format: 'mlflow-pyfunc',
    task: ready.task,
    inputs,
    layout: { kind: 'columns' },
    outputs: { label: 'predictions', ...(ready.classes ? { probabilities: 'probabilities' } : {}) },
    ...(ready.classes ? { classLabels: ready.classes } : {}),
  };
}

/** A typed column as JSON values (NaN becomes null on the wire, which pandas reads as NaN). */
function plainValues(column: FeatureColumn): unknown[] {
  switch (column.type) {
    case 'int64':
      return Array.from(column.values, Number);
    case 'bool':
      return Array.from(column.values, (v) => v === 1);
    case 'string':
      return column.values;
    default:
      return Array.from(column.values);
  }
}

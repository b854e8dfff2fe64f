import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { loadOnnxRuntime } from '../registry/onnxruntime.js';
import { MloopError } from '../core/errors.js';
import type { ModelMetadata, ModelPackage } from '../registry/model-metadata.js';
import { defaultBatchLimits, parseRecords, type BatchLimits, type FeatureBatch } from './feature-batch.js';
import { buildFeeds, checkLayout, type TensorConstructor } from './onnx-feeds.js';
import { exposeZipMapInputs } from './onnx-zipmap.js';

/** What a model says about one record. */
export interface Prediction {
  /** The predicted class (classification). */
  label?: string | number;
  /** The predicted value (regression). */
  value?: number;
  /** Class label → probability (classifiers with a probability output). */
  probabilities?: Record<string, number>;
}

/** An output as serving returns it, for metadata endpoints. */
export interface OutputDescription {
  /** The ONNX output name. */
  name: string;
  role: 'label' | 'value' | 'probabilities';
  /** ONNX element type: `string`, `int64`, `float32`… */
  type: string;
}

export interface ModelRuntimeOptions {
  limits?: BatchLimits;
  /**
   * Threads onnxruntime uses inside one operator (default 1). onnxruntime-node runs a session on
   * the event loop's thread, one request at a time, so for the small tabular models served here
   * extra threads mostly spin and take CPU from request handling; raise it for large models.
   */
  intraOpThreads?: number;
}

/**
 * A model package loaded into an onnxruntime session: validates records against the signature,
 * runs them as one batch and decodes the outputs per record. Release it when no request uses it.
 */
export class ModelRuntime {
  private released = false;

  private constructor(
    private readonly session: InferenceSession,
    private readonly Tensor: TensorConstructor,
    readonly metadata: ModelMetadata,
    readonly sha256: string,
    /** The graph output to fetch for labels/values and for probabilities. */
    private readonly fetch: { label: string; probabilities: string | undefined },
    /** Probability column order. */
    readonly classLabels: Array<string | number> | undefined,
    readonly outputs: OutputDescription[],
    private readonly limits: BatchLimits,
  ) {}

  /**
   * Creates the session from the package's bytes (rewriting a ZipMap probability output into a
   * plain tensor, see `onnx-zipmap.ts`) and scores one warm-up record, so a model that cannot
   * run fails here, before it serves anything.
   */
  static async load(pkg: ModelPackage, options: ModelRuntimeOptions = {}): Promise<ModelRuntime> {
    const { metadata } = pkg;
    checkLayout(metadata.layout, metadata.inputs);
    const wanted = [metadata.outputs.label, metadata.outputs.probabilities].filter(
      (name): name is string => name !== undefined,
    );
    const { onnx, zipMaps } = exposeZipMapInputs(pkg.onnx, wanted);
    const { InferenceSession, Tensor } = await loadOnnxRuntime();
    const session = await InferenceSession.create(onnx, {
      graphOptimizationLevel: 'all',
      intraOpNumThreads: options.intraOpThreads ?? 1,
    });
    try {
      const zipMap = zipMaps.find((z) => z.output === metadata.outputs.probabilities);
      const probabilities = zipMap ? zipMap.tensor : metadata.outputs.probabilities;
      const classLabels =
        metadata.classLabels ?? (zipMap && zipMap.classLabels.length > 0 ? zipMap.classLabels : undefined);
      const typeOf = (name: string) => {
        const meta = session.outputMetadata.find((m) => m.name === name);
        return meta?.isTensor ? meta.type : 'float32';
      };
      const outputs: OutputDescription[] = [
        {
          name: metadata.outputs.label,
          role: metadata.task === 'regression' ? 'value' : 'label',
          type: typeOf(metadata.outputs.label),
        },
      ];
      if (metadata.outputs.probabilities && probabilities) {
        outputs.push({
          name: metadata.outputs.probabilities,
          role: 'probabilities',
          type: typeOf(probabilities),
        });
      }
      const runtime = new ModelRuntime(
        session,
        Tensor,
        metadata,
        pkg.sha256,
        { label: metadata.outputs.label, probabilities },
        classLabels,
        outputs,
        options.limits ?? defaultBatchLimits,
      );
      await runtime.warmUp();
      return runtime;
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  /** Validates `records` against the signature (400 on any problem) and scores them as one batch. */
  async predict(records: readonly unknown[]): Promise<Prediction[]> {
    return this.predictBatch(this.parse(records));
  }

  /** Validates records without scoring them. */
  parse(records: readonly unknown[]): FeatureBatch {
    return parseRecords(this.metadata.inputs, records, this.limits);
  }

  /** Scores an already validated batch. */
  async predictBatch(batch: FeatureBatch): Promise<Prediction[]> {
    if (this.released) throw new MloopError('INTERNAL_ERROR', 'model session used after release');
    const fetches = [this.fetch.label, ...(this.fetch.probabilities ? [this.fetch.probabilities] : [])];
    const results = await this.session.run(buildFeeds(this.Tensor, this.metadata.layout, batch), fetches);
    const label = results[this.fetch.label];
    if (!label) throw new MloopError('INTERNAL_ERROR', `model produced no "${this.fetch.label}" output`);
    const probabilities = this.fetch.probabilities ? results[this.fetch.probabilities] : undefined;
    return this.decode(batch.size, label, probabilities);
  }

  /** Frees the session's native memory; the runtime cannot predict afterwards. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }

  private decode(n: number, label: Tensor, probabilities: Tensor | undefined): Prediction[] {
    const labels = label.data as ArrayLike<string | number | bigint>;
    const regression = this.metadata.task === 'regression';
    const classes = probabilities ? (probabilities.dims[1] ?? 1) : 0;
    if (probabilities && this.classLabels && this.classLabels.length !== classes) {
      throw new MloopError(
        'INTERNAL_ERROR',
        `model gives ${classes} probabilities per record but its metadata names ${this.classLabels.length} classes`,
      );
    }
    const keys = Array.from({ length: classes }, (_, j) => String(this.classLabels?.[j] ?? j));
    // A regressor may answer [n] or [n, 1]; either way the first value of each row is the record's.
    const stride = label.dims.length > 1 ? label.size / n : 1;
    const probs = probabilities?.data as ArrayLike<number> | undefined;
    const predictions: Prediction[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const raw = labels[i * stride] as string | number | bigint;
      const value = typeof raw === 'bigint' ? Number(raw) : raw;
      const prediction: Prediction = regression ? { value: Number(value) } : { label: value };
      if (probs) {
        const byClass: Record<string, number> = {};
        for (let j = 0; j < classes; j++) byClass[keys[j] as string] = probs[i * classes + j] as number;
        prediction.probabilities = byClass;
      }
      predictions[i] = prediction;
    }
    return predictions;
  }

  private async warmUp(): Promise<void> {
    const record: Record<string, unknown> = {};
    for (const feature of this.metadata.inputs) {
      record[feature.name] = feature.type === 'string' ? '' : feature.type === 'bool' ? false : 0;
    }
    try {
      await this.predict([record]);
    } catch (error) {
      throw new MloopError(
        'INVALID_PARAMETER_VALUE',
        `model cannot score a warm-up record: ${(error as Error).message.split('\n')[0]}`,
        'source',
      );
    }
  }
}

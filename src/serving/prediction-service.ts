import { performance } from 'node:perf_hooks';
import type { Clock } from '../core/clock.js';
import { invalidParameter, isMloopError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { ModelMetadata } from '../registry/model-metadata.js';
import type { FeatureRecord } from './feature-batch.js';
import type { OutputDescription, Prediction } from './model-runtime.js';
import type { PersonalData } from './personal-data.js';
import type { LoggedPrediction, PredictionLog } from './prediction-log.js';
import type { ServedModels } from './served-models.js';
import type { ServingMetrics } from './serving-metrics.js';

export interface PredictRequest {
  /** `NAME@ALIAS`, `NAME/VERSION`, `NAME/latest`, or `NAME` (champion, else newest). */
  ref: string;
  /**
   * The records, or a function building them from the served model's metadata (for formats that
   * send positional rows, whose meaning depends on the model's feature order).
   */
  records: readonly unknown[] | ((metadata: ModelMetadata) => readonly unknown[]);
  /** The caller's key (user or session id), logged with each prediction for later joins. */
  requestKey?: string | undefined;
  /** The deployment routing the request, when one does. */
  deployment?: string | undefined;
  /** The deployment arm scoring it; `default` outside deployments. */
  arm?: string | undefined;
}

/** One record's prediction with the id it is logged under. */
export interface ScoredRecord extends Prediction {
  id: string;
}

/** What a model takes and gives, for formatting answers and metadata. */
export interface ServedSignature {
  metadata: ModelMetadata;
  outputs: OutputDescription[];
  classLabels: Array<string | number> | undefined;
}

export interface PredictResult {
  requestId: string;
  model: string;
  version: number;
  predictions: ScoredRecord[];
  latencyMs: number;
  signature: ServedSignature;
}

export interface ModelDescription {
  model: string;
  version: number;
  signature: ServedSignature;
}

const maxRequestKeyLength = 256;

/**
 * Scores records on the model a reference serves: takes a lease (so a hot swap never pulls the
 * model from under the request), validates, scores, counts the request in the metrics and queues
 * each prediction for the log. The caller gets the predictions before the log is written.
 */
export class PredictionService {
  constructor(
    private readonly models: ServedModels,
    private readonly log: PredictionLog,
    private readonly metrics: ServingMetrics,
    private readonly clock: Clock,
    private readonly personalData: PersonalData,
  ) {}

  async predict(request: PredictRequest): Promise<PredictResult> {
    const requestKey = checkRequestKey(request.requestKey);
    const arm = request.arm ?? 'default';
    const started = performance.now();
    const lease = await this.models.acquire(request.ref);
    const { name, version, runtime } = lease.model;
    const labels = { model: name, version: String(version), arm };
    let predictions: Prediction[];
    let records: readonly unknown[];
    try {
      records = typeof request.records === 'function' ? request.records(runtime.metadata) : request.records;
      predictions = await runtime.predict(records);
    } catch (error) {
      this.metrics.requests.inc(labels);
      this.metrics.errors.inc({ ...labels, code: isMloopError(error) ? error.code : 'INTERNAL_ERROR' });
      throw error;
    } finally {
      lease.release();
    }
    const latencyMs = performance.now() - started;
    this.metrics.requests.inc(labels);
    this.metrics.records.inc(labels, predictions.length);
    this.metrics.latency.observe(labels, latencyMs / 1000);

    const requestId = newId('req');
    const time = this.clock.now();
    const scored = predictions.map((p) => ({ id: newId('pred'), ...p }));
    this.log.append(
      scored.map(({ id, ...outputs }, i): LoggedPrediction => ({
        id,
        requestId,
        time,
        model: name,
        version,
        deployment: request.deployment,
        arm,
        inputs: this.personalData.protect(records[i] as FeatureRecord, runtime.metadata.inputs),
        outputs,
        latencyMs,
        requestKey,
      })),
    );
    return {
      requestId,
      model: name,
      version,
      predictions: scored,
      latencyMs,
      signature: signatureOf(runtime),
    };
  }

  /** The version a reference serves and its signature (loading it if needed). */
  async describe(ref: string): Promise<ModelDescription> {
    const lease = await this.models.acquire(ref);
    try {
      const { name, version, runtime } = lease.model;
      return { model: name, version, signature: signatureOf(runtime) };
    } finally {
      lease.release();
    }
  }
}

function signatureOf(runtime: ServedSignature): ServedSignature {
  return { metadata: runtime.metadata, outputs: runtime.outputs, classLabels: runtime.classLabels };
}

function checkRequestKey(key: string | undefined): string | undefined {
  if (key === undefined || key === '') return undefined;
  if (key.length > maxRequestKeyLength) {
    throw invalidParameter('requestKey', `request key is longer than ${maxRequestKeyLength} characters`);
  }
  return key;
}

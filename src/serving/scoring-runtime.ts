import type { ModelMetadata } from '../registry/model-metadata.js';
import type { OutputDescription, Prediction } from './model-runtime.js';

/**
 * A loaded model as serving uses it, whichever runtime runs it: onnxruntime in this process
 * (`ModelRuntime`) or supervised Python workers (`PythonRuntime`). Everything above it (routes,
 * deployments, the prediction log, metrics, monitoring) sees only this.
 */
export interface ScoringRuntime {
  readonly metadata: ModelMetadata;
  readonly outputs: OutputDescription[];
  /** Probability column order (classifiers that give probabilities). */
  readonly classLabels: Array<string | number> | undefined;
  /** Validates `records` against the signature (400 on any problem) and scores them. */
  predict(records: readonly unknown[]): Promise<Prediction[]>;
  /** Frees what the model holds (a session, processes); it cannot predict afterwards. */
  release(): Promise<void>;
}

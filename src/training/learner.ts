import type { RandomSource } from '../core/random.js';
import type { GraphBuilder } from './onnx/model-builder.js';
import type { PreprocessingOptions } from './preprocessing/preprocessor.js';
import type { FeatureMatrix } from './preprocessing/transform.js';

/**
 * The contract between the trainer and a model family (linear, logistic, gbdt): the trainer
 * preprocesses the data, hands a learner the float matrix and the encoded target, and asks the
 * fitted model to predict (for holdout metrics) and to append itself to the ONNX graph.
 */

/** What is learned: a number, or one of `classCount` classes (encoded 0..classCount-1). */
export type LearningTask = { kind: 'regression' } | { kind: 'classification'; classCount: number };

export interface TrainingTarget {
  task: LearningTask;
  /** The value (regression) or the class index (classification) of each row. */
  y: Float64Array;
}

/**
 * What values a hyperparameter takes: search spaces read it, so a range over an `integer` one
 * draws whole numbers without the user saying so.
 */
export type HyperparameterKind = 'number' | 'integer' | 'choice';

/** Hyperparameters as the CLI and search spaces give them: `--param l2=0.1`. */
export type RawParams = Record<string, string | number | boolean>;

/** How far fitting is: `done` of `total` units (boosting or solver iterations, rows). */
export interface FitProgress {
  done: number;
  total: number;
  unit: 'iterations' | 'rows';
}

export interface FitOptions {
  /** Seeded by the trainer, so a training run can be repeated exactly. */
  random: RandomSource;
  /**
   * Called as fitting progresses (for progress bars). A fit that stops early (converged, or early
   * stopping) reports its last step as done of done, so a bar ends full.
   */
  onProgress?: (progress: FitProgress) => void;
}

export interface FittedModel {
  /**
   * Predictions for each row of `x`: values `[rows]` (regression) or probabilities
   * `[rows × classCount]`, row-major (classification).
   */
  predict(x: FeatureMatrix): Float64Array;
  /**
   * Appends the model's nodes, reading `features` (float `[N, width]`), and returns the graph value
   * of its scores: float `[N, 1]` values (regression) or float `[N, classCount]` probabilities.
   */
  exportOnnx(graph: GraphBuilder, features: string): string;
  /** Numbers worth a look in the run (coefficient norms, iterations, trees); logged as params. */
  summary?(): Record<string, string | number>;
}

export interface Learner<P> {
  /** The `--model` name. */
  readonly name: string;
  readonly tasks: ReadonlyArray<LearningTask['kind']>;
  /** Every hyperparameter `parseParams` takes, by its `--param` name, with the values it takes. */
  readonly hyperparameters: Readonly<Record<string, HyperparameterKind>>;
  /** Preprocessing this learner wants instead of the default (trees keep numbers raw, NaN included). */
  readonly preprocessing?: PreprocessingOptions;
  /** Checks and completes hyperparameters (defaults filled in); errors name the parameter. */
  parseParams(raw: RawParams): P;
  fit(x: FeatureMatrix, target: TrainingTarget, params: P, options: FitOptions): FittedModel;
}

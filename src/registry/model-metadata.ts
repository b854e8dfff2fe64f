import type { PiiMarking } from '../core/pii-mode.js';

/**
 * What mloop knows about a packaged model, whichever way it was logged: mloop's own
 * `mloop-model.json` beside `model.onnx`, or an MLflow `MLmodel` with the `onnx` flavor.
 * Serving validates requests against `inputs` and builds the ONNX feeds from them.
 */
export type FeatureType = 'float32' | 'float64' | 'int32' | 'int64' | 'string' | 'bool';

export interface FeatureSpec {
  /** Name of the feature as a client sends it. */
  name: string;
  type: FeatureType;
  /** May be left out of a request, or null (the model graph imputes it). */
  optional?: boolean;
  /**
   * May be null (or NaN) in a request, though not left out: the model graph imputes missing
   * values (mloop's trainers fold imputation into the graph).
   */
  nullable?: boolean;
  /**
   * Marked as personal data, kept out of the prediction log: `true` or `redact` logs `[redacted]`,
   * `hash` logs a keyed hash (`hmac:…`) so one subject's rows still group and join.
   */
  pii?: PiiMarking;
}

export type ModelTask = 'classification' | 'regression';

/**
 * How named features map onto the ONNX graph's inputs:
 * - `tensor`: one 2-D input tensor `[batch, features]` of `tensorType`, columns in `features` order
 *   (skl2onnx's default, and MLflow's tensor signatures);
 * - `columns`: one ONNX input per feature, each `[batch, 1]` (mloop's trainers, mixed types).
 */
export type InputLayout =
  { kind: 'tensor'; inputName: string; tensorType: FeatureType } | { kind: 'columns' };

export interface OutputSpec {
  /** ONNX output name holding the predicted label (classification) or value (regression). */
  label: string;
  /** ONNX output holding class probabilities, when the model has one. */
  probabilities?: string;
}

export interface Lineage {
  runId?: string;
  /** Dataset versions the model was trained on (ids from data/, or name+digest from MLflow inputs). */
  datasets: Array<{ name: string; digest: string; versionId?: string }>;
  git?: { commit: string; dirty: boolean; remote?: string };
  /** Package name → version of the training environment. */
  packages?: Record<string, string>;
  /** The ONNX conversion of an MLflow model of another flavor, when mloop tried one. */
  conversion?: ModelConversion;
}

/**
 * mloop's conversion of an MLflow model to ONNX and its check on a sample: a `converted` version
 * is served from the ONNX package stored beside the original; a `failed` one says why.
 */
export interface ModelConversion {
  status: 'converted' | 'failed';
  /** The MLflow flavor converted: sklearn, xgboost or lightgbm. */
  flavor: string;
  /** Why it was not converted (status failed). */
  reason?: string;
  /** What was converted, e.g. `Pipeline(ColumnTransformer(OneHotEncoder, StandardScaler), RandomForestClassifier)`. */
  estimator?: string;
  /** Package → version of the converters and the model's library. */
  converters?: Record<string, string>;
  targetOpset?: number;
  /** Rows the ONNX graph and the model were compared on, and where they came from. */
  sampleRows?: number;
  sampleSource?: string;
  /** Largest difference found: of probabilities (classifiers) or relative of values (regressors). */
  maxDifference?: number;
  /** Sample rows whose ONNX label differs from the model's (classifiers). */
  labelsDiffering?: number;
}

export interface ModelMetadata {
  /** `mlflow-pyfunc`: an MLflow model without ONNX, served by Python workers (never stored on a version). */
  format: 'mloop-model/v1' | 'mlflow-onnx' | 'mlflow-pyfunc';
  task: ModelTask;
  /** Features in the order the model consumes them. */
  inputs: FeatureSpec[];
  layout: InputLayout;
  outputs: OutputSpec;
  /** Class labels in probability-column order (classification only). */
  classLabels?: Array<string | number>;
  lineage?: Lineage;
}

/** A model directory loaded into memory: the ONNX bytes and its metadata. */
export interface ModelPackage {
  onnx: Uint8Array;
  metadata: ModelMetadata;
  /** sha256 of model.onnx. */
  sha256: string;
}

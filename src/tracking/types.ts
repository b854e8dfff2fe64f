/** Tracking's domain objects, shaped after MLflow's so the compatible API maps one to one. */

export type LifecycleStage = 'active' | 'deleted';
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';
export const runStatuses = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type RunStatus = (typeof runStatuses)[number];

export interface Tag {
  key: string;
  value: string;
}

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  creationTime: number;
  lastUpdateTime: number;
  tags: Tag[];
}

export interface Metric {
  key: string;
  /** NaN and ±Infinity are legal metric values. */
  value: number;
  timestamp: number;
  step: number;
  /** MLflow 3: the logged model the metric measures, and the dataset it was measured on. */
  modelId?: string | undefined;
  datasetName?: string | undefined;
  datasetDigest?: string | undefined;
  /** The run that logged it, on a logged model's metrics. */
  runId?: string | undefined;
}

export interface Param {
  key: string;
  value: string;
}

export interface RunInfo {
  runId: string;
  runName: string;
  experimentId: string;
  userId: string;
  status: RunStatus;
  startTime: number;
  endTime: number | undefined;
  artifactUri: string;
  lifecycleStage: LifecycleStage;
  parentRunId: string | undefined;
}

export interface Dataset {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  schema?: string | undefined;
  profile?: string | undefined;
}

export interface DatasetInput {
  dataset: Dataset;
  tags: Tag[];
}

export interface Run {
  info: RunInfo;
  data: {
    /** The latest value of each metric (highest step, then newest timestamp). */
    metrics: Metric[];
    params: Param[];
    tags: Tag[];
  };
  /** Datasets the run read, and (MLflow 3) the ids of logged models it read. */
  inputs: { datasetInputs: DatasetInput[]; modelInputs: string[] };
}

export interface Page<T> {
  items: T[];
  /** Opaque token for the next page; undefined on the last page. */
  nextPageToken: string | undefined;
}

/** MLflow 3's logged-model lifecycle: created PENDING, finalized READY (or FAILED) after upload. */
export const loggedModelStatuses = ['PENDING', 'READY', 'FAILED'] as const;
export type LoggedModelStatus = (typeof loggedModelStatuses)[number];

/** A model logged by a run (MLflow 3's LoggedModel): its own id and artifact directory. */
export interface LoggedModel {
  /** `m-` and 32 hex characters, as MLflow makes them. */
  modelId: string;
  experimentId: string;
  name: string;
  /** `mlflow-artifacts:/<experiment>/models/<model id>/artifacts`. */
  artifactLocation: string;
  status: LoggedModelStatus;
  statusMessage: string | undefined;
  modelType: string | undefined;
  sourceRunId: string | undefined;
  creationTime: number;
  lastUpdatedTime: number;
  lifecycleStage: LifecycleStage;
  tags: Tag[];
  params: Param[];
  /** Every metric point logged for the model, by any run. */
  metrics: Metric[];
}

/** A logged model a run produced, at a training step. */
export interface ModelOutput {
  modelId: string;
  step: number;
}

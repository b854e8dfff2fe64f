/** mloop's TypeScript SDK: a client of the server's REST API under /api/v1. */
export { MloopClient, defaultUrl, type MloopClientOptions, type StartRunOptions } from './client.js';
export { ActiveRun, type EndStatus } from './active-run.js';
export {
  ExperimentsClient,
  type CreateExperimentOptions,
  type SearchExperimentsOptions,
} from './experiments.js';
export {
  RunsClient,
  type ArtifactFile,
  type CreateRunOptions,
  type LogBatchOptions,
  type MetricInput,
  type SearchRunsOptions,
  type UpdateRunOptions,
  type UploadedArtifact,
} from './runs.js';
export {
  ModelsClient,
  type CreateModelOptions,
  type CreateVersionOptions,
  type SearchModelsOptions,
} from './models.js';
export type * from '../registry/types.js';
export type * from '../registry/model-metadata.js';
export {
  DeploymentsClient,
  type CandidateOptions,
  type CreateDeploymentOptions,
  type LiveStats,
  type RolloutOptions,
  type RoutedPrediction,
} from './deployments.js';
export type * from '../serving/deployments/types.js';
export { FeedbackClient, type PerformanceOptions, type PerformanceRange } from './feedback.js';
export type { AttachResult, Feedback, LabelInput } from '../feedback/feedback-service.js';
export type { PerformanceGroup, PerformanceReport } from '../monitoring/performance/performance-report.js';
export type { LabelledPrediction } from '../monitoring/performance/labelled-predictions.js';
export { DatasetsClient, type AddVersionOptions } from './datasets.js';
export type {
  AddedVersion,
  ColumnProfile,
  ColumnSchema,
  Dataset as VersionedDataset,
  DatasetFormat,
  DatasetProfile,
  DatasetVersion,
  DatasetVersionSummary,
} from '../data/types.js';
export type { DatasetDiff, ColumnShift } from '../data/dataset-diff.js';
export { MloopError, isMloopError, type ErrorCode } from '../core/errors.js';
export type * from '../tracking/types.js';
export { PipelinesClient, type StartPipelineRunInput } from './pipelines.js';
export { TrainingClient } from './training.js';
export type { NamedTrainRequest } from '../training/training-backend.js';
export type { TrainResult } from '../training/trainer.js';
export type { PipelineRun, StepRun, StoredOutput, Trigger } from '../pipelines/types.js';

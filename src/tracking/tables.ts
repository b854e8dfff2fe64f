/** Row shapes of tracking's tables, as the database returns them. */

export interface ExperimentRow {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  creation_time: number;
  last_update_time: number;
  deleted_time: number | null;
}

export interface KeyValueRow {
  run_id: string;
  key: string;
  value: string;
}

export interface MetricRow {
  run_id: string;
  key: string;
  value: number;
  timestamp: number;
  step: number;
  is_nan: number;
}

export interface RunRow {
  run_id: string;
  experiment_id: string;
  name: string;
  user_id: string;
  status: string;
  start_time: number;
  end_time: number | null;
  lifecycle_stage: string;
  artifact_uri: string;
  parent_run_id: string | null;
  deleted_time: number | null;
}

export interface TrackingTables {
  experiments: ExperimentRow;
  experiment_tags: { experiment_id: string; key: string; value: string };
  runs: RunRow;
  params: KeyValueRow;
  tags: KeyValueRow;
  metrics: MetricRow;
  latest_metrics: MetricRow;
  datasets: {
    dataset_id: string;
    experiment_id: string;
    name: string;
    digest: string;
    source_type: string;
    source: string;
    schema: string | null;
    profile: string | null;
  };
  run_inputs: { run_id: string; dataset_id: string; tags: string; context: string | null };
  /** Logged models a run read (migration 0021). */
  run_model_inputs: { run_id: string; model_id: string };
  /** Metrics a run logged for a logged model, on a dataset or none ('') (migration 0021). */
  logged_model_metrics: MetricRow & { model_id: string; dataset_name: string; dataset_digest: string };
  artifact_files: { path: string; size: number; sha256: string; created_time: number };
}

export interface LoggedModelRow {
  model_id: string;
  experiment_id: string;
  name: string;
  artifact_location: string;
  status: string;
  status_message: string | null;
  model_type: string | null;
  source_run_id: string | null;
  creation_time: number;
  last_updated_time: number;
  lifecycle_stage: string;
}

/** Logged models' tables (migration 0002), beside the tracking tables they reference. */
export interface LoggedModelTables extends TrackingTables {
  logged_models: LoggedModelRow;
  logged_model_tags: { model_id: string; key: string; value: string };
  logged_model_params: { model_id: string; key: string; value: string };
  run_outputs: { run_id: string; model_id: string; step: number };
}

/** Row shapes of migration 0010-pipelines (and 0025's leases), as the database returns them. */
export interface PipelineRow {
  name: string;
  definition: string;
  source_kind: 'yaml' | 'module';
  source_path: string;
  source_text: string | null;
  created_time: number;
  updated_time: number;
}

export interface PipelineRunRow {
  id: string;
  pipeline: string;
  status: string;
  trigger: string;
  params: string;
  tracking_run_id: string | null;
  error: string | null;
  owner_host: string | null;
  owner_pid: number | null;
  cancel_requested: number;
  start_time: number;
  end_time: number | null;
  /** The process driving the run (0025-pipeline-run-leases), and until when without a heartbeat. */
  lease_owner: string | null;
  lease_expires_at: number | null;
}

export interface StepRunRow {
  id: string;
  pipeline_run_id: string;
  pipeline: string;
  step: string;
  status: string;
  attempt: number;
  cache_key: string | null;
  cache_hit: number;
  outputs: string;
  error: string | null;
  log_path: string | null;
  tracking_run_id: string | null;
  start_time: number | null;
  end_time: number | null;
  /** The process running the step's attempt (the run's, or a BullMQ worker), and until when. */
  lease_owner: string | null;
  lease_expires_at: number | null;
}

export interface PipelineTables {
  pipelines: PipelineRow;
  pipeline_runs: PipelineRunRow;
  step_runs: StepRunRow;
}

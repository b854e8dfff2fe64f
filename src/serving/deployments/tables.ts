/** Row shapes of deployments' tables, as the database returns them. */

export interface DeploymentRow {
  name: string;
  model: string;
  primary_ref: string;
  description: string | null;
  status: string;
  candidate_ref: string | null;
  candidate_mode: string | null;
  candidate_percent: number | null;
  /** JSON of a `RolloutPlan`. */
  rollout_plan: string | null;
  rollout_status: string | null;
  rollout_step: number | null;
  rollout_step_started_time: number | null;
  rollout_started_time: number | null;
  rollout_ended_time: number | null;
  rollout_reason: string | null;
  created_time: number;
  updated_time: number;
  revision: number;
}

export interface DeploymentEventRow {
  id: number;
  deployment: string;
  time: number;
  kind: string;
  from_percent: number | null;
  to_percent: number | null;
  reason: string;
  /** JSON of a `StatsSnapshot`. */
  stats: string | null;
  primary_version: string | null;
  candidate_version: string | null;
}

export interface DeploymentTables {
  deployments: DeploymentRow;
  deployment_events: Omit<DeploymentEventRow, 'id'> & { id?: number };
}

import type { DeploymentEventRow, DeploymentRow } from './tables.js';
import type {
  CandidateMode,
  Deployment,
  DeploymentEvent,
  DeploymentEventKind,
  DeploymentStatus,
  RolloutPlan,
  RolloutStatus,
  StatsSnapshot,
} from './types.js';

/** A database row as a `Deployment`. */
export function toDeployment(row: DeploymentRow): Deployment {
  const deployment: Deployment = {
    name: row.name,
    model: row.model,
    primary: row.primary_ref,
    status: row.status as DeploymentStatus,
    createdTime: Number(row.created_time),
    updatedTime: Number(row.updated_time),
    revision: Number(row.revision),
  };
  if (row.description !== null) deployment.description = row.description;
  if (row.candidate_ref !== null && row.candidate_mode !== null) {
    deployment.candidate = {
      version: row.candidate_ref,
      mode: row.candidate_mode as CandidateMode,
      percent: Number(row.candidate_percent ?? 0),
    };
  }
  if (row.rollout_plan !== null && row.rollout_status !== null) {
    deployment.rollout = {
      plan: JSON.parse(row.rollout_plan) as RolloutPlan,
      status: row.rollout_status as RolloutStatus,
      stepIndex: Number(row.rollout_step ?? 0),
      stepStartedTime: Number(row.rollout_step_started_time ?? 0),
      startedTime: Number(row.rollout_started_time ?? 0),
    };
    if (row.rollout_ended_time !== null) deployment.rollout.endedTime = Number(row.rollout_ended_time);
    if (row.rollout_reason !== null) deployment.rollout.reason = row.rollout_reason;
  }
  return deployment;
}

/** The columns a `Deployment` is stored in. */
export function toRow(d: Deployment): DeploymentRow {
  return {
    name: d.name,
    model: d.model,
    primary_ref: d.primary,
    description: d.description ?? null,
    status: d.status,
    candidate_ref: d.candidate?.version ?? null,
    candidate_mode: d.candidate?.mode ?? null,
    candidate_percent: d.candidate?.percent ?? null,
    rollout_plan: d.rollout ? JSON.stringify(d.rollout.plan) : null,
    rollout_status: d.rollout?.status ?? null,
    rollout_step: d.rollout?.stepIndex ?? null,
    rollout_step_started_time: d.rollout?.stepStartedTime ?? null,
    rollout_started_time: d.rollout?.startedTime ?? null,
    rollout_ended_time: d.rollout?.endedTime ?? null,
    rollout_reason: d.rollout?.reason ?? null,
    created_time: d.createdTime,
    updated_time: d.updatedTime,
    revision: d.revision,
  };
}

export function toDeploymentEvent(row: DeploymentEventRow): DeploymentEvent {
  const event: DeploymentEvent = {
    id: Number(row.id),
    deployment: row.deployment,
    time: Number(row.time),
    kind: row.kind as DeploymentEventKind,
    reason: row.reason,
  };
  if (row.from_percent !== null) event.fromPercent = Number(row.from_percent);
  if (row.to_percent !== null) event.toPercent = Number(row.to_percent);
  if (row.stats !== null) event.stats = JSON.parse(row.stats) as StatsSnapshot;
  if (row.primary_version !== null) event.primaryVersion = row.primary_version;
  if (row.candidate_version !== null) event.candidateVersion = row.candidate_version;
  return event;
}

export function toEventRow(event: Omit<DeploymentEvent, 'id'>): Omit<DeploymentEventRow, 'id'> {
  return {
    deployment: event.deployment,
    time: event.time,
    kind: event.kind,
    from_percent: event.fromPercent ?? null,
    to_percent: event.toPercent ?? null,
    reason: event.reason,
    stats: event.stats ? JSON.stringify(event.stats) : null,
    primary_version: event.primaryVersion ?? null,
    candidate_version: event.candidateVersion ?? null,
  };
}

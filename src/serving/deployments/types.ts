/** Deployments' domain objects: named serving targets with a primary arm and an optional candidate. */

/**
 * How a candidate takes part in serving:
 * - `canary`: answers `percent`% of live requests, drawn at random per request;
 * - `shadow`: scores a copy of `percent`% of requests (100 by default) after the primary answered;
 *   its predictions are logged with arm `shadow` and never returned;
 * - `ab`: answers `percent`% of requests, assigned by a hash of the request key, so one key
 *   always meets the same arm (see `router.ts`).
 */
export const candidateModes = ['canary', 'shadow', 'ab'] as const;
export type CandidateMode = (typeof candidateModes)[number];

/** Which arm answers a request. */
export type AnsweringArm = 'primary' | 'candidate';

/** The arm a prediction is logged and measured under: `shadow` copies never answer. */
export type ArmLabel = AnsweringArm | 'shadow';

/**
 * A model version by reference, relative to the deployment's registered model: an alias
 * (`production`, `champion`), followed wherever it moves, or a version number (`3`), pinned.
 */
export type VersionRef = string;

export interface Candidate {
  version: VersionRef;
  mode: CandidateMode;
  /** Share of requests, 0..100: answered by the candidate (canary, ab) or copied to it (shadow). */
  percent: number;
}

/**
 * Health bounds a rollout step must keep. Absolute bounds apply to the candidate alone; the
 * `…OverPrimary`/`…ToPrimary` ones compare it with the primary arm over the same window and apply
 * only when the primary served at least `minRequests` in that window (at 100% it serves none).
 */
export interface RolloutBounds {
  /** Errors / requests of the candidate, 0..1. */
  maxErrorRate?: number;
  /** 99th-percentile latency of the candidate, in milliseconds. */
  maxP99LatencyMs?: number;
  /** Candidate error rate minus primary error rate, 0..1. */
  maxErrorRateOverPrimary?: number;
  /** Candidate p99 latency divided by primary p99 latency, e.g. 1.5. */
  maxP99LatencyRatioToPrimary?: number;
}

export interface RolloutPlan {
  /** Candidate percentages, strictly increasing, the last one 100, e.g. [5, 25, 50, 100]. */
  steps: number[];
  /** Requests the candidate must serve in a step before it is judged healthy. */
  minRequests: number;
  /** Time a step lasts at least, in milliseconds. */
  minDurationMs: number;
  bounds: RolloutBounds;
}

export const rolloutStatuses = ['running', 'completed', 'rolled_back', 'aborted'] as const;
export type RolloutStatus = (typeof rolloutStatuses)[number];

export interface Rollout {
  plan: RolloutPlan;
  status: RolloutStatus;
  /** Index into `plan.steps` of the current (or last) step. */
  stepIndex: number;
  /** When the current step began: its statistics window starts here. */
  stepStartedTime: number;
  startedTime: number;
  endedTime?: number;
  /** Why the rollout ended, for completed, rolled back and aborted ones. */
  reason?: string;
}

/** `rolled_back` when the candidate was pulled (automatically or by hand) and not replaced since. */
export type DeploymentStatus = 'active' | 'rolled_back';

export interface Deployment {
  name: string;
  /** Name of the registered model both arms are versions of. */
  model: string;
  primary: VersionRef;
  candidate?: Candidate;
  rollout?: Rollout;
  status: DeploymentStatus;
  description?: string;
  createdTime: number;
  updatedTime: number;
  /** Grows by one with every change; lets concurrent writers detect each other. */
  revision: number;
}

/** Per-arm statistics over a window, as serving measured them. */
export interface ArmStats {
  requests: number;
  errors: number;
  /** Undefined when the arm served no request in the window. */
  p99LatencyMs: number | undefined;
}

export interface StatsSnapshot {
  primary: ArmStats;
  candidate: ArmStats;
  /** Start of the window the statistics cover, ms since the epoch. */
  sinceTime: number;
}

export const deploymentEventKinds = [
  'created',
  'updated',
  'deleted',
  'candidate-set',
  'candidate-cleared',
  'rollout-started',
  'step-advanced',
  'completed',
  'rolled-back',
  'rollout-aborted',
] as const;
export type DeploymentEventKind = (typeof deploymentEventKinds)[number];

/** One entry of a deployment's append-only history. */
export interface DeploymentEvent {
  /** Increasing: the order events happened in. */
  id: number;
  deployment: string;
  time: number;
  kind: DeploymentEventKind;
  /** Candidate percentage before and after, when the event changed it. */
  fromPercent?: number;
  toPercent?: number;
  reason: string;
  /** The statistics a rollout decision was made on. */
  stats?: StatsSnapshot;
  /** Primary and candidate versions (as resolved then), when known. */
  primaryVersion?: string;
  candidateVersion?: string;
}

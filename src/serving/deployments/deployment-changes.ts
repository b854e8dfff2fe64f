import { MloopError } from '../../core/errors.js';
import type { CandidateMode, Deployment, DeploymentEvent, RolloutPlan, StatsSnapshot } from './types.js';
import { checkMode, checkPercent } from './validation.js';

/** A deployment's next state and the history entry that explains it. */
export interface Change {
  next: Deployment;
  event: Omit<DeploymentEvent, 'id'>;
}

/** Computes a change from the current state at time `now`; throws when it does not apply. */
export type ChangeFn = (current: Deployment, now: number) => Change;

export interface CandidateInput {
  version: string;
  mode: CandidateMode;
  /** Default: 10 for a canary, 50 for A/B, 100 (every request copied) for a shadow. */
  percent?: number | undefined;
}

const defaultPercent: Record<CandidateMode, number> = { canary: 10, ab: 50, shadow: 100 };

const percentOf = (d: Deployment) => d.candidate?.percent ?? 0;

function requireNoRunningRollout(d: Deployment, what: string): void {
  if (d.rollout?.status === 'running') {
    throw new MloopError(
      'INVALID_STATE',
      `Cannot ${what} of deployment '${d.name}' while its rollout runs: abort the rollout first`,
    );
  }
}

export function candidateChange(input: CandidateInput, reason?: string): ChangeFn {
  const mode = checkMode(input.mode, 'candidate.mode');
  const percent = checkPercent(input.percent ?? defaultPercent[mode], 'candidate.percent');
  return (d, now) => {
    requireNoRunningRollout(d, 'change the candidate');
    const next: Deployment = { ...d, candidate: { version: input.version, mode, percent }, status: 'active' };
    return {
      next,
      event: {
        deployment: d.name,
        time: now,
        kind: 'candidate-set',
        fromPercent: percentOf(d),
        toPercent: percent,
        reason: reason ?? `${mode} ${d.model}@${input.version} at ${percent}%`,
      },
    };
  };
}

export function clearCandidateChange(reason?: string): ChangeFn {
  return (d, now) => {
    requireNoRunningRollout(d, 'clear the candidate');
    const { candidate: _removed, ...rest } = d;
    return {
      next: { ...rest, status: 'active' },
      event: {
        deployment: d.name,
        time: now,
        kind: 'candidate-cleared',
        fromPercent: percentOf(d),
        toPercent: 0,
        reason: reason ?? 'candidate removed',
      },
    };
  };
}

export function rollBackChange(reason: string, stats?: StatsSnapshot): ChangeFn {
  return (d, now) => {
    if (!d.candidate) {
      throw new MloopError('INVALID_STATE', `Deployment '${d.name}' has no candidate to roll back`);
    }
    const next: Deployment = { ...d, candidate: { ...d.candidate, percent: 0 }, status: 'rolled_back' };
    if (d.rollout?.status === 'running') {
      next.rollout = { ...d.rollout, status: 'rolled_back', endedTime: now, reason };
    }
    return {
      next,
      event: {
        deployment: d.name,
        time: now,
        kind: 'rolled-back',
        fromPercent: percentOf(d),
        toPercent: 0,
        reason,
        candidateVersion: d.candidate.version,
        ...(stats ? { stats } : {}),
      },
    };
  };
}

/** Starts a rollout of the candidate at the plan's first step; a shadow candidate becomes a canary. */
export function startRolloutChange(plan: RolloutPlan, reason?: string): ChangeFn {
  return (d, now) => {
    requireNoRunningRollout(d, 'start another rollout');
    if (!d.candidate) {
      throw new MloopError(
        'INVALID_STATE',
        `Deployment '${d.name}' has no candidate to roll out: set one first (canary or A/B)`,
      );
    }
    const first = plan.steps[0] ?? 100;
    const mode = d.candidate.mode === 'shadow' ? 'canary' : d.candidate.mode;
    return {
      next: {
        ...d,
        status: 'active',
        candidate: { ...d.candidate, mode, percent: first },
        rollout: { plan, status: 'running', stepIndex: 0, stepStartedTime: now, startedTime: now },
      },
      event: {
        deployment: d.name,
        time: now,
        kind: 'rollout-started',
        fromPercent: percentOf(d),
        toPercent: first,
        reason: reason ?? `rolling out ${d.model}@${d.candidate.version} in steps ${plan.steps.join(', ')}%`,
        candidateVersion: d.candidate.version,
      },
    };
  };
}

/** Stops a running rollout by hand: the candidate's share drops to 0, nothing is promoted. */
export function abortRolloutChange(reason?: string): ChangeFn {
  return (d, now) => {
    const rollout = requireRunning(d);
    const because = reason ?? 'aborted by hand';
    return {
      next: {
        ...d,
        candidate: d.candidate ? { ...d.candidate, percent: 0 } : undefined,
        rollout: { ...rollout, status: 'aborted', endedTime: now, reason: because },
      },
      event: {
        deployment: d.name,
        time: now,
        kind: 'rollout-aborted',
        fromPercent: percentOf(d),
        toPercent: 0,
        reason: because,
      },
    };
  };
}

/** Moves a running rollout from step `fromStep` to the next one; its statistics window restarts. */
export function advanceChange(fromStep: number, reason: string, stats: StatsSnapshot): ChangeFn {
  return (d, now) => {
    const rollout = requireStep(d, fromStep);
    const stepIndex = fromStep + 1;
    const percent = rollout.plan.steps[stepIndex];
    if (percent === undefined || !d.candidate) throw stale(d);
    return {
      next: {
        ...d,
        candidate: { ...d.candidate, percent },
        rollout: { ...rollout, stepIndex, stepStartedTime: now },
      },
      event: {
        deployment: d.name,
        time: now,
        kind: 'step-advanced',
        fromPercent: percentOf(d),
        toPercent: percent,
        reason,
        stats,
        candidateVersion: d.candidate.version,
      },
    };
  };
}

/**
 * Ends a rollout healthy at its last step: the candidate becomes the primary. `newPrimary` is the
 * primary reference afterwards: the same alias (moved in the registry by the caller), or the
 * candidate's version when the primary was pinned.
 */
export function completeChange(
  fromStep: number,
  newPrimary: string,
  reason: string,
  stats: StatsSnapshot,
  promotedVersion?: string,
): ChangeFn {
  return (d, now) => {
    const rollout = requireStep(d, fromStep);
    const { candidate: _promoted, ...rest } = d;
    return {
      next: {
        ...rest,
        primary: newPrimary,
        rollout: { ...rollout, status: 'completed', endedTime: now, reason },
      },
      event: {
        deployment: d.name,
        time: now,
        kind: 'completed',
        fromPercent: percentOf(d),
        toPercent: 0,
        reason,
        stats,
        ...(promotedVersion ? { primaryVersion: promotedVersion } : {}),
        ...(d.candidate ? { candidateVersion: d.candidate.version } : {}),
      },
    };
  };
}

function requireRunning(d: Deployment): NonNullable<Deployment['rollout']> {
  if (d.rollout?.status !== 'running') {
    throw new MloopError('INVALID_STATE', `Deployment '${d.name}' has no running rollout`);
  }
  return d.rollout;
}

/** The rollout, still running at the step a decision was made on (else the decision is stale). */
function requireStep(d: Deployment, step: number): NonNullable<Deployment['rollout']> {
  const rollout = requireRunning(d);
  if (rollout.stepIndex !== step) throw stale(d);
  return rollout;
}

function stale(d: Deployment): MloopError {
  return new MloopError('INVALID_STATE', `The rollout of deployment '${d.name}' moved on meanwhile`);
}

import type { ArmStats, RolloutPlan, StatsSnapshot } from './types.js';

export type RolloutDecision =
  | { action: 'wait'; reason: string }
  | { action: 'advance'; toPercent: number; reason: string }
  | { action: 'complete'; reason: string }
  | { action: 'rollback'; reason: string };

export interface StepState {
  stepIndex: number;
  stepStartedTime: number;
}

/**
 * Judges the current step of a rollout on the statistics of its window (pure; the controller
 * acts on the answer). In order:
 * 1. roll back when a bound is broken. The error rate is judged early: with fewer than
 *    `minRequests` requests it is `errors / minRequests`, a rate the step can no longer get
 *    under, so a candidate that fails everything is pulled at once instead of after the whole
 *    step. Latency is judged once the candidate served `minRequests` (a p99 of a handful of
 *    requests says little). Bounds relative to the primary apply only when the primary also
 *    served `minRequests` in the window.
 * 2. wait until the step lasted `minDurationMs` and the candidate served `minRequests`;
 * 3. advance to the next step, or complete when the last one (100%) was healthy.
 */
export function judgeStep(
  plan: RolloutPlan,
  step: StepState,
  now: number,
  stats: StatsSnapshot,
): RolloutDecision {
  const breach = findBreach(plan, stats);
  if (breach) return { action: 'rollback', reason: breach };

  const percent = plan.steps[step.stepIndex] ?? 100;
  const { candidate } = stats;
  const elapsed = now - step.stepStartedTime;
  if (candidate.requests < plan.minRequests || elapsed < plan.minDurationMs) {
    return {
      action: 'wait',
      reason: `step ${step.stepIndex + 1}/${plan.steps.length} at ${percent}%: ${candidate.requests}/${plan.minRequests} requests, ${formatMs(elapsed)}/${formatMs(plan.minDurationMs)}`,
    };
  }
  const healthy = `healthy at ${percent}% over ${candidate.requests} requests and ${formatMs(elapsed)} (${describe(candidate)})`;
  const next = plan.steps[step.stepIndex + 1];
  if (next === undefined) return { action: 'complete', reason: `${healthy}: promoting the candidate` };
  return { action: 'advance', toPercent: next, reason: healthy };
}

function findBreach(plan: RolloutPlan, stats: StatsSnapshot): string | undefined {
  const { bounds, minRequests } = plan;
  const { candidate, primary } = stats;
  const judgedRequests = Math.max(candidate.requests, minRequests, 1);
  const errorRate = candidate.errors / judgedRequests;
  if (bounds.maxErrorRate !== undefined && errorRate > bounds.maxErrorRate) {
    return `error rate ${formatRate(errorRate)} (${candidate.errors} errors in ${candidate.requests} requests) is above the bound ${formatRate(bounds.maxErrorRate)}`;
  }
  const enoughCandidate = candidate.requests >= minRequests && candidate.requests > 0;
  const p99 = candidate.p99LatencyMs;
  if (
    enoughCandidate &&
    bounds.maxP99LatencyMs !== undefined &&
    p99 !== undefined &&
    p99 > bounds.maxP99LatencyMs
  ) {
    return `p99 latency ${formatMs(p99)} over ${candidate.requests} requests is above the bound ${formatMs(bounds.maxP99LatencyMs)}`;
  }

  const enoughPrimary = primary.requests >= minRequests && primary.requests > 0;
  if (!enoughPrimary) return undefined;
  const primaryRate = primary.errors / primary.requests;
  if (
    bounds.maxErrorRateOverPrimary !== undefined &&
    errorRate - primaryRate > bounds.maxErrorRateOverPrimary
  ) {
    return `error rate ${formatRate(errorRate)} exceeds the primary's ${formatRate(primaryRate)} by more than ${formatRate(bounds.maxErrorRateOverPrimary)}`;
  }
  const primaryP99 = primary.p99LatencyMs;
  if (
    enoughCandidate &&
    bounds.maxP99LatencyRatioToPrimary !== undefined &&
    p99 !== undefined &&
    primaryP99 !== undefined &&
    primaryP99 > 0 &&
    p99 / primaryP99 > bounds.maxP99LatencyRatioToPrimary
  ) {
    return `p99 latency ${formatMs(p99)} is ${(p99 / primaryP99).toFixed(2)}x the primary's ${formatMs(primaryP99)}, above the bound ${bounds.maxP99LatencyRatioToPrimary}x`;
  }
  return undefined;
}

function describe(arm: ArmStats): string {
  const rate = arm.requests > 0 ? arm.errors / arm.requests : 0;
  const p99 = arm.p99LatencyMs === undefined ? 'n/a' : formatMs(arm.p99LatencyMs);
  return `error rate ${formatRate(rate)}, p99 ${p99}`;
}

function formatRate(rate: number): string {
  return `${Number((rate * 100).toFixed(2))}%`;
}

function formatMs(ms: number): string {
  if (ms >= 10_000) return `${Number((ms / 1000).toFixed(1))} s`;
  return `${Number(ms.toFixed(1))} ms`;
}

import { describe, expect, it } from 'vitest';
import { judgeStep } from './rollout-policy.js';
import type { ArmStats, RolloutPlan } from './types.js';

const plan: RolloutPlan = {
  steps: [10, 100],
  minRequests: 50,
  minDurationMs: 1000,
  bounds: { maxErrorRate: 0.1, maxErrorRateOverPrimary: 0.02, maxP99LatencyRatioToPrimary: 2 },
};
const arm = (requests: number, errors = 0, p99LatencyMs: number | undefined = 10): ArmStats => ({
  requests,
  errors,
  p99LatencyMs: requests > 0 ? p99LatencyMs : undefined,
});
const judge = (candidate: ArmStats, primary: ArmStats, stepIndex = 0, elapsed = 1000) =>
  judgeStep(plan, { stepIndex, stepStartedTime: 0 }, elapsed, { candidate, primary, sinceTime: 0 });

describe('judgeStep', () => {
  it('waits while the step is short of requests or time', () => {
    expect(judge(arm(49), arm(500))).toMatchObject({ action: 'wait' });
    expect(judge(arm(50), arm(500), 0, 999)).toMatchObject({ action: 'wait' });
    expect(judge(arm(50), arm(500)).action).toBe('advance');
  });

  it('advances to the next step and completes after the last', () => {
    expect(judge(arm(50), arm(500))).toMatchObject({ action: 'advance', toPercent: 100 });
    expect(judge(arm(50), arm(0), 1)).toMatchObject({ action: 'complete' });
  });

  it('ignores bounds relative to the primary when the primary served too few requests', () => {
    expect(judge(arm(50, 4, 100), arm(49)).action).toBe('advance');
    expect(judge(arm(50, 4, 100), arm(50)).action).toBe('rollback');
  });

  it('compares the p99 latency with the primary', () => {
    expect(judge(arm(50, 0, 20), arm(100, 0, 10)).action).toBe('advance');
    const decision = judge(arm(50, 0, 21), arm(100, 0, 10));
    expect(decision).toMatchObject({ action: 'rollback' });
    expect(decision.reason).toContain('2.10x');
  });

  it('counts early errors against the minimum requests', () => {
    expect(judge(arm(5, 5), arm(0)).action).toBe('wait');
    expect(judge(arm(6, 6), arm(0)).action).toBe('rollback');
  });
});

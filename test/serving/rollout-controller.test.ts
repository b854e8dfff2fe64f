import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import type { Platform } from '../../src/platform.js';
import {
  createDeploymentServices,
  type DeploymentServices,
} from '../../src/serving/deployments/deployment-services.js';
import type { RolloutPlan } from '../../src/serving/deployments/types.js';
import { openTestPlatform } from '../helpers/platform.js';
import { FakeModelVersions } from './fake-model-versions.js';

const minute = 60_000;
const plan: RolloutPlan = {
  steps: [5, 25, 50, 100],
  minRequests: 100,
  minDurationMs: 10 * minute,
  bounds: { maxErrorRate: 0.02, maxP99LatencyMs: 200 },
};

describe('rollout controller', () => {
  let platform: Platform;
  let clock: ManualClock;
  let registry: FakeModelVersions;
  let services: DeploymentServices;
  let n = 0;
  let name: string;

  /** Serving's side: `count` requests of one arm, `errors` of them failed, each taking `latencyMs`. */
  const serve = (arm: 'primary' | 'candidate', count: number, latencyMs = 40, errors = 0) => {
    for (let i = 0; i < count; i++) services.armStats.record(name, arm, latencyMs, i >= errors);
  };

  /** Evaluates every running rollout; returns the outcomes for this test's deployment. */
  const evaluate = async () => (await services.rollouts.evaluate()).filter((o) => o.deployment === name);

  beforeAll(async () => {
    clock = new ManualClock();
    platform = await openTestPlatform('sqlite', clock);
  });
  afterAll(() => platform.close());

  beforeEach(async () => {
    registry = new FakeModelVersions(3, { production: 1 });
    services = createDeploymentServices({
      database: platform.database,
      clock,
      events: platform.events,
      versions: registry,
    });
    name = `rollout-${++n}`;
    await services.deployments.create({ name, model: 'churn', candidate: { version: '2', mode: 'canary' } });
    await services.rollouts.start(name, plan);
  });

  it('waits for the minimum requests and duration of a step', async () => {
    serve('candidate', 99);
    clock.advance(10 * minute);
    const [waiting] = await evaluate();
    expect(waiting).toMatchObject({ deployment: name, applied: false, decision: { action: 'wait' } });

    serve('candidate', 1);
    clock.advance(-1);
    expect((await evaluate())[0]?.decision.action).toBe('wait');
    clock.advance(1);
    expect((await evaluate())[0]?.decision.action).toBe('advance');
    expect((await services.deployments.get(name)).candidate?.percent).toBe(25);
  });

  it('advances through every healthy step and promotes the candidate by moving the alias', async () => {
    for (const percent of [5, 25, 50, 100]) {
      expect((await services.deployments.get(name)).candidate?.percent).toBe(percent);
      serve('candidate', 100 + percent, 60, 1);
      serve('primary', 100 - percent, 50);
      clock.advance(10 * minute);
      const [outcome] = await evaluate();
      expect(outcome?.applied).toBe(true);
      expect(outcome?.decision.action).toBe(percent === 100 ? 'complete' : 'advance');
    }

    const done = await services.deployments.get(name);
    expect(done.primary).toBe('production');
    expect(done.candidate).toBeUndefined();
    expect(done.rollout).toMatchObject({ status: 'completed', stepIndex: 3, endedTime: clock.now() });
    expect(registry.aliases.get('production')).toBe(2);
    expect(registry.moves).toHaveLength(1);
    expect(registry.moves[0]).toMatchObject({ model: 'churn', alias: 'production', version: 2 });
    expect(registry.moves[0]?.reason).toContain(`deployment '${name}' rollout completed`);

    const events = await services.deployments.listEvents(name);
    expect(events.map((e) => [e.kind, e.fromPercent, e.toPercent])).toEqual([
      ['created', undefined, undefined],
      ['candidate-set', 0, 10],
      ['rollout-started', 10, 5],
      ['step-advanced', 5, 25],
      ['step-advanced', 25, 50],
      ['step-advanced', 50, 100],
      ['completed', 100, 0],
    ]);
    // Each decision keeps the statistics of its own step's window only.
    expect(events[3]?.stats?.candidate).toEqual({ requests: 105, errors: 1, p99LatencyMs: 60 });
    expect(events[3]?.stats?.primary).toEqual({ requests: 95, errors: 0, p99LatencyMs: 50 });
    expect(events[6]?.stats?.candidate.requests).toBe(200);
    expect(events[6]).toMatchObject({ primaryVersion: '2', candidateVersion: '2' });
    expect(events[6]?.reason).toContain('promoting the candidate');
    expect(await evaluate()).toEqual([]);
  });

  it('refuses to start a rollout whose candidate the registry would not promote', async () => {
    await services.rollouts.abort(name);
    registry.refuseMoves = "version 2 of 'churn' failed its evaluation gate (metric:auc: 0.61 < 0.8)";
    await expect(services.rollouts.start(name, plan)).rejects.toMatchObject({
      code: 'INVALID_STATE',
      field: 'candidate',
      message: expect.stringContaining('which the registry refuses: version 2'),
    });
    expect((await services.deployments.get(name)).rollout?.status).toBe('aborted');
  });

  it('rolls back, saying why, when the registry refuses to move the alias to the candidate', async () => {
    await services.rollouts.abort(name);
    await services.rollouts.start(name, { ...plan, steps: [100], minRequests: 10, minDurationMs: 0 });
    // The gate failed after the rollout started (a new report, a new gate).
    registry.refuseMoves = "version 2 of 'churn' failed its evaluation gate (metric:auc: 0.61 < 0.8)";
    serve('candidate', 10);
    const [outcome] = await evaluate();
    expect(outcome).toMatchObject({ applied: true, decision: { action: 'complete' } });
    const after = await services.deployments.get(name);
    expect(after.candidate).toEqual({ version: '2', mode: 'canary', percent: 0 });
    expect(after.primary).toBe('production');
    expect(after.rollout).toMatchObject({ status: 'rolled_back' });
    expect(registry.aliases.get('production')).toBe(1);
    const last = (await services.deployments.listEvents(name)).at(-1);
    expect(last).toMatchObject({ kind: 'rolled-back', fromPercent: 100, toPercent: 0 });
    expect(last?.reason).toContain("promotion refused: version 2 of 'churn' failed its evaluation gate");
    expect(await evaluate()).toEqual([]);
  });

  it('re-pins a pinned primary to the candidate version on completion', async () => {
    await services.rollouts.abort(name);
    await services.deployments.update(name, { primary: '1' });
    await services.deployments.setCandidate(name, { version: '3', mode: 'ab' });
    await services.rollouts.start(name, { ...plan, steps: [100], minRequests: 10, minDurationMs: 0 });
    serve('candidate', 10);
    expect((await evaluate())[0]?.decision.action).toBe('complete');
    expect((await services.deployments.get(name)).primary).toBe('3');
    expect(registry.moves).toEqual([]);
  });

  it('rolls back when the candidate breaks the error-rate bound, recording the statistics', async () => {
    serve('candidate', 100, 40, 5);
    serve('primary', 1900, 40, 2);
    const [outcome] = await evaluate();
    expect(outcome).toMatchObject({ applied: true, decision: { action: 'rollback' } });

    const rolledBack = await services.deployments.get(name);
    expect(rolledBack.status).toBe('rolled_back');
    expect(rolledBack.candidate).toEqual({ version: '2', mode: 'canary', percent: 0 });
    expect(rolledBack.rollout).toMatchObject({ status: 'rolled_back', stepIndex: 0 });
    expect(rolledBack.rollout?.reason).toContain('error rate 5%');
    expect(registry.moves).toEqual([]);

    const last = (await services.deployments.listEvents(name)).at(-1);
    expect(last).toMatchObject({ kind: 'rolled-back', fromPercent: 5, toPercent: 0, candidateVersion: '2' });
    expect(last?.reason).toMatch(/^automatic rollback: error rate 5% \(5 errors in 100 requests\)/);
    expect(last?.stats?.candidate).toEqual({ requests: 100, errors: 5, p99LatencyMs: 40 });
    expect(last?.stats?.primary.requests).toBe(1900);
    expect(await evaluate()).toEqual([]);
  });

  it('rolls back a failing candidate before the step has its minimum requests', async () => {
    serve('candidate', 3, 40, 3);
    const [outcome] = await evaluate();
    expect(outcome?.decision.action).toBe('rollback');
    expect(outcome?.decision.reason).toContain('3 errors in 3 requests');
  });

  it('rolls back when the p99 latency breaks its bound', async () => {
    await advanceOneStep();
    serve('candidate', 98, 50);
    serve('candidate', 2, 450);
    const [outcome] = await evaluate();
    expect(outcome?.decision.action).toBe('rollback');
    expect(outcome?.decision.reason).toContain('p99 latency 450 ms');
    const last = (await services.deployments.listEvents(name)).at(-1);
    expect(last).toMatchObject({ kind: 'rolled-back', fromPercent: 25, toPercent: 0 });
    expect(last?.stats?.candidate.p99LatencyMs).toBe(450);
  });

  it('judges latency only once the step has its minimum requests', async () => {
    serve('candidate', 10, 900);
    expect((await evaluate())[0]?.decision.action).toBe('wait');
  });

  it('forgets the statistics of earlier steps', async () => {
    serve('candidate', 100, 40, 1);
    clock.advance(10 * minute);
    await evaluate();
    // One error at 25% would not break 2% over 100 requests, but 5 earlier-step errors would.
    serve('candidate', 100, 40, 1);
    clock.advance(10 * minute);
    expect((await evaluate())[0]?.decision.action).toBe('advance');
  });

  it('rolls back on bounds relative to the primary', async () => {
    await services.rollouts.abort(name);
    await services.deployments.setCandidate(name, { version: '2', mode: 'canary' });
    await services.rollouts.start(name, {
      ...plan,
      bounds: { maxErrorRateOverPrimary: 0.01, maxP99LatencyRatioToPrimary: 1.5 },
    });
    serve('primary', 100, 100);
    serve('candidate', 100, 160);
    const [outcome] = await evaluate();
    expect(outcome?.decision.action).toBe('rollback');
    expect(outcome?.decision.reason).toContain("1.60x the primary's 100 ms");
  });

  it('drops a decision when someone changed the deployment meanwhile', async () => {
    const before = await services.deployments.get(name);
    serve('candidate', 100, 40, 10);
    await services.deployments.update(name, { description: 'edited by a person' });
    // The controller read `before`; apply its decision against that stale revision.
    const stale = await services.deployments
      .rollBack(name, { expectedRevision: before.revision, reason: 'stale' })
      .catch((error: { code: string }) => error.code);
    expect(stale).toBe('INVALID_STATE');
    const [outcome] = await evaluate();
    expect(outcome?.applied).toBe(true);
  });

  async function advanceOneStep(): Promise<void> {
    serve('candidate', 100);
    clock.advance(10 * minute);
    const [outcome] = await evaluate();
    expect(outcome?.decision.action).toBe('advance');
  }
});

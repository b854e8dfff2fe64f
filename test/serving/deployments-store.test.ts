import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { MloopError } from '../../src/core/errors.js';
import type { Platform } from '../../src/platform.js';
import {
  createDeploymentServices,
  type DeploymentServices,
} from '../../src/serving/deployments/deployment-services.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { FakeModelVersions } from './fake-model-versions.js';

async function rejection(promise: Promise<unknown>): Promise<MloopError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MloopError) return error;
    throw error;
  }
  throw new Error('expected a MloopError, got success');
}

describeEachDialect('deployments store', (dialect) => {
  let platform: Platform;
  let services: DeploymentServices;
  let clock: ManualClock;
  let registry: FakeModelVersions;
  let n = 0;
  const fresh = () => `dep-${++n}`;

  beforeAll(async () => {
    clock = new ManualClock();
    platform = await openTestPlatform(dialect, clock);
    registry = new FakeModelVersions(3, { production: 1, challenger: 2 });
    services = createDeploymentServices({
      database: platform.database,
      clock,
      events: platform.events,
      versions: registry,
    });
  });
  afterAll(() => platform.close());

  it('creates a deployment following the production alias by default', async () => {
    const name = fresh();
    const created = await services.deployments.create({ name, model: 'churn', description: 'churn API' });
    expect(created).toMatchObject({
      name,
      model: 'churn',
      primary: 'production',
      status: 'active',
      description: 'churn API',
      revision: 1,
    });
    expect(created.candidate).toBeUndefined();
    expect(await services.deployments.get(name)).toEqual(created);
    expect((await services.deployments.list()).map((d) => d.name)).toContain(name);
  });

  it('creates a deployment with a candidate in one step', async () => {
    const name = fresh();
    const created = await services.deployments.create({
      name,
      model: 'churn',
      primary: '1',
      candidate: { version: '2', mode: 'shadow' },
    });
    expect(created.candidate).toEqual({ version: '2', mode: 'shadow', percent: 100 });
    const events = await services.deployments.listEvents(name);
    expect(events.map((e) => e.kind)).toEqual(['created', 'candidate-set']);
    expect(events[0]).toMatchObject({ primaryVersion: '1' });
    expect(events[1]).toMatchObject({ candidateVersion: '2', fromPercent: 0, toPercent: 100 });
  });

  it('refuses a second deployment with the same name', async () => {
    const name = fresh();
    await services.deployments.create({ name, model: 'churn' });
    const error = await rejection(services.deployments.create({ name, model: 'churn' }));
    expect(error.code).toBe('RESOURCE_ALREADY_EXISTS');
  });

  it.each([
    [{ name: 'has space', model: 'churn' }, 'name'],
    [{ name: 'ok', model: '' }, 'model'],
    [{ name: 'ok', model: 'churn', primary: 'a/b' }, 'primary'],
    [{ name: 'ok', model: 'churn', primary: 'staging' }, 'primary'],
    [{ name: 'ok', model: 'churn', primary: '9' }, 'primary'],
    [{ name: 'ok', model: 'churn', candidate: { version: '2', mode: 'blue' as 'ab' } }, 'candidate.mode'],
    [
      { name: 'ok', model: 'churn', candidate: { version: '2', mode: 'canary' as const, percent: 101 } },
      'candidate.percent',
    ],
    [
      { name: 'ok', model: 'churn', candidate: { version: '7', mode: 'canary' as const } },
      'candidate.version',
    ],
  ])('rejects an invalid deployment %j naming the field %s', async (input, field) => {
    const error = await rejection(services.deployments.create(input));
    expect(error.code).toBe('INVALID_PARAMETER_VALUE');
    expect(error.field).toBe(field);
  });

  it('sets, replaces and clears a candidate, recording each change', async () => {
    const name = fresh();
    await services.deployments.create({ name, model: 'churn' });
    clock.advance(1000);
    await services.deployments.setCandidate(name, { version: 'challenger', mode: 'canary', percent: 30 });
    clock.advance(1000);
    const ab = await services.deployments.setCandidate(name, { version: '3', mode: 'ab' });
    expect(ab.candidate).toEqual({ version: '3', mode: 'ab', percent: 50 });
    const cleared = await services.deployments.clearCandidate(name);
    expect(cleared.candidate).toBeUndefined();
    expect((await services.deployments.get(name)).candidate).toBeUndefined();

    const events = await services.deployments.listEvents(name);
    expect(events.map((e) => [e.kind, e.fromPercent, e.toPercent])).toEqual([
      ['created', undefined, undefined],
      ['candidate-set', 0, 30],
      ['candidate-set', 30, 50],
      ['candidate-cleared', 50, 0],
    ]);
    expect(events[1]?.candidateVersion).toBe('2');
    expect(events[1]?.time).toBeLessThan(events[2]?.time ?? 0);
    expect(await services.deployments.listEvents(name, { afterId: events[1]?.id })).toHaveLength(2);
  });

  it('rolls a candidate back by hand and marks the deployment', async () => {
    const name = fresh();
    await services.deployments.create({
      name,
      model: 'churn',
      candidate: { version: '2', mode: 'canary', percent: 20 },
    });
    const rolledBack = await services.deployments.rollBack(name, { reason: 'bad reviews' });
    expect(rolledBack.status).toBe('rolled_back');
    expect(rolledBack.candidate?.percent).toBe(0);
    const last = (await services.deployments.listEvents(name)).at(-1);
    expect(last).toMatchObject({ kind: 'rolled-back', fromPercent: 20, toPercent: 0, reason: 'bad reviews' });
    const again = await services.deployments.setCandidate(name, { version: '3', mode: 'canary' });
    expect(again.status).toBe('active');
  });

  it('updates the primary and keeps the history of a deleted deployment', async () => {
    const name = fresh();
    await services.deployments.create({ name, model: 'churn' });
    const updated = await services.deployments.update(name, { primary: '3', description: 'pinned' });
    expect(updated).toMatchObject({ primary: '3', description: 'pinned', revision: 2 });
    await services.deployments.delete(name);
    expect((await rejection(services.deployments.get(name))).code).toBe('RESOURCE_DOES_NOT_EXIST');
    const kinds = (await services.deployments.listEvents(name)).map((e) => e.kind);
    expect(kinds).toEqual(['created', 'updated', 'deleted']);
  });

  it('fails a change made against an old revision', async () => {
    const name = fresh();
    const created = await services.deployments.create({ name, model: 'churn' });
    await services.deployments.setCandidate(name, { version: '2', mode: 'canary' });
    const error = await rejection(
      services.deployments.clearCandidate(name, { expectedRevision: created.revision }),
    );
    expect(error.code).toBe('INVALID_STATE');
    expect((await services.deployments.get(name)).candidate?.version).toBe('2');
  });

  it('refuses to change the candidate while a rollout runs', async () => {
    const name = fresh();
    await services.deployments.create({ name, model: 'churn', candidate: { version: '2', mode: 'canary' } });
    const started = await services.rollouts.start(name, { steps: [10, 100] });
    expect(started.candidate?.percent).toBe(10);
    expect(started.rollout).toMatchObject({ status: 'running', stepIndex: 0, stepStartedTime: clock.now() });
    expect(started.rollout?.plan).toMatchObject({ steps: [10, 100], minRequests: 100 });
    expect((await services.deployments.listRollingOut()).map((d) => d.name)).toContain(name);
    const error = await rejection(services.deployments.setCandidate(name, { version: '3', mode: 'canary' }));
    expect(error.code).toBe('INVALID_STATE');
    const aborted = await services.rollouts.abort(name);
    expect(aborted.rollout?.status).toBe('aborted');
    expect(aborted.candidate?.percent).toBe(0);
    expect((await services.deployments.listEvents(name)).map((e) => e.kind).slice(-2)).toEqual([
      'rollout-started',
      'rollout-aborted',
    ]);
  });

  it.each([
    [{ steps: [] }, 'plan.steps'],
    [{ steps: [10, 5, 100] }, 'plan.steps[1]'],
    [{ steps: [10, 50] }, 'plan.steps'],
    [{ steps: [0, 100] }, 'plan.steps[0]'],
    [{ minRequests: -1 }, 'plan.minRequests'],
    [{ bounds: { maxErrorRate: 5 } }, 'plan.bounds.maxErrorRate'],
    [{ bounds: { maxP99LatencyMs: 0 } }, 'plan.bounds.maxP99LatencyMs'],
  ])('rejects the rollout plan %j naming the field %s', async (plan, field) => {
    const name = fresh();
    await services.deployments.create({ name, model: 'churn', candidate: { version: '2', mode: 'canary' } });
    const error = await rejection(services.rollouts.start(name, plan));
    expect(error).toMatchObject({ code: 'INVALID_PARAMETER_VALUE', field });
  });

  it('refuses a rollout without a candidate', async () => {
    const name = fresh();
    await services.deployments.create({ name, model: 'churn' });
    expect((await rejection(services.rollouts.start(name))).code).toBe('INVALID_STATE');
  });

  it('tells that an unknown deployment does not exist', async () => {
    const attempts: Array<() => Promise<unknown>> = [
      () => services.deployments.get('nope'),
      () => services.deployments.setCandidate('nope', { version: '2', mode: 'canary' }),
      () => services.deployments.listEvents('nope'),
      () => services.deployments.delete('nope'),
    ];
    for (const attempt of attempts) expect((await rejection(attempt())).code).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});

describe('deployments without a registry', () => {
  it('accepts any version reference', async () => {
    const platform = await openTestPlatform('sqlite');
    try {
      const { deployments } = createDeploymentServices({
        database: platform.database,
        clock: platform.clock,
        events: platform.events,
      });
      const created = await deployments.create({
        name: 'free',
        model: 'anything',
        candidate: { version: '42', mode: 'canary', percent: 5 },
      });
      expect(created.candidate?.version).toBe('42');
    } finally {
      await platform.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/api/server.js';
import { buildServer } from '../../src/api/server.js';
import { ManualClock } from '../../src/core/clock.js';
import type { Platform } from '../../src/platform.js';
import { createDeploymentServices } from '../../src/serving/deployments/deployment-services.js';
import type { Deployment, DeploymentEvent } from '../../src/serving/deployments/types.js';
import { openTestPlatform } from '../helpers/platform.js';
import { FakeModelVersions } from './fake-model-versions.js';

describe('deployment routes', () => {
  let platform: Platform;
  let app: App;
  let clock: ManualClock;
  let registry: FakeModelVersions;

  beforeAll(async () => {
    clock = new ManualClock();
    const base = await openTestPlatform('sqlite', clock);
    registry = new FakeModelVersions(3, { production: 1 });
    platform = {
      ...base,
      deployments: createDeploymentServices({
        database: base.database,
        clock,
        events: base.events,
        versions: registry,
      }),
    };
    app = await buildServer(platform, { logger: false });
  });
  afterAll(async () => {
    await app.close();
    await platform.close();
  });

  const call = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) => {
    const response = await app.inject({ method, url, ...(payload ? { payload } : {}) });
    return { status: response.statusCode, body: response.json() as Record<string, unknown> };
  };

  it('creates, reads, lists, updates and deletes a deployment', async () => {
    const created = await call('POST', '/api/v1/deployments', { name: 'crud', model: 'churn' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'crud',
      model: 'churn',
      primary: 'production',
      status: 'active',
    });

    expect((await call('GET', '/api/v1/deployments/crud')).body).toEqual(created.body);
    const list = await call('GET', '/api/v1/deployments');
    expect((list.body.deployments as Deployment[]).map((d) => d.name)).toContain('crud');

    const patched = await call('PATCH', '/api/v1/deployments/crud', { primary: '2', description: 'pinned' });
    expect(patched.body).toMatchObject({ primary: '2', description: 'pinned', revision: 2 });

    expect((await call('DELETE', '/api/v1/deployments/crud')).status).toBe(200);
    expect((await call('GET', '/api/v1/deployments/crud')).status).toBe(404);
    const events = (await call('GET', '/api/v1/deployments/crud/events')).body.events as DeploymentEvent[];
    expect(events.map((e) => e.kind)).toEqual(['created', 'updated', 'deleted']);
  });

  it('answers invalid input with 400 naming the field', async () => {
    const cases: Array<[object, string]> = [
      [
        { name: 'bad', model: 'churn', candidate: { version: '2', mode: 'canary', percent: 150 } },
        'candidate.percent',
      ],
      [{ name: 'bad', model: 'churn', candidate: { version: '2', mode: 'red' } }, 'candidate.mode'],
      [{ name: 'bad', model: 'churn', candidate: { version: '9', mode: 'canary' } }, 'candidate.version'],
      [{ name: 'a b', model: 'churn' }, 'name'],
      [{ model: 'churn' }, 'name'],
    ];
    for (const [payload, field] of cases) {
      const response = await call('POST', '/api/v1/deployments', payload);
      expect(response.status, JSON.stringify(payload)).toBe(400);
      expect(response.body).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', field });
    }
  });

  it('sets and clears a candidate, rolls it back, and reads the history', async () => {
    await call('POST', '/api/v1/deployments', { name: 'cand', model: 'churn' });
    const canary = await call('PUT', '/api/v1/deployments/cand/candidate', {
      version: '2',
      mode: 'canary',
      percent: 30,
      reason: 'try v2',
    });
    expect(canary.body.candidate).toEqual({ version: '2', mode: 'canary', percent: 30 });
    const rolledBack = await call('POST', '/api/v1/deployments/cand/rollback', { reason: 'complaints' });
    expect(rolledBack.body).toMatchObject({ status: 'rolled_back', candidate: { percent: 0 } });
    const cleared = await call('DELETE', '/api/v1/deployments/cand/candidate');
    expect(cleared.body.candidate).toBeUndefined();
    expect((await call('POST', '/api/v1/deployments/cand/rollback')).body).toMatchObject({
      error_code: 'INVALID_STATE',
    });

    const events = (await call('GET', '/api/v1/deployments/cand/events')).body.events as DeploymentEvent[];
    expect(events.map((e) => [e.kind, e.reason])).toEqual([
      ['created', 'serving churn@production'],
      ['candidate-set', 'try v2'],
      ['rolled-back', 'complaints'],
      ['candidate-cleared', 'candidate removed'],
    ]);
    const after = await call('GET', `/api/v1/deployments/cand/events?afterId=${events[1]?.id}&maxResults=1`);
    expect((after.body.events as DeploymentEvent[]).map((e) => e.kind)).toEqual(['rolled-back']);
  });

  it('starts, reports and aborts a rollout', async () => {
    await call('POST', '/api/v1/deployments', {
      name: 'roll',
      model: 'churn',
      candidate: { version: '2', mode: 'canary' },
    });
    const started = await call('POST', '/api/v1/deployments/roll/rollout', {
      steps: [20, 100],
      minRequests: 5,
      minDurationMs: 1000,
      bounds: { maxErrorRate: 0.1 },
    });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({
      candidate: { percent: 20 },
      rollout: { status: 'running', stepIndex: 0, plan: { steps: [20, 100], minRequests: 5 } },
    });
    const second = await call('POST', '/api/v1/deployments/roll/rollout', {});
    expect(second).toMatchObject({ status: 400, body: { error_code: 'INVALID_STATE' } });

    for (let i = 0; i < 4; i++) platform.deployments.armStats.record('roll', 'candidate', 12, i > 0);
    const stats = await call('GET', '/api/v1/deployments/roll/stats');
    expect(stats.body).toMatchObject({
      candidate: { requests: 4, errors: 1, p99LatencyMs: 12 },
      primary: { requests: 0, errors: 0 },
    });
    const minutes = await call('GET', '/api/v1/deployments/roll/stats/minutes?minutes=5');
    expect(minutes.body.minutes).toEqual([
      {
        time: Math.floor(clock.now() / 60_000) * 60_000,
        arm: 'candidate',
        requests: 4,
        errors: 1,
        p99LatencyMs: 12,
      },
    ]);

    const aborted = await call('POST', '/api/v1/deployments/roll/rollout/abort', {
      reason: 'changed my mind',
    });
    expect(aborted.body).toMatchObject({ rollout: { status: 'aborted', reason: 'changed my mind' } });
    const twice = await call('POST', '/api/v1/deployments/roll/rollout/abort');
    expect(twice.body).toMatchObject({
      error_code: 'INVALID_STATE',
    });
  });

  it('rejects an invalid rollout plan naming the field', async () => {
    await call('POST', '/api/v1/deployments', {
      name: 'plan',
      model: 'churn',
      candidate: { version: '2', mode: 'ab' },
    });
    const response = await call('POST', '/api/v1/deployments/plan/rollout', { steps: [10, 5, 100] });
    expect(response).toMatchObject({ status: 400, body: { field: 'plan.steps[1]' } });
  });

  it('answers 404 for an unknown deployment', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/deployments/none'],
      ['GET', '/api/v1/deployments/none/events'],
      ['PUT', '/api/v1/deployments/none/candidate'],
      ['POST', '/api/v1/deployments/none/rollout'],
    ] as const) {
      const payload =
        method === 'PUT' ? { version: '2', mode: 'canary' } : method === 'POST' ? {} : undefined;
      const response = await call(method, url, payload);
      expect(response.status, url).toBe(404);
    }
  });

  it('documents the routes in OpenAPI', async () => {
    const spec = (await call('GET', '/openapi.json')).body as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/deployments',
        '/api/v1/deployments/{name}',
        '/api/v1/deployments/{name}/candidate',
        '/api/v1/deployments/{name}/rollout',
        '/api/v1/deployments/{name}/events',
      ]),
    );
  });
});

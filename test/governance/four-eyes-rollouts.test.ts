import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildServer, type App } from '../../src/api/server.js';
import { ManualClock } from '../../src/core/clock.js';
import type { Platform } from '../../src/platform.js';
import { startRolloutChange } from '../../src/serving/deployments/deployment-changes.js';
import { checkRolloutPlan } from '../../src/serving/deployments/validation.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { modelWithVersions, unique } from '../registry/model-factories.js';

const plan = { steps: [50, 100], minRequests: 5, minDurationMs: 1000, bounds: { maxErrorRate: 0.5 } };

describeEachDialect('four-eyes over rollouts of a protected alias', (dialect) => {
  let platform: Platform;
  let clock: ManualClock;
  let app: App;
  const secrets: Record<string, string> = {};

  beforeAll(async () => {
    clock = new ManualClock(Date.UTC(2026, 5, 1));
    platform = await openTestPlatform(dialect, clock, { fourEyes: true });
    app = await buildServer(platform, { logger: false, auth: true });
    for (const user of ['alice', 'bob']) {
      await platform.governance.projects.setMember('default', user, 'maintainer');
      secrets[user] = (await platform.governance.tokens.create({ name: user, user })).secret;
    }
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  const call = async (who: string, method: 'GET' | 'POST', url: string, payload?: object) => {
    const response = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${secrets[who]}` },
      ...(payload ? { payload } : {}),
    });
    return { status: response.statusCode, body: response.json() as Record<string, unknown> };
  };
  const production = async (model: string) =>
    (await platform.registry.aliases.getVersion(model, 'production')).version;

  /** A model whose production is version 1, and a deployment canarying version 2 against it. */
  const canaryOfVersion2 = async () => {
    const model = await modelWithVersions(platform, 2);
    await platform.registry.aliases.set(model, 'production', 1);
    const name = unique('canary');
    const created = await call('alice', 'POST', '/api/v1/deployments', {
      name,
      model,
      candidate: { version: '2', mode: 'canary' },
    });
    expect(created.status).toBe(201);
    return { model, name, created: created.body as { candidate: unknown } };
  };

  /** Healthy traffic on the candidate and time enough for each step, until the rollout ends. */
  const driveToEnd = async (name: string) => {
    for (let step = 0; step < plan.steps.length; step++) {
      for (let i = 0; i < plan.minRequests; i++)
        platform.deployments.armStats.record(name, 'candidate', 10, true);
      clock.advance(plan.minDurationMs);
      await platform.deployments.rollouts.evaluate();
    }
  };

  it('refuses to start the rollout before a second maintainer approves, naming the request to make', async () => {
    const { model, name, created } = await canaryOfVersion2();
    const refused = await call('alice', 'POST', `/api/v1/deployments/${name}/rollout`, plan);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain(`/api/v1/models/${model}/promotion-requests`);
    expect(refused.body.message).toContain(`"deployment": "${name}"`);
    const deployment = await call('alice', 'GET', `/api/v1/deployments/${name}`);
    expect(deployment.body.rollout).toBeUndefined();
    // No canary took traffic: the candidate keeps the share it was created with.
    expect(deployment.body.candidate).toEqual(created.candidate);
  });

  it('starts the rollout once approved, and moves production only when the rollout completes', async () => {
    const { model, name } = await canaryOfVersion2();
    const requested = await call('alice', 'POST', `/api/v1/models/${model}/promotion-requests`, {
      alias: 'production',
      version: 2,
      deployment: name,
    });
    expect(requested.status).toBe(201);
    const id = requested.body.id as string;
    // The requester cannot approve; the approval itself moves nothing.
    expect((await call('alice', 'POST', `/api/v1/promotion-requests/${id}/approve`)).status).toBe(403);
    expect((await call('bob', 'POST', `/api/v1/promotion-requests/${id}/approve`)).status).toBe(200);
    expect(await production(model)).toBe(1);

    const started = await call('alice', 'POST', `/api/v1/deployments/${name}/rollout`, plan);
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ candidate: { percent: 50 }, rollout: { status: 'running' } });
    await driveToEnd(name);
    expect(await production(model)).toBe(2);
    expect((await call('alice', 'GET', `/api/v1/deployments/${name}`)).body.rollout).toMatchObject({
      status: 'completed',
    });
  });

  it('does not let an approval for one deployment start another', async () => {
    const first = await canaryOfVersion2();
    const requested = await call('alice', 'POST', `/api/v1/models/${first.model}/promotion-requests`, {
      alias: 'production',
      version: 2,
      deployment: 'some-other-deployment',
    });
    await call('bob', 'POST', `/api/v1/promotion-requests/${requested.body.id as string}/approve`);
    expect((await call('alice', 'POST', `/api/v1/deployments/${first.name}/rollout`, plan)).status).toBe(403);
  });

  it('rolls back instead of moving production when a running rollout has no approval', async () => {
    const { model, name } = await canaryOfVersion2();
    // A rollout started before four-eyes was turned on.
    await platform.deployments.deployments.change(name, startRolloutChange(checkRolloutPlan(plan)));
    await driveToEnd(name);
    expect(await production(model)).toBe(1);
    const deployment = await call('alice', 'GET', `/api/v1/deployments/${name}`);
    expect(deployment.body.rollout).toMatchObject({ status: 'rolled_back' });
    expect(JSON.stringify(deployment.body.rollout)).toContain('four-eyes');
  });
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { openPlatform } from '../../src/platform.js';
import { MloopClient } from '../../src/sdk/client.js';
import type { Deployment, DeploymentEvent } from '../../src/serving/deployments/types.js';
import { describeWithPython } from '../helpers/python.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { makeOnnxModels, registerOnnxModels, type OnnxModels } from './onnx-models.js';
import { eventually } from '../helpers/poll.js';

interface RoutedAnswer {
  model_version: string;
  arm: 'primary' | 'candidate';
  fell_back: boolean;
  predictions: Array<{ id: string; label?: string }>;
}

describeWithPython('deployments end to end: a real server scoring registered scikit-learn models', () => {
  let models: OnnxModels;
  let server: ServerProcess;

  beforeAll(async () => {
    models = makeOnnxModels();
    const home = tempDir('mloop-deployments-e2e-');
    const platform = await openPlatform(loadConfig({ home }, {}, home));
    try {
      // Versions 1 and 2 take the same features; version 3 (tensor layout) lacks `petal_count`,
      // so it rejects the records the others score: a candidate that fails in production.
      for (const model of ['iris', 'iris-promote', 'iris-bad', 'iris-shadow']) {
        await registerOnnxModels(platform, models, model, ['columns-v1', 'columns-v2', 'tensor']);
        await platform.registry.aliases.set(model, 'production', 1);
      }
    } finally {
      await platform.close();
    }
    server = await startServer({ home, env: { MLOOP_ROLLOUT_INTERVAL_MS: '100' } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const json = (await response.json()) as T;
    if (!response.ok)
      throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(json)}`);
    return json;
  }
  const predict = (deployment: string, index: number, key?: string) =>
    call<RoutedAnswer>('POST', `/api/v1/deployments/${deployment}/predict`, {
      record: models.expected.rows[index % models.expected.rows.length],
      ...(key ? { key } : {}),
    });

  it('answers about 30% of requests from a 30% canary, each arm scoring like scikit-learn', async () => {
    await call('POST', '/api/v1/deployments', {
      name: 'iris-api',
      model: 'iris',
      candidate: { version: '2', mode: 'canary', percent: 30 },
    });
    const n = 600;
    let fromCandidate = 0;
    for (let i = 0; i < n; i++) {
      const answer = await predict('iris-api', i);
      const version = answer.arm === 'candidate' ? '2' : '1';
      expect(answer.model_version).toBe(version);
      const expected = models.expected.models[version === '2' ? 'columns-v2' : 'columns-v1'].labels;
      expect(answer.predictions[0]?.label).toBe(expected?.[i % models.expected.rows.length]);
      if (answer.arm === 'candidate') fromCandidate++;
    }
    // Binomial(600, 0.3): the standard deviation of the share is 1.9 points; 6 points is 3.2 of them.
    expect(Math.abs(fromCandidate / n - 0.3)).toBeLessThan(0.06);

    const stats = await call<{ primary: { requests: number }; candidate: { requests: number } }>(
      'GET',
      '/api/v1/deployments/iris-api/stats',
    );
    expect(stats.candidate.requests).toBe(fromCandidate);
    expect(stats.primary.requests).toBe(n - fromCandidate);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/arm="candidate"/);
  });

  it('keeps an A/B caller on one version', async () => {
    await call('POST', '/api/v1/deployments', {
      name: 'iris-ab',
      model: 'iris',
      candidate: { version: '2', mode: 'ab', percent: 50 },
    });
    const versions = new Set<string>();
    for (let user = 0; user < 20; user++) {
      const first = await predict('iris-ab', user, `user-${user}`);
      versions.add(first.model_version);
      for (let again = 1; again < 4; again++) {
        expect((await predict('iris-ab', user + again, `user-${user}`)).model_version).toBe(
          first.model_version,
        );
      }
    }
    expect(versions).toEqual(new Set(['1', '2']));
  });

  it('answers through the SDK, naming the arm', async () => {
    const client = new MloopClient({ url: server.url });
    const rows = models.expected.rows.slice(0, 3);
    const first = await client.deployments.predict('iris-ab', rows, 'sdk-user');
    expect(first.predictions).toHaveLength(3);
    expect(first.deployment).toBe('iris-ab');
    const again = await client.deployments.predict('iris-ab', rows, 'sdk-user');
    expect([again.arm, again.model_version]).toEqual([first.arm, first.model_version]);
    const deployment = await client.deployments.get('iris-ab');
    expect(deployment.candidate).toEqual({ version: '2', mode: 'ab', percent: 50 });
  });

  it('logs shadow predictions under arm shadow and never answers with them', async () => {
    await call('POST', '/api/v1/deployments', {
      name: 'iris-shadowed',
      model: 'iris-shadow',
      candidate: { version: '2', mode: 'shadow' },
    });
    for (let i = 0; i < 10; i++) expect((await predict('iris-shadowed', i)).model_version).toBe('1');
    const logged = await eventually(
      async () => {
        const page = await call<{ predictions: Array<{ arm: string; version: number }> }>(
          'GET',
          '/api/v1/predictions?deployment=iris-shadowed&maxResults=100',
        );
        return page.predictions.length >= 20 ? page.predictions : undefined;
      },
      { what: 'primary and shadow predictions in the log', timeoutMs: 20_000, intervalMs: 50 },
    );
    expect(logged.filter((p) => p.arm === 'shadow').every((p) => p.version === 2)).toBe(true);
    expect(logged.filter((p) => p.arm === 'shadow')).toHaveLength(10);
    expect(logged.filter((p) => p.arm === 'primary')).toHaveLength(10);
  });

  it('rolls a failing candidate back automatically and records why', async () => {
    await call('POST', '/api/v1/deployments', {
      name: 'iris-bad-api',
      model: 'iris-bad',
      candidate: { version: '3', mode: 'canary' },
    });
    await call('POST', '/api/v1/deployments/iris-bad-api/rollout', {
      steps: [50, 100],
      minRequests: 20,
      minDurationMs: 0,
      bounds: { maxErrorRate: 0.05 },
    });
    // Every request is still answered: the primary steps in for the failing candidate.
    for (let i = 0; i < 40; i++) {
      const answer = await predict('iris-bad-api', i);
      expect(answer.model_version).toBe('1');
    }
    const rolledBack = await eventually(
      async () => {
        const d = await call<Deployment>('GET', '/api/v1/deployments/iris-bad-api');
        return d.status === 'rolled_back' ? d : undefined;
      },
      { what: 'the automatic rollback', timeoutMs: 20_000, intervalMs: 50 },
    );
    expect(rolledBack.candidate?.percent).toBe(0);
    expect(rolledBack.rollout).toMatchObject({ status: 'rolled_back', stepIndex: 0 });

    const { events } = await call<{ events: DeploymentEvent[] }>(
      'GET',
      '/api/v1/deployments/iris-bad-api/events',
    );
    const last = events.at(-1);
    expect(last).toMatchObject({ kind: 'rolled-back', fromPercent: 50, toPercent: 0, candidateVersion: '3' });
    expect(last?.reason).toMatch(/^automatic rollback: error rate/);
    expect(last?.stats?.candidate.errors).toBeGreaterThan(0);
    for (let i = 0; i < 10; i++) expect((await predict('iris-bad-api', i)).arm).toBe('primary');
  });

  it('promotes a healthy candidate by moving the production alias, and serves it', async () => {
    await call('POST', '/api/v1/deployments', {
      name: 'iris-promote-api',
      model: 'iris-promote',
      candidate: { version: '2', mode: 'canary' },
    });
    await call('POST', '/api/v1/deployments/iris-promote-api/rollout', {
      steps: [50, 100],
      minRequests: 10,
      minDurationMs: 0,
      bounds: { maxErrorRate: 0.05, maxP99LatencyMs: 5000 },
    });
    let i = 0;
    const done = await eventually(
      async () => {
        await predict('iris-promote-api', i++);
        const d = await call<Deployment>('GET', '/api/v1/deployments/iris-promote-api');
        return d.rollout?.status === 'completed' ? d : undefined;
      },
      { what: 'the rollout to complete', timeoutMs: 20_000, intervalMs: 50 },
    );
    expect(done.primary).toBe('production');
    expect(done.candidate).toBeUndefined();

    // The alias moved in the registry: the model route serving `production` answers with version 2.
    const viaAlias = await call<RoutedAnswer>(
      'POST',
      '/api/v1/serving/iris-promote/predict?alias=production',
      {
        record: models.expected.rows[0],
      },
    );
    expect(viaAlias.model_version).toBe('2');
    const { events } = await call<{ events: DeploymentEvent[] }>(
      'GET',
      '/api/v1/deployments/iris-promote-api/events',
    );
    expect(events.map((e) => e.kind)).toEqual([
      'created',
      'candidate-set',
      'rollout-started',
      'step-advanced',
      'completed',
    ]);
    await eventually(
      async () => {
        const answer = await predict('iris-promote-api', 0);
        return answer.model_version === '2' && answer.arm === 'primary' ? answer : undefined;
      },
      { what: 'the promoted version to answer as the primary', timeoutMs: 20_000, intervalMs: 50 },
    );
  });
});

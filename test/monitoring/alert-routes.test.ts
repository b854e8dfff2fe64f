import { afterEach, beforeEach, expect, it } from 'vitest';
import { buildServer, type App } from '../../src/api/server.js';
import type { ManualClock } from '../../src/core/clock.js';
import type { Platform } from '../../src/platform.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';
import {
  registerMonitoredModel,
  servePredictions,
  testClock,
  writeReferenceCsv,
} from './monitoring-fixtures.js';

describeEachDialect('alert routes', (dialect) => {
  let platform: Platform;
  let clock: ManualClock;
  let app: App;
  let model: string;

  beforeEach(async () => {
    clock = testClock();
    platform = await openTestPlatform(dialect, clock);
    app = await buildServer(platform, { logger: false });
    model = await registerMonitoredModel(platform);
  });
  afterEach(async () => {
    await app.close();
    await platform.close();
  });

  const call = async (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) => {
    const response = await app.inject({ method, url, ...(payload ? { payload } : {}) });
    return { status: response.statusCode, body: response.json() as Record<string, unknown> };
  };

  it('creates, lists, evaluates, disables and deletes a rule; lists its alerts by rule and time', async () => {
    // Over HTTP a reference is stored data: a dataset version.
    await platform.data.datasets.add(`ref-${model}`, writeReferenceCsv(tempDir()));
    const created = await call('POST', '/api/v1/alert-rules', {
      name: 'drift',
      model: `${model}@champion`,
      kind: 'drift_share',
      threshold: 0.3,
      window: '1h',
      reference: `ref-${model}/1`,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'drift',
      target: { model: `${model}@champion` },
      windowMs: 3_600_000,
      enabled: true,
    });
    expect((await call('GET', '/api/v1/alert-rules')).body.rules).toHaveLength(1);

    await servePredictions(platform, `${model}@champion`, 300, { shiftA: 2 });
    const evaluated = await call('POST', '/api/v1/alert-rules/drift/evaluate');
    expect(evaluated.status).toBe(200);
    expect(evaluated.body).toMatchObject({
      rule: 'drift',
      outcome: 'fired',
      value: 0.5,
      alert: { status: 'firing' },
    });

    const alerts = await call('GET', `/api/v1/alerts?rule=drift&from=${clock.now() - 1000}`);
    expect(alerts.body.alerts).toHaveLength(1);
    expect((await call('GET', `/api/v1/alerts?to=${clock.now()}`)).body.alerts).toHaveLength(0);

    expect((await call('POST', '/api/v1/alert-rules/drift/disable')).body.enabled).toBe(false);
    expect((await call('GET', '/api/v1/alert-rules/drift')).body).toMatchObject({
      enabled: false,
      lastEvaluation: { outcome: 'fired', value: 0.5 },
    });
    expect((await call('DELETE', '/api/v1/alert-rules/drift')).status).toBe(200);
    expect((await call('GET', '/api/v1/alert-rules/drift')).status).toBe(404);
    // The alerts of a deleted rule stay readable.
    expect((await call('GET', '/api/v1/alerts?rule=drift')).body.alerts).toHaveLength(1);
  });

  it('answers 400 naming the field for invalid rules and queries', async () => {
    const base = { name: 'r', model: `${model}@champion`, kind: 'drift_share', threshold: 0.5, window: '1h' };
    const bad = async (payload: object) =>
      (await call('POST', '/api/v1/alert-rules', { ...base, ...payload })).body;
    expect(await bad({ kind: 'vibes' })).toMatchObject({
      error_code: 'INVALID_PARAMETER_VALUE',
      field: 'kind',
    });
    expect(await bad({ window: 'soon' })).toMatchObject({ field: 'window' });
    expect(await bad({ threshold: 1.5 })).toMatchObject({ field: 'threshold' });
    expect(await bad({ webhookUrl: 'not a url' })).toMatchObject({ field: 'webhookUrl' });
    expect(await bad({ kind: 'metric_above' })).toMatchObject({ field: 'metric' });
    expect((await call('GET', '/api/v1/alerts?status=open')).body).toMatchObject({ field: 'status' });
    expect((await call('POST', '/api/v1/alert-rules/none/evaluate')).status).toBe(404);
  });
});

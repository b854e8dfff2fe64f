import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type App } from '../../src/api/server.js';
import { loadConfig } from '../../src/core/config.js';
import { seededRandom } from '../../src/core/random.js';
import { openPlatform, type Platform } from '../../src/platform.js';
import type { StoredGateReport } from '../../src/registry/gates/types.js';
import { tempDir } from '../helpers/tmp.js';
import { runMloop } from '../helpers/cli.js';

const mloop = (home: string, args: string[]) => runMloop(home, args, { home: join(home, '.mloop') });

function shopCsv(rows: number, seed: number): string {
  const random = seededRandom(seed);
  const lines = ['size,color,bought'];
  for (let i = 0; i < rows; i++) {
    const size = Math.round(random() * 100);
    const color = ['red', 'blue'][Math.floor(random() * 2)] as string;
    lines.push(`${size},${color},${size + (color === 'red' ? 20 : 0) + random() * 20 > 60 ? 'yes' : 'no'}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('mloop models gate and the gate routes', () => {
  let home: string;

  beforeAll(async () => {
    home = tempDir();
    writeFileSync(join(home, 'shop.csv'), shopCsv(400, 4));
    writeFileSync(join(home, 'holdout.csv'), shopCsv(200, 5));
    writeFileSync(join(home, 'pass.yaml'), 'label: bought\nmetrics: {auc: {min: 0.8}}\n');
    writeFileSync(join(home, 'fail.yaml'), 'label: bought\nmetrics: {accuracy: {min: 0.999}}\n');
    for (const features of ['size,color', 'color']) {
      const trained = await mloop(home, [
        'train',
        '--data',
        'shop.csv',
        '--label',
        'bought',
        '--features',
        features,
        '--model',
        'logistic',
        '--register',
        'shop',
        '--json',
      ]);
      expect(trained.code, trained.stderr).toBe(0);
    }
  });

  it('exits 0 on a pass and 1 on a failure, with the report as JSON, and production refuses the failed version', async () => {
    const passed = await mloop(home, [
      'models',
      'gate',
      'shop/1',
      '--holdout',
      'holdout.csv',
      '--gate',
      'pass.yaml',
      '--save',
      '--json',
    ]);
    expect(passed.code, passed.stderr).toBe(0);
    expect((JSON.parse(passed.stdout) as StoredGateReport).checks[0]).toMatchObject({
      name: 'metric:roc_auc',
      passed: true,
    });

    const failed = await mloop(home, [
      'models',
      'gate',
      'shop/2',
      '--holdout',
      'holdout.csv',
      '--gate',
      'fail.yaml',
    ]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/FAIL\s+metric:accuracy/);
    expect(failed.stdout).toMatch(/shop\/2 FAILED its gate on holdout.csv/);

    const refused = await mloop(home, ['models', 'alias', 'shop', 'production', '2']);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/failed its evaluation gate.*--force --reason/s);
    const forced = await mloop(home, [
      'models',
      'alias',
      'shop',
      'production',
      '2',
      '--force',
      '--reason',
      'demo day',
      '--json',
    ]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({
      toVersion: 2,
      reason: expect.stringMatching(/^demo day \[forced past gate/),
    });

    const badGate = await mloop(home, [
      'models',
      'gate',
      'shop/1',
      '--holdout',
      'holdout.csv',
      '--gate',
      'nope.yaml',
    ]);
    expect(badGate.code).toBe(3);
    expect(badGate.stderr).toMatch(/no gate file/);
  });

  describe('over HTTP', () => {
    let platform: Platform;
    let app: App;
    beforeAll(async () => {
      platform = await openPlatform(loadConfig({ home: join(home, '.mloop') }, {}));
      app = await buildServer(platform, { logger: false });
      await platform.data.datasets.add('shop-holdout', join(home, 'holdout.csv'));
    });
    afterAll(async () => {
      await app?.close();
      await platform?.close();
    });

    it('runs a gate on a dataset version, lists reports, refuses a server path, and forces an alias with a reason', async () => {
      const run = await app.inject({
        method: 'POST',
        url: '/api/v1/models/shop/versions/1/gate-reports',
        payload: { holdout: 'shop-holdout/1', gate: { label: 'bought', metrics: { auc: { min: 0.8 } } } },
      });
      expect(run.statusCode, run.body).toBe(201);
      expect(run.json()).toMatchObject({ passed: true, holdout: 'shop-holdout/1', rows: 200 });
      const listed = await app.inject({ method: 'GET', url: '/api/v1/models/shop/versions/1/gate-reports' });
      expect((listed.json() as { reports: StoredGateReport[] }).reports.length).toBe(2);

      const path = await app.inject({
        method: 'POST',
        url: '/api/v1/models/shop/versions/1/gate-reports',
        payload: { holdout: join(home, 'holdout.csv') },
      });
      expect(path.statusCode).toBe(400);
      expect(path.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', field: 'holdout' });

      const wrongGate = await app.inject({
        method: 'PUT',
        url: '/api/v1/models/shop/gate',
        payload: { gate: { latency: { p99_ms: -1 } } },
      });
      expect(wrongGate.json()).toMatchObject({ field: 'gate.latency.p99_ms' });

      const refused = await app.inject({
        method: 'PUT',
        url: '/api/v1/models/shop/aliases/champion',
        payload: { version: 2 },
      });
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toMatchObject({ error_code: 'INVALID_STATE', field: 'version' });
      const forced = await app.inject({
        method: 'PUT',
        url: '/api/v1/models/shop/aliases/champion',
        payload: { version: 2, force: true, reason: 'ok' },
      });
      expect(forced.statusCode, forced.body).toBe(200);
    });

    it('refuses a rollout whose candidate failed its gate, before the canary takes traffic', async () => {
      await platform.registry.aliases.set('shop', 'production', 1, { reason: 'gate passed' });
      const created = await app.inject({
        method: 'POST',
        url: '/api/v1/deployments',
        payload: { name: 'shop-live', model: 'shop', primary: 'production' },
      });
      expect(created.statusCode, created.body).toBe(201);
      const candidate = await app.inject({
        method: 'PUT',
        url: '/api/v1/deployments/shop-live/candidate',
        payload: { version: '2', mode: 'canary', percent: 10 },
      });
      expect(candidate.statusCode, candidate.body).toBe(200);
      const rollout = await app.inject({
        method: 'POST',
        url: '/api/v1/deployments/shop-live/rollout',
        payload: { steps: [10, 100] },
      });
      expect(rollout.statusCode).toBe(400);
      expect(rollout.json()).toMatchObject({ error_code: 'INVALID_STATE', field: 'candidate' });
      expect(rollout.json().message).toMatch(/shop@production to version 2.*failed its evaluation gate/);
    });
  });
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type App } from '../../src/api/server.js';
import { loadConfig } from '../../src/core/config.js';
import { openPlatform, type Platform } from '../../src/platform.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

const noStack = (body: string) => {
  expect(body).not.toMatch(/\n\s+at |\.ts:\d+|\.js:\d+|node_modules/);
};

describe('secure defaults of the HTTP API', () => {
  let platform: Platform;
  let app: App;
  let home: string;

  beforeAll(async () => {
    home = tempDir('mloop-secure-');
    platform = await openPlatform(
      loadConfig(
        { home, databaseUrl: `sqlite:${join(home, 'mloop.db')}`, jsonBodyLimitBytes: 64 * 1024 },
        {},
      ),
    );
    app = await buildServer(platform, { logger: false });
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  it('keeps artifact paths inside the artifact store', async () => {
    const run = await platform.tracking.runs.create({ experimentId: '0' });
    const attempts = [
      { method: 'PUT' as const, url: '/api/2.0/mlflow-artifacts/artifacts/..%2F..%2Fescaped.txt' },
      { method: 'PUT' as const, url: '/api/2.0/mlflow-artifacts/artifacts/a/../../../escaped.txt' },
      { method: 'PUT' as const, url: `/api/v1/runs/${run.info.runId}/artifacts/..%2F..%2F..%2Fescaped.txt` },
      { method: 'PUT' as const, url: '/api/2.0/mlflow-artifacts/artifacts/%2Ftmp%2Fescaped.txt' },
    ];
    for (const attempt of attempts) {
      const res = await app.inject({
        ...attempt,
        payload: Buffer.from('x'),
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(res.statusCode, `${attempt.url}: ${res.body}`).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, attempt.url).toBeLessThan(500);
      noStack(res.body);
    }
    expect(existsSync(join(home, 'escaped.txt'))).toBe(false);
    expect(existsSync(join(home, '..', 'escaped.txt'))).toBe(false);
    for (const url of [
      '/api/2.0/mlflow-artifacts/artifacts/..%2F..%2F..%2F..%2Fetc%2Fpasswd',
      '/api/2.0/mlflow-artifacts/artifacts/%2Fetc%2Fpasswd',
      `/api/v1/runs/${run.info.runId}/artifacts/..%2F..%2F..%2F..%2Fetc%2Fpasswd`,
    ]) {
      const res = await app.inject({ url });
      expect([400, 404], `${url}: ${res.statusCode}`).toContain(res.statusCode);
      expect(res.body).not.toContain('root:');
    }
  });

  it('refuses JSON nested deeper than 64 levels with a 400, and takes ordinary nesting', async () => {
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    const deep = await app.inject({
      method: 'POST',
      url: '/api/2.0/mlflow/runs/search',
      headers: { 'content-type': 'application/json' },
      payload: `{"experiment_ids": ${nested(10_000)}}`,
    });
    expect(deep.statusCode).toBe(400);
    expect(deep.json()).toMatchObject({ error_code: 'BAD_REQUEST' });
    expect(deep.json().message).toMatch(/deeper than 64/);
    const fine = await app.inject({
      method: 'POST',
      url: '/api/2.0/mlflow/runs/search',
      payload: { experiment_ids: ['0'] },
    });
    expect(fine.statusCode).toBe(200);
  });

  it('refuses an oversize JSON body with 413 and the usual error body, and malformed JSON with 400', async () => {
    const big = await app.inject({
      method: 'POST',
      url: '/api/2.0/mlflow/experiments/create',
      payload: { name: 'x'.repeat(100 * 1024) },
    });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ error_code: 'PAYLOAD_TOO_LARGE' });
    const broken = await app.inject({
      method: 'POST',
      url: '/api/2.0/mlflow/experiments/create',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(broken.statusCode).toBe(400);
    noStack(broken.body);
  });

  it('answers 429 with Retry-After once a token has used its requests', async () => {
    const limitedHome = tempDir('mloop-ratelimit-');
    const limited = await openPlatform(
      loadConfig(
        { home: limitedHome, databaseUrl: `sqlite:${join(limitedHome, 'mloop.db')}`, rateLimitPerMinute: 5 },
        {},
      ),
    );
    const limitedApp = await buildServer(limited, { logger: false, auth: true });
    try {
      const { secret } = await limited.governance.tokens.create({ name: 'busy', user: 'busy', admin: true });
      const statuses: number[] = [];
      let retryAfter: string | undefined;
      for (let i = 0; i < 7; i++) {
        const res = await limitedApp.inject({
          url: '/api/v1/experiments',
          headers: { authorization: `Bearer ${secret}` },
        });
        statuses.push(res.statusCode);
        if (res.statusCode === 429) retryAfter = res.headers['retry-after'] as string;
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
      expect(Number(retryAfter)).toBeGreaterThan(0);
      expect((await limitedApp.inject({ url: '/health' })).statusCode).toBe(200);
    } finally {
      await limitedApp.close();
      await limited.close();
    }
  });
});

describeEachDialect('search filters with SQL metacharacters', (dialect) => {
  let platform: Platform;
  let app: App;
  let experimentId: string;

  beforeAll(async () => {
    platform = await openTestPlatform(dialect);
    app = await buildServer(platform, { logger: false });
    experimentId = await platform.tracking.experiments.create({ name: 'injection' });
    const run = await platform.tracking.runs.create({ experimentId });
    await platform.tracking.runs.logBatch(run.info.runId, {
      params: [{ key: 'lr', value: "O'Brien; DROP TABLE runs; --" }],
    });
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  const search = (filter: string) =>
    app.inject({
      method: 'POST',
      url: '/api/2.0/mlflow/runs/search',
      payload: { experiment_ids: [experimentId], filter },
    });

  it('treats quotes, semicolons and comments in keys and values as data, never as SQL', async () => {
    const filters = [
      "params.lr = '1' OR '1'='1'",
      "params.lr = '1'' OR ''1''=''1'",
      "params.`x'; DROP TABLE runs; --` = 'a'",
      "params.\"lr\" = 'a\\' OR 1=1 --'",
      "tags.`k\"; DELETE FROM runs; --` != 'x'",
      "attributes.run_name LIKE '%'' UNION SELECT * FROM runs --%'",
      'metrics.`acc) OR (1=1` > 0',
      "params.lr = '1'; DROP TABLE experiments",
      "params.lr IN ('a', 'b'')) OR 1=1 --')",
    ];
    for (const filter of filters) {
      const res = await search(filter);
      expect([200, 400], `${filter}: ${res.body}`).toContain(res.statusCode);
      if (res.statusCode === 200) expect(res.json().runs ?? [], filter).toEqual([]);
      noStack(res.body);
    }
    const exact = await search(`params.lr = "O'Brien; DROP TABLE runs; --"`);
    expect(exact.statusCode, exact.body).toBe(200);
    expect(exact.json().runs).toHaveLength(1);
    const all = await search('');
    expect(all.json().runs).toHaveLength(1);
  });
});

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type App } from '../../src/api/server.js';
import type { Platform } from '../../src/platform.js';
import { openTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';
import { customersSql, duckDbCopy } from './validation-files.js';

describe('dataset validation API (/api/v1/datasets/{name}/versions/{version}/validations)', () => {
  let platform: Platform;
  let app: App;
  const url = '/api/v1/datasets/customers/versions';

  beforeAll(async () => {
    const dir = tempDir('mloop-validation-api-');
    const good = join(dir, 'customers.csv');
    const bad = join(dir, 'customers-bad.csv');
    await duckDbCopy(`COPY (${customersSql()}) TO '${good}' (HEADER)`);
    await duckDbCopy(
      `COPY (SELECT id, CASE WHEN id = 3 THEN 150 ELSE age END AS age, country, email, income FROM (${customersSql()})) TO '${bad}' (HEADER)`,
    );
    platform = await openTestPlatform('sqlite');
    await platform.data.datasets.add('customers', good);
    await platform.data.datasets.add('customers', bad);
    app = await buildServer(platform, { logger: false });
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  const call = async (method: 'GET' | 'POST', path: string, payload?: object) => {
    const response = await app.inject({ method, url: path, ...(payload ? { payload } : {}) });
    return { status: response.statusCode, body: response.json<Record<string, unknown>>() };
  };

  const suite = {
    checks: [
      { column: 'age', type: 'integer', range: { min: 0, max: 120 } },
      { column: 'income', distribution: { reference: 'customers/1', test: 'ks' } },
      { rows: { min: 100 } },
    ],
  };

  it('runs a suite on a version, stores the report and lists it', async () => {
    const passed = await call('POST', `${url}/1/validations`, suite);
    expect(passed.status, JSON.stringify(passed.body)).toBe(201);
    expect(passed.body).toMatchObject({ dataset: 'customers', version: 1, passed: true });
    const failed = await call('POST', `${url}/2/validations`, suite);
    expect(failed.body).toMatchObject({
      version: 2,
      passed: false,
      summary: '1 of 4 checks failed (age range)',
    });
    const range = (failed.body.report as { checks: { check: { label: string }; examples: unknown[] }[] })
      .checks[1]!;
    expect(range).toMatchObject({ check: { label: 'age range' }, examples: [{ row: 3, value: 150 }] });
    const listed = await call('GET', `${url}/2/validations`);
    expect(listed.status).toBe(200);
    expect((listed.body.validations as unknown[]).length).toBe(1);
    await expect(platform.data.validation.requireValidated('customers/2')).rejects.toThrow(/age range/);
  });

  it('requires a suite when asked, and runs the required one for an empty body', async () => {
    const required = await call('POST', `${url}/latest/validations?require=true`, {
      checks: [{ rows: { min: 1 } }],
    });
    expect(required.body).toMatchObject({ version: 2, passed: true });
    const again = await call('POST', `${url}/1/validations`, {});
    expect(again.body).toMatchObject({ version: 1, passed: true, suiteDigest: required.body.suiteDigest });
    const answer = await call('GET', '/api/v1/datasets/customers/required-suite');
    expect(answer.body).toMatchObject({ required: { suite: { checks: [{ rows: { min: 1 } }] } } });
  });

  it('suggests a suite from a version', async () => {
    const answer = await call('GET', `${url}/1/suggested-suite?distribution=true`);
    expect(answer.status).toBe(200);
    expect((answer.body.checks as unknown[])[1]).toMatchObject({
      column: 'age',
      type: 'integer',
      range: { min: 18, max: 77 },
      distribution: { reference: 'customers/1' },
    });
  });

  it('answers 400 naming the check of a bad suite, and 404 for a missing version', async () => {
    const bad = await call('POST', `${url}/1/validations`, {
      checks: [{ rows: { min: 1 } }, { column: 'age', type: 'int' }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', field: 'checks[1].type' });
    const missing = await call('POST', `${url}/9/validations`, suite);
    expect(missing.status).toBe(404);
  });
});

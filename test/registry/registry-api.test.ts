import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type App } from '../../src/api/server.js';
import type { Platform } from '../../src/platform.js';
import { openTestPlatform } from '../helpers/platform.js';
import { trainedRun, unique } from './model-factories.js';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

describe('native model registry API (/api/v1/models)', () => {
  let platform: Platform;
  let app: App;

  beforeAll(async () => {
    platform = await openTestPlatform('sqlite');
    app = await buildServer(platform, { logger: false });
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  const call = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) => {
    const response = await app.inject({ method, url, ...(payload ? { payload } : {}) });
    return { status: response.statusCode, body: response.json<Record<string, unknown>>() } satisfies Answer;
  };
  const expectError = (answer: Answer, status: number, code: string, field?: string) => {
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    expect(answer.body).toMatchObject({ error_code: code, ...(field ? { field } : {}) });
  };

  it('registers a version, moves an alias with a reason, and lists the history', async () => {
    const name = unique('api');
    const { runId } = await trainedRun(platform);
    expect((await call('POST', '/api/v1/models', { name, description: 'churn' })).status).toBe(201);
    const created = await call('POST', `/api/v1/models/${name}/versions`, { runId, artifactPath: 'model' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name,
      version: 1,
      status: 'READY',
      format: 'mloop-model/v1',
      metadata: { task: 'classification', layout: { kind: 'columns' }, classLabels: ['stay', 'churn'] },
      lineage: {
        runId,
        datasets: [{ name: 'churn-train', digest: 'd1g35t' }],
        git: { commit: 'a1b2c3d4e5f6', dirty: false },
        packages: { onnx: '1.23.2' },
      },
    });

    const moved = await call('PUT', `/api/v1/models/${name}/aliases/champion`, {
      version: 1,
      reason: 'launch',
    });
    expect(moved.body).toMatchObject({ promotion: { alias: 'champion', toVersion: 1, reason: 'launch' } });
    expect((await call('PUT', `/api/v1/models/${name}/aliases/champion`, { version: 1 })).body).toEqual({});
    const byAlias = await call('GET', `/api/v1/models/${name}/aliases/champion`);
    expect(byAlias.body).toMatchObject({ version: 1, aliases: ['champion'] });
    expect((await call('GET', `/api/v1/models/${name}`)).body).toMatchObject({
      name,
      latestVersion: 1,
      aliases: [{ alias: 'champion', version: 1 }],
    });
    const listed = await call('GET', `/api/v1/models/${name}/versions`);
    expect((listed.body.versions as unknown[]).length).toBe(1);

    expect((await call('DELETE', `/api/v1/models/${name}/versions/1?reason=leak`)).status).toBe(200);
    const history = await call('GET', `/api/v1/models/${name}/history`);
    expect(history.body.promotions).toMatchObject([
      { fromVersion: 1, reason: 'leak' },
      { toVersion: 1, reason: 'launch', actor: 'anonymous' },
    ]);
  });

  it('answers 4xx naming the field at fault', async () => {
    const name = unique('api-errors');
    const { runId } = await trainedRun(platform);
    await call('POST', '/api/v1/models', { name });
    await call('POST', `/api/v1/models/${name}/versions`, { source: `runs:/${runId}/model` });

    expectError(await call('POST', '/api/v1/models', {}), 400, 'INVALID_PARAMETER_VALUE', 'name');
    expectError(
      await call('POST', '/api/v1/models', { name: 'a/b' }),
      400,
      'INVALID_PARAMETER_VALUE',
      'name',
    );
    expectError(await call('POST', '/api/v1/models', { name }), 400, 'RESOURCE_ALREADY_EXISTS');
    expectError(
      await call('POST', `/api/v1/models/${name}/versions`, {}),
      400,
      'INVALID_PARAMETER_VALUE',
      'source',
    );
    expectError(
      await call('POST', `/api/v1/models/${name}/versions`, { runId, artifactPath: '../escape' }),
      400,
      'INVALID_PARAMETER_VALUE',
      'artifact_path',
    );
    expectError(
      await call('POST', `/api/v1/models/${name}/versions`, { source: 'file:///etc/passwd' }),
      400,
      'INVALID_PARAMETER_VALUE',
      'source',
    );
    expectError(
      await call('PUT', `/api/v1/models/${name}/aliases/latest`, { version: 1 }),
      400,
      'INVALID_PARAMETER_VALUE',
      'alias',
    );
    expectError(
      await call('PUT', `/api/v1/models/${name}/aliases/champion`, { version: 0 }),
      400,
      'INVALID_PARAMETER_VALUE',
      'version',
    );
    expectError(
      await call('PUT', `/api/v1/models/${name}/aliases/champion`, { version: 'one' }),
      400,
      'INVALID_PARAMETER_VALUE',
      'version',
    );
    expectError(
      await call('GET', `/api/v1/models/${name}/versions/abc`),
      400,
      'INVALID_PARAMETER_VALUE',
      'version',
    );
    expectError(
      await call('GET', `/api/v1/models?filter=${encodeURIComponent("owner = 'x'")}`),
      400,
      'INVALID_PARAMETER_VALUE',
      'filter',
    );
    expectError(await call('GET', `/api/v1/models/${name}/versions/7`), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await call('GET', `/api/v1/models/${unique('none')}`), 404, 'RESOURCE_DOES_NOT_EXIST');
    const noAlias = await call('GET', `/api/v1/models/${name}/aliases/nobody`);
    expectError(noAlias, 404, 'RESOURCE_DOES_NOT_EXIST', 'alias');
    expect(noAlias.body.message).toBe(`Alias 'nobody' not found: model '${name}' has no aliases`);
  });

  it('renames and describes a model through PATCH', async () => {
    const name = unique('api-rename');
    await call('POST', '/api/v1/models', { name, tags: [{ key: 'team', value: 'ml' }] });
    const patched = await call('PATCH', `/api/v1/models/${name}`, { name: `${name}-2`, description: 'v2' });
    expect(patched.body).toMatchObject({
      name: `${name}-2`,
      description: 'v2',
      tags: [{ key: 'team', value: 'ml' }],
    });
    expect((await call('PUT', `/api/v1/models/${name}-2/tags/owner`, { value: 'ana' })).status).toBe(200);
    expect((await call('DELETE', `/api/v1/models/${name}-2/tags/team`)).status).toBe(200);
    expect((await call('GET', `/api/v1/models/${name}-2`)).body).toMatchObject({
      tags: [{ key: 'owner', value: 'ana' }],
    });
    const found = await call('GET', `/api/v1/models?filter=${encodeURIComponent(`name LIKE '${name}%'`)}`);
    expect((found.body.models as Array<{ name: string }>).map((m) => m.name)).toEqual([`${name}-2`]);
  });
});

import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildServer, type App } from '../../src/api/server.js';
import type { Platform } from '../../src/platform.js';
import { openTestPlatform } from '../helpers/platform.js';
import { describeWithPython, pythonPath } from '../helpers/python.js';

type Operation = { operationId?: string };
type Document = { paths: Record<string, Record<string, Operation>> };

// The document generated clients are built from: valid OpenAPI, every operation named once.
describeWithPython('the OpenAPI document at /openapi.json', () => {
  let platform: Platform;
  let app: App;
  let document: Document;
  beforeAll(async () => {
    platform = await openTestPlatform('sqlite');
    app = await buildServer(platform, { logger: false, auth: false });
    document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<Document>();
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  const operations = (): Array<[string, Operation]> =>
    Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]): [string, Operation] => [
        `${method.toUpperCase()} ${path}`,
        op,
      ]),
    );

  it('passes openapi-spec-validator', () => {
    const check =
      'import json, sys\nfrom openapi_spec_validator import validate\nvalidate(json.load(sys.stdin))';
    // Throws with the validator's message (on stderr) when the document is invalid.
    execFileSync(pythonPath(), ['-c', check], {
      input: JSON.stringify(document),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  });

  it('gives every operation an operationId, none twice', () => {
    const all = operations();
    expect(all.length).toBeGreaterThan(150);
    expect(all.filter(([, op]) => !op.operationId).map(([name]) => name)).toEqual([]);
    const seen = new Map<string, string[]>();
    for (const [name, op] of all) seen.set(op.operationId!, [...(seen.get(op.operationId!) ?? []), name]);
    expect([...seen].filter(([, names]) => names.length > 1)).toEqual([]);
  });

  it('names native operations by resource and MLflow ones by MLflow name', () => {
    const idOf = (method: string, path: string) => document.paths[path]?.[method]?.operationId;
    expect(idOf('get', '/api/v1/models/{name}/versions/{version}')).toBe('getModelVersion');
    expect(idOf('get', '/api/v1/models/{name}/versions')).toBe('listModelVersions');
    expect(idOf('post', '/api/v1/runs/search')).toBe('searchRuns');
    expect(idOf('post', '/api/v1/pipeline-runs/{id}/cancel')).toBe('cancelPipelineRun');
    expect(idOf('post', '/api/2.0/mlflow/runs/log-parameter')).toBe('mlflowLogParam');
    expect(idOf('get', '/api/2.0/mlflow/registered-models/alias')).toBe('mlflowGetModelVersionByAlias');
    expect(idOf('post', '/v2/models/{name}/infer')).toBe('oipModelInfer');
    expect(idOf('post', '/graphql')).toBe('mlflowGraphql');
  });
});

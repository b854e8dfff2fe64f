import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MloopClient, MloopError } from '../../src/sdk/index.js';
import { columnsClassifierOnnx } from '../helpers/onnx-model.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { classifierMetadata, unique } from './model-factories.js';

describe('TypeScript SDK: the model registry', () => {
  let server: ServerProcess;
  let client: MloopClient;

  beforeAll(async () => {
    server = await startServer();
    client = new MloopClient({ url: server.url });
  });
  afterAll(async () => server?.stop());

  /** A run that uploaded an mloop model package under `model/`. */
  async function runWithModel(): Promise<string> {
    const run = await client.startRun({ experiment: unique('sdk-registry') });
    await client.runs.uploadArtifact(run.id, 'model/model.onnx', columnsClassifierOnnx());
    await client.runs.uploadArtifact(
      run.id,
      'model/mloop-model.json',
      new TextEncoder().encode(JSON.stringify(classifierMetadata)),
    );
    await run.end('FINISHED');
    return run.id;
  }

  it('registers versions, moves aliases, resolves references and keeps the history', async () => {
    const name = unique('sdk-model');
    await client.models.create({ name, description: 'churn', tags: [{ key: 'team', value: 'growth' }] });
    const runId = await runWithModel();
    const v1 = await client.models.createVersion(name, { runId, artifactPath: 'model' });
    const v2 = await client.models.createVersion(name, {
      source: `runs:/${runId}/model`,
      description: 'again',
    });
    expect([v1.version, v2.version]).toEqual([1, 2]);
    expect(v1).toMatchObject({ status: 'READY', format: 'mloop-model/v1', lineage: { runId } });

    const first = await client.models.setAlias(name, 'champion', 1, { reason: 'launch' });
    const second = await client.models.setAlias(name, 'champion', 2, { reason: 'retrained' });
    expect(first?.fromVersion).toBeUndefined();
    expect(first?.toVersion).toBe(1);
    expect(second).toMatchObject({ fromVersion: 1, toVersion: 2, reason: 'retrained', actor: 'anonymous' });
    expect(await client.models.setAlias(name, 'champion', 2)).toBeUndefined();

    expect((await client.models.resolve(`${name}@champion`)).version).toBe(2);
    expect((await client.models.resolve(`models:/${name}/1`)).version).toBe(1);
    expect((await client.models.resolve(`${name}/latest`)).version).toBe(2);
    expect((await client.models.get(name)).aliases).toEqual([{ alias: 'champion', version: 2 }]);
    expect((await client.models.listVersions(name)).items.map((v) => v.version)).toEqual([2, 1]);
    expect((await client.models.search({ filter: `name = '${name}'` })).items[0]?.tags).toEqual([
      { key: 'team', value: 'growth' },
    ]);

    await client.models.deleteVersion(name, 2, { reason: 'bad data' });
    const history = await client.models.history(name);
    expect(history.map((p) => [p.fromVersion, p.toVersion, p.reason])).toEqual([
      [2, undefined, 'bad data'],
      [1, 2, 'retrained'],
      [undefined, 1, 'launch'],
    ]);
  });

  it('reports registry errors as MloopErrors with the server code and field', async () => {
    const name = unique('sdk-errors');
    await client.models.create({ name });
    const caught = async (promise: Promise<unknown>) => {
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(MloopError);
      return error as MloopError;
    };
    expect(await caught(client.models.create({ name }))).toMatchObject({ code: 'RESOURCE_ALREADY_EXISTS' });
    expect(await caught(client.models.resolve(`${name}@champion`))).toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
    });
    expect(await caught(client.models.setAlias(name, 'v1', 1))).toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
      field: 'alias',
    });
    expect(await caught(client.models.createVersion(name, {}))).toMatchObject({ field: 'source' });
    expect(await caught(client.models.resolve(name))).toMatchObject({ field: 'ref' });
  });
});

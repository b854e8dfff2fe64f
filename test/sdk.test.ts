import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MloopClient, MloopError } from '../src/sdk/index.js';
import { startServer, type ServerProcess } from './helpers/server-process.js';
import { tempDir } from './helpers/tmp.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** Awaits a promise that must reject, and returns what it rejected with. */
async function rejectionOf(promise: Promise<unknown>): Promise<MloopError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MloopError);
  return error as MloopError;
}

describe('TypeScript SDK against a server process', () => {
  let server: ServerProcess;
  let client: MloopClient;

  beforeAll(async () => {
    server = await startServer();
    client = new MloopClient({ url: server.url });
  });
  afterAll(async () => server?.stop());

  it('creates, finds, renames, tags, deletes and restores an experiment', async () => {
    const name = unique('sdk-exp');
    const created = await client.experiments.create({ name, tags: [{ key: 'team', value: 'growth' }] });
    expect(created).toMatchObject({
      name,
      lifecycleStage: 'active',
      tags: [{ key: 'team', value: 'growth' }],
    });
    expect((await client.experiments.get(created.experimentId)).name).toBe(name);
    expect((await client.experiments.getByName(name)).experimentId).toBe(created.experimentId);

    const renamed = await client.experiments.rename(created.experimentId, `${name}-v2`);
    expect(renamed.name).toBe(`${name}-v2`);
    await client.experiments.setTag(created.experimentId, 'stage', 'dev');
    await client.experiments.deleteTag(created.experimentId, 'team');
    expect((await client.experiments.get(created.experimentId)).tags).toEqual([
      { key: 'stage', value: 'dev' },
    ]);

    await client.experiments.delete(created.experimentId);
    const filter = `name = '${name}-v2'`;
    expect((await client.experiments.search({ filter })).items).toEqual([]);
    expect(
      (await client.experiments.search({ filter, viewType: 'DELETED_ONLY' })).items.map(
        (e) => e.experimentId,
      ),
    ).toEqual([created.experimentId]);
    await client.experiments.restore(created.experimentId);
    expect((await client.experiments.get(created.experimentId)).lifecycleStage).toBe('active');
  });

  it('pages through experiments with the next page token', async () => {
    const prefix = unique('paged');
    for (let i = 0; i < 3; i++) await client.experiments.create({ name: `${prefix}-${i}` });
    const first = await client.experiments.search({
      filter: `name LIKE '${prefix}%'`,
      orderBy: ['name ASC'],
      maxResults: 2,
    });
    expect(first.items.map((e) => e.name)).toEqual([`${prefix}-0`, `${prefix}-1`]);
    expect(first.nextPageToken).toBeDefined();
    const second = await client.experiments.search({
      filter: `name LIKE '${prefix}%'`,
      orderBy: ['name ASC'],
      maxResults: 2,
      pageToken: first.nextPageToken as string,
    });
    expect(second.items.map((e) => e.name)).toEqual([`${prefix}-2`]);
    expect(second.nextPageToken).toBeUndefined();
  });

  it('nests runs, logs batches and finds runs with the filter grammar', async () => {
    const { experimentId } = await client.experiments.create({ name: unique('sdk-runs') });
    const parent = await client.runs.create({ experimentId, runName: 'sweep' });
    expect(parent.info).toMatchObject({
      status: 'RUNNING',
      runName: 'sweep',
      parentRunId: undefined,
      endTime: undefined,
    });

    const children = [];
    for (const [lr, acc] of [
      ['0.1', 0.81],
      ['0.01', 0.93],
      ['0.001', 0.88],
    ] as const) {
      const child = await client.runs.create({
        experimentId,
        parentRunId: parent.info.runId,
        runName: `lr-${lr}`,
      });
      await client.runs.logBatch(child.info.runId, {
        params: [{ key: 'lr', value: lr }],
        metrics: [
          { key: 'acc', value: acc - 0.1, step: 0 },
          { key: 'acc', value: acc, step: 1 },
        ],
        tags: [{ key: 'kind', value: 'trial' }],
      });
      children.push(child);
    }
    const child0 = children[0];
    if (!child0) throw new Error('no child');
    expect((await client.runs.get(child0.info.runId)).info.parentRunId).toBe(parent.info.runId);

    const found = await client.runs.search({
      experimentIds: [experimentId],
      filter: 'metrics.acc > 0.85',
      orderBy: ['metrics.acc DESC'],
    });
    expect(found.items.map((r) => r.info.runName)).toEqual(['lr-0.01', 'lr-0.001']);
    expect(found.items[0]?.data.metrics).toEqual([
      expect.objectContaining({ key: 'acc', value: 0.93, step: 1 }),
    ]);
    expect(found.items[0]?.data.params).toEqual([{ key: 'lr', value: '0.01' }]);

    const nested = await client.runs.search({
      experimentIds: [experimentId],
      filter: `tags.mlflow.parentRunId = '${parent.info.runId}'`,
      maxResults: 2,
    });
    expect(nested.items).toHaveLength(2);
    expect(nested.nextPageToken).toBeDefined();

    const info = await client.runs.update(parent.info.runId, { status: 'FINISHED' });
    expect(info.status).toBe('FINISHED');
    expect(info.endTime).toBeGreaterThanOrEqual(info.startTime);
  });

  it('keeps the full metric history, NaN and infinities included', async () => {
    const { experimentId } = await client.experiments.create({ name: unique('sdk-history') });
    const run = await client.runs.create({ experimentId });
    const id = run.info.runId;
    for (let step = 0; step < 5; step++)
      await client.runs.logMetric(id, 'loss', 1 / (step + 1), { step, timestamp: 1000 + step });
    await client.runs.logBatch(id, {
      metrics: [
        { key: 'odd', value: Number.NaN, step: 0 },
        { key: 'odd', value: Number.POSITIVE_INFINITY, step: 1 },
        { key: 'odd', value: Number.NEGATIVE_INFINITY, step: 2 },
      ],
    });
    const history = await client.runs.metricHistory(id, 'loss');
    expect(history.items.map((m) => [m.step, m.value, m.timestamp])).toEqual(
      [0, 1, 2, 3, 4].map((s) => [s, 1 / (s + 1), 1000 + s]),
    );
    const firstPage = await client.runs.metricHistory(id, 'loss', { maxResults: 3 });
    expect(firstPage.items).toHaveLength(3);
    const rest = await client.runs.metricHistory(id, 'loss', {
      pageToken: firstPage.nextPageToken as string,
    });
    expect(rest.items.map((m) => m.step)).toEqual([3, 4]);

    expect((await client.runs.metricHistory(id, 'odd')).items.map((m) => m.value)).toEqual([
      Number.NaN,
      Infinity,
      -Infinity,
    ]);
    const latest = (await client.runs.get(id)).data.metrics.find((m) => m.key === 'odd');
    expect(latest?.value).toBe(-Infinity);
  });

  it('records params, tags, dataset inputs and the run lifecycle', async () => {
    const { experimentId } = await client.experiments.create({ name: unique('sdk-lifecycle') });
    const { info } = await client.runs.create({ experimentId, tags: [{ key: 'owner', value: 'ana' }] });
    await client.runs.logParam(info.runId, 'epochs', 10);
    await client.runs.setTag(info.runId, 'note', 'first try');
    await client.runs.deleteTag(info.runId, 'owner');
    await client.runs.logInputs(info.runId, [
      {
        dataset: { name: 'train', digest: 'abc123', sourceType: 'local', source: 'data/train.csv' },
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
      },
    ]);
    const run = await client.runs.get(info.runId);
    expect(run.data.params).toEqual([{ key: 'epochs', value: '10' }]);
    expect(run.data.tags).toEqual(expect.arrayContaining([{ key: 'note', value: 'first try' }]));
    expect(run.data.tags.map((t) => t.key)).not.toContain('owner');
    expect(run.inputs.datasetInputs).toEqual([
      {
        dataset: expect.objectContaining({ name: 'train', digest: 'abc123', source: 'data/train.csv' }),
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
      },
    ]);

    await client.runs.delete(info.runId);
    expect((await client.runs.get(info.runId)).info.lifecycleStage).toBe('deleted');
    expect((await client.runs.search({ experimentIds: [experimentId] })).items).toEqual([]);
    await client.runs.restore(info.runId);
    expect((await client.runs.search({ experimentIds: [experimentId] })).items).toHaveLength(1);
  });

  it('uploads and downloads artifacts byte-identical, from bytes and from a file', async () => {
    const { experimentId } = await client.experiments.create({ name: unique('sdk-artifacts') });
    const { info } = await client.runs.create({ experimentId });
    const bytes = new Uint8Array(300_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 256;
    const uploaded = await client.runs.uploadArtifact(info.runId, 'model/weights.bin', bytes);
    expect(uploaded).toMatchObject({ size: bytes.length, sha256: sha256(bytes) });

    const file = join(tempDir('mloop-sdk-'), 'notes with space.txt');
    writeFileSync(file, 'hello artifacts\n');
    await client.runs.uploadArtifact(info.runId, 'notes with space.txt', file);

    const downloaded = await client.runs.downloadArtifact(info.runId, 'model/weights.bin');
    expect(sha256(downloaded)).toBe(sha256(bytes));
    expect(
      Buffer.from(await client.runs.downloadArtifact(info.runId, 'notes with space.txt')).toString(),
    ).toBe('hello artifacts\n');

    const root = await client.runs.listArtifacts(info.runId);
    expect(root.map((f) => [f.path, f.isDir]).sort()).toEqual([
      ['model', true],
      ['notes with space.txt', false],
    ]);
    expect(await client.runs.listArtifacts(info.runId, 'model')).toEqual([
      { path: 'model/weights.bin', isDir: false, size: bytes.length, sha256: sha256(bytes) },
    ]);
  });

  it('starts a run in an experiment it creates when missing, and ends it', async () => {
    const experiment = unique('sdk-start');
    const run = await client.startRun({ experiment, runName: 'first', tags: { team: 'ml' } });
    await run.logParams({ lr: 0.1, epochs: 3, shuffle: true });
    for (let epoch = 1; epoch <= 3; epoch++) await run.logMetric('loss', 1 / epoch, epoch);
    await run.logMetrics({ acc: 0.9, auc: 0.95 }, 3);
    const ended = await run.end('FINISHED');
    expect(ended.status).toBe('FINISHED');

    const again = await client.startRun({ experiment });
    expect(again.experimentId).toBe(run.experimentId);
    const stored = await client.runs.get(run.id);
    expect(stored.data.params).toEqual(
      expect.arrayContaining([
        { key: 'lr', value: '0.1' },
        { key: 'shuffle', value: 'true' },
      ]),
    );
    expect(stored.data.metrics.find((m) => m.key === 'loss')).toMatchObject({ value: 1 / 3, step: 3 });
    expect(stored.data.tags).toEqual(expect.arrayContaining([{ key: 'team', value: 'ml' }]));
  });

  it('reports an unknown run as RESOURCE_DOES_NOT_EXIST', async () => {
    const error = await rejectionOf(client.runs.get('0123456789abcdef0123456789abcdef'));
    expect(error).toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST', status: 404 });
    expect(error.message).toContain('0123456789abcdef0123456789abcdef');
  });

  it('rejects an invalid metric key with INVALID_PARAMETER_VALUE naming the field', async () => {
    const { experimentId } = await client.experiments.create({ name: unique('sdk-invalid') });
    const { info } = await client.runs.create({ experimentId });
    const error = await rejectionOf(client.runs.logMetric(info.runId, '../escape', 1));
    expect(error).toMatchObject({ code: 'INVALID_PARAMETER_VALUE', status: 400, field: 'metrics[0].key' });
    expect(error.message).toContain('metrics[0].key');
    expect((await client.runs.get(info.runId)).data.metrics).toEqual([]);
  });

  it('rejects a request the schema refuses, naming the field', async () => {
    const error = await rejectionOf(client.runs.create({ experimentId: undefined as unknown as string }));
    expect(error).toMatchObject({ code: 'INVALID_PARAMETER_VALUE', field: 'experimentId' });
  });

  it('names the URL when the server cannot be reached', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const offline = new MloopClient({ url: 'http://127.0.0.1:1' });
    const error = await rejectionOf(offline.experiments.get('0'));
    expect(error.code).toBe('TEMPORARILY_UNAVAILABLE');
    expect(error.message).toContain('http://127.0.0.1:1');
    expect(error.message).toContain('MLOOP_URL');
  });
});

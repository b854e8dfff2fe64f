import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MloopClient } from '../../src/sdk/index.js';
import { columnsClassifierOnnx } from '../helpers/onnx-model.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { classifierMetadata, unique } from '../registry/model-factories.js';
import { smallCsv, writeParquet, writeText } from './dataset-files.js';

describe('datasets over the REST API and the SDK (real server)', () => {
  let server: ServerProcess;
  let client: MloopClient;
  let dir: string;

  beforeAll(async () => {
    server = await startServer();
    client = new MloopClient({ url: server.url });
    dir = tempDir('mloop-datasets-api-');
  });
  afterAll(async () => server?.stop());

  it('uploads, lists, shows, diffs and downloads versions', async () => {
    const name = unique('people');
    const first = await client.datasets.add(name, writeText(dir, 'people.csv', smallCsv), { source: 'sdk' });
    expect(first).toMatchObject({ created: true, version: { name, version: 1, rowCount: 5, source: 'sdk' } });
    expect(first.version.profile.columns.find((c) => c.name === 'age')).toMatchObject({
      mean: 40,
      min: 20,
      max: 60,
    });
    const again = await client.datasets.add(name, new TextEncoder().encode(smallCsv), { format: 'csv' });
    expect(again).toMatchObject({ created: false, version: { version: 1 } });

    const parquet = await writeParquet(
      join(dir, 'people.parquet'),
      `SELECT * FROM read_csv('${join(dir, 'people.csv')}') WHERE id < 5`,
    );
    const second = await client.datasets.add(name, parquet);
    expect(second.version).toMatchObject({ version: 2, parentVersion: 1, format: 'parquet', rowCount: 4 });

    expect((await client.datasets.list()).find((d) => d.name === name)).toMatchObject({ latestVersion: 2 });
    expect((await client.datasets.listVersions(name)).map((v) => v.version)).toEqual([2, 1]);
    expect((await client.datasets.get(name)).version).toBe(2);
    expect((await client.datasets.get(`${name}@${first.version.digest.slice(0, 10)}`)).version).toBe(1);

    const diff = await client.datasets.diff(`${name}/1`, `${name}/2`);
    expect(diff.rowCount).toEqual({ from: 5, to: 4, delta: -1 });
    expect(diff.columns.find((c) => c.name === 'age')!.mean).toMatchObject({ from: 40, to: 35 });

    const { bytes } = await client.datasets.download(`${name}/1`);
    expect(Buffer.from(bytes).toString('utf8')).toBe(smallCsv);
  });

  it('answers bad uploads with 400 naming the field, line and column', async () => {
    const name = unique('bad');
    const ragged = new TextEncoder().encode('a,b\n1,2\n3\n');
    await expect(client.datasets.add(name, ragged, { format: 'csv' })).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
      field: 'body',
      message: expect.stringMatching(/^the uploaded file: line 3 \(row 2\) has 1 values .* column "b"/),
    });
    expect((await client.datasets.list()).map((d) => d.name)).not.toContain(name);
    const response = await fetch(`${server.url}/api/v1/datasets/${name}/versions?format=xml`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: 'a\n1\n',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', field: 'format' });
    const missing = await fetch(`${server.url}/api/v1/datasets/${name}/versions/1`);
    expect(missing.status).toBe(404);
  });

  it("links a model version's lineage to the dataset version its run read", async () => {
    const dataset = unique('train');
    const { version } = await client.datasets.add(dataset, writeText(dir, 'train.csv', smallCsv));
    const run = await client.startRun({ experiment: unique('datasets-lineage') });
    await client.datasets.logToRun(run.id, `${dataset}/1`, 'train');
    await client.runs.uploadArtifact(run.id, 'model/model.onnx', columnsClassifierOnnx());
    await client.runs.uploadArtifact(
      run.id,
      'model/mloop-model.json',
      new TextEncoder().encode(JSON.stringify(classifierMetadata)),
    );
    await run.end('FINISHED');
    const model = unique('model');
    await client.models.create({ name: model });
    const mv = await client.models.createVersion(model, { runId: run.id, artifactPath: 'model' });
    const link = mv.lineage.datasets.find((d) => d.name === dataset);
    expect(link).toEqual({ name: dataset, digest: version.digest, versionId: `${dataset}/1` });
    expect((await client.datasets.get(`${dataset}@${link!.digest}`)).version).toBe(1);
    const input = (await client.runs.get(run.id)).inputs.datasetInputs[0]!;
    expect(input.dataset).toMatchObject({ sourceType: 'mloop', source: `mloop://datasets/${dataset}/1` });
    expect(JSON.parse(input.dataset.schema!).mlflow_colspec[1]).toEqual({ name: 'age', type: 'long' });
    expect(readFileSync(join(dir, 'train.csv'), 'utf8')).toBe(smallCsv);
  });
});

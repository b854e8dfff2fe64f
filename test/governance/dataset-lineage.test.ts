import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { buildServer, type App } from '../../src/api/server.js';
import type { LineageGraph } from '../../src/governance/lineage-graph.js';
import type { Platform } from '../../src/platform.js';
import { wholeDatasetDigests } from '../../src/store/migrations/0014-whole-dataset-digests.js';
import { datasetVersionInput } from '../../src/tracking/dataset-version-input.js';
import { runMloop } from '../helpers/cli.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';
import { smallCsv, writeText } from '../data/dataset-files.js';
import { monitoredMetadata } from '../monitoring/monitoring-fixtures.js';
import { columnsClassifierOnnx } from '../helpers/onnx-model.js';
import { unique } from '../registry/model-factories.js';

describeEachDialect('lineage from a dataset version', (dialect) => {
  let platform: Platform;
  let app: App;
  let dataset: string;
  let model: string;
  let digest: string;
  let predictionId: string;

  /** A model version trained in a run that read `dataset/1`, the way mloop train and datasets log record it. */
  const registerTrainedOn = async (name: string): Promise<void> => {
    const { experiments, runs, artifacts } = platform.tracking;
    const experimentId = await experiments.create({ name: unique('lineage-exp') });
    const runId = (await runs.create({ experimentId })).info.runId;
    await runs.logInputs(runId, [
      datasetVersionInput(await platform.data.datasets.get(`${dataset}/1`), 'training'),
    ]);
    await artifacts.putForRun(runId, 'model/model.onnx', columnsClassifierOnnx());
    await artifacts.putForRun(
      runId,
      'model/mloop-model.json',
      Buffer.from(JSON.stringify(monitoredMetadata)),
    );
    await runs.update(runId, { status: 'FINISHED' });
    await platform.registry.models.create({ name });
    await platform.registry.versions.create({ name, source: `runs:/${runId}/model` });
  };

  beforeAll(async () => {
    platform = await openTestPlatform(dialect);
    dataset = unique('churn');
    const added = await platform.data.datasets.add(
      dataset,
      writeText(tempDir('mloop-lineage-'), 'churn.csv', smallCsv),
    );
    digest = added.version.digest;
    model = unique('churn-model');
    await registerTrainedOn(model);
    await platform.registry.aliases.set(model, 'champion', 1);
    await platform.deployments.deployments.create({ name: `${model}-api`, model, primary: 'champion' });
    const scored = await platform.serving.predictions.predict({
      ref: `${model}@champion`,
      records: [{ a: 1, b: 2 }],
    });
    predictionId = scored.predictions[0]!.id;
    await platform.serving.log.flush();
    app = await buildServer(platform, { logger: false });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  const has = (g: LineageGraph, from: string, relation: string, to: string) =>
    g.edges.some((e) => e.from === from && e.relation === relation && e.to === to);
  const expectDownstream = (g: LineageGraph) => {
    expect(g.root).toBe(`dataset:${dataset}@${digest}`);
    expect(has(g, `model-version:${model}/1`, 'read', g.root)).toBe(true);
    expect(has(g, `deployment:${model}-api`, 'serves', `model-version:${model}/1`)).toBe(true);
    expect(has(g, `prediction:${predictionId}`, 'scored_by', `model-version:${model}/1`)).toBe(true);
  };

  it('records the whole digest of the version in the run and the model version', async () => {
    const mv = await platform.registry.versions.get(model, 1);
    expect(mv.lineage.datasets).toEqual([{ name: dataset, digest, versionId: `${dataset}/1` }]);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('walks from NAME/VERSION to the models, deployments and predictions over the API', async () => {
    const res = await app.inject({ url: `/api/v1/lineage/dataset/${dataset}/1` });
    expect(res.statusCode, res.body).toBe(200);
    expectDownstream(res.json());
    const byDigest = await app.inject({ url: `/api/v1/lineage/dataset/${digest}` });
    expectDownstream(byDigest.json());
  });

  it('walks from NAME/VERSION with mloop lineage dataset', async () => {
    const home = platform.config.home;
    // The CLI opens the same store: the home's SQLite file, or the PostgreSQL database by URL.
    const saved = process.env.MLOOP_DATABASE_URL;
    process.env.MLOOP_DATABASE_URL = platform.config.databaseUrl;
    const running = runMloop(home, ['lineage', 'dataset', `${dataset}/1`, '--json'], { home });
    if (saved === undefined) delete process.env.MLOOP_DATABASE_URL;
    else process.env.MLOOP_DATABASE_URL = saved;
    const cli = await running;
    expect(cli.code, cli.stderr).toBe(0);
    expectDownstream(JSON.parse(cli.stdout) as LineageGraph);
  });

  it('restores the whole digest in runs and model versions recorded with a cut one', async () => {
    const name = unique('old-model');
    await registerTrainedOn(name);
    const db = platform.database.tables<unknown>() as Kysely<unknown>;
    const cut = digest.slice(0, 36);
    // What earlier releases wrote: the digest cut to 36 characters in the run and the lineage.
    await sql`update datasets set digest = ${cut} where name = ${dataset}`.execute(db);
    const mv = await platform.registry.versions.get(name, 1);
    const oldLineage = {
      ...mv.lineage,
      datasets: [{ name: dataset, digest: cut, versionId: `${dataset}/1` }],
    };
    await sql`update model_versions set lineage = ${JSON.stringify(oldLineage)}`.execute(db);
    await wholeDatasetDigests(db, platform.database.dialect);
    expect((await platform.registry.versions.get(name, 1)).lineage.datasets[0]!.digest).toBe(digest);
    const run = await platform.tracking.runs.get(mv.runId!);
    expect(run.inputs.datasetInputs[0]!.dataset.digest).toBe(digest);
    const res = await app.inject({ url: `/api/v1/lineage/dataset/${dataset}/1` });
    expect(has(res.json(), `model-version:${name}/1`, 'read', `dataset:${dataset}@${digest}`)).toBe(true);
  });
});

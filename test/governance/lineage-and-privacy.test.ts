import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildServer, type App } from '../../src/api/server.js';
import type { LineageGraph } from '../../src/governance/lineage-graph.js';
import type { Platform } from '../../src/platform.js';
import { openTestPlatform } from '../helpers/platform.js';
import { describeWithPython } from '../helpers/python.js';
import { makeOnnxModels, registerOnnxModels } from '../serving/onnx-models.js';

const DIGEST = 'a'.repeat(32);
const COMMIT = '0123456789abcdef0123456789abcdef01234567';

describeWithPython('lineage graph and forgetting a subject', () => {
  let platform: Platform;
  let app: App;
  let predictionIds: string[];
  let runId: string;

  beforeAll(async () => {
    const models = makeOnnxModels();
    platform = await openTestPlatform('sqlite');
    const { runs } = platform.tracking;
    // The run that trained the model read a dataset, logged a parameter and ran from a commit.
    const originalCreate = runs.create.bind(runs);
    runs.create = async (input) => {
      const run = await originalCreate(input);
      await runs.logBatch(run.info.runId, {
        params: [{ key: 'max_depth', value: '4' }],
        tags: [{ key: 'mlflow.source.git.commit', value: COMMIT }],
      });
      await runs.logInputs(run.info.runId, [
        {
          dataset: { name: 'iris-train', digest: DIGEST, sourceType: 'local', source: 'file:///iris.csv' },
          tags: [],
        },
      ]);
      return run;
    };
    await registerOnnxModels(platform, models, 'iris', ['columns-v1']);
    runs.create = originalCreate;
    runId = (await platform.registry.versions.get('iris', 1)).runId!;
    await platform.registry.aliases.set('iris', 'champion', 1);
    await platform.deployments.deployments.create({ name: 'iris-api', model: 'iris', primary: 'champion' });
    app = await buildServer(platform, { logger: false });
    const predict = (key: string) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/deployments/iris-api/predict',
        headers: { 'x-mloop-request-key': key },
        payload: { records: models.expected.rows.slice(0, 3) },
      });
    const first = await predict('subject-1');
    expect(first.statusCode, first.body).toBe(200);
    predictionIds = (first.json() as { predictions: Array<{ id: string }> }).predictions.map((p) => p.id);
    expect((await predict('subject-2')).statusCode).toBe(200);
    await platform.serving.log.flush();
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  const lineage = async (path: string): Promise<LineageGraph> => {
    const res = await app.inject({ url: `/api/v1/lineage/${path}` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const has = (g: LineageGraph, from: string, relation: string, to: string) =>
    g.edges.some((e) => e.from === from && e.relation === relation && e.to === to);

  it('walks from a prediction to its model version, deployment, run, parameters, commit and dataset', async () => {
    const pred = predictionIds[0]!;
    const g = await lineage(`prediction/${pred}`);
    expect(g.root).toBe(`prediction:${pred}`);
    expect(has(g, `prediction:${pred}`, 'scored_by', 'model-version:iris/1')).toBe(true);
    expect(has(g, `prediction:${pred}`, 'routed_by', 'deployment:iris-api')).toBe(true);
    expect(has(g, 'model-version:iris/1', 'trained_in', `run:${runId}`)).toBe(true);
    expect(has(g, `run:${runId}`, 'ran_code', `commit:${COMMIT}`)).toBe(true);
    expect(has(g, `run:${runId}`, 'read', `dataset:iris-train@${DIGEST}`)).toBe(true);
    expect(g.nodes.find((n) => n.id === `run:${runId}`)?.attributes.params).toEqual({ max_depth: '4' });
  });

  it('walks back from a dataset digest to the model versions, deployments and predictions that used it', async () => {
    const g = await lineage(`dataset/${DIGEST}`);
    expect(g.root).toBe(`dataset:iris-train@${DIGEST}`);
    expect(has(g, 'model-version:iris/1', 'read', g.root)).toBe(true);
    expect(has(g, 'deployment:iris-api', 'serves', 'model-version:iris/1')).toBe(true);
    expect(has(g, `prediction:${predictionIds[1]}`, 'scored_by', 'model-version:iris/1')).toBe(true);
  });

  it('takes model-version NAME/VERSION and names a bad kind or id', async () => {
    const g = await lineage('model-version/iris/1');
    expect(g.root).toBe('model-version:iris/1');
    const bad = await app.inject({ url: '/api/v1/lineage/nonsense/x' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ field: 'kind' });
    expect((await app.inject({ url: '/api/v1/lineage/prediction/pred_missing' })).statusCode).toBe(404);
  });

  it("forgets a subject: its predictions and their labels go, others' stay, and the request is audited", async () => {
    const label = await app.inject({
      method: 'POST',
      url: '/api/v1/feedback',
      payload: { labels: [{ prediction_id: predictionIds[0], label: 'setosa' }] },
    });
    expect(label.statusCode, label.body).toBe(200);
    const forget = await app.inject({
      method: 'POST',
      url: '/api/v1/privacy/forget',
      payload: { subject_key: 'subject-1' },
    });
    expect(forget.statusCode, forget.body).toBe(200);
    expect(forget.json()).toEqual({ subject_key: 'subject-1', predictions_deleted: 3, feedback_deleted: 1 });
    expect((await app.inject({ url: `/api/v1/predictions/${predictionIds[0]}` })).statusCode).toBe(404);
    const rest = await platform.serving.log.list({ model: 'iris' });
    expect(rest.items.map((p) => p.requestKey)).toEqual(['subject-2', 'subject-2', 'subject-2']);
    const audit = await platform.governance.audit.list({ object: undefined });
    expect(audit.some((e) => e.action === 'privacy.forget' && e.outcome === 'ok')).toBe(true);
    expect(JSON.stringify(audit)).not.toContain('subject-1');
  });
});

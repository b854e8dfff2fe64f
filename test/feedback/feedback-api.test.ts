import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildServer, type App } from '../../src/api/server.js';
import type { Platform } from '../../src/platform.js';
import { openTestPlatform } from '../helpers/platform.js';
import { describeWithPython } from '../helpers/python.js';
import { makeOnnxModels, registerOnnxModels } from '../serving/onnx-models.js';

interface PredictBody {
  predictions: Array<{ id: string; label: string }>;
}

describeWithPython('feedback routes', () => {
  let platform: Platform;
  let app: App;
  let predictions: PredictBody['predictions'];

  beforeAll(async () => {
    const models = makeOnnxModels();
    platform = await openTestPlatform('sqlite');
    await registerOnnxModels(platform, models, 'iris', ['columns-v1']);
    await platform.registry.aliases.set('iris', 'champion', 1);
    app = await buildServer(platform);
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/serving/iris/predict',
      payload: { records: models.expected.rows },
    });
    predictions = res.json<PredictBody>().predictions;
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  const post = (url: string, payload: object) => app.inject({ method: 'POST', url, payload });

  it('takes one label at /feedback and a list at /api/v1/feedback, right after the predictions', async () => {
    const one = await post('/feedback', { prediction_id: predictions[0]!.id, label: predictions[0]!.label });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ received: 1, created: 1 });
    const list = await post('/api/v1/feedback', {
      labels: predictions.slice(1, 6).map((p) => ({ prediction_id: p.id, label: p.label })),
      source: 'review-queue',
    });
    expect(list.json()).toMatchObject({ received: 5, created: 5 });
    const stored = await app.inject({ url: `/api/v1/feedback/${predictions[3]!.id}` });
    expect(stored.json()).toMatchObject({ model: 'iris', version: 1, source: 'review-queue', revision: 1 });
  });

  it('answers 404 and 400 naming the label, and stores none of a failed request', async () => {
    const missing = await post('/api/v1/feedback', {
      labels: [
        { prediction_id: predictions[8]!.id, label: 'setosa' },
        { prediction_id: 'pred_nope', label: 'setosa' },
      ],
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      field: 'labels[1].prediction_id',
    });
    expect((await app.inject({ url: `/api/v1/feedback/${predictions[8]!.id}` })).statusCode).toBe(404);

    const badClass = await post('/api/v1/feedback', {
      labels: [{ prediction_id: predictions[8]!.id, label: 7 }],
    });
    expect(badClass.statusCode).toBe(400);
    expect(badClass.json()).toMatchObject({
      error_code: 'INVALID_PARAMETER_VALUE',
      field: 'labels[0].label',
    });

    const both = await post('/api/v1/feedback', { labels: [], prediction_id: 'x', label: 'setosa' });
    expect(both.json()).toMatchObject({ field: 'labels' });
    const notList = await post('/api/v1/feedback', { labels: 'setosa' });
    expect(notList.statusCode).toBe(400);
    // The schema check names the item ("labels.0"): the string was read as a one-item list.
    expect(notList.json<{ field: string }>().field).toMatch(/^labels/);
  });

  it('reports performance per window and version, by alias too', async () => {
    const res = await app.inject({ url: '/api/v1/models/iris/performance?alias=champion&window=1h' });
    expect(res.statusCode).toBe(200);
    const report = res.json<{ task: string; overall: Array<Record<string, unknown>>; windows: unknown[] }>();
    expect(report.task).toBe('classification');
    expect(report.overall[0]).toMatchObject({ version: 1, predictions: 12, labelled: 6 });
    expect(report.overall[0]!.classification).toMatchObject({ accuracy: 1, macroF1: 1 });
    const bad = await app.inject({ url: '/api/v1/models/iris/performance?window=60' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ field: 'window' });
  });

  it('pages through labelled predictions with their inputs', async () => {
    const first = await app.inject({ url: '/api/v1/models/iris/labelled-predictions?maxResults=4' });
    const page = first.json<{
      predictions: Array<{ inputs: object; label: string }>;
      nextPageToken: string;
    }>();
    expect(page.predictions).toHaveLength(4);
    expect(page.predictions[0]!.inputs).toHaveProperty('sepal_length');
    const rest = await app.inject({
      url: `/api/v1/models/iris/labelled-predictions?maxResults=4&pageToken=${page.nextPageToken}`,
    });
    expect(rest.json<{ predictions: unknown[]; nextPageToken?: string }>()).toMatchObject({
      predictions: expect.any(Array),
    });
    expect(rest.json<{ predictions: unknown[] }>().predictions).toHaveLength(2);
  });
});

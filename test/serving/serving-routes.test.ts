import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/api/server.js';
import { buildServer } from '../../src/api/server.js';
import type { Platform } from '../../src/platform.js';
import { describeWithPython } from '../helpers/python.js';
import { openTestPlatform } from '../helpers/platform.js';
import { makeOnnxModels, registerOnnxModels, tensorRows, type OnnxModels } from './onnx-models.js';

interface PredictBody {
  request_id: string;
  model_name: string;
  model_version: string;
  predictions: Array<{ id: string; label?: string; value?: number; probabilities?: Record<string, number> }>;
}

describeWithPython('serving routes on registered scikit-learn models', () => {
  let models: OnnxModels;
  let platform: Platform;
  let app: App;

  beforeAll(async () => {
    models = makeOnnxModels();
    platform = await openTestPlatform('sqlite');
    await registerOnnxModels(platform, models, 'iris', ['columns-v1', 'columns-v2']);
    await platform.registry.aliases.set('iris', 'champion', 1);
    await registerOnnxModels(platform, models, 'iris-tensor', ['tensor']);
    await registerOnnxModels(platform, models, 'iris-regression', ['regression']);
    app = await buildServer(platform);
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, payload: payload as object, headers });

  function expectSklearn(body: PredictBody, model: 'columns-v1' | 'columns-v2' | 'tensor') {
    const expected = models.expected.models[model];
    expect(body.predictions.map((p) => p.label)).toEqual(expected.labels);
    body.predictions.forEach((p, i) => {
      for (const [label, probability] of Object.entries(expected.probabilities?.[i] ?? {})) {
        expect(p.probabilities?.[label]).toBeCloseTo(probability, 5);
      }
    });
  }

  describe('POST /api/v1/serving/{name}/predict', () => {
    it('scores records on the champion like scikit-learn, naming the version in body and header', async () => {
      const res = await post('/api/v1/serving/iris/predict', { records: models.expected.rows });
      expect(res.statusCode).toBe(200);
      const body = res.json<PredictBody>();
      expect(body.model_name).toBe('iris');
      expect(body.model_version).toBe('1');
      expect(res.headers['x-mloop-model-version']).toBe('1');
      expect(res.headers['x-mloop-request-id']).toBe(body.request_id);
      expectSklearn(body, 'columns-v1');
      const ids = body.predictions.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.every((id) => id.startsWith('pred_'))).toBe(true);
    });

    it('scores one record sent as record', async () => {
      const res = await post('/api/v1/serving/iris/predict', { record: models.expected.rows[0] });
      expect(res.json<PredictBody>().predictions).toHaveLength(1);
      expect(res.json<PredictBody>().predictions[0]?.label).toBe(
        models.expected.models['columns-v1'].labels?.[0],
      );
    });

    it('serves another version or alias when asked', async () => {
      const v2 = await post('/api/v1/serving/iris/predict?version=2', { records: models.expected.rows });
      expect(v2.json<PredictBody>().model_version).toBe('2');
      expectSklearn(v2.json<PredictBody>(), 'columns-v2');
      const champion = await post('/api/v1/serving/iris/predict?alias=champion', {
        records: models.expected.rows,
      });
      expect(champion.json<PredictBody>().model_version).toBe('1');
    });

    it('serves the newest version of a model without a champion', async () => {
      const res = await post('/api/v1/serving/iris-tensor/predict', { records: tensorRows(models) });
      expect(res.statusCode).toBe(200);
      expect(res.json<PredictBody>().model_version).toBe('1');
      expectSklearn(res.json<PredictBody>(), 'tensor');
    });

    it('answers a regressor with values', async () => {
      const res = await post('/api/v1/serving/iris-regression/predict', { records: tensorRows(models) });
      const values = res.json<PredictBody>().predictions.map((p) => p.value);
      values.forEach((v, i) =>
        expect(v).toBeCloseTo(models.expected.models.regression.values?.[i] ?? NaN, 4),
      );
    });

    it('answers 404 for an unknown model or alias, and 400 for alias with version', async () => {
      expect((await post('/api/v1/serving/nope/predict', { records: [{}] })).statusCode).toBe(404);
      expect((await post('/api/v1/serving/iris/predict?alias=gone', { records: [{}] })).statusCode).toBe(404);
      expect((await post('/api/v1/serving/iris/predict?version=9', { records: [{}] })).statusCode).toBe(404);
      expect(
        (await post('/api/v1/serving/iris/predict?version=1&alias=champion', { records: [{}] })).statusCode,
      ).toBe(400);
    });

    it('rejects invalid records with a 400 naming the feature and record', async () => {
      const rows = models.expected.rows;
      const cases: Array<[unknown, string, RegExp]> = [
        [
          { records: [rows[0], { ...rows[1], petal_count: 2.5 }] },
          'records[1].petal_count',
          /must be an integer/,
        ],
        [{ records: [{ ...rows[0], colour: 'red' }] }, 'records[0].colour', /unknown feature "colour"/],
        [{ records: [{ ...rows[0], sepal_width: 'wide' }] }, 'records[0].sepal_width', /must be a number/],
        [{ records: [{ ...rows[0], sepal_width: null }] }, 'records[0].sepal_width', /is null/],
        [{ records: [] }, 'records', /empty/],
        [{ records: Array.from({ length: 10_001 }, () => rows[0]) }, 'records', /too many records/],
        [{ record: rows[0], records: [rows[0]] }, 'records', /either records/],
      ];
      for (const [payload, field, message] of cases) {
        const res = await post('/api/v1/serving/iris/predict', payload);
        expect(res.statusCode, JSON.stringify(res.json())).toBe(400);
        expect(res.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', field });
        expect(res.json<{ message: string }>().message).toMatch(message);
      }
    });
  });

  describe("POST /api/v1/serving/{name}/invocations (MLflow's formats)", () => {
    const columns = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'petal_count'];

    it('accepts dataframe_split, dataframe_records, instances and inputs alike', async () => {
      const rows = models.expected.rows;
      const labels = models.expected.models['columns-v1'].labels;
      const bodies = [
        { dataframe_split: { columns, data: rows.map((r) => columns.map((c) => r[c])) } },
        { dataframe_records: rows },
        { instances: rows },
        { instances: rows.map((r) => columns.map((c) => r[c])) },
        { inputs: Object.fromEntries(columns.map((c) => [c, rows.map((r) => r[c])])) },
        { inputs: rows },
      ];
      for (const body of bodies) {
        const res = await post('/api/v1/serving/iris/invocations', body);
        expect(res.statusCode, JSON.stringify(res.json())).toBe(200);
        const json = res.json<{ predictions: string[]; prediction_ids: string[]; model_version: string }>();
        expect(json.predictions).toEqual(labels);
        expect(json.prediction_ids).toHaveLength(rows.length);
        expect(json.model_version).toBe('1');
        expect(res.headers['x-mloop-model-version']).toBe('1');
      }
    });

    it('accepts rows keyed by the input tensor name for a tensor-layout model', async () => {
      const rows = tensorRows(models).map((r) => Object.values(r));
      const res = await post('/api/v1/serving/iris-tensor/invocations', { inputs: { input: rows } });
      expect(res.json<{ predictions: string[] }>().predictions).toEqual(models.expected.models.tensor.labels);
    });

    it('rejects a body with no format or two, and rows of the wrong width', async () => {
      expect((await post('/api/v1/serving/iris/invocations', { params: {} })).statusCode).toBe(400);
      const two = await post('/api/v1/serving/iris/invocations', { instances: [], inputs: [] });
      expect(two.statusCode).toBe(400);
      const narrow = await post('/api/v1/serving/iris/invocations', { instances: [[1, 2]] });
      expect(narrow.statusCode).toBe(400);
      expect(narrow.json()).toMatchObject({ field: 'instances[0]' });
    });
  });

  describe('Open Inference Protocol', () => {
    it('reports server liveness, readiness and metadata', async () => {
      expect((await app.inject('/v2/health/live')).json()).toEqual({ live: true });
      expect((await app.inject('/v2/health/ready')).json()).toEqual({ ready: true });
      expect((await app.inject('/v2')).json()).toMatchObject({ name: 'mloop' });
    });

    it('describes a model: one input per feature, label and probability outputs', async () => {
      const res = await app.inject('/v2/models/iris');
      expect(res.json()).toEqual({
        name: 'iris',
        versions: ['1'],
        platform: 'onnxruntime_onnx',
        inputs: [
          { name: 'sepal_length', datatype: 'FP32', shape: [-1, 1] },
          { name: 'sepal_width', datatype: 'FP32', shape: [-1, 1] },
          { name: 'petal_length', datatype: 'FP32', shape: [-1, 1] },
          { name: 'petal_width', datatype: 'FP32', shape: [-1, 1] },
          { name: 'petal_count', datatype: 'INT64', shape: [-1, 1] },
        ],
        outputs: [
          { name: 'label', datatype: 'BYTES', shape: [-1] },
          { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
        ],
      });
      const tensor = await app.inject('/v2/models/iris-tensor/versions/1');
      expect(tensor.json()).toMatchObject({
        versions: ['1'],
        inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
      });
      expect((await app.inject('/v2/models/iris/versions/2/ready')).json()).toEqual({
        name: 'iris',
        ready: true,
      });
    });

    it('infers from one tensor per feature like scikit-learn', async () => {
      const rows = models.expected.rows;
      const n = rows.length;
      const inputs = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'].map((name) => ({
        name,
        datatype: 'FP32',
        shape: [n, 1],
        data: rows.map((r) => r[name]),
      }));
      inputs.push({
        name: 'petal_count',
        datatype: 'INT64',
        shape: [n],
        data: rows.map((r) => r.petal_count),
      });
      const res = await post('/v2/models/iris/infer', { id: 'client-1', inputs });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json<{
        id: string;
        model_version: string;
        parameters: { prediction_ids: string[]; request_id: string };
        outputs: Array<{
          name: string;
          datatype: string;
          shape: number[];
          data: unknown[];
          parameters?: object;
        }>;
      }>();
      expect(body.id).toBe('client-1');
      expect(body.model_version).toBe('1');
      expect(body.parameters.prediction_ids).toHaveLength(n);
      const [label, probabilities] = body.outputs;
      expect(label).toMatchObject({ name: 'label', datatype: 'BYTES', shape: [n] });
      expect(label?.data).toEqual(models.expected.models['columns-v1'].labels);
      expect(probabilities).toMatchObject({ name: 'probabilities', datatype: 'FP32', shape: [n, 3] });
      expect(probabilities?.parameters).toEqual({ class_labels: ['setosa', 'versicolor', 'virginica'] });
      const first = models.expected.models['columns-v1'].probabilities?.[0] ?? {};
      expect(probabilities?.data[1]).toBeCloseTo(first.versicolor ?? NaN, 5);
    });

    it('infers from the one input tensor of a tensor-layout model, returning only requested outputs', async () => {
      const rows = tensorRows(models);
      const res = await post('/v2/models/iris-tensor/versions/1/infer', {
        inputs: [
          {
            name: 'input',
            datatype: 'FP32',
            shape: [rows.length, 4],
            data: rows.map((r) => Object.values(r)),
          },
        ],
        outputs: [{ name: 'output_label' }],
      });
      expect(res.statusCode, res.body).toBe(200);
      const outputs = res.json<{ outputs: Array<{ name: string; data: unknown[] }> }>().outputs;
      expect(outputs.map((o) => o.name)).toEqual(['output_label']);
      expect(outputs[0]?.data).toEqual(models.expected.models.tensor.labels);
    });

    it('answers errors with the protocol error message', async () => {
      const wrongType = await post('/v2/models/iris/infer', {
        inputs: [{ name: 'sepal_length', datatype: 'BYTES', shape: [1], data: ['x'] }],
      });
      expect(wrongType.statusCode).toBe(400);
      expect(wrongType.json()).toMatchObject({ field: 'inputs[0].datatype' });
      expect(wrongType.json<{ error: string }>().error).toMatch(/datatype BYTES/);
      const badShape = await post('/v2/models/iris/infer', {
        inputs: [{ name: 'sepal_length', datatype: 'FP32', shape: [3], data: [1, 2] }],
      });
      expect(badShape.statusCode).toBe(400);
      const missing = await post('/v2/models/iris/infer', {
        inputs: [{ name: 'sepal_length', datatype: 'FP32', shape: [1], data: [1] }],
      });
      expect(missing.statusCode).toBe(400);
      expect(missing.json()).toMatchObject({ field: 'inputs' });
      expect(missing.json<{ error: string }>().error).toMatch(
        /missing inputs "sepal_width", "petal_length", "petal_width"/,
      );
      const unknown = await app.inject('/v2/models/nope');
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json<{ error: string }>().error).toMatch(/nope/);
    });

    it('answers unknown /v2 routes, whatever the method, with the protocol error body', async () => {
      for (const [method, url] of [
        ['GET', '/v2/models/iris/stats'],
        ['POST', '/v2/repository/index'],
        ['DELETE', '/v2/models/iris'],
      ] as const) {
        const res = await app.inject({ method, url, headers: { accept: 'text/html' } });
        expect(res.statusCode, `${method} ${url}`).toBe(404);
        expect(res.json<{ error: string }>().error).toContain(`No route for ${method} ${url}`);
      }
    });

    it('reads a JSON body sent without a Content-Type, as tritonclient sends it', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/v2/models/iris-tensor/infer',
        payload: JSON.stringify({
          inputs: [
            {
              name: 'input',
              datatype: 'FP32',
              shape: [1, 4],
              data: Object.values(tensorRows(models)[0] ?? {}),
            },
          ],
        }),
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<{ outputs: Array<{ data: unknown[] }> }>().outputs[0]?.data).toEqual([
        models.expected.models.tensor.labels?.[0],
      ]);
    });
  });

  describe('prediction log and metrics', () => {
    it('keeps every prediction, readable by id and by model and time window', async () => {
      const before = Date.now();
      const res = await post(
        '/api/v1/serving/iris/predict',
        { records: models.expected.rows.slice(0, 2) },
        { 'x-mloop-request-key': 'user-42' },
      );
      const body = res.json<PredictBody>();
      const id = body.predictions[0]?.id ?? '';
      const one = await app.inject(`/api/v1/predictions/${id}`);
      expect(one.statusCode).toBe(200);
      expect(one.json()).toMatchObject({
        id,
        requestId: body.request_id,
        model: 'iris',
        version: 1,
        arm: 'default',
        requestKey: 'user-42',
        inputs: models.expected.rows[0],
        outputs: { label: body.predictions[0]?.label },
      });
      const page = await app.inject(
        `/api/v1/predictions?model=iris&from=${before}&to=${new Date(Date.now() + 1000).toISOString()}&maxResults=1`,
      );
      const listed = page.json<{ predictions: Array<{ id: string }>; nextPageToken?: string }>();
      expect(listed.predictions).toHaveLength(1);
      expect(listed.nextPageToken).toBeDefined();
      const next = await app.inject(
        `/api/v1/predictions?model=iris&from=${before}&pageToken=${listed.nextPageToken}&maxResults=100`,
      );
      const ids = [
        listed.predictions[0]?.id,
        ...next.json<{ predictions: Array<{ id: string }> }>().predictions.map((p) => p.id),
      ];
      expect(ids).toEqual(expect.arrayContaining(body.predictions.map((p) => p.id)));
      expect((await app.inject('/api/v1/predictions/pred_missing')).statusCode).toBe(404);
      expect((await app.inject('/api/v1/predictions?from=yesterday')).statusCode).toBe(400);
    });

    it('exposes request counts, errors and latency by model, version and arm', async () => {
      await post('/api/v1/serving/iris/predict', { records: [{}] });
      const res = await app.inject('/metrics');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/plain/);
      expect(res.body).toMatch(/mloop_serving_requests_total\{model="iris",version="1",arm="default"\} \d+/);
      expect(res.body).toMatch(
        /mloop_serving_request_errors_total\{model="iris",version="1",arm="default",code="INVALID_PARAMETER_VALUE"\} \d+/,
      );
      expect(res.body).toMatch(
        /mloop_serving_request_duration_seconds_bucket\{le="0.005",model="iris",version="1",arm="default"\}/,
      );
      expect(res.body).toMatch(/^# TYPE mloop_prediction_log_written_total counter$/m);
      expect(res.body).toMatch(/^mloop_prediction_log_written_total \d+$/m);
      expect(res.body).toMatch(/^mloop_prediction_log_refused_total \d+$/m);
    });

    it('documents the serving routes in the OpenAPI document', async () => {
      const paths = Object.keys((await app.inject('/openapi.json')).json<{ paths: object }>().paths);
      expect(paths).toEqual(
        expect.arrayContaining([
          '/api/v1/serving/{name}/predict',
          '/api/v1/serving/{name}/invocations',
          '/v2/models/{name}/infer',
          '/v2/models/{name}/versions/{version}/infer',
          '/api/v1/predictions',
          '/api/v1/predictions/{id}',
        ]),
      );
    });
  });
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildServer, type App } from '../../src/api/server.js';
import { seededRandom } from '../../src/core/random.js';
import type { Platform } from '../../src/platform.js';
import type { TrainingTable } from '../../src/training/data/training-table.js';
import { train, type TrainResult } from '../../src/training/trainer.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';

type Row = { tenure: number; spend: number; plan: string | null; region: string; age: number };

const features = ['tenure', 'spend', 'plan', 'region', 'age'] as const;

/** Customers with five features; churn depends on tenure, spend and the plan. */
function customers(rows: number): TrainingTable {
  const random = seededRandom(21);
  const data: Array<Row & { churned: string }> = [];
  for (let i = 0; i < rows; i++) {
    const tenure = Math.round(random() * 60);
    const spend = Math.round(random() * 2000) / 10;
    const plan = ['basic', 'pro', 'team'][Math.floor(random() * 3)]!;
    const region = ['north', 'south'][Math.floor(random() * 2)]!;
    const age = 18 + Math.round(random() * 60);
    const score = -0.08 * tenure - 0.01 * spend + (plan === 'basic' ? 1.5 : 0) + 3 + (random() - 0.5);
    data.push({ tenure, spend, plan, region, age, churned: score > 0 ? 'yes' : 'no' });
  }
  return {
    rows,
    columns: [
      { name: 'tenure', kind: 'numeric', values: Float64Array.from(data, (r) => r.tenure) },
      { name: 'spend', kind: 'numeric', values: Float64Array.from(data, (r) => r.spend) },
      { name: 'plan', kind: 'categorical', values: data.map((r) => r.plan) },
      { name: 'region', kind: 'categorical', values: data.map((r) => r.region) },
      { name: 'age', kind: 'numeric', values: Float64Array.from(data, (r) => r.age) },
      { name: 'churned', kind: 'categorical', values: data.map((r) => r.churned) },
    ],
  };
}

/** Records as the trainer's TypeScript model reads them: null numbers as NaN. */
function table(records: ReadonlyArray<Partial<Record<(typeof features)[number], unknown>>>): TrainingTable {
  const numbers = (name: (typeof features)[number]) =>
    Float64Array.from(records, (r) => (typeof r[name] === 'number' ? r[name] : NaN));
  const texts = (name: (typeof features)[number]) =>
    records.map((r) => (typeof r[name] === 'string' ? r[name] : null));
  return {
    rows: records.length,
    columns: [
      { name: 'tenure', kind: 'numeric', values: numbers('tenure') },
      { name: 'spend', kind: 'numeric', values: numbers('spend') },
      { name: 'plan', kind: 'categorical', values: texts('plan') },
      { name: 'region', kind: 'categorical', values: texts('region') },
      { name: 'age', kind: 'numeric', values: numbers('age') },
    ],
  };
}

const complete = { tenure: 3, spend: 20, plan: 'basic', region: 'north', age: 30 };

describeEachDialect('a model mloop trained requires its features', (dialect) => {
  let platform: Platform;
  let app: App;
  let strict: TrainResult;
  let lenient: TrainResult;

  beforeAll(async () => {
    platform = await openTestPlatform(dialect);
    const services = {
      runs: platform.tracking.runs,
      artifacts: platform.tracking.artifacts,
      clock: platform.clock,
    };
    const experimentId = await platform.tracking.experiments.create({ name: 'churn' });
    const data = customers(400);
    strict = await train(services, { data, label: 'churned', model: 'logistic', run: { experimentId } });
    lenient = await train(services, {
      data,
      label: 'churned',
      model: 'logistic',
      optional: ['region'],
      run: { experimentId },
    });
    for (const [name, result] of [
      ['strict', strict],
      ['lenient', lenient],
    ] as const) {
      await platform.registry.models.create({ name });
      await platform.registry.versions.create({ name, source: result.modelSource });
    }
    app = await buildServer(platform);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  const post = (url: string, payload: object) => app.inject({ method: 'POST', url, payload });
  // Native routes answer {message, field}; the Open Inference Protocol's answer {error}.
  const errorOf = (res: { json: () => unknown }) => {
    const body = res.json() as { message?: string; error?: string; field?: string };
    return { error: body.message ?? body.error, field: body.field };
  };

  it('/predict without a trained feature is a 400 naming it', async () => {
    const { spend: _spend, ...noSpend } = complete;
    const res = await post('/api/v1/serving/strict/predict', { records: [complete, noSpend] });
    expect(res.statusCode, res.body).toBe(400);
    expect(errorOf(res).field).toBe('records[1].spend');
    expect(errorOf(res).error).toMatch(/record 1 lacks the required feature "spend"/);
  });

  it('/invocations without a trained column is a 400 naming it', async () => {
    const res = await post('/api/v1/serving/strict/invocations', {
      dataframe_split: { columns: ['tenure', 'spend', 'plan', 'age'], data: [[3, 20, 'basic', 30]] },
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(errorOf(res).error).toMatch(/lacks the required feature "region"/);
  });

  it('/v2 infer with one input of five is a 400 naming the four missing', async () => {
    const res = await post('/v2/models/strict/infer', {
      inputs: [{ name: 'tenure', datatype: 'FP32', shape: [1, 1], data: [3] }],
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(errorOf(res).error).toMatch(/missing inputs "spend", "age", "plan", "region"/);
  });

  it('imputes a null value of a required feature as training did', async () => {
    const records = [
      { ...complete, spend: null },
      { ...complete, plan: null, tenure: null },
    ];
    const res = await post('/api/v1/serving/strict/predict', { records });
    expect(res.statusCode, res.body).toBe(200);
    const served = res.json<{ predictions: Array<{ probabilities: Record<string, number> }> }>().predictions;
    const expected = strict.predict(table(records));
    const classes = strict.classLabels!.map(String);
    served.forEach((p, i) =>
      classes.forEach((c, j) => expect(p.probabilities[c]).toBeCloseTo(expected[i * classes.length + j]!, 5)),
    );
  });

  it('lets a request leave out a feature declared optional, and only that one', async () => {
    const version = await platform.registry.versions.get('lenient', 1);
    expect(version.metadata?.inputs.filter((f) => f.optional).map((f) => f.name)).toEqual(['region']);
    const { region: _region, ...noRegion } = complete;
    const omitted = await post('/api/v1/serving/lenient/predict', { records: [noRegion] });
    expect(omitted.statusCode, omitted.body).toBe(200);
    const asNull = await post('/api/v1/serving/lenient/predict', {
      records: [{ ...complete, region: null }],
    });
    const first = (res: { json: () => unknown }) =>
      (res.json() as { predictions: Array<{ probabilities: Record<string, number> }> }).predictions[0]!;
    expect(first(omitted).probabilities).toEqual(first(asNull).probabilities);
    const { age: _age, ...noAge } = noRegion;
    const missingAge = await post('/api/v1/serving/lenient/predict', { records: [noAge] });
    expect(missingAge.statusCode).toBe(400);
    expect(errorOf(missingAge).error).toMatch(/lacks the required feature "age"/);
    const v2 = await post('/v2/models/lenient/infer', {
      inputs: features
        .filter((f) => f !== 'region')
        .map((name) => ({
          name,
          datatype: name === 'plan' ? 'BYTES' : 'FP32',
          shape: [1],
          data: [complete[name]],
        })),
    });
    expect(v2.statusCode, v2.body).toBe(200);
  });

  it('refuses to mark optional a column that is not a feature', async () => {
    const services = {
      runs: platform.tracking.runs,
      artifacts: platform.tracking.artifacts,
      clock: platform.clock,
    };
    const experimentId = await platform.tracking.experiments.create({ name: 'churn-typo' });
    await expect(
      train(services, {
        data: customers(50),
        label: 'churned',
        model: 'logistic',
        optional: ['regoin'],
        run: { experimentId },
      }),
    ).rejects.toMatchObject({
      field: 'optional',
      message: expect.stringMatching(/"regoin", which is not a feature/),
    });
  });
});

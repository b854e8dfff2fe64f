import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/random.js';
import type { Platform } from '../../src/platform.js';
import type { TrainingTable } from '../../src/training/data/training-table.js';
import type { FitProgress } from '../../src/training/learner.js';
import { train, type TrainingServices } from '../../src/training/trainer.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

/** Customers: tenure and spend (some missing), a plan (some missing), churned when short and cheap. */
function churnCsv(rows: number, seed: number): string {
  const random = seededRandom(seed);
  const plans = ['basic', 'pro', 'team'];
  const lines = ['tenure,spend,plan,churned,revenue'];
  for (let i = 0; i < rows; i++) {
    const tenure = Math.round(random() * 60);
    const spend = Math.round(random() * 2000) / 10;
    const plan = plans[Math.floor(random() * 3)]!;
    const score = -0.08 * tenure - 0.01 * spend + (plan === 'basic' ? 1.5 : 0) + 3 + (random() - 0.5);
    const revenue = 12 * spend + (plan === 'team' ? 300 : 0) + tenure * 2 + (random() - 0.5) * 20;
    lines.push(
      [
        random() < 0.05 ? '' : tenure,
        random() < 0.05 ? '' : spend,
        random() < 0.05 ? '' : plan,
        score > 0 ? 'yes' : 'no',
        revenue.toFixed(2),
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

const records = [
  { tenure: 3, spend: 20, plan: 'basic' },
  { tenure: 50, spend: 150, plan: 'pro' },
  { tenure: 10, spend: null, plan: 'team' },
  { tenure: 24, spend: 80, plan: 'enterprise' },
  { tenure: 5, spend: 15, plan: null },
];

/** The records as a table, missing values as the trainer reads them from a file. */
function recordTable(): TrainingTable {
  return {
    rows: records.length,
    columns: [
      { name: 'tenure', kind: 'numeric', values: Float64Array.from(records, (r) => r.tenure) },
      { name: 'spend', kind: 'numeric', values: Float64Array.from(records, (r) => r.spend ?? NaN) },
      { name: 'plan', kind: 'categorical', values: records.map((r) => r.plan ?? null) },
    ],
  };
}

describeEachDialect('train', (dialect) => {
  let platform: Platform;
  let services: TrainingServices;
  let experimentId: string;
  let data: string;

  beforeAll(async () => {
    platform = await openTestPlatform(dialect);
    services = {
      runs: platform.tracking.runs,
      artifacts: platform.tracking.artifacts,
      clock: platform.clock,
    };
    experimentId = await platform.tracking.experiments.create({ name: 'churn' });
    data = join(tempDir(), 'customers.csv');
    writeFileSync(data, churnCsv(600, 42));
  });
  afterAll(async () => platform.close());

  it('trains a logistic model as a finished run with params, holdout metrics and a model package', async () => {
    const result = await train(services, {
      data,
      label: 'churned',
      model: 'logistic',
      params: { l2: '0.001' },
      run: { experimentId, runName: 'logistic' },
    });
    expect(result.task).toBe('classification');
    expect(result.classLabels).toEqual(['no', 'yes']);
    expect(result.metrics.accuracy).toBeGreaterThan(0.8);
    const run = await platform.tracking.runs.get(result.runId);
    expect(run.info.status).toBe('FINISHED');
    const params = Object.fromEntries(run.data.params.map((p) => [p.key, p.value]));
    expect(params).toMatchObject({
      model: 'logistic',
      task: 'classification',
      label: 'churned',
      l2: '0.001',
      holdout: '0.2',
    });
    const metrics = new Set(run.data.metrics.map((m) => m.key));
    for (const key of ['accuracy', 'f1_macro', 'roc_auc', 'log_loss', 'train_accuracy'])
      expect(metrics).toContain(key);
    expect(run.inputs.datasetInputs[0]?.dataset.name).toBe('customers.csv');
    const files = await platform.tracking.artifacts.listForRun(result.runId, 'model');
    expect(files.map((f) => f.path).sort()).toEqual(
      [
        'MLmodel',
        'conda.yaml',
        'input_example.json',
        'mloop-model.json',
        'model.onnx',
        'python_env.yaml',
        'requirements.txt',
        'serving_input_example.json',
      ].map((f) => `model/${f}`),
    );
  });

  it('warns about a feature with a different value in every row, and leaves out the columns named in drop', async () => {
    const withIds = join(tempDir(), 'customers-with-ids.csv');
    const [header, ...rows] = churnCsv(100, 7).trim().split('\n');
    writeFileSync(
      withIds,
      `${[`customer_id,${header}`, ...rows.map((r, i) => `C${1000 + i},${r}`)].join('\n')}\n`,
    );
    const request = { data: withIds, label: 'churned', model: 'logistic', run: { experimentId } };
    const warned = await train(services, request);
    expect(warned.warnings).toEqual([
      expect.stringContaining("column 'customer_id' has a different value in every row, like an id"),
    ]);
    expect(warned.package.metadata.inputs.map((i) => i.name)).toContain('customer_id');
    const dropped = await train(services, { ...request, drop: ['customer_id'] });
    expect(dropped.warnings).toEqual([]);
    // Numbers first, then categories: the preprocessor's order.
    expect(dropped.package.metadata.inputs.map((i) => i.name)).toEqual([
      'tenure',
      'spend',
      'revenue',
      'plan',
    ]);
    await expect(train(services, { ...request, drop: ['customer'] })).rejects.toMatchObject({
      field: 'drop',
    });
  });

  it('reports progress in iterations (logistic, gbdt) or rows (linear) that ends full', async () => {
    for (const [model, label, unit] of [
      ['logistic', 'churned', 'iterations'],
      ['gbdt', 'churned', 'iterations'],
      ['linear', 'revenue', 'rows'],
    ] as const) {
      const reports: FitProgress[] = [];
      await train(services, {
        data,
        label,
        model,
        run: { experimentId },
        onProgress: (p) => reports.push(p),
      });
      expect(reports.length, model).toBeGreaterThan(1);
      expect(new Set(reports.map((r) => r.unit)), model).toEqual(new Set([unit]));
      const dones = reports.map((r) => r.done);
      expect(dones, model).toEqual([...dones].sort((a, b) => a - b));
      const last = reports.at(-1)!;
      expect(last.done, model).toBe(last.total);
      expect(last.done, model).toBeGreaterThan(1);
    }
  });

  it('registers the run’s model and serves the predictions the TypeScript model makes (linear, logistic, gbdt)', async () => {
    for (const [model, label, name] of [
      ['logistic', 'churned', 'churn-logistic'],
      ['linear', 'revenue', 'revenue-linear'],
      ['gbdt', 'churned', 'churn-gbdt'],
      ['gbdt', 'revenue', 'revenue-gbdt'],
    ] as const) {
      const features = ['tenure', 'spend', 'plan'];
      const result = await train(services, { data, label, features, model, run: { experimentId } });
      await platform.registry.models.create({ name });
      const version = await platform.registry.versions.create({ name, source: result.modelSource });
      expect(version.status).toBe('READY');
      // Read as mloop's package, though an MLmodel for MLflow's client sits beside it.
      expect(version.format).toBe('mloop-model/v1');
      const served = await platform.serving.predictions.predict({ ref: `${name}/1`, records });
      const expected = result.predict(recordTable());
      served.predictions.forEach((p, i) => {
        if (result.task === 'regression') {
          expect(p.value).toBeCloseTo(expected[i]!, 1);
          return;
        }
        const classes = result.classLabels!.map(String);
        classes.forEach((c, j) =>
          expect(p.probabilities![c]).toBeCloseTo(expected[i * classes.length + j]!, 5),
        );
        const best = expected[i * 2]! > expected[i * 2 + 1]! ? 'no' : 'yes';
        expect(p.label).toBe(best);
      });
    }
  });

  it('fails naming the field when the label, task or model is wrong', async () => {
    await expect(
      train(services, { data, label: 'nope', model: 'logistic', run: { experimentId } }),
    ).rejects.toMatchObject({
      field: 'label',
      message: expect.stringContaining('no column "nope"'),
    });
    await expect(
      train(services, { data, label: 'plan', model: 'linear', run: { experimentId } }),
    ).rejects.toMatchObject({
      field: 'task',
    });
    await expect(
      train(services, { data, label: 'churned', model: 'forest', run: { experimentId } }),
    ).rejects.toMatchObject({
      field: 'model',
    });
  });
});

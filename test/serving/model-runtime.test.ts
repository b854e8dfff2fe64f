import { beforeAll, expect, it } from 'vitest';
import { MloopError } from '../../src/core/errors.js';
import { ModelRuntime } from '../../src/serving/model-runtime.js';
import { describeWithPython } from '../helpers/python.js';
import { makeOnnxModels, tensorRows, type OnnxModels } from './onnx-models.js';

function expectProbabilities(actual: Record<string, number> | undefined, expected: Record<string, number>) {
  expect(Object.keys(actual ?? {}).sort()).toEqual(Object.keys(expected).sort());
  for (const [label, p] of Object.entries(expected)) expect(actual?.[label]).toBeCloseTo(p, 5);
}

describeWithPython('ModelRuntime on scikit-learn models exported with skl2onnx', () => {
  let models: OnnxModels;
  beforeAll(() => {
    models = makeOnnxModels();
  });

  it('scores a columns-layout model (one input per named feature) like scikit-learn', async () => {
    const runtime = await ModelRuntime.load(await models.load('columns-v1'));
    try {
      const predictions = await runtime.predict(models.expected.rows);
      const expected = models.expected.models['columns-v1'];
      expect(predictions.map((p) => p.label)).toEqual(expected.labels);
      predictions.forEach((p, i) => expectProbabilities(p.probabilities, expected.probabilities?.[i] ?? {}));
    } finally {
      await runtime.release();
    }
  });

  it('scores a tensor-layout model whose probabilities are a ZipMap like scikit-learn', async () => {
    const runtime = await ModelRuntime.load(await models.load('tensor'));
    try {
      const rows = models.expected.rows.map(({ petal_count: _unused, ...rest }) => rest);
      const predictions = await runtime.predict(rows);
      const expected = models.expected.models.tensor;
      expect(predictions.map((p) => p.label)).toEqual(expected.labels);
      predictions.forEach((p, i) => expectProbabilities(p.probabilities, expected.probabilities?.[i] ?? {}));
      expect(runtime.outputs.map((o) => [o.name, o.role, o.type])).toEqual([
        ['output_label', 'label', 'string'],
        ['output_probability', 'probabilities', 'float32'],
      ]);
    } finally {
      await runtime.release();
    }
  });

  it('scores integer classes behind a ZipMap, taking the class order from the graph', async () => {
    const runtime = await ModelRuntime.load(await models.load('tensor-int-labels'));
    try {
      expect(runtime.metadata.classLabels).toBeUndefined();
      expect(runtime.classLabels).toEqual([0, 1, 2]);
      const predictions = await runtime.predict(tensorRows(models));
      const expected = models.expected.models['tensor-int-labels'];
      expect(predictions.map((p) => p.label)).toEqual(expected.labels);
      predictions.forEach((p, i) => expectProbabilities(p.probabilities, expected.probabilities?.[i] ?? {}));
      expect(runtime.outputs.map((o) => o.type)).toEqual(['int64', 'float32']);
    } finally {
      await runtime.release();
    }
  });

  it('scores a regression model like scikit-learn', async () => {
    const runtime = await ModelRuntime.load(await models.load('regression'));
    try {
      const rows = models.expected.rows.map(({ petal_count: _unused, ...rest }) => rest);
      const predictions = await runtime.predict(rows);
      predictions.forEach((p, i) =>
        expect(p.value).toBeCloseTo(models.expected.models.regression.values?.[i] ?? NaN, 4),
      );
      expect(predictions[0]?.probabilities).toBeUndefined();
    } finally {
      await runtime.release();
    }
  });

  it('rejects invalid records with a 400 naming the feature and record', async () => {
    const runtime = await ModelRuntime.load(await models.load('columns-v1'));
    try {
      const rows = models.expected.rows.slice(0, 3);
      const bad = [rows[0], { ...rows[1], petal_count: 2.5 }, rows[2]];
      const error = await runtime.predict(bad).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MloopError);
      expect((error as MloopError).status).toBe(400);
      expect((error as MloopError).field).toBe('records[1].petal_count');
    } finally {
      await runtime.release();
    }
  });

  it('scores a large batch in one run, each record like a batch of one', async () => {
    const runtime = await ModelRuntime.load(await models.load('columns-v2'));
    try {
      const rows = Array.from(
        { length: 2000 },
        (_, i) => models.expected.rows[i % models.expected.rows.length],
      );
      const predictions = await runtime.predict(rows);
      expect(predictions).toHaveLength(2000);
      const singles = await Promise.all(models.expected.rows.map((r) => runtime.predict([r])));
      predictions.slice(0, singles.length).forEach((p, i) => {
        const single = singles[i]?.[0];
        expect(p.label).toBe(single?.label);
        expectProbabilities(p.probabilities, single?.probabilities ?? {});
      });
    } finally {
      await runtime.release();
    }
  });
});

import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { TrainingTable } from '../../src/training/data/training-table.js';
import { GraphBuilder } from '../../src/training/onnx/model-builder.js';
import { exportPreprocessing } from '../../src/training/preprocessing/onnx-export.js';
import { fitPreprocessor, type PreprocessingOptions } from '../../src/training/preprocessing/preprocessor.js';
import { transform } from '../../src/training/preprocessing/transform.js';

function table(
  age: number[],
  income: number[],
  city: Array<string | null>,
  plan: Array<string | null>,
): TrainingTable {
  return {
    rows: age.length,
    columns: [
      { name: 'age', kind: 'numeric', values: Float64Array.from(age) },
      { name: 'city', kind: 'categorical', values: city },
      { name: 'income', kind: 'numeric', values: Float64Array.from(income) },
      { name: 'plan', kind: 'categorical', values: plan },
    ],
  };
}

const training = table(
  [30, 40, NaN, 50, 20, 35],
  [1000, 2000, 1500, NaN, 800, 1200],
  ['paris', 'oslo', 'paris', null, 'rome', 'paris'],
  ['basic', 'pro', 'pro', 'basic', null, 'basic'],
);
// Missing numbers, missing categories, and categories never seen in training.
const scoring = table(
  [NaN, 25, 60, 33],
  [900, NaN, 3000, 1100],
  [null, 'lima', 'oslo', 'rome'],
  ['pro', 'enterprise', null, 'basic'],
);

async function onnxMatrix(
  options: PreprocessingOptions,
): Promise<{ ts: Float64Array; onnx: Float32Array; cols: number }> {
  const pre = fitPreprocessor(training, options);
  const graph = new GraphBuilder();
  const exported = exportPreprocessing(graph, pre);
  graph.output(exported.features, 'float', ['N', exported.width]);
  const session = await InferenceSession.create(graph.toModel());
  try {
    const feeds: Record<string, Tensor> = {};
    for (const column of scoring.columns) {
      feeds[column.name] =
        column.kind === 'numeric'
          ? new Tensor('float32', Float32Array.from(column.values), [scoring.rows, 1])
          : new Tensor(
              'string',
              column.values.map((v) => v ?? ''),
              [scoring.rows, 1],
            );
    }
    const out = await session.run(feeds);
    const ts = transform(pre, scoring);
    return { ts: ts.values, onnx: out[exported.features]!.data as Float32Array, cols: ts.cols };
  } finally {
    await session.release();
  }
}

describe('preprocessing', () => {
  it('fits mean imputation, standardization and most-frequent one-hot columns', () => {
    const pre = fitPreprocessor(training);
    expect(pre.featureNames).toEqual([
      'age',
      'income',
      'city=paris',
      'city=oslo',
      'city=rome',
      'plan=basic',
      'plan=pro',
    ]);
    const age = pre.steps[0]!;
    expect(age).toMatchObject({ kind: 'numeric', fill: 35, offset: 35 });
    const m = transform(pre, training);
    // Standardized columns have mean 0 and variance 1 over the training rows.
    for (const j of [0, 1]) {
      const col = Array.from({ length: m.rows }, (_, i) => m.values[i * m.cols + j]!);
      const mean = col.reduce((a, b) => a + b, 0) / col.length;
      const variance = col.reduce((a, b) => a + (b - mean) ** 2, 0) / col.length;
      expect(mean).toBeCloseTo(0, 12);
      expect(variance).toBeCloseTo(1, 12);
    }
    // Row 3 has no city: filled with the most frequent, paris.
    expect(Array.from(m.values.subarray(3 * m.cols + 2, 3 * m.cols + 5))).toEqual([1, 0, 0]);
  });

  it('gives the same matrix in TypeScript and in the exported ONNX graph', async () => {
    for (const options of [
      {},
      { numericImpute: 'median', categoricalImpute: 'missing' },
      { standardize: false, maxCategories: 1 },
    ] satisfies PreprocessingOptions[]) {
      const { ts, onnx, cols } = await onnxMatrix(options);
      expect(onnx.length).toBe(ts.length);
      for (let k = 0; k < ts.length; k++) {
        expect(
          onnx[k],
          `options ${JSON.stringify(options)}, row ${Math.floor(k / cols)}, col ${k % cols}`,
        ).toBeCloseTo(ts[k]!, 3);
      }
    }
  });

  it('encodes unseen categories as all zeros and missing ones as the fill', () => {
    const pre = fitPreprocessor(training, { categoricalImpute: 'missing' });
    expect(pre.featureNames).toContain('city=__missing__');
    const m = transform(pre, scoring);
    const row = (i: number) => pre.featureNames.map((name, j) => [name, m.values[i * m.cols + j]] as const);
    expect(row(1).filter(([n, v]) => n.startsWith('city=') && v !== 0)).toEqual([]);
    expect(row(0).find(([n]) => n === 'city=__missing__')?.[1]).toBe(1);
  });
});

import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/random.js';
import type { TrainingTable } from '../../src/training/data/training-table.js';
import { gbdt } from '../../src/training/gbdt/gbdt-learner.js';
import type { LearningTask } from '../../src/training/learner.js';
import { exportModelPackage } from '../../src/training/model-export.js';
import { fitPreprocessor } from '../../src/training/preprocessing/preprocessor.js';
import { transform } from '../../src/training/preprocessing/transform.js';

/**
 * The exported graph (preprocessing + TreeEnsembleRegressor + output head) run by onnxruntime
 * gives the TypeScript predictions on held-out rows, missing numbers and categories included.
 */
function table(rows: number, seed: number): { table: TrainingTable; score: Float64Array } {
  const random = seededRandom(seed);
  const a = new Float64Array(rows);
  const b = new Float64Array(rows);
  const c = new Float64Array(rows);
  const color: Array<string | null> = [];
  const score = new Float64Array(rows);
  const colors = ['red', 'green', 'blue', 'black'];
  for (let i = 0; i < rows; i++) {
    a[i] = random() * 10 - 5;
    b[i] = Math.round(random() * 1000) / 7;
    c[i] = random() < 0.15 ? NaN : random() * 3;
    const k = Math.floor(random() * colors.length);
    color.push(random() < 0.05 ? null : (colors[k] as string));
    const missingBoost = Number.isNaN(c[i] as number) ? 1.5 : (c[i] as number) - 1.5;
    score[i] = (a[i] as number) * ((b[i] as number) > 70 ? 1 : -1) + missingBoost + k * 0.7 + random() - 0.5;
  }
  return {
    table: {
      rows,
      columns: [
        { name: 'a', kind: 'numeric', values: a },
        { name: 'b', kind: 'numeric', values: b },
        { name: 'c', kind: 'numeric', values: c },
        { name: 'color', kind: 'categorical', values: color },
      ],
    },
    score,
  };
}

function feeds(t: TrainingTable): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const column of t.columns) {
    out[column.name] =
      column.kind === 'numeric'
        ? new Tensor('float32', Float32Array.from(column.values), [t.rows, 1])
        : new Tensor(
            'string',
            column.values.map((v) => v ?? ''),
            [t.rows, 1],
          );
  }
  return out;
}

async function parity(task: LearningTask, target: (score: Float64Array) => Float64Array, labels?: number[]) {
  const train = table(3000, 11);
  const holdout = table(1000, 12);
  const pre = fitPreprocessor(train.table, gbdt.preprocessing);
  const params = gbdt.parseParams({ max_iter: 40, early_stopping: 'false' });
  const model = gbdt.fit(transform(pre, train.table), { task, y: target(train.score) }, params, {
    random: seededRandom(1),
  });
  const expected = model.predict(transform(pre, holdout.table));
  const pkg = exportModelPackage({
    preprocessor: pre,
    model,
    task,
    ...(labels ? { classLabels: labels } : {}),
  });
  const session = await InferenceSession.create(pkg.onnx);
  try {
    const output = task.kind === 'regression' ? 'value' : 'probabilities';
    const result = await session.run(feeds(holdout.table), [output]);
    const actual = result[output]?.data as Float32Array;
    expect(actual.length).toBe(expected.length);
    let worst = 0;
    for (let i = 0; i < actual.length; i++) {
      const scale = task.kind === 'regression' ? Math.max(1, Math.abs(expected[i] as number)) : 1;
      worst = Math.max(worst, Math.abs((actual[i] as number) - (expected[i] as number)) / scale);
    }
    expect(worst).toBeLessThan(1e-5);
    expect(holdout.table.columns.find((c) => c.name === 'c')?.values.some(Number.isNaN)).toBe(true);
  } finally {
    await session.release();
  }
}

describe('GBDT ONNX export', () => {
  it('binary: onnxruntime probabilities equal the TypeScript ones on held-out rows with missing values', async () => {
    await parity({ kind: 'classification', classCount: 2 }, (s) => s.map((v) => (v > 0.5 ? 1 : 0)), [0, 1]);
  });

  it('multiclass: softmax probabilities agree', async () => {
    await parity(
      { kind: 'classification', classCount: 3 },
      (s) => s.map((v) => (v < -1 ? 0 : v < 2 ? 1 : 2)),
      [0, 1, 2],
    );
  });

  it('regression: values agree', async () => {
    await parity({ kind: 'regression' }, (s) => s.map((v) => v * 10 + 3));
  });
});

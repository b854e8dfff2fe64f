import { execFileSync } from 'node:child_process';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededRandom, type RandomSource } from '../../src/core/random.js';
import type { FittedModel, LearningTask } from '../../src/training/learner.js';
import { linearRegression } from '../../src/training/linear/linear-regression.js';
import { logisticRegression } from '../../src/training/linear/logistic-regression.js';
import { GraphBuilder } from '../../src/training/onnx/model-builder.js';
import type { FeatureMatrix } from '../../src/training/preprocessing/transform.js';
import { describeWithPython, pythonPath } from '../helpers/python.js';

/** Gaussian features and a label from known weights plus noise, the same for every seed. */
function dataset(
  rows: number,
  cols: number,
  classes: number,
  seed: number,
): { x: FeatureMatrix; y: Float64Array } {
  const random = seededRandom(seed);
  const gauss = (r: RandomSource) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const values = Float64Array.from({ length: rows * cols }, () => gauss(random));
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const scores = Array.from({ length: Math.max(classes, 1) }, (_, c) => {
      let s = 0.3 * gauss(random);
      for (let j = 0; j < cols; j++) s += values[i * cols + j]! * Math.sin(1 + j * 1.7 + c * 2.3);
      return s;
    });
    y[i] =
      classes === 0
        ? scores[0]! * 3 + 5
        : classes === 2
          ? scores[0]! > 0
            ? 1
            : 0
          : scores.indexOf(Math.max(...scores));
  }
  return { x: { rows, cols, values }, y };
}

interface SklearnJob {
  kind: 'ridge' | 'logistic';
  x: FeatureMatrix;
  y: Float64Array;
  penalty: number;
}
interface SklearnFit {
  coef: number[][];
  intercept: number[];
  accuracy?: number;
}

/** Fits every job in one Python process (importing scikit-learn is the slow part). */
function sklearnFits(jobs: SklearnJob[]): SklearnFit[] {
  const script = `
import json, sys
import numpy as np
from sklearn.linear_model import LogisticRegression, Ridge
out = []
for d in json.load(sys.stdin):
    X = np.array(d["x"]).reshape(d["rows"], d["cols"]); y = np.array(d["y"])
    if d["kind"] == "ridge":
        m = Ridge(alpha=d["penalty"] * d["rows"], solver="cholesky").fit(X, y)
        out.append({"coef": np.atleast_2d(m.coef_).tolist(), "intercept": np.atleast_1d(m.intercept_).tolist()})
    else:
        m = LogisticRegression(C=1 / (d["penalty"] * d["rows"]), tol=1e-12, max_iter=100000).fit(X, y.astype(int))
        out.append({"coef": m.coef_.tolist(), "intercept": m.intercept_.tolist(), "accuracy": m.score(X, y.astype(int))})
print(json.dumps(out))
`;
  const input = JSON.stringify(
    jobs.map((j) => ({
      kind: j.kind,
      rows: j.x.rows,
      cols: j.x.cols,
      x: [...j.x.values],
      y: [...j.y],
      penalty: j.penalty,
    })),
  );
  return JSON.parse(execFileSync(pythonPath(), ['-c', script], { input, encoding: 'utf8' })) as SklearnFit[];
}

async function onnxPredict(model: FittedModel, x: FeatureMatrix, width: number): Promise<Float32Array> {
  const graph = new GraphBuilder();
  graph.input('x', 'float', ['N', x.cols]);
  const out = model.exportOnnx(graph, 'x');
  graph.output(out, 'float', ['N', width]);
  const session = await InferenceSession.create(graph.toModel());
  try {
    const result = await session.run({
      x: new Tensor('float32', Float32Array.from(x.values), [x.rows, x.cols]),
    });
    return result[out]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

const fitOptions = { random: seededRandom(1) };
const classification = (classCount: number): LearningTask => ({ kind: 'classification', classCount });

describeWithPython('linear models against scikit-learn', () => {
  const ridgeData = dataset(200, 5, 0, 11);
  const logisticData = new Map([2, 3].map((c) => [c, dataset(300, 4, c, 5 + c)]));
  let references: SklearnFit[] = [];
  beforeAll(() => {
    references = sklearnFits([
      { kind: 'ridge', ...ridgeData, penalty: 0.05 },
      ...[2, 3].map((c) => ({ kind: 'logistic' as const, ...logisticData.get(c)!, penalty: 0.01 })),
    ]);
  }, 60_000);

  it('ridge regression has the coefficients of sklearn Ridge(alpha = l2·n)', () => {
    const { x, y } = ridgeData;
    const model = linearRegression.fit(
      x,
      { task: { kind: 'regression' }, y },
      { l2: 0.05 },
      fitOptions,
    ) as ReturnType<typeof linearRegression.fit> & { weights: Float64Array; intercept: number };
    const reference = references[0]!;
    reference.coef[0]!.forEach((c, j) => expect(model.weights[j]).toBeCloseTo(c, 8));
    expect(model.intercept).toBeCloseTo(reference.intercept[0]!, 8);
  });

  for (const classCount of [2, 3]) {
    it(`${classCount}-class logistic regression matches sklearn LogisticRegression(C = 1/(l2·n))`, () => {
      const { x, y } = logisticData.get(classCount)!;
      const l2 = 0.01;
      const model = logisticRegression.fit(
        x,
        { task: classification(classCount), y },
        { l2, maxIterations: 2000 },
        fitOptions,
      ) as ReturnType<typeof logisticRegression.fit> & { weights: Float64Array; intercepts: Float64Array };
      const reference = references[classCount - 1]!;
      const k = model.intercepts.length;
      reference.coef.forEach((row, c) =>
        row.forEach((w, j) => expect(model.weights[j * k + c]).toBeCloseTo(w, 4)),
      );
      reference.intercept.forEach((b, c) => expect(model.intercepts[c]).toBeCloseTo(b, 4));
      const probabilities = model.predict(x);
      let correct = 0;
      for (let i = 0; i < x.rows; i++) {
        const row = Array.from(probabilities.subarray(i * classCount, (i + 1) * classCount));
        if (row.indexOf(Math.max(...row)) === y[i]) correct++;
      }
      expect(correct / x.rows).toBeCloseTo(reference.accuracy!, 6);
    });
  }
});

describe('linear models in ONNX', () => {
  it('exported logistic and linear graphs compute what the TypeScript models predict', async () => {
    for (const classCount of [0, 2, 4]) {
      const { x, y } = dataset(50, 3, classCount, 3);
      const model =
        classCount === 0
          ? linearRegression.fit(x, { task: { kind: 'regression' }, y }, { l2: 0.01 }, fitOptions)
          : logisticRegression.fit(
              x,
              { task: classification(classCount), y },
              { l2: 0.01, maxIterations: 500 },
              fitOptions,
            );
      const expected = model.predict(x);
      const actual = await onnxPredict(model, x, Math.max(classCount, 1));
      expect(actual.length).toBe(expected.length);
      expected.forEach((v, i) => expect(actual[i]).toBeCloseTo(v, 4));
    }
  });

  it('names the parameter that is wrong', () => {
    expect(() => logisticRegression.parseParams({ l2: '-1' })).toThrow(/l2 must be ≥ 0/);
    expect(() => logisticRegression.parseParams({ depth: 3 })).toThrow(
      /no parameter "depth"; it takes l2, max_iter/,
    );
    expect(logisticRegression.parseParams({ l2: '0.5', max_iter: '20' })).toEqual({
      l2: 0.5,
      maxIterations: 20,
    });
  });
});

import { invalidParameter } from '../../core/errors.js';
import type { FitProgress, FittedModel, Learner, TrainingTarget } from '../learner.js';
import type { GraphBuilder } from '../onnx/model-builder.js';
import { numberParam, rejectUnknownParams } from '../params.js';
import type { FeatureMatrix } from '../preprocessing/transform.js';

export interface LinearRegressionParams {
  /** L2 penalty on the weights (not the intercept), on the mean squared error's scale. */
  l2: number;
}

/**
 * Ridge regression in closed form: minimizes (1/2n)·Σ(y − Xw − b)² + (l2/2)·‖w‖². Centering X and
 * y leaves the intercept unpenalized; the normal equations (XᵀX/n + l2·I)·w = Xᵀy/n are solved by
 * Cholesky. scikit-learn's `Ridge(alpha)` is the same model with alpha = l2·n.
 */
export const linearRegression: Learner<LinearRegressionParams> = {
  name: 'linear',
  tasks: ['regression'],
  hyperparameters: { l2: 'number' },
  parseParams(raw) {
    rejectUnknownParams(raw, ['l2'], 'linear');
    return { l2: numberParam(raw, 'l2', 1e-4, { min: 0 }) };
  },
  fit(x, target, params, options) {
    const { weights, intercept } = fitRidge(x, target, params.l2, options.onProgress);
    return linearModel(weights, intercept);
  },
};

function fitRidge(
  x: FeatureMatrix,
  target: TrainingTarget,
  l2: number,
  onProgress?: (progress: FitProgress) => void,
): { weights: Float64Array; intercept: number } {
  const { rows: n, cols: d, values } = x;
  const y = target.y;
  const means = new Float64Array(d);
  let yMean = 0;
  for (let i = 0; i < n; i++) {
    yMean += (y[i] as number) / n;
    for (let j = 0; j < d; j++) means[j] = (means[j] as number) + (values[i * d + j] as number) / n;
  }
  const gram = new Float64Array(d * d);
  const rhs = new Float64Array(d);
  const row = new Float64Array(d);
  // The pass over the rows building XᵀX is the work (the d × d solve after it is small): a report
  // per hundredth of the rows.
  const reportEvery = Math.max(1, Math.floor(n / 100));
  for (let i = 0; i < n; i++) {
    if (onProgress && (i + 1) % reportEvery === 0) onProgress({ done: i + 1, total: n, unit: 'rows' });
    for (let j = 0; j < d; j++) row[j] = (values[i * d + j] as number) - (means[j] as number);
    const yi = (y[i] as number) - yMean;
    for (let j = 0; j < d; j++) {
      const rj = row[j] as number;
      if (rj === 0) continue;
      rhs[j] = (rhs[j] as number) + (rj * yi) / n;
      for (let k = 0; k <= j; k++)
        gram[j * d + k] = (gram[j * d + k] as number) + (rj * (row[k] as number)) / n;
    }
  }
  // Without a penalty, collinear columns (a full one-hot block) make XᵀX singular; a ridge far
  // below any useful penalty picks one solution without changing the fit.
  const ridge = Math.max(l2, 1e-10);
  for (let j = 0; j < d; j++) gram[j * d + j] = (gram[j * d + j] as number) + ridge;
  const weights = solveCholesky(gram, rhs, d);
  let intercept = yMean;
  for (let j = 0; j < d; j++) intercept -= (weights[j] as number) * (means[j] as number);
  return { weights, intercept };
}

/** Solves A·w = b for symmetric positive definite A (lower triangle filled), in place. */
function solveCholesky(a: Float64Array, b: Float64Array, d: number): Float64Array {
  for (let j = 0; j < d; j++) {
    let diagonal = a[j * d + j] as number;
    for (let k = 0; k < j; k++) diagonal -= (a[j * d + k] as number) ** 2;
    if (!(diagonal > 0)) throw invalidParameter('params.l2', 'the normal equations are singular: raise l2');
    const root = Math.sqrt(diagonal);
    a[j * d + j] = root;
    for (let i = j + 1; i < d; i++) {
      let sum = a[i * d + j] as number;
      for (let k = 0; k < j; k++) sum -= (a[i * d + k] as number) * (a[j * d + k] as number);
      a[i * d + j] = sum / root;
    }
  }
  const z = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let sum = b[i] as number;
    for (let k = 0; k < i; k++) sum -= (a[i * d + k] as number) * (z[k] as number);
    z[i] = sum / (a[i * d + i] as number);
  }
  const w = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let sum = z[i] as number;
    for (let k = i + 1; k < d; k++) sum -= (a[k * d + i] as number) * (w[k] as number);
    w[i] = sum / (a[i * d + i] as number);
  }
  return w;
}

/** A fitted linear model: y = x·w + b, exported as MatMul + Add. */
export function linearModel(
  weights: Float64Array,
  intercept: number,
): FittedModel & { weights: Float64Array; intercept: number } {
  return {
    weights,
    intercept,
    predict(x: FeatureMatrix): Float64Array {
      const out = new Float64Array(x.rows);
      for (let i = 0; i < x.rows; i++) {
        let sum = intercept;
        for (let j = 0; j < x.cols; j++) sum += (x.values[i * x.cols + j] as number) * (weights[j] as number);
        out[i] = sum;
      }
      return out;
    },
    exportOnnx(graph: GraphBuilder, features: string): string {
      const w = graph.constant('linear_weights', {
        type: 'float',
        dims: [weights.length, 1],
        values: weights,
      });
      const b = graph.constant('linear_intercept', { type: 'float', dims: [1], values: [intercept] });
      const [product] = graph.node('MatMul', [features, w], ['linear_product']);
      return graph.node('Add', [product!, b], ['linear_value'])[0]!;
    },
    summary() {
      let norm = 0;
      for (const w of weights) norm += w * w;
      return { weight_norm: Math.sqrt(norm) };
    },
  };
}

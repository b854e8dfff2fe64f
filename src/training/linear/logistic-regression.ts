import { invalidParameter } from '../../core/errors.js';
import type { FittedModel, Learner } from '../learner.js';
import { attr, type GraphBuilder } from '../onnx/model-builder.js';
import { numberParam, rejectUnknownParams } from '../params.js';
import type { FeatureMatrix } from '../preprocessing/transform.js';
import { minimizeLbfgs } from './lbfgs.js';

export interface LogisticRegressionParams {
  /** L2 penalty on the weights (not the intercepts), on the mean log-loss's scale. */
  l2: number;
  maxIterations: number;
}

/**
 * Logistic regression fitted by L-BFGS on the mean log-loss + (l2/2)·‖W‖²: a sigmoid over one
 * weight vector for two classes, a softmax over one weight vector per class for more (the
 * multinomial model). scikit-learn's `LogisticRegression(C)` is the same model with C = 1/(l2·n).
 */
export const logisticRegression: Learner<LogisticRegressionParams> = {
  name: 'logistic',
  tasks: ['classification'],
  hyperparameters: { l2: 'number', max_iter: 'integer' },
  parseParams(raw) {
    rejectUnknownParams(raw, ['l2', 'max_iter'], 'logistic');
    return {
      l2: numberParam(raw, 'l2', 1e-3, { min: 0 }),
      maxIterations: numberParam(raw, 'max_iter', 1000, { min: 1, integer: true }),
    };
  },
  fit(x, target, params, options) {
    if (target.task.kind !== 'classification')
      throw invalidParameter('task', 'logistic regression classifies');
    const classCount = target.task.classCount;
    const k = classCount === 2 ? 1 : classCount;
    const d = x.cols;
    const objective =
      classCount === 2
        ? binaryObjective(x, target.y, params.l2)
        : softmaxObjective(x, target.y, k, params.l2);
    const result = minimizeLbfgs(objective, new Float64Array((d + 1) * k), {
      maxIterations: params.maxIterations,
      onIteration: (i) => options.onProgress?.({ done: i, total: params.maxIterations, unit: 'iterations' }),
    });
    // Converged before the budget: the work is done, so the bar ends full.
    if (result.iterations < params.maxIterations)
      options.onProgress?.({ done: result.iterations, total: result.iterations, unit: 'iterations' });
    // Parameters are laid out as W (d × k, row-major) then the k intercepts.
    return logisticModel(result.x.slice(0, d * k), result.x.slice(d * k), classCount, result.iterations);
  },
};

function binaryObjective(x: FeatureMatrix, y: Float64Array, l2: number) {
  const { rows: n, cols: d, values } = x;
  return (theta: Float64Array, gradient: Float64Array): number => {
    gradient.fill(0);
    let loss = 0;
    const b = theta[d] as number;
    for (let i = 0; i < n; i++) {
      let z = b;
      for (let j = 0; j < d; j++) z += (values[i * d + j] as number) * (theta[j] as number);
      const yi = y[i] as number;
      // log(1 + e^z) − y·z, computed without overflow.
      loss += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - yi * z;
      const residual = sigmoid(z) - yi;
      for (let j = 0; j < d; j++)
        gradient[j] = (gradient[j] as number) + (residual * (values[i * d + j] as number)) / n;
      gradient[d] = (gradient[d] as number) + residual / n;
    }
    let penalty = 0;
    for (let j = 0; j < d; j++) {
      const w = theta[j] as number;
      penalty += w * w;
      gradient[j] = (gradient[j] as number) + l2 * w;
    }
    return loss / n + (l2 / 2) * penalty;
  };
}

function softmaxObjective(x: FeatureMatrix, y: Float64Array, k: number, l2: number) {
  const { rows: n, cols: d, values } = x;
  const scores = new Float64Array(k);
  return (theta: Float64Array, gradient: Float64Array): number => {
    gradient.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) scores[c] = theta[d * k + c] as number;
      for (let j = 0; j < d; j++) {
        const v = values[i * d + j] as number;
        if (v === 0) continue;
        for (let c = 0; c < k; c++) scores[c] = (scores[c] as number) + v * (theta[j * k + c] as number);
      }
      const yi = y[i] as number;
      const trueScore = scores[yi] as number;
      // Cross-entropy −log softmax(s)[y] = log Σ e^s − s_y.
      loss += softmaxInPlace(scores) - trueScore;
      for (let c = 0; c < k; c++) {
        const residual = (scores[c] as number) - (c === yi ? 1 : 0);
        for (let j = 0; j < d; j++) {
          const v = values[i * d + j] as number;
          if (v !== 0) gradient[j * k + c] = (gradient[j * k + c] as number) + (residual * v) / n;
        }
        gradient[d * k + c] = (gradient[d * k + c] as number) + residual / n;
      }
    }
    let penalty = 0;
    for (let p = 0; p < d * k; p++) {
      const w = theta[p] as number;
      penalty += w * w;
      gradient[p] = (gradient[p] as number) + l2 * w;
    }
    return loss / n + (l2 / 2) * penalty;
  };
}

/** Turns `scores` into softmax probabilities in place; returns log Σ e^s (the log normalizer). */
function softmaxInPlace(scores: Float64Array): number {
  let max = -Infinity;
  for (const s of scores) max = Math.max(max, s);
  let sum = 0;
  for (let c = 0; c < scores.length; c++) {
    const e = Math.exp((scores[c] as number) - max);
    scores[c] = e;
    sum += e;
  }
  for (let c = 0; c < scores.length; c++) scores[c] = (scores[c] as number) / sum;
  return max + Math.log(sum);
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/**
 * A fitted logistic model: weights `d × k` (k = 1 for two classes), exported as MatMul + Add and
 * Sigmoid (probabilities [1 − p, p]) or Softmax.
 */
export function logisticModel(
  weights: Float64Array,
  intercepts: Float64Array,
  classCount: number,
  iterations = 0,
): FittedModel & { weights: Float64Array; intercepts: Float64Array } {
  const k = intercepts.length;
  return {
    weights,
    intercepts,
    predict(x: FeatureMatrix): Float64Array {
      const out = new Float64Array(x.rows * classCount);
      const scores = new Float64Array(k);
      for (let i = 0; i < x.rows; i++) {
        scores.set(intercepts);
        for (let j = 0; j < x.cols; j++) {
          const v = x.values[i * x.cols + j] as number;
          if (v === 0) continue;
          for (let c = 0; c < k; c++) scores[c] = (scores[c] as number) + v * (weights[j * k + c] as number);
        }
        if (classCount === 2) {
          const p = sigmoid(scores[0] as number);
          out[i * 2] = 1 - p;
          out[i * 2 + 1] = p;
        } else {
          softmaxInPlace(scores);
          out.set(scores, i * classCount);
        }
      }
      return out;
    },
    exportOnnx(graph: GraphBuilder, features: string): string {
      const w = graph.constant('logistic_weights', {
        type: 'float',
        dims: [weights.length / k, k],
        values: weights,
      });
      const b = graph.constant('logistic_intercepts', { type: 'float', dims: [k], values: intercepts });
      const [product] = graph.node('MatMul', [features, w], ['logistic_product']);
      const [scores] = graph.node('Add', [product!, b], ['logistic_scores']);
      if (classCount !== 2)
        return graph.node('Softmax', [scores!], ['class_probabilities'], { axis: attr.int(1) })[0]!;
      const [positive] = graph.node('Sigmoid', [scores!], ['positive_probability']);
      const one = graph.constant('one', { type: 'float', dims: [1], values: [1] });
      const [negative] = graph.node('Sub', [one, positive!], ['negative_probability']);
      return graph.node('Concat', [negative!, positive!], ['class_probabilities'], { axis: attr.int(1) })[0]!;
    },
    summary() {
      return { iterations };
    },
  };
}

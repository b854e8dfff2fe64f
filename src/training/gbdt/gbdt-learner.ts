import type { FittedModel, HyperparameterKind, Learner, LearningTask } from '../learner.js';
import { choiceParam, numberParam, rejectUnknownParams } from '../params.js';
import type { FeatureMatrix } from '../preprocessing/transform.js';
import { fitGbdt, type GbdtOptions } from './gbdt.js';
import type { GbdtObjective } from './losses.js';
import { predictProbabilities, type GbdtModel } from './model.js';
import { exportGbdt } from './onnx-export.js';
import { leafCount } from './tree.js';

/** GBDT hyperparameters, named as scikit-learn's HistGradientBoosting names them. */
export type GbdtParams = Omit<GbdtOptions, 'onIteration' | 'seed'>;

const hyperparameters = {
  learning_rate: 'number',
  max_iter: 'integer',
  max_leaf_nodes: 'integer',
  max_depth: 'integer',
  min_samples_leaf: 'integer',
  l2_regularization: 'number',
  max_bins: 'integer',
  early_stopping: 'choice',
  validation_fraction: 'number',
  n_iter_no_change: 'integer',
  tol: 'number',
} as const satisfies Record<string, HyperparameterKind>;

/** Column-major copies of a row-major matrix: the trees read one feature at a time. */
export function columnsOf(x: FeatureMatrix): Float64Array[] {
  return Array.from({ length: x.cols }, (_, j) => {
    const column = new Float64Array(x.rows);
    for (let i = 0; i < x.rows; i++) column[i] = x.values[i * x.cols + j] as number;
    return column;
  });
}

function objectiveOf(task: LearningTask): GbdtObjective {
  if (task.kind === 'regression') return 'regression';
  return task.classCount === 2 ? 'binary' : 'multiclass';
}

/** Wraps a fitted ensemble in the trainer's contract. */
export function fittedGbdt(model: GbdtModel, iterations: number): FittedModel {
  return {
    predict: (x) => predictProbabilities(model, columnsOf(x)),
    exportOnnx: (graph, features) => exportGbdt(graph, features, model),
    summary: () => {
      const trees = model.trees.flat();
      return {
        iterations,
        trees: trees.length,
        leaves: trees.reduce((sum, tree) => sum + leafCount(tree), 0),
      };
    },
  };
}

/**
 * `--model gbdt`: histogram gradient-boosted trees for classification (binary or multiclass)
 * and regression. Numbers reach the trees raw, missing ones as NaN: trees need no scaling and
 * learn where missing values go.
 */
export const gbdt: Learner<GbdtParams> = {
  name: 'gbdt',
  tasks: ['classification', 'regression'],
  preprocessing: { numericImpute: 'none', standardize: false },
  hyperparameters,
  parseParams(raw) {
    rejectUnknownParams(raw, Object.keys(hyperparameters), 'gbdt');
    const earlyStopping = choiceParam(raw, 'early_stopping', ['auto', 'true', 'false'], 'auto');
    const maxDepth =
      raw.max_depth === undefined ? undefined : numberParam(raw, 'max_depth', 0, { min: 1, integer: true });
    return {
      learningRate: numberParam(raw, 'learning_rate', 0.1, { min: 0, exclusiveMin: true }),
      maxIter: numberParam(raw, 'max_iter', 100, { min: 1, integer: true }),
      maxLeafNodes: numberParam(raw, 'max_leaf_nodes', 31, { min: 2, integer: true }),
      ...(maxDepth === undefined ? {} : { maxDepth }),
      minSamplesLeaf: numberParam(raw, 'min_samples_leaf', 20, { min: 1, integer: true }),
      l2: numberParam(raw, 'l2_regularization', 0, { min: 0 }),
      maxBins: numberParam(raw, 'max_bins', 255, { min: 2, max: 255, integer: true }),
      earlyStopping: earlyStopping === 'auto' ? 'auto' : earlyStopping === 'true',
      validationFraction: numberParam(raw, 'validation_fraction', 0.1, {
        min: 0,
        exclusiveMin: true,
        max: 0.9,
      }),
      nIterNoChange: numberParam(raw, 'n_iter_no_change', 10, { min: 1, integer: true }),
      tol: numberParam(raw, 'tol', 1e-7, { min: 0 }),
    };
  },
  fit(x, target, params, options) {
    const classes = target.task.kind === 'classification' ? target.task.classCount : 1;
    const ran = { done: 0, total: 0 };
    const { model, iterations } = fitGbdt(
      {
        columns: columnsOf(x),
        featureNames: Array.from({ length: x.cols }, (_, j) => `f${j}`),
        target: target.y,
        objective: objectiveOf(target.task),
        classes,
      },
      {
        ...params,
        seed: Math.floor(options.random() * 2 ** 32),
        onIteration: (done, total) => {
          Object.assign(ran, { done, total });
          options.onProgress?.({ done, total, unit: 'iterations' });
        },
      },
    );
    // Early stopping ended before max_iter: the work is done, so the bar ends full.
    if (ran.done < ran.total) options.onProgress?.({ done: ran.done, total: ran.done, unit: 'iterations' });
    return fittedGbdt(model, iterations);
  },
};

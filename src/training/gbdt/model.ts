import type { GbdtObjective } from './losses.js';
import { treeValue, type Tree } from './tree.js';

/**
 * A fitted gradient-boosted ensemble: raw score of class `k` = `baseline[k]` + the sum of the
 * class's trees. Binary: P(class 1) = sigmoid(raw); multiclass: softmax over the raw scores;
 * regression: the raw score is the prediction.
 */
export interface GbdtModel {
  objective: GbdtObjective;
  /** Names of the features, in the column order `predict*` expects. */
  featureNames: string[];
  /** Raw scores per row: 1, or the number of classes for multiclass. */
  scores: number;
  baseline: Float64Array;
  /** `trees[iteration][k]`: one tree per raw score per boosting iteration. */
  trees: Tree[][];
}

function checkColumns(model: GbdtModel, columns: readonly Float64Array[]): number {
  if (columns.length !== model.featureNames.length) {
    throw new RangeError(
      `the model takes ${model.featureNames.length} feature columns, got ${columns.length}`,
    );
  }
  return columns[0]?.length ?? 0;
}

/** Raw scores, `raw[k][i]`, of column-major feature values (`columns[f][i]`, NaN = missing). */
export function predictRaw(model: GbdtModel, columns: readonly Float64Array[]): Float64Array[] {
  const rows = checkColumns(model, columns);
  const raw = Array.from(model.baseline, (b) => new Float64Array(rows).fill(b));
  for (const iteration of model.trees) {
    for (let k = 0; k < model.scores; k++) {
      const tree = iteration[k] as Tree;
      const out = raw[k] as Float64Array;
      for (let i = 0; i < rows; i++) out[i] = (out[i] as number) + treeValue(tree, columns, i);
    }
  }
  return raw;
}

/**
 * Class probabilities, row-major `[rows × classes]` (binary: two columns, P(0) and P(1)), or,
 * for regression, the predicted values.
 */
export function predictProbabilities(model: GbdtModel, columns: readonly Float64Array[]): Float64Array {
  const raw = predictRaw(model, columns);
  return rawToProbabilities(model.objective, raw);
}

/** Turns raw scores into probabilities (row-major), or values for regression. */
export function rawToProbabilities(objective: GbdtObjective, raw: readonly Float64Array[]): Float64Array {
  const rows = raw[0]?.length ?? 0;
  if (objective === 'regression') return Float64Array.from(raw[0] as Float64Array);
  if (objective === 'binary') {
    const out = new Float64Array(rows * 2);
    const r = raw[0] as Float64Array;
    for (let i = 0; i < rows; i++) {
      const p = 1 / (1 + Math.exp(-(r[i] as number)));
      out[2 * i] = 1 - p;
      out[2 * i + 1] = p;
    }
    return out;
  }
  const classes = raw.length;
  const out = new Float64Array(rows * classes);
  for (let i = 0; i < rows; i++) {
    let max = -Infinity;
    for (let k = 0; k < classes; k++) max = Math.max(max, (raw[k] as Float64Array)[i] as number);
    let sum = 0;
    for (let k = 0; k < classes; k++) {
      const e = Math.exp(((raw[k] as Float64Array)[i] as number) - max);
      out[i * classes + k] = e;
      sum += e;
    }
    for (let k = 0; k < classes; k++) out[i * classes + k] = (out[i * classes + k] as number) / sum;
  }
  return out;
}

/** Predicted class indices (the most probable class; ties to the lower index). */
export function predictClasses(model: GbdtModel, columns: readonly Float64Array[]): Int32Array {
  if (model.objective === 'regression')
    throw new RangeError('a regression model predicts values, not classes');
  const probabilities = predictProbabilities(model, columns);
  const classes = model.objective === 'binary' ? 2 : model.scores;
  const rows = probabilities.length / classes;
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) {
      if ((probabilities[i * classes + k] as number) > (probabilities[i * classes + best] as number))
        best = k;
    }
    out[i] = best;
  }
  return out;
}

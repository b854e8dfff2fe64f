import { rocAuc } from '../../training/evaluation/metrics.js';

/** One labelled prediction of a classifier. */
export interface ClassifiedPair {
  /** The true class, as text (classes are compared by name). */
  actual: string;
  predicted: string;
  /** Class → probability, when the model gives them. */
  probabilities?: Record<string, number> | undefined;
}

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Labelled predictions whose true class is this one. */
  support: number;
}

export interface ClassificationMetrics {
  accuracy: number;
  /** Unweighted mean of the per-class F1 over the classes seen (true or predicted). */
  macroF1: number;
  /**
   * Binary: AUC of the positive class's probability. Multiclass: one-vs-rest AUC per class,
   * averaged over the classes that have both positives and negatives in the window. Undefined
   * without probabilities, or when no class has both.
   */
  rocAuc: number | undefined;
  /** Mean negative log-probability of the true class (clipped to [ε, 1−ε], ε the float64 machine epsilon, as scikit-learn); undefined without probabilities. */
  logLoss: number | undefined;
  perClass: Record<string, ClassMetrics>;
}

/**
 * Accuracy, per-class precision/recall/F1 and their macro average, ROC AUC and log loss, as
 * scikit-learn computes them: the classes of `f1_score(average='macro')` are those in the true or
 * predicted labels, and a precision or recall with nothing to divide is 0 (its `zero_division`
 * default). `classes` is the model's class order; for two classes the second is the positive one,
 * as in `predict_proba(X)[:, 1]`. Returns undefined for no pairs.
 */
export function classificationMetrics(
  pairs: readonly ClassifiedPair[],
  classes: readonly string[],
): ClassificationMetrics | undefined {
  if (pairs.length === 0) return undefined;
  const seen = [...new Set([...pairs.map((p) => p.actual), ...pairs.map((p) => p.predicted)])].sort();
  const perClass: Record<string, ClassMetrics> = {};
  let correct = 0;
  for (const p of pairs) if (p.actual === p.predicted) correct++;
  for (const c of seen) {
    let tp = 0;
    let predicted = 0;
    let support = 0;
    for (const p of pairs) {
      if (p.predicted === c) predicted++;
      if (p.actual === c) support++;
      if (p.actual === c && p.predicted === c) tp++;
    }
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass[c] = { precision, recall, f1, support };
  }
  const macroF1 = seen.reduce((sum, c) => sum + perClass[c]!.f1, 0) / seen.length;
  return {
    accuracy: correct / pairs.length,
    macroF1,
    rocAuc: areaUnderRoc(pairs, classes),
    logLoss: logLoss(pairs),
    perClass,
  };
}

function withProbabilities(pairs: readonly ClassifiedPair[]): boolean {
  return pairs.every((p) => p.probabilities !== undefined);
}

function areaUnderRoc(pairs: readonly ClassifiedPair[], classes: readonly string[]): number | undefined {
  if (!withProbabilities(pairs) || classes.length < 2) return undefined;
  const oneVsRest = (c: string): number =>
    rocAuc(
      pairs.map((p) => p.probabilities![c] ?? 0),
      pairs.map((p) => p.actual === c),
    );
  if (classes.length === 2) {
    const auc = oneVsRest(classes[1]!);
    return Number.isNaN(auc) ? undefined : auc;
  }
  const defined = classes.map(oneVsRest).filter((auc) => !Number.isNaN(auc));
  return defined.length === 0 ? undefined : defined.reduce((a, b) => a + b, 0) / defined.length;
}

const logLossEpsilon = Number.EPSILON;

function logLoss(pairs: readonly ClassifiedPair[]): number | undefined {
  if (!withProbabilities(pairs)) return undefined;
  let sum = 0;
  for (const p of pairs) {
    const probability = p.probabilities![p.actual] ?? 0;
    sum -= Math.log(Math.min(Math.max(probability, logLossEpsilon), 1 - logLossEpsilon));
  }
  return sum / pairs.length;
}

/**
 * Holdout metrics of a trained model, computed as scikit-learn does (`accuracy_score`,
 * `f1_score(average='macro')`, `roc_auc_score` (binary, or one-vs-rest macro), `log_loss`,
 * RMSE, MAE, `r2_score`). Training sits upstream of monitoring, so these pure functions live
 * here over typed arrays and monitoring's performance report reuses them.
 */

/** Metric name → value, as logged to the run (`holdout_accuracy` …, with the trainer's prefix). */
export type Metrics = Record<string, number>;

/** Which way is better, for tuning and for gates. */
export const metricDirections: Readonly<Record<string, 'max' | 'min'>> = {
  accuracy: 'max',
  f1_macro: 'max',
  roc_auc: 'max',
  log_loss: 'min',
  rmse: 'min',
  mae: 'min',
  r2: 'max',
};

/**
 * Classification metrics from true class indices and row-major probabilities `[n × classCount]`.
 * ROC AUC is left out when no class has both positives and negatives in `actual`.
 */
export function classificationMetrics(
  actual: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  classCount: number,
): Metrics {
  const n = actual.length;
  const predicted = new Int32Array(n);
  let correct = 0;
  let logLoss = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classCount; c++) {
      if ((probabilities[i * classCount + c] as number) > (probabilities[i * classCount + best] as number))
        best = c;
    }
    predicted[i] = best;
    if (best === actual[i]) correct++;
    const p = probabilities[i * classCount + (actual[i] as number)] as number;
    logLoss -= Math.log(Math.min(Math.max(p, Number.EPSILON), 1 - Number.EPSILON));
  }
  const metrics: Metrics = {
    accuracy: correct / n,
    f1_macro: macroF1(actual, predicted, classCount),
    log_loss: logLoss / n,
  };
  const auc = areaUnderRoc(actual, probabilities, classCount);
  if (auc !== undefined) metrics.roc_auc = auc;
  return metrics;
}

/** F1 per class averaged over the classes present in the true or predicted labels. */
function macroF1(actual: ArrayLike<number>, predicted: Int32Array, classCount: number): number {
  const truePositives = new Float64Array(classCount);
  const predictedCounts = new Float64Array(classCount);
  const support = new Float64Array(classCount);
  for (let i = 0; i < predicted.length; i++) {
    const a = actual[i] as number;
    const p = predicted[i] as number;
    support[a] = (support[a] as number) + 1;
    predictedCounts[p] = (predictedCounts[p] as number) + 1;
    if (a === p) truePositives[a] = (truePositives[a] as number) + 1;
  }
  let sum = 0;
  let seen = 0;
  for (let c = 0; c < classCount; c++) {
    if (support[c] === 0 && predictedCounts[c] === 0) continue;
    seen++;
    const precision =
      predictedCounts[c] === 0 ? 0 : (truePositives[c] as number) / (predictedCounts[c] as number);
    const recall = support[c] === 0 ? 0 : (truePositives[c] as number) / (support[c] as number);
    sum += precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  }
  return seen === 0 ? 0 : sum / seen;
}

function areaUnderRoc(
  actual: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  classCount: number,
): number | undefined {
  const n = actual.length;
  const oneVsRest = (c: number): number =>
    rocAuc(
      Float64Array.from({ length: n }, (_, i) => probabilities[i * classCount + c] as number),
      Array.from({ length: n }, (_, i) => actual[i] === c),
    );
  if (classCount === 2) {
    const auc = oneVsRest(1);
    return Number.isNaN(auc) ? undefined : auc;
  }
  const defined = Array.from({ length: classCount }, (_, c) => oneVsRest(c)).filter((a) => !Number.isNaN(a));
  return defined.length === 0 ? undefined : defined.reduce((a, b) => a + b, 0) / defined.length;
}

/**
 * Area under the ROC curve by the rank-sum (Mann–Whitney U) identity, tied scores sharing their
 * average rank; equal to scikit-learn's `roc_auc_score`. NaN when all outcomes are alike.
 */
export function rocAuc(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (scores[a] as number) - (scores[b] as number),
  );
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < n;) {
    let end = start;
    while (end + 1 < n && scores[order[end + 1] as number] === scores[order[start] as number]) end++;
    const averageRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      if (positive[order[k] as number]) {
        positives++;
        rankSum += averageRank;
      }
    }
    start = end + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** RMSE, MAE and R² (1 − SS_res/SS_tot; for constant true values 1 if exact, else 0). */
export function regressionMetrics(actual: ArrayLike<number>, predicted: ArrayLike<number>): Metrics {
  const n = actual.length;
  let squared = 0;
  let absolute = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) {
    const error = (actual[i] as number) - (predicted[i] as number);
    squared += error * error;
    absolute += Math.abs(error);
    mean += (actual[i] as number) / n;
  }
  let total = 0;
  for (let i = 0; i < n; i++) total += ((actual[i] as number) - mean) ** 2;
  const r2 = total === 0 ? (squared === 0 ? 1 : 0) : 1 - squared / total;
  return { rmse: Math.sqrt(squared / n), mae: absolute / n, r2 };
}

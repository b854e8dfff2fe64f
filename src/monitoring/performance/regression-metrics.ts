export interface RegressionMetrics {
  rmse: number;
  mae: number;
  /**
   * Coefficient of determination, as scikit-learn's `r2_score`: 1 − SS_res/SS_tot; with constant
   * true values it is 1 for a perfect fit and 0 otherwise. Undefined for fewer than two pairs.
   */
  r2: number | undefined;
}

/** RMSE, MAE and R² of predicted against true values; undefined for no pairs. */
export function regressionMetrics(
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
): RegressionMetrics | undefined {
  const n = actual.length;
  if (n === 0) return undefined;
  let squared = 0;
  let absolute = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) {
    const error = actual[i]! - predicted[i]!;
    squared += error * error;
    absolute += Math.abs(error);
    mean += actual[i]!;
  }
  mean /= n;
  let total = 0;
  for (let i = 0; i < n; i++) total += (actual[i]! - mean) ** 2;
  let r2: number | undefined;
  if (n >= 2) r2 = total === 0 ? (squared === 0 ? 1 : 0) : 1 - squared / total;
  return { rmse: Math.sqrt(squared / n), mae: absolute / n, r2 };
}

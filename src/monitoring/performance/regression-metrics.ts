import { regressionMetrics as holdoutRegressionMetrics } from '../../training/evaluation/metrics.js';

export interface RegressionMetrics {
  rmse: number;
  mae: number;
  /**
   * Coefficient of determination, as scikit-learn's `r2_score`: 1 − SS_res/SS_tot; with constant
   * true values it is 1 for a perfect fit and 0 otherwise. Undefined for fewer than two pairs.
   */
  r2: number | undefined;
}

/** RMSE, MAE and R² of predicted against true values (the trainers' formulas); undefined for no pairs. */
export function regressionMetrics(
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
): RegressionMetrics | undefined {
  if (actual.length === 0) return undefined;
  const { rmse, mae, r2 } = holdoutRegressionMetrics(actual, predicted);
  return { rmse: rmse as number, mae: mae as number, r2: actual.length >= 2 ? r2 : undefined };
}

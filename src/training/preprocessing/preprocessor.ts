import { invalidParameter } from '../../core/errors.js';
import type { TableColumn, TrainingTable } from '../data/training-table.js';

/**
 * Preprocessing fitted on the training rows, as plain data: the TypeScript transform
 * (`transform.ts`) and the ONNX export (`onnx-export.ts`) both read it, so training and serving
 * apply the very same numbers.
 */

/** A numeric column: missing → `fill`, then `(x - offset) * scale` (ONNX Scaler's formula). */
export interface NumericStep {
  kind: 'numeric';
  name: string;
  fill: number;
  offset: number;
  scale: number;
}

/**
 * A categorical column: missing (null, or "" as serving passes it) → `fill`, then one indicator
 * per category; a category not seen in training gives all zeros.
 */
export interface CategoricalStep {
  kind: 'categorical';
  name: string;
  fill: string;
  categories: string[];
}

export interface Preprocessor {
  /** Numeric steps first, then categorical ones: the order of the output columns. */
  steps: Array<NumericStep | CategoricalStep>;
  /** Names of the output columns (`age`, `city=paris`). */
  featureNames: string[];
}

export interface PreprocessingOptions {
  /**
   * How a missing number is filled (default mean); `none` keeps it missing (NaN), for learners
   * that handle missing values themselves (trees).
   */
  numericImpute?: 'mean' | 'median' | 'none';
  /** How a missing category is filled: the most frequent one (default), or `__missing__`. */
  categoricalImpute?: 'most_frequent' | 'missing';
  /** Standardize numbers to mean 0 and variance 1 (default true). */
  standardize?: boolean;
  /** Most categories kept per column, the most frequent ones (default 100); the rest are zeros. */
  maxCategories?: number;
}

export const missingCategory = '__missing__';

/** Fits imputation, scaling and one-hot encoding on `table` (the feature columns only). */
export function fitPreprocessor(table: TrainingTable, options: PreprocessingOptions = {}): Preprocessor {
  if (table.columns.length === 0)
    throw invalidParameter('data', 'the data has no feature columns besides the label');
  const maxCategories = options.maxCategories ?? 100;
  if (!(Number.isInteger(maxCategories) && maxCategories >= 1)) {
    throw invalidParameter(
      'max_categories',
      `max_categories must be a whole number ≥ 1, got ${maxCategories}`,
    );
  }
  const numeric: NumericStep[] = [];
  const categorical: CategoricalStep[] = [];
  for (const column of table.columns) {
    if (column.kind === 'numeric') numeric.push(fitNumeric(column.name, column.values, options));
    else categorical.push(fitCategorical(column, options, maxCategories));
  }
  const featureNames = [
    ...numeric.map((s) => s.name),
    ...categorical.flatMap((s) => s.categories.map((c) => `${s.name}=${c}`)),
  ];
  return { steps: [...numeric, ...categorical], featureNames };
}

function fitNumeric(name: string, values: Float64Array, options: PreprocessingOptions): NumericStep {
  if (options.numericImpute === 'none') return { kind: 'numeric', name, fill: NaN, offset: 0, scale: 1 };
  const present = values.filter((v) => !Number.isNaN(v));
  if (present.length === 0) return { kind: 'numeric', name, fill: 0, offset: 0, scale: 1 };
  let sum = 0;
  for (const v of present) sum += v;
  const mean = sum / present.length;
  const fill = options.numericImpute === 'median' ? median(present) : mean;
  if (options.standardize === false) return { kind: 'numeric', name, fill, offset: 0, scale: 1 };
  // Statistics of the imputed column, as scikit-learn's StandardScaler sees it after SimpleImputer.
  const n = values.length;
  const imputedMean = (sum + fill * (n - present.length)) / n;
  let squares = 0;
  for (const v of present) squares += (v - imputedMean) ** 2;
  squares += (fill - imputedMean) ** 2 * (n - present.length);
  const std = Math.sqrt(squares / n);
  // A constant column carries no information; scale 1 keeps it at 0 instead of dividing by 0.
  return { kind: 'numeric', name, fill, offset: imputedMean, scale: std > 1e-12 ? 1 / std : 1 };
}

function median(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function fitCategorical(
  column: Extract<TableColumn, { kind: 'categorical' }>,
  options: PreprocessingOptions,
  maxCategories: number,
): CategoricalStep {
  const counts = new Map<string, number>();
  let missing = 0;
  for (const value of column.values) {
    if (isMissingCategory(value)) missing++;
    else counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  // Most frequent first, ties by name, so the fit does not depend on row order.
  const ranked = [...counts.entries()].sort(
    (a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0),
  );
  const fill =
    options.categoricalImpute === 'missing' ? missingCategory : (ranked[0]?.[0] ?? missingCategory);
  if (fill === missingCategory && missing > 0) {
    const at = ranked.findIndex(([, n]) => n < missing);
    ranked.splice(at === -1 ? ranked.length : at, 0, [missingCategory, missing]);
  }
  const categories = ranked.slice(0, maxCategories).map(([c]) => c);
  return { kind: 'categorical', name: column.name, fill, categories };
}

/** A category value serving or the data leaves out: null, or the empty string. */
export function isMissingCategory(value: string | null | undefined): value is null | undefined | '' {
  return value === null || value === undefined || value === '';
}

import { invalidParameter } from '../../core/errors.js';
import type { TrainingTable } from '../data/training-table.js';
import { isMissingCategory, type Preprocessor } from './preprocessor.js';

/** A dense row-major matrix of model inputs: `values[i * cols + j]`. */
export interface FeatureMatrix {
  rows: number;
  cols: number;
  values: Float64Array;
}

/**
 * Applies a fitted preprocessor to a table in TypeScript, for training and evaluation. The ONNX
 * export computes the same matrix (in float32) inside the served model.
 */
export function transform(pre: Preprocessor, table: TrainingTable): FeatureMatrix {
  const rows = table.rows;
  const cols = pre.featureNames.length;
  const values = new Float64Array(rows * cols);
  let offset = 0;
  for (const step of pre.steps) {
    const column = table.columns.find((c) => c.name === step.name);
    if (!column || column.kind !== step.kind) {
      throw invalidParameter(
        'data',
        `the data has no ${step.kind} column "${step.name}" the model was trained on`,
      );
    }
    if (step.kind === 'numeric' && column.kind === 'numeric') {
      for (let i = 0; i < rows; i++) {
        const raw = column.values[i] as number;
        values[i * cols + offset] = ((Number.isNaN(raw) ? step.fill : raw) - step.offset) * step.scale;
      }
      offset += 1;
    } else if (step.kind === 'categorical' && column.kind === 'categorical') {
      const index = new Map(step.categories.map((c, j) => [c, j]));
      for (let i = 0; i < rows; i++) {
        const raw = column.values[i];
        const j = index.get(isMissingCategory(raw) ? step.fill : raw);
        if (j !== undefined) values[i * cols + offset + j] = 1;
      }
      offset += step.categories.length;
    }
  }
  return { rows, cols, values };
}

import { invalidParameter } from '../../core/errors.js';
import { seededRandom, shuffledIndices } from '../../core/random.js';
import { selectRows, type TrainingTable } from './training-table.js';

export interface HoldoutSplit {
  train: TrainingTable;
  holdout: TrainingTable;
}

/**
 * A seeded random split: `fraction` of the rows (at least one) held out for evaluation, the rest
 * for fitting. The same seed gives the same split, so runs compare on the same holdout.
 */
export function splitHoldout(table: TrainingTable, fraction: number, seed: number): HoldoutSplit {
  if (!(fraction > 0 && fraction < 1)) {
    throw invalidParameter('holdout', `holdout must be a fraction between 0 and 1, got ${fraction}`);
  }
  if (table.rows < 2)
    throw invalidParameter('data', `the data has ${table.rows} rows; training needs at least 2`);
  const order = shuffledIndices(table.rows, seededRandom(seed));
  const held = Math.min(table.rows - 1, Math.max(1, Math.round(table.rows * fraction)));
  return {
    holdout: selectRows(table, order.subarray(0, held)),
    train: selectRows(table, order.subarray(held)),
  };
}

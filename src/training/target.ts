import { invalidParameter } from '../core/errors.js';
import type { TableColumn } from './data/training-table.js';
import type { LearningTask } from './learner.js';

export type TaskName = LearningTask['kind'];

export interface EncodedTarget {
  task: LearningTask;
  /** Value or class index per kept row. */
  y: Float64Array;
  /** Class labels in class-index order (classification). */
  classLabels?: Array<string | number>;
  /** Rows that have a label (rows without one are left out of training). */
  rows: Uint32Array;
}

/**
 * The label column as a learning target. Rows with a missing label are dropped. A numeric label
 * is regressed unless `task` says classification; a text label is always classified. Classes are
 * ordered as scikit-learn orders them (numbers ascending, text by code point), which is also the
 * order of the model's probability columns.
 */
export function encodeTarget(label: TableColumn, task: TaskName | undefined): EncodedTarget {
  const wanted = task ?? (label.kind === 'numeric' ? 'regression' : 'classification');
  const rows: number[] = [];
  for (let i = 0; i < label.values.length; i++) {
    const v = label.values[i];
    if (!(v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v))))
      rows.push(i);
  }
  if (rows.length === 0) throw invalidParameter('label', `the label column "${label.name}" has no values`);
  const kept = Uint32Array.from(rows);
  if (wanted === 'regression') {
    if (label.kind !== 'numeric') {
      throw invalidParameter(
        'task',
        `the label "${label.name}" is text: regression needs numbers; use --task classification`,
      );
    }
    return {
      task: { kind: 'regression' },
      y: Float64Array.from(kept, (i) => label.values[i] as number),
      rows: kept,
    };
  }
  const raw: Array<string | number> = Array.from(kept, (i) => label.values[i] as string | number);
  const classLabels = [...new Set(raw)].sort((a, b) =>
    typeof a === 'number' && typeof b === 'number'
      ? a - b
      : String(a) < String(b)
        ? -1
        : String(a) > String(b)
          ? 1
          : 0,
  );
  if (classLabels.length < 2) {
    throw invalidParameter(
      'label',
      `the label "${label.name}" has ${classLabels.length} class; classification needs at least 2`,
    );
  }
  const index = new Map(classLabels.map((c, j) => [c, j]));
  return {
    task: { kind: 'classification', classCount: classLabels.length },
    y: Float64Array.from(raw, (v) => index.get(v) as number),
    classLabels,
    rows: kept,
  };
}

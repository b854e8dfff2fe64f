import { invalidParameter } from '../../core/errors.js';

/**
 * A table of training rows held by column: numbers in a Float64Array (NaN = missing), categories
 * as strings (null = missing). Columnar so that fitting and transforming touch no per-row object.
 */
export type TableColumn =
  | { name: string; kind: 'numeric'; values: Float64Array }
  | { name: string; kind: 'categorical'; values: Array<string | null> };

export interface TrainingTable {
  rows: number;
  /** In the source's order. */
  columns: TableColumn[];
}

/** The column named `name`; fails naming `field` when the table has none. */
export function columnOf(table: TrainingTable, name: string, field = 'label'): TableColumn {
  const column = table.columns.find((c) => c.name === name);
  if (!column) {
    const names = table.columns.map((c) => c.name).join(', ');
    throw invalidParameter(field, `the data has no column "${name}" (columns: ${names})`);
  }
  return column;
}

/** The table restricted to `indices`, in that order. */
export function selectRows(table: TrainingTable, indices: ArrayLike<number>): TrainingTable {
  const columns = table.columns.map((column): TableColumn => {
    if (column.kind === 'numeric') {
      const values = new Float64Array(indices.length);
      for (let i = 0; i < indices.length; i++) values[i] = column.values[indices[i] as number] as number;
      return { name: column.name, kind: 'numeric', values };
    }
    const values = new Array<string | null>(indices.length);
    for (let i = 0; i < indices.length; i++) values[i] = column.values[indices[i] as number] ?? null;
    return { name: column.name, kind: 'categorical', values };
  });
  return { rows: indices.length, columns };
}

/** The table without the named columns (the label, ignored columns). */
export function withoutColumns(table: TrainingTable, names: readonly string[]): TrainingTable {
  return { rows: table.rows, columns: table.columns.filter((c) => !names.includes(c.name)) };
}

import type { TableColumn, TrainingTable } from './training-table.js';

/**
 * Below this many rows a column of distinct values says little: a handful of rows rarely repeat.
 */
const minRows = 20;

/**
 * The columns that look like row identifiers: a text or whole-number column with a different value
 * in every row and none missing (customer_id, order_uuid). As a feature such a column teaches a
 * model nothing that carries over to new rows (each new id is unseen) and can leak the row's order.
 * Real numbers are left out: a measurement is distinct in every row too.
 */
export function idLikeColumns(table: TrainingTable): string[] {
  if (table.rows < minRows) return [];
  return table.columns.filter((c) => uniquePerRow(c)).map((c) => c.name);
}

function uniquePerRow(column: TableColumn): boolean {
  const seen = new Set<string | number>();
  for (const value of column.values) {
    if (value === null || (typeof value === 'number' && !Number.isInteger(value))) return false;
    if (seen.has(value)) return false;
    seen.add(value);
  }
  return true;
}

import type { ColumnKind, ColumnSchema } from './types.js';

const numericTypes =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL(\(\d+,\s*\d+\))?)$/;
const temporalTypes =
  /^(DATE|TIME|TIMESTAMP|TIMESTAMP WITH TIME ZONE|TIMESTAMP_(S|MS|NS)|TIMESTAMPTZ|INTERVAL)$/;

/** How a DuckDB type is profiled: numbers get moments and a histogram, text and booleans top values. */
export function columnKind(type: string): ColumnKind {
  if (numericTypes.test(type)) return 'numeric';
  if (
    type === 'VARCHAR' ||
    type === 'BOOLEAN' ||
    type === 'UUID' ||
    type === 'JSON' ||
    type.startsWith('ENUM')
  )
    return 'categorical';
  if (temporalTypes.test(type)) return 'temporal';
  return 'other';
}

export interface SchemaChange {
  column: string;
  change: 'added' | 'removed' | 'type';
  from?: string;
  to?: string;
}

/** Columns added, removed or retyped from `before` to `after`, in `after`'s order then removed ones. */
export function diffSchemas(before: ColumnSchema[], after: ColumnSchema[]): SchemaChange[] {
  const old = new Map(before.map((c) => [c.name, c.type]));
  const changes: SchemaChange[] = [];
  for (const column of after) {
    const was = old.get(column.name);
    if (was === undefined) changes.push({ column: column.name, change: 'added', to: column.type });
    else if (was !== column.type)
      changes.push({ column: column.name, change: 'type', from: was, to: column.type });
  }
  const now = new Set(after.map((c) => c.name));
  for (const column of before) {
    if (!now.has(column.name)) changes.push({ column: column.name, change: 'removed', from: column.type });
  }
  return changes;
}

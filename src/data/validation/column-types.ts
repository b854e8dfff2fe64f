import type { ColumnType } from './suite.js';

const INTEGER = /^(U?TINYINT|U?SMALLINT|U?INTEGER|U?BIGINT|U?HUGEINT|DECIMAL\(\d+,\s*0\))$/;
const NUMBER = /^(FLOAT|DOUBLE|DECIMAL\(\d+,\s*\d+\))$/;

/** Whether a DuckDB column type (as DESCRIBE spells it) holds values of the declared type. */
export function typeMatches(declared: ColumnType, duckDbType: string): boolean {
  switch (declared) {
    case 'integer':
      return INTEGER.test(duckDbType);
    case 'number':
      return INTEGER.test(duckDbType) || NUMBER.test(duckDbType);
    case 'string':
      return duckDbType === 'VARCHAR' || duckDbType.startsWith('ENUM(');
    case 'boolean':
      return duckDbType === 'BOOLEAN';
    case 'date':
      return duckDbType === 'DATE';
    case 'timestamp':
      return duckDbType.startsWith('TIMESTAMP');
  }
}

/** The declared type that best describes a DuckDB column type, for schema inference. */
export function inferColumnType(duckDbType: string): ColumnType {
  if (INTEGER.test(duckDbType)) return 'integer';
  if (NUMBER.test(duckDbType)) return 'number';
  if (duckDbType === 'BOOLEAN') return 'boolean';
  if (duckDbType === 'DATE') return 'date';
  if (duckDbType.startsWith('TIMESTAMP')) return 'timestamp';
  return 'string';
}

export function isNumericType(duckDbType: string): boolean {
  return INTEGER.test(duckDbType) || NUMBER.test(duckDbType);
}

export function isIntegerType(duckDbType: string): boolean {
  return INTEGER.test(duckDbType);
}

/**
 * SQL that is true for a present value the declared type cannot hold: when a column's type is
 * wrong (say a CSV column read as text because of one "n/a"), these are the rows to show.
 */
export function notOfTypeSql(declared: ColumnType, column: string): string {
  const asDouble = `TRY_CAST(${column} AS DOUBLE)`;
  const bad = {
    integer: `${asDouble} IS NULL OR ${asDouble} <> trunc(${asDouble})`,
    number: `${asDouble} IS NULL`,
    string: 'false',
    boolean: `TRY_CAST(${column} AS BOOLEAN) IS NULL`,
    date: `TRY_CAST(${column} AS DATE) IS NULL`,
    timestamp: `TRY_CAST(${column} AS TIMESTAMP) IS NULL`,
  }[declared];
  return `${column} IS NOT NULL AND (${bad})`;
}

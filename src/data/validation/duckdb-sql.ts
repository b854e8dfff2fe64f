import type { DuckDBConnection } from '@duckdb/node-api';
import { invalidParameter } from '../../core/errors.js';
import { quoteIdentifier } from '../../store/duckdb.js';
import { fileFormat, readTableSql } from '../../store/duckdb-read.js';

/**
 * Data DuckDB reads: one file (Parquet, CSV or JSON lines, by extension), or a query that reads
 * several (a dataset version stored as many files).
 */
export type DataRelation = { file: string } | { sql: string };

export function describeRelation(relation: DataRelation): string {
  return 'file' in relation ? relation.file : 'the query';
}

export interface LoadedTable {
  name: string;
  /** Column name → DuckDB type as DESCRIBE spells it (`BIGINT`, `DECIMAL(10,2)`, `VARCHAR`). */
  columns: Map<string, string>;
}

/**
 * Copies the data into a temporary table. Reading once and checking the table keeps each check
 * from re-parsing a CSV, and the table's rowid follows the data's order, which gives offending
 * rows their row numbers.
 */
export async function loadRelation(
  connection: DuckDBConnection,
  relation: DataRelation,
  name: string,
): Promise<LoadedTable> {
  const from =
    'file' in relation
      ? readTableSql(fileFormat(relation.file, 'file'), [relation.file])
      : `(${relation.sql})`;
  try {
    await connection.run(`CREATE TEMP TABLE ${quoteIdentifier(name)} AS SELECT * FROM ${from}`);
  } catch (error) {
    throw invalidParameter('file', `cannot read ${describeRelation(relation)}: ${(error as Error).message}`);
  }
  const reader = await connection.runAndReadAll(`DESCRIBE ${quoteIdentifier(name)}`);
  const columns = new Map<string, string>();
  for (const row of reader.getRowObjectsJson()) columns.set(String(row.column_name), String(row.column_type));
  return { name, columns };
}

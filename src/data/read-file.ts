import type { DuckDBConnection } from '@duckdb/node-api';
import { invalidParameter } from '../core/errors.js';
import { quoteIdentifier, quoteLiteral } from '../store/duckdb.js';
import { readTableSql } from '../store/duckdb-read.js';
import type { ColumnSchema, DatasetFormat } from './types.js';

/** The name the loaded data goes by in the DuckDB connection. */
export const datasetRelation = 'dataset_rows';

/**
 * Makes the files readable as `dataset_rows` and checks what a CSV or JSON reader cannot catch
 * alone: no rows, columns that mix numbers with text, JSON lines with keys the first line lacks.
 * Text files are copied into a table once (its rowid follows the file, which gives rows their
 * numbers); Parquet is typed and columnar already, so it is read in place through a view.
 */
export async function loadDataset(
  connection: DuckDBConnection,
  format: DatasetFormat,
  paths: string[],
  label: string,
): Promise<ColumnSchema[]> {
  const read = readTableSql(format, paths);
  const kind = format === 'parquet' ? 'VIEW' : 'TEMP TABLE';
  try {
    await connection.run(`CREATE OR REPLACE ${kind} ${datasetRelation} AS SELECT * FROM ${read}`);
  } catch (error) {
    throw readError(label, error, paths);
  }
  const schema = await describe(connection);
  if (format === 'parquet') return schema;
  const rows = await countRows(connection);
  if (rows === 0) throw invalidParameter('path', `${label} has no rows: there is nothing to add`);
  if (format === 'jsonl') await checkJsonKeys(connection, paths, label);
  await checkMixedTypes(connection, schema, label, format);
  return schema;
}

export async function describe(connection: DuckDBConnection): Promise<ColumnSchema[]> {
  const reader = await connection.runAndReadAll(`DESCRIBE ${datasetRelation}`);
  return reader
    .getRowObjectsJson()
    .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
}

export async function countRows(connection: DuckDBConnection): Promise<number> {
  const reader = await connection.runAndReadAll(`SELECT count(*)::DOUBLE FROM ${datasetRelation}`);
  return Number(reader.getRows()[0]![0]);
}

/**
 * A text column where most values are numbers but some are not is almost always a data error
 * (a stray "n/a", a unit typed into a number): DuckDB would quietly make the column text. Say
 * which row holds the first value that is not a number.
 */
async function checkMixedTypes(
  connection: DuckDBConnection,
  schema: ColumnSchema[],
  label: string,
  format: DatasetFormat,
): Promise<void> {
  for (const column of schema) {
    if (column.type !== 'VARCHAR' && column.type !== 'JSON') continue;
    const c = quoteIdentifier(column.name);
    const asNumber = `TRY_CAST(${c} AS DOUBLE)`;
    const sql =
      `SELECT count(${c})::DOUBLE AS present, count(${asNumber})::DOUBLE AS numbers, ` +
      `min(CASE WHEN ${c} IS NOT NULL AND ${asNumber} IS NULL THEN rowid END)::DOUBLE AS first_text ` +
      `FROM ${datasetRelation}`;
    const [present, numbers, firstText] = (await connection.runAndReadAll(sql)).getRows()[0]!.map(Number);
    if (!numbers || numbers === present || numbers * 2 < present!) continue;
    const row = firstText! + 1;
    const value = await valueAt(connection, column.name, firstText!);
    const line = format === 'csv' ? `line ${row + 1} (row ${row})` : `line ${row}`;
    throw invalidParameter(
      'path',
      `${label}: ${line}, column "${column.name}" holds ${JSON.stringify(value)} where ${numbers} of ${present} values are numbers: ` +
        'fix the value (or leave it empty for a missing one) and add the file again',
    );
  }
}

async function valueAt(connection: DuckDBConnection, column: string, rowid: number): Promise<string> {
  const sql = `SELECT CAST(${quoteIdentifier(column)} AS VARCHAR) FROM ${datasetRelation} WHERE rowid = ${rowid}`;
  return String((await connection.runAndReadAll(sql)).getRows()[0]?.[0] ?? '');
}

/** Every JSON line must have only keys the first line has: a new key is an unknown column. */
async function checkJsonKeys(connection: DuckDBConnection, paths: string[], label: string): Promise<void> {
  const objects = `read_json_objects([${paths.map(quoteLiteral).join(', ')}], format = 'newline_delimited')`;
  const sql =
    `WITH o AS (SELECT row_number() OVER () AS n, json_keys(json) AS k FROM ${objects}), ` +
    `f AS (SELECT k FROM o WHERE n = 1) ` +
    `SELECT o.n::DOUBLE, list_filter(o.k, x -> NOT list_contains(f.k, x)) AS extra FROM o, f ` +
    `WHERE len(list_filter(o.k, x -> NOT list_contains(f.k, x))) > 0 ORDER BY o.n LIMIT 1`;
  const rows = (await connection.runAndReadAll(sql)).getRowsJson();
  if (rows.length === 0) return;
  const [line, extra] = rows[0]! as [number, string[]];
  throw invalidParameter(
    'path',
    `${label}: line ${line} has column "${extra[0]}" that line 1 does not have: give every line the same keys ` +
      '(null for a missing value)',
  );
}

/** DuckDB's read errors, reduced to the file, the line and what is wrong. */
function readError(label: string, error: unknown, paths: string[]): Error {
  let message = (error as Error).message;
  for (const path of paths) message = message.replaceAll(path, label);
  const line = /on Line: (\d+)|in line (\d+)/i.exec(message);
  const lineNumber = line?.[1] ?? line?.[2];
  const reason =
    message
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '' && !/^(Invalid Input Error|Original Line|CSV Error on Line)/i.test(l)) ??
    message.split('\n')[0]!;
  const cleaned = reason.replace(/^Invalid Input Error:\s*/i, '');
  return invalidParameter('path', `${label}: ${lineNumber ? `line ${lineNumber}: ` : ''}${cleaned}`);
}

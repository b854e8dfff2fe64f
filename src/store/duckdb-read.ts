import { extname } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { invalidParameter } from '../core/errors.js';
import { quoteLiteral } from './duckdb.js';

/**
 * The formats of a user's data file DuckDB reads: CSV (comma-separated, with a header row), TSV
 * (the same with tabs), Parquet, JSON lines, and JSON (an array of objects, or JSON lines).
 */
export type ReadFormat = 'csv' | 'tsv' | 'parquet' | 'jsonl' | 'json';

const byExtension: Record<string, ReadFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'json',
};

/** The extensions `readFormatOf` knows, for messages. */
export const readableExtensions = Object.keys(byExtension);

/** The format a path's extension names (a glob such as `dir/**\/*.csv` too), if it names one. */
export function readFormatOf(path: string): ReadFormat | undefined {
  return byExtension[extname(path).toLowerCase()];
}

/**
 * The types DuckDB may give a column of a text file. Numbers, dates and timestamps are read as
 * such; everything else is text as the user wrote it. BOOLEAN is left out on purpose: DuckDB's
 * sniffer reads yes/no, Y/N and true/false as booleans, so a label written `yes` would come back
 * `true` and no longer match a class `"yes"`. TIME is left out for the same reason (`12:30`
 * would come back `12:30:00`).
 */
export const textTypeCandidates = ['BIGINT', 'DOUBLE', 'DATE', 'TIMESTAMP', 'TIMESTAMPTZ', 'VARCHAR'];

/** A column as DuckDB's reader typed it, spelt as DESCRIBE spells the type. */
export interface FileColumn {
  name: string;
  type: string;
}

export interface ReadOptions {
  /**
   * Columns of a CSV or TSV read as text whatever they look like (a zip code or an id of digits
   * keeps its leading zeros; a feature the model takes as a string stays the string written).
   */
  textColumns?: readonly string[];
  /**
   * The types `fileColumns` found, so DuckDB reads with them instead of sampling the whole file
   * for types again, which every query over the table function would do otherwise.
   */
  columnTypes?: readonly FileColumn[];
}

/**
 * The DuckDB table function reading `paths` (files or globs) of one format. Every path that
 * reads a user's file (dataset versions and profiles, training, batch scoring, labels, drift and
 * validation references) goes through here, so a column has the same type everywhere.
 *
 * Text files are sampled whole for types (`sample_size = -1`): a late non-number turns a column
 * into text instead of failing half-way through a read. CSV is read strictly (comma, double
 * quotes, a header): a ragged row is an error, never a quietly dropped line. A relation queried
 * more than once should be read with `columnTypes` (see `typedReadSql`): sampling a whole CSV
 * costs several times reading it.
 */
export function readTableSql(
  format: ReadFormat,
  paths: readonly string[],
  options: ReadOptions = {},
): string {
  const list = `[${paths.map(quoteLiteral).join(', ')}]`;
  if (format === 'parquet') return `read_parquet(${list})`;
  const text = format === 'csv' || format === 'tsv' ? new Set(options.textColumns ?? []) : new Set<string>();
  const pinned = options.columnTypes?.map((c) => ({
    name: c.name,
    type: text.has(c.name) ? 'VARCHAR' : c.type,
  }));
  const typeMap = (columns: ReadonlyArray<{ name: string; type: string }>) =>
    `{${columns.map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(c.type)}`).join(', ')}}`;
  if (format === 'jsonl' || format === 'json') {
    const layout = format === 'jsonl' ? 'newline_delimited' : 'auto';
    const types = pinned ? `columns = ${typeMap(pinned)}` : 'sample_size = -1';
    return `read_json(${list}, format = '${layout}', ${types})`;
  }
  const delimiter = format === 'tsv' ? `'\\t'` : `','`;
  const candidates = textTypeCandidates.map(quoteLiteral).join(', ');
  // With every column's type given, DuckDB still samples the file's start, but only for the
  // spelling of dates and timestamps (13/01/2024), which a type alone does not carry.
  const types = pinned
    ? `types = ${typeMap(pinned)}`
    : `sample_size = -1${text.size > 0 ? `, types = ${typeMap([...text].map((name) => ({ name, type: 'VARCHAR' })))}` : ''}`;
  return (
    `read_csv(${list}, header = true, delim = ${delimiter}, quote = '"', escape = '"', strict_mode = true, ` +
    `ignore_errors = false, auto_type_candidates = [${candidates}], ${types})`
  );
}

/** The columns of the files and the types DuckDB's reader gives them (one pass over a text file). */
export async function fileColumns(
  connection: DuckDBConnection,
  format: ReadFormat,
  paths: readonly string[],
): Promise<FileColumn[]> {
  const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${readTableSql(format, paths)}`);
  return reader
    .getRowObjectsJson()
    .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
}

/**
 * `readTableSql` with the types found once: for a relation that is queried several times (a probe
 * for its columns, a count, a stream), each query reads the file without sniffing it again.
 */
export async function typedReadSql(
  connection: DuckDBConnection,
  format: ReadFormat,
  paths: readonly string[],
  options: Omit<ReadOptions, 'columnTypes'> = {},
): Promise<string> {
  if (format === 'parquet') return readTableSql(format, paths);
  return readTableSql(format, paths, {
    ...options,
    columnTypes: await fileColumns(connection, format, paths),
  });
}

/** The format of one file, by its extension; `field` is the option the path came from, for errors. */
export function fileFormat(path: string, field: string): ReadFormat {
  const format = readFormatOf(path);
  if (!format) {
    throw invalidParameter(
      field,
      `cannot tell the format of "${path}" from its extension: use ${readableExtensions.join(', ')}`,
    );
  }
  return format;
}

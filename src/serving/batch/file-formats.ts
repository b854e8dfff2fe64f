import { extname } from 'node:path';
import { invalidParameter } from '../../core/errors.js';

/**
 * The file formats batch scoring reads and writes, chosen by the file's extension. Inputs are read
 * as every other path reads a user's file (store/duckdb-read.ts).
 */
export type TableFormat = 'csv' | 'parquet' | 'jsonl' | 'json';

const byExtension: Record<string, TableFormat> = {
  '.csv': 'csv',
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'json',
};

/** The format a path's extension names; `field` is the option the path came from, for errors. */
export function formatOf(path: string, field: string): TableFormat {
  const format = byExtension[extname(path).toLowerCase()];
  if (!format) {
    throw invalidParameter(
      field,
      `cannot tell the format of "${path}" from its extension: use ${Object.keys(byExtension).join(', ')}`,
    );
  }
  return format;
}

/** The options of DuckDB's `COPY … TO` writing `format`. */
export function copyOptions(format: TableFormat): string {
  switch (format) {
    case 'csv':
      return '(FORMAT csv, HEADER true)';
    case 'parquet':
      return '(FORMAT parquet)';
    case 'jsonl':
      return '(FORMAT json)';
    case 'json':
      return '(FORMAT json, ARRAY true)';
  }
}

import { extname } from 'node:path';
import { invalidParameter } from '../../core/errors.js';
import { quoteLiteral } from '../../store/duckdb.js';

/** The file formats batch scoring reads and writes, chosen by the file's extension. */
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

/**
 * DuckDB's table function reading `path`. CSV files have a header row; `textColumns` are read as
 * text whatever they look like, so a string feature holding digits (a zip code, an id) keeps its
 * leading zeros instead of being sniffed as a number.
 */
export function readSql(path: string, format: TableFormat, textColumns: readonly string[] = []): string {
  const file = quoteLiteral(path);
  switch (format) {
    case 'csv': {
      const types = textColumns.map((c) => `${quoteLiteral(c)}: 'VARCHAR'`).join(', ');
      return `read_csv(${file}, header = true${types ? `, types = {${types}}` : ''})`;
    }
    case 'parquet':
      return `read_parquet(${file})`;
    case 'jsonl':
      return `read_json(${file}, format = 'newline_delimited')`;
    case 'json':
      return `read_json(${file})`;
  }
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

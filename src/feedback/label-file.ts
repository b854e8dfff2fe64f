import { DuckDBDecimalValue, type DuckDBValue } from '@duckdb/node-api';
import { invalidParameter } from '../core/errors.js';
import { formatOfPath } from '../data/source-files.js';
import { quoteIdentifier, withDuckDb } from '../store/duckdb.js';
import { typedReadSql } from '../store/duckdb-read.js';
import type { LabelInput } from './feedback-service.js';

export interface LabelFileOptions {
  /** Labels handed over at a time (default 1000). */
  batchRows?: number;
  /**
   * Takes each batch; `firstRow` is the file row (1-based, header not counted) of its first label.
   * Batches arrive in file order, the next only after this one's promise settles.
   */
  onBatch: (labels: LabelInput[], firstRow: number, totalRows: number) => Promise<void>;
}

/**
 * Reads labels from a CSV (with a header), Parquet or JSON-lines file with the columns
 * `prediction_id` and `label` (or `request_key` and `label`, with an optional `model`), streamed
 * by DuckDB in batches. Returns the number of rows read.
 */
export async function readLabelFile(path: string, options: LabelFileOptions): Promise<number> {
  const format = formatOfPath(path);
  if (!format) {
    throw invalidParameter('file', `${path}: use a .csv, .parquet or .jsonl file of prediction_id,label`);
  }
  const batchRows = options.batchRows ?? 1000;
  return withDuckDb(async (connection) => {
    let relation: string;
    let columns: string[];
    try {
      relation = await typedReadSql(connection, format, [path]);
      const probe = await connection.run(`SELECT * FROM ${relation} LIMIT 0`);
      columns = Array.from({ length: probe.columnCount }, (_, i) => probe.columnName(i));
    } catch (error) {
      throw invalidParameter(
        'file',
        `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (
      !columns.includes('label') ||
      (!columns.includes('prediction_id') && !columns.includes('request_key'))
    ) {
      throw invalidParameter(
        'file',
        `${path} has the columns ${columns.join(', ')}; it needs prediction_id and label (or request_key and label)`,
      );
    }
    const wanted = ['prediction_id', 'request_key', 'model', 'label'].filter((c) => columns.includes(c));
    const total = Number(
      (await connection.runAndReadAll(`SELECT count(*) FROM ${relation}`)).getRows()[0]?.[0] ?? 0,
    );
    const stream = await connection.stream(
      `SELECT ${wanted.map(quoteIdentifier).join(', ')} FROM ${relation}`,
    );
    let batch: LabelInput[] = [];
    let firstRow = 1;
    let read = 0;
    for (;;) {
      const chunk = await stream.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const values = wanted.map((_, i) => chunk.getColumnValues(i));
      for (let r = 0; r < chunk.rowCount; r++) {
        const cell = (name: string) => {
          const i = wanted.indexOf(name);
          return i < 0 ? undefined : plain(values[i]![r] ?? null);
        };
        const text = (name: string) => {
          const v = cell(name);
          return v === null || v === undefined || v === '' ? undefined : String(v);
        };
        batch.push({
          predictionId: text('prediction_id'),
          requestKey: text('request_key'),
          model: text('model'),
          label: cell('label'),
        });
        read++;
        if (batch.length === batchRows) {
          await options.onBatch(batch, firstRow, total);
          firstRow += batch.length;
          batch = [];
        }
      }
    }
    if (batch.length > 0) await options.onBatch(batch, firstRow, total);
    if (read === 0) throw invalidParameter('file', `${path} has no rows: there are no labels to add`);
    return read;
  });
}

/** A DuckDB cell as JSON would carry it: integers and decimals become numbers. */
function plain(value: DuckDBValue): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof DuckDBDecimalValue) return value.toDouble();
  if (value !== null && typeof value === 'object') return String(value);
  return value;
}

import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { invalidParameter } from '../../core/errors.js';
import { columnKinds, quoteIdentifier, quoteLiteral, withDuckDb } from '../../store/duckdb.js';
import type { TableColumn, TrainingTable } from './training-table.js';

const readable = new Set(['.csv', '.parquet', '.json', '.jsonl', '.ndjson', '.tsv']);

/**
 * Reads a CSV, Parquet or JSON file into a training table with DuckDB: columns DuckDB types as
 * numbers become numeric (as doubles, NULL → NaN), every other column categorical (as text,
 * NULL → null). `columns` restricts and orders what is read.
 */
export async function loadTrainingTable(path: string, columns?: readonly string[]): Promise<TrainingTable> {
  if (!readable.has(extname(path).toLowerCase())) {
    throw invalidParameter('data', `cannot read "${path}": give a .csv, .parquet or .json file`);
  }
  if (!existsSync(path)) throw invalidParameter('data', `no file at "${path}"`);
  return withDuckDb(async (connection) => {
    const literal = quoteLiteral(path);
    // DuckDB's CSV sniffer would read yes/no or dates as typed values; a training table only
    // needs numbers and text, and text keeps the categories as the file spells them.
    const relation = /\.(csv|tsv)$/i.test(path)
      ? `read_csv(${literal}, header = true, auto_type_candidates = ['BIGINT', 'DOUBLE', 'VARCHAR'])`
      : literal;
    let kinds: Map<string, 'numeric' | 'categorical'>;
    try {
      kinds = await columnKinds(connection, relation);
    } catch (error) {
      throw invalidParameter('data', `cannot read "${path}": ${(error as Error).message.split('\n')[0]}`);
    }
    const names = columns ?? [...kinds.keys()];
    for (const name of names) {
      if (!kinds.has(name)) {
        throw invalidParameter(
          'data',
          `"${path}" has no column "${name}" (columns: ${[...kinds.keys()].join(', ')})`,
        );
      }
    }
    const select = names
      .map(
        (name) => `CAST(${quoteIdentifier(name)} AS ${kinds.get(name) === 'numeric' ? 'DOUBLE' : 'VARCHAR'})`,
      )
      .join(', ');
    const reader = await connection.runAndReadAll(`SELECT ${select} FROM ${relation}`);
    const rows = reader.currentRowCount;
    const data = reader.getColumns();
    const tableColumns = names.map((name, j): TableColumn => {
      const values = data[j] ?? [];
      if (kinds.get(name) === 'numeric') {
        const numbers = new Float64Array(rows);
        for (let i = 0; i < rows; i++) numbers[i] = values[i] === null ? NaN : Number(values[i]);
        return { name, kind: 'numeric', values: numbers };
      }
      return { name, kind: 'categorical', values: values.map((v) => (v === null ? null : String(v))) };
    });
    return { rows, columns: tableColumns };
  });
}

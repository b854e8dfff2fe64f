import { existsSync } from 'node:fs';
import { invalidParameter } from '../../core/errors.js';
import { columnKinds, quoteIdentifier, withDuckDb } from '../../store/duckdb.js';
import { fileColumns, readFormatOf, readTableSql, type FileColumn } from '../../store/duckdb-read.js';
import type { TableColumn, TrainingTable } from './training-table.js';

/**
 * Reads a CSV, Parquet or JSON file into a training table with DuckDB, typed as every other path
 * reads the file (store/duckdb-read.ts): columns typed as numbers become numeric (as doubles,
 * NULL → NaN), every other column categorical, as the text the file holds (NULL → null).
 * `columns` restricts and orders what is read.
 */
export async function loadTrainingTable(path: string, columns?: readonly string[]): Promise<TrainingTable> {
  const format = readFormatOf(path);
  if (!format) {
    throw invalidParameter('data', `cannot read "${path}": give a .csv, .parquet or .json file`);
  }
  if (!existsSync(path)) throw invalidParameter('data', `no file at "${path}"`);
  return withDuckDb(async (connection) => {
    let types: FileColumn[];
    let kinds: Map<string, 'numeric' | 'categorical'>;
    try {
      types = await fileColumns(connection, format, [path]);
      kinds = await columnKinds(connection, readTableSql(format, [path], { columnTypes: types }));
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
    // Categories are read as text from a CSV, so a date keeps the spelling the file (and a
    // request at serving time) gives it rather than DuckDB's.
    const text = names.filter((name) => kinds.get(name) === 'categorical');
    const relation = readTableSql(format, [path], { columnTypes: types, textColumns: text });
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

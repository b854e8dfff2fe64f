import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import type * as DuckDbModule from '@duckdb/node-api';
import type { DuckDBTypeId } from '@duckdb/node-api';
import { invalidParameter } from '../../core/errors.js';
import { loadDuckDb } from '../../store/duckdb.js';
import type { TableColumn, TrainingTable } from './training-table.js';

// Built on first use from the lazily loaded module (see loadDuckDb).
function numericTypes({ DuckDBTypeId }: typeof DuckDbModule): Set<DuckDBTypeId> {
  return new Set<DuckDBTypeId>([
    DuckDBTypeId.TINYINT,
    DuckDBTypeId.SMALLINT,
    DuckDBTypeId.INTEGER,
    DuckDBTypeId.BIGINT,
    DuckDBTypeId.HUGEINT,
    DuckDBTypeId.UTINYINT,
    DuckDBTypeId.USMALLINT,
    DuckDBTypeId.UINTEGER,
    DuckDBTypeId.UBIGINT,
    DuckDBTypeId.FLOAT,
    DuckDBTypeId.DOUBLE,
    DuckDBTypeId.DECIMAL,
  ]);
}

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
  const duckdb = await loadDuckDb();
  const { DuckDBConnection, DuckDBInstance } = duckdb;
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await DuckDBConnection.create(instance);
  try {
    const literal = `'${path.replaceAll("'", "''")}'`;
    // DuckDB's CSV sniffer would read yes/no or dates as typed values; a training table only
    // needs numbers and text, and text keeps the categories as the file spells them.
    const relation = /\.(csv|tsv)$/i.test(path)
      ? `read_csv(${literal}, header = true, auto_type_candidates = ['BIGINT', 'DOUBLE', 'VARCHAR'])`
      : literal;
    let probe;
    try {
      probe = await connection.run(`SELECT * FROM ${relation} LIMIT 0`);
    } catch (error) {
      throw invalidParameter('data', `cannot read "${path}": ${(error as Error).message.split('\n')[0]}`);
    }
    const numeric = numericTypes(duckdb);
    const kinds = new Map<string, 'numeric' | 'categorical'>();
    for (let i = 0; i < probe.columnCount; i++) {
      kinds.set(probe.columnName(i), numeric.has(probe.columnTypeId(i)) ? 'numeric' : 'categorical');
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
      .map((name) => `CAST(${quote(name)} AS ${kinds.get(name) === 'numeric' ? 'DOUBLE' : 'VARCHAR'})`)
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
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

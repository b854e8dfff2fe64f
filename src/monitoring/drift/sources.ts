import type { DuckDBConnection } from '@duckdb/node-api';
import { columnKinds, quoteIdentifier } from '../../store/duckdb.js';
import { fileFormat, typedReadSql } from '../../store/duckdb-read.js';
import { invalidParameter } from '../../core/errors.js';
import type { CategoryCounts } from './column-tests.js';
import type { ColumnKind } from './default-test.js';

/**
 * Where a drift report reads one side (reference or current) from:
 * - `file`: a Parquet, CSV or JSON file DuckDB can read (chosen by its extension);
 * - `table`: a table or view of the DuckDB connection given in the options;
 * - `sql`: a query run on that connection;
 * - `columns`: columns already in memory, numeric as typed arrays or number arrays, categorical
 *   as arrays of strings or booleans (null marks a missing value).
 * Numeric columns are read as one Float64Array per column and side; categorical ones as counts per
 * category (DuckDB's GROUP BY), so no JavaScript object is made per row.
 */
export type DriftSource =
  { file: string } | { table: string } | { sql: string } | { columns: Record<string, InMemoryColumn> };

export type InMemoryColumn =
  | Float64Array
  | Float32Array
  | Int32Array
  | Uint8Array
  | ArrayLike<number | null>
  | ArrayLike<string | boolean | null>;

/** Reads one side of a report, column by column. */
export interface ColumnReader {
  /** Column names and kinds, in the source's order. */
  columns(): Promise<Map<string, ColumnKind>>;
  /** The finite values of a numeric column, sorted ascending (missing, NaN and ±∞ dropped). */
  sortedNumbers(column: string): Promise<Float64Array>;
  /** Non-missing values of a column, counted per distinct value (as text). */
  categoryCounts(column: string): Promise<CategoryCounts>;
}

export function columnReader(
  source: DriftSource,
  connection: DuckDBConnection | undefined,
  side: string,
): ColumnReader {
  if ('columns' in source) return new InMemoryReader(source.columns);
  if (!connection) throw new Error('a DuckDB connection is needed for file, table and SQL sources');
  return new DuckDbReader(connection, relationSql(source, connection, side));
}

/**
 * The relation a source names. A file's column types are found once, on first use, and fixed:
 * each column's statistics read the file again, and sniffing a whole CSV each time would cost
 * more than the reads.
 */
function relationSql(
  source: { file: string } | { table: string } | { sql: string },
  connection: DuckDBConnection,
  side: string,
): () => Promise<string> {
  if ('file' in source) {
    if (!source.file) throw invalidParameter(side, `${side}.file is empty`);
    const format = fileFormat(source.file, `${side}.file`);
    let typed: Promise<string> | undefined;
    return () => (typed ??= typedReadSql(connection, format, [source.file]));
  }
  if ('table' in source) {
    if (!source.table) throw invalidParameter(side, `${side}.table is empty`);
    const table = source.table
      .split('.')
      .map((part) => quoteIdentifier(part))
      .join('.');
    return () => Promise.resolve(table);
  }
  if (!source.sql.trim()) throw invalidParameter(side, `${side}.sql is empty`);
  const sql = `(${source.sql})`;
  return () => Promise.resolve(sql);
}

class DuckDbReader implements ColumnReader {
  constructor(
    private readonly connection: DuckDBConnection,
    private readonly relation: () => Promise<string>,
  ) {}

  async columns(): Promise<Map<string, ColumnKind>> {
    return columnKinds(this.connection, await this.relation());
  }

  async sortedNumbers(column: string): Promise<Float64Array> {
    const sql =
      `SELECT v FROM (SELECT CAST(${quoteIdentifier(column)} AS DOUBLE) AS v FROM ${await this.relation()}) ` +
      'WHERE v IS NOT NULL AND isfinite(v)';
    const result = await this.connection.run(sql);
    const values = new Float64Array(result.rowCount);
    let offset = 0;
    for (let c = 0; c < result.chunkCount; c++) {
      const vector = result.getChunk(c).getColumnVector(0);
      const count = vector.itemCount;
      const items = doubleItems(vector);
      if (items && items.length === count) {
        values.set(items, offset);
      } else {
        for (let i = 0; i < count; i++) values[offset + i] = vector.getItem(i) as number;
      }
      offset += count;
    }
    return values.sort();
  }

  async categoryCounts(column: string): Promise<CategoryCounts> {
    const sql =
      `SELECT CAST(${quoteIdentifier(column)} AS VARCHAR) AS k, count(*)::DOUBLE AS n FROM ${await this.relation()} ` +
      `WHERE ${quoteIdentifier(column)} IS NOT NULL GROUP BY 1`;
    const reader = await this.connection.runAndReadAll(sql);
    const counts = new Map<string, number>();
    for (const [key, count] of reader.getRows()) counts.set(String(key), Number(count));
    return counts;
  }
}

/**
 * The chunk's doubles as one typed array, when the vector exposes it: a DOUBLE vector keeps its
 * values in a Float64Array over DuckDB's memory, and copying that is much faster than reading
 * the values one by one. The query has already dropped NULLs, so every slot is valid. Falls back
 * to getItem (via undefined) if the library stops keeping it there.
 */
function doubleItems(vector: object): Float64Array | undefined {
  const items: unknown = (vector as { items?: unknown }).items;
  return items instanceof Float64Array ? items : undefined;
}

class InMemoryReader implements ColumnReader {
  constructor(private readonly data: Record<string, InMemoryColumn>) {}

  async columns(): Promise<Map<string, ColumnKind>> {
    const kinds = new Map<string, ColumnKind>();
    for (const [name, values] of Object.entries(this.data)) kinds.set(name, kindOf(values));
    return kinds;
  }

  async sortedNumbers(column: string): Promise<Float64Array> {
    const values = this.column(column);
    const out = new Float64Array(values.length);
    let n = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v === 'number' && Number.isFinite(v)) out[n++] = v;
    }
    return out.subarray(0, n).sort();
  }

  async categoryCounts(column: string): Promise<CategoryCounts> {
    const values = this.column(column);
    const counts = new Map<string, number>();
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) continue;
      const key = String(v);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  private column(name: string): ArrayLike<unknown> {
    const values = this.data[name];
    if (!values) throw invalidParameter('columns', `column "${name}" is not in the source`);
    return values;
  }
}

function kindOf(values: InMemoryColumn): ColumnKind {
  if (ArrayBuffer.isView(values)) return 'numeric';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    return typeof v === 'number' ? 'numeric' : 'categorical';
  }
  return 'categorical';
}

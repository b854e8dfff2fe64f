import type * as DuckDb from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBTypeId } from '@duckdb/node-api';

let loading: Promise<typeof DuckDb> | undefined;

/**
 * @duckdb/node-api, imported on first use: most CLI commands never read a data file, and its
 * native binding would cost each of them startup time.
 */
export function loadDuckDb(): Promise<typeof DuckDb> {
  loading ??= import('@duckdb/node-api');
  return loading;
}

/** Quotes a column or table name for DuckDB SQL. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a string (a file path, a value) as a DuckDB SQL literal. */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A private in-memory DuckDB for one piece of work, closed when the work ends. */
export async function withDuckDb<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  const { DuckDBConnection, DuckDBInstance } = await loadDuckDb();
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await DuckDBConnection.create(instance);
  try {
    return await work(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

let numericTypeIds: ReadonlySet<DuckDBTypeId> | undefined;

/**
 * Each column of `relation` as drift and training read it: numeric when DuckDB types it as a
 * number (integers of any width, floats, decimals), categorical otherwise.
 */
export async function columnKinds(
  connection: DuckDBConnection,
  relation: string,
): Promise<Map<string, 'numeric' | 'categorical'>> {
  const { DuckDBTypeId: T } = await loadDuckDb();
  numericTypeIds ??= new Set<DuckDBTypeId>([
    T.TINYINT,
    T.SMALLINT,
    T.INTEGER,
    T.BIGINT,
    T.HUGEINT,
    T.UTINYINT,
    T.USMALLINT,
    T.UINTEGER,
    T.UBIGINT,
    T.UHUGEINT,
    T.FLOAT,
    T.DOUBLE,
    T.DECIMAL,
  ]);
  const probe = await connection.run(`SELECT * FROM ${relation} LIMIT 0`);
  const kinds = new Map<string, 'numeric' | 'categorical'>();
  for (let i = 0; i < probe.columnCount; i++)
    kinds.set(probe.columnName(i), numericTypeIds.has(probe.columnTypeId(i)) ? 'numeric' : 'categorical');
  return kinds;
}

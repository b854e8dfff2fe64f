import type * as DuckDb from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';

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

import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes `rows` as a CSV file (header from the first row's keys; null is an empty cell). */
export function writeCsv(
  dir: string,
  name: string,
  rows: Record<string, string | number | boolean | null>[],
): string {
  const headers = Object.keys(rows[0] ?? {});
  const cell = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  const lines = [headers.join(','), ...rows.map((r) => headers.map((h) => cell(r[h])).join(','))];
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Runs one DuckDB statement (a COPY … TO) in a throwaway database. */
export async function duckDbCopy(sql: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await DuckDBConnection.create(instance);
  try {
    await connection.run(sql);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** 200 customers: id, age 18..77, country in US/FR/DE, an email, an income 40k to 59.6k, 50 distinct. */
export function customersSql(options: { incomeShift?: number } = {}): string {
  const shift = options.incomeShift ?? 0;
  return (
    'SELECT i + 1 AS id, 18 + (i * 7) % 60 AS age, ' +
    "['US', 'FR', 'DE'][1 + i % 3] AS country, 'user' || i || '@example.com' AS email, " +
    `40000 + (i % 50) * 400 + ${shift} AS income FROM range(200) t(i)`
  );
}

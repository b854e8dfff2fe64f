import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withDuckDb, quoteLiteral } from '../../src/store/duckdb.js';

/** Writes `text` to `dir/name` and returns the path. */
export function writeText(dir: string, name: string, text: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A small CSV whose statistics are easy to compute by hand. */
export const smallCsv =
  'id,age,city,score\n' +
  '1,20,Paris,1.5\n' +
  '2,30,Lyon,2.5\n' +
  '3,40,Paris,\n' +
  '4,50,Nice,4.5\n' +
  '5,60,Paris,5.5\n';

/** Writes a Parquet file with DuckDB from a SELECT. */
export async function writeParquet(path: string, select: string): Promise<string> {
  await withDuckDb(async (c) => {
    await c.run(`COPY (${select}) TO ${quoteLiteral(path)} (FORMAT parquet)`);
  });
  return path;
}

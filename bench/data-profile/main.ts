/**
 * `npm run bench -- data-profile`: how fast mloop profiles a dataset version. DuckDB writes a
 * Parquet file of BENCH_DATA_ROWS rows (default 10,000,000: 8 numeric columns of several
 * distributions, some missing values, 2 categorical columns); then, in this process, the steps of
 * `mloop data add` run on it and are timed apart: hashing the bytes (the content address) and
 * profiling (one aggregate scan, one histogram scan, a GROUP BY per categorical column). Prints
 * rows/s and the peak resident memory, and writes bench/results/data-profile.json.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { profileDataset } from '../../src/data/profile.js';
import { loadDataset } from '../../src/data/read-file.js';
import { readSourceFiles } from '../../src/data/source-files.js';
import { quoteLiteral, withDuckDb } from '../../src/store/duckdb.js';

const RESULTS = fileURLToPath(new URL('../results/', import.meta.url));
const rows = Number(process.env.BENCH_DATA_ROWS ?? 10_000_000);

if (process.argv.includes('--help')) {
  process.stdout.write(
    'npm run bench -- data-profile\n  BENCH_DATA_ROWS=N  rows of the generated Parquet file (default 10000000)\n',
  );
  process.exit(0);
}

async function generate(path: string): Promise<void> {
  if (existsSync(path)) return;
  const select = `SELECT
      range AS id,
      random() * 100 AS uniform,
      sqrt(-2 * ln(random())) * cos(2 * pi() * random()) AS normal,
      exp(random() * 5) AS skewed,
      (range % 1000)::INTEGER AS bucket,
      CASE WHEN random() < 0.1 THEN NULL ELSE random() * 10 END AS sparse,
      (random() * 1e6)::BIGINT AS amount,
      round(random() * 5, 1) AS rating,
      ['red', 'green', 'blue', 'black', 'white'][1 + (range % 5)::INTEGER] AS colour,
      'c' || (hash(range) % 50000)::VARCHAR AS customer
    FROM range(${rows})`;
  await withDuckDb(async (c) => {
    await c.run(`COPY (${select}) TO ${quoteLiteral(path)} (FORMAT parquet)`);
  });
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const dir = join(RESULTS, 'data-profile');
mkdirSync(dir, { recursive: true });
const file = join(dir, `rows-${rows}.parquet`);
process.stdout.write(`== generating ${rows.toLocaleString('en-US')} rows with DuckDB (once)\n`);
await generate(file);

let t = process.hrtime.bigint();
const source = await readSourceFiles(file);
const hashSeconds = seconds(t);

t = process.hrtime.bigint();
const profile = await withDuckDb(async (connection) => {
  const schema = await loadDataset(connection, 'parquet', [file], file);
  return profileDataset(connection, schema);
});
const profileSeconds = seconds(t);
const maxRssMiB = process.resourceUsage().maxRSS / 1024;

const result = {
  rows: profile.rowCount,
  columns: profile.columns.length,
  fileMiB: source.sizeBytes / 2 ** 20,
  hashSeconds,
  profileSeconds,
  profileRowsPerSecond: profile.rowCount / profileSeconds,
  addRowsPerSecond: profile.rowCount / (hashSeconds + profileSeconds),
  maxRssMiB,
  machine: { cpus: cpus().length, memoryGiB: totalmem() / 2 ** 30, node: process.version },
};
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
process.stdout.write(
  [
    `rows                ${fmt(result.rows)} × ${result.columns} columns (${result.fileMiB.toFixed(1)} MiB Parquet)`,
    `hash (sha256)       ${hashSeconds.toFixed(2)} s`,
    `profile (DuckDB)    ${profileSeconds.toFixed(2)} s  → ${fmt(result.profileRowsPerSecond)} rows/s`,
    `hash + profile      ${fmt(result.addRowsPerSecond)} rows/s`,
    `peak RSS            ${maxRssMiB.toFixed(0)} MiB`,
  ].join('\n') + '\n',
);
writeFileSync(join(RESULTS, 'data-profile.json'), `${JSON.stringify(result, null, 2)}\n`);

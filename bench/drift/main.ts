/**
 * `npm run bench -- drift`: mloop's drift report against Evidently's DataDriftPreset on the same
 * data, in the same run: 20 features (15 numeric, 5 categorical) × BENCH_DRIFT_ROWS reference rows
 * and as many current rows (default 1,000,000), some shifted, as Parquet files made by DuckDB.
 * Each tool runs in its own process, reading the Parquet files itself; for each we measure wall
 * and CPU seconds and the peak resident memory (RSS high-water mark) of its process. Then the
 * per-column verdicts are compared. Prints a table and writes bench/results/drift.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDataset, features } from './dataset.js';
import { ensureEvidentlyPython } from './evidently-env.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const RESULTS = fileURLToPath(new URL('../results/', import.meta.url));
const DATA_DIR = join(RESULTS, 'drift');

interface ColumnVerdict {
  name: string;
  method: string;
  statistic: number;
  threshold: number;
  drifted: boolean;
}
interface ToolResult {
  loadSeconds?: number;
  loadCpuSeconds?: number;
  reportSeconds: number;
  reportCpuSeconds: number;
  maxRssMiB: number;
  driftedCount: number;
  columns: ColumnVerdict[];
  /** Wall time of the whole process, interpreter start-up and imports included. */
  processSeconds: number;
}

function log(message: string): void {
  console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
}

function rowsFromEnv(): number {
  const raw = process.env.BENCH_DRIFT_ROWS ?? '1000000';
  const rows = Number(raw);
  if (!Number.isInteger(rows) || rows < 100)
    throw new Error(`BENCH_DRIFT_ROWS must be an integer >= 100, got ${raw}`);
  return rows;
}

function runTool(command: string, args: string[], outPath: string): ToolResult {
  const started = performance.now();
  execFileSync(command, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DO_NOT_TRACK: '1' },
  });
  const processSeconds = (performance.now() - started) / 1000;
  return {
    ...(JSON.parse(readFileSync(outPath, 'utf8')) as Omit<ToolResult, 'processSeconds'>),
    processSeconds,
  };
}

function fixed(value: number | undefined, digits = 2): string {
  return value === undefined ? '-' : value.toFixed(digits);
}

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    console.log('npm run bench -- drift   (BENCH_DRIFT_ROWS=1000000: rows per side)');
    return;
  }
  const rows = rowsFromEnv();
  mkdirSync(DATA_DIR, { recursive: true });
  log(`data: ${features.length} features x ${rows} rows per side (made once, then reused)`);
  const files = await ensureDataset(DATA_DIR, rows);
  const evidentlyPython = ensureEvidentlyPython();

  log('mloop: computeDriftReport');
  const mloopOut = join(DATA_DIR, 'mloop-result.json');
  const mloop = runTool(
    process.execPath,
    ['--import', 'tsx', join(HERE, 'mloop-drift.ts'), files.reference, files.current, mloopOut],
    mloopOut,
  );

  log('Evidently: DataDriftPreset');
  const evidentlyOut = join(DATA_DIR, 'evidently-result.json');
  const numeric = features.filter((f) => f.type === 'numeric').map((f) => f.name);
  const categorical = features.filter((f) => f.type === 'categorical').map((f) => f.name);
  const evidently = runTool(
    evidentlyPython,
    [
      join(HERE, 'evidently_drift.py'),
      files.reference,
      files.current,
      numeric.join(','),
      categorical.join(','),
      evidentlyOut,
    ],
    evidentlyOut,
  );

  const byName = new Map(evidently.columns.map((c) => [c.name, c]));
  const disagreements: string[] = [];
  console.log(`\nPer column (${rows} reference rows, ${rows} current rows):`);
  console.log(
    `${'column'.padEnd(22)} ${'mloop test'.padEnd(14)} ${'mloop'.padStart(10)}  ${'Evidently test'.padEnd(30)} ${'Evidently'.padStart(10)}  verdicts  expected`,
  );
  for (const feature of features) {
    const ours = mloop.columns.find((c) => c.name === feature.name);
    const theirs = byName.get(feature.name);
    if (!ours || !theirs) {
      disagreements.push(`${feature.name}: missing from ${ours ? 'Evidently' : 'mloop'}'s report`);
      continue;
    }
    const verdict = (d: boolean) => (d ? 'drift' : 'ok');
    const same = ours.drifted === theirs.drifted;
    if (!same) {
      disagreements.push(
        `${feature.name}: mloop ${verdict(ours.drifted)} (${ours.method} ${ours.statistic}) vs Evidently ${verdict(theirs.drifted)} (${theirs.method} ${theirs.statistic})`,
      );
    }
    console.log(
      `${feature.name.padEnd(22)} ${ours.method.padEnd(14)} ${fixed(ours.statistic, 5).padStart(10)}  ${theirs.method.padEnd(30)} ${fixed(theirs.statistic, 5).padStart(10)}  ${(same ? verdict(ours.drifted) : 'DIFFER').padEnd(8)}  ${verdict(feature.expectedDrift)}`,
    );
  }

  const ratio = (a: number, b: number) => (b > 0 ? a / b : Number.NaN);
  const evidentlyTotal = (evidently.loadSeconds ?? 0) + evidently.reportSeconds;
  console.log('\nTime and memory (each tool in its own process, reading the same Parquet files):');
  console.log(
    `${''.padEnd(10)} ${'seconds'.padStart(9)} ${'cpu s'.padStart(8)} ${'process s'.padStart(10)} ${'peak RSS MiB'.padStart(13)}`,
  );
  console.log(
    `${'mloop'.padEnd(10)} ${fixed(mloop.reportSeconds).padStart(9)} ${fixed(mloop.reportCpuSeconds).padStart(8)} ${fixed(mloop.processSeconds).padStart(10)} ${fixed(mloop.maxRssMiB, 0).padStart(13)}`,
  );
  console.log(
    `${'Evidently'.padEnd(10)} ${fixed(evidentlyTotal).padStart(9)} ${fixed((evidently.loadCpuSeconds ?? 0) + evidently.reportCpuSeconds).padStart(8)} ${fixed(evidently.processSeconds).padStart(10)} ${fixed(evidently.maxRssMiB, 0).padStart(13)}   (load ${fixed(evidently.loadSeconds)} s + report ${fixed(evidently.reportSeconds)} s)`,
  );
  const timeRatio = ratio(evidentlyTotal, mloop.reportSeconds);
  const memoryRatio = ratio(evidently.maxRssMiB, mloop.maxRssMiB);
  console.log(
    `\nEvidently / mloop: ${fixed(timeRatio, 1)}x the time, ${fixed(memoryRatio, 1)}x the peak memory`,
  );
  console.log(`drifted columns: mloop ${mloop.driftedCount}, Evidently ${evidently.driftedCount}`);
  if (disagreements.length === 0) console.log('verdicts: all columns agree');
  else for (const line of disagreements) console.log(`DISAGREEMENT ${line}`);

  const resultPath = join(RESULTS, 'drift.json');
  writeFileSync(
    resultPath,
    `${JSON.stringify(
      {
        rows,
        features: features.length,
        machine: { cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30) },
        mloop,
        evidently,
        ratios: { time: timeRatio, peakMemory: memoryRatio },
        disagreements,
      },
      null,
      2,
    )}\n`,
  );
  log(`wrote ${resultPath}`);
  if (disagreements.length > 0) process.exitCode = 1;
}

await main();

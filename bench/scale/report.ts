import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { IngestResult } from '../tracking/ingest.js';
import type { MachineInfo } from '../tracking/machine.js';
import type { LoadResult } from './bulk-load.js';
import type { ScaleBenchConfig } from './config.js';
import type { RunIngestResult } from './ingest.js';
import type { SearchTimings } from './search.js';

/** Everything measured on one system; what failed is in `error`, the rest is kept. */
export interface SystemResult {
  system: 'mloop' | 'mlflow';
  load?: LoadResult;
  searches?: SearchTimings[];
  /** Runs through REST: runs/create + one log-batch (10 metrics, 10 params, 2 tags) each. */
  runIngest?: RunIngestResult;
  /** Metric-heavy log-batch (1000 metrics a request), the tracking benchmark's ingest. */
  metricIngest?: IngestResult;
  error?: string;
}

export interface SearchRatio {
  search: string;
  page: number;
  /** MLflow's latency over mloop's: above 1, mloop is faster. */
  p50: number;
  p99: number;
}

export interface ScaleReport {
  benchmark: 'scale';
  date: string;
  machine: MachineInfo;
  config: Omit<ScaleBenchConfig, 'python' | 'postgresUrl'>;
  results: Partial<Record<'mloop' | 'mlflow', SystemResult>>;
  ratios: {
    searches: SearchRatio[];
    /** mloop's throughput over MLflow's. */
    runsPerSecond?: number;
    metricsPerSecond?: number;
  };
  goals: {
    /** Every mloop search, every page, under 100 ms at p99. */
    mloopP99Under100Ms: boolean;
    /** Every search at least 10x faster than MLflow's, at p50 and at p99. */
    tenTimesMlflow: boolean | undefined;
  };
  errors: string[];
}

export function computeRatios(results: ScaleReport['results']): ScaleReport['ratios'] {
  const { mloop, mlflow } = results;
  const searches: SearchRatio[] = [];
  for (const ours of mloop?.searches ?? []) {
    const theirs = mlflow?.searches?.find((s) => s.name === ours.name);
    for (const page of ours.pages) {
      const other = theirs?.pages.find((p) => p.page === page.page);
      if (!other) continue;
      searches.push({
        search: ours.name,
        page: page.page,
        p50: other.latencyMs.p50 / page.latencyMs.p50,
        p99: other.latencyMs.p99 / page.latencyMs.p99,
      });
    }
  }
  const ratio = (a: number | undefined, b: number | undefined) =>
    a !== undefined && b !== undefined && b > 0 ? a / b : undefined;
  return {
    searches,
    runsPerSecond: ratio(mloop?.runIngest?.runsPerSecond, mlflow?.runIngest?.runsPerSecond),
    metricsPerSecond: ratio(mloop?.metricIngest?.metricsPerSecond, mlflow?.metricIngest?.metricsPerSecond),
  };
}

export function checkGoals(
  results: ScaleReport['results'],
  ratios: ScaleReport['ratios'],
): ScaleReport['goals'] {
  const pages = (results.mloop?.searches ?? []).flatMap((s) => s.pages);
  const compared = results.mlflow?.searches !== undefined && ratios.searches.length > 0;
  return {
    mloopP99Under100Ms: pages.length > 0 && pages.every((p) => p.latencyMs.p99 < 100),
    tenTimesMlflow: compared ? ratios.searches.every((r) => r.p50 >= 10 && r.p99 >= 10) : undefined,
  };
}

const ms = (x: number | undefined) =>
  x === undefined || Number.isNaN(x) ? '-' : x < 10 ? x.toFixed(1) : x.toFixed(0);
const times = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '-' : `${x.toFixed(1)}x`);
const whole = (x: number | undefined) => (x === undefined ? '-' : Math.round(x).toLocaleString('en-US'));

function row(cells: string[], widths: number[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[0]!) : cell.padStart(widths[i]!))).join('  ');
}

export function formatReport(report: ScaleReport): string {
  const m = report.machine;
  const { mloop, mlflow } = report.results;
  const out = [
    `\n== scale: ${report.config.runs.toLocaleString('en-US')} runs in one experiment on PostgreSQL; ` +
      `${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, mloop ${m.mloopCommit}, MLflow ${m.mlflowVersion ?? '-'}`,
    `load average (1 min): ${m.loadAverage.start} at start, ${m.loadAverage.end} at end`,
    '',
    'runs/search, one request at a time (ms):',
  ];
  const widths = [34, 6, 9, 9, 10, 10, 8, 8];
  out.push(row(['search', 'page', 'mloop p50', 'p99', 'MLflow p50', 'p99', 'x p50', 'x p99'], widths));
  for (const search of mloop?.searches ?? mlflow?.searches ?? []) {
    const theirs = mlflow?.searches?.find((s) => s.name === search.name);
    const ours = mloop?.searches?.find((s) => s.name === search.name);
    for (const { page } of search.pages) {
      const a = ours?.pages.find((p) => p.page === page);
      const b = theirs?.pages.find((p) => p.page === page);
      const r = report.ratios.searches.find((x) => x.search === search.name && x.page === page);
      const label = `${search.name} (${search.matches.toLocaleString('en-US')} match)`;
      const flag = (a && !a.answersOk) || (b && !b.answersOk) ? ' WRONG' : '';
      out.push(
        row(
          [
            label + flag,
            String(page),
            ms(a?.latencyMs.p50),
            ms(a?.latencyMs.p99),
            ms(b?.latencyMs.p50),
            ms(b?.latencyMs.p99),
            times(r?.p50),
            times(r?.p99),
          ],
          widths,
        ),
      );
    }
  }
  out.push('', 'ingest through REST on the loaded server:');
  const iw = [34, 12, 12, 10];
  out.push(row(['', 'mloop', 'MLflow', 'ratio'], iw));
  out.push(
    row(
      [
        'runs/s (create + log-batch)',
        whole(mloop?.runIngest?.runsPerSecond),
        whole(mlflow?.runIngest?.runsPerSecond),
        times(report.ratios.runsPerSecond),
      ],
      iw,
    ),
  );
  out.push(
    row(
      [
        'metrics/s (in those runs)',
        whole(mloop?.runIngest?.metricsPerSecond),
        whole(mlflow?.runIngest?.metricsPerSecond),
        times(report.ratios.runsPerSecond),
      ],
      iw,
    ),
  );
  out.push(
    row(
      [
        'metrics/s (log-batch of 1000)',
        whole(mloop?.metricIngest?.metricsPerSecond),
        whole(mlflow?.metricIngest?.metricsPerSecond),
        times(report.ratios.metricsPerSecond),
      ],
      iw,
    ),
  );
  out.push('', "bulk load into each system's own tables (not REST):");
  for (const result of [mloop, mlflow]) {
    const load = result?.load;
    if (!load) continue;
    out.push(
      `  ${result.system}: ${whole(load.rows)} rows in ${load.seconds.toFixed(0)} s, VACUUM ANALYZE ${load.analyzeSeconds.toFixed(0)} s, ` +
        `database ${(load.databaseBytes / 2 ** 30).toFixed(2)} GiB`,
    );
  }
  out.push(
    '',
    `goals: every mloop search p99 < 100 ms: ${report.goals.mloopP99Under100Ms ? 'yes' : 'NO'}; ` +
      `>= 10x MLflow at p50 and p99: ${report.goals.tenTimesMlflow === undefined ? '-' : report.goals.tenTimesMlflow ? 'yes' : 'NO'}`,
  );
  for (const error of report.errors) out.push(`ERROR: ${error}`);
  return out.join('\n');
}

export function writeReport(path: string, report: ScaleReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}

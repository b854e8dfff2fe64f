import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BenchConfig } from './config.js';
import type { IngestResult } from './ingest.js';
import type { MachineInfo } from './machine.js';
import type { PopulateResult } from './run-specs.js';
import { SEARCHES, type SearchResult } from './search.js';
import type { ServerName } from './servers.js';

/** Everything measured on one server; `error` holds what stopped it, verbatim. */
export interface ServerResult {
  server: ServerName;
  ingest?: IngestResult;
  populate?: PopulateResult;
  /** Seconds SQLite's ANALYZE took, when BENCH_ANALYZE=1 asked for it. */
  analyzeSeconds?: number;
  search?: SearchResult;
  error?: string;
}

export interface BenchReport {
  benchmark: 'tracking';
  date: string;
  machine: MachineInfo;
  config: Omit<BenchConfig, 'python'>;
  results: Partial<Record<ServerName, ServerResult>>;
  /** mloop/MLflow for throughput, MLflow/mloop for latency: above 1 means mloop is better. */
  ratios: Record<string, number | null>;
}

interface Row {
  label: string;
  unit: string;
  value: (r: ServerResult) => number | undefined;
  /** Whether a larger value is better: decides which way the ratio is taken. */
  higherIsBetter: boolean;
  key: string;
}

const rows: Row[] = [
  {
    key: 'ingestMetricsPerSecond',
    label: 'ingest throughput',
    unit: 'metrics/s',
    value: (r) => r.ingest?.metricsPerSecond,
    higherIsBetter: true,
  },
  {
    key: 'ingestRequestP50',
    label: 'ingest log-batch p50',
    unit: 'ms',
    value: (r) => r.ingest?.requestLatencyMs.p50,
    higherIsBetter: false,
  },
  {
    key: 'ingestRequestP99',
    label: 'ingest log-batch p99',
    unit: 'ms',
    value: (r) => r.ingest?.requestLatencyMs.p99,
    higherIsBetter: false,
  },
  {
    key: 'searchOrderedP50',
    label: 'search p50, filter + order_by',
    unit: 'ms',
    value: (r) => r.search?.timings.ordered.latencyMs.p50,
    higherIsBetter: false,
  },
  {
    key: 'searchOrderedP99',
    label: 'search p99, filter + order_by',
    unit: 'ms',
    value: (r) => r.search?.timings.ordered.latencyMs.p99,
    higherIsBetter: false,
  },
  {
    key: 'searchFilterOnlyP50',
    label: 'search p50, filter only',
    unit: 'ms',
    value: (r) => r.search?.timings.filterOnly.latencyMs.p50,
    higherIsBetter: false,
  },
  {
    key: 'searchFilterOnlyP99',
    label: 'search p99, filter only',
    unit: 'ms',
    value: (r) => r.search?.timings.filterOnly.latencyMs.p99,
    higherIsBetter: false,
  },
];

function ratioOf(row: Row, results: BenchReport['results']): number | null {
  const mloop = results.mloop ? row.value(results.mloop) : undefined;
  const mlflow = results.mlflow ? row.value(results.mlflow) : undefined;
  if (mloop === undefined || mlflow === undefined || mloop <= 0 || mlflow <= 0) return null;
  return row.higherIsBetter ? mloop / mlflow : mlflow / mloop;
}

export function computeRatios(results: BenchReport['results']): Record<string, number | null> {
  return Object.fromEntries(rows.map((row) => [row.key, ratioOf(row, results)]));
}

function format(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '-';
  if (value >= 1000) return Math.round(value).toLocaleString('en-US');
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function pad(cells: string[], widths: number[]): string {
  return cells
    .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
    .join('  ');
}

/** The comparison table, the checks that back it, and the machine it ran on. */
export function formatReport(report: BenchReport): string {
  const { results, config, machine } = report;
  const table = [
    ['metric', 'mloop', 'MLflow', 'ratio'],
    ...rows.map((row) => {
      const ratio = report.ratios[row.key];
      return [
        `${row.label} (${row.unit})`,
        format(results.mloop ? row.value(results.mloop) : undefined),
        format(results.mlflow ? row.value(results.mlflow) : undefined),
        ratio === null || ratio === undefined ? '-' : `${ratio.toFixed(2)}x`,
      ];
    }),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const lines = [
    '',
    `Tracking benchmark: mloop vs MLflow ${machine.mlflowVersion ?? ''}, both on SQLite, same machine`,
    `ingest: ${config.ingest.clients} clients x ${config.ingest.requestsPerClient} log-batch requests x ` +
      `${config.ingest.metricKeys * config.ingest.stepsPerRequest} metrics; ` +
      `search: ${config.search.runs.toLocaleString('en-US')} runs, filter "${config.search.filter}" ` +
      `(order_by ${SEARCHES.ordered.orderBy.join(', ')}, or none), max_results ${config.search.maxResults}, ` +
      `one request at a time` +
      (config.analyze ? '; databases ANALYZEd after populating' : ''),
    '',
    pad(table[0]!, widths),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...table.slice(1).map((r) => pad(r, widths)),
    'ratio: mloop/MLflow for throughput, MLflow/mloop for latency (above 1: mloop is better)',
    '',
  ];
  for (const result of Object.values(results)) lines.push(...describeChecks(result));
  lines.push(
    `machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.os}, ` +
      `node ${machine.node}, mloop ${machine.mloopCommit}; load generator and server share the cores; ` +
      `load average ${machine.loadAverage.start} at start, ${machine.loadAverage.end} at end`,
  );
  return lines.join('\n');
}

function describeChecks(result: ServerResult): string[] {
  const name = result.server === 'mloop' ? 'mloop' : 'MLflow';
  const lines: string[] = [];
  if (result.ingest) {
    const { verification: v, requestsFailed, failures } = result.ingest;
    lines.push(
      `${name} ingest: ${v.stored.toLocaleString('en-US')} of ${v.expected.toLocaleString('en-US')} ` +
        `accepted metrics read back (${v.ok ? 'ok' : 'MISMATCH'}), ${requestsFailed} requests failed` +
        ` in ${result.ingest.seconds.toFixed(1)} s`,
    );
    for (const problem of v.problems) lines.push(`  ${problem}`);
    for (const f of failures) lines.push(`  ${f.endpoint} -> ${f.status}: ${f.body.slice(0, 300)}`);
  }
  if (result.populate) {
    lines.push(
      `${name} populate: ${result.populate.runs.toLocaleString('en-US')} runs in ` +
        `${result.populate.seconds.toFixed(1)} s via ${result.populate.method}`,
    );
  }
  if (result.analyzeSeconds !== undefined) {
    lines.push(`${name} ANALYZE: ${result.analyzeSeconds.toFixed(1)} s`);
  }
  if (result.search) {
    const { matches, timings } = result.search;
    const samples = Object.entries(timings)
      .map(
        ([search, t]) =>
          `${search} ${t.latencyMs.count} (${t.answersOk ? 'all answers right' : 'WRONG ANSWERS'})`,
      )
      .join(', ');
    lines.push(
      `${name} search: ${matches.found} runs match (expected ${matches.expected}); timed requests: ${samples}`,
    );
  }
  if (result.error) lines.push(`${name} FAILED: ${result.error}`);
  return lines;
}

export function writeReport(path: string, report: BenchReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MachineInfo } from '../tracking/machine.js';
import type { ServingBenchConfig } from './config.js';
import type { InProcessResult, InProcessTiming } from './in-process.js';
import type { LoadResult } from './load.js';
import type { PredictionLogCheck } from './prediction-log-check.js';

export const ROUTES = {
  mloopPredict: 'mloop /api/v1/serving/NAME/predict',
  mloopInvocations: 'mloop /api/v1/serving/NAME/invocations',
  mlflowInvocations: 'MLflow /invocations',
} as const;

/** mloop over MLflow at one connection count; above 1 means mloop is better. */
export interface LevelRatios {
  connections: number;
  /** mloop req/s ÷ MLflow req/s. */
  throughputPredict: number | null;
  throughputInvocations: number | null;
  /** MLflow p99 ÷ mloop p99. */
  p99Predict: number | null;
  p99Invocations: number | null;
  /** MLflow server CPU per request ÷ mloop's: cost without the wait for a core. */
  cpuPerRequestPredict: number | null;
  cpuPerRequestInvocations: number | null;
}

export interface ServingBenchReport {
  benchmark: 'serving';
  date: string;
  machine: MachineInfo;
  config: Omit<ServingBenchConfig, 'python'>;
  model: {
    features: number;
    testAccuracy: number;
    knownRecords: number;
    onnxSha256: string;
    versions: Record<string, string>;
  };
  load: LoadResult[];
  predictionLog?: PredictionLogCheck;
  inProcess?: InProcessResult;
  ratios: LevelRatios[];
  errors: string[];
}

function find(load: LoadResult[], route: string, connections: number): LoadResult | undefined {
  return load.find((r) => r.target === route && r.connections === connections);
}

function ratio(a: number | undefined, b: number | undefined): number | null {
  return a === undefined || b === undefined || !(a > 0) || !(b > 0) ? null : a / b;
}

export function computeRatios(load: LoadResult[], levels: number[]): LevelRatios[] {
  return levels.map((connections) => {
    const predict = find(load, ROUTES.mloopPredict, connections);
    const invocations = find(load, ROUTES.mloopInvocations, connections);
    const mlflow = find(load, ROUTES.mlflowInvocations, connections);
    return {
      connections,
      throughputPredict: ratio(predict?.requestsPerSecond, mlflow?.requestsPerSecond),
      throughputInvocations: ratio(invocations?.requestsPerSecond, mlflow?.requestsPerSecond),
      p99Predict: ratio(mlflow?.latencyMs.p99, predict?.latencyMs.p99),
      p99Invocations: ratio(mlflow?.latencyMs.p99, invocations?.latencyMs.p99),
      cpuPerRequestPredict: ratio(mlflow?.cpu.serverMsPerRequest, predict?.cpu.serverMsPerRequest),
      cpuPerRequestInvocations: ratio(mlflow?.cpu.serverMsPerRequest, invocations?.cpu.serverMsPerRequest),
    };
  });
}

function num(value: number | undefined | null, digits = 2): string {
  if (value === undefined || value === null || Number.isNaN(value)) return '-';
  if (value >= 1000) return Math.round(value).toLocaleString('en-US');
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(digits);
}

const signed = (x: number) => (x < 0 ? `-${num(-x, 1)}` : `+${num(x, 1)}`);
const times = (r: number | null) => (r === null ? '-' : `${r.toFixed(2)}x`);

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
}

function loadTable(report: ServingBenchReport): string[] {
  const rows = [
    [
      'route',
      'conns',
      'req/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'server CPU ms/req',
      'client CPU s',
      'ok',
      'failed',
    ],
  ];
  for (const r of report.load) {
    rows.push([
      r.target,
      String(r.connections),
      num(r.requestsPerSecond),
      num(r.latencyMs.p50),
      num(r.latencyMs.p99),
      num(r.latencyMs.max),
      num(r.cpu.serverMsPerRequest, 3),
      num(r.cpu.loadGeneratorSeconds, 1),
      String(r.measuredOk),
      String(r.failed),
    ]);
  }
  return table(rows);
}

function ratioLines(report: ServingBenchReport): string[] {
  const rows = [
    [
      'connections',
      '/predict req/s',
      '/invocations req/s',
      '/predict p99',
      '/invocations p99',
      '/predict CPU/req',
      '/invocations CPU/req',
    ],
  ];
  for (const r of report.ratios) {
    rows.push([
      String(r.connections),
      times(r.throughputPredict),
      times(r.throughputInvocations),
      times(r.p99Predict),
      times(r.p99Invocations),
      times(r.cpuPerRequestPredict),
      times(r.cpuPerRequestInvocations),
    ]);
  }
  return [
    'mloop vs MLflow (throughput: mloop/MLflow; p99 and server CPU per request: MLflow/mloop; ' +
      'above 1: mloop is better)',
    ...table(rows),
  ];
}

function inProcessLines(report: ServingBenchReport): string[] {
  const ip = report.inProcess;
  if (!ip) return [];
  const base = ip.onnxruntime.latencyUs;
  const row = (label: string, t: { p50: number; p99: number }, rate: string) => [
    label,
    num(t.p50, 1),
    num(t.p99, 1),
    signed(t.p50 - base.p50),
    signed(t.p99 - base.p99),
    rate,
  ];
  const timing = (label: string, t: InProcessTiming) => row(label, t.latencyUs, num(t.callsPerSecond));
  const rows = [
    ['one record, one call at a time', 'p50 µs', 'p99 µs', 'p50 over ort', 'p99 over ort', 'calls/s'],
    timing('onnxruntime-node session.run', ip.onnxruntime),
    timing('mloop ModelRuntime.predict', ip.modelRuntime),
    timing('mloop PredictionService.predict', ip.predictionService),
  ];
  for (const route of [ROUTES.mloopPredict, ROUTES.mloopInvocations, ROUTES.mlflowInvocations]) {
    const http = find(report.load, route, 1);
    if (!http) continue;
    const us = { p50: http.latencyMs.p50 * 1000, p99: http.latencyMs.p99 * 1000 };
    rows.push(row(`${route} (HTTP, 1 conn)`, us, num(http.requestsPerSecond)));
  }
  return [
    `mloop's overhead over a bare onnxruntime call (in process, ${ip.onnxruntime.calls} calls each; ` +
      `HTTP rows from the 1-connection load, client time included)`,
    ...table(rows),
  ];
}

/** The tables, the checks behind them, and the machine they ran on. */
export function formatReport(report: ServingBenchReport): string {
  const { config, machine, model } = report;
  const lines = [
    '',
    `Serving benchmark: mloop vs MLflow ${machine.mlflowVersion ?? ''} \`mlflow models serve\` ` +
      `(${config.mlflowWorkers} worker${config.mlflowWorkers === 1 ? '' : 's'}), same ONNX model ` +
      `(${model.features} features, logistic regression, sha256 ${model.onnxSha256.slice(0, 12)}), ` +
      `single-record requests, ${config.warmupSeconds} s warm-up + ${config.seconds} s per route and level, ` +
      'one server at a time',
    '',
    ...loadTable(report),
    '',
    ...ratioLines(report),
    '',
    ...inProcessLines(report),
    '',
  ];
  const wrong = report.load.filter((r) => r.failed > 0);
  lines.push(
    wrong.length === 0
      ? `answers: every request answered 200 with the right class (${report.load.reduce((n, r) => n + r.answered200, 0)} requests)`
      : 'answers: FAILURES',
  );
  for (const r of wrong) {
    lines.push(`  ${r.target} at ${r.connections}: ${r.failed} failed (${r.wrongClass} wrong class)`);
    for (const f of r.failures) lines.push(`    ${f.status}: ${f.body.slice(0, 200)}`);
  }
  const log = report.predictionLog;
  if (log) {
    lines.push(
      `mloop prediction log: ${log.logged} rows for ${log.expected} successful requests ` +
        `(${log.ok ? 'ok' : 'MISMATCH'}), read back through the API in ${log.seconds.toFixed(1)} s`,
    );
  }
  for (const error of report.errors) lines.push(`FAILED: ${error}`);
  lines.push(
    `machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.os}, ` +
      `node ${machine.node}, mloop ${machine.mloopCommit}; the load generator shares the cores with ` +
      `the server; load average ${machine.loadAverage.start} at start, ${machine.loadAverage.end} at end`,
  );
  return lines.join('\n');
}

export function writeReport(path: string, report: ServingBenchReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}

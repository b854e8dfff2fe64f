import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { IngestResult } from '../tracking/ingest.js';
import type { MachineInfo } from '../tracking/machine.js';
import type { LoadResult } from '../serving/load.js';
import type { AliasMove } from './alias-move.js';
import type { CoresUsed } from './cluster.js';
import type { ReplicasBenchConfig } from './config.js';

/** One phase: the same workloads on `servers` server processes. */
export interface PhaseResult {
  servers: number;
  serving: LoadResult;
  servingCores: CoresUsed;
  ingest: IngestResult;
  ingestCores: CoresUsed;
}

export interface ReplicasBenchReport {
  benchmark: 'replicas';
  date: string;
  machine: MachineInfo;
  config: Omit<ReplicasBenchConfig, 'python' | 'postgresUrl'>;
  phases: PhaseResult[];
  aliasMoves: AliasMove[];
  errors: string[];
}

const fixed = (x: number | undefined, digits: number) =>
  x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits);
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : '-');

function row(cells: string[], widths: number[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[0]!) : cell.padStart(widths[i]!))).join('  ');
}

function cores(used: CoresUsed): string {
  return `${fixed(used.servers, 2)} / ${fixed(used.postgres, 2)} / ${fixed(used.loadGenerator, 2)} / ${fixed(used.machine, 2)}`;
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};

/** Why more servers did or did not help: where the machine's cores went at the scaled-out phase. */
function scalingNote(report: ReplicasBenchReport): string {
  const last = report.phases[report.phases.length - 1];
  if (!last) return '';
  const ours = (used: CoresUsed) => (used.servers ?? 0) + (used.postgres ?? 0) + used.loadGenerator;
  const n = report.machine.cores;
  const describe = (what: string, used: CoresUsed) =>
    `${what}: servers ${fixed(used.servers, 2)}, PostgreSQL ${fixed(used.postgres, 2)}, load generator ` +
    `${fixed(used.loadGenerator, 2)}, other work on the machine ${fixed((used.machine ?? Number.NaN) - ours(used), 2)}, ` +
    `of ${n} cores`;
  const busiest = Math.max(last.servingCores.machine ?? 0, last.ingestCores.machine ?? 0);
  return [
    `What limits scaling here: ${n} cores run every server, PostgreSQL and the load generator at once.`,
    `With ${last.servers} servers, ${describe('/predict', last.servingCores)};`,
    `${describe('log-batch', last.ingestCores)}.`,
    busiest >= 0.85 * n
      ? `The cores were saturated. One server runs its JavaScript on one thread, so it uses about one ` +
        `core at most; ${last.servers} can use every core, which is all a gain here can come from, and only ` +
        'as far as PostgreSQL, the load generator and other work leave them free (that share changes ' +
        'from run to run on a shared machine). Replicas add throughput in proportion when each has ' +
        'cores of its own, and PostgreSQL too.'
      : "The cores were not saturated, so the limit was elsewhere: each request's round trip (log-batch " +
        'waits on PostgreSQL commits), or too few connections to keep every server busy.',
  ].join('\n');
}

export function formatReport(report: ReplicasBenchReport): string {
  const [one, many] = report.phases;
  const out: string[] = [];
  const m = report.machine;
  out.push(
    `\n== replicas: ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, node ${m.node}, mloop ${m.mloopCommit}`,
    `load average (1 min): ${m.loadAverage.start} at start, ${m.loadAverage.end} at end`,
  );
  if (one && many) {
    const widths = [34, 12, 12, 8];
    const header = ['', `1 server`, `${many.servers} servers`, `${many.servers} vs 1`];
    const s1 = one.serving;
    const sn = many.serving;
    const i1 = one.ingest;
    const iN = many.ingest;
    out.push(
      '',
      row(header, widths),
      row(
        [
          `/predict req/s (${sn.connections} conns)`,
          fixed(s1.requestsPerSecond, 0),
          fixed(sn.requestsPerSecond, 0),
          ratio(sn.requestsPerSecond, s1.requestsPerSecond),
        ],
        widths,
      ),
      row(
        [
          '/predict p50 ms',
          fixed(s1.latencyMs.p50, 2),
          fixed(sn.latencyMs.p50, 2),
          ratio(sn.latencyMs.p50, s1.latencyMs.p50),
        ],
        widths,
      ),
      row(
        [
          '/predict p99 ms',
          fixed(s1.latencyMs.p99, 2),
          fixed(sn.latencyMs.p99, 2),
          ratio(sn.latencyMs.p99, s1.latencyMs.p99),
        ],
        widths,
      ),
      row(['/predict failed', String(s1.failed), String(sn.failed), ''], widths),
      row(
        [
          `log-batch metrics/s (${iN.clients} clients)`,
          fixed(i1.metricsPerSecond, 0),
          fixed(iN.metricsPerSecond, 0),
          ratio(iN.metricsPerSecond, i1.metricsPerSecond),
        ],
        widths,
      ),
      row(
        [
          'log-batch p50 ms',
          fixed(i1.requestLatencyMs.p50, 1),
          fixed(iN.requestLatencyMs.p50, 1),
          ratio(iN.requestLatencyMs.p50, i1.requestLatencyMs.p50),
        ],
        widths,
      ),
      row(
        [
          'log-batch p99 ms',
          fixed(i1.requestLatencyMs.p99, 1),
          fixed(iN.requestLatencyMs.p99, 1),
          ratio(iN.requestLatencyMs.p99, i1.requestLatencyMs.p99),
        ],
        widths,
      ),
      row(
        [
          'log-batch failed / read back',
          `${i1.requestsFailed} / ${i1.verification.ok ? 'ok' : 'BAD'}`,
          `${iN.requestsFailed} / ${iN.verification.ok ? 'ok' : 'BAD'}`,
          '',
        ],
        widths,
      ),
      '',
      'cores busy (servers / PostgreSQL / load generator / whole machine):',
      row(['  during /predict', cores(one.servingCores), cores(many.servingCores)], [20, 26, 26]),
      row(['  during log-batch', cores(one.ingestCores), cores(many.ingestCores)], [20, 26, 26]),
    );
  }
  if (report.aliasMoves.length > 0) {
    const all = report.aliasMoves.map((move) => move.allMs);
    out.push(
      '',
      `alias move -> every one of ${report.aliasMoves[0]!.replicaMs.length} servers answers /predict with the new version (ms):`,
      ...report.aliasMoves.map(
        (move, i) =>
          `  move ${i + 1} to v${move.toVersion}: all ${fixed(move.allMs, 1)}  (per server ${move.replicaMs.map((ms) => fixed(ms, 1)).join(', ')})` +
          (i === 0 ? '  <- first use of the version: includes loading it' : ''),
      ),
      `  median ${fixed(median(all), 1)}, max ${fixed(Math.max(...all), 1)}`,
    );
  }
  out.push('', scalingNote(report));
  if (report.errors.length > 0) out.push('', 'ERRORS:', ...report.errors.map((e) => `  ${e}`));
  return out.join('\n');
}

export function writeReport(path: string, report: ReplicasBenchReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}

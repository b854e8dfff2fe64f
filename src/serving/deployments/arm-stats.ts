import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import type { Database } from '../../store/database.js';
import type { ArmLabel, ArmStats } from './types.js';

/** Where rollout decisions read live per-arm statistics from. */
export interface ArmStatsSource {
  /** Requests, errors and p99 latency of one arm of a deployment since `sinceTime` (ms). */
  stats(deployment: string, arm: ArmLabel, sinceTime: number): Promise<ArmStats>;
}

/** Where serving reports each request an arm of a deployment handled. */
export interface ArmStatsSink {
  record(deployment: string, arm: ArmLabel, latencyMs: number, ok: boolean): void;
}

/** One minute of one arm: the requests that arrived in it. */
export interface MinuteStats extends ArmStats {
  /** Start of the minute, ms since the epoch. */
  time: number;
}

const minuteMs = 60_000;

interface ArmSampleTables {
  arm_samples: { deployment: string; arm: string; time: number; latency_ms: number; ok: number };
}

type Sample = ArmSampleTables['arm_samples'];

export interface ArmStatsRecorderOptions {
  /**
   * Latencies a p99 (and a per-minute listing) is computed from, newest first: bounds the rows
   * read per judgement. Request and error counts are exact however many there are.
   */
  maxSamplesPerArm?: number;
  /** Samples kept in the store (default a day); older ones are pruned. */
  retentionMs?: number;
  /** Samples held here while the store is unreachable; the oldest are dropped beyond it. */
  maxPending?: number;
}

const rowsPerInsert = 500;
const pruneEveryMs = 10 * minuteMs;

/**
 * Live statistics of each arm of each deployment, shared by every server on the database: serving
 * records each answered (and shadow-scored) request here, and `flush` (on a short interval, and
 * before every read) writes them to the store, so the rollout leader and deployment alert rules
 * judge all replicas' traffic, not the share one process saw. Reads lag other servers by at most
 * their flush interval.
 */
export class ArmStatsRecorder implements ArmStatsSource, ArmStatsSink {
  private readonly db: Kysely<ArmSampleTables>;
  private pending: Sample[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private readonly maxSamples: number;
  private readonly retentionMs: number;
  private readonly maxPending: number;
  private lastPrune = 0;

  constructor(
    database: Database,
    private readonly clock: Clock,
    options: ArmStatsRecorderOptions = {},
  ) {
    this.db = database.tables<ArmSampleTables>();
    this.maxSamples = options.maxSamplesPerArm ?? 20_000;
    this.retentionMs = options.retentionMs ?? 24 * 60 * minuteMs;
    this.maxPending = options.maxPending ?? 100_000;
  }

  record(deployment: string, arm: ArmLabel, latencyMs: number, ok: boolean): void {
    this.pending.push({ deployment, arm, time: this.clock.now(), latency_ms: latencyMs, ok: ok ? 1 : 0 });
    if (this.pending.length > this.maxPending * 1.25)
      this.pending.splice(0, this.pending.length - this.maxPending);
  }

  /** Writes the samples recorded here to the store (one flush at a time); prunes old ones now and then. */
  flush(): Promise<void> {
    const next = this.flushing.catch(() => undefined).then(() => this.writePending());
    this.flushing = next;
    return next;
  }

  async stats(deployment: string, arm: ArmLabel, sinceTime: number): Promise<ArmStats> {
    await this.flush();
    const counts = await this.window(deployment, arm, sinceTime)
      .select((eb) => [eb.fn.countAll<number>().as('requests'), eb.fn.sum<number>('ok').as('oks')])
      .executeTakeFirst();
    const requests = Number(counts?.requests ?? 0);
    if (requests === 0) return { requests: 0, errors: 0, p99LatencyMs: undefined };
    const latencies = await this.window(deployment, arm, sinceTime)
      .select('latency_ms')
      .orderBy('time', 'desc')
      .limit(this.maxSamples)
      .execute();
    return {
      requests,
      errors: requests - Number(counts?.oks ?? 0),
      p99LatencyMs: percentile(
        latencies.map((r) => Number(r.latency_ms)),
        0.99,
      ),
    };
  }

  /** The same statistics minute by minute since `sinceTime`, oldest first; minutes without requests are left out. */
  async perMinute(deployment: string, arm: ArmLabel, sinceTime: number): Promise<MinuteStats[]> {
    await this.flush();
    const rows = await this.window(deployment, arm, sinceTime)
      .select(['time', 'latency_ms', 'ok'])
      .orderBy('time', 'desc')
      .limit(this.maxSamples)
      .execute();
    const byMinute = new Map<number, { latencies: number[]; errors: number }>();
    for (const row of rows.reverse()) {
      const time = Math.floor(Number(row.time) / minuteMs) * minuteMs;
      const minute = byMinute.get(time) ?? { latencies: [], errors: 0 };
      minute.latencies.push(Number(row.latency_ms));
      if (!Number(row.ok)) minute.errors++;
      byMinute.set(time, minute);
    }
    return [...byMinute].map(([time, m]) => ({
      time,
      requests: m.latencies.length,
      errors: m.errors,
      p99LatencyMs: percentile(m.latencies, 0.99),
    }));
  }

  /** Drops a deployment's samples (when it is deleted). */
  async forget(deployment: string): Promise<void> {
    this.pending = this.pending.filter((s) => s.deployment !== deployment);
    await this.flushing.catch(() => undefined);
    await this.db.deleteFrom('arm_samples').where('deployment', '=', deployment).execute();
  }

  private window(deployment: string, arm: ArmLabel, sinceTime: number) {
    return this.db
      .selectFrom('arm_samples')
      .where('deployment', '=', deployment)
      .where('arm', '=', arm)
      .where('time', '>=', sinceTime);
  }

  private async writePending(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.slice(0, rowsPerInsert);
      await this.db.insertInto('arm_samples').values(batch).execute();
      // Taken off only once stored: a failed write keeps them for the next flush.
      this.pending.splice(0, batch.length);
    }
    const now = this.clock.now();
    if (now - this.lastPrune >= pruneEveryMs) {
      this.lastPrune = now;
      await this.db
        .deleteFrom('arm_samples')
        .where('time', '<', now - this.retentionMs)
        .execute();
    }
  }
}

/** Nearest-rank percentile: the smallest value with at least `q` of the values at or below it. */
export function percentile(values: number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

import type { Clock } from '../../core/clock.js';
import type { ArmLabel, ArmStats } from './types.js';

/** Where rollout decisions read live per-arm statistics from. */
export interface ArmStatsSource {
  /** Requests, errors and p99 latency of one arm of a deployment since `sinceTime` (ms). */
  stats(deployment: string, arm: ArmLabel, sinceTime: number): ArmStats;
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

interface Samples {
  times: number[];
  latencies: number[];
  oks: boolean[];
}

export interface ArmStatsRecorderOptions {
  /**
   * Samples kept per arm; older ones are dropped first. A window is judged on at most this many
   * recent requests, which bounds memory (about 20 bytes a sample) and the cost of a p99.
   */
  maxSamplesPerArm?: number;
}

/**
 * Live statistics of each arm of each deployment, in this process's memory: serving records
 * every answered (and shadow-scored) request, the rollout controller reads a window. A restart
 * loses them, so the current rollout step starts counting again: a rollout is judged only on what
 * this process saw, never on stale numbers.
 */
export class ArmStatsRecorder implements ArmStatsSource, ArmStatsSink {
  private readonly arms = new Map<string, Samples>();
  private readonly maxSamples: number;

  constructor(
    private readonly clock: Clock,
    options: ArmStatsRecorderOptions = {},
  ) {
    this.maxSamples = options.maxSamplesPerArm ?? 100_000;
  }

  record(deployment: string, arm: ArmLabel, latencyMs: number, ok: boolean): void {
    const key = armKey(deployment, arm);
    let samples = this.arms.get(key);
    if (!samples) {
      samples = { times: [], latencies: [], oks: [] };
      this.arms.set(key, samples);
    }
    samples.times.push(this.clock.now());
    samples.latencies.push(latencyMs);
    samples.oks.push(ok);
    // Trim in chunks, so dropping old samples costs O(1) per request on average.
    if (samples.times.length > this.maxSamples * 1.25) {
      const drop = samples.times.length - this.maxSamples;
      samples.times.splice(0, drop);
      samples.latencies.splice(0, drop);
      samples.oks.splice(0, drop);
    }
  }

  stats(deployment: string, arm: ArmLabel, sinceTime: number): ArmStats {
    const samples = this.arms.get(armKey(deployment, arm));
    if (!samples) return { requests: 0, errors: 0, p99LatencyMs: undefined };
    const first = firstAtOrAfter(samples.times, sinceTime);
    const latencies = samples.latencies.slice(first);
    const errors = samples.oks.slice(first).filter((ok) => !ok).length;
    return { requests: latencies.length, errors, p99LatencyMs: percentile(latencies, 0.99) };
  }

  /** The same statistics minute by minute since `sinceTime`, oldest first; minutes without requests are left out. */
  perMinute(deployment: string, arm: ArmLabel, sinceTime: number): MinuteStats[] {
    const samples = this.arms.get(armKey(deployment, arm));
    if (!samples) return [];
    const minutes: MinuteStats[] = [];
    for (let i = firstAtOrAfter(samples.times, sinceTime); i < samples.times.length;) {
      const time = Math.floor((samples.times[i] as number) / minuteMs) * minuteMs;
      const end = firstAtOrAfter(samples.times, time + minuteMs);
      const latencies = samples.latencies.slice(i, end);
      const errors = samples.oks.slice(i, end).filter((ok) => !ok).length;
      minutes.push({ time, requests: end - i, errors, p99LatencyMs: percentile(latencies, 0.99) });
      i = end;
    }
    return minutes;
  }

  /** Drops a deployment's samples (when it is deleted). */
  forget(deployment: string): void {
    for (const key of [...this.arms.keys()]) {
      if (key.startsWith(`${deployment}\u0000`)) this.arms.delete(key);
    }
  }
}

function armKey(deployment: string, arm: ArmLabel): string {
  return `${deployment}\u0000${arm}`;
}

/** Index of the first time >= `since` in an ascending array (binary search). */
function firstAtOrAfter(times: number[], since: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] ?? Infinity) < since) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Nearest-rank percentile: the smallest value with at least `q` of the values at or below it. */
export function percentile(values: number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

import type { Clock } from '../../core/clock.js';

/** Cumulative request and error counts per model version, as serving's counters hold them. */
export interface RequestCounters {
  /** Requests and errors since the process started, per model and version (shadow copies excluded). */
  totals(): Promise<Map<string, { requests: number; errors: number }>>;
}

interface Snapshot {
  time: number;
  totals: Map<string, { requests: number; errors: number }>;
}

const maxSnapshots = 10_000;

/**
 * Error rates over a window, from serving's cumulative counters. The prediction log records only
 * answered requests, so failures are counted from the counters: a snapshot is taken at every
 * evaluation, and a window's rate is the difference between now and the newest snapshot at or
 * before the window's start. The first snapshot is taken as the process starts; so a window
 * reaching back before then covers what was counted since.
 */
export class RequestErrorRates {
  private readonly snapshots: Snapshot[] = [];
  private readonly first: Promise<Snapshot>;

  constructor(
    private readonly counters: RequestCounters,
    private readonly clock: Clock,
  ) {
    // Shared counters hold what servers counted before this one started: the window's zero.
    const time = clock.now();
    this.first = counters.totals().then(
      (totals) => ({ time, totals }),
      () => ({ time, totals: new Map() }),
    );
  }

  /** Errors / requests of `model` (one version, or all) since `from`; undefined without requests. */
  async rate(
    model: string,
    version: number | undefined,
    from: number,
  ): Promise<{ requests: number; errors: number; rate: number | undefined }> {
    if (this.snapshots.length === 0) this.snapshots.push(await this.first);
    const now = { time: this.clock.now(), totals: await this.counters.totals() };
    let base = this.snapshots[0]!;
    for (const s of this.snapshots) if (s.time <= from) base = s;
    this.snapshots.push(now);
    if (this.snapshots.length > maxSnapshots) this.snapshots.splice(1, this.snapshots.length - maxSnapshots);
    const sum = (totals: Snapshot['totals']) => {
      let requests = 0;
      let errors = 0;
      for (const [key, t] of totals) {
        const [m, v] = key.split('\u0000');
        if (m !== model || (version !== undefined && v !== String(version))) continue;
        requests += t.requests;
        errors += t.errors;
      }
      return { requests, errors };
    };
    const end = sum(now.totals);
    const start = sum(base.totals);
    const requests = end.requests - start.requests;
    const errors = end.errors - start.errors;
    return { requests, errors, rate: requests > 0 ? errors / requests : undefined };
  }
}

/** Serving's Prometheus counters as `RequestCounters`. */
export function servingRequestCounters(metrics: {
  requests: { get(): Promise<{ values: Array<{ labels: Record<string, unknown>; value: number }> }> };
  errors: { get(): Promise<{ values: Array<{ labels: Record<string, unknown>; value: number }> }> };
}): RequestCounters {
  return {
    async totals() {
      const totals = new Map<string, { requests: number; errors: number }>();
      const add = (
        values: Array<{ labels: Record<string, unknown>; value: number }>,
        field: 'requests' | 'errors',
      ) => {
        for (const { labels, value } of values) {
          if (labels.arm === 'shadow') continue;
          const key = `${String(labels.model)}\u0000${String(labels.version)}`;
          const entry = totals.get(key) ?? { requests: 0, errors: 0 };
          entry[field] += value;
          totals.set(key, entry);
        }
      };
      add((await metrics.requests.get()).values, 'requests');
      add((await metrics.errors.get()).values, 'errors');
      return totals;
    },
  };
}

import type { Clock } from '../core/clock.js';
import type { Leadership } from '../core/background.js';
import { newId } from '../core/ids.js';
import type { Database } from './database.js';
import { StoreLeases } from './leases.js';

/** How long a duty's leader holds it without renewing before another process takes over. */
export const defaultLeaseMs = 15_000;

/**
 * Elects one leader per duty among the processes on one database: a duty's tick runs only on the
 * process holding its lease. The holder renews at each tick and on a heartbeat of a third of the
 * lease; a process that stops renewing (crashed, partitioned) loses the duty when its lease
 * expires, and a clean shutdown releases it at once.
 */
export class LeaderElection implements Leadership {
  readonly owner = newId('proc');
  readonly renewEveryMs: number;
  private readonly leases: StoreLeases;
  private readonly held = new Set<string>();

  constructor(
    database: Database,
    clock: Clock,
    private readonly leaseMs = defaultLeaseMs,
  ) {
    this.leases = new StoreLeases(database, clock);
    this.renewEveryMs = Math.max(1, Math.floor(leaseMs / 3));
  }

  async holds(duty: string): Promise<boolean> {
    const mine = await this.leases.acquire(duty, this.owner, this.leaseMs);
    if (mine) this.held.add(duty);
    else this.held.delete(duty);
    return mine;
  }

  async renew(): Promise<void> {
    for (const duty of [...this.held]) await this.holds(duty);
  }

  async exclusively(name: string, work: () => Promise<void>): Promise<boolean> {
    // Not in `held`: the heartbeat does not renew it, and a crash frees it after one lease.
    if (!(await this.leases.acquire(name, this.owner, this.leaseMs))) return false;
    try {
      await work();
      return true;
    } finally {
      await this.leases.release(name, this.owner);
    }
  }

  async release(): Promise<void> {
    for (const duty of this.held) await this.leases.release(duty, this.owner);
    this.held.clear();
  }
}

import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import type { Database } from './database.js';

interface LeaseTables {
  leases: { name: string; owner: string; expires_at: number };
}

/**
 * Named leases in the metadata database, so that of several processes on one database exactly one
 * holds a name at a time. Taking and renewing are one conditional upsert (SQLite and PostgreSQL
 * alike): it writes only when the name is free, expired, or already this owner's.
 */
export class StoreLeases {
  private readonly db: Kysely<LeaseTables>;

  constructor(
    database: Database,
    private readonly clock: Clock,
  ) {
    this.db = database.tables<LeaseTables>();
  }

  /** Takes or renews `name` for `owner` until now + `ttlMs`; false when another owner holds it unexpired. */
  async acquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = this.clock.now();
    const result = await this.db
      .insertInto('leases')
      .values({ name, owner, expires_at: now + ttlMs })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet((eb) => ({
            owner: eb.ref('excluded.owner'),
            expires_at: eb.ref('excluded.expires_at'),
          }))
          .where((eb) => eb.or([eb('leases.owner', '=', owner), eb('leases.expires_at', '<=', now)])),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Gives `name` up at once when `owner` holds it, so another process takes over without waiting. */
  async release(name: string, owner: string): Promise<void> {
    await this.db.deleteFrom('leases').where('name', '=', name).where('owner', '=', owner).execute();
  }
}

import type { Kysely } from 'kysely';
import { newId } from '../../core/ids.js';
import type { Database } from '../../store/database.js';
import type { RequestCounters } from './request-error-rates.js';

interface RequestTotalsTables {
  request_totals: { owner: string; model: string; version: string; requests: number; errors: number };
}

/**
 * Request and error counts of every server on the database: each publishes its own cumulative
 * counters as its row (on an interval, and before reading), and the totals are their sum. Rows of
 * servers gone stay, so the sum only grows, as a counter should.
 */
export class SharedRequestCounters implements RequestCounters {
  private readonly db: Kysely<RequestTotalsTables>;

  constructor(
    database: Database,
    private readonly local: RequestCounters,
    private readonly owner = newId('proc'),
  ) {
    this.db = database.tables<RequestTotalsTables>();
  }

  /** Writes this server's counters to its rows. */
  async publish(): Promise<void> {
    // The counters key a series as model NUL version; PostgreSQL text holds no NUL: two columns.
    const rows = [...(await this.local.totals())].map(([series, t]) => ({
      owner: this.owner,
      model: series.split('\u0000')[0] ?? '',
      version: series.split('\u0000')[1] ?? '',
      requests: t.requests,
      errors: t.errors,
    }));
    if (rows.length === 0) return;
    await this.db
      .insertInto('request_totals')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['owner', 'model', 'version']).doUpdateSet((eb) => ({
          requests: eb.ref('excluded.requests'),
          errors: eb.ref('excluded.errors'),
        })),
      )
      .execute();
  }

  async totals(): Promise<Map<string, { requests: number; errors: number }>> {
    await this.publish();
    const rows = await this.db
      .selectFrom('request_totals')
      .select((eb) => [
        'model',
        'version',
        eb.fn.sum<number>('requests').as('requests'),
        eb.fn.sum<number>('errors').as('errors'),
      ])
      .groupBy(['model', 'version'])
      .execute();
    return new Map(
      rows.map((r) => [
        `${r.model}\u0000${r.version}`,
        { requests: Number(r.requests), errors: Number(r.errors) },
      ]),
    );
  }
}

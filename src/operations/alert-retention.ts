import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import type { RetentionSpec } from '../core/retention-spec.js';
import type { AlertTables } from '../monitoring/alerts/tables.js';

/** Rows deleted by one statement: small enough that the alert evaluator never waits long on it. */
const defaultBatch = 1000;

/**
 * Applies MLOOP_ALERT_RETENTION: per model, resolved alerts that were resolved longer ago than the
 * model's age limit (or the global one) go. Firing alerts always stay, and so does each rule's
 * newest alert whatever its age: its cooldown is counted from it.
 */
export class AlertRetention {
  constructor(
    private readonly db: Kysely<AlertTables>,
    private readonly clock: Clock,
    private readonly spec: RetentionSpec,
    private readonly batch = defaultBatch,
  ) {}

  /** One pass; returns the alerts removed per model (only models that lost some). */
  async apply(): Promise<Array<{ model: string; deleted: number }>> {
    const models = await this.db
      .selectFrom('alerts')
      .select('model')
      .distinct()
      .where('status', '=', 'resolved')
      .execute();
    const results: Array<{ model: string; deleted: number }> = [];
    for (const { model } of models) {
      const maxAgeMs = (this.spec.models[model] ?? this.spec.global).maxAgeMs;
      if (maxAgeMs === undefined) continue;
      const deleted = await this.deleteResolvedBefore(model, this.clock.now() - maxAgeMs);
      if (deleted > 0) results.push({ model, deleted });
    }
    return results;
  }

  private async deleteResolvedBefore(model: string, time: number): Promise<number> {
    let deleted = 0;
    for (;;) {
      const ids = this.db
        .selectFrom('alerts as a')
        .select('a.id')
        .where('a.model', '=', model)
        .where('a.status', '=', 'resolved')
        .where('a.resolved_time', '<', time)
        // A newer alert of the same rule exists: this one is not the rule's newest.
        .where(({ exists, selectFrom }) =>
          exists(
            selectFrom('alerts as newer')
              .select('newer.id')
              .whereRef('newer.rule', '=', 'a.rule')
              .where((eb) =>
                eb.or([
                  eb('newer.fired_time', '>', eb.ref('a.fired_time')),
                  eb.and([
                    eb('newer.fired_time', '=', eb.ref('a.fired_time')),
                    eb('newer.id', '>', eb.ref('a.id')),
                  ]),
                ]),
              ),
          ),
        )
        .limit(this.batch);
      const result = await this.db.deleteFrom('alerts').where('id', 'in', ids).executeTakeFirst();
      const count = Number(result.numDeletedRows);
      deleted += count;
      if (count < this.batch) return deleted;
      await yieldToEventLoop();
    }
  }
}

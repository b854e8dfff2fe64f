import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import type { RetentionLimits, RetentionSpec } from '../core/retention-spec.js';
import type { FeedbackTables } from '../feedback/tables.js';

export interface RetentionResult {
  model: string;
  deletedByAge: number;
  deletedBySize: number;
}

/** Rows deleted by one statement: small enough that writers of the log never wait long on it. */
const defaultBatch = 2000;

/**
 * Applies prediction-log retention: per model, rows older than the age limit go, then the oldest
 * rows beyond the size limit (size is the stored text of a row, so an estimate of its bytes) or
 * the row limit.
 * Labelled predictions are kept whatever their age: labels are what datasets built from feedback
 * and performance reports read. Deletes run in batches, yielding between them, so serving and the
 * log's own writes go on meanwhile.
 */
export class PredictionRetention {
  constructor(
    private readonly db: Kysely<FeedbackTables>,
    private readonly clock: Clock,
    private readonly spec: RetentionSpec,
    private readonly batch = defaultBatch,
  ) {}

  /** One pass over every model in the log. */
  async apply(): Promise<RetentionResult[]> {
    const models = await this.db.selectFrom('predictions').select('model').distinct().execute();
    const results: RetentionResult[] = [];
    for (const { model } of models) {
      const limits = this.spec.models[model] ?? this.spec.global;
      const result = { model, deletedByAge: 0, deletedBySize: 0 };
      if (limits.maxAgeMs !== undefined)
        result.deletedByAge = await this.deleteUpTo(model, this.clock.now() - limits.maxAgeMs, false);
      if (limits.maxBytes !== undefined || limits.maxRows !== undefined)
        result.deletedBySize = await this.trimToSize(model, limits);
      if (result.deletedByAge + result.deletedBySize > 0) results.push(result);
    }
    return results;
  }

  private async trimToSize(model: string, limits: RetentionLimits): Promise<number> {
    const row = await this.db
      .selectFrom('predictions')
      .select([
        (eb) => eb.fn.countAll<number>().as('rows'),
        sql<number>`sum(length(inputs) + length(outputs) + length(request_id) + length(id) + 64)`.as('bytes'),
      ])
      .where('model', '=', model)
      .executeTakeFirstOrThrow();
    const rows = Number(row.rows);
    const bytes = Number(row.bytes ?? 0);
    // Keep the newest rows that fit, at the model's average row size, and no more than maxRows.
    const keep = Math.min(
      limits.maxBytes === undefined || bytes <= limits.maxBytes
        ? rows
        : Math.floor(limits.maxBytes / (bytes / rows)),
      limits.maxRows ?? rows,
    );
    if (keep >= rows) return 0;
    const boundary = await this.db
      .selectFrom('predictions')
      .select('time')
      .where('model', '=', model)
      .orderBy('time', 'desc')
      .limit(1)
      .offset(keep)
      .executeTakeFirst();
    return boundary ? this.deleteUpTo(model, Number(boundary.time), true) : 0;
  }

  /** Deletes the model's unlabelled rows before `time` (or at it, when `inclusive`), batch by batch. */
  private async deleteUpTo(model: string, time: number, inclusive: boolean): Promise<number> {
    let deleted = 0;
    for (;;) {
      const ids = this.db
        .selectFrom('predictions as p')
        .select('p.id')
        .where('p.model', '=', model)
        .where('p.time', inclusive ? '<=' : '<', time)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('feedback as f').select('f.prediction_id').whereRef('f.prediction_id', '=', 'p.id'),
            ),
          ),
        )
        .limit(this.batch);
      const result = await this.db.deleteFrom('predictions').where('id', 'in', ids).executeTakeFirst();
      const count = Number(result.numDeletedRows);
      deleted += count;
      if (count < this.batch) return deleted;
      await yieldToEventLoop();
    }
  }
}

import type { Kysely } from 'kysely';
import { invalidParameter } from '../core/errors.js';
import type { FeedbackTables } from '../feedback/tables.js';

export interface ForgetResult {
  subjectKey: string;
  /** Prediction-log rows deleted (those the subject's requests were logged under). */
  predictionsDeleted: number;
  /** Labels deleted with them. */
  feedbackDeleted: number;
}

// Deletes go in slices so one subject with many rows does not hold a long lock on SQLite.
const SLICE = 500;

/**
 * Right to be forgotten: a subject is the request key callers send with predictions (a user or
 * session id). Forgetting deletes its prediction-log rows and their labels. The HTTP route is a
 * mutating request, so the audit log records who asked, when and how many rows went.
 */
export class PrivacyService {
  constructor(
    private readonly db: Kysely<FeedbackTables>,
    /** Writes what the prediction log still holds in memory, so no queued row escapes. */
    private readonly flushPredictions: () => Promise<void>,
  ) {}

  async forget(subjectKey: string): Promise<ForgetResult> {
    if (typeof subjectKey !== 'string' || subjectKey.trim() === '' || subjectKey.length > 256)
      throw invalidParameter(
        'subject_key',
        'subject_key must be a non-empty request key of at most 256 characters',
      );
    await this.flushPredictions();
    let predictionsDeleted = 0;
    let feedbackDeleted = 0;
    for (;;) {
      const ids = (
        await this.db
          .selectFrom('predictions')
          .select('id')
          .where('request_key', '=', subjectKey)
          .limit(SLICE)
          .execute()
      ).map((r) => r.id);
      if (ids.length === 0) break;
      await this.db.transaction().execute(async (tx) => {
        const labels = await tx.deleteFrom('feedback').where('prediction_id', 'in', ids).executeTakeFirst();
        const rows = await tx.deleteFrom('predictions').where('id', 'in', ids).executeTakeFirst();
        feedbackDeleted += Number(labels.numDeletedRows);
        predictionsDeleted += Number(rows.numDeletedRows);
      });
    }
    return { subjectKey, predictionsDeleted, feedbackDeleted };
  }
}

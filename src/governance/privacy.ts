import { noAuditTrail, type AuditTrail } from '../core/audit-trail.js';
import { sql, type Kysely } from 'kysely';
import { invalidParameter } from '../core/errors.js';
import type { FeedbackTables } from '../feedback/tables.js';
import type { PersonalData } from '../serving/personal-data.js';

/**
 * Whom to forget: the request key their predictions were served under (a user or session id), or
 * a value of an input column that identifies them (`customer_id` = `8812`), found whether the log
 * kept that column as sent or as its keyed hash.
 */
export type ForgetSubject = { key: string } | { column: string; value: string };

export interface ForgetResult {
  subject: ForgetSubject;
  /** Prediction-log rows deleted (the subject's). */
  predictionsDeleted: number;
  /** Labels deleted with them. */
  feedbackDeleted: number;
}

// Deletes go in slices so one subject with many rows does not hold a long lock on SQLite.
const SLICE = 500;
// Rows read per step of the scan for an input value.
const SCAN_PAGE = 2000;
const MAX_LENGTH = 256;

/**
 * Right to be forgotten: deletes a subject's prediction-log rows and their labels. The HTTP route
 * is a mutating request, so the audit log records who asked, when and how many rows went (never
 * whom: the subject's id would outlive the subject).
 */
export class PrivacyService {
  constructor(
    private readonly db: Kysely<FeedbackTables>,
    private readonly personalData: PersonalData,
    /** Writes what the prediction log still holds in memory, so no queued row escapes. */
    private readonly flushPredictions: () => Promise<void>,
    private readonly audit: AuditTrail = noAuditTrail,
  ) {}

  async forget(subject: ForgetSubject): Promise<ForgetResult> {
    validate(subject);
    await this.flushPredictions();
    let predictionsDeleted = 0;
    let feedbackDeleted = 0;
    const deleteSlice = async (ids: string[]): Promise<void> => {
      await this.db.transaction().execute(async (tx) => {
        const labels = await tx.deleteFrom('feedback').where('prediction_id', 'in', ids).executeTakeFirst();
        const rows = await tx.deleteFrom('predictions').where('id', 'in', ids).executeTakeFirst();
        feedbackDeleted += Number(labels.numDeletedRows);
        predictionsDeleted += Number(rows.numDeletedRows);
      });
    };
    if ('key' in subject) {
      for (;;) {
        const ids = (
          await this.db
            .selectFrom('predictions')
            .select('id')
            .where('request_key', '=', subject.key)
            .limit(SLICE)
            .execute()
        ).map((r) => r.id);
        if (ids.length === 0) break;
        await deleteSlice(ids);
      }
    } else {
      const ids = await this.idsWithInput(subject.column, subject.value);
      for (let i = 0; i < ids.length; i += SLICE) await deleteSlice(ids.slice(i, i + SLICE));
    }
    // Who asked, when and how much went; never the subject, whose id would outlive it here.
    await this.audit.record({
      kind: 'privacy',
      action: 'privacy.forget',
      objectKind: 'predictions',
      objectId: 'column' in subject ? `column:${subject.column}` : 'request-key',
      after: { predictions_deleted: predictionsDeleted, feedback_deleted: feedbackDeleted },
    });
    return { subject, predictionsDeleted, feedbackDeleted };
  }

  /**
   * Ids of the rows whose inputs hold `column` = `value`. Inputs are JSON text written by one
   * serializer, so `"column":<value>` appears verbatim in every matching row: a LIKE on those
   * spellings (portable across both dialects) narrows the scan, and each candidate is confirmed
   * on its parsed inputs (LIKE also matches prefixes such as 42 in 421).
   */
  private async idsWithInput(column: string, value: string): Promise<string[]> {
    const name = JSON.stringify(column);
    const spellings = [JSON.stringify(value), JSON.stringify(this.personalData.hash(value))];
    if (/^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false)$/.test(value)) spellings.push(value);
    const patterns = spellings.map((s) => `%${escapeLike(`${name}:${s}`)}%`);
    const ids: string[] = [];
    let after = '';
    for (;;) {
      const page = await this.db
        .selectFrom('predictions')
        .select(['id', 'inputs'])
        .where('id', '>', after)
        .where((eb) => eb.or(patterns.map((p) => eb(sql`inputs`, 'like', sql`${p} escape '\\'`))))
        .orderBy('id')
        .limit(SCAN_PAGE)
        .execute();
      for (const row of page) {
        const inputs = JSON.parse(row.inputs) as Record<string, unknown>;
        if (this.personalData.isLoggedValueOf(inputs[column], value)) ids.push(row.id);
      }
      if (page.length < SCAN_PAGE) return ids;
      after = page[page.length - 1]!.id;
    }
  }
}

function validate(subject: ForgetSubject): void {
  const text = (field: string, value: unknown): void => {
    if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_LENGTH)
      throw invalidParameter(
        field,
        `${field} must be a non-empty string of at most ${MAX_LENGTH} characters`,
      );
  };
  if ('key' in subject) return text('subject_key', subject.key);
  text('column', subject.column);
  text('value', subject.value);
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

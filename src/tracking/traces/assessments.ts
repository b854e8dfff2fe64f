import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import { newRunId } from '../../core/ids.js';
import { invalidParameter, notFound } from '../../core/errors.js';
import { checkKey } from '../limits.js';
import { assessmentOfRow, assessmentToRow } from './assessment-rows.js';
import type { TraceTables } from './tables.js';
import type { TraceService } from './traces.js';
import type { Assessment, AssessmentValue } from './types.js';

/** An assessment as a client logs it: the server gives its id and times when it omits them. */
export interface AssessmentInput {
  assessmentId?: string | undefined;
  name: string;
  spanId?: string | undefined;
  source?: Assessment['source'];
  createTime?: number | undefined;
  lastUpdateTime?: number | undefined;
  value: AssessmentValue;
  rationale?: string | undefined;
  metadata?: Record<string, string> | undefined;
  overrides?: string | undefined;
  valid?: boolean | undefined;
  runId?: string | undefined;
}

/** What an update may change; the rest (source, span, kind) stays as logged. */
export interface AssessmentUpdate {
  name?: string | undefined;
  value?: AssessmentValue | undefined;
  rationale?: string | undefined;
  /** Merged into the existing metadata, the new values winning. */
  metadata?: Record<string, string> | undefined;
}

/** A complete assessment of `traceId` from what a client sent. */
export function newAssessment(input: AssessmentInput, traceId: string, now: number): Assessment {
  checkKey(input.name, 'assessment_name');
  return {
    assessmentId: input.assessmentId || `a-${newRunId()}`,
    traceId,
    name: input.name,
    spanId: input.spanId || undefined,
    source: input.source,
    createTime: input.createTime ?? now,
    lastUpdateTime: input.lastUpdateTime ?? input.createTime ?? now,
    value: input.value,
    rationale: input.rationale,
    metadata: input.metadata,
    overrides: input.overrides || undefined,
    valid: input.valid ?? true,
    runId: input.runId || undefined,
  };
}

/**
 * Assessments of traces (`mlflow.log_feedback`, `mlflow.log_expectation`): judgements of a trace
 * or one of its spans, by a human, a judge or code. Logging one that overrides another marks the
 * other no longer valid; deleting the override makes it valid again, as MLflow does.
 */
export class AssessmentService {
  constructor(
    private readonly db: Kysely<TraceTables>,
    private readonly traces: TraceService,
    private readonly clock: Clock,
  ) {}

  async create(traceId: string, input: AssessmentInput): Promise<Assessment> {
    await this.traces.requireTrace(traceId);
    const assessment = newAssessment(input, traceId, this.clock.now());
    await this.db.transaction().execute(async (tx) => {
      if (assessment.overrides) {
        const overridden = await tx
          .selectFrom('trace_assessments')
          .selectAll()
          .where('trace_id', '=', traceId)
          .where('assessment_id', '=', assessment.overrides)
          .executeTakeFirst();
        if (!overridden) {
          throw invalidParameter(
            'overrides',
            `Assessment with ID '${assessment.overrides}' to override not found for trace '${traceId}'.`,
          );
        }
        await tx
          .updateTable('trace_assessments')
          .set({ body: assessmentToRow({ ...assessmentOfRow(overridden), valid: false }).body })
          .where('assessment_id', '=', overridden.assessment_id)
          .execute();
      }
      await tx.insertInto('trace_assessments').values(assessmentToRow(assessment)).execute();
    });
    return assessment;
  }

  async get(traceId: string, assessmentId: string): Promise<Assessment> {
    const row = await this.db
      .selectFrom('trace_assessments')
      .selectAll()
      .where('trace_id', '=', traceId)
      .where('assessment_id', '=', assessmentId)
      .executeTakeFirst();
    if (!row) throw notFound(`Assessment with ID '${assessmentId}' not found for trace '${traceId}'`);
    return assessmentOfRow(row);
  }

  async update(traceId: string, assessmentId: string, update: AssessmentUpdate): Promise<Assessment> {
    const existing = await this.get(traceId, assessmentId);
    if (update.value && update.value.kind !== existing.value.kind) {
      throw invalidParameter(
        update.value.kind,
        `Cannot update ${update.value.kind} value on ${existing.value.kind === 'feedback' ? 'a Feedback' : 'an Expectation'} assessment.`,
      );
    }
    if (update.name !== undefined) checkKey(update.name, 'assessment_name');
    const updated: Assessment = {
      ...existing,
      name: update.name ?? existing.name,
      value: update.value ?? existing.value,
      rationale: update.rationale ?? existing.rationale,
      metadata:
        existing.metadata || update.metadata ? { ...existing.metadata, ...update.metadata } : undefined,
      lastUpdateTime: this.clock.now(),
    };
    const row = assessmentToRow(updated);
    await this.db
      .updateTable('trace_assessments')
      .set({ name: row.name, last_update_time: row.last_update_time, body: row.body })
      .where('assessment_id', '=', assessmentId)
      .execute();
    return updated;
  }

  async delete(traceId: string, assessmentId: string): Promise<void> {
    const existing = await this.get(traceId, assessmentId);
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('trace_assessments').where('assessment_id', '=', assessmentId).execute();
      if (!existing.overrides) return;
      const overridden = await tx
        .selectFrom('trace_assessments')
        .selectAll()
        .where('assessment_id', '=', existing.overrides)
        .executeTakeFirst();
      if (overridden) {
        await tx
          .updateTable('trace_assessments')
          .set({ body: assessmentToRow({ ...assessmentOfRow(overridden), valid: true }).body })
          .where('assessment_id', '=', overridden.assessment_id)
          .execute();
      }
    });
  }
}

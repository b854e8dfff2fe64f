import type { AssessmentRow } from './tables.js';
import type { Assessment, AssessmentSource, AssessmentValue } from './types.js';

/** What `body` holds: the assessment apart from the columns searched or ordered on. */
interface AssessmentBody {
  spanId?: string;
  source?: AssessmentSource;
  value: AssessmentValue;
  rationale?: string;
  metadata?: Record<string, string>;
  overrides?: string;
  valid: boolean;
  runId?: string;
}

export function assessmentToRow(a: Assessment): AssessmentRow {
  const body: AssessmentBody = {
    ...(a.spanId === undefined ? {} : { spanId: a.spanId }),
    ...(a.source === undefined ? {} : { source: a.source }),
    value: a.value,
    ...(a.rationale === undefined ? {} : { rationale: a.rationale }),
    ...(a.metadata === undefined ? {} : { metadata: a.metadata }),
    ...(a.overrides === undefined ? {} : { overrides: a.overrides }),
    valid: a.valid,
    ...(a.runId === undefined ? {} : { runId: a.runId }),
  };
  return {
    assessment_id: a.assessmentId,
    trace_id: a.traceId,
    name: a.name,
    create_time: a.createTime,
    last_update_time: a.lastUpdateTime,
    body: JSON.stringify(body),
  };
}

export function assessmentOfRow(row: AssessmentRow): Assessment {
  const body = JSON.parse(row.body) as AssessmentBody;
  return {
    assessmentId: row.assessment_id,
    traceId: row.trace_id,
    name: row.name,
    createTime: Number(row.create_time),
    lastUpdateTime: Number(row.last_update_time),
    spanId: body.spanId,
    source: body.source,
    value: body.value,
    rationale: body.rationale,
    metadata: body.metadata,
    overrides: body.overrides,
    valid: body.valid,
    runId: body.runId,
  };
}

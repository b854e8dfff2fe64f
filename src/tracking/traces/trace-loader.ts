import type { Kysely } from 'kysely';
import { assessmentOfRow } from './assessment-rows.js';
import type { TraceRow, TraceTables } from './tables.js';
import { traceStates, type TraceInfo, type TraceState } from './types.js';

/** Trace infos of rows, with their tags, metadata and assessments, in the rows' order. */
export async function loadTraceInfos(db: Kysely<TraceTables>, rows: TraceRow[]): Promise<TraceInfo[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.trace_id);
  const [tags, metadata, assessments] = await Promise.all([
    db.selectFrom('trace_tags').selectAll().where('trace_id', 'in', ids).execute(),
    db.selectFrom('trace_metadata').selectAll().where('trace_id', 'in', ids).execute(),
    db
      .selectFrom('trace_assessments')
      .selectAll()
      .where('trace_id', 'in', ids)
      .orderBy('create_time')
      .orderBy('assessment_id')
      .execute(),
  ]);
  const byTrace = <T extends { trace_id: string }>(items: T[]) => {
    const map = new Map<string, T[]>();
    for (const item of items) map.set(item.trace_id, [...(map.get(item.trace_id) ?? []), item]);
    return map;
  };
  const tagsOf = byTrace(tags);
  const metadataOf = byTrace(metadata);
  const assessmentsOf = byTrace(assessments);
  return rows.map((row) => ({
    traceId: row.trace_id,
    experimentId: row.experiment_id,
    clientRequestId: row.client_request_id ?? undefined,
    requestTime: Number(row.request_time),
    executionDuration: row.execution_duration === null ? undefined : Number(row.execution_duration),
    state: stateOf(row.state),
    requestPreview: row.request_preview ?? undefined,
    responsePreview: row.response_preview ?? undefined,
    tags: Object.fromEntries((tagsOf.get(row.trace_id) ?? []).map((t) => [t.key, t.value])),
    metadata: Object.fromEntries((metadataOf.get(row.trace_id) ?? []).map((t) => [t.key, t.value])),
    assessments: (assessmentsOf.get(row.trace_id) ?? []).map(assessmentOfRow),
  }));
}

function stateOf(value: string): TraceState {
  return (traceStates as readonly string[]).includes(value) ? (value as TraceState) : 'STATE_UNSPECIFIED';
}

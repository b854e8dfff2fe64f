import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import { invalidParameter, isMloopError, notFound } from '../../core/errors.js';
import { proxiedScheme, storePathOf, type ArtifactService } from '../artifacts.js';
import type { ExperimentService } from '../experiments.js';
import { checkKey, checkLength, limits } from '../limits.js';
import type { RunService } from '../runs.js';
import type { Page } from '../types.js';
import { newAssessment, type AssessmentInput } from './assessments.js';
import { assessmentToRow } from './assessment-rows.js';
import { loadTraceInfos } from './trace-loader.js';
import { searchTraces, type SearchTracesInput } from './trace-search.js';
import type { TraceTables } from './tables.js';
import {
  artifactLocationTag,
  sourceRunMetadata,
  traceDataFile,
  traceNameTag,
  type JsonValue,
  type TraceInfo,
} from './types.js';

export type { SearchTracesInput };

export interface StartTraceInput extends Omit<TraceInfo, 'assessments'> {
  assessments: AssessmentInput[];
}

export interface DeleteTracesInput {
  experimentId: string;
  /** Delete traces started before this time (with `maxTraces`, the oldest that many)... */
  maxTimestampMillis?: number | undefined;
  maxTraces?: number | undefined;
  /** ...or these traces. */
  traceIds?: string[] | undefined;
}

/**
 * Tags the server owns: where the spans are (it reads them from there), and MLflow's storage
 * markers, which its server refuses to let a client set. A client that sends them on a new trace
 * does not get them recorded.
 */
const serverTags = new Set([
  artifactLocationTag,
  'mlflow.trace.spansLocation',
  'mlflow.trace.archiveLocation',
  'mlflow.trace.archivalFailure',
]);

/** MLflow's trace ids (`tr-` and 32 hex digits) and other clients' opaque ids, kept path-safe. */
const traceIdPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

/**
 * MLflow 3's traces. A trace is recorded when it ends, with its request metadata, tags and any
 * assessments; its spans are one JSON file the client uploads to the trace's artifact location
 * (the `mlflow.artifactLocation` tag the server answers with), so a trace of any size costs the
 * database one row and a few tags.
 */
export class TraceService {
  constructor(
    private readonly db: Kysely<TraceTables>,
    private readonly experiments: ExperimentService,
    private readonly runs: RunService,
    private readonly artifacts: ArtifactService,
    private readonly clock: Clock,
  ) {}

  /**
   * Records a finished (or in-progress) trace, in an active experiment. Recording the same id
   * again (a client's retry) updates it: tags and metadata are merged, assessments added.
   */
  async start(input: StartTraceInput): Promise<TraceInfo> {
    checkTraceId(input.traceId, 'trace_id');
    const experiment = await this.experiments.requireActive(input.experimentId);
    const tags = Object.entries(input.tags).filter(([key]) => !serverTags.has(key));
    tags.forEach(([key, value], i) => checkKeyValue(key, value, `tags[${i}]`));
    const metadata = Object.entries(input.metadata);
    metadata.forEach(([key, value], i) => checkKeyValue(key, value, `trace_metadata[${i}]`));
    tags.push([artifactLocationTag, `${experiment.artifact_location}/traces/${input.traceId}/artifacts`]);
    const now = this.clock.now();
    const assessments = input.assessments.map((a) => newAssessment({ ...a }, input.traceId, now));
    const row = {
      trace_id: input.traceId,
      experiment_id: experiment.experiment_id,
      client_request_id: input.clientRequestId ?? null,
      request_time: input.requestTime,
      execution_duration: input.executionDuration ?? null,
      state: input.state,
      name: input.tags[traceNameTag] ?? null,
      request_preview: input.requestPreview ?? null,
      response_preview: input.responsePreview ?? null,
    };
    const sourceRun = input.metadata[sourceRunMetadata];
    await this.db.transaction().execute(async (tx) => {
      const existing = await tx
        .selectFrom('traces')
        .select('experiment_id')
        .where('trace_id', '=', input.traceId)
        .executeTakeFirst();
      if (existing && existing.experiment_id !== row.experiment_id) {
        throw invalidParameter(
          'trace_id',
          `Trace with ID '${input.traceId}' already exists in experiment ${existing.experiment_id}.`,
        );
      }
      const { trace_id: _id, ...update } = row;
      await tx
        .insertInto('traces')
        .values(row)
        .onConflict((oc) => oc.column('trace_id').doUpdateSet(update))
        .execute();
      for (const [table, pairs] of [
        ['trace_tags', tags],
        ['trace_metadata', metadata],
      ] as const) {
        for (const [key, value] of pairs) {
          await tx
            .insertInto(table)
            .values({ trace_id: input.traceId, key, value })
            .onConflict((oc) => oc.columns(['trace_id', 'key']).doUpdateSet({ value }))
            .execute();
        }
      }
      if (sourceRun) {
        await tx
          .insertInto('trace_runs')
          .values({ trace_id: input.traceId, run_id: sourceRun })
          .onConflict((oc) => oc.columns(['trace_id', 'run_id']).doNothing())
          .execute();
      }
      for (const a of assessments)
        await tx.insertInto('trace_assessments').values(assessmentToRow(a)).execute();
    });
    return this.get(input.traceId);
  }

  /** One trace's info; RESOURCE_DOES_NOT_EXIST when there is none. */
  async get(traceId: string): Promise<TraceInfo> {
    const row = await this.db
      .selectFrom('traces')
      .selectAll()
      .where('trace_id', '=', traceId)
      .executeTakeFirst();
    if (!row) throw traceNotFound(traceId);
    const [info] = await loadTraceInfos(this.db, [row]);
    return info!;
  }

  /** The infos of those of `traceIds` that exist (in `experimentIds`, when given), in that order. */
  async batchGet(traceIds: string[], experimentIds?: string[]): Promise<TraceInfo[]> {
    if (traceIds.length === 0 || experimentIds?.length === 0) return [];
    let query = this.db.selectFrom('traces').selectAll().where('trace_id', 'in', traceIds);
    if (experimentIds) query = query.where('experiment_id', 'in', experimentIds);
    const rows = await query.execute();
    const order = new Map(traceIds.map((id, i) => [id, i]));
    rows.sort((a, b) => (order.get(a.trace_id) ?? 0) - (order.get(b.trace_id) ?? 0));
    return loadTraceInfos(this.db, rows);
  }

  /** One page of the traces of some experiments, newest first unless ordered otherwise. */
  async search(input: SearchTracesInput): Promise<Page<TraceInfo>> {
    return searchTraces(this.db, input, (rows) => loadTraceInfos(this.db, rows));
  }

  async setTag(traceId: string, key: string, value: string): Promise<void> {
    checkMutableTag(key, 'set');
    checkKeyValue(key, value, 'key');
    await this.requireTrace(traceId);
    await this.db
      .insertInto('trace_tags')
      .values({ trace_id: traceId, key, value })
      .onConflict((oc) => oc.columns(['trace_id', 'key']).doUpdateSet({ value }))
      .execute();
    if (key === traceNameTag) {
      await this.db.updateTable('traces').set({ name: value }).where('trace_id', '=', traceId).execute();
    }
  }

  async deleteTag(traceId: string, key: string): Promise<void> {
    checkMutableTag(key, 'deleted');
    await this.requireTrace(traceId);
    const result = await this.db
      .deleteFrom('trace_tags')
      .where('trace_id', '=', traceId)
      .where('key', '=', key)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) {
      throw notFound(`No trace tag with key '${key}' for trace with ID '${traceId}'`);
    }
    if (key === traceNameTag) {
      await this.db.updateTable('traces').set({ name: null }).where('trace_id', '=', traceId).execute();
    }
  }

  /**
   * Deletes traces of one experiment, by id or by age, with their tags, metadata, assessments and
   * span files; returns how many were deleted.
   */
  async delete(input: DeleteTracesInput): Promise<number> {
    const byIds = input.traceIds !== undefined && input.traceIds.length > 0;
    const byAge = input.maxTimestampMillis !== undefined;
    if (byIds === byAge) {
      throw invalidParameter(
        'max_timestamp_millis',
        'Exactly one of max_timestamp_millis and request_ids must be specified.',
      );
    }
    if (byIds && input.maxTraces !== undefined) {
      throw invalidParameter('max_traces', 'max_traces cannot be specified when request_ids is specified.');
    }
    if (input.maxTraces !== undefined && (!Number.isInteger(input.maxTraces) || input.maxTraces < 1)) {
      throw invalidParameter('max_traces', `max_traces must be a positive integer, got ${input.maxTraces}`);
    }
    let query = this.db
      .selectFrom('traces')
      .select('trace_id')
      .where('experiment_id', '=', input.experimentId);
    if (byIds) query = query.where('trace_id', 'in', input.traceIds!);
    else query = query.where('request_time', '<=', input.maxTimestampMillis!).orderBy('request_time', 'asc');
    if (input.maxTraces !== undefined) query = query.limit(input.maxTraces);
    const ids = (await query.execute()).map((r) => r.trace_id);
    if (ids.length === 0) return 0;
    const locations = await this.db
      .selectFrom('trace_tags')
      .select('value')
      .where('trace_id', 'in', ids)
      .where('key', '=', artifactLocationTag)
      .execute();
    await this.db.transaction().execute(async (tx) => {
      for (const table of ['trace_tags', 'trace_metadata', 'trace_runs', 'trace_assessments'] as const) {
        await tx.deleteFrom(table).where('trace_id', 'in', ids).execute();
      }
      await tx.deleteFrom('traces').where('trace_id', 'in', ids).execute();
    });
    // The span files go after the rows: a failure leaves files no trace names, never a trace
    // whose spans are gone.
    for (const { value } of locations) {
      if (value.startsWith(proxiedScheme)) await this.artifacts.delete(storePathOf(value));
    }
    return ids.length;
  }

  /** Links traces to a run of this server (at most 100 at once), as `search_traces(run_id=…)` finds them. */
  async linkToRun(traceIds: string[], runId: string): Promise<void> {
    if (traceIds.length > 100) {
      throw invalidParameter(
        'trace_ids',
        `Cannot link more than 100 traces to a run at once, got ${traceIds.length}.`,
      );
    }
    await this.runs.get(runId);
    const found = await this.batchGet(traceIds);
    const missing = traceIds.find((id) => !found.some((t) => t.traceId === id));
    if (missing !== undefined) throw traceNotFound(missing);
    for (const traceId of traceIds) {
      await this.db
        .insertInto('trace_runs')
        .values({ trace_id: traceId, run_id: runId })
        .onConflict((oc) => oc.columns(['trace_id', 'run_id']).doNothing())
        .execute();
    }
  }

  /** The runs a trace belongs to: the one it was recorded in, and any it was linked to. */
  async runsOf(traceIds: string[]): Promise<Map<string, string[]>> {
    const map = new Map<string, string[]>();
    if (traceIds.length === 0) return map;
    const rows = await this.db
      .selectFrom('trace_runs')
      .selectAll()
      .where('trace_id', 'in', traceIds)
      .execute();
    for (const r of rows) map.set(r.trace_id, [...(map.get(r.trace_id) ?? []), r.run_id]);
    return map;
  }

  /**
   * The trace's spans as the client uploaded them (MLflow's span JSON: `{"spans": [...]}`), or
   * undefined when they are not (yet) in this server's artifact store.
   */
  async spans(traceId: string): Promise<JsonValue | undefined> {
    const info = await this.get(traceId);
    const location = info.tags[artifactLocationTag];
    if (!location?.startsWith(proxiedScheme)) return undefined;
    const path = `${storePathOf(location)}/${traceDataFile}`;
    let file;
    try {
      file = await this.artifacts.get(path);
    } catch (error) {
      // Not uploaded (yet, or the client failed to); any other failure of the store is an error.
      if (isMloopError(error) && error.code === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw error;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of file.stream) chunks.push(Buffer.from(chunk as Uint8Array));
    return parseSpanFile(Buffer.concat(chunks).toString('utf8'));
  }

  /** Throws RESOURCE_DOES_NOT_EXIST unless the trace exists. */
  async requireTrace(traceId: string): Promise<void> {
    const row = await this.db
      .selectFrom('traces')
      .select('trace_id')
      .where('trace_id', '=', traceId)
      .executeTakeFirst();
    if (!row) throw traceNotFound(traceId);
  }
}

/**
 * The span file as JSON, its nanosecond times kept exact as strings: they pass 2^53, which a
 * JavaScript number cannot hold. (A time inside a string value is escaped, so it is not touched.)
 */
export function parseSpanFile(text: string): JsonValue {
  return JSON.parse(text.replace(/"((?:start_|end_)?time_unix_nano)":\s*(\d+)/g, '"$1": "$2"')) as JsonValue;
}

export function traceNotFound(traceId: string) {
  return notFound(`Trace with ID '${traceId}' not found.`);
}

function checkTraceId(traceId: string, field: string): void {
  if (!traceIdPattern.test(traceId) || traceId.includes('..')) {
    throw invalidParameter(
      field,
      `Invalid trace ID '${traceId}': use letters, digits, '.', '_', ':' and '-'.`,
    );
  }
}

function checkKeyValue(key: string, value: string, field: string): void {
  checkKey(key, `${field}.key`);
  checkLength(value, limits.tagValueLength, `${field}.value`);
}

function checkMutableTag(key: string, operation: 'set' | 'deleted'): void {
  if (serverTags.has(key)) {
    throw invalidParameter('key', `Tag '${key}' is immutable and cannot be ${operation} on a trace.`);
  }
}

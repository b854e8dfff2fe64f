import { sql, type Kysely, type Transaction } from 'kysely';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/events.js';
import { invalidParameter, MloopError, notFound } from '../core/errors.js';
import { newRunId, newId } from '../core/ids.js';
import type { ExperimentService } from './experiments.js';
import {
  checkBatchSizes,
  checkInteger,
  checkKey,
  checkLength,
  checkMaxResults,
  checkMetric,
  checkParam,
  checkTag,
  limits,
} from './limits.js';
import { insertModelInputs, insertModelMetrics } from './logged-model-metrics.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { findRunRow, loadRun, toMetric, toRunInfo } from './run-loader.js';
import { generateRunName } from './run-names.js';
import { searchRuns, type SearchRunsInput } from './run-search.js';
import type { RunRow, TrackingTables } from './tables.js';
import {
  runStatuses,
  type DatasetInput,
  type Metric,
  type Page,
  type Param,
  type Run,
  type RunInfo,
  type RunStatus,
  type Tag,
} from './types.js';

export const parentRunTag = 'mlflow.parentRunId';
export const runNameTag = 'mlflow.runName';
export const datasetContextTag = 'mlflow.data.context';

export interface CreateRunInput {
  experimentId: string;
  userId?: string | undefined;
  runName?: string | undefined;
  startTime?: number | undefined;
  tags?: Tag[] | undefined;
}

export interface UpdateRunInput {
  status?: RunStatus | undefined;
  endTime?: number | undefined;
  runName?: string | undefined;
}

export interface LogBatchInput {
  metrics?: Metric[] | undefined;
  params?: Param[] | undefined;
  tags?: Tag[] | undefined;
}

const terminalStatuses: ReadonlySet<RunStatus> = new Set(['FINISHED', 'FAILED', 'KILLED']);

/** Runs: their lifecycle, and everything logged to them (metrics, params, tags, dataset inputs). */
export class RunService {
  constructor(
    private readonly db: Kysely<TrackingTables>,
    private readonly experiments: ExperimentService,
    private readonly clock: Clock,
    private readonly events: EventBus,
  ) {}

  /** Starts a run in an active experiment. A `mlflow.parentRunId` tag makes it a nested run. */
  async create(input: CreateRunInput): Promise<Run> {
    const experiment = await this.experiments.requireActive(input.experimentId);
    const tags = (input.tags ?? []).map((t, i) => checkTag(t, `tags[${i}]`));
    const nameFromTag = tags.find((t) => t.key === runNameTag)?.value;
    const runName = input.runName || nameFromTag || generateRunName();
    checkLength(runName, limits.tagValueLength, 'run_name');
    // As in MLflow, the parent is recorded as given: it may live on another server.
    const parentRunId = tags.find((t) => t.key === parentRunTag)?.value;
    const startTime =
      input.startTime === undefined ? this.clock.now() : checkInteger(input.startTime, 'start_time');
    const runId = newRunId();
    const row: RunRow = {
      run_id: runId,
      experiment_id: experiment.experiment_id,
      name: runName,
      user_id: input.userId ?? '',
      status: 'RUNNING',
      start_time: startTime,
      end_time: null,
      lifecycle_stage: 'active',
      artifact_uri: `${experiment.artifact_location.replace(/\/$/, '')}/${runId}/artifacts`,
      parent_run_id: parentRunId ?? null,
      deleted_time: null,
    };
    const allTags = [...tags.filter((t) => t.key !== runNameTag), { key: runNameTag, value: runName }];
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('runs').values(row).execute();
      await tx
        .insertInto('tags')
        .values(allTags.map((t) => ({ run_id: runId, key: t.key, value: t.value })))
        .execute();
    });
    return loadRun(this.db, runId);
  }

  async get(runId: string): Promise<Run> {
    return loadRun(this.db, runId);
  }

  async update(runId: string, input: UpdateRunInput): Promise<RunInfo> {
    if (input.status !== undefined && !runStatuses.includes(input.status)) {
      throw invalidParameter(
        'status',
        `status must be one of ${runStatuses.join(', ')}, got "${String(input.status)}"`,
      );
    }
    if (input.endTime !== undefined) checkInteger(input.endTime, 'end_time');
    if (input.runName !== undefined) checkLength(input.runName, limits.tagValueLength, 'run_name');
    const row = await this.db.transaction().execute(async (tx) => {
      await this.requireActiveRun(tx, runId);
      const changes: Partial<RunRow> = {};
      if (input.status !== undefined) changes.status = input.status;
      if (input.endTime !== undefined) changes.end_time = input.endTime;
      else if (input.status !== undefined && terminalStatuses.has(input.status))
        changes.end_time = this.clock.now();
      if (input.runName) {
        changes.name = input.runName;
        await upsertTags(tx, runId, [{ key: runNameTag, value: input.runName }]);
      }
      if (Object.keys(changes).length > 0)
        await tx.updateTable('runs').set(changes).where('run_id', '=', runId).execute();
      return findRunRow(tx, runId);
    });
    const info = toRunInfo(row);
    if (input.status !== undefined && terminalStatuses.has(input.status)) {
      this.events.emit('run.finished', { runId, experimentId: info.experimentId, status: info.status });
    }
    return info;
  }

  async delete(runId: string): Promise<void> {
    await findRunRow(this.db, runId);
    await this.db
      .updateTable('runs')
      .set({ lifecycle_stage: 'deleted', deleted_time: this.clock.now() })
      .where('run_id', '=', runId)
      .execute();
  }

  async restore(runId: string): Promise<void> {
    await findRunRow(this.db, runId);
    await this.db
      .updateTable('runs')
      .set({ lifecycle_stage: 'active', deleted_time: null })
      .where('run_id', '=', runId)
      .execute();
  }

  /**
   * Logs metrics, params and tags atomically: the whole batch is validated first and written in
   * one transaction, so a rejected batch leaves nothing behind. Re-sending an acknowledged batch
   * is harmless (identical metric points and params are not duplicated).
   */
  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    const metrics = batch.metrics ?? [];
    const params = batch.params ?? [];
    const tags = batch.tags ?? [];
    checkBatchSizes(metrics.length, params.length, tags.length);
    metrics.forEach((m, i) => checkMetric(m, `metrics[${i}]`));
    params.forEach((p, i) => checkParam(p, `params[${i}]`));
    tags.forEach((t, i) => checkTag(t, `tags[${i}]`));
    const seen = new Map<string, string>();
    for (const p of params) {
      const prior = seen.get(p.key);
      if (prior !== undefined && prior !== p.value) {
        throw invalidParameter(
          'params',
          `Duplicate parameter keys have been submitted: ['${p.key}']. Send one value per param key.`,
        );
      }
      seen.set(p.key, p.value);
    }
    await this.db.transaction().execute(async (tx) => {
      await this.requireActiveRun(tx, runId);
      if (params.length > 0)
        await insertParams(
          tx,
          runId,
          [...seen].map(([key, value]) => ({ key, value })),
        );
      if (metrics.length > 0) {
        await insertMetrics(tx, runId, metrics);
        await insertModelMetrics(tx, runId, metrics);
      }
      if (tags.length > 0) await upsertTags(tx, runId, tags);
    });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    checkKey(key, 'key');
    await this.db.transaction().execute(async (tx) => {
      await this.requireActiveRun(tx, runId);
      const result = await tx
        .deleteFrom('tags')
        .where('run_id', '=', runId)
        .where('key', '=', key)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0)
        throw notFound(`No tag with name: ${key} in run with id ${runId}`);
    });
  }

  /** Every logged point of one metric, ordered by step then timestamp. */
  async metricHistory(
    runId: string,
    key: string,
    options: { maxResults?: number; pageToken?: string } = {},
  ): Promise<Page<Metric>> {
    checkKey(key, 'metric_key');
    await findRunRow(this.db, runId);
    const maxResults = checkMaxResults(options.maxResults, 25000);
    const offset = decodePageToken(options.pageToken);
    const rows = await this.db
      .selectFrom('metrics')
      .selectAll()
      .where('run_id', '=', runId)
      .where('key', '=', key)
      .orderBy('step')
      .orderBy('timestamp')
      .orderBy('value')
      .limit(maxResults + 1)
      .offset(offset)
      .execute();
    return {
      items: rows.slice(0, maxResults).map(toMetric),
      nextPageToken: rows.length > maxResults ? encodePageToken(offset + maxResults) : undefined,
    };
  }

  /**
   * Records the datasets a run read (the same dataset, name + digest, is stored once per
   * experiment) and the logged models it read, by id.
   */
  async logInputs(runId: string, inputs: DatasetInput[], modelIds: string[] = []): Promise<void> {
    inputs.forEach((input, i) => checkDatasetInput(input, `datasets[${i}]`));
    modelIds.forEach((id, i) => checkKey(id, `models[${i}].model_id`));
    await this.db.transaction().execute(async (tx) => {
      const run = await this.requireActiveRun(tx, runId);
      await insertModelInputs(tx, runId, modelIds);
      for (const input of inputs) {
        const d = input.dataset;
        const context = input.tags.find((t) => t.key === datasetContextTag)?.value ?? null;
        await tx
          .insertInto('datasets')
          .values({
            dataset_id: newId('ds'),
            experiment_id: run.experiment_id,
            name: d.name,
            digest: d.digest,
            source_type: d.sourceType,
            source: d.source,
            schema: d.schema ?? null,
            profile: d.profile ?? null,
          })
          .onConflict((oc) => oc.columns(['experiment_id', 'name', 'digest']).doNothing())
          .execute();
        const stored = await tx
          .selectFrom('datasets')
          .select('dataset_id')
          .where('experiment_id', '=', run.experiment_id)
          .where('name', '=', d.name)
          .where('digest', '=', d.digest)
          .executeTakeFirstOrThrow();
        await tx
          .insertInto('run_inputs')
          .values({ run_id: runId, dataset_id: stored.dataset_id, tags: JSON.stringify(input.tags), context })
          .onConflict((oc) =>
            oc.columns(['run_id', 'dataset_id']).doUpdateSet({ tags: JSON.stringify(input.tags), context }),
          )
          .execute();
      }
    });
  }

  async search(input: SearchRunsInput): Promise<Page<Run>> {
    return searchRuns(this.db, input);
  }

  private async requireActiveRun(tx: Kysely<TrackingTables>, runId: string): Promise<RunRow> {
    const row = await findRunRow(tx, runId);
    if (row.lifecycle_stage !== 'active') {
      throw new MloopError(
        'INVALID_PARAMETER_VALUE',
        `The run ${runId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`,
      );
    }
    return row;
  }
}

async function insertParams(tx: Transaction<TrackingTables>, runId: string, params: Param[]): Promise<void> {
  const existing = await tx
    .selectFrom('params')
    .select(['key', 'value'])
    .where('run_id', '=', runId)
    .where(
      'key',
      'in',
      params.map((p) => p.key),
    )
    .execute();
  const current = new Map(existing.map((p) => [p.key, p.value]));
  for (const p of params) {
    const old = current.get(p.key);
    if (old !== undefined && old !== p.value) {
      throw invalidParameter(
        'params',
        `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${old}' for run ID='${runId}'. Attempted logging new value '${p.value}'.`,
      );
    }
  }
  const fresh = params.filter((p) => !current.has(p.key));
  if (fresh.length > 0)
    await tx
      .insertInto('params')
      .values(fresh.map((p) => ({ run_id: runId, key: p.key, value: p.value })))
      .execute();
}

async function upsertTags(tx: Transaction<TrackingTables>, runId: string, tags: Tag[]): Promise<void> {
  const last = new Map(tags.map((t) => [t.key, t.value]));
  await tx
    .insertInto('tags')
    .values([...last].map(([key, value]) => ({ run_id: runId, key, value })))
    .onConflict((oc) =>
      oc.columns(['run_id', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })),
    )
    .execute();
  const runName = last.get(runNameTag);
  if (runName !== undefined)
    await tx.updateTable('runs').set({ name: runName }).where('run_id', '=', runId).execute();
  const parent = last.get(parentRunTag);
  if (parent !== undefined)
    await tx.updateTable('runs').set({ parent_run_id: parent }).where('run_id', '=', runId).execute();
}

type MetricPoint = {
  run_id: string;
  key: string;
  value: number;
  timestamp: number;
  step: number;
  is_nan: number;
};

async function insertMetrics(
  tx: Transaction<TrackingTables>,
  runId: string,
  metrics: Metric[],
): Promise<void> {
  // NaN cannot be stored in a SQL double portably: store 0 with a flag, as MLflow does.
  const points: MetricPoint[] = metrics.map((m) => ({
    run_id: runId,
    key: m.key,
    value: Number.isNaN(m.value) ? 0 : m.value,
    timestamp: m.timestamp,
    step: m.step,
    is_nan: Number.isNaN(m.value) ? 1 : 0,
  }));
  await tx
    .insertInto('metrics')
    .values(points)
    .onConflict((oc) => oc.doNothing())
    .execute();
  const latest = new Map<string, MetricPoint>();
  for (const p of points) {
    const prior = latest.get(p.key);
    if (!prior || isNewer(p, prior)) latest.set(p.key, p);
  }
  await tx
    .insertInto('latest_metrics')
    .values([...latest.values()])
    .onConflict((oc) =>
      oc
        .columns(['run_id', 'key'])
        .doUpdateSet((eb) => ({
          value: eb.ref('excluded.value'),
          timestamp: eb.ref('excluded.timestamp'),
          step: eb.ref('excluded.step'),
          is_nan: eb.ref('excluded.is_nan'),
        }))
        .where(
          sql<boolean>`excluded.step > latest_metrics.step
            or (excluded.step = latest_metrics.step and excluded.timestamp > latest_metrics.timestamp)
            or (excluded.step = latest_metrics.step and excluded.timestamp = latest_metrics.timestamp and excluded.value > latest_metrics.value)`,
        ),
    )
    .execute();
}

/** MLflow's notion of the latest value: highest step, then newest timestamp, then largest value. */
function isNewer(a: MetricPoint, b: MetricPoint): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return a.value > b.value;
}

function checkDatasetInput(input: DatasetInput, field: string): void {
  const d = input.dataset;
  if (!d || typeof d.name !== 'string' || d.name === '')
    throw invalidParameter(`${field}.dataset.name`, `${field}.dataset.name is required`);
  if (typeof d.digest !== 'string' || d.digest === '')
    throw invalidParameter(`${field}.dataset.digest`, `${field}.dataset.digest is required`);
  checkLength(d.name, limits.datasetNameLength, `${field}.dataset.name`);
  checkLength(d.digest, limits.datasetDigestLength, `${field}.dataset.digest`);
  if (typeof d.sourceType !== 'string' || d.sourceType === '')
    throw invalidParameter(`${field}.dataset.source_type`, `${field}.dataset.source_type is required`);
  if (typeof d.source !== 'string')
    throw invalidParameter(`${field}.dataset.source`, `${field}.dataset.source is required`);
  checkLength(d.source, limits.datasetSourceLength, `${field}.dataset.source`);
  if (d.schema !== undefined) checkLength(d.schema, limits.datasetSchemaLength, `${field}.dataset.schema`);
  input.tags.forEach((t, i) => {
    checkLength(t.key, limits.inputTagKeyLength, `${field}.tags[${i}].key`);
    checkLength(t.value, limits.inputTagValueLength, `${field}.tags[${i}].value`);
  });
}

import type { Kysely } from 'kysely';
import { notFound } from '../core/errors.js';
import type { RunRow, TrackingTables } from './tables.js';
import type { DatasetInput, Metric, Run, RunInfo, RunStatus } from './types.js';

/** Reads whole runs (info, latest metrics, params, tags, inputs) with one query per table. */
export async function loadRuns(db: Kysely<TrackingTables>, rows: RunRow[]): Promise<Run[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.run_id);
  const [metrics, params, tags, inputs, modelInputs] = await Promise.all([
    db.selectFrom('latest_metrics').selectAll().where('run_id', 'in', ids).execute(),
    db.selectFrom('params').selectAll().where('run_id', 'in', ids).execute(),
    db.selectFrom('tags').selectAll().where('run_id', 'in', ids).execute(),
    db
      .selectFrom('run_inputs')
      .innerJoin('datasets', 'datasets.dataset_id', 'run_inputs.dataset_id')
      .select([
        'run_inputs.run_id',
        'run_inputs.tags',
        'datasets.name',
        'datasets.digest',
        'datasets.source_type',
        'datasets.source',
        'datasets.schema',
        'datasets.profile',
      ])
      .where('run_inputs.run_id', 'in', ids)
      .execute(),
    db.selectFrom('run_model_inputs').selectAll().where('run_id', 'in', ids).orderBy('model_id').execute(),
  ]);
  const byRun = new Map<string, Run>();
  for (const row of rows) {
    byRun.set(row.run_id, {
      info: toRunInfo(row),
      data: { metrics: [], params: [], tags: [] },
      inputs: { datasetInputs: [], modelInputs: [] },
    });
  }
  for (const m of metrics) byRun.get(m.run_id)?.data.metrics.push(toMetric(m));
  for (const p of params) byRun.get(p.run_id)?.data.params.push({ key: p.key, value: p.value });
  for (const t of tags) byRun.get(t.run_id)?.data.tags.push({ key: t.key, value: t.value });
  for (const i of inputs) {
    const input: DatasetInput = {
      dataset: {
        name: i.name,
        digest: i.digest,
        sourceType: i.source_type,
        source: i.source,
        schema: i.schema ?? undefined,
        profile: i.profile ?? undefined,
      },
      tags: JSON.parse(i.tags) as DatasetInput['tags'],
    };
    byRun.get(i.run_id)?.inputs.datasetInputs.push(input);
  }
  for (const m of modelInputs) byRun.get(m.run_id)?.inputs.modelInputs.push(m.model_id);
  return rows.map((r) => byRun.get(r.run_id) as Run);
}

export async function loadRun(db: Kysely<TrackingTables>, runId: string): Promise<Run> {
  const row = await findRunRow(db, runId);
  const [run] = await loadRuns(db, [row]);
  return run as Run;
}

export async function findRunRow(db: Kysely<TrackingTables>, runId: string): Promise<RunRow> {
  const row = await db.selectFrom('runs').selectAll().where('run_id', '=', runId).executeTakeFirst();
  if (!row) throw notFound(`Run with id=${runId} not found`);
  return row;
}

export function toRunInfo(row: RunRow): RunInfo {
  return {
    runId: row.run_id,
    runName: row.name,
    experimentId: row.experiment_id,
    userId: row.user_id,
    status: row.status as RunStatus,
    startTime: Number(row.start_time),
    endTime: row.end_time === null ? undefined : Number(row.end_time),
    artifactUri: row.artifact_uri,
    lifecycleStage: row.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
    parentRunId: row.parent_run_id ?? undefined,
  };
}

export function toMetric(row: {
  key: string;
  value: number;
  timestamp: number;
  step: number;
  is_nan: number;
}): Metric {
  return {
    key: row.key,
    value: row.is_nan ? Number.NaN : Number(row.value),
    timestamp: Number(row.timestamp),
    step: Number(row.step),
  };
}

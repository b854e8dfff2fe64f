import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import { notFound } from '../core/errors.js';
import type { PipelineRow, PipelineRunRow, PipelineTables, StepRunRow } from './tables.js';
import type {
  Params,
  PipelineRun,
  PipelineSource,
  RunStatus,
  StepRun,
  StepStatus,
  StoredOutput,
  Trigger,
} from './types.js';

/** A registered pipeline as stored: its definition as JSON (step functions as their source text). */
export interface StoredPipeline {
  name: string;
  definition: unknown;
  source: PipelineSource;
  createdTime: number;
  updatedTime: number;
}

/** Persistence of pipelines, pipeline runs and step runs; no logic beyond reading and writing rows. */
export class PipelineStore {
  constructor(
    private readonly db: Kysely<PipelineTables>,
    private readonly clock: Clock,
  ) {}

  async savePipeline(name: string, definition: unknown, source: PipelineSource): Promise<StoredPipeline> {
    const now = this.clock.now();
    const row: PipelineRow = {
      name,
      definition: JSON.stringify(definition),
      source_kind: source.kind,
      source_path: source.path,
      source_text: source.kind === 'yaml' ? source.text : null,
      created_time: now,
      updated_time: now,
    };
    await this.db
      .insertInto('pipelines')
      .values(row)
      .onConflict((oc) =>
        oc.column('name').doUpdateSet({
          definition: row.definition,
          source_kind: row.source_kind,
          source_path: row.source_path,
          source_text: row.source_text,
          updated_time: now,
        }),
      )
      .execute();
    return this.getPipeline(name);
  }

  async getPipeline(name: string): Promise<StoredPipeline> {
    const row = await this.db.selectFrom('pipelines').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw notFound(`Pipeline '${name}' does not exist`);
    return toPipeline(row);
  }

  async listPipelines(): Promise<StoredPipeline[]> {
    const rows = await this.db.selectFrom('pipelines').selectAll().orderBy('name').execute();
    return rows.map(toPipeline);
  }

  async insertRun(row: PipelineRunRow): Promise<void> {
    await this.db.insertInto('pipeline_runs').values(row).execute();
  }

  async updateRun(id: string, changes: Partial<PipelineRunRow>): Promise<void> {
    await this.db.updateTable('pipeline_runs').set(changes).where('id', '=', id).execute();
  }

  async runRow(id: string): Promise<PipelineRunRow> {
    const row = await this.db.selectFrom('pipeline_runs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`Pipeline run '${id}' does not exist`);
    return row;
  }

  /**
   * A run with its steps in `stepOrder` (the definition's DAG order); steps it does not name
   * (a definition changed since the run) follow in the order they started.
   */
  async getRun(id: string, stepOrder: readonly string[] = []): Promise<PipelineRun> {
    const row = await this.runRow(id);
    const steps = await this.db
      .selectFrom('step_runs')
      .selectAll()
      .where('pipeline_run_id', '=', id)
      .orderBy('start_time')
      .execute();
    const position = (step: string) => {
      const at = stepOrder.indexOf(step);
      return at === -1 ? stepOrder.length : at;
    };
    // Array.prototype.sort is stable: unnamed steps keep their start-time order.
    const ordered = steps.sort((a, b) => position(a.step) - position(b.step)).map(toStepRun);
    return toRun(row, ordered, await this.secretParamsOf(row.pipeline));
  }

  /** The params its registered definition declares secret: a run shows their values as `***`. */
  private async secretParamsOf(pipeline: string): Promise<string[]> {
    const row = await this.db
      .selectFrom('pipelines')
      .select('definition')
      .where('name', '=', pipeline)
      .executeTakeFirst();
    return row ? ((JSON.parse(row.definition) as { secretParams?: string[] }).secretParams ?? []) : [];
  }

  async listRuns(pipeline: string | undefined, limit: number): Promise<PipelineRun[]> {
    let query = this.db
      .selectFrom('pipeline_runs')
      .selectAll()
      .orderBy('start_time', 'desc')
      .orderBy('id')
      .limit(limit);
    if (pipeline !== undefined) query = query.where('pipeline', '=', pipeline);
    const rows = await query.execute();
    const secrets = new Map<string, string[]>();
    for (const name of new Set(rows.map((r) => r.pipeline)))
      secrets.set(name, await this.secretParamsOf(name));
    return rows.map((row) => toRun(row, [], secrets.get(row.pipeline) ?? []));
  }

  async upsertStepRun(row: StepRunRow): Promise<void> {
    const { id: _id, pipeline_run_id: _run, step: _step, ...changes } = row;
    await this.db
      .insertInto('step_runs')
      .values(row)
      .onConflict((oc) => oc.columns(['pipeline_run_id', 'step']).doUpdateSet(changes))
      .execute();
  }

  async stepRunRows(pipelineRunId: string): Promise<StepRunRow[]> {
    return this.db.selectFrom('step_runs').selectAll().where('pipeline_run_id', '=', pipelineRunId).execute();
  }

  /** The newest successful run of a step with this cache key, whose outputs can be reused. */
  async cachedStepRun(pipeline: string, step: string, cacheKey: string): Promise<StepRun | undefined> {
    const row = await this.db
      .selectFrom('step_runs')
      .selectAll()
      .where('pipeline', '=', pipeline)
      .where('step', '=', step)
      .where('cache_key', '=', cacheKey)
      .where('status', '=', 'SUCCEEDED')
      .orderBy('end_time', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toStepRun(row) : undefined;
  }
}

function toPipeline(row: PipelineRow): StoredPipeline {
  const source: PipelineSource =
    row.source_kind === 'yaml'
      ? { kind: 'yaml', path: row.source_path, text: row.source_text ?? '' }
      : { kind: 'module', path: row.source_path };
  return {
    name: row.name,
    definition: JSON.parse(row.definition) as unknown,
    source,
    createdTime: row.created_time,
    updatedTime: row.updated_time,
  };
}

function toRun(row: PipelineRunRow, steps: StepRun[], secretParams: string[]): PipelineRun {
  const params = JSON.parse(row.params) as Params;
  for (const name of secretParams) if (name in params) params[name] = '***';
  return {
    id: row.id,
    pipeline: row.pipeline,
    status: row.status as RunStatus,
    trigger: JSON.parse(row.trigger) as Trigger,
    params,
    trackingRunId: row.tracking_run_id ?? undefined,
    error: row.error ?? undefined,
    startTime: row.start_time,
    endTime: row.end_time ?? undefined,
    steps,
  };
}

export function toStepRun(row: StepRunRow): StepRun {
  return {
    id: row.id,
    pipelineRunId: row.pipeline_run_id,
    step: row.step,
    status: row.status as StepStatus,
    attempt: row.attempt,
    cacheKey: row.cache_key ?? undefined,
    cacheHit: row.cache_hit === 1,
    outputs: JSON.parse(row.outputs) as Record<string, StoredOutput>,
    error: row.error ?? undefined,
    logPath: row.log_path ?? undefined,
    trackingRunId: row.tracking_run_id ?? undefined,
    startTime: row.start_time ?? undefined,
    endTime: row.end_time ?? undefined,
  };
}

import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import { invalidParameter, MloopError, notFound } from '../core/errors.js';
import { newRunId } from '../core/ids.js';
import type { ExperimentService } from './experiments.js';
import { checkKey, checkLength, checkParam, checkTag, limits } from './limits.js';
import { loadModelMetrics } from './logged-model-metrics.js';
import { searchLoggedModels, type SearchLoggedModelsInput } from './logged-model-search.js';
import { generateRunName } from './run-names.js';
import type { LoggedModelRow, LoggedModelTables } from './tables.js';

export type { SearchLoggedModelsInput };
import {
  loggedModelStatuses,
  type LoggedModel,
  type LoggedModelStatus,
  type ModelOutput,
  type Page,
  type Param,
  type Tag,
} from './types.js';

export interface CreateLoggedModelInput {
  experimentId: string;
  /** A generated name when omitted. */
  name?: string | undefined;
  modelType?: string | undefined;
  /** Recorded as given, as MLflow does: the run may live on another server. */
  sourceRunId?: string | undefined;
  params?: Param[] | undefined;
  tags?: Tag[] | undefined;
}

/**
 * MLflow 3's logged models: `log_model` creates one (PENDING), uploads its files under its own
 * artifact location, links it to the run as an output, and finalizes it (READY or FAILED).
 */
export class LoggedModelService {
  constructor(
    private readonly db: Kysely<LoggedModelTables>,
    private readonly experiments: ExperimentService,
    private readonly clock: Clock,
  ) {}

  /** Creates a PENDING logged model in an active experiment. */
  async create(input: CreateLoggedModelInput): Promise<LoggedModel> {
    const experiment = await this.experiments.requireActive(input.experimentId);
    const name = input.name || generateRunName();
    checkLength(name, limits.tagValueLength, 'name');
    const params = (input.params ?? []).map((p, i) => checkParam(p, `params[${i}]`));
    const tags = (input.tags ?? []).map((t, i) => checkTag(t, `tags[${i}]`));
    const modelId = `m-${newRunId()}`;
    const now = this.clock.now();
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('logged_models')
        .values({
          model_id: modelId,
          experiment_id: experiment.experiment_id,
          name,
          artifact_location: `${experiment.artifact_location.replace(/\/$/, '')}/models/${modelId}/artifacts`,
          status: 'PENDING',
          status_message: null,
          model_type: input.modelType || null,
          source_run_id: input.sourceRunId || null,
          creation_time: now,
          last_updated_time: now,
          lifecycle_stage: 'active',
        })
        .execute();
      await insertKeyValues(tx, 'logged_model_params', modelId, params);
      await insertKeyValues(tx, 'logged_model_tags', modelId, tags);
    });
    return this.get(modelId);
  }

  /** The logged model with this id; a deleted one only with `allowDeleted`. */
  async get(modelId: string, options: { allowDeleted?: boolean } = {}): Promise<LoggedModel> {
    const row = await this.findRow(modelId, options.allowDeleted ?? false);
    const [model] = await this.load([row]);
    return model as LoggedModel;
  }

  /** Sets the final status after the files are uploaded: READY, or FAILED when the upload failed. */
  async finalize(modelId: string, status: LoggedModelStatus, message?: string): Promise<LoggedModel> {
    if (!loggedModelStatuses.includes(status) || status === 'PENDING') {
      throw invalidParameter('status', `status must be READY or FAILED, got "${String(status)}"`);
    }
    await this.findRow(modelId, false);
    await this.db
      .updateTable('logged_models')
      .set({ status, status_message: message ?? null, last_updated_time: this.clock.now() })
      .where('model_id', '=', modelId)
      .execute();
    return this.get(modelId);
  }

  /** Soft delete: the model disappears from get and search; its files stay. */
  async delete(modelId: string): Promise<void> {
    await this.findRow(modelId, false);
    await this.db
      .updateTable('logged_models')
      .set({ lifecycle_stage: 'deleted', last_updated_time: this.clock.now() })
      .where('model_id', '=', modelId)
      .execute();
  }

  /** Sets (or overwrites) tags. */
  async setTags(modelId: string, tags: Tag[]): Promise<void> {
    const checked = tags.map((t, i) => checkTag(t, `tags[${i}]`));
    await this.findRow(modelId, false);
    await this.db.transaction().execute(async (tx) => {
      for (const tag of checked) {
        await tx
          .insertInto('logged_model_tags')
          .values({ model_id: modelId, key: tag.key, value: tag.value })
          .onConflict((oc) => oc.columns(['model_id', 'key']).doUpdateSet({ value: tag.value }))
          .execute();
      }
      await tx
        .updateTable('logged_models')
        .set({ last_updated_time: this.clock.now() })
        .where('model_id', '=', modelId)
        .execute();
    });
  }

  async deleteTag(modelId: string, key: string): Promise<void> {
    checkKey(key, 'tag_key');
    await this.findRow(modelId, false);
    const result = await this.db
      .deleteFrom('logged_model_tags')
      .where('model_id', '=', modelId)
      .where('key', '=', key)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0)
      throw notFound(`No tag with key '${key}' on logged model ${modelId}`);
  }

  /** Logs params; a param logged again must keep its value, as for runs. */
  async logParams(modelId: string, params: Param[]): Promise<void> {
    const checked = params.map((p, i) => checkParam(p, `params[${i}]`));
    await this.findRow(modelId, false);
    await this.db.transaction().execute(async (tx) => {
      for (const param of checked) {
        const old = await tx
          .selectFrom('logged_model_params')
          .select('value')
          .where('model_id', '=', modelId)
          .where('key', '=', param.key)
          .executeTakeFirst();
        if (old && old.value !== param.value) {
          throw invalidParameter(
            'params',
            `Changing param values is not allowed. Param '${param.key}' of logged model ${modelId} is '${old.value}'.`,
          );
        }
        if (!old) await insertKeyValues(tx, 'logged_model_params', modelId, [param]);
      }
    });
  }

  /** One page of the active logged models of some experiments, newest first by default. */
  async search(input: SearchLoggedModelsInput): Promise<Page<LoggedModel>> {
    return searchLoggedModels(this.db, input, (rows) => this.load(rows));
  }

  /** Records logged models as outputs of a run (idempotent; a later step wins). */
  async logOutputs(runId: string, outputs: ModelOutput[]): Promise<void> {
    const run = await this.findRun(runId);
    if (run.lifecycle_stage !== 'active') {
      throw new MloopError(
        'INVALID_PARAMETER_VALUE',
        `The run ${runId} must be in the 'active' state. Current state is ${run.lifecycle_stage}.`,
      );
    }
    for (const output of outputs) await this.findRow(output.modelId, false);
    await this.db.transaction().execute(async (tx) => {
      for (const output of outputs) {
        await tx
          .insertInto('run_outputs')
          .values({ run_id: runId, model_id: output.modelId, step: output.step })
          .onConflict((oc) => oc.columns(['run_id', 'model_id']).doUpdateSet({ step: output.step }))
          .execute();
      }
    });
  }

  /** The logged models each run produced, by run id. */
  async outputsOf(runIds: string[]): Promise<Map<string, ModelOutput[]>> {
    const byRun = new Map<string, ModelOutput[]>();
    if (runIds.length === 0) return byRun;
    const rows = await this.db.selectFrom('run_outputs').selectAll().where('run_id', 'in', runIds).execute();
    for (const row of rows) {
      const list = byRun.get(row.run_id) ?? [];
      list.push({ modelId: row.model_id, step: Number(row.step) });
      byRun.set(row.run_id, list);
    }
    return byRun;
  }

  private async findRun(runId: string): Promise<{ lifecycle_stage: string }> {
    const run = await this.db
      .selectFrom('runs')
      .select('lifecycle_stage')
      .where('run_id', '=', runId)
      .executeTakeFirst();
    if (!run) throw notFound(`Run with id=${runId} not found`);
    return run;
  }

  private async findRow(modelId: string, allowDeleted: boolean): Promise<LoggedModelRow> {
    const row = await this.db
      .selectFrom('logged_models')
      .selectAll()
      .where('model_id', '=', modelId)
      .executeTakeFirst();
    if (!row || (!allowDeleted && row.lifecycle_stage !== 'active')) {
      throw notFound(`Logged model with ID '${modelId}' not found.`);
    }
    return row;
  }

  private async load(rows: LoggedModelRow[]): Promise<LoggedModel[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.model_id);
    const [tags, params, metrics] = await Promise.all([
      this.db.selectFrom('logged_model_tags').selectAll().where('model_id', 'in', ids).execute(),
      this.db.selectFrom('logged_model_params').selectAll().where('model_id', 'in', ids).execute(),
      loadModelMetrics(this.db, ids),
    ]);
    return rows.map((r) => ({
      modelId: r.model_id,
      experimentId: r.experiment_id,
      name: r.name,
      artifactLocation: r.artifact_location,
      status: r.status as LoggedModelStatus,
      statusMessage: r.status_message ?? undefined,
      modelType: r.model_type ?? undefined,
      sourceRunId: r.source_run_id ?? undefined,
      creationTime: Number(r.creation_time),
      lastUpdatedTime: Number(r.last_updated_time),
      lifecycleStage: r.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
      tags: tags.filter((t) => t.model_id === r.model_id).map((t) => ({ key: t.key, value: t.value })),
      params: params.filter((p) => p.model_id === r.model_id).map((p) => ({ key: p.key, value: p.value })),
      metrics: metrics.get(r.model_id) ?? [],
    }));
  }
}

async function insertKeyValues(
  tx: Kysely<LoggedModelTables>,
  table: 'logged_model_params' | 'logged_model_tags',
  modelId: string,
  items: Array<{ key: string; value: string }>,
): Promise<void> {
  const last = new Map(items.map((i) => [i.key, i.value]));
  if (last.size === 0) return;
  await tx
    .insertInto(table)
    .values([...last].map(([key, value]) => ({ model_id: modelId, key, value })))
    .execute();
}

import { resolve } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import { alreadyExists, invalidParameter, MloopError, notFound } from '../core/errors.js';
import { newNumericId } from '../core/ids.js';
import { compareColumn, keyedCondition, parseEntityFilter, type FilterSpec } from './entity-filter.js';
import { checkKey, checkLength, checkMaxResults, limits } from './limits.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import type { ExperimentRow, TrackingTables } from './tables.js';
import type { Experiment, Page, Tag, ViewType } from './types.js';

export interface CreateExperimentInput {
  name: string;
  artifactLocation?: string | undefined;
  tags?: Tag[] | undefined;
}

export interface SearchExperimentsInput {
  viewType?: ViewType | undefined;
  /** Supports `name = '…'`, `name LIKE '…'` and `tags.KEY = '…'`, joined by AND. */
  filter?: string | undefined;
  orderBy?: string[] | undefined;
  maxResults?: number | undefined;
  pageToken?: string | undefined;
}

/** Experiments: named groups of runs, with tags and a soft-delete lifecycle. */
export class ExperimentService {
  constructor(
    private readonly db: Kysely<TrackingTables>,
    private readonly clock: Clock,
  ) {}

  /** Creates an experiment; its name must be unused, even by a deleted experiment. */
  async create(input: CreateExperimentInput): Promise<string> {
    const name = checkName(input.name);
    const tags = (input.tags ?? []).map((t, i) => checkExperimentTag(t, `tags[${i}]`));
    const now = this.clock.now();
    const id = newNumericId(now);
    return this.db.transaction().execute(async (tx) => {
      const existing = await tx
        .selectFrom('experiments')
        .select('experiment_id')
        .where('name', '=', name)
        .executeTakeFirst();
      if (existing) throw alreadyExists(`Experiment '${name}' already exists.`);
      await tx
        .insertInto('experiments')
        .values({
          experiment_id: id,
          name,
          artifact_location: input.artifactLocation
            ? absoluteLocation(input.artifactLocation)
            : `mlflow-artifacts:/${id}`,
          lifecycle_stage: 'active',
          creation_time: now,
          last_update_time: now,
          deleted_time: null,
        })
        .execute();
      if (tags.length > 0) {
        await tx
          .insertInto('experiment_tags')
          .values(tags.map((t) => ({ experiment_id: id, key: t.key, value: t.value })))
          .execute();
      }
      return id;
    });
  }

  async get(experimentId: string): Promise<Experiment> {
    const row = await this.db
      .selectFrom('experiments')
      .selectAll()
      .where('experiment_id', '=', experimentId)
      .executeTakeFirst();
    if (!row) throw notFound(`No Experiment with id=${experimentId} exists`);
    return this.toExperiment(row);
  }

  async getByName(name: string): Promise<Experiment> {
    const row = await this.db
      .selectFrom('experiments')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row) throw notFound(`Could not find experiment with name '${name}'`);
    return this.toExperiment(row);
  }

  async search(input: SearchExperimentsInput = {}): Promise<Page<Experiment>> {
    const maxResults = checkMaxResults(input.maxResults, 1000);
    const offset = decodePageToken(input.pageToken);
    let query = this.db.selectFrom('experiments').selectAll();
    const view = input.viewType ?? 'ACTIVE_ONLY';
    if (view !== 'ALL')
      query = query.where('lifecycle_stage', '=', view === 'ACTIVE_ONLY' ? 'active' : 'deleted');
    for (const c of parseEntityFilter(input.filter, filterSpec)) {
      query =
        c.kind === 'attribute'
          ? query.where(compareColumn(sql.ref(`experiments.${c.name}`), c.comparator, c.value))
          : query.where(
              keyedCondition(
                'experiment_tags',
                sql`kv.experiment_id = experiments.experiment_id`,
                c.key,
                c.comparator,
                c.value,
                false,
              ),
            );
    }
    for (const order of input.orderBy ?? []) {
      const [field, direction] = order.trim().split(/\s+/);
      const column = experimentOrderColumns[(field ?? '').replace(/^attributes?\./, '')];
      if (!column)
        throw invalidParameter(
          'order_by',
          `cannot order experiments by "${order}": use name, experiment_id, creation_time or last_update_time`,
        );
      const dir = (direction ?? 'ASC').toUpperCase();
      if (dir !== 'ASC' && dir !== 'DESC')
        throw invalidParameter('order_by', `invalid order direction in "${order}"`);
      query = query.orderBy(column, dir === 'ASC' ? 'asc' : 'desc');
    }
    if (!input.orderBy?.length) query = query.orderBy('creation_time', 'desc');
    const rows = await query
      .orderBy('experiment_id', 'asc')
      .limit(maxResults + 1)
      .offset(offset)
      .execute();
    const page = rows.slice(0, maxResults);
    return {
      items: await this.withTags(page),
      nextPageToken: rows.length > maxResults ? encodePageToken(offset + maxResults) : undefined,
    };
  }

  /** Active runs of each experiment, for listings (an experiment without runs counts 0). */
  async runCounts(experimentIds: string[]): Promise<Map<string, number>> {
    const counts = new Map(experimentIds.map((id) => [id, 0]));
    if (experimentIds.length === 0) return counts;
    const rows = await this.db
      .selectFrom('runs')
      .select(['experiment_id', (eb) => eb.fn.countAll().as('runs')])
      .where('experiment_id', 'in', experimentIds)
      .where('lifecycle_stage', '=', 'active')
      .groupBy('experiment_id')
      .execute();
    for (const row of rows) counts.set(row.experiment_id, Number(row.runs));
    return counts;
  }

  async rename(experimentId: string, newName: string): Promise<void> {
    const name = checkName(newName, 'new_name');
    await this.db.transaction().execute(async (tx) => {
      const row = await tx
        .selectFrom('experiments')
        .select(['lifecycle_stage'])
        .where('experiment_id', '=', experimentId)
        .executeTakeFirst();
      if (!row) throw notFound(`No Experiment with id=${experimentId} exists`);
      if (row.lifecycle_stage !== 'active') {
        throw new MloopError(
          'INVALID_PARAMETER_VALUE',
          `Cannot rename a non-active experiment ${experimentId}.`,
        );
      }
      const clash = await tx
        .selectFrom('experiments')
        .select('experiment_id')
        .where('name', '=', name)
        .executeTakeFirst();
      if (clash && clash.experiment_id !== experimentId)
        throw alreadyExists(`Experiment '${name}' already exists.`);
      await tx
        .updateTable('experiments')
        .set({ name, last_update_time: this.clock.now() })
        .where('experiment_id', '=', experimentId)
        .execute();
    });
  }

  /** Soft delete: the experiment and its runs move to the `deleted` stage and can be restored. */
  async delete(experimentId: string): Promise<void> {
    if (experimentId === '0')
      throw invalidParameter('experiment_id', 'The default experiment cannot be deleted.');
    await this.setStage(experimentId, 'deleted');
  }

  async restore(experimentId: string): Promise<void> {
    await this.setStage(experimentId, 'active');
  }

  async setTag(experimentId: string, tag: Tag): Promise<void> {
    const checked = checkExperimentTag(tag, 'tag');
    await this.requireActive(experimentId);
    await this.db
      .insertInto('experiment_tags')
      .values({ experiment_id: experimentId, key: checked.key, value: checked.value })
      .onConflict((oc) => oc.columns(['experiment_id', 'key']).doUpdateSet({ value: checked.value }))
      .execute();
  }

  async deleteTag(experimentId: string, key: string): Promise<void> {
    await this.requireActive(experimentId);
    const result = await this.db
      .deleteFrom('experiment_tags')
      .where('experiment_id', '=', experimentId)
      .where('key', '=', key)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0)
      throw notFound(`No tag with name: ${key} in experiment ${experimentId}.`);
  }

  /** Fails unless the experiment exists and is active; returns its row. */
  async requireActive(experimentId: string): Promise<ExperimentRow> {
    const row = await this.db
      .selectFrom('experiments')
      .selectAll()
      .where('experiment_id', '=', experimentId)
      .executeTakeFirst();
    if (!row) throw notFound(`No Experiment with id=${experimentId} exists`);
    if (row.lifecycle_stage !== 'active') {
      throw new MloopError(
        'INVALID_PARAMETER_VALUE',
        `The experiment ${experimentId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`,
      );
    }
    return row;
  }

  private async setStage(experimentId: string, stage: 'active' | 'deleted'): Promise<void> {
    const now = this.clock.now();
    await this.db.transaction().execute(async (tx) => {
      const row = await tx
        .selectFrom('experiments')
        .select('lifecycle_stage')
        .where('experiment_id', '=', experimentId)
        .executeTakeFirst();
      if (!row) throw notFound(`No Experiment with id=${experimentId} exists`);
      await tx
        .updateTable('experiments')
        .set({
          lifecycle_stage: stage,
          last_update_time: now,
          deleted_time: stage === 'deleted' ? now : null,
        })
        .where('experiment_id', '=', experimentId)
        .execute();
      await tx
        .updateTable('runs')
        .set({ lifecycle_stage: stage, deleted_time: stage === 'deleted' ? now : null })
        .where('experiment_id', '=', experimentId)
        .execute();
    });
  }

  private async toExperiment(row: ExperimentRow): Promise<Experiment> {
    const [experiment] = await this.withTags([row]);
    return experiment as Experiment;
  }

  private async withTags(rows: ExperimentRow[]): Promise<Experiment[]> {
    if (rows.length === 0) return [];
    const tags = await this.db
      .selectFrom('experiment_tags')
      .selectAll()
      .where(
        'experiment_id',
        'in',
        rows.map((r) => r.experiment_id),
      )
      .execute();
    return rows.map((r) => ({
      experimentId: r.experiment_id,
      name: r.name,
      artifactLocation: r.artifact_location,
      lifecycleStage: r.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
      creationTime: Number(r.creation_time),
      lastUpdateTime: Number(r.last_update_time),
      tags: tags
        .filter((t) => t.experiment_id === r.experiment_id)
        .map((t) => ({ key: t.key, value: t.value })),
    }));
  }
}

const experimentOrderColumns: Record<
  string,
  'name' | 'experiment_id' | 'creation_time' | 'last_update_time'
> = {
  name: 'name',
  experiment_id: 'experiment_id',
  creation_time: 'creation_time',
  last_update_time: 'last_update_time',
};

function checkName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || name.trim() === '')
    throw invalidParameter(field, `${field} must be a non-empty string`);
  return checkLength(name, limits.experimentNameLength, field);
}

function checkExperimentTag(tag: Tag, field: string): Tag {
  checkKey(tag.key, `${field}.key`);
  if (typeof tag.value !== 'string')
    throw invalidParameter(`${field}.value`, `${field}.value must be a string`);
  checkLength(tag.value, limits.experimentTagValueLength, `${field}.value`);
  return tag;
}

/**
 * A location given as a relative local path is made absolute against the server's working
 * directory, as MLflow's server records it; a URI (`s3://…`, `mlflow-artifacts:…`) stays as given.
 */
function absoluteLocation(location: string): string {
  return /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(location) ? location : resolve(location);
}

/** What MLflow lets a filter compare for experiments: name, times, and tags. */
const filterSpec: FilterSpec = {
  entity: 'experiments',
  attributes: new Map([
    ['name', { name: 'name', numeric: false }],
    ['creation_time', { name: 'creation_time', numeric: true }],
    ['last_update_time', { name: 'last_update_time', numeric: true }],
  ]),
  keyed: ['tag'],
};

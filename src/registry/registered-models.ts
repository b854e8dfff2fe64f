import { sql, type Kysely } from 'kysely';
import { noAuditTrail, type AuditTrail } from '../core/audit-trail.js';
import type { Clock } from '../core/clock.js';
import { alreadyExists, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import {
  compareColumn,
  keyedCondition,
  parseEntityFilter,
  parseEntityOrderBy,
  type FilterSpec,
} from '../tracking/entity-filter.js';
import { checkKey, checkMaxResults } from '../tracking/limits.js';
import { decodePageToken, encodePageToken } from '../tracking/page-token.js';
import type { Page, Tag } from '../tracking/types.js';
import { joinArtifactPath } from '../store/artifacts/artifact-path.js';
import type { ArtifactStore } from '../store/artifacts/artifact-store.js';
import { registryRoot } from '../store/artifacts/registry-owned.js';
import type { AliasService } from './aliases.js';
import { lockModel, removeAliases } from './promotions.js';
import { findModelRow, loadModels } from './registry-loader.js';
import type { RegistryTables } from './tables.js';
import type { Attribution, RegisteredModel } from './types.js';
import { checkDescription, checkModelName, checkRegistryTag } from './validation.js';

export interface CreateRegisteredModelInput {
  name: string;
  description?: string | undefined;
  tags?: Tag[] | undefined;
  userId?: string | undefined;
}

export interface SearchRegisteredModelsInput {
  /** `name = '…'`, `name LIKE '…'` (ILIKE too) and `tags.KEY = '…'`, joined by AND. */
  filter?: string | undefined;
  /** e.g. `['name ASC']`, `['last_updated_timestamp DESC']`. */
  orderBy?: string[] | undefined;
  maxResults?: number | undefined;
  pageToken?: string | undefined;
}

const filterSpec: FilterSpec = {
  entity: 'registered models',
  attributes: new Map([['name', { name: 'name', numeric: false }]]),
  keyed: ['tag'],
};

const orderColumns = new Map([
  ['name', 'name'],
  ['creation_timestamp', 'creation_time'],
  ['timestamp', 'last_updated_time'],
  ['last_updated_timestamp', 'last_updated_time'],
]);

/** Registered models: a name, a description and tags over a sequence of versions. */
export class RegisteredModelService {
  constructor(
    private readonly db: Kysely<RegistryTables>,
    private readonly clock: Clock,
    private readonly store: ArtifactStore,
    private readonly aliases: AliasService,
    private readonly audit: AuditTrail = noAuditTrail,
  ) {}

  /** Creates a registered model with no versions; its name must be unused. */
  async create(input: CreateRegisteredModelInput): Promise<RegisteredModel> {
    const name = checkModelName(input.name);
    const description = checkDescription(input.description);
    const tags = (input.tags ?? []).map((t, i) => checkRegistryTag(t, `tags[${i}]`));
    const now = this.clock.now();
    const id = newId('rm');
    await this.db.transaction().execute(async (tx) => {
      const existing = await tx
        .selectFrom('registered_models')
        .select('registered_model_id')
        .where('name', '=', name)
        .executeTakeFirst();
      if (existing) throw alreadyExists(`Registered Model (name=${name}) already exists.`);
      await tx
        .insertInto('registered_models')
        .values({
          registered_model_id: id,
          name,
          description,
          user_id: input.userId ?? null,
          creation_time: now,
          last_updated_time: now,
          last_version: 0,
        })
        .execute();
      const last = new Map(tags.map((t) => [t.key, t.value]));
      if (last.size > 0)
        await tx
          .insertInto('registered_model_tags')
          .values([...last].map(([key, value]) => ({ registered_model_id: id, key, value })))
          .execute();
    });
    await this.audit.record({ kind: 'model', action: 'model.create', objectKind: 'model', objectId: name });
    return this.get(name);
  }

  /** The registered model with this exact name. */
  async get(name: string): Promise<RegisteredModel> {
    checkModelName(name);
    const [model] = await loadModels(this.db, [await findModelRow(this.db, name)]);
    return model as RegisteredModel;
  }

  /** One page of registered models, by name unless ordered otherwise. */
  async search(input: SearchRegisteredModelsInput = {}): Promise<Page<RegisteredModel>> {
    const maxResults = checkMaxResults(input.maxResults, 100);
    const offset = decodePageToken(input.pageToken);
    let query = this.db.selectFrom('registered_models').selectAll();
    for (const c of parseEntityFilter(input.filter, filterSpec)) {
      query =
        c.kind === 'attribute'
          ? query.where(compareColumn(sql.ref(`registered_models.${c.name}`), c.comparator, c.value))
          : query.where(
              keyedCondition(
                'registered_model_tags',
                sql`kv.registered_model_id = registered_models.registered_model_id`,
                c.key,
                c.comparator,
                c.value,
              ),
            );
    }
    for (const text of input.orderBy ?? []) {
      const o = parseEntityOrderBy(text, orderColumns);
      query = query.orderBy(sql.ref(`registered_models.${o.column}`), o.ascending ? 'asc' : 'desc');
    }
    const rows = await query
      .orderBy('name', 'asc')
      .limit(maxResults + 1)
      .offset(offset)
      .execute();
    return {
      items: await loadModels(this.db, rows.slice(0, maxResults)),
      nextPageToken: rows.length > maxResults ? encodePageToken(offset + maxResults) : undefined,
    };
  }

  /** Renames a model; its versions, aliases and history follow it. */
  async rename(name: string, newName: string): Promise<RegisteredModel> {
    checkModelName(name);
    const target = checkModelName(newName, 'new_name');
    await this.db.transaction().execute(async (tx) => {
      const model = await lockModel(tx, name, this.clock.now());
      const clash = await tx
        .selectFrom('registered_models')
        .select('registered_model_id')
        .where('name', '=', target)
        .executeTakeFirst();
      if (clash && clash.registered_model_id !== model.registered_model_id)
        throw alreadyExists(`Registered Model (name=${target}) already exists.`);
      await tx
        .updateTable('registered_models')
        .set({ name: target })
        .where('registered_model_id', '=', model.registered_model_id)
        .execute();
    });
    await this.audit.record({
      kind: 'model',
      action: 'model.rename',
      objectKind: 'model',
      objectId: target,
      before: { name },
      after: { name: target },
    });
    return this.get(target);
  }

  /** Sets the description; an empty one clears it. */
  async updateDescription(name: string, description: string | undefined): Promise<RegisteredModel> {
    checkModelName(name);
    const checked = checkDescription(description);
    await this.db.transaction().execute(async (tx) => {
      const model = await lockModel(tx, name, this.clock.now());
      await tx
        .updateTable('registered_models')
        .set({ description: checked })
        .where('registered_model_id', '=', model.registered_model_id)
        .execute();
    });
    await this.audit.record({ kind: 'model', action: 'model.describe', objectKind: 'model', objectId: name });
    return this.get(name);
  }

  async setTag(name: string, tag: Tag): Promise<void> {
    checkModelName(name);
    const { key, value } = checkRegistryTag(tag);
    await this.db.transaction().execute(async (tx) => {
      const model = await lockModel(tx, name, this.clock.now());
      await tx
        .insertInto('registered_model_tags')
        .values({ registered_model_id: model.registered_model_id, key, value })
        .onConflict((oc) => oc.columns(['registered_model_id', 'key']).doUpdateSet({ value }))
        .execute();
    });
    await this.audit.record({
      kind: 'model',
      action: 'model.tag',
      objectKind: 'model',
      objectId: name,
      after: { [key]: value },
    });
  }

  /** Removes a tag; removing one that is not there is not an error (as in MLflow). */
  async deleteTag(name: string, key: string): Promise<void> {
    checkModelName(name);
    checkKey(key, 'key');
    const model = await findModelRow(this.db, name);
    await this.db
      .deleteFrom('registered_model_tags')
      .where('registered_model_id', '=', model.registered_model_id)
      .where('key', '=', key)
      .execute();
    await this.audit.record({
      kind: 'model',
      action: 'model.untag',
      objectKind: 'model',
      objectId: name,
      before: { tag: key },
    });
  }

  /**
   * Deletes a model with all its versions, tags and aliases. The alias removals are recorded, and
   * the promotion history stays, found by the model's name.
   */
  async delete(name: string, by: Attribution = {}): Promise<void> {
    checkModelName(name);
    const { changes, id } = await this.db.transaction().execute(async (tx) => {
      const model = await lockModel(tx, name, this.clock.now());
      const id = model.registered_model_id;
      const aliases = await tx
        .selectFrom('model_aliases')
        .selectAll()
        .where('registered_model_id', '=', id)
        .execute();
      const removed = await removeAliases(tx, this.clock, model, aliases, {
        ...by,
        reason: by.reason ?? `model ${name} deleted`,
      });
      await tx.deleteFrom('model_version_tags').where('registered_model_id', '=', id).execute();
      await tx.deleteFrom('model_versions').where('registered_model_id', '=', id).execute();
      await tx.deleteFrom('registered_model_tags').where('registered_model_id', '=', id).execute();
      await tx.deleteFrom('registered_models').where('registered_model_id', '=', id).execute();
      return { changes: removed.map((r) => r.change), id };
    });
    this.aliases.announce(changes);
    // The registry's copies of every version's files go with the model.
    await this.store.delete(joinArtifactPath(registryRoot, id));
    await this.audit.record({
      kind: 'model',
      action: 'model.delete',
      objectKind: 'model',
      objectId: name,
      before: { aliases: Object.fromEntries(changes.map((c) => [c.alias, c.fromVersion])) },
      ...(by.reason ? { after: { reason: by.reason } } : {}),
    });
  }

  /** Fails unless a model with this name exists. */
  async requireExists(name: string): Promise<void> {
    const row = await this.db
      .selectFrom('registered_models')
      .select('registered_model_id')
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row) throw notFound(`Registered Model with name=${name} not found`);
  }
}

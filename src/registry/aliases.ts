import type { Kysely } from 'kysely';
import { noAuditTrail, type AuditTrail } from '../core/audit-trail.js';
import type { Clock } from '../core/clock.js';
import { invalidParameter, MloopError, notFound } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import { forcedReason, type GateService } from './gates/gate-service.js';
import { lockModel, recordPromotion, removeAliases, type AliasChange } from './promotions.js';
import { findModelRow, findVersionRow, loadVersions, toPromotion } from './registry-loader.js';
import type { RegisteredModelRow, RegistryTables } from './tables.js';
import type { Attribution, ModelVersion, Promotion } from './types.js';
import { checkAlias, checkModelName, checkVersion } from './validation.js';

/** MLflow's legacy stages, in their canonical spelling. */
export const stages = ['None', 'Staging', 'Production', 'Archived'] as const;

/**
 * Aliases (`champion`, `production`, any name) and their history. Every move happens in one
 * transaction with its promotion record, so the history and the alias never disagree; the
 * `registry.alias-moved` event is emitted after the commit (serving hot-swaps on it).
 */
export class AliasService {
  constructor(
    private readonly db: Kysely<RegistryTables>,
    private readonly clock: Clock,
    private readonly events: EventBus,
    /** Guards protected aliases (`production`, `champion`) with the versions' gate reports. */
    private readonly gates?: GateService,
    private readonly audit: AuditTrail = noAuditTrail,
  ) {}

  /**
   * Why `alias` could not move to `version` now (a protected alias and a version without a passing
   * gate), or undefined when it could: for callers that plan a move, such as a rollout's start.
   */
  async promotionBlock(name: string, alias: string, version: number): Promise<string | undefined> {
    checkModelName(name);
    checkAlias(alias);
    const model = await findModelRow(this.db, name);
    return this.gates?.blockReason(this.db, model, alias, version);
  }

  /**
   * Points an alias at a version, moving it if it pointed elsewhere. Returns the promotion
   * record, or undefined when the alias already pointed there (nothing moved).
   */
  async set(
    name: string,
    alias: string,
    version: number,
    by: Attribution = {},
  ): Promise<Promotion | undefined> {
    checkModelName(name);
    checkAlias(alias);
    checkVersion(version);
    const { promotion, change } = await this.db.transaction().execute(async (tx) => {
      const model = await lockModel(tx, name, this.clock.now());
      await findVersionRow(tx, model, version);
      const current = await tx
        .selectFrom('model_aliases')
        .select('version')
        .where('registered_model_id', '=', model.registered_model_id)
        .where('alias', '=', alias)
        .executeTakeFirst();
      const fromVersion = current === undefined ? undefined : Number(current.version);
      if (fromVersion === version) return { promotion: undefined, change: undefined };
      let attribution = by;
      const blocked = await this.gates?.blockReason(tx, model, alias, version);
      if (blocked !== undefined) {
        if (!by.force) {
          throw new MloopError(
            'INVALID_STATE',
            `cannot move ${model.name}@${alias} to version ${version}: ${blocked}. To promote anyway, force it with a reason (--force --reason "…")`,
            'version',
          );
        }
        attribution = { ...by, reason: forcedReason(by.reason, blocked) };
      }
      await tx
        .insertInto('model_aliases')
        .values({ registered_model_id: model.registered_model_id, alias, version })
        .onConflict((oc) => oc.columns(['registered_model_id', 'alias']).doUpdateSet({ version }))
        .execute();
      const promotion = await recordPromotion(
        tx,
        this.clock,
        model,
        'alias',
        alias,
        fromVersion,
        version,
        attribution,
      );
      const change: AliasChange = { kind: 'moved', name: model.name, alias, fromVersion, toVersion: version };
      return { promotion, change };
    });
    if (change) {
      this.announce([change]);
      await this.audit.record({
        kind: 'alias',
        action: 'alias.set',
        objectKind: 'model',
        objectId: name,
        before: { alias, version: change.fromVersion ?? null },
        after: { alias, version, ...(promotion?.reason ? { reason: promotion.reason } : {}) },
      });
    }
    return promotion;
  }

  /** Removes an alias (recorded as a move to no version); undefined when there was no such alias. */
  async delete(name: string, alias: string, by: Attribution = {}): Promise<Promotion | undefined> {
    checkModelName(name);
    checkAlias(alias);
    const result = await this.db.transaction().execute(async (tx) => {
      const model = await lockModel(tx, name, this.clock.now());
      const current = await tx
        .selectFrom('model_aliases')
        .selectAll()
        .where('registered_model_id', '=', model.registered_model_id)
        .where('alias', '=', alias)
        .executeTakeFirst();
      if (!current) return undefined;
      const [removed] = await removeAliases(tx, this.clock, model, [current], by);
      return removed;
    });
    if (!result) return undefined;
    this.announce([result.change]);
    await this.audit.record({
      kind: 'alias',
      action: 'alias.delete',
      objectKind: 'model',
      objectId: name,
      before: { alias, version: result.change.fromVersion },
    });
    return result.promotion;
  }

  /** The version an alias points at; `latest` is the newest version. */
  async getVersion(name: string, alias: string): Promise<ModelVersion> {
    checkModelName(name);
    const model = await this.db
      .selectFrom('registered_models')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    if (!model) throw notFound(`Registered Model with name=${name} not found`);
    let version: number | undefined;
    if (alias.toLowerCase() === 'latest') {
      version = model.last_version > 0 ? await newestVersion(this.db, model) : undefined;
      if (version === undefined) throw notFound(`Latest version not found for model ${name}.`);
    } else {
      checkAlias(alias);
      const row = await this.db
        .selectFrom('model_aliases')
        .select('version')
        .where('registered_model_id', '=', model.registered_model_id)
        .where('alias', '=', alias)
        .executeTakeFirst();
      if (!row) throw await this.aliasNotFound(model, alias);
      version = Number(row.version);
    }
    const [loaded] = await loadVersions(this.db, [await findVersionRow(this.db, model, version)]);
    return loaded as ModelVersion;
  }

  /** Says which aliases the model has instead, so the caller need not look them up. */
  private async aliasNotFound(model: RegisteredModelRow, alias: string): Promise<MloopError> {
    const rows = await this.db
      .selectFrom('model_aliases')
      .select('alias')
      .where('registered_model_id', '=', model.registered_model_id)
      .orderBy('alias')
      .execute();
    const message =
      rows.length === 0
        ? `Alias '${alias}' not found: model '${model.name}' has no aliases`
        : `Alias '${alias}' not found on model '${model.name}'; its aliases are: ${rows.map((r) => r.alias).join(', ')}`;
    return new MloopError('RESOURCE_DOES_NOT_EXIST', message, 'alias');
  }

  /**
   * Every alias move and stage transition of a model, newest first. The history outlives the
   * versions it names, and the model itself: after a delete it is found by the name it had.
   */
  async history(name: string, options: { alias?: string | undefined } = {}): Promise<Promotion[]> {
    checkModelName(name);
    const model = await this.db
      .selectFrom('registered_models')
      .select('registered_model_id')
      .where('name', '=', name)
      .executeTakeFirst();
    let query = this.db.selectFrom('promotions').selectAll();
    query = model
      ? query.where('registered_model_id', '=', model.registered_model_id)
      : query.where('model_name', '=', name);
    if (options.alias !== undefined) query = query.where('alias', '=', options.alias);
    const rows = await query.orderBy('created_time', 'desc').orderBy('seq', 'desc').execute();
    if (rows.length === 0 && !model) throw notFound(`Registered Model with name=${name} not found`);
    return rows.map(toPromotion);
  }

  /**
   * MLflow's legacy stage transition, recorded in the history like an alias move. With
   * `archiveExisting`, the versions already in Staging/Production move to Archived.
   */
  async transitionStage(
    name: string,
    version: number,
    stage: string,
    archiveExisting: boolean,
    by: Attribution = {},
  ): Promise<ModelVersion> {
    checkModelName(name);
    checkVersion(version);
    const canonical = stages.find((s) => s.toLowerCase() === stage.toLowerCase());
    if (!canonical)
      throw invalidParameter(
        'stage',
        `Invalid Model Version stage: ${stage}. Value must be one of ${stages.join(', ')}.`,
      );
    if (archiveExisting && canonical !== 'Staging' && canonical !== 'Production') {
      throw invalidParameter(
        'archive_existing_versions',
        `cannot archive existing versions when moving to '${canonical}'`,
      );
    }
    const row = await this.db.transaction().execute(async (tx) => {
      const now = this.clock.now();
      const model = await lockModel(tx, name, now);
      const target = await findVersionRow(tx, model, version);
      const id = model.registered_model_id;
      if (archiveExisting) {
        const others = await tx
          .selectFrom('model_versions')
          .select('version')
          .where('registered_model_id', '=', id)
          .where('stage', '=', canonical)
          .where('version', '!=', version)
          .execute();
        for (const other of others) {
          await tx
            .updateTable('model_versions')
            .set({ stage: 'Archived', last_updated_time: now })
            .where('registered_model_id', '=', id)
            .where('version', '=', other.version)
            .execute();
          await recordPromotion(
            tx,
            this.clock,
            model,
            'stage',
            'Archived',
            undefined,
            Number(other.version),
            by,
          );
        }
      }
      await tx
        .updateTable('model_versions')
        .set({ stage: canonical, last_updated_time: now })
        .where('registered_model_id', '=', id)
        .where('version', '=', version)
        .execute();
      if (target.stage !== canonical)
        await recordPromotion(tx, this.clock, model, 'stage', canonical, undefined, version, by);
      return findVersionRow(tx, model, version);
    });
    await this.audit.record({
      kind: 'alias',
      action: 'alias.stage',
      objectKind: 'model',
      objectId: name,
      after: { version, stage: canonical, archiveExisting },
    });
    const [loaded] = await loadVersions(this.db, [row]);
    return loaded as ModelVersion;
  }

  /** Emits the events of committed alias changes. */
  announce(changes: AliasChange[]): void {
    for (const c of changes) {
      if (c.kind === 'moved') {
        this.events.emit('registry.alias-moved', {
          name: c.name,
          alias: c.alias,
          ...(c.fromVersion === undefined ? {} : { fromVersion: c.fromVersion }),
          toVersion: c.toVersion,
        });
      } else {
        this.events.emit('registry.alias-removed', {
          name: c.name,
          alias: c.alias,
          fromVersion: c.fromVersion,
        });
      }
    }
  }
}

async function newestVersion(
  db: Kysely<RegistryTables>,
  model: RegisteredModelRow,
): Promise<number | undefined> {
  const row = await db
    .selectFrom('model_versions')
    .select((eb) => eb.fn.max('version').as('latest'))
    .where('registered_model_id', '=', model.registered_model_id)
    .executeTakeFirst();
  return row?.latest === undefined || row.latest === null ? undefined : Number(row.latest);
}

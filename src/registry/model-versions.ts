import type { Kysely } from 'kysely';
import { noAuditTrail, type AuditTrail } from '../core/audit-trail.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/events.js';
import { invalidParameter, isMloopError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { joinArtifactPath } from '../store/artifacts/artifact-path.js';
import type { ArtifactStore } from '../store/artifacts/artifact-store.js';
import { isRegistryOwned, registryRoot } from '../store/artifacts/registry-owned.js';
import { checkKey } from '../tracking/limits.js';
import type { LoggedModelService } from '../tracking/logged-models.js';
import type { RunService } from '../tracking/runs.js';
import type { Page, Run, Tag } from '../tracking/types.js';
import type { AliasService } from './aliases.js';
import { lockModel, removeAliases } from './promotions.js';
import { buildLineage } from './lineage.js';
import { describePackage, readModelPackage, readRequirements } from './model-package.js';
import type { Lineage, ModelPackage } from './model-metadata.js';
import type { OnnxConverter } from './conversion/onnx-converter.js';
import {
  conversionFailureMessage,
  convertVersionFiles,
  type StoredConversion,
} from './conversion/version-conversion.js';
import { checkVersionFiles, copyModelFiles, holdsFiles, type ModelFile } from './model-files.js';
import type { ModelSources, ResolvedSource, SourceRequest } from './model-source.js';
import { findModelRow, findVersionRow, loadVersions } from './registry-loader.js';
import type { RegistryTables } from './tables.js';
import type { Attribution, ModelVersion } from './types.js';
import { checkDescription, checkModelName, checkRegistryTag, checkVersion } from './validation.js';
import { searchVersions, type SearchModelVersionsInput } from './version-search.js';

export type { SearchModelVersionsInput };

export interface CreateModelVersionInput extends SourceRequest {
  name: string;
  description?: string | undefined;
  tags?: Tag[] | undefined;
  runLink?: string | undefined;
  userId?: string | undefined;
}

/**
 * Model versions: numbered snapshots of a model's files with their lineage. A version is READY once
 * its files were found; when they are not a servable ONNX package its status message says why.
 */
export class ModelVersionService {
  constructor(
    private readonly db: Kysely<RegistryTables>,
    private readonly clock: Clock,
    private readonly events: EventBus,
    private readonly store: ArtifactStore,
    private readonly sources: ModelSources,
    private readonly runs: RunService,
    private readonly loggedModels: LoggedModelService,
    private readonly aliases: AliasService,
    private readonly audit: AuditTrail = noAuditTrail,
    /** Converts MLflow scikit-learn, XGBoost and LightGBM models to ONNX on registration. */
    private readonly converter?: OnnxConverter,
  ) {}

  /** Registers the files a source names as the model's next version. */
  async create(input: CreateModelVersionInput): Promise<ModelVersion> {
    const name = checkModelName(input.name);
    const description = checkDescription(input.description);
    const tags = (input.tags ?? []).map((t, i) => checkRegistryTag(t, `tags[${i}]`));
    const owner = await findModelRow(this.db, name);
    const resolved = await this.sources.resolve(input);
    // The version keeps its own copy, read-only to the artifact API, and what is checked and
    // recorded is that copy: a later write to the run's files changes nothing a version serves.
    const storagePath = joinArtifactPath(registryRoot, owner.registered_model_id, newId('files'));
    let version: number;
    try {
      const files = resolved.storagePath
        ? await copyModelFiles(this.store, resolved.storagePath, storagePath)
        : [];
      // The conversion runs inside the request, bounded in time (see OnnxConverter), rather than
      // in the background behind PENDING_REGISTRATION: the version row is written once, with
      // every file it will ever hold, so no load can see files the record does not list, and a
      // server dying mid-conversion leaves no version to recover (the client's request failed).
      const converted =
        resolved.storagePath && this.converter
          ? await convertVersionFiles(this.converter, this.store, storagePath)
          : undefined;
      version = await this.insert(
        { ...input, name, tags },
        description,
        resolved,
        storagePath,
        [...files, ...(converted?.added ?? [])].sort((a, b) => a.path.localeCompare(b.path)),
        converted,
      );
    } catch (error) {
      await this.store.delete(storagePath);
      throw error;
    }
    if (resolved.loggedModelId) await this.noteRegistration(resolved.loggedModelId, name, version);
    const registered = await this.get(name, version);
    await this.audit.record({
      kind: 'model',
      action: 'model.register',
      objectKind: 'model',
      objectId: name,
      after: {
        version,
        source: registered.source,
        ...(registered.runId ? { runId: registered.runId } : {}),
      },
    });
    return registered;
  }

  /** Checks the copied files as a package and records them as the model's next version. */
  private async insert(
    input: CreateModelVersionInput & { tags: Tag[] },
    description: string | null,
    resolved: ResolvedSource,
    storagePath: string,
    files: ModelFile[],
    converted?: StoredConversion,
  ): Promise<number> {
    const { name, tags } = input;
    const inspected = resolved.noFiles
      ? { pkg: undefined, problem: `registered, but mloop holds no files to serve: ${resolved.noFiles}` }
      : await this.inspect(storagePath);
    const { pkg } = inspected;
    const problem =
      converted && !pkg
        ? conversionFailureMessage(converted.flavors, converted.conversion)
        : inspected.problem;
    const run = resolved.runId ? await this.findRun(resolved.runId) : undefined;
    const packages = pkg ? undefined : await readRequirements(this.store, storagePath);
    const lineage: Lineage = {
      ...buildLineage(run, pkg?.metadata.lineage ?? { datasets: [], ...(packages ? { packages } : {}) }),
      ...(converted ? { conversion: converted.conversion } : {}),
    };
    const now = this.clock.now();
    return this.db.transaction().execute(async (tx) => {
      // Bumping the counter locks the model row: concurrent registrations get 1, 2, 3… in turn.
      const model = await lockModel(tx, name, now);
      const counted = await tx
        .updateTable('registered_models')
        .set((eb) => ({ last_version: eb('last_version', '+', 1) }))
        .where('registered_model_id', '=', model.registered_model_id)
        .returning('last_version')
        .executeTakeFirstOrThrow();
      const number = Number(counted.last_version);
      await tx
        .insertInto('model_versions')
        .values({
          registered_model_id: model.registered_model_id,
          version: number,
          creation_time: now,
          last_updated_time: now,
          description,
          user_id: input.userId ?? null,
          source: resolved.source,
          run_id: resolved.runId ?? null,
          run_link: input.runLink || null,
          logged_model_id: resolved.loggedModelId ?? null,
          storage_path: storagePath,
          files: JSON.stringify(files),
          status: 'READY',
          status_message: problem ?? null,
          stage: 'None',
          format: pkg?.metadata.format ?? null,
          metadata: pkg ? JSON.stringify(describePackage(pkg)) : null,
          lineage: JSON.stringify(lineage),
        })
        .execute();
      const last = new Map(tags.map((t) => [t.key, t.value]));
      if (last.size > 0)
        await tx
          .insertInto('model_version_tags')
          .values(
            [...last].map(([key, value]) => ({
              registered_model_id: model.registered_model_id,
              version: number,
              key,
              value,
            })),
          )
          .execute();
      return number;
    });
  }

  async get(name: string, version: number): Promise<ModelVersion> {
    checkModelName(name);
    const model = await findModelRow(this.db, name);
    const [loaded] = await loadVersions(this.db, [
      await findVersionRow(this.db, model, checkVersion(version)),
    ]);
    return loaded as ModelVersion;
  }

  /**
   * The version's model package, once its files are checked to be the registered ones: what
   * serving, evaluation gates and batch scoring load, so none of them runs files changed since.
   */
  async readPackage(name: string, version: number): Promise<ModelPackage> {
    const found = await this.get(name, version);
    if (!holdsFiles(found))
      throw invalidParameter(
        'version',
        `${name} version ${version} cannot be loaded: ${found.statusMessage ?? ''}`,
      );
    await checkVersionFiles(this.store, this.events, found);
    return readModelPackage(this.store, found.storagePath);
  }

  /** One page of versions across models, by name then newest version first unless ordered otherwise. */
  async search(input: SearchModelVersionsInput = {}): Promise<Page<ModelVersion>> {
    return searchVersions(this.db, input);
  }

  /** One page of a model's versions, newest first. */
  async list(
    name: string,
    options: { maxResults?: number; pageToken?: string } = {},
  ): Promise<Page<ModelVersion>> {
    checkModelName(name);
    await findModelRow(this.db, name);
    return this.search({
      filter: `name = '${name.replaceAll("'", "''")}'`,
      orderBy: ['version_number DESC'],
      maxResults: options.maxResults,
      pageToken: options.pageToken,
    });
  }

  async updateDescription(
    name: string,
    version: number,
    description: string | undefined,
  ): Promise<ModelVersion> {
    checkModelName(name);
    const checked = checkDescription(description);
    await this.db.transaction().execute(async (tx) => {
      const now = this.clock.now();
      const model = await lockModel(tx, name, now);
      await findVersionRow(tx, model, checkVersion(version));
      await tx
        .updateTable('model_versions')
        .set({ description: checked, last_updated_time: now })
        .where('registered_model_id', '=', model.registered_model_id)
        .where('version', '=', version)
        .execute();
    });
    return this.get(name, version);
  }

  async setTag(name: string, version: number, tag: Tag): Promise<void> {
    checkModelName(name);
    const { key, value } = checkRegistryTag(tag);
    await this.db.transaction().execute(async (tx) => {
      const model = await lockModel(tx, name, this.clock.now());
      await findVersionRow(tx, model, checkVersion(version));
      await tx
        .insertInto('model_version_tags')
        .values({ registered_model_id: model.registered_model_id, version, key, value })
        .onConflict((oc) => oc.columns(['registered_model_id', 'version', 'key']).doUpdateSet({ value }))
        .execute();
    });
  }

  /** Removes a tag; removing one that is not there is not an error (as in MLflow). */
  async deleteTag(name: string, version: number, key: string): Promise<void> {
    checkModelName(name);
    checkKey(key, 'key');
    const model = await findModelRow(this.db, name);
    await findVersionRow(this.db, model, checkVersion(version));
    await this.db
      .deleteFrom('model_version_tags')
      .where('registered_model_id', '=', model.registered_model_id)
      .where('version', '=', version)
      .where('key', '=', key)
      .execute();
  }

  /**
   * Deletes a version and its tags. Aliases pointing at it are removed (and that is recorded);
   * its number is never given out again, and its promotion history stays.
   */
  async delete(name: string, version: number, by: Attribution = {}): Promise<void> {
    checkModelName(name);
    checkVersion(version);
    const { changes, storagePath } = await this.db.transaction().execute(async (tx) => {
      const model = await lockModel(tx, name, this.clock.now());
      const row = await findVersionRow(tx, model, version);
      const id = model.registered_model_id;
      const pointing = await tx
        .selectFrom('model_aliases')
        .selectAll()
        .where('registered_model_id', '=', id)
        .where('version', '=', version)
        .execute();
      const removed = await removeAliases(tx, this.clock, model, pointing, {
        ...by,
        reason: by.reason ?? `version ${version} deleted`,
      });
      await tx
        .deleteFrom('model_version_tags')
        .where('registered_model_id', '=', id)
        .where('version', '=', version)
        .execute();
      await tx
        .deleteFrom('model_versions')
        .where('registered_model_id', '=', id)
        .where('version', '=', version)
        .execute();
      return { changes: removed.map((r) => r.change), storagePath: row.storage_path };
    });
    this.aliases.announce(changes);
    await this.audit.record({
      kind: 'model',
      action: 'model.delete-version',
      objectKind: 'model',
      objectId: name,
      before: { version, aliases: changes.map((c) => c.alias) },
      ...(by.reason ? { after: { reason: by.reason } } : {}),
    });
    // Only the registry's own copy goes; files of versions registered before copies were made
    // belong to their run.
    if (isRegistryOwned(storagePath)) await this.store.delete(storagePath);
  }

  /**
   * The newest version in each legacy stage (MLflow's "latest versions"), newest first; only
   * the given stages when `stages` is not empty.
   */
  async latestByStage(name: string, stages: string[] = []): Promise<ModelVersion[]> {
    checkModelName(name);
    const model = await findModelRow(this.db, name);
    let query = this.db
      .selectFrom('model_versions')
      .select(['stage', (eb) => eb.fn.max('version').as('version')])
      .where('registered_model_id', '=', model.registered_model_id)
      .groupBy('stage');
    if (stages.length > 0) {
      const wanted = stages.map((s) => s.toLowerCase());
      query = query.where((eb) => eb(eb.fn('lower', ['stage']), 'in', wanted));
    }
    const newest = await query.execute();
    const rows = await Promise.all(newest.map((n) => findVersionRow(this.db, model, Number(n.version))));
    const versions = await loadVersions(this.db, rows);
    return versions.sort((a, b) => b.version - a.version);
  }

  /** The package when the files are a servable ONNX model; otherwise why not. */
  private async inspect(storagePath: string): Promise<{ pkg?: ModelPackage; problem?: string }> {
    try {
      return { pkg: await readModelPackage(this.store, storagePath) };
    } catch (error) {
      if (!isMloopError(error)) throw error;
      return { problem: `registered, but mloop cannot serve it: ${error.message}` };
    }
  }

  /** The run behind a version, for lineage; one this server never saw (MLflow accepts it) adds none. */
  private async findRun(runId: string): Promise<Run | undefined> {
    try {
      return await this.runs.get(runId);
    } catch (error) {
      if (isMloopError(error) && error.code === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw error;
    }
  }

  /** Lists the registration on the logged model (`mlflow.modelVersions`), as MLflow's server does. */
  private async noteRegistration(loggedModelId: string, name: string, version: number): Promise<void> {
    const model = await this.loggedModels
      .get(loggedModelId, { allowDeleted: true })
      .catch((error: unknown) => {
        // A logged model of another server, registered by its id: nothing here to note it on.
        if (isMloopError(error) && error.code === 'RESOURCE_DOES_NOT_EXIST') return undefined;
        throw error;
      });
    if (!model) return;
    const tag = model.tags.find((t) => t.key === 'mlflow.modelVersions');
    let registrations: Array<{ name: string; version: string }> = [];
    try {
      registrations = tag ? (JSON.parse(tag.value) as typeof registrations) : [];
    } catch {
      registrations = [];
    }
    // The client may note it too; list each registration once.
    if (registrations.some((r) => r.name === name && r.version === String(version))) return;
    registrations.push({ name, version: String(version) });
    await this.loggedModels.setTags(loggedModelId, [
      { key: 'mlflow.modelVersions', value: JSON.stringify(registrations) },
    ]);
  }
}

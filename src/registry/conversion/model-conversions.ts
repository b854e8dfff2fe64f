import type { Kysely } from 'kysely';
import { noAuditTrail, type AuditTrail } from '../../core/audit-trail.js';
import type { Clock } from '../../core/clock.js';
import { invalidParameter } from '../../core/errors.js';
import type { EventBus } from '../../core/events.js';
import { newId } from '../../core/ids.js';
import { joinArtifactPath } from '../../store/artifacts/artifact-path.js';
import type { ArtifactStore } from '../../store/artifacts/artifact-store.js';
import { isRegistryOwned, registryRoot } from '../../store/artifacts/registry-owned.js';
import type { ModelConversion } from '../model-metadata.js';
import { checkVersionFiles, holdsFiles, listFiles, type ModelFile } from '../model-files.js';
import { describePackage, readModelPackage } from '../model-package.js';
import type { ModelVersionService } from '../model-versions.js';
import { lockModel } from '../promotions.js';
import type { RegistryTables } from '../tables.js';
import type { ModelVersion } from '../types.js';
import { checkModelName, checkVersion } from '../validation.js';
import { convertedFiles, type ConversionOptions, type OnnxConverter } from './onnx-converter.js';
import { conversionFailureMessage } from './version-conversion.js';

/** What a retried conversion did: the version as it is now, and the conversion tried. */
export interface ConversionResult {
  version: ModelVersion;
  conversion: ModelConversion;
}

/**
 * Retries the ONNX conversion of a registered MLflow model, with rows of the user's choosing or
 * another target opset (`mloop models convert`). Versions are immutable, so a passing conversion
 * makes a new copy of the files with the package beside them and switches the version to it in
 * one update: a load sees either the old directory with its record or the new one with its own.
 * A failing retry leaves a converted version as it was (its served package does not change).
 */
export class ModelConversions {
  constructor(
    private readonly db: Kysely<RegistryTables>,
    private readonly clock: Clock,
    private readonly events: EventBus,
    private readonly store: ArtifactStore,
    private readonly versions: ModelVersionService,
    private readonly converter: OnnxConverter | undefined,
    private readonly audit: AuditTrail = noAuditTrail,
  ) {}

  async convert(name: string, version: number, options: ConversionOptions = {}): Promise<ConversionResult> {
    checkModelName(name);
    checkVersion(version);
    if (
      options.targetOpset !== undefined &&
      !(Number.isInteger(options.targetOpset) && options.targetOpset >= 7)
    )
      throw invalidParameter('target_opset', `the target opset must be a whole number of at least 7`);
    const found = await this.versions.get(name, version);
    if (!holdsFiles(found))
      throw invalidParameter(
        'version',
        `${name}/${version} has no files mloop holds: ${found.statusMessage ?? ''}`,
      );
    if (!this.converter) throw invalidParameter('version', 'this process converts no models');
    const flavors = await this.converter.convertibleFlavors(found.storagePath);
    if (!flavors)
      throw invalidParameter(
        'version',
        `${name}/${version} is not an MLflow model of flavor sklearn, xgboost or lightgbm without an onnx flavor: nothing to convert`,
      );
    await checkVersionFiles(this.store, this.events, found);
    const { conversion, files } = await this.converter.convert(found.storagePath, flavors, options);
    if (files) await this.switchFiles(found, files, conversion);
    else if (found.lineage.conversion?.status !== 'converted')
      await this.recordFailure(found, flavors, conversion);
    await this.audit.record({
      kind: 'model',
      action: 'model.convert',
      objectKind: 'model',
      objectId: name,
      after: {
        version,
        conversion: conversion.status,
        ...(conversion.reason ? { reason: conversion.reason } : {}),
      },
    });
    return { version: await this.versions.get(name, version), conversion };
  }

  /** Copies the original files and the new package to a fresh directory, then points the version at it. */
  private async switchFiles(
    found: ModelVersion,
    files: Record<string, Uint8Array>,
    conversion: ModelConversion,
  ): Promise<void> {
    const model = await this.db.transaction().execute((tx) => lockModel(tx, found.name, this.clock.now()));
    const dir = joinArtifactPath(registryRoot, model.registered_model_id, newId('files'));
    try {
      const records: ModelFile[] = [];
      const skipped = new Set<string>(convertedFiles);
      for (const path of await listFiles(this.store, found.storagePath)) {
        if (skipped.has(path)) continue;
        const file = await this.store.get(joinArtifactPath(found.storagePath, path));
        if (!file) continue;
        const stored = await this.store.put(joinArtifactPath(dir, path), file.stream);
        records.push({ path, size: stored.size, sha256: stored.sha256 });
      }
      for (const [path, bytes] of Object.entries(files)) {
        const stored = await this.store.put(joinArtifactPath(dir, path), bytes);
        records.push({ path, size: stored.size, sha256: stored.sha256 });
      }
      const pkg = await readModelPackage(this.store, dir);
      await this.db.transaction().execute(async (tx) => {
        const now = this.clock.now();
        await lockModel(tx, found.name, now);
        await tx
          .updateTable('model_versions')
          .set({
            storage_path: dir,
            files: JSON.stringify(records.sort((a, b) => a.path.localeCompare(b.path))),
            format: pkg.metadata.format,
            metadata: JSON.stringify(describePackage(pkg)),
            lineage: JSON.stringify({ ...found.lineage, conversion }),
            status_message: null,
            last_updated_time: now,
          })
          .where('registered_model_id', '=', model.registered_model_id)
          .where('version', '=', found.version)
          .execute();
      });
    } catch (error) {
      await this.store.delete(dir);
      throw error;
    }
    // Only the registry's own copy goes; files of versions registered before copies were made
    // belong to their run.
    if (isRegistryOwned(found.storagePath)) await this.store.delete(found.storagePath);
  }

  private async recordFailure(
    found: ModelVersion,
    flavors: string[],
    conversion: ModelConversion,
  ): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const now = this.clock.now();
      const model = await lockModel(tx, found.name, now);
      await tx
        .updateTable('model_versions')
        .set({
          lineage: JSON.stringify({ ...found.lineage, conversion }),
          status_message: conversionFailureMessage(flavors, conversion),
          last_updated_time: now,
        })
        .where('registered_model_id', '=', model.registered_model_id)
        .where('version', '=', found.version)
        .execute();
    });
  }
}

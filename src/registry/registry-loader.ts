import type { Kysely } from 'kysely';
import { notFound } from '../core/errors.js';
import type { ModelFile } from './model-files.js';
import type { Lineage, ModelMetadata } from './model-metadata.js';
import type { ModelVersionRow, PromotionRow, RegisteredModelRow, RegistryTables } from './tables.js';
import type { ModelVersion, ModelVersionStatus, Promotion, RegisteredModel } from './types.js';

/** A version row with its model's name, as searches and lookups return it. */
export type NamedVersionRow = ModelVersionRow & { name: string };

export async function findModelRow(db: Kysely<RegistryTables>, name: string): Promise<RegisteredModelRow> {
  const row = await db
    .selectFrom('registered_models')
    .selectAll()
    .where('name', '=', name)
    .executeTakeFirst();
  if (!row) throw notFound(`Registered Model with name=${name} not found`);
  return row;
}

export async function findVersionRow(
  db: Kysely<RegistryTables>,
  model: RegisteredModelRow,
  version: number,
): Promise<NamedVersionRow> {
  const row = await db
    .selectFrom('model_versions')
    .selectAll()
    .where('registered_model_id', '=', model.registered_model_id)
    .where('version', '=', version)
    .executeTakeFirst();
  if (!row) throw notFound(`Model Version (name=${model.name}, version=${version}) not found`);
  return { ...row, name: model.name };
}

/** Whole registered models (tags, aliases, latest version) with one query per table. */
export async function loadModels(
  db: Kysely<RegistryTables>,
  rows: RegisteredModelRow[],
): Promise<RegisteredModel[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.registered_model_id);
  const [tags, aliases, latest] = await Promise.all([
    db.selectFrom('registered_model_tags').selectAll().where('registered_model_id', 'in', ids).execute(),
    db
      .selectFrom('model_aliases')
      .selectAll()
      .where('registered_model_id', 'in', ids)
      .orderBy('alias')
      .execute(),
    db
      .selectFrom('model_versions')
      .select(['registered_model_id', (eb) => eb.fn.max('version').as('latest')])
      .where('registered_model_id', 'in', ids)
      .groupBy('registered_model_id')
      .execute(),
  ]);
  return rows.map((r) => {
    const id = r.registered_model_id;
    const newest = latest.find((l) => l.registered_model_id === id)?.latest;
    return {
      name: r.name,
      description: r.description ?? undefined,
      userId: r.user_id ?? undefined,
      creationTime: Number(r.creation_time),
      lastUpdatedTime: Number(r.last_updated_time),
      tags: tags.filter((t) => t.registered_model_id === id).map((t) => ({ key: t.key, value: t.value })),
      aliases: aliases
        .filter((a) => a.registered_model_id === id)
        .map((a) => ({ alias: a.alias, version: Number(a.version) })),
      latestVersion: newest === undefined || newest === null ? undefined : Number(newest),
    };
  });
}

/** Whole model versions (tags, aliases, lineage) with one query per table. */
export async function loadVersions(
  db: Kysely<RegistryTables>,
  rows: NamedVersionRow[],
): Promise<ModelVersion[]> {
  if (rows.length === 0) return [];
  const ids = [...new Set(rows.map((r) => r.registered_model_id))];
  const [tags, aliases] = await Promise.all([
    db.selectFrom('model_version_tags').selectAll().where('registered_model_id', 'in', ids).execute(),
    db
      .selectFrom('model_aliases')
      .selectAll()
      .where('registered_model_id', 'in', ids)
      .orderBy('alias')
      .execute(),
  ]);
  const of = (r: ModelVersionRow) => (x: { registered_model_id: string; version: number }) =>
    x.registered_model_id === r.registered_model_id && Number(x.version) === Number(r.version);
  return rows.map((r) => ({
    name: r.name,
    version: Number(r.version),
    creationTime: Number(r.creation_time),
    lastUpdatedTime: Number(r.last_updated_time),
    description: r.description ?? undefined,
    userId: r.user_id ?? undefined,
    source: r.source,
    runId: r.run_id ?? undefined,
    runLink: r.run_link ?? undefined,
    loggedModelId: r.logged_model_id ?? undefined,
    storagePath: r.storage_path,
    files: r.files === null ? undefined : (JSON.parse(r.files) as ModelFile[]),
    status: r.status as ModelVersionStatus,
    statusMessage: r.status_message ?? undefined,
    stage: r.stage,
    format: (r.format ?? undefined) as ModelMetadata['format'] | undefined,
    metadata: r.metadata === null ? undefined : (JSON.parse(r.metadata) as Omit<ModelMetadata, 'lineage'>),
    tags: tags.filter(of(r)).map((t) => ({ key: t.key, value: t.value })),
    aliases: aliases.filter(of(r)).map((a) => a.alias),
    lineage: JSON.parse(r.lineage) as Lineage,
  }));
}

export function toPromotion(row: PromotionRow): Promotion {
  return {
    id: row.promotion_id,
    name: row.model_name,
    kind: row.kind === 'stage' ? 'stage' : 'alias',
    alias: row.alias,
    fromVersion: row.from_version === null ? undefined : Number(row.from_version),
    toVersion: row.to_version === null ? undefined : Number(row.to_version),
    actor: row.actor,
    reason: row.reason ?? undefined,
    time: Number(row.created_time),
  };
}

import type { Kysely } from 'kysely';
import type { MigrationStep } from './index.js';

// The model registry: registered models (a surrogate id, so a rename touches one row), their
// numbered versions with lineage, tags, aliases, and the append-only record of alias moves.
export const registry: MigrationStep = async (db: Kysely<unknown>) => {
  await db.schema
    .createTable('registered_models')
    .addColumn('registered_model_id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text')
    .addColumn('user_id', 'text')
    .addColumn('creation_time', 'bigint', (c) => c.notNull())
    .addColumn('last_updated_time', 'bigint', (c) => c.notNull())
    // The highest version number ever given out: numbers are never reused, even after a delete.
    .addColumn('last_version', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('registered_model_tags')
    .addColumn('registered_model_id', 'text', (c) =>
      c.notNull().references('registered_models.registered_model_id'),
    )
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('registered_model_tags_pk', ['registered_model_id', 'key'])
    .execute();

  await db.schema
    .createTable('model_versions')
    .addColumn('registered_model_id', 'text', (c) =>
      c.notNull().references('registered_models.registered_model_id'),
    )
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('creation_time', 'bigint', (c) => c.notNull())
    .addColumn('last_updated_time', 'bigint', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('user_id', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text')
    .addColumn('run_link', 'text')
    .addColumn('logged_model_id', 'text')
    .addColumn('storage_path', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_message', 'text')
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('format', 'text')
    .addColumn('metadata', 'text')
    .addColumn('lineage', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('model_versions_pk', ['registered_model_id', 'version'])
    .execute();
  await db.schema.createIndex('model_versions_run').on('model_versions').column('run_id').execute();

  await db.schema
    .createTable('model_version_tags')
    .addColumn('registered_model_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('model_version_tags_pk', ['registered_model_id', 'version', 'key'])
    .addForeignKeyConstraint(
      'model_version_tags_version_fk',
      ['registered_model_id', 'version'],
      'model_versions',
      ['registered_model_id', 'version'],
    )
    .execute();

  await db.schema
    .createTable('model_aliases')
    .addColumn('registered_model_id', 'text', (c) => c.notNull())
    .addColumn('alias', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('model_aliases_pk', ['registered_model_id', 'alias'])
    .addForeignKeyConstraint(
      'model_aliases_version_fk',
      ['registered_model_id', 'version'],
      'model_versions',
      ['registered_model_id', 'version'],
    )
    .execute();

  // Append-only: who moved which alias (or legacy stage) from which version to which, when and
  // why. No foreign keys, so deleting a version or a model leaves its history in place.
  await db.schema
    .createTable('promotions')
    .addColumn('promotion_id', 'text', (c) => c.primaryKey())
    .addColumn('registered_model_id', 'text', (c) => c.notNull())
    // 1, 2, 3… per model, in the order the moves happened (the model row is locked meanwhile).
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('model_name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('alias', 'text', (c) => c.notNull())
    .addColumn('from_version', 'integer')
    .addColumn('to_version', 'integer')
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('created_time', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('promotions_model_seq')
    .on('promotions')
    .columns(['registered_model_id', 'seq'])
    .execute();
  await db.schema.createIndex('promotions_name').on('promotions').column('model_name').execute();
};

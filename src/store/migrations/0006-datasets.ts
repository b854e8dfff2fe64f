import type { Kysely } from 'kysely';
import type { MigrationStep } from './index.js';

// Versioned datasets: a named dataset and its immutable, content-addressed versions, numbered
// 1, 2, 3… per name. The digest is unique per name, so adding the same bytes twice finds the
// version that holds them instead of making a second one.
export const datasets: MigrationStep = async (db: Kysely<unknown>) => {
  await db.schema
    .createTable('dataset_names')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('description', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    // The highest version number given out: numbers are never reused.
    .addColumn('last_version', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('dataset_versions')
    .addColumn('name', 'text', (c) => c.notNull().references('dataset_names.name'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    // JSON: [{name, type}] in the file's column order.
    .addColumn('schema', 'text', (c) => c.notNull())
    .addColumn('row_count', 'bigint', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    // JSON: [{path, size, sha256}], relative to the version's artifact directory.
    .addColumn('files', 'text', (c) => c.notNull())
    .addColumn('storage_path', 'text', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('parent_version', 'integer')
    // JSON: per-column statistics (see src/data/profile.ts).
    .addColumn('profile', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('tags', 'text')
    .addPrimaryKeyConstraint('dataset_versions_pk', ['name', 'version'])
    .addUniqueConstraint('dataset_versions_digest', ['name', 'digest'])
    .execute();
  await db.schema.createIndex('dataset_versions_by_digest').on('dataset_versions').column('digest').execute();
};

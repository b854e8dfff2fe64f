import type { Kysely } from 'kysely';
import type { MigrationStep } from './index.js';

// Validation reports per dataset version (append-only: the newest report of a version is its
// verdict), and the suite a dataset may require before any of its versions is used for training.
// No foreign keys to datasets: a report stays readable, and plain files are validated too.
export const datasetValidation: MigrationStep = async (db: Kysely<unknown>, dialect) => {
  await db.schema
    .createTable('dataset_validations')
    .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
      dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('dataset_name', 'text', (c) => c.notNull())
    .addColumn('dataset_version', 'integer', (c) => c.notNull())
    .addColumn('suite_digest', 'text', (c) => c.notNull())
    .addColumn('passed', 'integer', (c) => c.notNull())
    .addColumn('failed_checks', 'integer', (c) => c.notNull())
    .addColumn('total_checks', 'integer', (c) => c.notNull())
    .addColumn('suite', 'text', (c) => c.notNull())
    .addColumn('report', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('dataset_validations_version')
    .on('dataset_validations')
    .columns(['dataset_name', 'dataset_version', 'id'])
    .execute();
  await db.schema
    .createTable('dataset_required_suites')
    .addColumn('dataset_name', 'text', (c) => c.primaryKey())
    .addColumn('suite_digest', 'text', (c) => c.notNull())
    .addColumn('suite', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
};

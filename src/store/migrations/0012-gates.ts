import type { Kysely } from 'kysely';
import type { MigrationStep } from './index.js';

// Evaluation gates: the gate a registered model is held to (its spec as JSON, one per model) and
// every report of a gate run on a version, kept forever so a promotion can name the report that
// allowed or blocked it. No foreign keys: reports outlive the versions they judged.
export const gates: MigrationStep = async (db: Kysely<unknown>) => {
  await db.schema
    .createTable('model_gates')
    .addColumn('registered_model_id', 'text', (c) => c.primaryKey())
    .addColumn('model_name', 'text', (c) => c.notNull())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('created_time', 'bigint', (c) => c.notNull())
    .addColumn('updated_time', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('gate_reports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('registered_model_id', 'text', (c) => c.notNull())
    .addColumn('model_name', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('passed', 'integer', (c) => c.notNull())
    .addColumn('report', 'text', (c) => c.notNull())
    .addColumn('created_time', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('gate_reports_by_version')
    .on('gate_reports')
    .columns(['registered_model_id', 'version', 'created_time'])
    .execute();
};

import type { Kysely } from 'kysely';
import type { MigrationStep } from './index.js';

// Ground truth for logged predictions, one row per prediction. A later label for the same
// prediction replaces the earlier one and bumps `revision`: metrics want one truth per prediction
// (the latest, e.g. a chargeback that overturned a first verdict), and the counter with
// `created_time`/`updated_time` tells a corrected label from a first one without keeping every
// version. `model` and `version` are copied from the prediction so a model's labels are found by
// index without touching the prediction log. `label` is JSON (a string, number or boolean).
export const feedback: MigrationStep = async (db: Kysely<unknown>) => {
  await db.schema
    .createTable('feedback')
    .addColumn('prediction_id', 'text', (c) => c.primaryKey())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('created_time', 'bigint', (c) => c.notNull())
    .addColumn('updated_time', 'bigint', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('feedback_updated_time').on('feedback').column('updated_time').execute();
  await db.schema
    .createIndex('feedback_model_time')
    .on('feedback')
    .columns(['model', 'updated_time'])
    .execute();
};

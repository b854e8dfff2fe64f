import type { Kysely } from 'kysely';
import type { MigrationStep } from './index.js';

// The prediction log: one row per scored record, written in batches off the request path. Reads
// go by id, by model or deployment over a time window, and by request key (feedback joins labels
// to predictions by id or key).
export const predictions: MigrationStep = async (db: Kysely<unknown>) => {
  await db.schema
    .createTable('predictions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('time', 'bigint', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('deployment', 'text')
    .addColumn('arm', 'text', (c) => c.notNull())
    .addColumn('inputs', 'text', (c) => c.notNull())
    .addColumn('outputs', 'text', (c) => c.notNull())
    .addColumn('latency_ms', 'double precision', (c) => c.notNull())
    .addColumn('request_key', 'text')
    .execute();
  await db.schema.createIndex('predictions_time').on('predictions').columns(['time', 'id']).execute();
  await db.schema
    .createIndex('predictions_model_time')
    .on('predictions')
    .columns(['model', 'time', 'id'])
    .execute();
  await db.schema
    .createIndex('predictions_deployment_time')
    .on('predictions')
    .columns(['deployment', 'time', 'id'])
    .execute();
  await db.schema.createIndex('predictions_request_key').on('predictions').column('request_key').execute();
};

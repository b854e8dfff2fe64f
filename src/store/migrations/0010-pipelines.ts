import type { Kysely } from 'kysely';
import type { MigrationStep } from './index.js';

// Pipelines (their definition and where their code lives), their runs (with what triggered them
// and which process runs them, so a run whose process died can be marked failed) and one row per
// step of a run, holding its cache key and its outputs. Booleans are integers so both dialects read them alike.
export const pipelines: MigrationStep = async (db: Kysely<unknown>) => {
  await db.schema
    .createTable('pipelines')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('source_kind', 'text', (c) => c.notNull())
    .addColumn('source_path', 'text', (c) => c.notNull())
    .addColumn('source_text', 'text')
    .addColumn('created_time', 'bigint', (c) => c.notNull())
    .addColumn('updated_time', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('pipeline_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('pipeline', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('tracking_run_id', 'text')
    .addColumn('error', 'text')
    .addColumn('owner_host', 'text')
    .addColumn('owner_pid', 'integer')
    .addColumn('cancel_requested', 'integer', (c) => c.notNull())
    .addColumn('start_time', 'bigint', (c) => c.notNull())
    .addColumn('end_time', 'bigint')
    .execute();
  await db.schema
    .createIndex('pipeline_runs_pipeline')
    .on('pipeline_runs')
    .columns(['pipeline', 'start_time'])
    .execute();
  await db.schema.createIndex('pipeline_runs_status').on('pipeline_runs').columns(['status']).execute();

  await db.schema
    .createTable('step_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('pipeline_run_id', 'text', (c) => c.notNull())
    .addColumn('pipeline', 'text', (c) => c.notNull())
    .addColumn('step', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('cache_key', 'text')
    .addColumn('cache_hit', 'integer', (c) => c.notNull())
    .addColumn('outputs', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('log_path', 'text')
    .addColumn('tracking_run_id', 'text')
    .addColumn('start_time', 'bigint')
    .addColumn('end_time', 'bigint')
    .execute();
  await db.schema
    .createIndex('step_runs_run')
    .on('step_runs')
    .columns(['pipeline_run_id', 'step'])
    .unique()
    .execute();
  await db.schema
    .createIndex('step_runs_cache')
    .on('step_runs')
    .columns(['pipeline', 'step', 'cache_key'])
    .execute();
};

import type { Kysely } from 'kysely';
import type { MigrationStep } from './index.js';

// MLflow 3's traces: one row per trace (what its list shows and its search filters on), its tags
// and request metadata as key/value rows, the runs it belongs to, and assessments (feedback and
// expectations) with their values as JSON. Spans are not here: the client uploads them as one
// JSON file to the trace's artifact location. Run and experiment ids are not foreign keys: a
// trace names what the client says, as MLflow records it.
export const traces: MigrationStep = async (db: Kysely<unknown>) => {
  await db.schema
    .createTable('traces')
    .addColumn('trace_id', 'text', (c) => c.primaryKey())
    .addColumn('experiment_id', 'text', (c) => c.notNull())
    .addColumn('client_request_id', 'text')
    .addColumn('request_time', 'bigint', (c) => c.notNull())
    .addColumn('execution_duration', 'bigint')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('request_preview', 'text')
    .addColumn('response_preview', 'text')
    .execute();
  await db.schema
    .createIndex('traces_experiment_time')
    .on('traces')
    .columns(['experiment_id', 'request_time'])
    .execute();
  for (const table of ['trace_tags', 'trace_metadata']) {
    await db.schema
      .createTable(table)
      .addColumn('trace_id', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ['trace_id', 'key'])
      .execute();
  }
  await db.schema
    .createTable('trace_runs')
    .addColumn('trace_id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('trace_runs_pk', ['trace_id', 'run_id'])
    .execute();
  await db.schema.createIndex('trace_runs_run').on('trace_runs').column('run_id').execute();
  await db.schema
    .createTable('trace_assessments')
    .addColumn('assessment_id', 'text', (c) => c.primaryKey())
    .addColumn('trace_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('create_time', 'bigint', (c) => c.notNull())
    .addColumn('last_update_time', 'bigint', (c) => c.notNull())
    // the rest of the assessment (kind, value, source, rationale, metadata...) as JSON
    .addColumn('body', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('trace_assessments_trace').on('trace_assessments').column('trace_id').execute();
};

import type { Kysely } from 'kysely';
import type { MigrationStep } from './index.js';

// MLflow 3's logged models: a model with its own id and artifact directory, created before its
// files are uploaded and finalized afterwards; its params and tags; and which runs output it.
export const loggedModels: MigrationStep = async (db: Kysely<unknown>) => {
  await db.schema
    .createTable('logged_models')
    .addColumn('model_id', 'text', (c) => c.primaryKey())
    .addColumn('experiment_id', 'text', (c) => c.notNull().references('experiments.experiment_id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('artifact_location', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_message', 'text')
    .addColumn('model_type', 'text')
    .addColumn('source_run_id', 'text')
    .addColumn('creation_time', 'bigint', (c) => c.notNull())
    .addColumn('last_updated_time', 'bigint', (c) => c.notNull())
    .addColumn('lifecycle_stage', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('logged_models_experiment_created')
    .on('logged_models')
    .columns(['experiment_id', 'creation_time'])
    .execute();
  await db.schema
    .createIndex('logged_models_source_run')
    .on('logged_models')
    .column('source_run_id')
    .execute();

  for (const table of ['logged_model_tags', 'logged_model_params']) {
    await db.schema
      .createTable(table)
      .addColumn('model_id', 'text', (c) => c.notNull().references('logged_models.model_id'))
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ['model_id', 'key'])
      .execute();
  }

  // A run's outputs: the logged models it produced, each at a training step.
  await db.schema
    .createTable('run_outputs')
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.run_id'))
    .addColumn('model_id', 'text', (c) => c.notNull().references('logged_models.model_id'))
    .addColumn('step', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('run_outputs_pk', ['run_id', 'model_id'])
    .execute();
};

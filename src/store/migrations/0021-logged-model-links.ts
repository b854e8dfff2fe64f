import type { Kysely } from 'kysely';
import type { MigrationStep } from './index.js';

// MLflow 3 links runs, logged models and datasets: a metric logged with a model_id (and the
// dataset it was measured on) is also the logged model's metric, and a run may read logged
// models as inputs. Neither id is a foreign key: MLflow records ids of other servers as given.
export const loggedModelLinks: MigrationStep = async (db: Kysely<unknown>) => {
  await db.schema
    .createTable('logged_model_metrics')
    .addColumn('model_id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'double precision', (c) => c.notNull())
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('step', 'bigint', (c) => c.notNull())
    .addColumn('is_nan', 'integer', (c) => c.notNull())
    // '' when the metric names no dataset, so the key below identifies a point
    .addColumn('dataset_name', 'text', (c) => c.notNull())
    .addColumn('dataset_digest', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('logged_model_metrics_pk', [
      'model_id',
      'run_id',
      'key',
      'step',
      'timestamp',
      'value',
      'is_nan',
      'dataset_name',
      'dataset_digest',
    ])
    .execute();
  await db.schema
    .createIndex('logged_model_metrics_key')
    .on('logged_model_metrics')
    .columns(['key', 'value'])
    .execute();
  await db.schema
    .createTable('run_model_inputs')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('model_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('run_model_inputs_pk', ['run_id', 'model_id'])
    .execute();
};

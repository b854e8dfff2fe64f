import type { Kysely } from 'kysely';
import type { MigrationStep } from './index.js';

// Deployments (a primary arm, an optional candidate and its rollout, one row each) and their
// append-only history of changes and rollout decisions.
export const deployments: MigrationStep = async (db: Kysely<unknown>, dialect) => {
  await db.schema
    .createTable('deployments')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('primary_ref', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('candidate_ref', 'text')
    .addColumn('candidate_mode', 'text')
    .addColumn('candidate_percent', 'double precision')
    .addColumn('rollout_plan', 'text')
    .addColumn('rollout_status', 'text')
    .addColumn('rollout_step', 'integer')
    .addColumn('rollout_step_started_time', 'bigint')
    .addColumn('rollout_started_time', 'bigint')
    .addColumn('rollout_ended_time', 'bigint')
    .addColumn('rollout_reason', 'text')
    .addColumn('created_time', 'bigint', (c) => c.notNull())
    .addColumn('updated_time', 'bigint', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('deployments_rollout_status')
    .on('deployments')
    .column('rollout_status')
    .execute();

  // No foreign key to deployments: the history of a deleted deployment stays readable.
  await db.schema
    .createTable('deployment_events')
    .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
      dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('deployment', 'text', (c) => c.notNull())
    .addColumn('time', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('from_percent', 'double precision')
    .addColumn('to_percent', 'double precision')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('stats', 'text')
    .addColumn('primary_version', 'text')
    .addColumn('candidate_version', 'text')
    .execute();
  await db.schema
    .createIndex('deployment_events_deployment')
    .on('deployment_events')
    .columns(['deployment', 'id'])
    .execute();
};

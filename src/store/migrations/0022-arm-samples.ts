import type { Kysely } from 'kysely';
import type { MigrationStep } from './index.js';

// Every request an arm of a deployment answered, from every server: rollouts and deployment error
// rules are judged on all replicas' traffic, not on the share one process saw. Servers write them
// in batches; rows older than a day are pruned.
export const armSamples: MigrationStep = async (db: Kysely<unknown>) => {
  await db.schema
    .createTable('arm_samples')
    .addColumn('deployment', 'text', (c) => c.notNull())
    .addColumn('arm', 'text', (c) => c.notNull())
    .addColumn('time', 'int8', (c) => c.notNull())
    .addColumn('latency_ms', 'double precision', (c) => c.notNull())
    .addColumn('ok', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('arm_samples_window')
    .on('arm_samples')
    .columns(['deployment', 'arm', 'time'])
    .execute();
};
